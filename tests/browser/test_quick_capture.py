"""Quick capture on the phone, end to end: a rep pastes a chat snippet, confirms the
pre-filled record, and the manager, in a second browser, sees the signal on the
customer page. The real tagger tags the message."""

import pytest
from django.urls import reverse

from salespulse.accounts.models import Role
from salespulse.crm.models import Interaction
from salespulse.signals.models import Signal
from salespulse.signals.tagger import config as tagger_config
from tests.browser.test_kanban_drag import sign_in
from tests.factories import ContactFactory, CustomerFactory, TeamFactory, UserFactory, make_opportunity
from tests.signals.signal_data import ensure_tags

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

OVERFLOW_SCRIPT = "() => [document.documentElement.scrollWidth, window.innerWidth]"
SNIPPET = "张主任 10:32\n预算已经批下来了，下周三可以签合同"


def test_rep_captures_on_the_phone_and_manager_sees_the_signal(live_server, browser, phone_page):
    ensure_tags()
    tagger_config.invalidate_config()
    team = TeamFactory()
    rep = UserFactory(username="rep.road", team=team)
    manager = UserFactory(username="manager.desk", team=team, role=Role.MANAGER)
    hospital = CustomerFactory(name="江南医院", owner=rep)
    ContactFactory(customer=hospital, name="张伟", title="主任")
    deal = make_opportunity(owner=rep, customer=hospital)

    sign_in(phone_page, live_server, rep.username, reverse("signals:capture"))
    phone_page.get_by_label("聊天片段或报价").fill(SNIPPET)
    phone_page.get_by_test_id("extract").click()
    phone_page.wait_for_url("**/signals/capture/*/")

    assert phone_page.get_by_test_id("nickname").inner_text() == "张主任"
    assert phone_page.get_by_label("客户").evaluate("select => select.selectedOptions[0].text") == "江南医院"
    assert phone_page.get_by_label("商机").input_value() == str(deal.pk)
    page_width, viewport = phone_page.evaluate(OVERFLOW_SCRIPT)
    assert viewport == 390
    assert page_width <= viewport
    assert phone_page.get_by_test_id("sync").bounding_box()["height"] >= 44

    phone_page.get_by_test_id("sync").click()
    phone_page.wait_for_url("**/signals/capture/")
    assert "江南医院" in phone_page.locator(".messages").inner_text()
    interaction = Interaction.objects.get()
    assert interaction.customer == hospital
    assert Signal.objects.filter(interaction=interaction, tag="budget_approved").exists()

    manager_context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    manager_context.set_default_timeout(10_000)
    manager_page = manager_context.new_page()
    sign_in(manager_page, live_server, manager.username, reverse("crm:customer_detail", args=[hospital.pk]))
    signal = manager_page.locator("[data-testid=record-signals] li[data-tag=budget_approved]")
    signal.wait_for()
    assert "预算已批" in signal.inner_text()
    evidence = manager_page.locator("[data-testid=record-signals] mark[data-tags~=budget_approved]")
    assert evidence.inner_text() == "预算已经批下来了"
    manager_context.close()
