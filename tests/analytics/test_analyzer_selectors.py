"""Funnel analyzer filters on small fixtures, with the expected deals worked out by hand."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from salespulse.accounts.models import Role
from salespulse.analytics.analyzer import EMPTY_FILTER
from salespulse.analytics.selectors_analyzer import (
    EXAMPLE_FILTERS,
    list_rows,
    run_filter,
)
from salespulse.crm.models import ActionType, Channel, ProductLine
from salespulse.pipeline.models import MoveSource, Stage
from salespulse.pipeline.services import move_opportunity_to_stage
from salespulse.signals.models import SignalStatus
from tests.analytics.analyzer_helpers import (
    NOW,
    all_of,
    any_of,
    condition,
    deal,
    interaction,
    signal,
)
from tests.factories import CustomerFactory, RegionFactory, TeamFactory, UserFactory
from tests.personas import EXPECTED_VISIBLE_OWNERS, build_workspace

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def ops():
    return UserFactory(username="ops_analyzer", role=Role.OPS, team=None, region=None)


def names(user, spec) -> set[str]:
    return {row.name for row in list_rows(user, spec, per_page=500).rows}


def one(field, op, value, **extra) -> dict:
    return all_of(condition(field, op, value, **extra))


# --- Stage and status ----------------------------------------------------------------


def test_stage_in_and_not_in(ops):
    deal(ops, name="评估中", stage="tech_evaluation")
    deal(ops, name="谈判中", stage="negotiation")
    deal(ops, name="初步接洽", stage="initial_contact")

    assert names(ops, one("stage", "in", ["tech_evaluation", "negotiation"])) == {"评估中", "谈判中"}
    assert names(ops, one("stage", "not_in", ["tech_evaluation", "negotiation"])) == {"初步接洽"}


def test_status_filter(ops):
    deal(ops, name="进行中", stage="negotiation")
    deal(ops, name="已输单", stage="lost")

    assert names(ops, one("status", "in", ["lost"])) == {"已输单"}
    assert names(ops, one("status", "not_in", ["lost"])) == {"进行中"}


# --- Day counts ------------------------------------------------------------------------


@pytest.fixture
def stage_clock(ops):
    deal(ops, name="六天", in_stage_since=NOW - 6 * DAY)
    deal(ops, name="正好五天", in_stage_since=NOW - 5 * DAY)
    deal(ops, name="差一分钟五天", in_stage_since=NOW - 5 * DAY + dt.timedelta(minutes=1))
    deal(ops, name="今天", in_stage_since=NOW - dt.timedelta(hours=2))


@pytest.mark.parametrize(
    ("op", "days", "expected"),
    [
        ("gte", 5, ["六天", "正好五天"]),
        ("gt", 5, ["六天"]),
        ("eq", 5, ["正好五天"]),
        ("lte", 4, ["今天", "差一分钟五天"]),
        ("lt", 5, ["今天", "差一分钟五天"]),
        ("eq", 0, ["今天"]),
    ],
)
def test_days_in_stage_counts_whole_days(ops, stage_clock, op, days, expected):
    assert names(ops, one("days_in_stage", op, days)) == set(expected)


def test_days_since_interaction_falls_back_to_creation(ops):
    talked_8 = deal(ops, name="八天前沟通", created_at=NOW - 40 * DAY)
    talked_2 = deal(ops, name="两天前沟通", created_at=NOW - 40 * DAY)
    deal(ops, name="从未沟通十天", created_at=NOW - 10 * DAY)
    deal(ops, name="从未沟通三天", created_at=NOW - 3 * DAY)
    interaction(talked_8, at=NOW - 8 * DAY - dt.timedelta(hours=1))
    interaction(talked_2, at=NOW - 2 * DAY)

    assert names(ops, one("days_since_interaction", "gte", 7)) == {"从未沟通十天", "八天前沟通"}
    assert names(ops, one("days_since_interaction", "lt", 7)) == {"两天前沟通", "从未沟通三天"}


def test_rows_show_day_counts_of_the_request(ops):
    opportunity = deal(ops, name="评估", in_stage_since=NOW - 6 * DAY - dt.timedelta(hours=3))
    interaction(opportunity, at=NOW - 2 * DAY - dt.timedelta(hours=5), action=ActionType.PROPOSAL_SENT)

    [row] = list_rows(ops, EMPTY_FILTER).rows

    assert (row.days_in_stage, row.days_since_interaction, row.has_interaction) == (6, 2, True)
    assert (row.last_action, row.last_action_label) == ("proposal_sent", "已发方案")


# --- Last action -----------------------------------------------------------------------


def test_last_action_uses_latest_action_not_latest_message(ops):
    proposal = deal(ops, name="已发方案")
    quote = deal(ops, name="已报价")
    deal(ops, name="无动作")
    interaction(proposal, at=NOW - 3 * DAY, action=ActionType.PROPOSAL_SENT)
    interaction(proposal, at=NOW - DAY, action=ActionType.NONE, text="好的收到")
    interaction(quote, at=NOW - 4 * DAY, action=ActionType.PROPOSAL_SENT)
    interaction(quote, at=NOW - 2 * DAY, action=ActionType.QUOTE_SENT)

    assert names(ops, one("last_action", "in", ["proposal_sent"])) == {"已发方案"}
    assert names(ops, one("last_action", "in", ["quote_sent", "none"])) == {"无动作", "已报价"}
    assert names(ops, one("last_action", "not_in", ["proposal_sent"])) == {"无动作", "已报价"}


# --- Intent tags -----------------------------------------------------------------------


@pytest.fixture
def tagged(ops):
    with_competitor = deal(ops, name="提到迈瑞")
    without_competitor = deal(ops, name="提到竞品")
    rejected = deal(ops, name="误判")
    deal(ops, name="无标签")
    signal(interaction(with_competitor, at=NOW - DAY, text="迈瑞的报价更低"), phrase="迈瑞", competitor="迈瑞")
    signal(interaction(without_competitor, at=NOW - DAY, text="别家也在报价"), phrase="别家")
    signal(interaction(rejected, at=NOW - DAY, text="这家也不错"), status=SignalStatus.REJECTED)
    signal(interaction(rejected, at=NOW - DAY, text="预算批下来了"), tag="budget_approved")


@pytest.mark.parametrize(
    ("op", "competitor", "expected"),
    [
        ("present", "any", ["提到竞品", "提到迈瑞"]),
        ("present", "with", ["提到迈瑞"]),
        ("present", "without", ["提到竞品"]),
        ("absent", "any", ["无标签", "误判"]),
        ("absent", "with", ["提到竞品", "无标签", "误判"]),
    ],
)
def test_tag_presence_with_and_without_competitor(ops, tagged, op, competitor, expected):
    spec = one("tag", op, "competitor_preference", competitor=competitor)

    assert names(ops, spec) == set(expected)


def test_tag_condition_ignores_signals_of_other_tags(ops, tagged):
    assert names(ops, one("tag", "present", "budget_approved")) == {"误判"}


# --- People and organisation ----------------------------------------------------------


@pytest.fixture
def org(ops):
    east = RegionFactory(code="east-a", name="华东区")
    north = RegionFactory(code="north-a", name="华北区")
    east_1 = TeamFactory(code="east-a-1", region=east)
    east_2 = TeamFactory(code="east-a-2", region=east)
    north_1 = TeamFactory(code="north-a-1", region=north)
    zhang = UserFactory(username="zhang", team=east_1)
    li = UserFactory(username="li", team=east_2)
    wang = UserFactory(username="wang", team=north_1)
    for rep in (zhang, li, wang):
        deal(rep, name=f"{rep.username}的商机")


def test_owner_team_and_region_filters(ops, org):
    assert names(ops, one("owner", "in", ["zhang", "wang"])) == {"wang的商机", "zhang的商机"}
    assert names(ops, one("team", "in", ["east-a-2"])) == {"li的商机"}
    assert names(ops, one("region", "in", ["east-a"])) == {"li的商机", "zhang的商机"}
    assert names(ops, one("region", "not_in", ["east-a"])) == {"wang的商机"}


def test_channel_and_product_line_filters(ops):
    clinic = Channel.objects.get(code="private_clinic")
    deal(ops, name="医院影像", customer=CustomerFactory(owner=ops))
    deal(
        ops,
        name="诊所试剂",
        customer=CustomerFactory(owner=ops, channel=clinic),
        product_line=ProductLine.objects.get(code="ivd_reagents"),
    )
    deal(ops, name="无客户", customer=None)
    # make_opportunity creates a customer when none is given; detach it to test "no customer".
    from salespulse.crm.models import Opportunity

    Opportunity.objects.filter(name="无客户").update(customer=None)

    assert names(ops, one("channel", "in", ["private_clinic"])) == {"诊所试剂"}
    assert names(ops, one("channel", "not_in", ["private_clinic"])) == {"医院影像", "无客户"}
    assert names(ops, one("product_line", "in", ["ivd_reagents"])) == {"诊所试剂"}


# --- Amounts -------------------------------------------------------------------------


@pytest.fixture
def amounts(ops):
    deal(ops, name="十万", amount=Decimal("100000.00"))
    deal(ops, name="二十五万零五毛", amount=Decimal("250000.50"))
    deal(ops, name="未填金额", amount=None)


@pytest.mark.parametrize(
    ("op", "value", "expected"),
    [
        ("gte", "250000.50", ["二十五万零五毛"]),
        ("gt", "250000.49", ["二十五万零五毛"]),
        ("lt", "250000.50", ["十万"]),
        ("lte", 100000, ["十万"]),
        ("eq", "100000", ["十万"]),
    ],
)
def test_amount_comparisons(ops, amounts, op, value, expected):
    assert names(ops, one("amount", op, value)) == set(expected)


def test_summary_counts_and_sums_amounts_exactly(ops, amounts):
    summary = run_filter(ops, EMPTY_FILTER)

    assert summary.deals == 3
    assert summary.deals_with_amount == 2
    assert summary.total_amount == Decimal("350000.50")


def test_summary_sums_cents_without_float_drift(ops):
    for index in range(10):
        deal(ops, name=f"一毛{index}", amount=Decimal("0.10"))
    deal(ops, name="大额", amount=Decimal("99999999999.99"))

    assert run_filter(ops, EMPTY_FILTER).total_amount == Decimal("100000000000.99")


# --- New or repeat customer ------------------------------------------------------------


def test_repeat_customer_needs_a_win_closed_before_creation(ops):
    customer = CustomerFactory(owner=ops)
    first = deal(ops, name="首单", customer=customer, stage="negotiation", created_at=NOW - 200 * DAY)
    move_opportunity_to_stage(
        opportunity=first,
        to_stage=Stage.objects.get(pipeline=first.pipeline, code="won"),
        actor=ops,
        source=MoveSource.DEMO,
        at=NOW - 100 * DAY,
        won_amount=Decimal("90000.00"),
    )
    deal(ops, name="复购", customer=customer, created_at=NOW - 50 * DAY)
    deal(ops, name="同期", customer=customer, created_at=NOW - 150 * DAY)
    deal(ops, name="他人客户", created_at=NOW - 50 * DAY)

    assert names(ops, one("customer_kind", "eq", "repeat")) == {"复购"}
    assert names(ops, one("customer_kind", "eq", "new")) == {"他人客户", "同期", "首单"}


# --- Local dates -----------------------------------------------------------------------


def test_created_dates_are_local_days(ops):
    utc = dt.UTC
    deal(ops, name="三月最后一分钟", created_at=dt.datetime(2026, 3, 31, 15, 59, tzinfo=utc))
    deal(ops, name="四月第一分钟", created_at=dt.datetime(2026, 3, 31, 16, 1, tzinfo=utc))

    assert names(ops, one("created", "between", ["2026-03-01", "2026-03-31"])) == {"三月最后一分钟"}
    assert names(ops, one("created", "gte", "2026-04-01")) == {"四月第一分钟"}
    assert names(ops, one("created", "lte", "2026-03-31")) == {"三月最后一分钟"}


def test_closed_dates_skip_open_deals(ops):
    closed = deal(ops, name="五月一日输单", stage="negotiation", created_at=NOW - 120 * DAY)
    move_opportunity_to_stage(
        opportunity=closed,
        to_stage=Stage.objects.get(pipeline=closed.pipeline, code="lost"),
        actor=ops,
        source=MoveSource.DEMO,
        at=dt.datetime(2026, 4, 30, 16, 30, tzinfo=dt.UTC),  # 1 May 00:30 local
    )
    deal(ops, name="仍在跟进")

    assert names(ops, one("closed", "between", ["2026-05-01", "2026-05-31"])) == {"五月一日输单"}
    assert names(ops, one("closed", "lte", "2026-04-30")) == set()


# --- AND / OR --------------------------------------------------------------------------


def test_nested_and_or_groups(ops):
    big = deal(ops, name="评估大单", amount=Decimal("300000.00"))
    tagged = deal(ops, name="评估有竞品", amount=Decimal("50000.00"))
    deal(ops, name="评估小单", amount=Decimal("50000.00"))
    deal(ops, name="谈判大单", stage="negotiation", amount=Decimal("300000.00"))
    signal(interaction(tagged, at=NOW - DAY, text="迈瑞也来了"), phrase="迈瑞", competitor="迈瑞")
    assert big

    spec = all_of(
        condition("stage", "in", ["tech_evaluation"]),
        any_of(
            condition("amount", "gte", "200000"),
            all_of(condition("tag", "present", "competitor_preference", competitor="with")),
        ),
    )

    assert names(ops, spec) == {"评估有竞品", "评估大单"}


def test_empty_group_inside_or_matches_everything(ops):
    deal(ops, name="评估", stage="tech_evaluation")
    deal(ops, name="谈判", stage="negotiation")

    spec = any_of(condition("stage", "in", ["tech_evaluation"]), all_of())

    assert names(ops, spec) == {"评估", "谈判"}


def test_example_question_finds_stuck_proposal(ops):
    stuck = deal(ops, name="方案后卡住", in_stage_since=NOW - 6 * DAY)
    fresh = deal(ops, name="刚进评估", in_stage_since=NOW - 2 * DAY)
    quoted = deal(ops, name="已报价", in_stage_since=NOW - 9 * DAY)
    for opportunity in (stuck, fresh):
        interaction(opportunity, at=NOW - DAY, action=ActionType.PROPOSAL_SENT)
    interaction(quoted, at=NOW - DAY, action=ActionType.QUOTE_SENT)

    summary = run_filter(ops, EXAMPLE_FILTERS["tech_evaluation_5_days_after_proposal"])

    assert summary.deals == 1
    assert names(ops, EXAMPLE_FILTERS["tech_evaluation_5_days_after_proposal"]) == {"方案后卡住"}


def test_every_example_filter_is_valid(ops):
    for spec in EXAMPLE_FILTERS.values():
        assert run_filter(ops, spec).deals == 0


# --- Visibility ------------------------------------------------------------------------


@pytest.mark.parametrize("persona", sorted(EXPECTED_VISIBLE_OWNERS))
def test_results_follow_visibility(persona):
    workspace = build_workspace()
    user = workspace.users[persona]

    rows = list_rows(user, EMPTY_FILTER).rows

    assert sorted(row.owner_name for row in rows) == sorted(EXPECTED_VISIBLE_OWNERS[persona])
    assert run_filter(user, EMPTY_FILTER).deals == len(EXPECTED_VISIBLE_OWNERS[persona])


def test_owner_filter_cannot_widen_visibility():
    workspace = build_workspace()

    spec = one("owner", "in", ["rep_north1", "rep_east1"])

    assert names(workspace.users["manager_east1"], spec) == {"rep_east1的商机"}


# --- Pages -------------------------------------------------------------------------------


@pytest.fixture
def five_deals(ops):
    # Entered their stage 5, 4, 3, 2 and 1 days ago: the list shows the longest first.
    return [deal(ops, name=f"商机{days}", in_stage_since=NOW - days * DAY) for days in range(5, 0, -1)]


def test_page_carries_total_count(ops, five_deals):
    page = list_rows(ops, EMPTY_FILTER, 2, per_page=2)

    assert [row.name for row in page.rows] == ["商机3", "商机2"]
    assert (page.number, page.num_pages, page.count) == (2, 3, 5)


def test_page_past_end_gives_last(ops, five_deals):
    page = list_rows(ops, EMPTY_FILTER, 9, per_page=2)

    assert [row.name for row in page.rows] == ["商机1"]
    assert (page.number, page.num_pages, page.count) == (3, 3, 5)


@pytest.mark.parametrize("asked", ["abc", "", None, "0", "-2"])
def test_page_not_positive_gives_first(ops, five_deals, asked):
    page = list_rows(ops, EMPTY_FILTER, asked, per_page=2)

    assert [row.name for row in page.rows] == ["商机5", "商机4"]
    assert page.number == 1


def test_no_matching_deal_gives_one_empty_page(ops, five_deals):
    page = list_rows(ops, one("stage", "in", ["negotiation"]), 3, per_page=2)

    assert (page.rows, page.number, page.num_pages, page.count) == ([], 1, 1, 0)


@pytest.mark.parametrize("asked", [2**62, 10**30, "9" * 5000, "4611686018427387904"])
def test_page_huge_number_gives_last(ops, five_deals, asked):
    page = list_rows(ops, EMPTY_FILTER, asked, per_page=2)

    assert (page.number, [row.name for row in page.rows]) == (3, ["商机1"])


def test_page_full_width_digit_read(ops, five_deals):
    page = list_rows(ops, EMPTY_FILTER, "２", per_page=2)

    assert page.number == 2
