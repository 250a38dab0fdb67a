"""Quick capture: a pasted snippet becomes a draft, and the rep's confirmation turns the
draft into an interaction (with its signals) or, when no customer matches, a pending lead.

``start_capture`` only reads and guesses; ``confirm_capture`` writes, in one transaction,
the interaction, the lead, the objection of the objection action and the confirmed draft.
Tagging and the opportunity's activity facts follow after the commit, so a tagger
failure never loses what the rep captured.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from decimal import Decimal

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from salespulse.accounts.models import User
from salespulse.core.errors import DomainError, NotFound
from salespulse.crm.models import (
    ActionType,
    Contact,
    Customer,
    Direction,
    Interaction,
    InteractionChannel,
    Lead,
    LeadStatus,
    Opportunity,
    OpportunityStatus,
)
from salespulse.crm.selectors import visible_customers, visible_opportunities
from salespulse.pipeline.models import ObjectionCategory
from salespulse.pipeline.services import ensure_may_change_deals
from salespulse.signals import selectors
from salespulse.signals.capture import extract_snippet
from salespulse.signals.models import CaptureDraft, CaptureStatus

logger = logging.getLogger(__name__)

MAX_SNIPPET_CHARS = 10_000
# A phone clock a few minutes ahead of the server still captures "now".
CLOCK_SKEW = dt.timedelta(minutes=10)
LEAD_SOURCE = "quick_capture"


class CaptureAction(models.TextChoices):
    """The one-step actions of the capture page, each stored as an interaction action."""

    MESSAGE = "message", gettext_lazy("Message only")
    QUOTE = "quote", gettext_lazy("Quote")
    APPOINTMENT = "appointment", gettext_lazy("Appointment")
    SAMPLE_REQUEST = "sample_request", gettext_lazy("Sample request")
    VISIT = "visit", gettext_lazy("Visit")
    DEMO = "demo", gettext_lazy("Demo")
    OBJECTION = "objection", gettext_lazy("Objection")


ACTION_TYPES = {
    CaptureAction.MESSAGE: ActionType.MESSAGE,
    CaptureAction.QUOTE: ActionType.QUOTE_SENT,
    CaptureAction.APPOINTMENT: ActionType.APPOINTMENT,
    CaptureAction.SAMPLE_REQUEST: ActionType.SAMPLE_REQUESTED,
    CaptureAction.VISIT: ActionType.VISIT,
    CaptureAction.DEMO: ActionType.DEMO_DONE,
    CaptureAction.OBJECTION: ActionType.OBJECTION,
}
# The interaction's action type names are accepted as well ("quote_sent" = "quote").
ACTION_ALIASES = {str(action_type): action for action, action_type in ACTION_TYPES.items()}

# The objection category a tag suggests for the objection action.
OBJECTION_CATEGORY_BY_TAG = {
    "price_objection": ObjectionCategory.PRICE,
    "technical_concern": ObjectionCategory.QUALITY,
    "competitor_preference": ObjectionCategory.COMPETITOR,
    "needs_hq_approval": ObjectionCategory.APPROVAL,
    "budget_pending": ObjectionCategory.BUDGET,
}


def parse_action(value: str | None) -> str:
    """Return the ``CaptureAction`` for ``value`` ("" when empty); raise for an unknown one."""
    value = (value or "").strip()
    if not value:
        return ""
    if value in CaptureAction.values:
        return value
    if value in ACTION_ALIASES:
        return str(ACTION_ALIASES[value])
    raise DomainError(
        "invalid_capture_action",
        _("Action %(value)s is not one of: %(choices)s.")
        % {"value": value, "choices": ", ".join(CaptureAction.values)},
        field="action",
    )


def _own_names(user: User) -> set[str]:
    return {user.display_name, user.username, user.get_full_name(), str(user)}


def start_capture(*, user: User, text: str, action: str = "", now: dt.datetime | None = None) -> CaptureDraft:
    """Read ``text`` and store a pending draft with what was extracted and guessed."""
    ensure_may_change_deals(user)
    text = (text or "").strip()
    if not text:
        raise DomainError("capture_text_required", _("Paste a chat snippet or a quote first."), field="text")
    if len(text) > MAX_SNIPPET_CHARS:
        raise DomainError(
            "capture_text_too_long",
            _("The pasted text has %(length)s characters; paste at most %(limit)s.")
            % {"length": len(text), "limit": MAX_SNIPPET_CHARS},
            field="text",
        )
    action = parse_action(action)
    now = now or timezone.now()

    extraction = extract_snippet(text, now=now, self_names=_own_names(user))
    guess = selectors.guess_customer(user, nickname=extraction.nickname, organisation=extraction.organisation)
    if not action:
        action = CaptureAction.QUOTE if extraction.looks_like_quote else CaptureAction.MESSAGE
    category = next(
        (OBJECTION_CATEGORY_BY_TAG[tag] for tag in extraction.tags if tag in OBJECTION_CATEGORY_BY_TAG),
        ObjectionCategory.OTHER,
    )
    extracted = {
        **extraction.as_dict(),
        "occurred_at": (extraction.occurred_at or now).isoformat(),
        "time_found": extraction.occurred_at is not None,
        "customer_id": guess.customer.pk if guess.customer else None,
        "contact_id": guess.contact.pk if guess.contact else None,
        "opportunity_id": guess.opportunity.pk if guess.opportunity else None,
        "candidate_ids": [customer.pk for customer in guess.candidates],
        "objection_category": str(category),
    }

    draft = CaptureDraft.objects.create(user=user, raw_text=text, extracted=extracted, action=str(action))
    logger.info(
        "capture draft %s by user %s: layout %s, customer %s",
        draft.pk, user.pk, extraction.layout, extracted["customer_id"],
    )
    return draft


@dataclass(frozen=True)
class CaptureConfirmation:
    """What the rep confirmed on the pre-filled form. ``customer`` None makes a lead."""

    text: str
    occurred_at: dt.datetime
    action: str = CaptureAction.MESSAGE
    customer: Customer | None = None
    opportunity: Opportunity | None = None
    channel: str = InteractionChannel.WECHAT
    inbound: bool = True
    nickname: str = ""
    objection_category: str = ObjectionCategory.OTHER


def confirmation_from_draft(draft: CaptureDraft, user: User, **overrides) -> CaptureConfirmation:
    """The confirmation the draft proposes, for the API's one-call capture; ``overrides``
    replace single values (customer, opportunity, action …)."""
    extracted = draft.extracted
    customer = None
    if extracted.get("customer_id"):
        customer = visible_customers(user).filter(pk=extracted["customer_id"]).first()
    opportunity = None
    if extracted.get("opportunity_id"):
        opportunity = visible_opportunities(user).filter(pk=extracted["opportunity_id"]).first()
    values = {
        "text": extracted.get("text") or draft.raw_text,
        "occurred_at": dt.datetime.fromisoformat(extracted["occurred_at"]),
        "action": draft.action or CaptureAction.MESSAGE,
        "customer": customer,
        "opportunity": opportunity,
        "channel": extracted.get("channel") or InteractionChannel.WECHAT,
        "inbound": bool(extracted.get("inbound", True)),
        "nickname": extracted.get("nickname", ""),
        "objection_category": extracted.get("objection_category") or ObjectionCategory.OTHER,
    }
    values.update({key: value for key, value in overrides.items() if value is not None})
    return CaptureConfirmation(**values)


def get_pending_draft(user: User, draft_id: int) -> CaptureDraft:
    draft = CaptureDraft.objects.filter(pk=draft_id, user=user).first()
    if draft is None:
        raise NotFound(
            "capture_draft_not_found",
            _("Capture %(id)s was not found; paste the snippet again.") % {"id": draft_id},
            field="draft",
        )
    if draft.status != CaptureStatus.PENDING:
        raise DomainError(
            "capture_already_confirmed",
            _("Capture %(id)s was already saved; paste a new snippet to capture more.") % {"id": draft_id},
            field="draft",
        )
    return draft


def confirm_capture(
    *, user: User, draft: CaptureDraft, confirmation: CaptureConfirmation, now: dt.datetime | None = None
) -> CaptureDraft:
    """Write the confirmed capture: an interaction on the customer (and opportunity), or a
    pending lead with the interaction when no customer is chosen."""
    ensure_may_change_deals(user)
    now = now or timezone.now()
    action = parse_action(confirmation.action) or CaptureAction.MESSAGE
    _validate(user, draft, confirmation, action, now)

    with transaction.atomic():
        locked = CaptureDraft.objects.select_for_update().get(pk=draft.pk)
        if locked.status != CaptureStatus.PENDING:
            raise DomainError(
                "capture_already_confirmed",
                _("Capture %(id)s was already saved; paste a new snippet to capture more.") % {"id": draft.pk},
                field="draft",
            )
        lead = None if confirmation.customer else _create_lead(user, draft, confirmation, now)
        interaction = Interaction.objects.create(
            customer=confirmation.customer,
            contact=_contact(draft, confirmation),
            opportunity=confirmation.opportunity,
            lead=lead,
            owner=user,
            channel=confirmation.channel,
            direction=Direction.INBOUND if confirmation.inbound else Direction.OUTBOUND,
            occurred_at=confirmation.occurred_at,
            text=confirmation.text.strip(),
            action_type=ACTION_TYPES[action],
            substantive=action != CaptureAction.MESSAGE,
        )
        if action == CaptureAction.OBJECTION:
            from salespulse.pipeline.evidence import record_objection

            record_objection(
                actor=user,
                opportunity=confirmation.opportunity,
                category=confirmation.objection_category,
                customer_words=confirmation.text,
                raised_at=min(confirmation.occurred_at, now),
            )
        locked.status = CaptureStatus.CONFIRMED
        locked.action = str(action)
        locked.interaction = interaction
        locked.lead = lead
        locked.confirmed_at = now
        locked.save(update_fields=["status", "action", "interaction", "lead", "confirmed_at"])

    logger.info(
        "capture draft %s confirmed by user %s: interaction %s, lead %s, action %s",
        locked.pk, user.pk, interaction.pk, lead.pk if lead else None, action,
    )
    _after_capture(interaction)
    return locked


def _validate(user: User, draft: CaptureDraft, confirmation: CaptureConfirmation, action: str, now) -> None:
    if draft.user_id != user.pk:
        raise NotFound("capture_draft_not_found", _("Capture %(id)s was not found; paste the snippet again.")
                       % {"id": draft.pk}, field="draft")
    if not confirmation.text.strip():
        raise DomainError("capture_text_required", _("Paste a chat snippet or a quote first."), field="text")
    if confirmation.channel not in InteractionChannel.values:
        raise DomainError(
            "invalid_channel",
            _("Channel %(value)s is not one of: %(choices)s.")
            % {"value": confirmation.channel, "choices": ", ".join(InteractionChannel.values)},
            field="channel",
        )
    if confirmation.occurred_at > now + CLOCK_SKEW:
        raise DomainError(
            "capture_time_in_future",
            _("The time %(time)s is in the future; enter when the conversation happened.")
            % {"time": timezone.localtime(confirmation.occurred_at).strftime("%Y-%m-%d %H:%M")},
            field="occurred_at",
        )
    customer, opportunity = confirmation.customer, confirmation.opportunity
    if customer is not None and not visible_customers(user).filter(pk=customer.pk).exists():
        raise NotFound(
            "customer_not_found",
            _("Customer %(id)s was not found, or you may not see it.") % {"id": customer.pk},
            field="customer",
        )
    if opportunity is not None:
        if not visible_opportunities(user).filter(pk=opportunity.pk).exists():
            raise NotFound(
                "opportunity_not_found",
                _("Opportunity %(id)s was not found, or you may not see it.") % {"id": opportunity.pk},
                field="opportunity",
            )
        if customer is None or opportunity.customer_id != customer.pk:
            raise DomainError(
                "opportunity_of_other_customer",
                _("Opportunity %(name)s does not belong to the chosen customer; choose one of its own opportunities.")
                % {"name": opportunity.name},
                field="opportunity",
            )
        if opportunity.status != OpportunityStatus.OPEN:
            raise DomainError(
                "opportunity_closed",
                _("Opportunity %(name)s is closed; choose an open opportunity or none.") % {"name": opportunity.name},
                field="opportunity",
            )
    if action == CaptureAction.OBJECTION and opportunity is None:
        raise DomainError(
            "objection_needs_opportunity",
            _("An objection is recorded on an opportunity; choose the opportunity it concerns."),
            field="opportunity",
        )


def _contact(draft: CaptureDraft, confirmation: CaptureConfirmation) -> Contact | None:
    contact_id = draft.extracted.get("contact_id")
    if not contact_id or confirmation.customer is None:
        return None
    return Contact.objects.filter(pk=contact_id, customer=confirmation.customer).first()


def _create_lead(user: User, draft: CaptureDraft, confirmation: CaptureConfirmation, now: dt.datetime) -> Lead:
    organisation = draft.extracted.get("organisation", "")
    name = confirmation.nickname or organisation or confirmation.text.strip().splitlines()[0][:40]
    return Lead.objects.create(
        name=name[:200],
        company=organisation[:200],
        source=LEAD_SOURCE,
        owner=user,
        status=LeadStatus.NEW,
        created_at=now,
        first_followup_at=None if confirmation.inbound else confirmation.occurred_at,
        last_activity_at=confirmation.occurred_at,
    )


def _after_capture(interaction: Interaction) -> None:
    """Tag the new interaction and refresh its opportunity's activity facts."""
    from salespulse.crm.services import refresh_activity_facts

    if interaction.opportunity_id:
        refresh_activity_facts([interaction.opportunity_id])
    from salespulse.signals.tagging import tag_interactions

    try:
        tag_interactions([interaction.pk])
    except Exception:
        # The capture is committed; a re-tag run tags it later.
        logger.exception("tagging captured interaction %s failed", interaction.pk)


def amount_of(draft: CaptureDraft) -> Decimal | None:
    value = draft.extracted.get("amount")
    return Decimal(value) if value else None


def capture_in_one_call(
    *,
    user: User,
    text: str,
    action: str = "",
    customer_id: int | None = None,
    opportunity_id: int | None = None,
    confirm: bool = False,
) -> CaptureDraft:
    """Read ``text`` into a draft and, with ``confirm``, write it at once (the "同步至CRM"
    call). ``customer_id`` and ``opportunity_id`` replace the guessed values, and a given
    customer without an opportunity gets its single open one."""
    customer = opportunity = None
    if customer_id is not None:
        customer = visible_customers(user).filter(pk=customer_id).first()
        if customer is None:
            raise NotFound(
                "customer_not_found",
                _("Customer %(id)s was not found, or you may not see it.") % {"id": customer_id},
                field="customer_id",
            )
    if opportunity_id is not None:
        opportunity = visible_opportunities(user).filter(pk=opportunity_id).first()
        if opportunity is None:
            raise NotFound(
                "opportunity_not_found",
                _("Opportunity %(id)s was not found, or you may not see it.") % {"id": opportunity_id},
                field="opportunity_id",
            )
        customer = customer or opportunity.customer
    draft = start_capture(user=user, text=text, action=action)
    if customer is not None:
        opportunity = opportunity or selectors.single_open_opportunity(user, customer)
        draft.extracted.update(
            customer_id=customer.pk,
            opportunity_id=opportunity.pk if opportunity else None,
            contact_id=draft.extracted.get("contact_id") if draft.extracted.get("customer_id") == customer.pk else None,
        )
        draft.save(update_fields=["extracted"])
    if not confirm:
        return draft
    return confirm_capture(user=user, draft=draft, confirmation=confirmation_from_draft(draft, user))
