import pytest

from salespulse.accounts.models import Role
from salespulse.api.services import issue_api_token
from salespulse.rebates.models import ConfirmationStatus, RebateAuditEvent, RebateConfirmation
from tests.api.conftest import ApiClient
from tests.factories import CustomerFactory, UserFactory
from tests.rebates.agreements import make_agreement, make_product

pytestmark = pytest.mark.django_db

STANDARD = [
    {"threshold": "0.00", "rate": "0"},
    {"threshold": "500000.00", "rate": "0.032"},
    {"threshold": "1000000.00", "rate": "0.045"},
]


def client_for(user, language="en"):
    return ApiClient(issue_api_token(user=user, name="tests").plain, language)


@pytest.fixture
def rep():
    return UserFactory(role=Role.REP)


@pytest.fixture
def api(rep):
    return client_for(rep)


@pytest.fixture
def agreement(rep):
    return make_agreement(customer=CustomerFactory(owner=rep))


def confirm(api, agreement, payments):
    return api.post(
        "/api/rebates/confirmations",
        {
            "agreement": agreement.code,
            "period": "2026-05-10",
            "products": [product.pk for product in agreement.products.all()],
            "payments": payments,
        },
    )


@pytest.mark.parametrize(
    ("collected", "rebate"),
    [
        ("1000000.00", "45000.00"),
        ("500000.00", "16000.00"),
        ("499999.99", "0.00"),
        (["120000.10", "300000.10", "79999.80"], "16000.00"),
        ("1000001.00", "45000.05"),
        ("1000003.00", "45000.14"),
        ("999999.99", "32000.00"),
    ],
)
def test_quote_whole_figures(api, collected, rebate):
    response = api.post("/api/rebates/quote", {"tiers": STANDARD, "mode": "whole", "collected": collected})

    assert response.status_code == 200
    assert response.json()["rebate"] == rebate


def test_quote_progressive_figure(api):
    response = api.post("/api/rebates/quote", {"tiers": STANDARD, "mode": "progressive", "collected": "1200000.00"})

    assert response.json()["rebate"] == "25000.00"


def test_quote_returns_tier_and_next(api):
    body = api.post("/api/rebates/quote", {"tiers": STANDARD, "mode": "whole", "collected": "600000.00"}).json()

    assert body["tier"] == {"index": 1, "threshold": "500000.00", "rate": "0.032"}
    assert body["rate"] == "0.032"
    assert body["amount_to_next_tier"] == "400000.00"
    assert body["next_tier"] == {"threshold": "1000000.00", "rate": "0.045"}
    assert body["explanation"][0] == "Collected 600,000.00."


def test_quote_stores_nothing(api, agreement):
    response = api.post("/api/rebates/quote", {"agreement": agreement.pk, "collected": "600000.00"})

    assert response.json()["rebate"] == "19200.00"
    assert not RebateConfirmation.objects.exists()


@pytest.mark.parametrize("collected", [600000.0, 600000, [600000.10]])
def test_quote_rejects_json_number(api, collected):
    response = api.post("/api/rebates/quote", {"tiers": STANDARD, "mode": "whole", "collected": collected})

    assert response.status_code == 422


def test_quote_rejects_number_rate(api):
    tiers = [{"threshold": "0.00", "rate": 0.032}]

    response = api.post("/api/rebates/quote", {"tiers": tiers, "mode": "whole", "collected": "1.00"})

    assert response.status_code == 422


def test_quote_invalid_amount_named(api):
    response = api.post("/api/rebates/quote", {"tiers": STANDARD, "mode": "whole", "collected": ["1.00", "NaN"]})

    assert response.status_code == 422
    assert response.json()["code"] == "amount_invalid"
    assert response.json()["field"] == "payments[1]"


def test_quote_needs_mode_with_tiers(api):
    response = api.post("/api/rebates/quote", {"tiers": STANDARD, "collected": "1.00"})

    assert response.status_code == 422
    assert response.json()["code"] == "mode_invalid"


def test_quote_agreement_of_other_rep_not_found(agreement):
    response = client_for(UserFactory(role=Role.REP)).post(
        "/api/rebates/quote", {"agreement": agreement.code, "collected": "1.00"}
    )

    assert response.status_code == 404


def test_two_confirmations_settle(api, agreement):
    first = confirm(api, agreement, ["600000.00"])
    second = confirm(api, agreement, ["500000.00"])

    assert first.status_code == 201
    assert first.json()["rebate_amount"] == "19200.00"
    assert second.json()["rebate_amount"] == "30300.00"
    assert second.json()["rebate_total_for_period"] == "49500.00"
    assert RebateConfirmation.objects.count() == 2


def test_confirm_uncovered_product(api, agreement):
    other = make_product(code="MRI-1", name="磁共振 M1")

    response = api.post(
        "/api/rebates/confirmations",
        {
            "agreement": agreement.code,
            "period": "2026-05-10",
            "products": [other.pk],
            "payments": ["1.00"],
        },
    )

    assert response.status_code == 422
    assert response.json()["code"] == "product_not_covered"
    assert not RebateConfirmation.objects.exists()


def test_confirm_rejects_number_payment(api, agreement):
    response = api.post(
        "/api/rebates/confirmations",
        {
            "agreement": agreement.code,
            "period": "2026-05-10",
            "products": [product.pk for product in agreement.products.all()],
            "payments": [600000.0],
        },
    )

    assert response.status_code == 422
    assert not RebateConfirmation.objects.exists()


def test_list_by_visibility(api, agreement):
    number = confirm(api, agreement, ["600000.00"]).json()["number"]
    finance = client_for(UserFactory(role=Role.FINANCE, team=None))
    stranger = client_for(UserFactory(role=Role.REP))

    assert [item["number"] for item in api.get("/api/rebates/confirmations").json()["items"]] == [number]
    assert [item["number"] for item in finance.get("/api/rebates/confirmations").json()["items"]] == [number]
    assert stranger.get("/api/rebates/confirmations").json()["items"] == []


def test_list_since_filters(api, agreement):
    confirm(api, agreement, ["600000.00"])

    later = api.get("/api/rebates/confirmations", since="2999-01-01T00:00:00Z").json()

    assert later["items"] == []


def test_get_hidden_from_stranger(api, agreement):
    number = confirm(api, agreement, ["600000.00"]).json()["number"]

    assert api.get(f"/api/rebates/confirmations/{number}").status_code == 200
    assert client_for(UserFactory(role=Role.REP)).get(f"/api/rebates/confirmations/{number}").status_code == 404


def test_finance_acknowledges(api, agreement):
    number = confirm(api, agreement, ["600000.00"]).json()["number"]
    finance_user = UserFactory(role=Role.FINANCE, team=None)

    response = client_for(finance_user).post(f"/api/rebates/confirmations/{number}/acknowledge")

    assert response.status_code == 200
    assert response.json()["status"] == "acknowledged"
    assert response.json()["acknowledged_by"]["id"] == finance_user.pk
    assert RebateConfirmation.objects.get(number=number).status == ConfirmationStatus.ACKNOWLEDGED


def test_rep_cannot_acknowledge(api, agreement):
    number = confirm(api, agreement, ["600000.00"]).json()["number"]

    response = api.post(f"/api/rebates/confirmations/{number}/acknowledge")

    assert response.status_code == 403
    assert RebateConfirmation.objects.get(number=number).status == ConfirmationStatus.CONFIRMED


def test_reverse_creates_document(api, agreement):
    number = confirm(api, agreement, ["600000.00"]).json()["number"]

    response = api.post(f"/api/rebates/confirmations/{number}/reverse", {"reason": "金额录错"})

    assert response.status_code == 201
    assert response.json()["reverses"] == number
    assert response.json()["rebate_amount"] == "-19200.00"
    assert RebateConfirmation.objects.get(number=number).status == ConfirmationStatus.REVERSED
    assert RebateAuditEvent.objects.filter(document__number=number, action="reversed").exists()


def test_verify_public_authentic(api, agreement):
    code = confirm(api, agreement, ["600000.00"]).json()["verification_code"]

    response = ApiClient(None, "en").get(f"/api/rebates/verify/{code}")

    assert response.status_code == 200
    assert response.json()["status"] == "authentic"
    assert response.json()["rebate_amount"] == "19200.00"


def test_verify_public_tampered(api, agreement):
    body = confirm(api, agreement, ["600000.00"]).json()
    altered = body["signed_payload"].replace("19200.00", "19900.00")
    RebateConfirmation.objects.filter(number=body["number"]).update(signed_payload=altered)

    response = ApiClient(None, "en").get(f"/api/rebates/verify/{body['verification_code']}")

    assert response.json()["status"] == "tampered"
    assert response.json()["reason"] == "The signature does not match the content: the document was altered."
    assert "rebate_amount" not in response.json() or response.json()["rebate_amount"] is None


def test_verify_unknown_code():
    response = ApiClient(None, "en").get("/api/rebates/verify/AAAABBBBCCCC")

    assert response.json()["status"] == "unknown"
