"""Funnel analyzer: the totals and one page of the deals matching a filter.

The filter is the same JSON tree the analyzer page puts in its ``q`` parameter (see
``salespulse.analytics.analyzer``). An invalid filter is a 422 whose ``field`` is the
JSON path at fault.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema

from salespulse.analytics import selectors_analyzer
from salespulse.api.schemas import ErrorOut

router = Router(tags=["analyzer"])


class AnalyzerQueryIn(Schema):
    filter: dict[str, Any] | None = Field(
        None,
        description='Filter tree, e.g. {"op": "and", "conditions": [{"field": "stage", "op": "in", '
        '"value": ["tech_evaluation"]}]}; empty or missing matches every visible deal.',
    )
    page: int = Field(1, ge=1, description="Page of rows, 50 per page; past the end gives the last page.")


class AnalyzerRowOut(Schema):
    opportunity_id: int
    name: str
    customer_name: str
    stage_code: str
    status: str
    days_in_stage: int = Field(description="Whole days in the current stage up to the request.")
    days_since_interaction: int = Field(
        description="Whole days since the last interaction, or since creation when there is none."
    )
    has_interaction: bool
    last_action: str = Field(description="Action type of the last interaction with an action, or empty.")
    owner_name: str
    expected_amount: Decimal | None


class AnalyzerResultOut(Schema):
    deals: int
    total_amount: Decimal = Field(description="Sum of expected amounts in yuan, two decimals.")
    deals_with_amount: int
    page: int
    pages: int
    as_of: dt.datetime = Field(description="The moment day counts were measured to (UTC).")
    rows: list[AnalyzerRowOut]


@router.post(
    "/query", response={200: AnalyzerResultOut, 422: ErrorOut}, summary="Run a funnel-analyzer filter"
)
def run_query(request: HttpRequest, payload: AnalyzerQueryIn) -> dict:
    """Count and sum the visible deals matching the filter and return one page of them,
    longest in their current stage first."""
    now = timezone.now()
    spec = selectors_analyzer.load_filter(payload.filter)
    opportunities = selectors_analyzer.filtered_opportunities(request.auth, spec, now=now)
    summary = selectors_analyzer.summarise(opportunities)
    page = selectors_analyzer.page_of_rows(opportunities, payload.page, now=now)
    return {
        "deals": summary.deals,
        "total_amount": summary.total_amount,
        "deals_with_amount": summary.deals_with_amount,
        "page": page.number,
        "pages": page.num_pages,
        "as_of": now,
        "rows": [row.__dict__ for row in page.rows],
    }
