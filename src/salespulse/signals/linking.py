"""Identity linking: who sent a message, who it was for, and which customer it is about.

A connector names people by WeCom ids, WeChat ids, remarks or nicknames, e-mail
addresses and phone numbers. Each distinct (kind, value) is one ``Identity`` row. A new
or still unmatched identity is matched automatically:

* ``wecom_external`` by ``Contact.wecom_external_userid``; robot ids (``wb…``) are ignored;
* ``wecom_user`` by a user whose username or external id is the WeCom user id;
* ``wechat_id`` by ``Contact.wechat_id``, else by its remark or nickname as below;
* ``email`` by a user's, else a contact's, address (case-insensitive);
* ``phone`` by a contact's phone, compared on digits only;
* ``nickname`` by a user's display name, a contact's name, or a customer's name or
  short name, also for each part of a remark such as ``王主任-江南区医院``.

A match must be unique; anything else stays in the review queue (status ``unmatched``).
A link made by hand is stored on the identity, so the next import uses it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, F, Max, Min, Q
from django.db.models.functions import Lower

from salespulse.accounts.models import User
from salespulse.crm.models import Contact, Customer, Direction, InteractionChannel
from salespulse.signals.connectors.base import IdentityRef
from salespulse.signals.models import Identity, IdentityKind, IdentityStatus, Speaker

REMARK_SEPARATORS = re.compile(r"[-—－_/·|\s]+")


def digits(value: str) -> str:
    """Return the last 11 digits of a phone number (drops +86, spaces and dashes)."""
    only = re.sub(r"\D", "", value or "")
    return only[-11:]


def _ends_with_digits(tail: str) -> str:
    """Build a regex for a phone ending in ``tail``, with any separators between its
    digits (``138 0013 80 00``). The caller compares the full digits afterwards."""
    return r"\D*".join(tail) + r"\D*$"


def _unique(queryset):
    rows = list(queryset[:2])
    return rows[0] if len(rows) == 1 else None


def _match_user_by_name(name: str) -> User | None:
    if not name:
        return None
    return _unique(User.objects.filter(is_active=True, display_name=name))


def _match_nickname(value: str) -> tuple[Contact | None, Customer | None, User | None]:
    user = _match_user_by_name(value)
    if user:
        return None, None, user
    contact = _unique(Contact.objects.filter(name=value).select_related("customer"))
    if contact:
        return contact, contact.customer, None
    candidates = [value] + [part for part in REMARK_SEPARATORS.split(value) if len(part) >= 2 and part != value]
    for part in candidates:
        customer = _unique(Customer.objects.filter(Q(name=part) | Q(short_name=part)))
        if customer:
            return None, customer, None
    return None, None, None


def match_identity(
    kind: str, value: str, display_name: str = ""
) -> tuple[Contact | None, Customer | None, User | None]:
    """Find the one contact (with its customer), customer or user that ``kind``/``value``
    names; (None, None, None) when there is no unique match."""
    if kind == IdentityKind.WECOM_EXTERNAL:
        contact = _unique(Contact.objects.filter(wecom_external_userid=value).select_related("customer"))
        return (contact, contact.customer, None) if contact else (None, None, None)
    if kind == IdentityKind.WECOM_USER:
        user = _unique(User.objects.filter(Q(username=value) | Q(external_id=value), is_active=True))
        return None, None, user
    if kind == IdentityKind.WECHAT_ID:
        contact = _unique(Contact.objects.filter(wechat_id=value).select_related("customer"))
        if contact:
            return contact, contact.customer, None
        return _match_nickname(display_name) if display_name else (None, None, None)
    if kind == IdentityKind.EMAIL:
        user = _unique(User.objects.filter(email__iexact=value, is_active=True))
        if user:
            return None, None, user
        contact = _unique(Contact.objects.filter(email__iexact=value).select_related("customer"))
        return (contact, contact.customer, None) if contact else (None, None, None)
    if kind == IdentityKind.PHONE:
        wanted = digits(value)
        if len(wanted) < 7:
            return None, None, None
        matches = [
            contact
            for contact in Contact.objects.filter(phone__regex=_ends_with_digits(wanted[-4:])).select_related(
                "customer"
            )[:50]
            if digits(contact.phone) == wanted
        ]
        return (matches[0], matches[0].customer, None) if len(matches) == 1 else (None, None, None)
    if kind == IdentityKind.NICKNAME:
        return _match_nickname(value)
    return None, None, None


def apply_match(identity: Identity) -> bool:
    """Match an unmatched identity in place (not saved); True when it is now linked."""
    if identity.kind == IdentityKind.WECOM_EXTERNAL and identity.value.startswith("wb"):
        identity.status = IdentityStatus.IGNORED
        return False
    contact, customer, user = match_identity(identity.kind, identity.value, identity.display_name)
    if not (contact or customer or user):
        return False
    identity.contact, identity.customer, identity.user = contact, customer, user
    identity.status = IdentityStatus.LINKED
    return True


def _bulk_matches(kind: str, values: list[str]) -> dict[str, tuple]:
    """Match many values of one kind with one query each for the id kinds; returns
    {value: (contact, customer, user)} for the unique matches."""
    found: dict[str, list] = {}
    if kind == IdentityKind.WECOM_EXTERNAL:
        for contact in Contact.objects.filter(wecom_external_userid__in=values).select_related("customer"):
            found.setdefault(contact.wecom_external_userid, []).append((contact, contact.customer, None))
    elif kind == IdentityKind.WECHAT_ID:
        for contact in Contact.objects.filter(wechat_id__in=values).select_related("customer"):
            found.setdefault(contact.wechat_id, []).append((contact, contact.customer, None))
    elif kind == IdentityKind.WECOM_USER:
        for user in User.objects.filter(Q(username__in=values) | Q(external_id__in=values), is_active=True):
            for value in {user.username, user.external_id} & set(values):
                found.setdefault(value, []).append((None, None, user))
    elif kind == IdentityKind.EMAIL:
        lowered = [value.lower() for value in values]
        for user in User.objects.annotate(address=Lower("email")).filter(address__in=lowered, is_active=True):
            found.setdefault(user.address, []).append((None, None, user))
        for contact in (
            Contact.objects.annotate(address=Lower("email")).filter(address__in=lowered).select_related("customer")
        ):
            if contact.address not in found:
                found.setdefault(f"contact:{contact.address}", []).append((contact, contact.customer, None))
        for key in [key for key in found if key.startswith("contact:")]:
            found.setdefault(key.removeprefix("contact:"), found.pop(key))
    return {value: matches[0] for value, matches in found.items() if len(matches) == 1}


BULK_KINDS = frozenset(
    {IdentityKind.WECOM_EXTERNAL, IdentityKind.WECHAT_ID, IdentityKind.WECOM_USER, IdentityKind.EMAIL}
)


def match_many(identities: list[Identity]) -> None:
    """Match unmatched identities in place (not saved), querying in bulk where the kind allows."""
    by_kind: dict[str, list[Identity]] = {}
    for identity in identities:
        by_kind.setdefault(identity.kind, []).append(identity)
    for kind, group in by_kind.items():
        if kind not in BULK_KINDS:
            for identity in group:
                apply_match(identity)
            continue
        matches: dict[str, tuple] = {}
        values = sorted({identity.value for identity in group})
        for start in range(0, len(values), 500):
            matches.update(_bulk_matches(kind, values[start : start + 500]))
        for identity in group:
            if kind == IdentityKind.WECOM_EXTERNAL and identity.value.startswith("wb"):
                identity.status = IdentityStatus.IGNORED
                continue
            match = matches.get(identity.value.lower() if kind == IdentityKind.EMAIL else identity.value)
            if match is None and kind == IdentityKind.WECHAT_ID and identity.display_name:
                match = _match_nickname(identity.display_name)
                match = match if any(match) else None
            if match is not None:
                identity.contact, identity.customer, identity.user = match
                identity.status = IdentityStatus.LINKED


class IdentityCache:
    """Identities of one ingestion run, loaded and matched in bulk once per chunk.

    Message counts and first/last-seen times are recomputed from the stored messages by
    ``refresh_identity_stats`` when the run ends, so a resumed run counts correctly.
    """

    def __init__(self) -> None:
        self.by_key: dict[tuple[str, str], Identity] = {}
        self.touched: set[int] = set()
        self.new_unmatched = 0

    def prefetch(self, refs: list[IdentityRef]) -> None:
        """Load or create the identities of ``refs`` with a few queries."""
        wanted: dict[tuple[str, str], IdentityRef] = {}
        for ref in refs:
            key = (ref.kind, ref.value[:200])
            if key not in self.by_key and key not in wanted:
                wanted[key] = ref
        if not wanted:
            return
        by_kind: dict[str, list[str]] = {}
        for kind, value in wanted:
            by_kind.setdefault(kind, []).append(value)
        rematch: list[Identity] = []
        for kind, values in by_kind.items():
            for start in range(0, len(values), 500):
                for identity in Identity.objects.filter(kind=kind, value__in=values[start : start + 500]):
                    self.by_key[(kind, identity.value)] = identity
                    if identity.status == IdentityStatus.UNMATCHED:
                        rematch.append(identity)
        created = [
            Identity(kind=kind, value=value, display_name=ref.display_name[:200])
            for (kind, value), ref in wanted.items()
            if (kind, value) not in self.by_key
        ]
        match_many(created + rematch)
        Identity.objects.bulk_create(created, batch_size=500)
        if any(identity.pk is None for identity in created):
            for identity in created:
                identity.pk = Identity.objects.get(kind=identity.kind, value=identity.value).pk
        for identity in created:
            self.by_key[(identity.kind, identity.value)] = identity
            if identity.status == IdentityStatus.UNMATCHED:
                self.new_unmatched += 1
        relinked = [identity for identity in rematch if identity.status != IdentityStatus.UNMATCHED]
        if relinked:
            Identity.objects.bulk_update(relinked, ["contact", "customer", "user", "status"])

    def get(self, ref: IdentityRef, seen_at: dt.datetime | None = None) -> Identity:
        key = (ref.kind, ref.value[:200])
        if key not in self.by_key:
            self.prefetch([ref])
        identity = self.by_key[key]
        if ref.display_name and not identity.display_name:
            identity.display_name = ref.display_name[:200]
            Identity.objects.filter(pk=identity.pk).update(display_name=identity.display_name)
        if seen_at is not None:
            self.touched.add(identity.pk)
        return identity


def refresh_identity_stats(identity_ids) -> None:
    """Recompute message counts and first/last-seen times from the stored messages."""
    from salespulse.signals.models import Message

    ids = sorted(set(identity_ids))
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        stats: dict[int, list] = {pk: [0, None, None] for pk in chunk}
        for field_name, exclude_sender in (("sender_id", False), ("counterpart_id", True)):
            rows = Message.objects.filter(**{f"{field_name}__in": chunk})
            if exclude_sender:
                rows = rows.exclude(sender_id=F("counterpart_id"))
            for row in rows.values(field_name).annotate(total=Count("id"), first=Min("sent_at"), last=Max("sent_at")):
                entry = stats[row[field_name]]
                entry[0] += row["total"]
                entry[1] = min(filter(None, [entry[1], row["first"]]), default=None)
                entry[2] = max(filter(None, [entry[2], row["last"]]), default=None)
        # One prepared UPDATE per row: bulk_update's CASE expressions cost seconds per chunk.
        adapt = connection.ops.adapt_datetimefield_value
        table = connection.ops.quote_name(Identity._meta.db_table)
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {table} SET message_count = %s, first_seen_at = %s, last_seen_at = %s WHERE id = %s",
                [(count, adapt(first), adapt(last), pk) for pk, (count, first, last) in stats.items()],
            )


def is_rep(identity: Identity | None) -> bool:
    return identity is not None and identity.user_id is not None


def is_customer_side(identity: Identity | None) -> bool:
    return identity is not None and (identity.customer_id is not None or identity.contact_id is not None)


@dataclass(frozen=True)
class Attribution:
    """The attribution of one message: speaker, customer-side counterpart, customer and rep."""

    speaker: str
    counterpart: Identity | None
    customer_id: int | None
    contact_id: int | None
    rep_id: int | None
    direction: str


def attribute(
    *,
    speaker_hint: str,
    direction_hint: str,
    sender: Identity | None,
    recipients: list[Identity],
    actor_id: int | None,
) -> Attribution:
    """Decide speaker, counterpart, customer and rep of one message from its identities.

    The sender decides first: a user is the rep, a contact or customer is the customer.
    Otherwise the source's hint does (an export marks its owner's own messages), and an
    unknown sender writing to a rep, or a WeCom external id, counts as the customer.
    """
    if speaker_hint == Speaker.MIXED:
        counterpart = next(
            (item for item in recipients if is_customer_side(item)), recipients[0] if recipients else None
        )
        rep_id = sender.user_id if is_rep(sender) else actor_id
        return _result(Speaker.MIXED, counterpart, rep_id, direction_hint or Direction.OUTBOUND)

    rep_side = is_rep(sender) or (speaker_hint in (Speaker.REP, Speaker.INTERNAL) and not is_customer_side(sender))
    if rep_side:
        rep_id = sender.user_id if is_rep(sender) else actor_id
        others = [item for item in recipients if not is_rep(item)]
        if speaker_hint == Speaker.INTERNAL or (recipients and not others):
            return _result(Speaker.INTERNAL, None, rep_id, Direction.INTERNAL)
        counterpart = next((item for item in others if is_customer_side(item)), others[0] if len(others) == 1 else None)
        return _result(Speaker.REP, counterpart, rep_id, Direction.OUTBOUND)

    to_rep = next((item for item in recipients if is_rep(item)), None)
    customer_side = (
        is_customer_side(sender)
        or to_rep is not None
        or (
            sender is not None
            and sender.kind == IdentityKind.WECOM_EXTERNAL
            and sender.status != IdentityStatus.IGNORED
        )
        or speaker_hint == Speaker.CUSTOMER
    )
    rep_id = to_rep.user_id if to_rep else actor_id
    if customer_side:
        return _result(Speaker.CUSTOMER, sender, rep_id, Direction.INBOUND)
    return _result(Speaker.UNKNOWN, sender, rep_id, Direction.INBOUND)


def _result(speaker: str, counterpart: Identity | None, rep_id: int | None, direction: str) -> Attribution:
    customer_id = contact_id = None
    if counterpart is not None and counterpart.status == IdentityStatus.LINKED:
        customer_id, contact_id = counterpart.customer_id, counterpart.contact_id
        if customer_id is None and contact_id is not None:
            customer_id = Contact.objects.filter(pk=contact_id).values_list("customer_id", flat=True).first()
    return Attribution(speaker, counterpart, customer_id, contact_id, rep_id, direction)


CHANNEL_BY_SOURCE = {
    "wecom": InteractionChannel.WECOM,
    "memotrace": InteractionChannel.WECHAT,
    "pywxdump": InteractionChannel.WECHAT,
    "wechatexporter": InteractionChannel.WECHAT,
    "email": InteractionChannel.EMAIL,
    "call_summary": InteractionChannel.PHONE,
    "meeting_minutes": InteractionChannel.MEETING,
}
