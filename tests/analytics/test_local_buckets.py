import datetime as dt

import pytest

from salespulse.accounts.models import Role
from salespulse.analytics.metrics import Bucket, leads_by_local_day, leads_by_local_month
from salespulse.analytics.selectors import Period
from tests.factories import LeadFactory, UserFactory

pytestmark = pytest.mark.django_db

UTC = dt.UTC


@pytest.fixture
def month_edge_leads():
    owner = UserFactory(role=Role.REP)
    for moment in (
        dt.datetime(2026, 3, 31, 15, 59, tzinfo=UTC),  # 23:59 on 31 March in Shanghai
        dt.datetime(2026, 3, 31, 17, 30, tzinfo=UTC),  # 01:30 on 1 April in Shanghai
        dt.datetime(2026, 4, 1, 16, 10, tzinfo=UTC),  # 00:10 on 2 April in Shanghai
    ):
        LeadFactory(owner=owner, created_at=moment)
    return owner


def test_month_buckets_follow_shanghai_calendar(month_edge_leads):
    buckets = leads_by_local_month(month_edge_leads, Period(dt.date(2026, 3, 1), dt.date(2026, 4, 30)))

    assert buckets == [Bucket(dt.date(2026, 3, 1), 1), Bucket(dt.date(2026, 4, 1), 2)]


def test_day_buckets_follow_shanghai_calendar(month_edge_leads):
    buckets = leads_by_local_day(month_edge_leads, Period(dt.date(2026, 3, 1), dt.date(2026, 4, 30)))

    assert buckets == [
        Bucket(dt.date(2026, 3, 31), 1),
        Bucket(dt.date(2026, 4, 1), 1),
        Bucket(dt.date(2026, 4, 2), 1),
    ]


def test_period_of_march_includes_last_local_minute(month_edge_leads):
    buckets = leads_by_local_month(month_edge_leads, Period(dt.date(2026, 3, 1), dt.date(2026, 3, 31)))

    assert buckets == [Bucket(dt.date(2026, 3, 1), 1)]
