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
