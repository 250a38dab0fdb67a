"""WeCom external-contact sync: one ``ParsedContact`` updates or creates a ``crm.Contact``.

The contact is found by its external user id, else by a mobile number a rep typed in
(``remark_mobiles``); a new contact is created only when the company a rep typed
(``remark_corp_name``) names exactly one customer. The sync is kept as an event with
the remarks, tags and follow users, so an identical re-import adds nothing.
"""

from __future__ import annotations

import logging

from django.db.models import Q

from salespulse.crm.models import Contact, Customer
from salespulse.signals.connectors.base import IdentityRef, ParsedContact, content_hash, fit_key
from salespulse.signals.linking import IdentityCache, digits
from salespulse.signals.models import Event, IdentityKind, IdentityStatus, IngestJob

logger = logging.getLogger(__name__)


def _contact_by_mobile(mobiles: list[str]) -> Contact | None:
    for mobile in mobiles:
        wanted = digits(mobile)
        if len(wanted) < 7:
            continue
        matches = [c for c in Contact.objects.filter(phone__contains=wanted[-4:])[:50] if digits(c.phone) == wanted]
        if len(matches) == 1:
            return matches[0]
    return None


def _customer_by_name(names: list[str]) -> Customer | None:
    for name in names:
        if not name:
            continue
        rows = list(Customer.objects.filter(Q(name=name) | Q(short_name=name))[:2])
        if len(rows) == 1:
            return rows[0]
    return None


def sync_external_contact(record: ParsedContact, *, job: IngestJob, identities: IdentityCache) -> bool:
    """Apply one external contact; return False when the same sync was imported before."""
    key = fit_key(f"{record.dedupe_key}:{content_hash(record.payload)}")
    if Event.objects.filter(dedupe_key=key).exists():
        return False
    follows = record.follow_users
    mobiles = [mobile for follow in follows for mobile in follow["remark_mobiles"]]
    remark = next((follow["remark"] for follow in follows if follow["remark"]), "")

    contact = Contact.objects.filter(wecom_external_userid=record.external_userid).first() or _contact_by_mobile(
        mobiles
    )
    created = False
    if contact is None:
        customer = _customer_by_name([record.corp_name] + [follow["remark_corp_name"] for follow in follows])
        if customer is not None:
            contact = Contact.objects.create(
                customer=customer,
                name=(record.name or remark)[:80],
                phone=mobiles[0] if mobiles else "",
                wecom_external_userid=record.external_userid,
            )
            created = True
    elif not contact.wecom_external_userid or (not contact.phone and mobiles):
        contact.wecom_external_userid = contact.wecom_external_userid or record.external_userid
        contact.phone = contact.phone or (mobiles[0] if mobiles else "")
        contact.save(update_fields=["wecom_external_userid", "phone"])

    identity = identities.get(
        IdentityRef(IdentityKind.WECOM_EXTERNAL, record.external_userid, remark or record.name), None
    )
    if remark and identity.display_name != remark[:200]:
        identity.display_name = remark[:200]
        identity.save(update_fields=["display_name"])
    if contact is not None and identity.status == IdentityStatus.UNMATCHED:
        identity.contact, identity.customer, identity.status = contact, contact.customer, IdentityStatus.LINKED
        identity.save(update_fields=["contact", "customer", "status"])
    for follow in follows:
        if follow["userid"]:
            identities.get(IdentityRef(IdentityKind.WECOM_USER, follow["userid"]), None)

    Event.objects.create(
        source=record.source,
        dedupe_key=key,
        kind="external_contact",
        actor=record.external_userid,
        payload={**record.payload, "contact_id": contact.pk if contact else None, "contact_created": created},
        job=job,
    )
    logger.info(
        "external contact %s synced in job %s: contact %s%s",
        record.external_userid,
        job.pk,
        contact.pk if contact else None,
        " (created)" if created else "",
    )
    return True
