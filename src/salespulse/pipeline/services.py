"""The transition service: the only code that changes an opportunity's stage.

Every interface (form, kanban, bulk change, API, imports, demo data) calls
``move_opportunity_to_stage``. One call closes the open stage interval and opens the
next one in the same transaction, so an opportunity's history has no gaps and at most
one open interval (also enforced by the ``one_open_interval`` constraint).
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
from salespulse.core.errors import Conflict, DomainError
from salespulse.crm.models import LossReason, Opportunity, OpportunityStatus
from salespulse.pipeline.models import MoveSource, Pipeline, Stage, StageInterval, StageKind

logger = logging.getLogger(__name__)

# Sources that replay history someone else already decided; they need no regression reason.
REPLAY_SOURCES = frozenset({MoveSource.HISTORY_IMPORT, MoveSource.DEMO, MoveSource.IMPORT})


@dataclass(frozen=True)
class MoveResult:
    opportunity: Opportunity
    moved: bool
    from_stage: Stage | None
    to_stage: Stage
    is_regression: bool
    interval: StageInterval | None


def is_regression(from_stage: Stage, to_stage: Stage) -> bool:
    """A move back to an earlier open stage, or out of won/lost into an open stage."""
    if from_stage.is_closed:
        return not to_stage.is_closed
    if to_stage.is_closed:
        return False
    return to_stage.position < from_stage.position


def first_open_stage(pipeline: Pipeline) -> Stage:
    stage = pipeline.stages.filter(kind=StageKind.OPEN).order_by("position").first()
    if stage is None:
        raise DomainError(
            "pipeline_without_open_stage",
            _("Pipeline %(pipeline)s has no open stage; add one before creating opportunities.")
            % {"pipeline": pipeline.name},
        )
    return stage


def _status_for(stage: Stage) -> str:
    return {
        StageKind.OPEN: OpportunityStatus.OPEN,
        StageKind.WON: OpportunityStatus.WON,
        StageKind.LOST: OpportunityStatus.LOST,
    }[StageKind(stage.kind)]


def create_opportunity(
    *,
    actor: User | None,
    name: str,
    pipeline: Pipeline,
    owner: User | None,
    stage: Stage | None = None,
    created_at: dt.datetime | None = None,
    source: str = MoveSource.CREATE,
    **fields,
) -> Opportunity:
    """Create an opportunity and open its first stage interval."""
    at = created_at or timezone.now()
    stage = stage or first_open_stage(pipeline)
    if stage.pipeline_id != pipeline.pk:
        raise DomainError(
            "stage_not_in_pipeline",
            _("Stage %(stage)s does not belong to pipeline %(pipeline)s.")
            % {"stage": stage.name, "pipeline": pipeline.name},
            field="stage",
        )

    with transaction.atomic():
        opportunity = Opportunity.objects.create(
            name=name,
            pipeline=pipeline,
            stage=stage,
            stage_entered_at=at,
            owner=owner,
            status=_status_for(stage),
            closed_at=at if stage.is_closed else None,
            created_at=at,
            **fields,
        )
        StageInterval.objects.create(
            opportunity=opportunity, stage=stage, entered_at=at, source=source, actor=actor, owner=owner
        )

    logger.info("opportunity %s created in stage %s by user %s", opportunity.pk, stage.code, getattr(actor, "pk", None))
    return opportunity


def move_opportunity_to_stage(
    *,
    opportunity: Opportunity,
    to_stage: Stage,
    actor: User | None,
    source: str,
    at: dt.datetime | None = None,
    reason: str = "",
    expected_stage: Stage | None = None,
    won_amount: Decimal | None = None,
    loss_reason: str = "",
    loss_note: str = "",
    import_batch=None,
) -> MoveResult:
    """Move ``opportunity`` to ``to_stage`` and record the stage interval.

    Writing the stage it is already in is a no-op: no interval, and the stage clock
    keeps running. ``expected_stage`` is the stage the caller saw; if another user
    moved the deal meanwhile the call raises ``Conflict`` and changes nothing.
    """
    at = at or timezone.now()
    if to_stage.pipeline_id != opportunity.pipeline_id:
        raise DomainError(
            "stage_not_in_pipeline",
            _("Stage %(stage)s does not belong to this opportunity's pipeline.") % {"stage": to_stage.name},
            field="stage",
        )

    with transaction.atomic():
        current = Opportunity.objects.select_for_update().select_related("stage").get(pk=opportunity.pk)
        from_stage = current.stage
        if expected_stage is not None and expected_stage.pk != from_stage.pk:
            raise _conflict(current, from_stage)
        if from_stage.pk == to_stage.pk:
            return MoveResult(current, False, from_stage, to_stage, False, None)

        regression = is_regression(from_stage, to_stage)
        _validate_move(current, from_stage, to_stage, at, regression, reason, source, loss_reason)
        updates = _closing_fields(current, from_stage, to_stage, at, won_amount, loss_reason, loss_note)

        # Compare-and-set on the stage the row was read with: a concurrent mover that
        # committed first makes this update match no row (databases without row locks).
        changed = Opportunity.objects.filter(pk=current.pk, stage_id=from_stage.pk).update(
            stage=to_stage, stage_entered_at=at, updated_at=timezone.now(), **updates
        )
        if changed != 1:
            raise _conflict(current, from_stage)
        StageInterval.objects.filter(opportunity_id=current.pk, left_at__isnull=True).update(left_at=at)
        interval = StageInterval.objects.create(
            opportunity_id=current.pk,
            stage=to_stage,
            from_stage=from_stage,
            entered_at=at,
            is_regression=regression,
            reason=reason[:500],
            source=source,
            actor=actor,
            owner_id=current.owner_id,
            import_batch=import_batch,
        )

    current.refresh_from_db()
    _copy_state(current, opportunity)
    logger.info(
        "opportunity %s moved %s -> %s by user %s via %s%s",
        current.pk, from_stage.code, to_stage.code, getattr(actor, "pk", None), source,
        " (regression)" if regression else "",
    )
    return MoveResult(current, True, from_stage, to_stage, regression, interval)


def _conflict(current: Opportunity, from_stage: Stage) -> Conflict:
    return Conflict(
        "stage_conflict",
        _("Opportunity %(name)s was moved by someone else and is now in %(stage)s; reload and try again.")
        % {"name": current.name, "stage": from_stage.name},
        params={"stage": from_stage.code},
    )


def _validate_move(
    current: Opportunity,
    from_stage: Stage,
    to_stage: Stage,
    at: dt.datetime,
    regression: bool,
    reason: str,
    source: str,
    loss_reason: str,
) -> None:
    if at < current.stage_entered_at:
        raise DomainError(
            "move_before_stage_entry",
            _("The move time %(at)s is earlier than the time the opportunity entered %(stage)s.")
            % {"at": timezone.localtime(at).strftime("%Y-%m-%d %H:%M"), "stage": from_stage.name},
            field="at",
        )
    if regression and not reason.strip() and source not in REPLAY_SOURCES:
        raise DomainError(
            "regression_reason_required",
            _("Moving back from %(from)s to %(to)s needs a reason.") % {"from": from_stage.name, "to": to_stage.name},
            field="reason",
        )
    if loss_reason and loss_reason not in LossReason.values:
        raise DomainError(
            "invalid_loss_reason",
            _("Loss reason %(value)s is not one of the configured reasons.") % {"value": loss_reason},
            field="loss_reason",
        )


def _closing_fields(
    current: Opportunity,
    from_stage: Stage,
    to_stage: Stage,
    at: dt.datetime,
    won_amount: Decimal | None,
    loss_reason: str,
    loss_note: str,
) -> dict:
    """Return the status fields that follow from entering ``to_stage``."""
    status = _status_for(to_stage)
    fields: dict = {"status": status}
    if status == OpportunityStatus.OPEN:
        # Reopening a won or lost deal undoes its outcome.
        fields.update(closed_at=None, won_amount=None, lost_at_stage=None, loss_reason="", loss_note="")
    elif status == OpportunityStatus.WON:
        fields.update(
            closed_at=at,
            won_amount=won_amount if won_amount is not None else (current.won_amount or current.expected_amount),
            lost_at_stage=None,
            loss_reason="",
            loss_note="",
        )
    else:
        fields.update(
            closed_at=at,
            won_amount=None,
            lost_at_stage=from_stage if not from_stage.is_closed else current.lost_at_stage,
            loss_reason=loss_reason or current.loss_reason,
            loss_note=loss_note or current.loss_note,
        )
    return fields


def _copy_state(source: Opportunity, target: Opportunity) -> None:
    """Refresh the caller's instance so it does not later save a stale stage."""
    if source is target:
        return
    for field in ("stage_id", "stage_entered_at", "status", "closed_at", "won_amount", "lost_at_stage_id",
                  "loss_reason", "loss_note", "updated_at"):
        setattr(target, field, getattr(source, field))
    for cached in ("stage", "lost_at_stage"):
        target._state.fields_cache.pop(cached, None)


def reassign_opportunity(*, opportunity: Opportunity, new_owner: User, actor: User | None) -> Opportunity:
    """Change the owner. The stage clock keeps running and no stage interval is added."""
    with transaction.atomic():
        Opportunity.objects.filter(pk=opportunity.pk).update(owner=new_owner, updated_at=timezone.now())
    opportunity.owner = new_owner
    logger.info("opportunity %s reassigned to user %s by user %s", opportunity.pk, new_owner.pk, getattr(actor, "pk", None))
    return opportunity


@dataclass(frozen=True)
class HistoricalMove:
    stage: Stage
    entered_at: dt.datetime
    actor: User | None = None


def load_stage_history(
    *,
    opportunity: Opportunity,
    moves: list[HistoricalMove],
    import_batch=None,
) -> list[StageInterval]:
    """Replace an opportunity's stage history with moves recorded elsewhere.

    Used by historical imports: the moves happened in another system, so they are
    written as they were (marked ``history_import``), with regressions detected but
    not questioned. Consecutive moves into the same stage collapse into one stay.
    """
    if not moves:
        return []
    ordered = sorted(moves, key=lambda move: move.entered_at)
    stays: list[HistoricalMove] = []
    for move in ordered:
        if move.stage.pipeline_id != opportunity.pipeline_id:
            raise DomainError(
                "stage_not_in_pipeline",
                _("Stage %(stage)s does not belong to this opportunity's pipeline.") % {"stage": move.stage.name},
            )
        if not stays or stays[-1].stage.pk != move.stage.pk:
            stays.append(move)

    intervals: list[StageInterval] = []
    previous: Stage | None = None
    for index, stay in enumerate(stays):
        left_at = stays[index + 1].entered_at if index + 1 < len(stays) else None
        intervals.append(
            StageInterval(
                opportunity_id=opportunity.pk,
                stage=stay.stage,
                from_stage=previous,
                entered_at=stay.entered_at,
                left_at=left_at,
                is_regression=previous is not None and is_regression(previous, stay.stage),
                source=MoveSource.HISTORY_IMPORT,
                actor=stay.actor,
                owner_id=opportunity.owner_id,
                import_batch=import_batch,
            )
        )
        previous = stay.stage

    last = stays[-1]
    status = _status_for(last.stage)
    with transaction.atomic():
        StageInterval.objects.filter(opportunity_id=opportunity.pk).delete()
        StageInterval.objects.bulk_create(intervals)
        lost_at = stays[-2].stage if status == OpportunityStatus.LOST and len(stays) > 1 else None
        Opportunity.objects.filter(pk=opportunity.pk).update(
            stage=last.stage,
            stage_entered_at=last.entered_at,
            status=status,
            closed_at=last.entered_at if last.stage.is_closed else None,
            lost_at_stage=lost_at,
            created_at=min(opportunity.created_at, stays[0].entered_at),
            updated_at=timezone.now(),
        )
    opportunity.refresh_from_db()
    return intervals
