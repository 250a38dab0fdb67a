"""Corrections of signals, and ticking a stage-gate checklist item from a signal.

A correction is history: a ``TagCorrection`` row with actor and time, the signal's new
status, and the interaction's text as a labelled example (origin ``correction``) that
the statistical component trains on. The example holds the interaction's tags as
corrected so far, so later corrections of the same text update the one example.
"""

from __future__ import annotations

import logging
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from salespulse.accounts.models import User
from salespulse.core.errors import DomainError, NotFound, PermissionDenied
from salespulse.crm.models import Direction, Interaction
from salespulse.signals import selectors
from salespulse.signals.models import (
    LabelledExample,
    Signal,
    SignalStatus,
    Speaker,
    TagCorrection,
    TagDefinition,
)

logger = logging.getLogger(__name__)

VERDICT_STATUS = {
    TagCorrection.Verdict.CONFIRMED: SignalStatus.CONFIRMED,
    TagCorrection.Verdict.REJECTED: SignalStatus.REJECTED,
}


def _ensure_may_correct(actor: User, interaction: Interaction) -> None:
    if not selectors.visible_interactions(actor).filter(pk=interaction.pk).exists():
        raise NotFound(
            "interaction_not_found",
            _("Interaction %(id)s was not found, or you may not see it.") % {"id": interaction.pk},
        )
    if not selectors.may_correct(actor, interaction):
        raise PermissionDenied(
            "may_not_correct_signals",
            _("Only managers and the rep who owns the record can correct its signals."),
        )


def review_signal(*, actor: User, signal: Signal, verdict: str) -> Signal:
    """Mark ``signal`` correct or wrong."""
    if verdict not in VERDICT_STATUS:
        raise DomainError(
            "invalid_verdict",
            _("Verdict %(value)s is not one of: %(choices)s.")
            % {"value": verdict, "choices": ", ".join(VERDICT_STATUS)},
            field="verdict",
        )
    _ensure_may_correct(actor, signal.interaction)

    with transaction.atomic():
        signal.status = VERDICT_STATUS[verdict]
        signal.save(update_fields=["status"])
        TagCorrection.objects.create(
            interaction=signal.interaction, signal=signal, tag=signal.tag, verdict=verdict, corrected_by=actor
        )
        _update_example(actor, signal.interaction)

    logger.info("signal %s (%s) marked %s by user %s", signal.pk, signal.tag, verdict, actor.pk)
    return signal


def add_missed_tag(*, actor: User, interaction: Interaction, tag: str, evidence: str = "") -> Signal:
    """Add a tag the tagger missed on ``interaction``; ``evidence`` (optional) must be a
    passage of the interaction's text and becomes the highlighted span."""
    _ensure_may_correct(actor, interaction)
    definition = TagDefinition.objects.filter(code=tag).first()
    if definition is None:
        raise DomainError(
            "unknown_tag", _("Tag %(value)s is not configured; choose one from the list.") % {"value": tag}, field="tag"
        )
    evidence = evidence.strip()
    start = interaction.text.find(evidence) if evidence else -1
    if evidence and start < 0:
        raise DomainError(
            "evidence_not_in_text",
            _("The evidence %(value)s is not in the message; copy a passage of the message or leave it empty.")
            % {"value": evidence[:40]},
            field="evidence",
        )
    if Signal.objects.filter(interaction=interaction, tag=tag).exclude(status=SignalStatus.REJECTED).exists():
        raise DomainError(
            "tag_already_present",
            _("The message already has the tag %(tag)s; mark it correct instead.") % {"tag": definition.name},
            field="tag",
        )

    with transaction.atomic():
        signal = Signal.objects.create(
            interaction=interaction,
            customer_id=interaction.customer_id,
            opportunity_id=interaction.opportunity_id,
            tag=tag,
            confidence=Decimal("1.000"),
            span_start=max(start, 0),
            span_end=max(start, 0) + len(evidence) if evidence else 0,
            evidence=evidence[:300],
            status=SignalStatus.CONFIRMED,
            manual=True,
            occurred_at=interaction.occurred_at,
        )
        TagCorrection.objects.create(
            interaction=interaction, signal=signal, tag=tag, verdict=TagCorrection.Verdict.ADDED, corrected_by=actor
        )
        _update_example(actor, interaction)

    logger.info("tag %s added to interaction %s by user %s", tag, interaction.pk, actor.pk)
    return signal


def _update_example(actor: User, interaction: Interaction) -> None:
    tags = sorted(
        set(
            Signal.objects.filter(interaction=interaction)
            .exclude(status=SignalStatus.REJECTED)
            .values_list("tag", flat=True)
        )
    )
    speaker = {
        Direction.INBOUND: Speaker.CUSTOMER,
        Direction.OUTBOUND: Speaker.REP,
        Direction.INTERNAL: Speaker.INTERNAL,
    }.get(interaction.direction, Speaker.UNKNOWN)
    example = LabelledExample.objects.filter(
        origin=LabelledExample.Origin.CORRECTION, text=interaction.text, channel=interaction.channel
    ).first()
    if example is None:
        LabelledExample.objects.create(
            text=interaction.text,
            channel=interaction.channel,
            speaker=speaker,
            tags=tags,
            origin=LabelledExample.Origin.CORRECTION,
            created_by=actor,
        )
    else:
        example.tags = tags
        example.save(update_fields=["tags"])


def tick_gate_item(*, actor: User, signal: Signal, stage_code: str, item_code: str) -> Signal:
    """Record that the rep confirmed a checklist item from ``signal``: the tick (who,
    when, which item) and the snippet stay on the signal as evidence, and the item counts
    as confirmed at every later move (``SignalsConfig.ready`` registers the provider).
    """
    opportunity = signal.opportunity
    if opportunity is None or not selectors.visible_opportunities(actor).filter(pk=opportunity.pk).exists():
        raise NotFound("signal_not_found", _("Signal %(id)s was not found, or you may not see it.") % {"id": signal.pk})
    from salespulse.pipeline.services import ensure_may_change_deals

    ensure_may_change_deals(actor)
    proposal = next(
        (
            proposal
            for proposal in selectors.gate_proposals(actor, opportunity)
            if proposal.signal.pk == signal.pk
            and proposal.item.stage_code == stage_code
            and proposal.item.code == item_code
        ),
        None,
    )
    if proposal is None:
        raise DomainError(
            "gate_item_not_proposed",
            _("Checklist item %(item)s is not open for this signal; reload the page to see the current checklist.")
            % {"item": item_code},
            field="item",
        )

    with transaction.atomic():
        locked = Signal.objects.select_for_update().get(pk=signal.pk)
        entities = locked.entities if isinstance(locked.entities, dict) else {"items": locked.entities}
        ticks = list(entities.get("gate_ticks", []))
        ticks.append(
            {
                "stage": stage_code,
                "item": item_code,
                "label": proposal.item.label,
                "by": actor.pk,
                "at": timezone.now().isoformat(),
                "evidence": locked.evidence or locked.interaction.text[:300],
            }
        )
        locked.entities = {**entities, "gate_ticks": ticks}
        if locked.status == SignalStatus.ACTIVE:
            locked.status = SignalStatus.CONFIRMED
        locked.save(update_fields=["entities", "status"])

    logger.info(
        "checklist item %s of stage %s ticked on opportunity %s from signal %s by user %s",
        item_code, stage_code, opportunity.pk, signal.pk, actor.pk,
    )
    return locked
