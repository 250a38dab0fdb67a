"""Read queries for signals, the tagger configuration and quick capture.

Every function that returns customer data takes the requesting user and returns only
what that user may see (``crm.selectors.visible_*``).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.utils.translation import get_language

from salespulse.accounts.models import Role, User
from salespulse.crm.models import Contact, Customer, Interaction, Opportunity, OpportunityStatus
from salespulse.crm.selectors import visible_customers, visible_interactions, visible_opportunities
from salespulse.signals.models import (
    Identity,
    IdentityKind,
    IdentityStatus,
    Signal,
    SignalStatus,
    TagCorrection,
    TagDefinition,
    TaggerModel,
)

# --- Signals on the record -----------------------------------------------------------------

CONFIGURING_ROLES = frozenset({Role.OPS, Role.ADMIN})
# Roles that correct any signal they may see; a rep corrects signals of their own records.
CORRECTING_ROLES = frozenset({Role.MANAGER, Role.DIRECTOR, Role.OPS, Role.ADMIN})


def may_configure_tagger(user: User) -> bool:
    return user.is_superuser or user.role in CONFIGURING_ROLES


def may_correct(user: User, interaction: Interaction) -> bool:
    """Managers, directors, ops and admins correct what they see; a rep what they own."""
    if not visible_interactions(user).filter(pk=interaction.pk).exists():
        return False
    if user.is_superuser or user.role in CORRECTING_ROLES:
        return True
    return user.role == Role.REP and user.pk in (interaction.owner_id, _customer_owner_id(interaction))


def correctable_ids(user: User, interactions) -> set[int]:
    """Of ``interactions`` (already taken from a visible selector), the ids ``user`` may
    correct, without a query per row; the customer should be select_related."""
    if user.role == Role.FINANCE and not user.is_superuser:
        return set()
    if user.is_superuser or user.role in CORRECTING_ROLES:
        return {interaction.pk for interaction in interactions}
    return {
        interaction.pk
        for interaction in interactions
        if user.pk in (interaction.owner_id, _customer_owner_id(interaction))
    }


def _customer_owner_id(interaction: Interaction) -> int | None:
    return interaction.customer.owner_id if interaction.customer_id else None


def visible_signals(user: User) -> QuerySet[Signal]:
    """Signals on interactions the user may see."""
    return Signal.objects.filter(interaction__in=visible_interactions(user))


def tag_names() -> dict[str, str]:
    """Tag code → display name in the active language (English name while in English)."""
    english = (get_language() or "").startswith("en")
    return {
        code: (name_en if english and name_en else name)
        for code, name, name_en in TagDefinition.objects.values_list("code", "name", "name_en")
    }


@dataclass(frozen=True)
class SignalFilter:
    tag: str = ""
    status: str = ""
    customer_id: int | None = None


def search_signals(user: User, filters: SignalFilter) -> QuerySet[Signal]:
    """Latest signals first, narrowed by ``filters``; rejected ones only when asked for."""
    signals = visible_signals(user).select_related(
        "interaction", "interaction__customer", "customer", "opportunity"
    )
    if filters.tag:
        signals = signals.filter(tag=filters.tag)
    if filters.status:
        signals = signals.filter(status=filters.status)
    else:
        signals = signals.exclude(status=SignalStatus.REJECTED)
    if filters.customer_id:
        signals = signals.filter(customer_id=filters.customer_id)
    return signals.order_by("-occurred_at", "-id")


def latest_signals(user: User, *, customer: Customer | None = None, opportunity: Opportunity | None = None,
                   limit: int = 10) -> list[Signal]:
    signals = visible_signals(user).exclude(status=SignalStatus.REJECTED)
    if customer is not None:
        signals = signals.filter(customer=customer)
    if opportunity is not None:
        signals = signals.filter(opportunity=opportunity)
    return list(signals.select_related("interaction", "interaction__customer").order_by("-occurred_at", "-id")[:limit])


def interactions_with_signals(
    user: User, *, customer: Customer | None = None, opportunity: Opportunity | None = None, limit: int = 20
) -> list[Interaction]:
    """The latest interactions that carry a signal, each with ``shown_signals`` (not rejected)."""
    interactions = visible_interactions(user).filter(signals__isnull=False)
    if customer is not None:
        interactions = interactions.filter(customer=customer)
    if opportunity is not None:
        interactions = interactions.filter(opportunity=opportunity)
    rows = list(
        interactions.distinct().select_related("contact", "customer").order_by("-occurred_at", "-id")[:limit]
    )
    by_interaction: dict[int, list[Signal]] = {row.pk: [] for row in rows}
    rows_by_id = {row.pk: row for row in rows}
    for signal in Signal.objects.filter(interaction_id__in=by_interaction).exclude(status=SignalStatus.REJECTED):
        signal.interaction = rows_by_id[signal.interaction_id]
        by_interaction[signal.interaction_id].append(signal)
    for row in rows:
        row.shown_signals = sorted(by_interaction[row.pk], key=lambda signal: (signal.span_start, signal.tag))
    return rows


# --- Stage-gate proposals ------------------------------------------------------------------


@dataclass(frozen=True)
class ChecklistItem:
    stage_code: str
    stage_name: str
    code: str
    label: str


@dataclass(frozen=True)
class GateProposal:
    """A signal whose tag matches a checklist item of a gate ahead of the opportunity."""

    signal: Signal
    item: ChecklistItem


def checklist_items_ahead(opportunity: Opportunity) -> list[ChecklistItem]:
    """The checklist conditions of the gates of the opportunity's next stages."""
    from salespulse.pipeline.gate_preview import next_stages
    from salespulse.pipeline.services import gates_on_the_way

    if opportunity.status != OpportunityStatus.OPEN:
        return []
    english = (get_language() or "").startswith("en")
    items: list[ChecklistItem] = []
    seen: set[tuple[str, str]] = set()
    for stage in next_stages(opportunity):
        for gate in gates_on_the_way(opportunity.stage, stage):
            for leaf in _checklist_leaves(gate.rule or {}):
                key = (gate.stage.code, leaf["code"])
                if key in seen:
                    continue
                seen.add(key)
                label = leaf.get("label_en") if english and leaf.get("label_en") else leaf["label"]
                items.append(ChecklistItem(gate.stage.code, gate.stage.display_name(), leaf["code"], label))
    return items


def _checklist_leaves(node: dict):
    for group in ("all", "any"):
        if group in node:
            for child in node[group]:
                yield from _checklist_leaves(child)
            return
    if node.get("type") == "checklist" and node.get("code"):
        yield node


def item_matches_tag(item_code: str, item_labels: tuple[str, ...], tag: TagDefinition) -> bool:
    """A checklist item matches a tag when its code is the tag's code (or starts with it
    followed by ``_``), or when one of its labels contains the tag's name."""
    code = item_code.lower()
    if code == tag.code or code.startswith(f"{tag.code}_"):
        return True
    names = [name for name in (tag.name, tag.name_en) if name]
    return any(name.lower() in label.lower() for label in item_labels if label for name in names)


def gate_proposals(user: User, opportunity: Opportunity) -> list[GateProposal]:
    """Signals on ``opportunity`` that could tick a checklist item ahead, newest first; an
    item already ticked from a signal is not proposed again."""
    if not visible_opportunities(user).filter(pk=opportunity.pk).exists():
        return []
    items = checklist_items_ahead(opportunity)
    if not items:
        return []
    ticked = gate_ticks(opportunity)
    signals = list(
        Signal.objects.filter(opportunity=opportunity)
        .exclude(status=SignalStatus.REJECTED)
        .order_by("-occurred_at", "-id")
    )
    tags = {tag.code: tag for tag in TagDefinition.objects.filter(code__in={signal.tag for signal in signals})}
    labels = _item_labels(opportunity)
    proposals: list[GateProposal] = []
    proposed: set[tuple[str, str]] = set()
    for signal in signals:
        tag = tags.get(signal.tag)
        if tag is None:
            continue
        for item in items:
            key = (item.stage_code, item.code)
            if key in ticked or key in proposed:
                continue
            if item_matches_tag(item.code, labels.get(key, (item.label,)), tag):
                proposals.append(GateProposal(signal, item))
                proposed.add(key)
    return proposals


def _item_labels(opportunity: Opportunity) -> dict[tuple[str, str], tuple[str, ...]]:
    """Both labels (Chinese and English) of every checklist item ahead."""
    from salespulse.pipeline.gate_preview import next_stages
    from salespulse.pipeline.services import gates_on_the_way

    labels: dict[tuple[str, str], tuple[str, ...]] = {}
    for stage in next_stages(opportunity):
        for gate in gates_on_the_way(opportunity.stage, stage):
            for leaf in _checklist_leaves(gate.rule or {}):
                labels[(gate.stage.code, leaf["code"])] = (leaf.get("label", ""), leaf.get("label_en", ""))
    return labels


def gate_ticks(opportunity: Opportunity) -> dict[tuple[str, str], dict]:
    """Checklist items ticked from a signal: (stage code, item code) → the tick record."""
    ticks: dict[tuple[str, str], dict] = {}
    for signal_id, entities in Signal.objects.filter(
        opportunity=opportunity, entities__has_key="gate_ticks"
    ).values_list("pk", "entities"):
        for tick in entities.get("gate_ticks", []):
            ticks[(tick["stage"], tick["item"])] = {**tick, "signal_id": signal_id}
    return ticks


def gate_confirmations(opportunity: Opportunity, stage_code: str | None = None) -> frozenset[str]:
    """Checklist codes ticked from signals, for a move's ``confirmations``."""
    return frozenset(item for (stage, item) in gate_ticks(opportunity) if stage_code in (None, stage))


# --- Corrections and precision -------------------------------------------------------------


@dataclass
class TagPrecision:
    tag: str
    confirmed: int = 0
    rejected: int = 0
    added: int = 0

    @property
    def reviewed(self) -> int:
        return self.confirmed + self.rejected

    @property
    def precision(self) -> float | None:
        """confirmed ÷ (confirmed + rejected); ``None`` before any review."""
        return self.confirmed / self.reviewed if self.reviewed else None


def tag_precision() -> dict[str, TagPrecision]:
    """Per tag, from corrections: a signal counts once, by its latest verdict; tags a
    manager added count as missed."""
    latest: dict[int, tuple[str, str]] = {}
    stats: dict[str, TagPrecision] = {}
    rows = TagCorrection.objects.order_by("created_at", "id").values_list("signal_id", "tag", "verdict", "id")
    for signal_id, tag, verdict, correction_id in rows:
        if verdict == TagCorrection.Verdict.ADDED:
            stats.setdefault(tag, TagPrecision(tag)).added += 1
            continue
        latest[signal_id if signal_id is not None else -correction_id] = (tag, verdict)
    for tag, verdict in latest.values():
        entry = stats.setdefault(tag, TagPrecision(tag))
        if verdict == TagCorrection.Verdict.CONFIRMED:
            entry.confirmed += 1
        else:
            entry.rejected += 1
    return stats


def signal_counts_by_tag() -> Counter:
    """Signals per tag over the whole workspace (the settings page is for ops)."""
    rows = Signal.objects.values("tag").annotate(n=Count("id")).order_by()
    return Counter({row["tag"]: row["n"] for row in rows})


def latest_tagger_model() -> TaggerModel | None:
    return TaggerModel.objects.order_by("-trained_at", "-id").first()


# --- Quick capture: guessing the customer ---------------------------------------------------


@dataclass
class CustomerGuess:
    customer: Customer | None = None
    contact: Contact | None = None
    candidates: list[Customer] = field(default_factory=list)
    opportunity: Opportunity | None = None


def guess_customer(user: User, *, nickname: str, organisation: str = "") -> CustomerGuess:
    """Find the customer a chat nickname belongs to, among customers ``user`` may see.

    The rules are tried in order, and the first that gives exactly one customer wins.
    They are an identity linked by hand or by an import (remark or nickname), a contact
    of that name, and a contact named by surname and title ("张主任" for 张伟, 主任).
    Last comes the organisation after ``@``, matched to a customer's name or short name.
    """
    customers = visible_customers(user)
    nickname = nickname.strip()
    attempts: list[QuerySet[Contact] | QuerySet[Customer]] = []
    if nickname:
        identities = Identity.objects.filter(
            kind=IdentityKind.NICKNAME, value=nickname, status=IdentityStatus.LINKED
        ).filter(Q(customer__in=customers) | Q(contact__customer__in=customers))
        identity = identities.select_related("contact", "customer").first()
        if identity is not None:
            contact = identity.contact
            customer = identity.customer or (contact.customer if contact else None)
            return _with_opportunity(user, CustomerGuess(customer=customer, contact=contact))
        contacts = Contact.objects.filter(customer__in=customers).select_related("customer")
        attempts.append(contacts.filter(name=nickname))
        if len(nickname) >= 2:
            attempts.append(contacts.filter(name__startswith=nickname[0], title__isnull=False).filter(
                title__in=_title_variants(nickname[1:])
            ))
    for contacts in attempts:
        found = list(contacts[:5])
        owners = {contact.customer_id for contact in found}
        if len(owners) == 1:
            return _with_opportunity(user, CustomerGuess(customer=found[0].customer, contact=found[0]))
        if len(owners) > 1:
            return CustomerGuess(candidates=[contact.customer for contact in found])
    if organisation:
        matches = list(customers.filter(Q(name=organisation) | Q(short_name=organisation))[:5])
        if not matches:
            contains = Q(name__icontains=organisation) | Q(short_name__icontains=organisation)
            matches = list(customers.filter(contains)[:5])
        if len(matches) == 1:
            return _with_opportunity(user, CustomerGuess(customer=matches[0]))
        return CustomerGuess(candidates=matches)
    return CustomerGuess()


def _title_variants(title: str) -> list[str]:
    """"主任" matches the titles 主任 and 科主任 and …主任; listed explicitly for the query."""
    return [title, f"科{title}", f"科室{title}", f"副{title}"]


def _with_opportunity(user: User, guess: CustomerGuess) -> CustomerGuess:
    if guess.customer is not None:
        guess.opportunity = single_open_opportunity(user, guess.customer)
    return guess


def single_open_opportunity(user: User, customer: Customer) -> Opportunity | None:
    """Return the customer's open opportunity when it is the only one the user may see."""
    open_deals = list(
        visible_opportunities(user).filter(customer=customer, status=OpportunityStatus.OPEN)[:2]
    )
    return open_deals[0] if len(open_deals) == 1 else None


def capture_customers(user: User) -> QuerySet[Customer]:
    return visible_customers(user).order_by("name", "id")


def capture_opportunities(user: User) -> QuerySet[Opportunity]:
    return (
        visible_opportunities(user)
        .filter(status=OpportunityStatus.OPEN)
        .select_related("customer")
        .order_by("customer__name", "name", "id")
    )


def recent_captures(user: User, *, since: dt.datetime | None = None, limit: int = 5):
    from salespulse.signals.models import CaptureDraft, CaptureStatus

    drafts = CaptureDraft.objects.filter(user=user, status=CaptureStatus.CONFIRMED)
    if since is not None:
        drafts = drafts.filter(confirmed_at__gte=since)
    drafts = drafts.select_related("interaction", "interaction__customer", "lead")
    return list(drafts.order_by("-confirmed_at")[:limit])
