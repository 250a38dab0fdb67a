import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse

from salespulse.accounts.models import Role
from salespulse.pipeline.models import GateAttempt, MoveSource, StageGate
from salespulse.pipeline.services import HistoricalMove, load_stage_history
from tests.factories import TeamFactory, UserFactory, make_opportunity

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
REPORT_URL = reverse("pipeline:report_fake_progress")
MARCH = {"start": "2026-03-01", "end": "2026-03-31"}
# The report compares gates up to "now"; the page is read on this moment.
NOW = dt.datetime(2026, 4, 30, 12, 0, tzinfo=SHANGHAI)


def local(month, day, hour=10):
    return dt.datetime(2026, month, day, hour, 0, tzinfo=SHANGHAI)


def history(owner, stages, *moves):
    opportunity = make_opportunity(owner=owner, created_at=moves[0][1])
    load_stage_history(
        opportunity=opportunity, moves=[HistoricalMove(stages[code], at) for code, at in moves]
    )
    return opportunity


@pytest.fixture
def people(db):
    east_1 = TeamFactory(code="east-1", name="华东一组")
    east_2 = TeamFactory(code="east-2", name="华东二组", region=east_1.region)
    return {
        "rep_a": UserFactory(username="rep_a", display_name="A", team=east_1),
        "rep_b": UserFactory(username="rep_b", display_name="B", team=east_1),
        "rep_c": UserFactory(username="rep_c", display_name="C", team=east_2),
        "manager": UserFactory(
            username="manager", display_name="M", role=Role.MANAGER, team=east_1
        ),
        "finance": UserFactory(username="finance", role=Role.FINANCE, team=None, region=None),
    }


@pytest.fixture
def march(people, stages):
    """rep_a: 3 forward moves, 2 reversed; rep_b: 1, 0; rep_c (other team): 1, 1.

    The tech_evaluation gate was switched on on March 16: before it one checked move
    (not reversed), after it one (reversed). It blocked 2 moves of rep_a and 1 of rep_c.
    """
    rep_a, rep_b, rep_c = people["rep_a"], people["rep_b"], people["rep_c"]
    # Forward to needs_analysis (kept) and to solution_demo (reversed after 5 days).
    deal_a = history(
        rep_a,
        stages,
        ("initial_contact", local(3, 1)),
        ("needs_analysis", local(3, 2)),
        ("solution_demo", local(3, 5)),
        ("needs_analysis", local(3, 10)),
    )
    # Into the gated stage after the switch-on, reversed after 5 days.
    history(
        rep_a,
        stages,
        ("initial_contact", local(3, 1)),
        ("tech_evaluation", local(3, 20)),
        ("solution_demo", local(3, 25)),
    )
    # Into the gated stage before the switch-on, kept.
    history(rep_b, stages, ("initial_contact", local(3, 1)), ("tech_evaluation", local(3, 3)))
    deal_c = history(
        rep_c,
        stages,
        ("initial_contact", local(3, 1)),
        ("needs_analysis", local(3, 2)),
        ("initial_contact", local(3, 4)),
    )

    gate = StageGate.objects.create(
        stage=stages["tech_evaluation"],
        rule={"all": [{"type": "field", "field": "signed_date", "op": "present"}]},
        enabled=True,
        enabled_at=local(3, 16),
    )
    for deal, day in ((deal_a, 17), (deal_a, 18), (deal_c, 19)):
        GateAttempt.objects.create(
            opportunity=deal,
            gate=gate,
            from_stage=stages["needs_analysis"],
            to_stage=stages["tech_evaluation"],
            actor=deal.owner,
            source=MoveSource.KANBAN,
            attempted_at=local(3, day),
        )
    return gate


def get_report(client, user, params=MARCH):
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with time_machine.travel(NOW, tick=False):
        return client.get(REPORT_URL, params)


def share(row):
    return (row.name, row.forward_moves, row.reversed_moves, row.percent)


def test_manager_sees_team_figures(client, people, march):
    response = get_report(client, people["manager"])

    assert response.status_code == 200
    assert share(response.context["total"]) == ("All visible moves", 4, 2, Decimal("50.00"))
    assert [share(row) for row in response.context["reps"]] == [
        ("A", 3, 2, Decimal("66.67")),
        ("B", 1, 0, Decimal("0.00")),
    ]
    assert [share(row) for row in response.context["teams"]] == [
        ("华东一组", 4, 2, Decimal("50.00"))
    ]


def test_manager_sees_gate_before_and_after(client, people, march):
    response = get_report(client, people["manager"])

    row = next(row for row in response.context["gates"] if row.stage == "Technical evaluation")
    assert row.blocked_attempts == 2
    assert row.window_days == 45
    assert (row.before.forward_moves, row.before.reversed_moves, row.before.percent) == (
        1,
        0,
        Decimal("0.00"),
    )
    assert (row.after.forward_moves, row.after.reversed_moves, row.after.percent) == (
        1,
        1,
        Decimal("100.00"),
    )


def test_page_shows_figures_and_chart_options(client, people, march):
    response = get_report(client, people["manager"])

    body = response.content.decode()
    assert "66.67%" in body
    assert "2 of 4 forward moves were reversed." in body
    chart = response.context["charts"]["reps"]
    assert chart["yAxis"]["data"] == ["B", "A"]
    assert chart["series"][0]["data"] == ["0.00", "66.67"]
    gates_chart = response.context["charts"]["gates"]
    assert gates_chart["xAxis"]["data"] == ["Technical evaluation"]
    assert [series["data"] for series in gates_chart["series"]] == [["0.00"], ["100.00"]]
    assert 'id="chart-reps"' in body


def test_rep_sees_own_figures_only(client, people, march):
    response = get_report(client, people["rep_b"])

    assert [share(row) for row in response.context["reps"]] == [("B", 1, 0, Decimal("0.00"))]


def test_finance_gets_403(client, people, march):
    response = get_report(client, people["finance"])

    assert response.status_code == 403
    assert "report" not in response.context


def test_end_before_start_is_rejected(client, people):
    response = get_report(client, people["manager"], {"start": "2026-03-31", "end": "2026-03-01"})

    assert response.status_code == 422
    assert response.context["form"].errors["end"] == [
        "The end date 2026-03-01 is before the start date 2026-03-31."
    ]


def test_default_period_is_last_90_days(client, people):
    response = get_report(client, people["manager"], {})

    report = response.context["report"]
    assert (report.start, report.end) == (dt.date(2026, 1, 31), dt.date(2026, 4, 30))


def test_report_page_query_count(client, people, march, django_assert_num_queries):
    get_report(client, people["manager"])

    # session, user, then the report: forward moves, regressions, owners with teams,
    # gates, blocked attempts, moves around the gates' switch-on, their regressions
    with time_machine.travel(NOW, tick=False), django_assert_num_queries(9):
        response = client.get(REPORT_URL, MARCH)

    assert response.status_code == 200


def test_report_page_in_chinese(client, people, march):
    client.force_login(people["manager"])
    with time_machine.travel(NOW, tick=False):
        response = client.get(REPORT_URL, MARCH)

    assert "4 次向前推进中有 2 次被回退。" in response.content.decode()
