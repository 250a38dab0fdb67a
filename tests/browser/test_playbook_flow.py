"""On a phone, a rep sees the recommended talk track for an objection, marks it used and
resolved, and finds it in the playbook with its use count."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from salespulse.accounts.models import Role
from salespulse.knowledge import services
from salespulse.knowledge.models import TalkTrack
from salespulse.pipeline.evidence import record_objection
from tests.factories import PASSWORD, UserFactory, make_opportunity
from tests.knowledge.corpus import TRACKS

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_phone_rep_uses_recommended_track(live_server, phone_page):
    TalkTrack.objects.all().delete()
    ops = UserFactory(username="ops.playbook", role=Role.OPS, team=None, region=None)
    for category, title, words, response in TRACKS.values():
        services.create_talk_track(actor=ops, category=category, title=title, objection_text=words, response=response)
    rep = UserFactory(username="rep.playbook")
    opportunity = make_opportunity(owner=rep, name="全自动生化分析仪采购")
    record_objection(
        actor=rep, opportunity=opportunity, category="compatibility", customer_words="设备和现有LIS系统不兼容"
    )
    detail = reverse("crm:opportunity_detail", args=[opportunity.pk])

    phone_page.goto(f"{live_server.url}{reverse('accounts:login')}?next={detail}")
    phone_page.fill("input[name=username]", rep.username)
    phone_page.fill("input[name=password]", PASSWORD)
    phone_page.click("button[type=submit]")

    first = phone_page.locator("#recommendations .talk-tracks > li").first
    expect(first.locator("strong")).to_have_text("与医院LIS对接")
    first.get_by_role("button", name="用了这条").click()
    first = phone_page.locator("#recommendations .talk-tracks > li").first
    expect(first).to_contain_text("本商机已使用")
    first.get_by_role("button", name="已用它解决异议").click()
    expect(phone_page.locator("#recommendations .talk-tracks > li").first).to_contain_text("本商机已使用 · 已解决")

    phone_page.goto(f"{live_server.url}{reverse('knowledge:playbook')}")
    phone_page.fill("input[name=q]", "LIS")
    card = phone_page.locator("#playbook-results article").first
    expect(card.locator("h2")).to_contain_text("与医院LIS对接")
    expect(card).to_contain_text("已使用 1 次")
    expect(card).to_contain_text("解决率 100%")
    width = phone_page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390
