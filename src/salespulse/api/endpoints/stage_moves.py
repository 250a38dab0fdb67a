"""Stage moves through the API: one opportunity, or many at once (bulk change).

Both call the transition service with their own source, so stage gates, regression
reasons and the concurrency check apply exactly as on the kanban board.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router

from salespulse.api.endpoints.opportunities import get_visible_opportunity
from salespulse.api.schemas import BulkMoveIn, BulkMoveOut, ErrorOut, GateBlockedOut, MoveIn, OpportunityOut
from salespulse.core.errors import DomainError
from salespulse.crm.models import Opportunity
from salespulse.pipeline.bulk import BulkMoveStatus, bulk_move_opportunities
from salespulse.pipeline.models import MoveSource, Stage
from salespulse.pipeline.services import move_opportunity_to_stage

router = Router(tags=["stage moves"])


def _stage_of(opportunity: Opportunity, code: str, *, field: str) -> Stage:
    stage = Stage.objects.filter(pipeline_id=opportunity.pipeline_id, code=code).first()
    if stage is None:
        raise DomainError(
            "unknown_stage",
            _("Stage %(value)s does not exist in pipeline %(pipeline)s.")
            % {"value": code, "pipeline": opportunity.pipeline.code},
            field=field,
            status=422,
        )
    return stage


# Declared before the opportunity routes so that "bulk-move" is never read as an opportunity id.
@router.post(
    "/bulk-move",
    response={200: BulkMoveOut, 422: ErrorOut},
    summary="Move many opportunities to one stage",
)
def bulk_move(request: HttpRequest, payload: BulkMoveIn) -> dict:
    """Move each listed opportunity to the stage with code ``stage`` in its pipeline.

    Each deal is moved in its own transaction and gets its own result: a deal that a
    stage gate blocks stays where it is (status ``blocked`` with the unmet items) while
    the others move. Ids the caller may not see are reported as ``not_found``.
    """
    if not Stage.objects.filter(code=payload.stage).exists():
        raise DomainError(
            "unknown_stage",
            _("Stage %(value)s does not exist; use a stage code such as negotiation.") % {"value": payload.stage},
            field="stage",
            status=422,
        )

    outcomes = bulk_move_opportunities(
        actor=request.auth,
        opportunity_ids=payload.ids,
        stage_code=payload.stage,
        reason=payload.reason,
        field_values=payload.fields,
        confirmations=payload.confirmations,
    )
    return {
        "stage": payload.stage,
        "moved": sum(1 for outcome in outcomes if outcome.status == BulkMoveStatus.MOVED),
        "results": [
            {
                "id": outcome.opportunity_id,
                "status": outcome.status,
                "code": outcome.code or None,
                "message": outcome.message or None,
                "unmet": [item.as_dict() for item in outcome.unmet] or None,
            }
            for outcome in outcomes
        ],
    }


@router.post(
    "/{opportunity_id}/move",
    response={200: OpportunityOut, 404: ErrorOut, 409: ErrorOut, 422: GateBlockedOut},
    summary="Move an opportunity to another stage",
)
def move_opportunity(request: HttpRequest, opportunity_id: int, payload: MoveIn) -> Opportunity:
    """Move the opportunity to the stage with code ``stage``, saving ``fields`` with the move.

    A move blocked by a stage gate returns 422 with code ``stage_gate_blocked`` and the
    ``unmet`` items, and nothing is saved. A move back to an earlier stage needs ``reason``.
    With ``expected_stage``, a deal that someone else moved meanwhile returns 409.
    Moving a deal to the stage it is in changes nothing.
    """
    opportunity = get_visible_opportunity(request, opportunity_id)
    to_stage = _stage_of(opportunity, payload.stage, field="stage")
    expected_stage = (
        _stage_of(opportunity, payload.expected_stage, field="expected_stage") if payload.expected_stage else None
    )

    move_opportunity_to_stage(
        opportunity=opportunity,
        to_stage=to_stage,
        actor=request.auth,
        source=MoveSource.API,
        reason=payload.reason,
        expected_stage=expected_stage,
        field_values=payload.fields,
        confirmations=payload.confirmations,
        loss_reason=payload.loss_reason,
        loss_note=payload.loss_note,
    )

    return get_visible_opportunity(request, opportunity_id)
