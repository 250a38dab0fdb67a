import datetime as dt
from decimal import Decimal

import pytest

from salespulse.accounts.models import Role
from salespulse.analytics.health import (
    DEFAULT_THRESHOLDS,
    Status,
    Threshold,
    classify_response,
    process_health,
    status_of,
    top_rep_ids,
    trend_weeks,
)
from salespulse.analytics.models import HealthMetric, HealthThreshold, Holiday, ThresholdDirection
from salespulse.analytics.selectors import Period
from salespulse.analytics.worktime import WorkCalendar
from salespulse.pipeline.models import Objection, Stage
from tests.analytics.helpers import deal_path, local
from tests.factories import LeadFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

MARCH = Period(dt.date(2026, 3, 1), dt.date(2026, 3, 31))
AS_OF = local(2026, 4, 1, 10, 0)


def test_saturday_lead_answered_tuesday_meets_target():
    outcome, hours = classify_response(WorkCalendar(), local(2026, 3, 7, 0, 30), local(2026, 3, 10, 10, 0), AS_OF)

    assert hours == 34.0
    assert outcome == "met"


def test_unanswered_lead_pending_until_48_working_hours():
    calendar = WorkCalendar()
    created = local(2026, 3, 31, 20, 0)

    assert classify_response(calendar, created, None, AS_OF) == ("pending", 14.0)
    assert classify_response(calendar, created, None, local(2026, 4, 3, 0, 0))[0] == "missed"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("96"), Status.OK),
        (Decimal("95"), Status.OK),
        (Decimal("90"), Status.WARN),
        (Decimal("89.9"), Status.FAIL),
        (None, Status.NO_DATA),
    ],
)
def test_status_at_least_threshold(value, expected):
    assert status_of(value, DEFAULT_THRESHOLDS[HealthMetric.FIRST_FOLLOWUP]) == expected


@pytest.mark.parametrize(
    ("value", "expected"), [(Decimal("2.3"), Status.OK), (Decimal("2.8"), Status.WARN), (Decimal("2.9"), Status.FAIL)]
)
def test_status_at_most_threshold(value, expected):
    assert status_of(value, DEFAULT_THRESHOLDS[HealthMetric.DWELL_SPREAD]) == expected


def test_trend_covers_twelve_local_weeks_ending_with_period():
    weeks = trend_weeks(MARCH)

    assert len(weeks) == 12
    assert weeks[-1] == dt.date(2026, 3, 30)
    assert all(week.weekday() == 0 for week in weeks)


def test_top_reps_are_ceil_twenty_percent():
    five = {rep: Decimal(amount) for rep, amount in zip(range(1, 6), (500, 400, 300, 200, 100), strict=True)}
    six = {**five, 6: Decimal(50)}

    assert top_rep_ids(five) == {1}
    assert top_rep_ids(six) == {1, 2}
    assert top_rep_ids({1: Decimal(0)}) == set()


@pytest.fixture
def viewer():
    return UserFactory(role=Role.OPS, team=None)


@pytest.fixture
def leads(viewer):
    owner = UserFactory(display_name="王芳")
    LeadFactory(
        owner=owner, name="周六线索", created_at=local(2026, 3, 7, 0, 30), first_followup_at=local(2026, 3, 10, 10)
    )
    LeadFactory(owner=owner, name="慢回复", created_at=local(2026, 3, 9, 9), first_followup_at=local(2026, 3, 12, 9))
    LeadFactory(owner=owner, name="未跟进", created_at=local(2026, 3, 13, 12))
    LeadFactory(owner=owner, name="新线索", created_at=local(2026, 3, 31, 20))
    LeadFactory(
        owner=owner, name="二月线索", created_at=local(2026, 2, 27, 12), first_followup_at=local(2026, 2, 27, 13)
    )
    return owner


def test_followup_share_counts_met_and_missed(viewer, leads):
    figure = process_health(viewer, MARCH, AS_OF).figure(HealthMetric.FIRST_FOLLOWUP)

    assert (figure.details.met, figure.details.missed, figure.details.pending) == (1, 2, 1)
    assert figure.value == Decimal("33.3")
    assert figure.status == Status.FAIL
    assert [lead.name for lead in figure.details.missed_leads] == ["未跟进", "慢回复"]
    assert figure.details.missed_leads[1].working_hours == Decimal("72.0")


def test_followup_trend_buckets_by_local_week(viewer, leads):
    figure = process_health(viewer, MARCH, AS_OF).figure(HealthMetric.FIRST_FOLLOWUP)

    by_week = {point.week_start: point.value for point in figure.trend}
    assert by_week[dt.date(2026, 2, 23)] == Decimal("100.0")
    assert by_week[dt.date(2026, 3, 2)] == Decimal("100.0")
    assert by_week[dt.date(2026, 3, 9)] == Decimal("0.0")
    assert by_week[dt.date(2026, 3, 30)] is None


def test_quick_answer_counted_in_local_period_and_week(viewer, leads):
    LeadFactory(owner=leads, created_at=local(2026, 3, 31, 23, 30), first_followup_at=local(2026, 3, 31, 23, 40))
    LeadFactory(owner=leads, created_at=local(2026, 4, 1, 0, 30), first_followup_at=local(2026, 4, 1, 0, 40))

    figure = process_health(viewer, MARCH, AS_OF).figure(HealthMetric.FIRST_FOLLOWUP)

    assert (figure.details.met, figure.details.missed) == (2, 2)
    by_week = {point.week_start: point.value for point in figure.trend}
    assert by_week[dt.date(2026, 3, 30)] == Decimal("100.0")


def test_holiday_shortens_working_time(viewer, leads):
    Holiday.objects.create(date=dt.date(2026, 3, 11), name="调休")
    Holiday.objects.create(date=dt.date(2026, 3, 10), name="调休")

    figure = process_health(viewer, MARCH, AS_OF).figure(HealthMetric.FIRST_FOLLOWUP)

    # 慢回复 now waits Mon 09:00 → Tue 00:00 (15 h) + Thu 00:00 → 09:00 (9 h) = 24 h.
    assert (figure.details.met, figure.details.missed) == (2, 1)


def test_configured_threshold_replaces_default(viewer, leads):
    HealthThreshold.objects.create(
        metric=HealthMetric.FIRST_FOLLOWUP, target=Decimal("30"), direction=ThresholdDirection.AT_LEAST
    )

    figure = process_health(viewer, MARCH, AS_OF).figure(HealthMetric.FIRST_FOLLOWUP)

    assert figure.threshold.target == Decimal("30")
    assert figure.status == Status.OK


@pytest.fixture
def dwell_data(viewer):
    """Rep A: initial-contact stays 2 and 4 days, needs-analysis 2 and 4; rep B: 5 and 1."""
    team = TeamFactory()
    rep_a = UserFactory(display_name="甲", team=team)
    rep_b = UserFactory(display_name="乙", team=team)
    deal_path(rep_a, local(2026, 3, 1), [("needs_analysis", local(2026, 3, 3)), ("solution_demo", local(2026, 3, 5))])
    deal_path(rep_a, local(2026, 3, 1), [("needs_analysis", local(2026, 3, 5)), ("solution_demo", local(2026, 3, 9))])
    deal_path(rep_b, local(2026, 3, 1), [("needs_analysis", local(2026, 3, 6)), ("solution_demo", local(2026, 3, 7))])
    return rep_a, rep_b


def test_dwell_spread_per_stage_and_overall(viewer, dwell_data):
    figure = process_health(viewer, MARCH, AS_OF).figure(HealthMetric.DWELL_SPREAD)

    spreads = {stage.stage_name: stage.std_days for stage in figure.details.stages}
    assert spreads == {"初步接洽": Decimal("1.0"), "需求确认": Decimal("1.0")}
    assert figure.value == Decimal("0.0")
    assert figure.status == Status.OK


def test_dwell_spread_overall_differs_when_rep_means_differ(viewer, dwell_data):
    rep_a, _ = dwell_data
    deal_path(rep_a, local(2026, 3, 1), [("needs_analysis", local(2026, 3, 11))])

    figure = process_health(viewer, MARCH, AS_OF).figure(HealthMetric.DWELL_SPREAD)

    # Rep A's stays: 2, 4, 2, 4, 10 → mean 4.4; rep B's: 5, 1 → mean 3; pstdev = 0.7.
    assert figure.value == Decimal("0.7")
    rep_rows = {rep.rep_name: rep.overall_days for rep in figure.details.reps}
    assert rep_rows == {"甲": Decimal("4.4"), "乙": Decimal("3.0")}


@pytest.fixture
def objection_data(viewer):
    reps = [UserFactory(display_name=f"代表{index}") for index in range(5)]
    deals = []
    for rep, amount in zip(reps, ("500000", "400000", "300000", "200000", "100000"), strict=True):
        deals.append(deal_path(rep, local(2026, 3, 1), [("won", local(2026, 3, 20))], won_amount=amount))
    stage = Stage.objects.get(pipeline=deals[0].pipeline, code="initial_contact")

    def objection(deal, raised, days):
        Objection.objects.create(
            opportunity=deal,
            stage=stage,
            category="price",
            customer_words="太贵了",
            raised_at=raised,
            resolved_at=raised + dt.timedelta(days=days),
        )

    for days in (1, 2, 4):
        objection(deals[0], local(2026, 3, 2), days)
    objection(deals[1], local(2026, 3, 2), 0.5)
    objection(deals[1], local(2026, 1, 2), 9)  # resolved before the period
    return reps


def test_objection_resolution_of_top_reps(viewer, objection_data):
    figure = process_health(viewer, MARCH, AS_OF).figure(HealthMetric.OBJECTION_RESOLUTION)

    assert figure.value == Decimal("2.0")
    assert figure.status == Status.WARN
    assert figure.details.top_reps == 1
    assert figure.details.everyone_median_days == Decimal("1.5")
    rows = {rep.rep_name: (rep.is_top, rep.resolved, rep.median_days) for rep in figure.details.reps}
    assert rows == {"代表0": (True, 3, Decimal("2.0")), "代表1": (False, 1, Decimal("0.5"))}


def test_health_scoped_to_manager_team(objection_data):
    manager = UserFactory(role=Role.MANAGER, team=objection_data[1].team)

    figure = process_health(manager, MARCH, AS_OF).figure(HealthMetric.OBJECTION_RESOLUTION)

    assert figure.details.top_reps == 1
    assert figure.value == Decimal("0.5")


def test_health_query_count_is_constant(viewer, leads, dwell_data, objection_data, django_assert_max_num_queries):
    with django_assert_max_num_queries(10):
        process_health(viewer, MARCH, AS_OF)


def test_threshold_dataclass_from_row(viewer):
    row = HealthThreshold.objects.create(
        metric=HealthMetric.DWELL_SPREAD,
        target=Decimal("3"),
        direction=ThresholdDirection.AT_MOST,
        warn_margin=Decimal("1"),
    )

    figure = process_health(viewer, MARCH, AS_OF).figure(HealthMetric.DWELL_SPREAD)

    assert figure.threshold == Threshold(row.metric, Decimal("3.00"), ThresholdDirection.AT_MOST, Decimal("1.00"))
