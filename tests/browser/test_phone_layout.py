import pytest
from django.urls import reverse

from tests.factories import PASSWORD, CustomerFactory, UserFactory, make_opportunity

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

OVERFLOW_SCRIPT = """() => ({
  page: document.documentElement.scrollWidth,
  body: document.body.scrollWidth,
  viewport: window.innerWidth,
})"""


def test_phone_kanban_and_customer_list_fit_width(live_server, phone_page):
    rep = UserFactory(username="rep.phone")
    for index in range(6):
        customer = CustomerFactory(
            name=f"上海市第{index}人民医院医学影像科与检验科联合采购中心", owner=rep
        )
        make_opportunity(
            owner=rep, customer=customer, name=f"彩色多普勒超声诊断系统采购项目第{index}期"
        )

    phone_page.goto(
        f"{live_server.url}{reverse('accounts:login')}?next={reverse('pipeline:kanban_default')}"
    )
    phone_page.fill("input[name=username]", rep.username)
    phone_page.fill("input[name=password]", PASSWORD)
    phone_page.click("button[type=submit]")
    phone_page.wait_for_load_state()

    kanban = phone_page.evaluate(OVERFLOW_SCRIPT)
    board = phone_page.evaluate(
        "() => [document.getElementById('kanban').scrollWidth,"
        " document.getElementById('kanban').clientWidth]"
    )
    assert kanban["page"] <= kanban["viewport"] == 390
    assert kanban["body"] <= kanban["viewport"]
    # The board is wider than the phone and scrolls inside its own box.
    assert board[0] > board[1]

    phone_page.goto(live_server.url + reverse("crm:customer_list"))
    customers = phone_page.evaluate(OVERFLOW_SCRIPT)
    assert customers["page"] <= customers["viewport"]
    assert customers["body"] <= customers["viewport"]
    assert phone_page.locator("#customer-results tbody tr").count() == 6
