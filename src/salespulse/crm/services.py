"""Writes to customers and opportunities that are not stage moves.

A stage change always goes through ``salespulse.pipeline.services.move_opportunity_to_stage``;
``edit_opportunity`` calls it in the same transaction as the field changes, so a rejected
move leaves the fields unchanged as well.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from salespulse.accounts.models import User
from salespulse.core.errors import DomainError
from salespulse.crm.models import Contact, Customer, Opportunity, ProductLine
from salespulse.pipeline.models import MoveSource, Stage
from salespulse.pipeline.services import (
    GateBlocked,
    MoveResult,
    ensure_may_change_deals,
    move_opportunity_to_stage,
    record_blocked_attempts,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class OpportunityDetails:
    """The fields of an opportunity that its form edits directly."""

    name: str
    customer: Customer | None
    product_line: ProductLine | None
    expected_amount: Decimal | None
    expected_close_date: dt.date | None
    signed_date: dt.date | None = None
    decision_maker: Contact | None = None


@dataclass(frozen=True)
class StageChange:
    """A stage move requested by the form; ``expected_stage`` is the stage the form showed."""

    to_stage: Stage
    expected_stage: Stage
    reason: str = ""
    won_amount: Decimal | None = None
    loss_reason: str = ""
    loss_note: str = ""


def edit_opportunity(
    *,
    opportunity: Opportunity,
    actor: User,
    details: OpportunityDetails,
    stage_change: StageChange | None = None,
) -> MoveResult | None:
    """Save the edited fields and, when the stage differs from the one shown, move it.

    Raises ``DomainError`` (with ``field``) when a value or the move is rejected; then
    nothing is saved.
    """
    ensure_may_change_deals(actor)
    if details.expected_amount is not None and details.expected_amount < 0:
        raise DomainError(
            "negative_expected_amount",
            _("The expected amount %(amount)s is negative; enter zero or more.")
            % {"amount": details.expected_amount},
            field="expected_amount",
        )
    customer_id = details.customer.pk if details.customer else None
    if details.decision_maker is not None and details.decision_maker.customer_id != customer_id:
        raise DomainError(
            "invalid_value",
            _("Contact %(value)s is not a contact of this deal's customer.")
            % {"value": details.decision_maker.name},
            field="decision_maker",
        )

    # The stage gates read these fields from the row, so saving them before the move
    # lets a signing date or decision maker entered in the same form count toward the gate.
    try:
        return _save_and_move(opportunity, actor, details, stage_change)
    except GateBlocked as blocked:
        # The form's transaction rolled the blocked attempt back; keep it for the report.
        record_blocked_attempts(blocked)
        raise


def _save_and_move(
    opportunity: Opportunity, actor: User, details: OpportunityDetails, stage_change: StageChange | None
) -> MoveResult | None:
    with transaction.atomic():
        Opportunity.objects.filter(pk=opportunity.pk).update(
            name=details.name,
            customer=details.customer,
            product_line=details.product_line,
            expected_amount=details.expected_amount,
            expected_close_date=details.expected_close_date,
            signed_date=details.signed_date,
            decision_maker=details.decision_maker,
            updated_at=timezone.now(),
        )
        result = None
        if stage_change is not None and stage_change.to_stage.pk != stage_change.expected_stage.pk:
            result = move_opportunity_to_stage(
                opportunity=opportunity,
                to_stage=stage_change.to_stage,
                actor=actor,
                source=MoveSource.FORM,
                reason=stage_change.reason,
                expected_stage=stage_change.expected_stage,
                won_amount=stage_change.won_amount,
                loss_reason=stage_change.loss_reason,
                loss_note=stage_change.loss_note,
            )

    logger.info("opportunity %s edited by user %s", opportunity.pk, actor.pk)
    return result


def followups_before(opportunity_id: int, closed_at) -> int:
    """Return the follow-ups of one opportunity closing at ``closed_at``: its outbound
    interactions that happened before that moment (the ``followups_before_close`` fact)."""
    from salespulse.crm.models import Direction, Interaction

    return Interaction.objects.filter(
        opportunity_id=opportunity_id, direction=Direction.OUTBOUND, occurred_at__lt=closed_at
    ).count()


def refresh_activity_facts(opportunity_ids) -> int:
    """Recompute the activity facts of the given opportunities from their interactions:
    last interaction time, last action and when it happened, the counts, and the
    follow-ups before close (outbound interactions before ``closed_at``; 0 while open).
    Call it after writing interactions (one call per batch) and after a deal closes;
    returns the number updated."""
    from django.db.models import Count, F, Max, Q

    from salespulse.crm.models import ActionType, Direction, Interaction

    ids = sorted({pk for pk in opportunity_ids if pk is not None})
    updated = 0
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        stats = {
            row["opportunity_id"]: row
            for row in Interaction.objects.filter(opportunity_id__in=chunk)
            .values("opportunity_id")
            .annotate(
                last=Max("occurred_at"),
                total=Count("id"),
                substantive=Count("id", filter=Q(substantive=True)),
                followups=Count(
                    "id",
                    filter=Q(direction=Direction.OUTBOUND, occurred_at__lt=F("opportunity__closed_at")),
                ),
            )
        }
        last_actions: dict[int, tuple] = {}
        for row in (
            Interaction.objects.filter(opportunity_id__in=chunk)
            .exclude(action_type=ActionType.NONE)
            .order_by("opportunity_id", "-occurred_at", "-id")
            .values_list("opportunity_id", "action_type", "occurred_at")
        ):
            last_actions.setdefault(row[0], row[1:])
        rows = list(Opportunity.objects.filter(pk__in=chunk))
        for opportunity in rows:
            stat = stats.get(opportunity.pk, {})
            action = last_actions.get(opportunity.pk, ("", None))
            opportunity.last_interaction_at = stat.get("last")
            opportunity.interaction_count = stat.get("total", 0)
            opportunity.substantive_count = stat.get("substantive", 0)
            opportunity.followups_before_close = stat.get("followups", 0)
            opportunity.last_action_type, opportunity.last_action_at = action
        Opportunity.objects.bulk_update(
            rows,
            [
                "last_interaction_at",
                "interaction_count",
                "substantive_count",
                "last_action_type",
                "last_action_at",
                "followups_before_close",
            ],
        )
        updated += len(rows)
    logger.info("refreshed activity facts of %d opportunities", updated)
    return updated
