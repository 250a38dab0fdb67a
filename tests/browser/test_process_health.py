"""A manager opens process health, reads a metric's definition with one click, and opens
an alert's evidence from the alerts page."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from salespulse.accounts.models import Role
from salespulse.analytics import detectors
from tests.factories import PASSWORD, LeadFactory, TeamFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_manager_reads_definition_and_alert_evidence(live_server, page):
    team = TeamFactory()
    manager = UserFactory(username="manager.health", role=Role.MANAGER, team=team)
    rep = UserFactory(username="rep.health", team=team)
    LeadFactory(owner=rep, name="久未跟进的线索", created_at=timezone.now() - dt.timedelta(days=12))
    detectors.detect_stale_leads()

    page.goto(f"{live_server.url}{reverse('accounts:login')}?next={reverse('analytics:health')}")
    page.fill("input[name=username]", manager.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")

    card = page.locator("#metric-first_followup")
    definition = card.locator("details.definition p")
    expect(definition).to_be_hidden()
    card.get_by_text("定义", exact=True).click()
    expect(definition).to_contain_text("34 个工作小时")

    page.goto(f"{live_server.url}{reverse('analytics:alerts')}")
    page.get_by_role("link", name="线索「久未跟进的线索」已有 12 天没有任何活动。").click()
    expect(page.locator("#alert-sentence")).to_have_text("线索「久未跟进的线索」已有 12 天没有任何活动。")
