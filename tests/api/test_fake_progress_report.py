import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from salespulse.pipeline.services import HistoricalMove, load_stage_history
from tests.factories import make_opportunity

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
PATH = "/api/reports/fake-progress"


def local(month, day):
    return dt.datetime(2026, month, day, 10, tzinfo=SHANGHAI)


@pytest.fixture
def moves(org, stages):
    """rep_a: two forward moves, one reversed 3 days later; rep_n: one forward move."""
    for owner, path in (
        (org.rep_a, [("initial_contact", 1), ("needs_analysis", 2), ("solution_demo", 3), ("needs_analysis", 6)]),
        (org.rep_n, [("initial_contact", 1), ("needs_analysis", 4)]),
    ):
        opportunity = make_opportunity(owner=owner, created_at=local(3, 1))
        load_stage_history(
            opportunity=opportunity, moves=[HistoricalMove(stages[code], local(3, day)) for code, day in path]
        )


def test_report_for_ops_covers_everyone(org, moves, api_as):
    response = api_as(org.ops).get(PATH, start="2026-03-01", end="2026-03-31")

    assert response.status_code == 200
    body = response.json()
    assert body["total"] == {"forward_moves": 3, "reversed_moves": 1, "share": "0.3333"}
    # Reps come by display name; the factory numbers names, so "销售10" may sort before "销售9".
    shares = {"rep_a": "0.5000", "rep_n": "0.0000"}
    by_name = sorted([org.rep_a, org.rep_n], key=lambda rep: rep.display_name)
    assert [(row["rep"]["username"], row["share"]) for row in body["reps"]] == [
        (rep.username, shares[rep.username]) for rep in by_name
    ]
    assert [row["team"]["code"] for row in body["teams"]] == ["east-1", "north-1"]


def test_report_lists_default_gate(org, moves, api_as):
    body = api_as(org.ops).get(PATH, start="2026-03-01", end="2026-03-31").json()

    gate = body["gates"][0]
    assert gate["pipeline"] == "medical_device"
    assert gate["stage"]["code"] == "contract_drafting"
    assert gate["blocked_attempts"] == 0
    assert gate["enabled"] is True


def test_rep_gets_own_figures(org, moves, api_as):
    body = api_as(org.rep_a).get(PATH, start="2026-03-01", end="2026-03-31").json()

    assert body["total"] == {"forward_moves": 2, "reversed_moves": 1, "share": "0.5000"}
    assert [row["rep"]["username"] for row in body["reps"]] == ["rep_a"]


def test_director_sees_region(org, moves, api_as):
    body = api_as(org.director).get(PATH, start="2026-03-01", end="2026-03-31").json()

    assert [row["rep"]["username"] for row in body["reps"]] == ["rep_a"]


def test_empty_period_has_null_share(org, api_as):
    body = api_as(org.manager).get(PATH, start="2026-03-01", end="2026-03-31").json()

    assert body["total"] == {"forward_moves": 0, "reversed_moves": 0, "share": None}


def test_finance_may_not_read_report(org, api_as):
    response = api_as(org.finance).get(PATH, start="2026-03-01", end="2026-03-31")

    assert response.status_code == 403
    assert response.json() == {"code": "permission_denied", "message": "您的角色无权查看虚假推进报表。"}


def test_end_before_start_is_422(org, api_as):
    response = api_as(org.ops).get(PATH, start="2026-03-31", end="2026-03-01")

    assert response.status_code == 422
    assert response.json() == {
        "code": "invalid_period",
        "message": "结束日期 2026-03-01 早于开始日期 2026-03-31。",
        "field": "end",
    }


def test_missing_dates_are_422(org, api_as):
    response = api_as(org.ops).get(PATH, start="2026-03-01")

    assert response.status_code == 422
    assert response.json()["field"] == "end"
