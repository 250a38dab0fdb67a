"""A manager asks the funnel analyzer which deals sat in technical evaluation for five
days or more after the proposal, saves the question, and opens the chat evidence."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from salespulse.accounts.models import Role
from salespulse.analytics.models import SavedView, SavedViewVisibility
from salespulse.crm.models import ActionType
from tests.analytics.analyzer_helpers import deal, interaction, signal
from tests.browser.test_kanban_drag import sign_in
from tests.factories import TeamFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

CHAT = "王主任：你们的方案看过了，不过迈瑞的报价比你们低8%，我们还要再比较一下。"
EVIDENCE = "迈瑞的报价比你们低8%"


def add_condition(page, field: str):
    page.locator("#filter-builder [data-depth='1'] > .filter-group-actions [data-role=add-condition]").click()
    row = page.locator("#filter-builder .filter-condition").last
    row.locator("select[data-role=field]").select_option(field)
    return page.locator("#filter-builder .filter-condition").last


def test_manager_builds_saves_and_opens_evidence(live_server, page):
    now = timezone.now()
    team = TeamFactory(code="east-analyzer", name="华东一组")
    manager = UserFactory(username="manager.zhou", role=Role.MANAGER, team=team)
    rep = UserFactory(username="rep.wu", display_name="吴磊", team=team)
    stuck = deal(rep, name="仁济医院彩超", in_stage_since=now - dt.timedelta(days=6))
    chat = interaction(stuck, at=now - dt.timedelta(days=2), text=CHAT, action=ActionType.PROPOSAL_SENT)
    signal(chat, phrase=EVIDENCE, competitor="迈瑞")
    fresh = deal(rep, name="瑞金医院超声", in_stage_since=now - dt.timedelta(days=2))
    interaction(fresh, at=now - dt.timedelta(days=1), action=ActionType.PROPOSAL_SENT)
    quoted = deal(rep, name="华山医院CT", in_stage_since=now - dt.timedelta(days=8))
    interaction(quoted, at=now - dt.timedelta(days=1), action=ActionType.QUOTE_SENT)

    analyzer_url = reverse("analytics:analyzer")
    sign_in(page, live_server, manager.username, analyzer_url)
    expect(page.locator("#filter-builder .filter-group")).to_have_count(1)

    stage = add_condition(page, "stage")
    stage.locator("select[data-role=op]").select_option("in")
    stage.locator("select[data-role=value]").select_option(label="技术评估")
    days = add_condition(page, "days_in_stage")
    days.locator("select[data-role=op]").select_option("gte")
    days.locator("input[data-role=value]").fill("5")
    action = add_condition(page, "last_action")
    action.locator("select[data-role=value]").select_option(label="已发方案")
    page.click("#apply-filter")
    page.wait_for_load_state()

    rows = page.locator("table.analyzer-results tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("仁济医院彩超")
    expect(page.locator("#result-count")).to_have_text("1")
    expect(page.locator("#result-amount")).to_have_text("¥100,000.00")
    expect(page.locator("#filter-builder .filter-condition")).to_have_count(3)

    page.fill("#view-name", "技术评估超5天（已发方案）")
    page.check("input[name=shared]")
    page.click("#save-view button[type=submit]")
    page.wait_for_load_state()
    view = SavedView.objects.get()
    assert (view.owner, view.visibility) == (manager, SavedViewVisibility.TEAM)
    assert [item["field"] for item in view.filter["conditions"]] == ["stage", "days_in_stage", "last_action"]
    expect(page.locator(f".saved-views li[data-view-id='{view.pk}']")).to_contain_text("技术评估超5天（已发方案）")
    expect(page.locator("table.analyzer-results tbody tr")).to_have_count(1)

    page.locator("table.analyzer-results tbody tr a").first.click()
    page.wait_for_load_state()

    mark = page.locator("#evidence-interactions mark")
    expect(mark).to_have_count(1)
    expect(mark).to_have_text(EVIDENCE)
    expect(page.locator("#evidence-interactions")).to_contain_text("王主任：你们的方案看过了")
    expect(page.locator("#evidence-history tr[data-stage='tech_evaluation']")).to_have_count(1)


def test_builder_nests_or_group_and_removes_conditions(live_server, page):
    team = TeamFactory(code="east-builder", name="华东二组")
    manager = UserFactory(username="manager.qian", role=Role.MANAGER, team=team)
    rep = UserFactory(username="rep.sun", team=team)
    deal(rep, name="评估大单", amount=Decimal("300000.00"))
    deal(rep, name="评估小单", amount=Decimal("50000.00"))
    deal(rep, name="谈判大单", stage="negotiation", amount=Decimal("300000.00"))

    sign_in(page, live_server, manager.username, reverse("analytics:analyzer"))
    stage = add_condition(page, "stage")
    stage.locator("select[data-role=value]").select_option("tech_evaluation")
    add_condition(page, "owner")
    page.locator("#filter-builder .filter-condition").last.locator("[data-role=remove]").click()
    page.locator("#filter-builder [data-depth='1'] > .filter-group-actions [data-role=add-group]").click()
    group = page.locator("#filter-builder .filter-group[data-depth='2']")
    expect(group.locator("select[data-role=group-op]")).to_have_value("or")
    inner = group.locator(".filter-condition").first
    inner.locator("select[data-role=field]").select_option("amount")
    inner = group.locator(".filter-condition").first
    inner.locator("select[data-role=op]").select_option("gte")
    inner.locator("input[data-role=value]").fill("200000")
    group.locator(".filter-group-actions [data-role=add-condition]").click()
    second = group.locator(".filter-condition").last
    second.locator("select[data-role=field]").select_option("status")
    group.locator(".filter-condition").last.locator("select[data-role=value]").select_option("won")
    page.click("#apply-filter")
    page.wait_for_load_state()

    assert json.loads(page.locator("#filter-json").input_value()) == {
        "op": "and",
        "conditions": [
            {"field": "stage", "op": "in", "value": ["tech_evaluation"]},
            {"op": "or", "conditions": [
                {"field": "amount", "op": "gte", "value": "200000"},
                {"field": "status", "op": "in", "value": ["won"]},
            ]},
        ],
    }
    rows = page.locator("table.analyzer-results tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("评估大单")
