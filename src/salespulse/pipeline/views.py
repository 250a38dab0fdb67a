"""The kanban board and its move endpoint. Moves go through the transition service."""

from __future__ import annotations

import logging

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from salespulse.accounts.models import Role
from salespulse.core.errors import DomainError, NotFound
from salespulse.crm.models import LossReason
from salespulse.crm.selectors import get_visible_opportunity
from salespulse.pipeline.bulk import BulkMoveStatus, bulk_move_opportunities
from salespulse.pipeline.forms import BulkMoveForm, KanbanFilterForm, MoveForm
from salespulse.pipeline.models import MoveSource, Pipeline
from salespulse.pipeline.selectors import KanbanFilter, get_pipeline, kanban_board
from salespulse.pipeline.services import move_opportunity_to_stage

logger = logging.getLogger(__name__)


@login_required
@require_GET
def kanban(request: HttpRequest, code: str | None = None) -> HttpResponse:
    pipeline = get_pipeline(code)
    form = KanbanFilterForm(request.user, request.GET or None)
    filters = form.to_filter() if form.is_bound and form.is_valid() else KanbanFilter()
    context = {
        "pipeline": pipeline,
        "pipelines": Pipeline.objects.order_by("code"),
        "board": kanban_board(request.user, pipeline, filters),
        "form": form,
        "show_filters": request.user.role != Role.REP or request.user.sees_everything,
        "kanban_texts": _kanban_texts(),
        "loss_reasons": LossReason.choices,
    }
    return render(request, "pipeline/kanban.html", context)


def _kanban_texts() -> dict[str, str]:
    """Messages the board's script shows; it fills the %(name)s placeholders itself."""
    return {
        "reasonPrompt": _("You are moving %(name)s back from %(from)s to %(to)s. Say why."),
        "networkError": _(
            "The server could not be reached, so the card went back. "
            "Check the connection and try again."
        ),
        "lossPrompt": _("Why was %(name)s lost?"),
        "fixField": _("Fill it in on the opportunity page"),
        "uploadHere": _("Upload here"),
        "objectionsHere": _("Add objections here"),
        "selectedCount": _("Selected: %(count)s"),
        "bulkNothingSelected": _("Select at least one card first."),
        "bulkSummary": _("%(moved)s of %(total)s opportunities moved."),
    }


@login_required
@require_POST
def move_opportunity(request: HttpRequest, pk: int) -> JsonResponse:
    """Move one card and return JSON: the new stage, or the error ``code`` and ``message``."""
    try:
        opportunity = get_visible_opportunity(request.user, pk)
    except Http404:
        return _error(
            NotFound(
                "opportunity_not_found",
                _("Opportunity %(id)s was not found, or you may not see it.") % {"id": pk},
            )
        )
    form = MoveForm(request.POST)
    if not form.is_valid():
        return _error(
            DomainError(
                "invalid_move_request", _("The move request is incomplete; reload the board.")
            )
        )

    stages = {stage.pk: stage for stage in opportunity.pipeline.stages.all()}
    to_stage = stages.get(form.cleaned_data["to_stage"])
    expected_stage = stages.get(form.cleaned_data["expected_stage"])
    if to_stage is None or expected_stage is None:
        error = DomainError(
            "stage_not_in_pipeline",
            _("The target stage does not belong to pipeline %(pipeline)s; reload the board.")
            % {"pipeline": opportunity.pipeline.name},
            field="stage",
        )
        return _error(error)

    try:
        result = move_opportunity_to_stage(
            opportunity=opportunity,
            to_stage=to_stage,
            actor=request.user,
            source=MoveSource.KANBAN,
            reason=form.cleaned_data["reason"],
            expected_stage=expected_stage,
            loss_reason=form.cleaned_data["loss_reason"],
            field_values=_submitted_fields(request),
            confirmations=request.POST.getlist("confirmations"),
        )
    except DomainError as error:
        logger.info(
            "kanban move of opportunity %s by user %s rejected: %s", pk, request.user.pk, error.code
        )
        return _error(error)

    return JsonResponse(
        {
            "moved": result.moved,
            "stage": to_stage.pk,
            "status": result.opportunity.status,
            "is_regression": result.is_regression,
        }
    )


def _submitted_fields(request: HttpRequest) -> dict[str, str]:
    """Gate field values sent as ``fields[won_amount]=…``; empty values are left out.

    The transition service rejects names that are not gate fields.
    """
    values = {}
    for key, value in request.POST.items():
        if key.startswith("fields[") and key.endswith("]") and value.strip():
            values[key[len("fields[") : -1]] = value.strip()
    return values


@login_required
@require_POST
def bulk_move(request: HttpRequest) -> JsonResponse:
    """Move the selected cards to one stage and return each deal's outcome as JSON."""
    form = BulkMoveForm(request.POST)
    if not form.is_valid():
        return _error(
            DomainError("invalid_move_request", _("The move request is incomplete; reload the board."))
        )

    try:
        outcomes = bulk_move_opportunities(
            actor=request.user,
            opportunity_ids=form.cleaned_data["ids"],
            stage_code=form.cleaned_data["stage_code"],
            reason=form.cleaned_data["reason"],
        )
    except DomainError as error:
        logger.info("bulk move by user %s rejected: %s", request.user.pk, error.code)
        return _error(error)

    return JsonResponse(
        {
            "results": [
                {
                    "id": outcome.opportunity_id,
                    "status": outcome.status,
                    "label": str(BulkMoveStatus(outcome.status).label),
                    "code": outcome.code,
                    "message": outcome.message,
                    "unmet": [item.as_dict() for item in outcome.unmet],
                }
                for outcome in outcomes
            ]
        }
    )


def _error(error: DomainError) -> JsonResponse:
    return JsonResponse(error.as_dict(), status=error.status)
