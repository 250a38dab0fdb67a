import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from salespulse.accounts.models import Role
from salespulse.analytics import selectors
from salespulse.crm.models import Channel, Direction, LeadStatus
from salespulse.crm.services import refresh_activity_facts
from salespulse.pipeline.models import MoveSource, Stage
from salespulse.pipeline.services import move_opportunity_to_stage
from tests.factories import (
    CustomerFactory,
    InteractionFactory,
    LeadFactory,
    RegionFactory,
    TeamFactory,
    UserFactory,
    make_opportunity,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2025, 3, 1, 9, 0, tzinfo=SHANGHAI)
AS_OF = dt.datetime(2026, 6, 30, 12, 0, tzinfo=SHANGHAI)
PERIOD = selectors.Period(dt.date(2025, 1, 1), dt.date(2026, 6, 30))


def local(year, month, day, hour=10, minute=0):
    return dt.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def close(opportunity, code, at, **kwargs):
    stage = Stage.objects.get(pipeline=opportunity.pipeline, code=code)
    move_opportunity_to_stage(
        opportunity=opportunity, to_stage=stage, actor=None, source=MoveSource.DEMO, at=at, **kwargs
    )
    opportunity.refresh_from_db()
    return opportunity


def lose_at(owner, stage_code, closed_at, **fields):
    opportunity = make_opportunity(
        owner=owner, created_at=closed_at - dt.timedelta(days=30), **fields
    )
    if stage_code != "initial_contact":
        close(opportunity, stage_code, closed_at - dt.timedelta(days=1))
    return close(opportunity, "lost", closed_at)


def ops_filter(period=PERIOD):
    user = UserFactory(role=Role.OPS, team=None, region=None)
    return selectors.AnalyticsFilter(user=user, period=period, as_of=AS_OF)


@pytest.mark.django_db
class TestConversionCycle:
    def test_average_days_per_channel(self):
        rep = UserFactory()
        clinic = Channel.objects.get(code="private_clinic")
        for days in (10, 20):
            close(make_opportunity(owner=rep, created_at=T0), "won", T0 + dt.timedelta(days=days))
        clinic_customer = CustomerFactory(owner=rep, channel=clinic)
        close(
            make_opportunity(owner=rep, customer=clinic_customer, created_at=T0),
            "won",
            T0 + dt.timedelta(days=5, hours=12),
        )

        cycles = selectors.conversion_cycle_by_channel(ops_filter())

        assert [(cycle.channel_code, cycle.won_deals, cycle.average_days) for cycle in cycles] == [
            ("hospital", 2, Decimal("15.0")),
            ("private_clinic", 1, Decimal("5.5")),
        ]

    def test_ignores_deals_won_outside_period(self):
        close(make_opportunity(created_at=local(2024, 10, 1)), "won", local(2024, 12, 1))

        assert selectors.conversion_cycle_by_channel(ops_filter()) == []

    def test_ignores_lost_and_open_deals(self):
        lose_at(UserFactory(), "negotiation", T0 + dt.timedelta(days=40))
        make_opportunity(created_at=T0)

        assert selectors.conversion_cycle_by_channel(ops_filter()) == []


@pytest.mark.django_db
class TestLossesByRepAndStage:
    def test_counts_per_rep_and_stage(self):
        price_rep = UserFactory(display_name="价格输单")
        other = UserFactory(display_name="其他")
        lose_at(price_rep, "negotiation", local(2025, 5, 1))
        lose_at(price_rep, "negotiation", local(2025, 6, 1))
        lose_at(price_rep, "needs_analysis", local(2025, 7, 1))
        lose_at(other, "initial_contact", local(2025, 7, 1))

        matrix = selectors.losses_by_rep_and_stage(ops_filter())

        assert [(rep.rep_name, rep.total, rep.by_stage) for rep in matrix.reps] == [
            ("价格输单", 3, {"negotiation": 2, "needs_analysis": 1}),
            ("其他", 1, {"initial_contact": 1}),
        ]
        assert [stage.code for stage in matrix.stages] == [
            "initial_contact",
            "needs_analysis",
            "negotiation",
        ]

    def test_limit_keeps_reps_with_most_losses(self):
        busy = UserFactory(display_name="甲")
        for month in (2, 3):
            lose_at(busy, "negotiation", local(2025, month, 10))
        lose_at(UserFactory(display_name="乙"), "negotiation", local(2025, 4, 10))

        matrix = selectors.losses_by_rep_and_stage(ops_filter(), limit=1)

        assert [rep.rep_name for rep in matrix.reps] == ["甲"]


@pytest.mark.django_db
class TestStaleLeads:
    def test_counts_open_leads_idle_over_seven_days(self):
        rep = UserFactory()
        stale = LeadFactory(
            owner=rep,
            name="八天未跟进",
            status=LeadStatus.CONTACTED,
            created_at=AS_OF - dt.timedelta(days=30),
            last_activity_at=AS_OF - dt.timedelta(days=8),
        )
        LeadFactory(
            owner=rep,
            status=LeadStatus.CONTACTED,
            created_at=AS_OF - dt.timedelta(days=30),
            last_activity_at=AS_OF - dt.timedelta(days=6),
        )
        untouched = LeadFactory(
            owner=rep,
            name="从未跟进",
            status=LeadStatus.NEW,
            created_at=AS_OF - dt.timedelta(days=10),
        )
        LeadFactory(
            owner=rep,
            status=LeadStatus.DISQUALIFIED,
            created_at=AS_OF - dt.timedelta(days=90),
            last_activity_at=AS_OF - dt.timedelta(days=80),
        )

        result = selectors.stale_leads(ops_filter())

        assert result.open_leads == 3
        assert result.stale_leads == 2
        assert [(lead.lead_id, lead.idle_days) for lead in result.oldest] == [
            (untouched.pk, 10),
            (stale.pk, 8),
        ]

    def test_exactly_seven_days_is_not_stale(self):
        LeadFactory(
            status=LeadStatus.CONTACTED,
            created_at=AS_OF - dt.timedelta(days=20),
            last_activity_at=AS_OF - dt.timedelta(days=7),
        )

        assert selectors.stale_leads(ops_filter()).stale_leads == 0


@pytest.mark.django_db
class TestRevenueNewVsRepeat:
    def test_splits_by_first_purchase_year(self):
        rep = UserFactory()
        old = CustomerFactory(owner=rep, first_purchase_date=dt.date(2023, 5, 1))
        acquired = CustomerFactory(owner=rep, first_purchase_date=dt.date(2025, 4, 1))
        close(
            make_opportunity(owner=rep, customer=old, created_at=T0),
            "won",
            local(2025, 4, 1),
            won_amount=Decimal("300000.10"),
        )
        close(
            make_opportunity(owner=rep, customer=acquired, created_at=T0),
            "won",
            local(2025, 4, 1),
            won_amount=Decimal("100000.05"),
        )
        close(
            make_opportunity(owner=rep, customer=acquired, created_at=local(2026, 1, 5)),
            "won",
            local(2026, 2, 1),
            won_amount=Decimal("50000.00"),
        )

        split = selectors.revenue_new_vs_repeat(ops_filter())

        assert [(year.year, year.new, year.repeat) for year in split.years] == [
            (2025, Decimal("100000.05"), Decimal("300000.10")),
            (2026, Decimal("0.00"), Decimal("50000.00")),
        ]
        assert split.years[0].new_share == Decimal("25.0")
        assert split.new_change == Decimal("-100.0")
        assert split.repeat_change == Decimal("-83.3")

    def test_change_compares_same_days_of_each_year(self):
        rep = UserFactory()
        old = CustomerFactory(owner=rep, first_purchase_date=dt.date(2020, 1, 1))
        for closed, amount in [(local(2025, 3, 1), "1000.00"), (local(2025, 9, 1), "9000.00"),
                               (local(2026, 3, 1), "1500.00")]:
            close(make_opportunity(owner=rep, customer=old, created_at=T0), "won", closed,
                  won_amount=Decimal(amount))
        until_april = selectors.Period(dt.date(2025, 1, 1), dt.date(2026, 4, 30))

        split = selectors.revenue_new_vs_repeat(ops_filter(until_april))

        # 1 Jan - 30 Apr 2026 against 1 Jan - 30 Apr 2025: 1,500 against 1,000, not 9,000 more.
        assert split.repeat_change == Decimal("50.0")
        assert split.compared_until == dt.date(2026, 4, 30)

    def test_missing_first_purchase_counts_as_new(self):
        customer = CustomerFactory(first_purchase_date=None)
        close(
            make_opportunity(owner=customer.owner, customer=customer, created_at=T0),
            "won",
            local(2025, 6, 1),
            won_amount=Decimal("1000.00"),
        )

        year_2025 = selectors.revenue_new_vs_repeat(ops_filter()).years[0]

        assert year_2025.new == Decimal("1000.00")
        assert year_2025.repeat == Decimal("0.00")

    def test_late_new_year_eve_counts_in_old_year(self):
        customer = CustomerFactory(first_purchase_date=dt.date(2025, 12, 31))
        close(
            make_opportunity(owner=customer.owner, customer=customer, created_at=T0),
            "won",
            local(2025, 12, 31, 23, 30),
            won_amount=Decimal("8000.00"),
        )
        whole_2025 = selectors.Period(dt.date(2025, 1, 1), dt.date(2025, 12, 31))

        split = selectors.revenue_new_vs_repeat(ops_filter(whole_2025))

        assert [(year.year, year.new) for year in split.years] == [(2025, Decimal("8000.00"))]

    def test_early_new_year_counts_in_new_year(self):
        # 00:30 on 1 January in Shanghai is still 31 December in UTC.
        customer = CustomerFactory(first_purchase_date=dt.date(2024, 3, 1))
        close(
            make_opportunity(owner=customer.owner, customer=customer, created_at=T0),
            "won",
            local(2026, 1, 1, 0, 30),
            won_amount=Decimal("8000.00"),
        )

        split = selectors.revenue_new_vs_repeat(ops_filter())
        only_2025 = selectors.revenue_new_vs_repeat(
            ops_filter(selectors.Period(dt.date(2025, 1, 1), dt.date(2025, 12, 31)))
        )

        assert [(year.year, year.repeat) for year in split.years] == [
            (2025, Decimal("0.00")),
            (2026, Decimal("8000.00")),
        ]
        assert only_2025.years[0].repeat == Decimal("0.00")


@pytest.mark.django_db
class TestLostDealsByFollowups:
    def test_counts_outbound_before_close(self):
        rep = UserFactory()
        opportunity = lose_at(rep, "negotiation", local(2025, 6, 1))
        for day in (1, 2, 3):
            InteractionFactory(
                customer=opportunity.customer,
                opportunity=opportunity,
                occurred_at=local(2025, 5, day),
            )
        InteractionFactory(
            customer=opportunity.customer,
            opportunity=opportunity,
            direction=Direction.INBOUND,
            occurred_at=local(2025, 5, 4),
        )
        InteractionFactory(
            customer=opportunity.customer, opportunity=opportunity, occurred_at=local(2025, 6, 2)
        )
        refresh_activity_facts([opportunity.pk])

        result = selectors.lost_deals_by_followups(ops_filter())

        assert result.lost_deals == 1
        assert [bucket.lost_deals for bucket in result.buckets] == [0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]

    def test_last_bucket_holds_cap_or_more(self):
        opportunity = lose_at(UserFactory(), "negotiation", local(2025, 6, 1))
        for day in range(1, 13):
            InteractionFactory(
                customer=opportunity.customer,
                opportunity=opportunity,
                occurred_at=local(2025, 5, day),
            )
        refresh_activity_facts([opportunity.pk])
        lose_at(UserFactory(), "needs_analysis", local(2025, 6, 1))

        result = selectors.lost_deals_by_followups(ops_filter())

        assert result.buckets[0].lost_deals == 1
        assert result.buckets[-1] == selectors.FollowupBucket(10, 1)


@pytest.fixture
def org():
    """Region east with teams a and b, region west with team w; each rep lost one deal."""
    east, west = RegionFactory(code="east"), RegionFactory(code="west")
    team_a, team_b = TeamFactory(code="a", region=east), TeamFactory(code="b", region=east)
    team_w = TeamFactory(code="w", region=west)
    people = {
        "rep_a": UserFactory(username="rep_a", team=team_a),
        "rep_a2": UserFactory(username="rep_a2", team=team_a),
        "rep_b": UserFactory(username="rep_b", team=team_b),
        "rep_w": UserFactory(username="rep_w", team=team_w),
    }
    for rep in people.values():
        lose_at(rep, "negotiation", local(2025, 6, 1))
    people["manager_a"] = UserFactory(username="manager_a", role=Role.MANAGER, team=team_a)
    people["director_east"] = UserFactory(
        username="director_east", role=Role.DIRECTOR, team=None, region=east
    )
    for role in (Role.OPS, Role.FINANCE, Role.ADMIN):
        people[role] = UserFactory(username=f"{role}_user", role=role, team=None, region=None)
    return people


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("viewer", "visible"),
    [
        ("rep_a", {"rep_a"}),
        ("manager_a", {"rep_a", "rep_a2"}),
        ("director_east", {"rep_a", "rep_a2", "rep_b"}),
        (Role.OPS, {"rep_a", "rep_a2", "rep_b", "rep_w"}),
        (Role.FINANCE, {"rep_a", "rep_a2", "rep_b", "rep_w"}),
        (Role.ADMIN, {"rep_a", "rep_a2", "rep_b", "rep_w"}),
    ],
)
def test_losses_visible_per_role(org, viewer, visible):
    analytics_filter = selectors.AnalyticsFilter(user=org[viewer], period=PERIOD, as_of=AS_OF)

    matrix = selectors.losses_by_rep_and_stage(analytics_filter)

    assert {
        org_user.username
        for org_user in org.values()
        if org_user.pk in {rep.rep_id for rep in matrix.reps}
    } == visible
    assert selectors.lost_deals_by_followups(analytics_filter).lost_deals == len(visible)


@given(
    st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2099, 1, 1)),
    st.integers(min_value=0, max_value=400),
    st.integers(min_value=0, max_value=86399),
)
def test_period_bounds_hold_every_local_moment(start, length, second):
    period = selectors.Period(start, start + dt.timedelta(days=length))
    begin, end = period.bounds()
    moment = dt.datetime.combine(period.end, dt.time(), tzinfo=SHANGHAI) + dt.timedelta(
        seconds=second
    )

    assert begin <= moment < end
    assert end - begin == dt.timedelta(days=length + 1)
