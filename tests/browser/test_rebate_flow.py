"""Phone calculator flow end to end, watched live by finance in a second browser session."""

import pytest
from django.urls import reverse

from salespulse.accounts.models import Role
from salespulse.rebates.models import RebateConfirmation
from tests.browser.test_kanban_drag import sign_in
from tests.factories import CustomerFactory, UserFactory
from tests.rebates.agreements import make_agreement, make_product

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

OVERFLOW_SCRIPT = "() => [document.documentElement.scrollWidth, window.innerWidth]"


@pytest.fixture(autouse=True)
def signing_key_file(tmp_path, settings):
    settings.SALESPULSE_SIGNING_KEY_FILE = str(tmp_path / "rebate-signing-browser.pem")


def test_phone_confirmation_appears_in_finance_view(live_server, browser, phone_page):
    rep = UserFactory(username="rep.phone", role=Role.REP)
    finance = UserFactory(username="finance.desk", role=Role.FINANCE)
    hospital = CustomerFactory(name="江南医院", short_name="江南", owner=rep)
    CustomerFactory(name="北京协和医院", owner=rep)
    make_agreement(
        customer=hospital,
        products=[make_product(), make_product(code="IVD-CL1", name="化学发光试剂盒")],
    )

    finance_context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    finance_context.set_default_timeout(15_000)
    finance_page = finance_context.new_page()
    sign_in(finance_page, live_server, finance.username, reverse("rebates:finance"))
    finance_page.evaluate("() => { window.loadedOnce = true; }")
    assert finance_page.locator("tr[data-number]").count() == 0

    sign_in(phone_page, live_server, rep.username, reverse("rebates:calculator"))
    phone_page.fill("#customer-query", "jnyy")
    match = phone_page.locator("#customer-matches a", has_text="江南医院")
    match.wait_for()
    assert phone_page.locator("#customer-matches a").count() == 1
    match.click()
    phone_page.wait_for_load_state()

    phone_page.get_by_label("便携彩超 X5").check()
    phone_page.fill("input[name=payment]", "50万")
    rebate = phone_page.locator("[data-testid=rebate]")
    rebate.wait_for()
    assert rebate.inner_text() == "¥16,000.00"
    assert phone_page.locator("[data-testid=rate]").inner_text() == "3.2%"
    assert "¥500,000.00" in phone_page.locator("[data-testid=tier]").inner_text()
    assert phone_page.locator("[data-testid=payable]").inner_text() == "¥16,000.00"
    page_width, viewport = phone_page.evaluate(OVERFLOW_SCRIPT)
    assert viewport == 390
    assert page_width <= viewport
    confirm_box = phone_page.locator(".rebate-confirm").bounding_box()
    assert confirm_box["height"] >= 44

    phone_page.locator(".rebate-confirm").click()
    phone_page.wait_for_load_state()
    document = RebateConfirmation.objects.get()
    assert document.number in phone_page.locator("h1").inner_text()
    assert phone_page.locator("[data-testid=document-amount]").inner_text() == "¥16,000.00"
    assert phone_page.locator("[data-testid=pdf-link]").get_attribute("href") == reverse(
        "rebates:document_pdf", args=[document.number]
    )
    page_width, viewport = phone_page.evaluate(OVERFLOW_SCRIPT)
    assert page_width <= viewport

    # The finance list polls every 5 seconds; the row must arrive without a reload.
    finance_page.locator(f"tr[data-number='{document.number}']").wait_for(timeout=15_000)
    assert finance_page.evaluate("() => window.loadedOnce") is True
    finance_context.close()
