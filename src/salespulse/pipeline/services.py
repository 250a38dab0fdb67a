"""The transition service: the only code that changes an opportunity's stage.

Every interface (form, kanban, bulk change, API, imports, demo data) calls
``move_opportunity_to_stage``. One call closes the open stage interval and opens the
next one in the same transaction, so an opportunity's history has no gaps and at most
one open interval (also enforced by the ``one_open_interval`` constraint).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from salespulse.accounts.models import Role, User
from salespulse.core.errors import Conflict, DomainError, PermissionDenied
from salespulse.crm.models import Contact, LossReason, Opportunity, OpportunityStatus
from salespulse.pipeline.gates import GATE_FIELDS, GateContext, UnmetItem, coerce_field_value, evaluate
from salespulse.pipeline.models import (
    Attachment,
    DocumentType,
    GateAttempt,
    MoveSource,
    Objection,
    Pipeline,
    Stage,
    StageGate,
    StageInterval,
    StageKind,
)

logger = logging.getLogger(__name__)

# Sources that replay history someone else already decided; they need no regression reason.
REPLAY_SOURCES = frozenset({MoveSource.HISTORY_IMPORT, MoveSource.DEMO, MoveSource.IMPORT})
# Sources that load past moves as they happened: stage gates do not apply to them.
UNGATED_SOURCES = frozenset({MoveSource.HISTORY_IMPORT, MoveSource.DEMO})


class GateBlocked(DomainError):
    """A move was stopped by one or more stage gates; ``items`` lists what is unmet."""

    status = 422

    def __init__(self, *, to_stage: Stage, items: list[UnmetItem], gates: list[StageGate]) -> None:
        super().__init__(
            "stage_gate_blocked",
            _("The deal cannot enter %(stage)s yet: %(count)s requirement(s) are not met.")
            % {"stage": _label(to_stage), "count": len(items)},
            params={"stage": to_stage.code},
        )
        self.items = items
        self.gates = gates
        # GateAttempt rows for the fake-progress report (see record_blocked_attempts).
        self.attempts: list[GateAttempt] = []

    def as_dict(self) -> dict[str, Any]:
        data = super().as_dict()
        data["unmet"] = [item.as_dict() for item in self.items]
        return data


@dataclass(frozen=True)
class MoveResult:
    opportunity: Opportunity
    moved: bool
    from_stage: Stage | None
    to_stage: Stage
    is_regression: bool
    interval: StageInterval | None


# Roles that see deals but never change them: finance reconciles, it does not sell.
READ_ONLY_ROLES = frozenset({Role.FINANCE})


def ensure_may_change_deals(actor: User | None) -> None:
    """Raise ``PermissionDenied`` when ``actor``'s role may only read deals."""
    if actor is not None and not actor.is_superuser and actor.role in READ_ONLY_ROLES:
        raise PermissionDenied(
            "role_may_not_change_deals",
            _("The %(role)s role can view deals but not change them.") % {"role": actor.get_role_display()},
        )


def _label(stage: Stage) -> str:
    """Return the stage's name in the active language, for messages."""
    return stage.display_name(get_language())


def is_regression(from_stage: Stage, to_stage: Stage) -> bool:
    """Return True for a move back to an earlier open stage, or out of won/lost into an open stage."""
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
    confirmations: Iterable[str] = (),
    **fields,
) -> Opportunity:
    """Create an opportunity and open its first stage interval.

    Creating a deal directly in a later stage passes the gates of every stage up to
    that one, as a forward move from the first stage would.
    """
    ensure_may_change_deals(actor)
    at = created_at or timezone.now()
    stage = stage or first_open_stage(pipeline)
    if stage.pipeline_id != pipeline.pk:
        raise DomainError(
            "stage_not_in_pipeline",
            _("Stage %(stage)s does not belong to pipeline %(pipeline)s.")
            % {"stage": _label(stage), "pipeline": pipeline.name},
            field="stage",
        )

    opportunity = Opportunity(
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
    if source not in UNGATED_SOURCES:
        entry = first_open_stage(pipeline)
        if stage.pk != entry.pk:
            gates = gates_on_the_way(entry, stage, include_from=True)
            _enforce_gates(opportunity, gates, stage, frozenset(confirmations), actor=actor, source=source)

    with transaction.atomic():
        opportunity.save(force_insert=True)
        StageInterval.objects.create(
            opportunity=opportunity, stage=stage, entered_at=at, source=source, actor=actor, owner=owner
        )

    logger.info("opportunity %s created in stage %s by user %s", opportunity.pk, stage.code, getattr(actor, "pk", None))
    return opportunity


def gates_on_the_way(from_stage: Stage, to_stage: Stage, *, include_from: bool = False) -> list[StageGate]:
    """Return the enabled gates a forward move from ``from_stage`` to ``to_stage`` must pass.

    A move into an open stage passes the gates of every stage it enters or skips. A win
    passes the gates of all open stages after ``from_stage`` and the won stage's own. A
    loss passes only the lost stage's gate: losing a deal is never fake progress.
    """
    stages = Stage.objects.filter(pipeline_id=to_stage.pipeline_id)
    lower = {"position__gte" if include_from else "position__gt": from_stage.position}
    if to_stage.kind == StageKind.LOST:
        stages = stages.filter(pk=to_stage.pk)
    elif to_stage.kind == StageKind.WON:
        stages = stages.filter(Q(kind=StageKind.OPEN, **lower) | Q(pk=to_stage.pk))
    else:
        stages = stages.filter(kind=StageKind.OPEN, position__lte=to_stage.position, **lower)
    return list(
        StageGate.objects.filter(stage__in=stages, enabled=True).select_related("stage").order_by("stage__position")
    )


# Standing confirmations kept by other apps, e.g. a checklist item a rep ticked from a
# customer signal. Each provider takes an opportunity and returns checklist item codes;
# apps register theirs in AppConfig.ready().
CONFIRMATION_PROVIDERS: list[Callable[[Opportunity], Iterable[str]]] = []


def gate_context(opportunity: Opportunity, confirmations: frozenset[str] = frozenset()) -> GateContext:
    """Collect the evidence the gates of ``opportunity`` are evaluated against."""
    attachment_counts: dict[str, int] = {}
    objections_total = objections_answered = 0
    if opportunity.pk:
        for provider in CONFIRMATION_PROVIDERS:
            confirmations = confirmations | frozenset(provider(opportunity))
        for code, count in (
            Attachment.objects.filter(opportunity_id=opportunity.pk)
            .values_list("document_type__code")
            .annotate(count=Count("id"))
        ):
            attachment_counts[code] = count
        # Objections count toward the gate only when raised during the current stay.
        current_stay = Objection.objects.filter(
            opportunity_id=opportunity.pk, raised_at__gte=opportunity.stage_entered_at
        )
        objections_total = current_stay.count()
        objections_answered = current_stay.exclude(response="").count()
    return GateContext(
        opportunity=opportunity,
        confirmations=confirmations,
        attachment_counts=attachment_counts,
        objections_total=objections_total,
        objections_answered=objections_answered,
        document_type_names=dict(DocumentType.objects.values_list("code", "name")),
    )


def _enforce_gates(
    opportunity: Opportunity,
    gates: list[StageGate],
    to_stage: Stage,
    confirmations: frozenset[str],
    *,
    actor: User | None,
    source: str,
) -> None:
    if not gates:
        return
    context = gate_context(opportunity, confirmations)
    unmet: list[UnmetItem] = []
    blocking: list[StageGate] = []
    for gate in gates:
        items = [item for item in evaluate(gate.rule, context) if item not in unmet]
        if items:
            unmet.extend(items)
            blocking.append(gate)
    if unmet:
        raise GateBlocked(to_stage=to_stage, items=unmet, gates=blocking)


def _blocked_attempts(
    blocked: GateBlocked, opportunity: Opportunity, from_stage: Stage, to_stage: Stage, *, actor, source: str
) -> list[GateAttempt]:
    now = timezone.now()
    return [
        GateAttempt(
            opportunity_id=opportunity.pk,
            gate=gate,
            from_stage=from_stage,
            to_stage=to_stage,
            actor=actor,
            source=source,
            unmet=[item.as_dict() for item in blocked.items],
            attempted_at=now,
        )
        for gate in blocked.gates
    ]


def record_blocked_attempts(blocked: GateBlocked) -> None:
    """Store a blocked move for the fake-progress report, once.

    ``move_opportunity_to_stage`` stores it at once. A caller that then rolls back its
    own transaction (a form save, an import row) loses that row, so it calls this
    again afterwards: the rows are written anew only if they are gone.
    """
    if not blocked.attempts:
        return
    saved = [attempt.pk for attempt in blocked.attempts if attempt.pk]
    if len(saved) == len(blocked.attempts) and GateAttempt.objects.filter(pk__in=saved).count() == len(saved):
        return
    for attempt in blocked.attempts:
        attempt.pk = None
    GateAttempt.objects.bulk_create(blocked.attempts)
    first = blocked.attempts[0]
    logger.info(
        "opportunity %s blocked entering %s by %s gate(s), user %s via %s",
        first.opportunity_id, first.to_stage.code, len(blocked.attempts), first.actor_id, first.source,
    )


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
    field_values: Mapping[str, Any] | None = None,
    confirmations: Iterable[str] = (),
    import_batch=None,
) -> MoveResult:
    """Move ``opportunity`` to ``to_stage`` and record the stage interval.

    Writing the stage it is already in is a no-op: no interval, and the stage clock
    keeps running. ``expected_stage`` is the stage the caller saw; if another user
    moved the deal meanwhile the call raises ``Conflict`` and changes nothing.
    ``field_values`` (gate fields such as won_amount or signed_date) are saved with
    the move and count toward its gates. A blocked move raises ``GateBlocked`` and
    saves nothing but the record of the attempt.
    """
    ensure_may_change_deals(actor)
    at = at or timezone.now()
    if to_stage.pipeline_id != opportunity.pipeline_id:
        raise DomainError(
            "stage_not_in_pipeline",
            _("Stage %(stage)s does not belong to this opportunity's pipeline.") % {"stage": _label(to_stage)},
            field="stage",
        )
    values = {name: coerce_field_value(name, raw) for name, raw in (field_values or {}).items()}
    if won_amount is not None:
        values["won_amount"] = coerce_field_value("won_amount", won_amount)

    try:
        with transaction.atomic():
            result = _move_locked(
                opportunity, to_stage, actor, source, at, reason, expected_stage, values,
                frozenset(confirmations), loss_reason, loss_note, import_batch,
            )
    except GateBlocked as blocked:
        from_stage = Stage.objects.get(opportunities__pk=opportunity.pk)
        blocked.attempts = _blocked_attempts(blocked, opportunity, from_stage, to_stage, actor=actor, source=source)
        record_blocked_attempts(blocked)
        raise

    if result.moved:
        _copy_state(result.opportunity, opportunity)
        logger.info(
            "opportunity %s moved %s -> %s by user %s via %s%s",
            opportunity.pk, result.from_stage.code, to_stage.code, getattr(actor, "pk", None), source,
            " (regression)" if result.is_regression else "",
        )
    return result


def _move_locked(
    opportunity: Opportunity,
    to_stage: Stage,
    actor: User | None,
    source: str,
    at: dt.datetime,
    reason: str,
    expected_stage: Stage | None,
    values: dict[str, Any],
    confirmations: frozenset[str],
    loss_reason: str,
    loss_note: str,
    import_batch,
) -> MoveResult:
    # Lock the row alone: with a join, PostgreSQL re-checks the joined row after waiting
    # for a concurrent mover and can return no row at all.
    current = Opportunity.objects.select_for_update().get(pk=opportunity.pk)
    from_stage = Stage.objects.get(pk=current.stage_id)
    if expected_stage is not None and expected_stage.pk != from_stage.pk:
        raise _conflict(current, from_stage)
    if from_stage.pk == to_stage.pk:
        return MoveResult(current, False, from_stage, to_stage, False, None)

    anchor, include_anchor = _progress_anchor(current, from_stage)
    if from_stage.kind == StageKind.LOST:
        # Reopening a lost deal goes back only up to the stage where it was lost.
        regression = not to_stage.is_closed and not include_anchor and to_stage.position <= anchor.position
    else:
        regression = is_regression(from_stage, to_stage)
    _validate_move(current, from_stage, to_stage, at, regression, reason, source, loss_reason)
    field_updates = _apply_field_values(current, values)
    if not regression and source not in UNGATED_SOURCES:
        gates = gates_on_the_way(anchor, to_stage, include_from=include_anchor)
        _enforce_gates(current, gates, to_stage, confirmations, actor=actor, source=source)
    updates = _closing_fields(current, from_stage, to_stage, at, values.get("won_amount"), loss_reason, loss_note)
    # Keep the follow-ups fact with the close moment it is counted to (crm.services
    # imports this module, hence the local import).
    from salespulse.crm.services import followups_before

    updates["followups_before_close"] = followups_before(current.pk, at) if to_stage.is_closed else 0

    # Compare-and-set on the stage the row was read with: a concurrent mover that
    # committed first makes this update match no row (databases without row locks).
    changed = Opportunity.objects.filter(pk=current.pk, stage_id=from_stage.pk).update(
        stage=to_stage, stage_entered_at=at, updated_at=timezone.now(), **{**field_updates, **updates}
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
    return MoveResult(current, True, from_stage, to_stage, regression, interval)


def _progress_anchor(current: Opportunity, from_stage: Stage) -> tuple[Stage, bool]:
    """Return the stage a forward move really starts from, and whether its own gate applies.

    A lost deal progressed only up to ``lost_at_stage``, so reopening it further (or
    winning it) passes every gate after that stage, not none. A lost deal with no
    recorded stage starts from the pipeline's first stage, gate included.
    """
    if from_stage.kind != StageKind.LOST:
        return from_stage, False
    if current.lost_at_stage_id:
        return Stage.objects.get(pk=current.lost_at_stage_id), False
    return first_open_stage(current.pipeline), True


def _apply_field_values(current: Opportunity, values: dict[str, Any]) -> dict[str, Any]:
    """Set submitted gate fields on ``current`` (for evaluation) and return the column updates."""
    updates: dict[str, Any] = {}
    for name, value in values.items():
        if GATE_FIELDS[name] == "relation":
            if name == "decision_maker" and value is not None:
                if not Contact.objects.filter(pk=value, customer_id=current.customer_id).exists():
                    raise DomainError(
                        "invalid_value",
                        _("Contact %(value)s is not a contact of this deal's customer.") % {"value": value},
                        field=name,
                    )
            setattr(current, f"{name}_id", value)
            updates[f"{name}_id"] = value
        else:
            setattr(current, name, value)
            updates[name] = value
    return updates


def _conflict(current: Opportunity, from_stage: Stage) -> Conflict:
    return Conflict(
        "stage_conflict",
        _("Opportunity %(name)s was moved by someone else and is now in %(stage)s; reload and try again.")
        % {"name": current.name, "stage": _label(from_stage)},
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
            % {"at": timezone.localtime(at).strftime("%Y-%m-%d %H:%M"), "stage": _label(from_stage)},
            field="at",
        )
    if regression and not reason.strip() and source not in REPLAY_SOURCES:
        raise DomainError(
            "regression_reason_required",
            _("Moving back from %(from)s to %(to)s needs a reason.") % {"from": _label(from_stage), "to": _label(to_stage)},
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
    ensure_may_change_deals(actor)
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
                _("Stage %(stage)s does not belong to this opportunity's pipeline.") % {"stage": _label(move.stage)},
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
    from salespulse.crm.services import followups_before

    followups = followups_before(opportunity.pk, last.entered_at) if last.stage.is_closed else 0
    with transaction.atomic():
        StageInterval.objects.filter(opportunity_id=opportunity.pk).delete()
        StageInterval.objects.bulk_create(intervals)
        lost_at = stays[-2].stage if status == OpportunityStatus.LOST and len(stays) > 1 else None
        Opportunity.objects.filter(pk=opportunity.pk).update(
            stage=last.stage,
            stage_entered_at=last.entered_at,
            status=status,
            closed_at=last.entered_at if last.stage.is_closed else None,
            followups_before_close=followups,
            lost_at_stage=lost_at,
            created_at=min(opportunity.created_at, stays[0].entered_at),
            updated_at=timezone.now(),
        )
    opportunity.refresh_from_db()
    return intervals
