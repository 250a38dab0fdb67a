"""Bulk stage change: one target stage for many opportunities, each moved on its own.

Every opportunity goes through ``move_opportunity_to_stage`` with source ``bulk``, so the
stage gates, the regression reason and the row lock apply to each deal as they do to a
single move. Each move commits in its own transaction: a deal that a gate blocks stays
where it was and the other deals still move. No deal is ever half-moved, because the
transition service writes the stage and its interval together or not at all.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from salespulse.accounts.models import User
from salespulse.core.errors import Conflict, DomainError
from salespulse.crm.selectors import visible_opportunities
from salespulse.pipeline.gates import UnmetItem
from salespulse.pipeline.models import MoveSource, Stage
from salespulse.pipeline.services import GateBlocked, ensure_may_change_deals, move_opportunity_to_stage

logger = logging.getLogger(__name__)

# One request may change this many deals; a larger selection is split by the caller.
MAX_BULK_MOVE = 500


class BulkMoveStatus(models.TextChoices):
    MOVED = "moved", gettext_lazy("Moved")
    UNCHANGED = "unchanged", gettext_lazy("Already in the stage")
    BLOCKED = "blocked", gettext_lazy("Blocked by a stage gate")
    CONFLICT = "conflict", gettext_lazy("Moved by someone else")
    NOT_FOUND = "not_found", gettext_lazy("Not found")
    REJECTED = "rejected", gettext_lazy("Rejected")


@dataclass(frozen=True)
class BulkMoveOutcome:
    """Result of a bulk change for one opportunity.

    ``code`` and ``message`` come from the domain error for every status except ``moved``
    and ``unchanged``. ``unmet`` lists the missing evidence of a ``blocked`` deal.
    """

    opportunity_id: int
    status: str
    code: str = ""
    message: str = ""
    unmet: list[UnmetItem] = field(default_factory=list)


def bulk_move_opportunities(
    *,
    actor: User,
    opportunity_ids: Sequence[int],
    stage_code: str,
    reason: str = "",
    field_values: Mapping[str, Any] | None = None,
    confirmations: Iterable[str] = (),
    at: dt.datetime | None = None,
) -> list[BulkMoveOutcome]:
    """Move each opportunity that ``actor`` may see to the stage ``stage_code`` of its pipeline.

    Returns one outcome per distinct id, in the order given. An id the actor may not see
    is reported as ``not_found``, exactly like an id that does not exist.
    """
    ensure_may_change_deals(actor)
    ids = list(dict.fromkeys(opportunity_ids))
    if not ids:
        raise DomainError("bulk_move_empty", _("Select at least one opportunity to move."), field="ids")
    if len(ids) > MAX_BULK_MOVE:
        raise DomainError(
            "bulk_move_too_large",
            _("A bulk change can move at most %(max)s opportunities at once; %(count)s were selected.")
            % {"max": MAX_BULK_MOVE, "count": len(ids)},
            field="ids",
        )
    confirmations = frozenset(confirmations)

    opportunities = visible_opportunities(actor).in_bulk(ids)
    stages = {
        stage.pipeline_id: stage
        for stage in Stage.objects.filter(
            code=stage_code, pipeline_id__in={opportunity.pipeline_id for opportunity in opportunities.values()}
        )
    }
    outcomes = []
    for opportunity_id in ids:
        opportunity = opportunities.get(opportunity_id)
        if opportunity is None:
            outcomes.append(_not_found(opportunity_id))
            continue
        outcomes.append(
            _move_one(opportunity, stages.get(opportunity.pipeline_id), stage_code, actor=actor, reason=reason,
                      field_values=field_values, confirmations=confirmations, at=at)
        )

    moved = sum(1 for outcome in outcomes if outcome.status == BulkMoveStatus.MOVED)
    logger.info(
        "bulk move to %s by user %s: %s of %s opportunities moved",
        stage_code, actor.pk, moved, len(outcomes),
    )
    return outcomes


def _move_one(
    opportunity,
    stage: Stage | None,
    stage_code: str,
    *,
    actor: User,
    reason: str,
    field_values: Mapping[str, Any] | None,
    confirmations: frozenset[str],
    at: dt.datetime | None,
) -> BulkMoveOutcome:
    if stage is None:
        return BulkMoveOutcome(
            opportunity.pk,
            BulkMoveStatus.REJECTED,
            "unknown_stage",
            _("Stage %(stage)s does not exist in the pipeline of opportunity %(name)s.")
            % {"stage": stage_code, "name": opportunity.name},
        )

    try:
        result = move_opportunity_to_stage(
            opportunity=opportunity,
            to_stage=stage,
            actor=actor,
            source=MoveSource.BULK,
            at=at,
            reason=reason,
            field_values=field_values,
            confirmations=confirmations,
        )
    except GateBlocked as blocked:
        return BulkMoveOutcome(opportunity.pk, BulkMoveStatus.BLOCKED, blocked.code, str(blocked.message),
                               list(blocked.items))
    except Conflict as conflict:
        return BulkMoveOutcome(opportunity.pk, BulkMoveStatus.CONFLICT, conflict.code, str(conflict.message))
    except DomainError as error:
        return BulkMoveOutcome(opportunity.pk, BulkMoveStatus.REJECTED, error.code, str(error.message))

    return BulkMoveOutcome(opportunity.pk, BulkMoveStatus.MOVED if result.moved else BulkMoveStatus.UNCHANGED)


def _not_found(opportunity_id: int) -> BulkMoveOutcome:
    return BulkMoveOutcome(
        opportunity_id,
        BulkMoveStatus.NOT_FOUND,
        "opportunity_not_found",
        _("Opportunity %(id)s does not exist or is not visible to you.") % {"id": opportunity_id},
    )
