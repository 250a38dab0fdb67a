"""Property tests of the analyzer's day counts and amount sums against plain Python."""

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from salespulse.accounts.models import Role
from salespulse.analytics.analyzer import NUMBER_OPS
from salespulse.analytics.selectors_analyzer import list_rows, run_filter
from salespulse.crm.models import Opportunity
from tests.analytics.analyzer_helpers import NOW, all_of, condition, deal
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

COMPARE = {
    "gte": lambda days, limit: days >= limit,
    "gt": lambda days, limit: days > limit,
    "lte": lambda days, limit: days <= limit,
    "lt": lambda days, limit: days < limit,
    "eq": lambda days, limit: days == limit,
}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    seconds_in_stage=st.integers(min_value=0, max_value=20 * 86400),
    op=st.sampled_from(NUMBER_OPS),
    limit=st.integers(min_value=0, max_value=20),
)
def test_days_in_stage_matches_whole_days(db, seconds_in_stage, op, limit):
    Opportunity.objects.all().delete()
    ops = UserFactory(username="ops_property", role=Role.OPS, team=None, region=None)
    deal(ops, name="性质测试", in_stage_since=NOW - dt.timedelta(seconds=seconds_in_stage))
    whole_days = seconds_in_stage // 86400

    rows = list_rows(ops, all_of(condition("days_in_stage", op, limit)), now=NOW).rows

    assert bool(rows) == COMPARE[op](whole_days, limit)
    if rows:
        assert rows[0].days_in_stage == whole_days


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cents=st.lists(st.integers(min_value=0, max_value=10**13), min_size=1, max_size=6))
def test_total_amount_equals_decimal_sum(db, cents):
    Opportunity.objects.all().delete()
    ops = UserFactory(username="ops_property", role=Role.OPS, team=None, region=None)
    amounts = [Decimal(value) / 100 for value in cents]
    for index, amount in enumerate(amounts):
        deal(ops, name=f"金额{index}", amount=amount, created_at=NOW - dt.timedelta(days=1))

    summary = run_filter(ops, all_of(), now=NOW)

    assert summary.total_amount == sum(amounts, Decimal("0.00"))
    assert summary.deals == len(amounts)
