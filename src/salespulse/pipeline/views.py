"""The kanban board and its move endpoint. Moves go through the transition service."""

from __future__ import annotations

import logging

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from salespulse.accounts.models import Role
from salespulse.core.errors import DomainError
from salespulse.crm.selectors import get_visible_opportunity
from salespulse.pipeline.forms import KanbanFilterForm, MoveForm
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
    }


@login_required
@require_POST
def move_opportunity(request: HttpRequest, pk: int) -> JsonResponse:
    """Move one card and return JSON: the new stage, or the error ``code`` and ``message``."""
    opportunity = get_visible_opportunity(request.user, pk)
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


def _error(error: DomainError) -> JsonResponse:
    return JsonResponse(error.as_dict(), status=error.status)
