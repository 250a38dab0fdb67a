import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from salespulse.pipeline.models import MoveSource
from salespulse.pipeline.services import move_opportunity_to_stage
from tests.factories import make_opportunity

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2025, 3, 18, 2, 0, tzinfo=dt.UTC)

VISIBLE_OWNERS = {
    "rep_a": {"rep_a"},
    "manager": {"rep_a", "rep_b"},
    "director": {"rep_a", "rep_b", "rep_c"},
    "ops": {"rep_a", "rep_b", "rep_c", "rep_n"},
    "finance": {"rep_a", "rep_b", "rep_c", "rep_n"},
    "admin": {"rep_a", "rep_b", "rep_c", "rep_n"},
}


def move(opportunity, stage, at, source=MoveSource.FORM, **kwargs):
    return move_opportunity_to_stage(
        opportunity=opportunity,
        to_stage=stage,
        actor=opportunity.owner,
        at=at,
        source=source,
        **kwargs,
    )


@pytest.fixture
def deals(org, stages):
    """One open deal per rep, plus a won and a lost deal of rep_a.

    The closing moves replay demo data, so stage gates (evidence needed to win) do not apply.
    """
    deals = {
        rep.username: make_opportunity(owner=rep, name=f"{rep.username} 彩超", created_at=T0)
        for rep in (org.rep_a, org.rep_b, org.rep_c, org.rep_n)
    }
    deals["won"] = make_opportunity(
        owner=org.rep_a, name="已赢单", created_at=T0, stage_code="negotiation"
    )
    move(deals["won"], stages["won"], T0 + dt.timedelta(days=2), source=MoveSource.DEMO)
    deals["lost"] = make_opportunity(
        owner=org.rep_a, name="已输单", created_at=T0, stage_code="negotiation"
    )
    move(
        deals["lost"],
        stages["lost"],
        T0 + dt.timedelta(days=3),
        source=MoveSource.DEMO,
        loss_reason="price",
    )
    return deals


def names(response) -> list[str]:
    return sorted(item["name"] for item in response.json()["items"])


@pytest.mark.parametrize("role", sorted(VISIBLE_OWNERS))
def test_opportunity_list_follows_role_scope(org, deals, api_as, role):
    response = api_as(getattr(org, role)).get("/api/opportunities")

    assert response.status_code == 200
    owners = {item["owner"]["username"] for item in response.json()["items"]}
    assert owners == VISIBLE_OWNERS[role]


@pytest.mark.parametrize("role", sorted(VISIBLE_OWNERS))
def test_opportunity_of_unseen_owner_is_404(org, deals, api_as, role):
    client = api_as(getattr(org, role))

    for owner in ("rep_a", "rep_b", "rep_c", "rep_n"):
        opportunity = deals[owner]
        detail = client.get(f"/api/opportunities/{opportunity.pk}")
        history = client.get(f"/api/opportunities/{opportunity.pk}/stage-history")
        expected = 200 if owner in VISIBLE_OWNERS[role] else 404
        assert detail.status_code == expected, owner
        assert history.status_code == expected, owner
        if expected == 404:
            assert detail.json() == {
                "code": "opportunity_not_found",
                "message": f"商机 {opportunity.pk} 不存在，或您无权查看。",
                "field": "opportunity_id",
            }


def test_money_is_a_decimal_string(org, api_as):
    opportunity = make_opportunity(owner=org.rep_a, expected_amount=Decimal("125000.5"))

    body = api_as(org.rep_a).get(f"/api/opportunities/{opportunity.pk}").json()

    assert body["expected_amount"] == "125000.50"
    assert body["won_amount"] is None


def test_won_amount_and_closed_at_in_utc(org, deals, api_as):
    body = api_as(org.rep_a).get(f"/api/opportunities/{deals['won'].pk}").json()

    assert body["status"] == "won"
    assert body["won_amount"] == "100000.00"
    assert body["closed_at"] == "2025-03-20T02:00:00Z"
    assert body["stage"]["code"] == "won"
    assert body["pipeline"]["code"] == "medical_device"


def test_lost_deal_names_stage_lost_at(org, deals, api_as):
    body = api_as(org.rep_a).get(f"/api/opportunities/{deals['lost'].pk}").json()

    assert body["status"] == "lost"
    assert body["lost_at_stage"]["code"] == "negotiation"
    assert body["loss_reason"] == "price"


def test_filter_by_status(org, deals, api_as):
    client = api_as(org.ops)

    assert names(client.get("/api/opportunities", status="won")) == ["已赢单"]
    assert names(client.get("/api/opportunities", status="lost")) == ["已输单"]
    assert len(client.get("/api/opportunities", status="open").json()["items"]) == 4


def test_filter_by_stage_code(org, deals, api_as, stages):
    move(deals["rep_b"], stages["solution_demo"], T0 + dt.timedelta(days=1))

    response = api_as(org.ops).get("/api/opportunities", stage="solution_demo")

    assert names(response) == ["rep_b 彩超"]


def test_filter_by_owner_username_or_id(org, deals, api_as):
    client = api_as(org.manager)

    by_name = client.get("/api/opportunities", owner="rep_b")
    by_id = client.get("/api/opportunities", owner=str(org.rep_b.pk))

    assert names(by_name) == ["rep_b 彩超"]
    assert names(by_id) == ["rep_b 彩超"]


def test_owner_filter_outside_scope_is_empty(org, deals, api_as):
    response = api_as(org.rep_a).get("/api/opportunities", owner="rep_n")

    assert response.status_code == 200
    assert response.json() == {"items": [], "count": 0}


def test_filter_by_pipeline_code(org, deals, api_as):
    client = api_as(org.ops)

    assert client.get("/api/opportunities", pipeline="medical_device").json()["count"] == 6


def test_filters_combine(org, deals, api_as):
    response = api_as(org.ops).get(
        "/api/opportunities", owner="rep_a", status="open", stage="initial_contact"
    )

    assert names(response) == ["rep_a 彩超"]


def test_unknown_stage_is_422_in_chinese(org, api_as):
    response = api_as(org.ops).get("/api/opportunities", stage="quote")

    assert response.status_code == 422
    assert response.json() == {
        "code": "unknown_stage",
        "message": "阶段 quote 不存在；请使用阶段代码，例如 negotiation。",
        "field": "stage",
    }


def test_unknown_pipeline_is_422_in_english(org, api_as):
    response = api_as(org.ops, language="en").get("/api/opportunities", pipeline="retail")

    assert response.status_code == 422
    assert response.json() == {
        "code": "unknown_pipeline",
        "message": "Pipeline retail does not exist; use a pipeline code or id.",
        "field": "pipeline",
    }


def test_invalid_status_is_422_in_chinese(org, api_as):
    response = api_as(org.ops).get("/api/opportunities", status="closed")

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid_input"
    assert body["field"] == "status"
    assert body["message"] == "status 必须是 open, won, lost 之一，closed 无效。"


def test_invalid_status_is_422_in_english(org, api_as):
    response = api_as(org.ops, language="en").get("/api/opportunities", status="closed")

    assert response.status_code == 422
    assert response.json()["message"] == "status must be one of open, won, lost, not closed."


def test_non_numeric_id_is_422(org, api_as):
    response = api_as(org.ops).get("/api/opportunities/abc")

    assert response.status_code == 422
    assert response.json()["field"] == "opportunity_id"
    assert response.json()["message"] == "opportunity_id 必须是整数，abc 不是整数。"


def test_stage_history_lists_intervals_with_regression(org, api_as, stages):
    opportunity = make_opportunity(owner=org.rep_a, created_at=T0, source=MoveSource.CREATE)
    move(opportunity, stages["solution_demo"], T0 + dt.timedelta(days=2))
    move(
        opportunity,
        stages["needs_analysis"],
        T0 + dt.timedelta(days=5),
        reason="客户更换科室负责人",
    )

    with time_machine.travel(T0 + dt.timedelta(days=6, hours=12), tick=False):
        response = api_as(org.rep_a).get(f"/api/opportunities/{opportunity.pk}/stage-history")

    assert response.status_code == 200
    history = response.json()
    assert [item["stage"]["code"] for item in history] == [
        "initial_contact",
        "solution_demo",
        "needs_analysis",
    ]
    assert [item["entered_at"] for item in history] == [
        "2025-03-18T02:00:00Z",
        "2025-03-20T02:00:00Z",
        "2025-03-23T02:00:00Z",
    ]
    assert [item["left_at"] for item in history] == [
        "2025-03-20T02:00:00Z",
        "2025-03-23T02:00:00Z",
        None,
    ]
    assert [item["dwell_days"] for item in history] == [2.0, 3.0, 1.5]
    assert [item["is_regression"] for item in history] == [False, False, True]
    assert history[2]["from_stage"]["code"] == "solution_demo"
    assert history[2]["reason"] == "客户更换科室负责人"
    assert [item["source"] for item in history] == ["create", "form", "form"]


def test_opportunity_list_query_count_is_fixed(org, deals, api_as, django_assert_num_queries):
    client = api_as(org.ops)

    # Token lookup, last-used update, count, page with related rows joined.
    with django_assert_num_queries(4):
        response = client.get("/api/opportunities")
    assert response.json()["count"] == 6
