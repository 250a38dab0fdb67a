import datetime as dt

import pytest
from django.db.models import Max, Min

from salespulse.crm.models import Customer, Interaction, Lead, Opportunity
from salespulse.demo.reference import END, SMALL, ZONE
from salespulse.demo.services import generate_demo_workspace
from salespulse.demo.timeshift import latest_anchor
from salespulse.pipeline.models import Objection, StageInterval

pytestmark = pytest.mark.django_db


def snapshot():
    return {
        "interactions": Interaction.objects.aggregate(first=Min("occurred_at"), last=Max("occurred_at")),
        "intervals": StageInterval.objects.aggregate(first=Min("entered_at"), last=Max("left_at")),
        "leads": Lead.objects.aggregate(last=Max("last_activity_at")),
        "closed": Opportunity.objects.aggregate(last=Max("closed_at")),
        "purchases": Customer.objects.aggregate(first=Min("first_purchase_date")),
        "open_intervals": StageInterval.objects.filter(left_at__isnull=True).count(),
    }


def test_anchor_moves_whole_history_by_days():
    generate_demo_workspace(size=SMALL)
    fixed = snapshot()

    generate_demo_workspace(size=SMALL, reset=True, anchor=END.date() + dt.timedelta(days=10))
    shifted = snapshot()

    ten_days = dt.timedelta(days=10)
    assert shifted["interactions"]["first"] == fixed["interactions"]["first"] + ten_days
    assert shifted["interactions"]["last"] == fixed["interactions"]["last"] + ten_days
    assert shifted["intervals"]["first"] == fixed["intervals"]["first"] + ten_days
    assert shifted["intervals"]["last"] == fixed["intervals"]["last"] + ten_days
    assert shifted["leads"]["last"] == fixed["leads"]["last"] + ten_days
    assert shifted["closed"]["last"] == fixed["closed"]["last"] + ten_days
    assert shifted["purchases"]["first"] == fixed["purchases"]["first"] + ten_days
    assert shifted["open_intervals"] == fixed["open_intervals"]


def test_anchor_on_end_date_changes_nothing():
    generate_demo_workspace(size=SMALL)
    fixed = snapshot()

    generate_demo_workspace(size=SMALL, reset=True, anchor=END.date())

    assert snapshot() == fixed


@pytest.mark.parametrize(
    ("local_now", "anchor"),
    [
        (dt.datetime(2027, 1, 5, 10, 0), dt.date(2027, 1, 4)),
        (dt.datetime(2027, 1, 5, 17, 59, 59), dt.date(2027, 1, 4)),
        (dt.datetime(2027, 1, 5, 18, 0), dt.date(2027, 1, 5)),
        (dt.datetime(2027, 1, 5, 23, 30), dt.date(2027, 1, 5)),
    ],
)
def test_latest_anchor_by_time_of_day(local_now, anchor):
    assert latest_anchor(local_now.replace(tzinfo=ZONE)) == anchor


def test_shifted_history_not_in_future():
    now = dt.datetime(2027, 1, 5, 10, 0, tzinfo=ZONE)

    generate_demo_workspace(size=SMALL, anchor=latest_anchor(now))

    assert Interaction.objects.filter(occurred_at__gt=now).count() == 0
    assert StageInterval.objects.filter(left_at__gt=now).count() == 0
    assert Objection.objects.filter(raised_at__gt=now).count() == 0
    assert Objection.objects.filter(resolved_at__gt=now).count() == 0
