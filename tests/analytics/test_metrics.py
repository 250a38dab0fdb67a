import datetime as dt
from decimal import Decimal

import pytest

from salespulse.accounts.models import Role
from salespulse.analytics.metrics import funnel_velocity, previous_period
from salespulse.analytics.selectors import Period
from tests.analytics.helpers import deal_path, local
from tests.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

MARCH = Period(dt.date(2026, 3, 1), dt.date(2026, 3, 31))


@pytest.fixture
def funnel_data():
    """March: rep A wins D1 (3 days in initial contact, 5 in needs analysis, cycle 8
    days), loses D2 after 6 days, leaves D3 open; rep B loses D4. February: A wins D0
    after 10 days."""
    team = TeamFactory(name="华东一组")
    other_team = TeamFactory(name="华南一组")
    rep_a = UserFactory(display_name="张伟", team=team)
    rep_b = UserFactory(display_name="李娜", team=other_team)
    manager = UserFactory(role=Role.OPS, team=None)
    deal_path(rep_a, local(2026, 2, 2, 10), [("won", local(2026, 2, 12, 10))], won_amount="1000")
    deal_path(
        rep_a,
        local(2026, 3, 2, 10),
        [("needs_analysis", local(2026, 3, 5, 10)), ("won", local(2026, 3, 10, 10))],
        won_amount="100000",
    )
    deal_path(rep_a, local(2026, 3, 3, 10), [("lost", local(2026, 3, 9, 10))])
    deal_path(rep_a, local(2026, 3, 4, 10), [])
    deal_path(rep_b, local(2026, 3, 2, 10), [("lost", local(2026, 3, 12, 10))])
    return {"viewer": manager, "rep_a": rep_a, "rep_b": rep_b, "team": team}


def stage_of(group, code):
    return next(stage for stage in group.stages if stage.stage_code == code)


def test_previous_period_has_same_length():
    assert previous_period(MARCH) == Period(dt.date(2026, 1, 29), dt.date(2026, 2, 28))


def test_conversion_counts_later_stage_or_won(funnel_data):
    result = funnel_velocity(funnel_data["viewer"], MARCH)

    initial = stage_of(result.overall, "initial_contact")
    assert (initial.current.entered, initial.current.advanced) == (4, 1)
    assert initial.current.conversion == Decimal("25.0")
    needs = stage_of(result.overall, "needs_analysis")
    assert needs.current.conversion == Decimal("100.0")


def test_dwell_median_and_p90_interpolate(funnel_data):
    result = funnel_velocity(funnel_data["viewer"], MARCH)

    initial = stage_of(result.overall, "initial_contact")
    # Completed stays ending in March: 3, 6 and 10 days.
    assert initial.current.completed_stays == 3
    assert initial.current.median_days == Decimal("6.0")
    assert initial.current.p90_days == Decimal("9.2")


def test_win_rate_and_cycle_with_previous_period(funnel_data):
    result = funnel_velocity(funnel_data["viewer"], MARCH)

    assert (result.overall.current.won, result.overall.current.lost) == (1, 2)
    assert result.overall.current.win_rate == Decimal("33.3")
    assert result.overall.current.average_cycle_days == Decimal("8.0")
    assert result.overall.previous.win_rate == Decimal("100.0")
    assert result.overall.win_rate_change == Decimal("-66.7")
    assert result.overall.cycle_change == Decimal("-2.0")


def test_previous_period_dwell_shown_for_change(funnel_data):
    result = funnel_velocity(funnel_data["viewer"], MARCH)

    initial = stage_of(result.overall, "initial_contact")
    assert initial.previous.median_days == Decimal("10.0")
    assert initial.median_change == Decimal("-4.0")


def test_by_rep_splits_figures(funnel_data):
    result = funnel_velocity(funnel_data["viewer"], MARCH, by="rep")

    groups = {group.label: group for group in result.groups}
    assert set(groups) == {"张伟", "李娜"}
    assert groups["张伟"].current.win_rate == Decimal("50.0")
    assert groups["李娜"].current.win_rate == Decimal("0.0")
    assert stage_of(groups["张伟"], "initial_contact").current.entered == 3


def test_by_team_uses_team_names(funnel_data):
    result = funnel_velocity(funnel_data["viewer"], MARCH, by="team")

    assert {group.label for group in result.groups} == {"华东一组", "华南一组"}


def test_by_channel_and_product_line_group_everything(funnel_data):
    for by in ("channel", "product_line"):
        result = funnel_velocity(funnel_data["viewer"], MARCH, by=by)

        assert len(result.groups) == 1
        assert result.groups[0].current.won == 1


def test_rep_sees_only_own_deals(funnel_data):
    result = funnel_velocity(funnel_data["rep_b"], MARCH)

    assert (result.overall.current.won, result.overall.current.lost) == (0, 1)


def test_unknown_grouping_rejected(funnel_data):
    with pytest.raises(ValueError, match="unknown grouping"):
        funnel_velocity(funnel_data["viewer"], MARCH, by="region")


def test_funnel_query_count_is_constant(funnel_data, django_assert_max_num_queries):
    with django_assert_max_num_queries(7):
        funnel_velocity(funnel_data["viewer"], MARCH, by="rep")


def _regress(opportunity, code, at):
    from salespulse.pipeline.models import MoveSource, Stage
    from salespulse.pipeline.services import move_opportunity_to_stage

    move_opportunity_to_stage(
        opportunity=opportunity,
        to_stage=Stage.objects.get(pipeline=opportunity.pipeline, code=code),
        actor=opportunity.owner,
        source=MoveSource.DEMO,
        at=at,
        reason="客户预算冻结，退回重新沟通",
    )


def test_earlier_higher_stage_does_not_count_as_moving_on():
    rep = UserFactory()
    viewer = UserFactory(role=Role.OPS, team=None)
    deal = deal_path(rep, local(2026, 2, 20, 10), [("needs_analysis", local(2026, 2, 25, 10))])
    _regress(deal, "initial_contact", local(2026, 3, 5, 10))

    result = funnel_velocity(viewer, MARCH)

    initial = stage_of(result.overall, "initial_contact")
    assert (initial.current.entered, initial.current.advanced) == (1, 0)
    needs = stage_of(result.overall, "needs_analysis")
    assert (needs.previous.entered, needs.previous.advanced) == (1, 0)


def test_move_after_the_period_counts_as_moving_on():
    rep = UserFactory()
    viewer = UserFactory(role=Role.OPS, team=None)
    deal_path(rep, local(2026, 3, 20, 10), [("needs_analysis", local(2026, 4, 10, 10))])

    result = funnel_velocity(viewer, MARCH, by="rep")

    (group,) = result.groups
    initial = stage_of(group, "initial_contact")
    assert (initial.current.entered, initial.current.advanced) == (1, 1)
    assert stage_of(result.overall, "initial_contact").current.advanced == 1
