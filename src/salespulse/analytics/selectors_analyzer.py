"""Read queries of the funnel analyzer: filtered opportunities, their totals and rows,
the evidence behind one row, and the saved views a user may open.

Every function takes the requesting user and starts from
``crm.selectors.visible_opportunities``, so a rep sees their own deals, a manager their
team's, a director their region's, and ops, finance and admin everything. A filter is
compiled into one SQL query (see ``analytics.analyzer``); nothing is filtered in Python.

The benchmark calls ``run_filter`` and ``list_rows`` with the ``EXAMPLE_FILTERS``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from math import ceil
from typing import Any

from django.db.models import BigIntegerField, Count, F, Prefetch, Q, QuerySet, Sum, Window
from django.db.models.functions import Cast, Round
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from salespulse.accounts.models import Region, Team, User
from salespulse.accounts.scopes import visible_users
from salespulse.analytics.analyzer import (
    EMPTY_FILTER,
    FilterError,
    compile_filter,
    parse_filter_text,
    referenced_values,
    unknown_value_errors,
    validate_filter,
)
from salespulse.analytics.models import SavedView, SavedViewVisibility
from salespulse.core.errors import NotFound
from salespulse.core.money import quantize_money
from salespulse.crm.models import ActionType, Channel, Interaction, Opportunity, ProductLine
from salespulse.crm.selectors import (
    StageStay,
    get_visible_opportunity,
    opportunity_stage_history,
    visible_interactions,
    visible_opportunities,
)
from salespulse.pipeline.models import Attachment, Stage

ROWS_PER_PAGE = 50
# Larger page numbers are read as "past the end", which keeps the row offset in range.
MAX_PAGE = 10**9
EVIDENCE_INTERACTION_LIMIT = 200
SECONDS_PER_DAY = 86400

# Named questions the benchmark times. The first selects the deals that have been in
# technical evaluation for five days or more since the proposal was sent.
EXAMPLE_FILTERS: dict[str, dict] = {
    "tech_evaluation_5_days_after_proposal": {
        "op": "and",
        "conditions": [
            {"field": "stage", "op": "in", "value": ["tech_evaluation"]},
            {"field": "days_in_stage", "op": "gte", "value": 5},
            {"field": "last_action", "op": "in", "value": ["proposal_sent"]},
        ],
    },
    "open_silent_14_days_or_competitor": {
        "op": "and",
        "conditions": [
            {"field": "status", "op": "in", "value": ["open"]},
            {
                "op": "or",
                "conditions": [
                    {"field": "days_since_interaction", "op": "gte", "value": 14},
                    {"field": "tag", "op": "present", "value": "competitor_preference", "competitor": "with"},
                ],
            },
        ],
    },
    "repeat_customers_large_deals": {
        "op": "and",
        "conditions": [
            {"field": "customer_kind", "op": "eq", "value": "repeat"},
            {"field": "amount", "op": "gte", "value": "500000"},
        ],
    },
}


# --- Filters ----------------------------------------------------------------------------


def parse_filter(text: str | None) -> dict:
    """Parse a filter from JSON text; empty text is the empty filter (every deal).

    Raises ``FilterError`` naming the JSON path and value of every problem.
    """
    if text is None or not text.strip():
        return dict(EMPTY_FILTER)
    spec = parse_filter_text(text)
    check_references(spec)
    return spec


def load_filter(filter_json: dict | str | None) -> dict:
    """Return a validated filter from JSON text or an already decoded tree."""
    if filter_json is None or isinstance(filter_json, str):
        return parse_filter(filter_json)
    spec = validate_filter(filter_json)
    check_references(spec)
    return spec


def check_references(spec: dict) -> None:
    """Raise ``FilterError`` for stage codes, usernames, team, region, channel or
    product-line codes that do not exist (one query per field used)."""
    sources = {
        "stage": lambda values: Stage.objects.filter(code__in=values).values_list("code", flat=True),
        "owner": lambda values: User.objects.filter(username__in=values).values_list("username", flat=True),
        "team": lambda values: Team.objects.filter(code__in=values).values_list("code", flat=True),
        "region": lambda values: Region.objects.filter(code__in=values).values_list("code", flat=True),
        "channel": lambda values: Channel.objects.filter(code__in=values).values_list("code", flat=True),
        "product_line": lambda values: ProductLine.objects.filter(code__in=values).values_list("code", flat=True),
    }
    known = {
        name: set(sources[name](sorted(values))) for name, values in referenced_values(spec).items()
    }
    errors = unknown_value_errors(spec, known)
    if errors:
        raise FilterError(errors)


def filtered_opportunities(user: User, spec: dict, *, now: dt.datetime) -> QuerySet[Opportunity]:
    """Return the opportunities ``user`` may see that match the validated ``spec``."""
    return visible_opportunities(user).filter(compile_filter(spec, now=now))


# --- Totals and rows --------------------------------------------------------------------


@dataclass(frozen=True)
class AnalyzerSummary:
    """How many deals match, and the sum of their expected amounts (deals without an
    amount count toward ``deals`` but add nothing)."""

    deals: int
    total_amount: Decimal
    deals_with_amount: int


def run_filter(user: User, filter_json: dict | str | None, *, now: dt.datetime | None = None) -> AnalyzerSummary:
    """Return the count and total expected amount of the deals matching the filter.

    The sum is taken over whole cents as integers, because SQLite would add decimals as
    floating point; on PostgreSQL the result is the same.
    """
    spec = load_filter(filter_json)
    return summarise(filtered_opportunities(user, spec, now=now or timezone.now()))


def summarise(opportunities: QuerySet[Opportunity]) -> AnalyzerSummary:
    cents = Cast(Round(F("expected_amount") * 100), output_field=BigIntegerField())
    totals = opportunities.order_by().aggregate(
        deals=Count("id"), cents=Sum(cents), with_amount=Count("expected_amount")
    )
    return AnalyzerSummary(
        deals=totals["deals"],
        total_amount=quantize_money(Decimal(totals["cents"] or 0) / 100),
        deals_with_amount=totals["with_amount"],
    )


@dataclass(frozen=True)
class ResultRow:
    """One matching deal as the result list and the export show it. Day counts are whole
    days up to the request; without any interaction, silence counts from creation."""

    opportunity_id: int
    name: str
    customer_name: str
    stage_code: str
    stage_name: str
    stage_name_en: str
    status: str
    days_in_stage: int
    days_since_interaction: int
    has_interaction: bool
    last_action: str
    last_action_label: str
    owner_name: str
    expected_amount: Decimal | None

    @property
    def stage_display(self) -> str:
        """Return the stage's English name while the page is in English, else its name."""
        if (get_language() or "").startswith("en") and self.stage_name_en:
            return self.stage_name_en
        return self.stage_name


@dataclass(frozen=True)
class ResultPage:
    rows: list[ResultRow]
    number: int
    num_pages: int
    count: int

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.num_pages


ROW_COLUMNS = (
    "pk",
    "name",
    "customer__name",
    "stage__code",
    "stage__name",
    "stage__name_en",
    "status",
    "stage_entered_at",
    "last_interaction_at",
    "created_at",
    "last_action_type",
    "owner__display_name",
    "owner__username",
    "expected_amount",
)


def _whole_days(since: dt.datetime, now: dt.datetime) -> int:
    return max(int((now - since).total_seconds() // SECONDS_PER_DAY), 0)


def _row(values: tuple, now: dt.datetime) -> ResultRow:
    (pk, name, customer_name, stage_code, stage_name, stage_name_en, status, stage_entered_at,
     last_interaction_at, created_at, last_action, owner_display, owner_username, amount) = values
    action_label = ActionType(last_action).label if last_action in ActionType.values else last_action
    return ResultRow(
        opportunity_id=pk,
        name=name,
        customer_name=customer_name or "",
        stage_code=stage_code,
        stage_name=stage_name,
        stage_name_en=stage_name_en,
        status=status,
        days_in_stage=_whole_days(stage_entered_at, now),
        days_since_interaction=_whole_days(last_interaction_at or created_at, now),
        has_interaction=last_interaction_at is not None,
        last_action=last_action,
        last_action_label=str(action_label),
        owner_name=owner_display or owner_username or "",
        expected_amount=amount,
    )


def _ordered_rows(opportunities: QuerySet[Opportunity], extra: tuple[str, ...] = ()):
    # Longest in the current stage first, because the analyzer's questions are about stuck deals.
    return opportunities.order_by("stage_entered_at", "id").values_list(*ROW_COLUMNS, *extra)


def list_rows(
    user: User,
    filter_json: dict | str | None,
    page: int | str | None = 1,
    *,
    now: dt.datetime | None = None,
    per_page: int = ROWS_PER_PAGE,
) -> ResultPage:
    """Return one page of the matching deals, longest in their stage first. A page
    number out of range gives the last page."""
    now = now or timezone.now()
    spec = load_filter(filter_json)
    return page_of_rows(filtered_opportunities(user, spec, now=now), page, now=now, per_page=per_page)


def page_of_rows(
    opportunities: QuerySet[Opportunity], page: int | str | None, *, now: dt.datetime, per_page: int = ROWS_PER_PAGE
) -> ResultPage:
    """Return page ``page`` (1 when it is not a number, the last page when it is past
    the end). The page and the total come from one query, with ``COUNT(*) OVER ()``. A
    second query counts only when the requested page is past the end."""
    number = _page_number(page)
    counted = _ordered_rows(opportunities.annotate(matching=Window(Count("pk"))), extra=("matching",))
    values = list(counted[(number - 1) * per_page : number * per_page])
    if values:
        count = values[0][-1]
    else:
        count = opportunities.count()
        if count:
            number = ceil(count / per_page)
            values = list(counted[(number - 1) * per_page : number * per_page])
        else:
            number = 1
    return ResultPage(
        rows=[_row(row[:-1], now) for row in values],
        number=number,
        num_pages=max(ceil(count / per_page), 1),
        count=count,
    )


def _page_number(page: int | str | None) -> int:
    """Return ``page`` as a number from 1 to ``MAX_PAGE``: 1 when it is not a positive
    whole number, ``MAX_PAGE`` (past any real end) when it is larger."""
    if isinstance(page, int):
        number = page
    else:
        text = str(page or "").strip()
        if not text.isdecimal():
            return 1
        # int() refuses very long digit strings, and any such number is past the end.
        number = int(text) if len(text) <= len(str(MAX_PAGE)) else MAX_PAGE
    return min(max(number, 1), MAX_PAGE)


def iter_rows(user: User, spec: dict, *, now: dt.datetime, chunk_size: int = 2000) -> Iterator[ResultRow]:
    """Yield every matching deal in list order from one query read in chunks (for exports)."""
    opportunities = filtered_opportunities(user, spec, now=now)
    for values in _ordered_rows(opportunities).iterator(chunk_size=chunk_size):
        yield _row(values, now)


# --- Drill-down -------------------------------------------------------------------------


@dataclass(frozen=True)
class EvidenceInteraction:
    """One interaction with its intent signals (rejected ones left out), ordered by span."""

    interaction: Interaction
    signals: list


@dataclass(frozen=True)
class AnalyzerEvidence:
    opportunity: Opportunity
    days_in_stage: int
    interactions: list[EvidenceInteraction]
    more_interactions: bool
    attachments: list[Attachment]
    history: list[StageStay]
    tag_names: dict[str, tuple[str, str]]


def opportunity_evidence(
    user: User, opportunity_id: int, *, now: dt.datetime | None = None, limit: int = EVIDENCE_INTERACTION_LIMIT
) -> AnalyzerEvidence:
    """Return the evidence behind one result row: the newest ``limit`` interactions with
    their tag spans, the attachments and the stage history. Raises ``Http404`` for a deal
    the user may not see."""
    from salespulse.signals.models import Signal, SignalStatus, TagDefinition

    now = now or timezone.now()
    opportunity = get_visible_opportunity(user, opportunity_id)
    signals = Signal.objects.exclude(status=SignalStatus.REJECTED).order_by("span_start", "id")
    interactions = list(
        visible_interactions(user)
        .filter(opportunity=opportunity)
        .select_related("owner", "contact")
        .prefetch_related(Prefetch("signals", queryset=signals, to_attr="shown_signals"))
        .order_by("-occurred_at", "-id")[: limit + 1]
    )
    attachments = list(
        Attachment.objects.filter(opportunity=opportunity).select_related("document_type", "uploaded_by")
    )
    tag_names = {code: (name, name_en) for code, name, name_en in TagDefinition.objects.values_list(
        "code", "name", "name_en")}
    return AnalyzerEvidence(
        opportunity=opportunity,
        days_in_stage=_whole_days(opportunity.stage_entered_at, now),
        interactions=[
            EvidenceInteraction(interaction, interaction.shown_signals) for interaction in interactions[:limit]
        ],
        more_interactions=len(interactions) > limit,
        attachments=attachments,
        history=opportunity_stage_history(user, opportunity, now=now),
        tag_names=tag_names,
    )


# --- Builder choices --------------------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    value: str
    name: str
    name_en: str = ""


def builder_choices(user: User) -> dict[str, list[Choice]]:
    """Return the values the filter builder offers for each choice field and for tags.

    Owners, teams and regions are limited to those of users whose deals ``user`` may see.
    """
    from salespulse.signals.models import TagDefinition

    stages: dict[str, Choice] = {}
    for code, name, name_en in (
        Stage.objects.order_by("-pipeline__is_default", "pipeline_id", "position").values_list(
            "code", "name", "name_en")
    ):
        stages.setdefault(code, Choice(code, name, name_en))
    owners = visible_users(user).order_by("display_name", "username").values_list("username", "display_name")
    owner_ids = visible_users(user).values("pk")
    teams = Team.objects.filter(members__in=owner_ids).distinct().order_by("code").values_list("code", "name")
    regions = (
        Region.objects.filter(Q(users__in=owner_ids) | Q(teams__members__in=owner_ids))
        .distinct()
        .order_by("code")
        .values_list("code", "name")
    )
    return {
        "stage": list(stages.values()),
        "owner": [Choice(username, display or username) for username, display in owners],
        "team": [Choice(code, name) for code, name in teams],
        "region": [Choice(code, name) for code, name in regions],
        "channel": [Choice(*row) for row in Channel.objects.values_list("code", "name", "name_en")],
        "product_line": [Choice(*row) for row in ProductLine.objects.values_list("code", "name", "name_en")],
        "tag": [
            Choice(*row)
            for row in TagDefinition.objects.filter(enabled=True).values_list("code", "name", "name_en")
        ],
    }


# --- Saved views ------------------------------------------------------------------------


def visible_saved_views(user: User) -> QuerySet[SavedView]:
    """Return the user's own views and the views shared with the user's team."""
    shared = Q(visibility=SavedViewVisibility.TEAM, team_id=user.team_id) if user.team_id else Q(pk__in=[])
    return SavedView.objects.filter(Q(owner=user) | shared).select_related("owner").order_by("name", "id")


def get_visible_saved_view(user: User, view_id: Any) -> SavedView:
    """Return a saved view the user may open; raise ``NotFound`` for any other id."""
    try:
        view = visible_saved_views(user).filter(pk=int(view_id)).first()
    except (TypeError, ValueError):
        view = None
    if view is None:
        raise NotFound(
            "saved_view_not_found",
            _("Saved view %(id)s was not found, or you may not open it.") % {"id": view_id},
            field="view",
        )
    return view
