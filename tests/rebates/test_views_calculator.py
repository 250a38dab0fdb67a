import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse

from salespulse.accounts.models import Role
from salespulse.rebates.customer_search import find_customers, pinyin_initials
from salespulse.rebates.models import RebateConfirmation
from tests.factories import CustomerFactory, UserFactory
from tests.rebates.agreements import make_agreement, make_product

pytestmark = pytest.mark.django_db

# 10:00 on 15 December 2026 in Shanghai.
NOW = dt.datetime(2026, 12, 15, 2, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 12, 15)


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def rep():
    return UserFactory(username="rep.calc", role=Role.REP)


@pytest.fixture
def hospital(rep):
    return CustomerFactory(name="江南医院", short_name="江南", owner=rep)


@pytest.fixture
def agreement(hospital):
    return make_agreement(customer=hospital)


def sign_in(client, user, language="en"):
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language


def quote_params(agreement, *payments, products=None):
    products = products if products is not None else list(agreement.products.all())
    return {
        "customer": agreement.customer_id,
        "agreement": agreement.pk,
        "period": "2026-12-01",
        "products": [product.pk for product in products],
        "payment": list(payments),
    }


def get_quote(client, agreement, *payments):
    return client.get(
        reverse("rebates:calculator"),
        quote_params(agreement, *payments),
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="quote",
    )


def test_pinyin_initials_of_hospital_name():
    assert pinyin_initials("江南医院") == "jnyy"
    assert pinyin_initials("重庆ABC医院") == "cqabcyy"


def test_find_customers_by_initials_name_and_short_name(rep, agreement):
    other = CustomerFactory(name="北京协和医院", short_name="协和", owner=rep)
    make_agreement(customer=other, code="RB-XH")

    assert [match.name for match in find_customers(rep, "jnyy", TODAY)] == ["江南医院"]
    assert [match.name for match in find_customers(rep, "协和", TODAY)] == ["北京协和医院"]
    assert [match.name for match in find_customers(rep, "JiangNan", TODAY)] == ["江南医院"]
    assert [match.name for match in find_customers(rep, "xh", TODAY)] == ["北京协和医院"]


def test_find_customers_ranks_prefix_match_first(rep, agreement):
    other = CustomerFactory(name="浙江南湖医院", owner=rep)
    make_agreement(customer=other, code="RB-NH")

    names = [match.name for match in find_customers(rep, "jn", TODAY)]

    assert names == ["江南医院", "浙江南湖医院"]


def test_find_customers_skips_customer_without_active_agreement(rep, hospital):
    assert find_customers(rep, "jnyy", TODAY) == []


def test_find_customers_skips_expired_agreement(rep, hospital):
    make_agreement(customer=hospital, effective_to=dt.date(2026, 11, 30))
    assert find_customers(rep, "jnyy", TODAY) == []


def test_find_customers_skips_other_reps_customer(agreement):
    stranger = UserFactory(username="rep.other", role=Role.REP)
    assert find_customers(stranger, "jnyy", TODAY) == []


def test_calculator_requires_sign_in(client):
    response = client.get(reverse("rebates:calculator"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


@pytest.mark.parametrize("role", [Role.REP, Role.MANAGER, Role.DIRECTOR, Role.OPS, Role.ADMIN])
def test_calculator_opens_for_confirming_roles(client, role):
    sign_in(client, UserFactory(role=role))
    assert client.get(reverse("rebates:calculator")).status_code == 200


def test_calculator_forbidden_for_finance(client):
    sign_in(client, UserFactory(role=Role.FINANCE))
    response = client.get(reverse("rebates:calculator"))
    assert response.status_code == 403
    assert "Only sales reps, managers, directors" in response.content.decode()


def test_customer_search_fragment_finds_by_initials(client, rep, agreement):
    sign_in(client, rep)
    response = client.get(
        reverse("rebates:calculator"), {"q": "jnyy"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="customer-matches"
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body
    assert "江南医院" in body
    assert f"?customer={agreement.customer_id}" in body


def test_customer_search_fragment_says_when_nothing_matches(client, rep, agreement):
    sign_in(client, rep)
    response = client.get(
        reverse("rebates:calculator"), {"q": "zzzz"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="customer-matches"
    )
    assert "No customer with an active rebate agreement matches “zzzz”." in response.content.decode()


def test_picked_customer_with_one_agreement_shows_products(client, rep, agreement):
    sign_in(client, rep)
    response = client.get(reverse("rebates:calculator"), {"customer": agreement.customer_id})
    body = response.content.decode()
    assert "便携彩超 X5" in body
    assert 'name="payment"' in body


def test_other_reps_customer_gives_404(client, agreement):
    sign_in(client, UserFactory(username="rep.other", role=Role.REP))
    response = client.get(reverse("rebates:calculator"), {"customer": agreement.customer_id})
    assert response.status_code == 404


def test_quote_fragment_shows_tier_rate_and_rebate(client, rep, agreement):
    sign_in(client, rep)
    response = get_quote(client, agreement, "500000.00")
    body = response.content.decode()
    assert "<html" not in body
    assert "¥16,000.00" in body
    assert "3.2%" in body
    assert "Tier 2 (from ¥500,000.00)" in body
    assert "¥500,000.00 more reaches 4.5%" in body


def test_quote_sums_payments_before_choosing_tier(client, rep, agreement):
    sign_in(client, rep)
    body = get_quote(client, agreement, "120000.10", "300000.10", "79999.80").content.decode()
    assert 'data-testid="rebate">¥16,000.00<' in body
    assert "the sum of 3 payments" in body


def test_quote_accepts_wan_amounts(client, rep, agreement):
    sign_in(client, rep)
    body = get_quote(client, agreement, "100万").content.decode()
    assert 'data-testid="rebate">¥45,000.00<' in body


def test_quote_just_below_threshold_pays_nothing(client, rep, agreement):
    sign_in(client, rep)
    body = get_quote(client, agreement, "499999.99").content.decode()
    assert 'data-testid="payable">¥0.00<' in body
    assert "¥0.01 more reaches 3.2%" in body


def test_quote_rejects_text_that_is_not_an_amount(client, rep, agreement):
    sign_in(client, rep)
    body = get_quote(client, agreement, "五十万左右").content.decode()
    assert "The payment 五十万左右 is not a valid amount" in body
    assert "data-testid=\"rebate\"" not in body


def test_quote_rejects_third_decimal_place(client, rep, agreement):
    sign_in(client, rep)
    body = get_quote(client, agreement, "1000.005").content.decode()
    assert "The payment 1000.005 is not a valid amount" in body


def test_confirm_issues_document_and_redirects(client, rep, agreement):
    sign_in(client, rep)
    params = quote_params(agreement, "600000.00") | {"expected_payable": "19200.00"}

    response = client.post(reverse("rebates:confirm"), params)

    document = RebateConfirmation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("rebates:document_detail", args=[document.number])
    assert document.rebate_amount == Decimal("19200.00")
    assert document.confirmed_by == rep
    assert document.payments == ["600000.00"]


def test_second_confirmation_pays_only_difference(client, rep, agreement):
    sign_in(client, rep)
    client.post(reverse("rebates:confirm"), quote_params(agreement, "600000.00") | {"expected_payable": "19200.00"})

    body = get_quote(client, agreement, "500000.00").content.decode()
    assert 'data-testid="payable">¥30,300.00<' in body
    assert "¥19,200.00" in body

    client.post(reverse("rebates:confirm"), quote_params(agreement, "500000.00") | {"expected_payable": "30300.00"})
    amounts = sorted(RebateConfirmation.objects.values_list("rebate_amount", flat=True))
    assert amounts == [Decimal("19200.00"), Decimal("30300.00")]


def test_confirm_without_product_is_rejected(client, rep, agreement):
    sign_in(client, rep)
    params = quote_params(agreement, "600000.00", products=[]) | {"expected_payable": "19200.00"}

    response = client.post(reverse("rebates:confirm"), params)

    assert response.status_code == 400
    assert "Tick at least one product that the agreement covers." in response.content.decode()
    assert not RebateConfirmation.objects.exists()


def test_confirm_with_stale_figures_is_rejected(client, rep, agreement):
    sign_in(client, rep)
    params = quote_params(agreement, "600000.00") | {"expected_payable": "18000.00"}

    response = client.post(reverse("rebates:confirm"), params)

    assert response.status_code == 409
    assert "The amount payable is now ¥19,200.00" in response.content.decode()
    assert not RebateConfirmation.objects.exists()


def test_confirm_product_outside_agreement_is_not_offered(client, rep, agreement):
    sign_in(client, rep)
    stranger_product = make_product(code="IVD-9", name="化学发光试剂")
    params = quote_params(agreement, "600000.00", products=[stranger_product]) | {"expected_payable": "19200.00"}

    response = client.post(reverse("rebates:confirm"), params)

    assert response.status_code == 400
    assert not RebateConfirmation.objects.exists()


def test_confirm_forbidden_for_finance(client, agreement):
    sign_in(client, UserFactory(role=Role.FINANCE))
    response = client.post(
        reverse("rebates:confirm"), quote_params(agreement, "600000.00") | {"expected_payable": "19200.00"}
    )
    assert response.status_code == 403
    assert not RebateConfirmation.objects.exists()
