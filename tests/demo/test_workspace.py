import datetime as dt

import pytest

from salespulse.accounts.models import Role, User
from salespulse.analytics import health, selectors
from salespulse.analytics.models import HealthMetric
from salespulse.crm.models import Customer, Opportunity, OpportunityStatus
from salespulse.demo.models import DemoWorkspace
from salespulse.demo.reference import END, SMALL, ZONE
from salespulse.demo.services import (
    delete_demo_workspace,
    generate_demo_workspace,
)
from salespulse.pipeline.models import Objection, StageInterval, StageKind

pytestmark = pytest.mark.django_db

PERIOD = selectors.Period(dt.date(2025, 1, 1), END.date())


@pytest.fixture(scope="module")
def small_demo(django_db_setup, django_db_blocker):
    """One small demo workspace for the read-only tests of this module, committed
    outside the per-test transaction and deleted when the module is done."""
    with django_db_blocker.unblock():
        generate_demo_workspace(size=SMALL)
    yield
    with django_db_blocker.unblock():
        delete_demo_workspace()


@pytest.fixture
def demo(small_demo, db):
    return DemoWorkspace.objects.get()


@pytest.fixture
def ops_filter(demo):
    return selectors.AnalyticsFilter(
        user=User.objects.get(username="demo-ops"), period=PERIOD, as_of=END
    )


def test_people_follow_region_and_team_structure(demo):
    reps = User.objects.filter(username__startswith="demo-", role=Role.REP)

    assert reps.count() == SMALL.rep_count
    assert not reps.filter(team__isnull=True).exists()
    assert User.objects.filter(username__startswith="demo-", role=Role.MANAGER).count() == 4
    assert User.objects.filter(username__startswith="demo-", role=Role.DIRECTOR).count() == 4
    assert (
        User.objects.get(username="demo-manager").team == User.objects.get(username="demo-rep").team
    )


def test_stage_histories_match_transition_service(demo):
    intervals: dict[int, list[StageInterval]] = {}
    for interval in StageInterval.objects.select_related("stage").order_by(
        "opportunity_id", "entered_at"
    ):
        intervals.setdefault(interval.opportunity_id, []).append(interval)

    for opportunity in Opportunity.objects.select_related("stage"):
        history = intervals[opportunity.pk]
        assert history[0].entered_at == opportunity.created_at
        assert history[0].from_stage_id is None
        for before, after in zip(history, history[1:], strict=False):
            assert before.left_at == after.entered_at
            assert after.from_stage_id == before.stage_id
        assert [interval.left_at for interval in history].count(None) == 1
        assert history[-1].left_at is None
        assert history[-1].stage_id == opportunity.stage_id
        assert opportunity.stage_entered_at == history[-1].entered_at
        if opportunity.status == OpportunityStatus.OPEN:
            assert opportunity.stage.kind == StageKind.OPEN
            assert opportunity.closed_at is None
        else:
            assert opportunity.stage.kind == opportunity.status
            assert opportunity.closed_at == history[-1].entered_at
        if opportunity.status == OpportunityStatus.LOST:
            assert opportunity.lost_at_stage_id == history[-2].stage_id


def test_history_contains_regressions(demo):
    assert StageInterval.objects.filter(is_regression=True).exists()


def test_prospects_first_purchase_is_first_win(demo):
    for customer in Customer.objects.filter(first_purchase_date__gte=dt.date(2024, 12, 1)):
        first_win = (
            Opportunity.objects.filter(customer=customer, status=OpportunityStatus.WON)
            .order_by("closed_at")
            .first()
        )
        assert first_win.closed_at.astimezone(ZONE).date() == customer.first_purchase_date


def test_pattern_losses_peak_at_third_to_fifth_followup(ops_filter):
    result = selectors.lost_deals_by_followups(ops_filter)

    third_to_fifth = sum(
        bucket.lost_deals for bucket in result.buckets if 3 <= bucket.followups <= 5
    )
    assert third_to_fifth > result.lost_deals / 2


def test_pattern_one_rep_loses_in_negotiation(ops_filter):
    matrix = selectors.losses_by_rep_and_stage(ops_filter)

    top, *others = matrix.reps
    assert top.by_stage["negotiation"] > 2 * max(
        rep.by_stage.get("negotiation", 0) for rep in others
    )
    assert top.total > others[0].total


def test_pattern_stale_leads_exist(ops_filter):
    result = selectors.stale_leads(ops_filter)

    assert 0 < result.stale_leads < result.open_leads


def test_pattern_new_customer_revenue_falls(ops_filter):
    first, second = selectors.revenue_new_vs_repeat(ops_filter).years

    assert second.new < first.new
    assert first.repeat > first.new
    assert second.repeat > second.new


def test_pattern_hospitals_convert_slowest(ops_filter):
    cycles = selectors.conversion_cycle_by_channel(ops_filter)

    assert [cycle.channel_code for cycle in cycles][0] == "hospital"
    assert cycles[0].average_days > cycles[1].average_days


# --- Objections ----------------------------------------------------------------------------


def test_about_a_third_of_deals_meet_an_objection(demo):
    share = Objection.objects.count() / Opportunity.objects.count()

    assert 0.2 <= share <= 0.4


def test_objections_fall_inside_their_deal(demo):
    for objection in Objection.objects.select_related("opportunity"):
        deal = objection.opportunity
        end = deal.closed_at or END

        assert deal.created_at <= objection.raised_at <= end
        assert objection.resolved_at is None or objection.raised_at <= objection.resolved_at <= end


def test_demo_objection_health_has_value(demo):
    manager = User.objects.get(username="demo-manager")

    report = health.process_health(manager, PERIOD, as_of=END)

    assert report.figure(HealthMetric.OBJECTION_RESOLUTION).value is not None
