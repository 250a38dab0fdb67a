import datetime as dt

import pytest
from django.utils import timezone

from salespulse.analytics import detectors
from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db


def test_health_returns_three_metrics(org, api_as):
    response = api_as(org.manager).get("/api/analytics/health", start="2026-03-01", end="2026-03-31")

    assert response.status_code == 200
    body = response.json()
    assert [figure["metric"] for figure in body["figures"]] == [
        "first_followup",
        "dwell_spread",
        "objection_resolution",
    ]
    assert len(body["figures"][0]["trend"]) == 12
    assert body["figures"][0]["status"] == "no_data"


def test_health_forbidden_for_rep(org, api_as):
    response = api_as(org.rep_a).get("/api/analytics/health")

    assert response.status_code == 403


def test_health_rejects_reversed_period(org, api_as):
    response = api_as(org.manager).get("/api/analytics/health", start="2026-03-31", end="2026-03-01")

    assert response.status_code == 422
    assert response.json()["code"] == "invalid_period"


def test_funnel_by_team(org, api_as):
    response = api_as(org.ops).get("/api/analytics/funnel", by="team")

    assert response.status_code == 200
    assert response.json()["by"] == "team"


def test_funnel_rejects_unknown_grouping(org, api_as):
    response = api_as(org.ops).get("/api/analytics/funnel", by="region")

    assert response.status_code == 422


def test_alerts_scoped_to_manager_team(org, api_as):
    now = timezone.now()
    LeadFactory(owner=org.rep_a, created_at=now - dt.timedelta(days=9))
    LeadFactory(owner=org.rep_n, created_at=now - dt.timedelta(days=9))
    detectors.detect_stale_leads(now)

    manager_alerts = api_as(org.manager).get("/api/analytics/alerts").json()
    ops_alerts = api_as(org.ops).get("/api/analytics/alerts", kind="stale_lead").json()

    assert [alert["owner_id"] for alert in manager_alerts["alerts"]] == [org.rep_a.pk]
    assert len(ops_alerts["alerts"]) == 2
    assert {item["kind"] for item in manager_alerts["freshness"]} >= {"stale_lead"}
