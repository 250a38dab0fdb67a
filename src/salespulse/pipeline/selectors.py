"""Read queries for pipelines and the kanban board, scoped to the requesting user."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, F, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.shortcuts import get_object_or_404
from django.utils import timezone

from salespulse.accounts.models import Team, User
from salespulse.accounts.scopes import visible_users
from salespulse.crm.models import Opportunity, OpportunityStatus
from salespulse.crm.selectors import visible_opportunities
from salespulse.pipeline.models import Pipeline, Stage

# A column shows its newest cards only, so the board stays fast with thousands of deals.
CARDS_PER_COLUMN = 50
# Won and lost columns show deals closed within this many days.
RECENT_CLOSED_DAYS = 30


def get_pipeline(code: str | None) -> Pipeline:
    """Return the pipeline with ``code``, or the default pipeline when ``code`` is None."""
    if code is None:
        return get_object_or_404(Pipeline, is_default=True)
    return get_object_or_404(Pipeline, code=code)


@dataclass(frozen=True)
class KanbanFilter:
    owner_id: int | None = None
    team_id: int | None = None


@dataclass
class KanbanColumn:
    stage: Stage
    total: int = 0
    cards: list[Opportunity] = field(default_factory=list)

    @property
    def hidden_count(self) -> int:
        return self.total - len(self.cards)


@dataclass(frozen=True)
class KanbanBoard:
    pipeline: Pipeline
    columns: list[KanbanColumn]


def kanban_opportunities(
    user: User, pipeline: Pipeline, filters: KanbanFilter, *, now: dt.datetime | None = None
) -> QuerySet[Opportunity]:
    """Return the visible opportunities the board shows: open ones and recently closed ones."""
    closed_since = (now or timezone.now()) - dt.timedelta(days=RECENT_CLOSED_DAYS)
    opportunities = (
        visible_opportunities(user)
        .filter(pipeline=pipeline)
        .filter(Q(status=OpportunityStatus.OPEN) | Q(closed_at__gte=closed_since))
    )
    if filters.owner_id:
        opportunities = opportunities.filter(owner_id=filters.owner_id)
    if filters.team_id:
        opportunities = opportunities.filter(owner__team_id=filters.team_id)
    return opportunities


def kanban_board(
    user: User,
    pipeline: Pipeline,
    filters: KanbanFilter,
    *,
    per_column: int = CARDS_PER_COLUMN,
    now: dt.datetime | None = None,
) -> KanbanBoard:
    """Return one column per stage with its newest ``per_column`` cards and its total count.

    Three queries whatever the number of deals: stages, counts per stage, and the cards
    (ranked per stage with a window function so each column is cut in the database).
    """
    columns = {stage.pk: KanbanColumn(stage) for stage in pipeline.stages.order_by("position")}
    opportunities = kanban_opportunities(user, pipeline, filters, now=now)

    for row in opportunities.order_by().values("stage_id").annotate(total=Count("id")):
        if row["stage_id"] in columns:
            columns[row["stage_id"]].total = row["total"]

    ranked = (
        opportunities.select_related("customer", "owner")
        .annotate(
            column_rank=Window(
                RowNumber(),
                partition_by=[F("stage_id")],
                order_by=[F("stage_entered_at").desc(), F("id").desc()],
            )
        )
        .filter(column_rank__lte=per_column)
        .order_by("stage_id", "column_rank")
    )
    for opportunity in ranked:
        if opportunity.stage_id in columns:
            columns[opportunity.stage_id].cards.append(opportunity)

    return KanbanBoard(pipeline=pipeline, columns=list(columns.values()))


def kanban_filter_choices(user: User) -> tuple[QuerySet[User], QuerySet[Team]]:
    """Return the owners and teams a user may filter the board by (none for a rep)."""
    owners = visible_users(user).order_by("display_name", "username")
    teams = Team.objects.filter(members__in=owners).distinct().order_by("code")
    return owners, teams


@dataclass(frozen=True)
class OpportunityEvidence:
    """Attachments and objections of one opportunity, newest first."""

    attachments: list
    objections: list


def opportunity_evidence(opportunity: Opportunity) -> OpportunityEvidence:
    """Return the evidence of an opportunity the caller already fetched with ``get_visible_opportunity``."""
    return OpportunityEvidence(
        attachments=list(opportunity.attachments.select_related("document_type", "uploaded_by")),
        objections=list(opportunity.objections.select_related("stage", "recorded_by")),
    )
