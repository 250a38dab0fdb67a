import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from salespulse.accounts.models import Role
from salespulse.analytics import detectors
from salespulse.analytics.models import Alert, AlertKind, AlertStatus, HealthMetric, HealthThreshold, Holiday
from tests.analytics.helpers import deal_path
from tests.factories import PASSWORD, CustomerFactory, InteractionFactory, LeadFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


def signed_in(client, user):
    client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def team_setup():
    team = TeamFactory()
    manager = UserFactory(role=Role.MANAGER, team=team)
    reps = [UserFactory(team=team, display_name=f"销售{index}") for index in range(3)]
    return team, manager, reps


@pytest.fixture
def busy_team(team_setup):
    """Leads, deals and stale-lead alerts for a manager's team, more rows than queries."""
    _, manager, reps = team_setup
    now = timezone.now()
    for index in range(30):
        rep = reps[index % 3]
        LeadFactory(owner=rep, created_at=now - dt.timedelta(days=20 + index))
    for index in range(6):
        deal_path(
            reps[index % 3], now - dt.timedelta(days=40), [("needs_analysis", now - dt.timedelta(days=30 - index))]
        )
    detectors.detect_stale_leads(now)
    return manager


def test_health_page_shows_three_metrics_in_chinese(client, busy_team):
    response = signed_in(client, busy_team).get(reverse("analytics:health"))

    assert response.status_code == 200
    body = response.content.decode()
    assert "过程健康度" in body
    assert "48 个工作小时内跟进的线索" in body
    assert "定义" in body
    assert 'data-chart-options="chart-first_followup"' in body


def test_health_page_query_budget(client, busy_team, django_assert_max_num_queries):
    signed_in(client, busy_team)

    with django_assert_max_num_queries(16):
        response = client.get(reverse("analytics:health"))

    assert response.status_code == 200


def test_health_page_forbidden_for_rep(client, team_setup):
    _, _, reps = team_setup

    response = signed_in(client, reps[0]).get(reverse("analytics:health"))

    assert response.status_code == 403


def test_manager_cannot_change_threshold(client, team_setup):
    _, manager, _ = team_setup

    response = signed_in(client, manager).post(
        reverse("analytics:health_threshold"), {"metric": HealthMetric.DWELL_SPREAD, "target": "3"}
    )

    assert response.status_code == 403
    assert not HealthThreshold.objects.exists()


def test_ops_changes_threshold(client):
    ops = UserFactory(role=Role.OPS, team=None)

    response = signed_in(client, ops).post(
        reverse("analytics:health_threshold"),
        {"metric": HealthMetric.DWELL_SPREAD, "target": "3.5", "warn_margin": "1"},
    )

    assert response.status_code == 302
    row = HealthThreshold.objects.get()
    assert (row.target, row.warn_margin, row.direction) == (Decimal("3.50"), Decimal("1.00"), "at_most")


def test_invalid_threshold_shows_message(client):
    ops = UserFactory(role=Role.OPS, team=None)

    response = signed_in(client, ops).post(
        reverse("analytics:health_threshold"), {"metric": HealthMetric.DWELL_SPREAD, "target": "abc"}, follow=True
    )

    assert "abc 不是数字，请输入 2.5 这样的数字。" in response.content.decode()
    assert not HealthThreshold.objects.exists()


def test_ops_adds_and_removes_holiday(client):
    ops = UserFactory(role=Role.OPS, team=None)
    signed_in(client, ops)

    client.post(reverse("analytics:health_holiday_add"), {"date": "2026-10-01", "name": "国庆节"})
    holiday = Holiday.objects.get()
    client.post(reverse("analytics:health_holiday_delete", args=[holiday.pk]))

    assert holiday.name == "国庆节"
    assert not Holiday.objects.exists()


def test_funnel_page_groups_by_rep(client, busy_team):
    response = signed_in(client, busy_team).get(reverse("analytics:funnel"), {"by": "rep", "preset": "this_year"})

    assert response.status_code == 200
    body = response.content.decode()
    assert "漏斗与速度" in body
    assert "销售0" in body


def test_funnel_page_query_budget(client, busy_team, django_assert_max_num_queries):
    signed_in(client, busy_team)

    with django_assert_max_num_queries(20):
        response = client.get(reverse("analytics:funnel"), {"by": "team"})

    assert response.status_code == 200


def test_alerts_page_lists_team_alerts(client, busy_team):
    response = signed_in(client, busy_team).get(reverse("analytics:alerts"))

    body = response.content.decode()
    assert response.status_code == 200
    assert body.count("天没有任何活动。") == 30
    assert "30 条预警" in body


def test_alerts_page_query_budget(client, busy_team, django_assert_max_num_queries):
    signed_in(client, busy_team)

    with django_assert_max_num_queries(12):
        response = client.get(reverse("analytics:alerts"))

    assert response.status_code == 200
    assert Alert.objects.count() == 30


def test_alerts_filter_by_kind(client, busy_team):
    response = signed_in(client, busy_team).get(reverse("analytics:alerts"), {"kind": AlertKind.NO_PROGRESS})

    assert "0 条预警" in response.content.decode()


def test_alerts_hidden_from_other_team_manager(client, busy_team):
    outsider = UserFactory(role=Role.MANAGER, team=TeamFactory())

    response = signed_in(client, outsider).get(reverse("analytics:alerts"))

    assert "0 条预警" in response.content.decode()


def test_alert_detail_links_evidence(client, team_setup):
    _, manager, reps = team_setup
    customer = CustomerFactory(owner=reps[0], name="仁济医院")
    now = timezone.now()
    for index, rep in enumerate(reps):
        InteractionFactory(customer=customer, owner=rep, occurred_at=now - dt.timedelta(days=index))
    detectors.detect_multi_rep_customers(now)
    alert = Alert.objects.get()

    response = signed_in(client, manager).get(reverse("analytics:alert_detail", args=[alert.pk]))

    body = response.content.decode()
    assert "3 名销售在 30 天内跟进了仁济医院。" in body
    assert reverse("crm:customer_detail", args=[customer.pk]) in body
    assert body.count("报价单已发送") == 3


def test_alert_detail_of_other_team_not_found(client, busy_team):
    outsider = UserFactory(role=Role.MANAGER, team=TeamFactory())
    alert = Alert.objects.first()

    response = signed_in(client, outsider).get(reverse("analytics:alert_detail", args=[alert.pk]))

    assert response.status_code == 404


def test_manager_dismisses_alert(client, busy_team):
    alert = Alert.objects.first()

    signed_in(client, busy_team).post(reverse("analytics:alert_dismiss", args=[alert.pk]))

    alert.refresh_from_db()
    assert alert.status == AlertStatus.DISMISSED


def test_dismiss_ignores_external_next_url(client, busy_team):
    alert = Alert.objects.first()

    response = signed_in(client, busy_team).post(
        reverse("analytics:alert_dismiss", args=[alert.pk]), {"next": "https://evil.example.com/"}
    )

    assert response["Location"] == reverse("analytics:alerts")


def test_rep_cannot_dismiss_alert(client, busy_team, team_setup):
    _, _, reps = team_setup
    alert = Alert.objects.filter(owner=reps[0]).first()

    response = signed_in(client, reps[0]).post(reverse("analytics:alert_dismiss", args=[alert.pk]))

    alert.refresh_from_db()
    assert response.status_code == 403
    assert alert.status == AlertStatus.OPEN
