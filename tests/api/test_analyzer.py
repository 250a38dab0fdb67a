"""POST /api/analyzer/query: the funnel analyzer through the API."""

import datetime as dt

import pytest
import time_machine

from salespulse.crm.models import ActionType
from tests.analytics.analyzer_helpers import NOW, all_of, condition, deal, interaction

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


def test_query_returns_totals_and_rows_of_visible_deals(org, api_as):
    mine = deal(org.rep_a, name="评估中", in_stage_since=NOW - 6 * DAY)
    interaction(mine, at=NOW - 2 * DAY, action=ActionType.PROPOSAL_SENT)
    deal(org.rep_n, name="北区评估", in_stage_since=NOW - 6 * DAY)
    spec = all_of(condition("stage", "in", ["tech_evaluation"]), condition("days_in_stage", "gte", 5))

    response = api_as(org.manager).post("/api/analyzer/query", {"filter": spec})

    assert response.status_code == 200
    data = response.json()
    assert (data["deals"], data["total_amount"], data["pages"]) == (1, "100000.00", 1)
    [row] = data["rows"]
    assert (row["name"], row["days_in_stage"], row["days_since_interaction"], row["last_action"]) == (
        "评估中", 6, 2, "proposal_sent"
    )


def test_invalid_filter_is_422_with_json_path(org, api_as):
    spec = all_of(condition("days_in_stage", "gte", -3))

    response = api_as(org.manager, "en").post("/api/analyzer/query", {"filter": spec})

    assert response.status_code == 422
    assert response.json() == {
        "code": "invalid_filter",
        "message": "-3 at $.conditions[0].value is too small; use 0 or more.",
        "field": "$.conditions[0].value",
    }


def test_filter_nested_hundreds_of_groups_deep_is_422_not_a_server_error(org, api_as):
    spec: dict = {"op": "and", "conditions": []}
    innermost = spec
    for _level in range(300):
        child = {"op": "and", "conditions": []}
        innermost["conditions"].append(child)
        innermost = child

    response = api_as(org.manager, "en").post("/api/analyzer/query", {"filter": spec})

    assert response.status_code == 422
    assert response.json()["message"] == "The filter nests objects and lists 17 levels deep; the limit is 16."


def test_created_on_or_before_year_9999_is_422_not_a_server_error(org, api_as):
    spec = all_of(condition("created", "lte", "9999-12-31"))

    response = api_as(org.manager, "en").post("/api/analyzer/query", {"filter": spec})

    assert response.status_code == 422
    assert response.json()["field"] == "$.conditions[0].value"


def test_huge_page_gives_last_page(org, api_as):
    deal(org.rep_a, name="评估中", in_stage_since=NOW - 6 * DAY)

    response = api_as(org.manager).post("/api/analyzer/query", {"filter": None, "page": 10**30})

    assert response.status_code == 200
    assert response.json()["page"] == 1
