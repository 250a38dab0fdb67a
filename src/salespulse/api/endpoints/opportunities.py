"""Opportunity endpoints: filtered list, detail, and stage history."""

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja.pagination import PageNumberPagination, paginate

from salespulse.api.schemas import ErrorOut, OpportunityFilters, OpportunityOut, StageIntervalOut
from salespulse.core.errors import DomainError, NotFound
from salespulse.core.timeutil import dwell_days
from salespulse.crm.models import Opportunity
from salespulse.crm.selectors import visible_opportunities, visible_stage_intervals
from salespulse.pipeline.models import Pipeline, Stage

router = Router(tags=["opportunities"])


def _opportunities(request: HttpRequest) -> QuerySet[Opportunity]:
    return visible_opportunities(request.auth).select_related(
        "customer", "pipeline", "stage", "owner", "lost_at_stage"
    )


def get_visible_opportunity(request: HttpRequest, opportunity_id: int) -> Opportunity:
    """Return the opportunity if the caller may see it; raise a 404 ``NotFound`` otherwise."""
    opportunity = _opportunities(request).filter(pk=opportunity_id).first()
    if opportunity is None:
        raise NotFound(
            "opportunity_not_found",
            _("Opportunity %(id)s was not found, or you may not see it.") % {"id": opportunity_id},
            field="opportunity_id",
        )
    return opportunity


def _pipeline_filter(value: str) -> Pipeline:
    lookup = {"pk": int(value)} if value.isdigit() else {"code": value}
    pipeline = Pipeline.objects.filter(**lookup).first()
    if pipeline is None:
        raise DomainError(
            "unknown_pipeline",
            _("Pipeline %(value)s does not exist; use a pipeline code or id.") % {"value": value},
            field="pipeline",
            status=422,
        )
    return pipeline


def _apply_filters(
    opportunities: QuerySet[Opportunity], filters: OpportunityFilters
) -> QuerySet[Opportunity]:
    """Narrow ``opportunities``; an unknown stage or pipeline is a 422, not an empty list."""
    pipeline = _pipeline_filter(filters.pipeline) if filters.pipeline else None
    if pipeline is not None:
        opportunities = opportunities.filter(pipeline=pipeline)

    if filters.stage:
        stages = Stage.objects.filter(code=filters.stage)
        if pipeline is not None:
            stages = stages.filter(pipeline=pipeline)
        if not stages.exists():
            raise DomainError(
                "unknown_stage",
                _("Stage %(value)s does not exist; use a stage code such as negotiation.")
                % {"value": filters.stage},
                field="stage",
                status=422,
            )
        opportunities = opportunities.filter(stage__code=filters.stage)

    if filters.owner:
        owner = filters.owner.strip()
        opportunities = opportunities.filter(
            **({"owner_id": int(owner)} if owner.isdigit() else {"owner__username": owner})
        )

    if filters.status:
        opportunities = opportunities.filter(status=filters.status)
    if filters.customer is not None:
        opportunities = opportunities.filter(customer_id=filters.customer)
    return opportunities


@router.get("", response=list[OpportunityOut], summary="List opportunities")
@paginate(PageNumberPagination, page_size=50, max_page_size=200)
def list_opportunities(
    request: HttpRequest, filters: Query[OpportunityFilters]
) -> QuerySet[Opportunity]:
    """Opportunities the caller may see, newest first, narrowed by stage, owner,
    status, pipeline or customer. An owner outside the caller's scope yields an empty list."""
    return _apply_filters(_opportunities(request), filters).order_by("-created_at", "-id")


@router.get(
    "/{opportunity_id}", response={200: OpportunityOut, 404: ErrorOut}, summary="Get an opportunity"
)
def get_opportunity(request: HttpRequest, opportunity_id: int) -> Opportunity:
    return get_visible_opportunity(request, opportunity_id)


@router.get(
    "/{opportunity_id}/stage-history",
    response={200: list[StageIntervalOut], 404: ErrorOut},
    summary="Stage history of an opportunity",
)
def get_stage_history(request: HttpRequest, opportunity_id: int) -> list[dict]:
    """List the opportunity's stage intervals in the order entered. ``dwell_days`` of
    the open interval counts up to the time of the request."""
    opportunity = get_visible_opportunity(request, opportunity_id)
    intervals = (
        visible_stage_intervals(request.auth)
        .filter(opportunity=opportunity)
        .select_related("stage", "from_stage")
        .order_by("entered_at", "id")
    )
    now = timezone.now()
    return [
        {
            "id": interval.pk,
            "stage": interval.stage,
            "from_stage": interval.from_stage,
            "entered_at": interval.entered_at,
            "left_at": interval.left_at,
            # Two places are enough to read a stay; the exact times are in the record.
            "dwell_days": round(dwell_days(interval.entered_at, interval.left_at, now), 2),
            "is_regression": interval.is_regression,
            "source": interval.source,
            "reason": interval.reason,
        }
        for interval in intervals
    ]
