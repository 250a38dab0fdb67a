"""POST /api/signals/capture ("同步至CRM"): extraction without confirm, the record with it."""

import pytest

from salespulse.crm.models import ActionType, Interaction, Lead
from salespulse.signals.models import CaptureDraft, CaptureStatus
from tests.api.conftest import api_as, org  # noqa: F401  (fixtures)
from tests.factories import ContactFactory, CustomerFactory, make_opportunity

pytestmark = pytest.mark.django_db

SNIPPET = "张主任 10:32\n[文件] 报价单.pdf\n预算已经批下来了，下周三可以签合同"


@pytest.fixture
def hospital(org):  # noqa: F811
    customer = CustomerFactory(name="江南医院", owner=org.rep_a)
    ContactFactory(customer=customer, name="张主任")
    return customer


def test_without_confirm_returns_the_extraction_and_writes_no_record(org, api_as, hospital):  # noqa: F811
    deal = make_opportunity(owner=org.rep_a, customer=hospital)

    response = api_as(org.rep_a).post("/api/signals/capture", {"text": SNIPPET})

    body = response.json()
    assert response.status_code == 200
    assert body["status"] == "pending"
    assert body["nickname"] == "张主任"
    assert body["attachment_name"] == "报价单.pdf"
    assert body["occurred_at"].endswith("02:32:00Z") or "T02:32:00" in body["occurred_at"]
    assert body["customer_id"] == hospital.pk
    assert body["opportunity_id"] == deal.pk
    assert body["interaction_id"] is None
    assert not Interaction.objects.exists()
    assert CaptureDraft.objects.get().status == CaptureStatus.PENDING


def test_with_confirm_writes_the_interaction_with_the_action(org, api_as, hospital):  # noqa: F811
    deal = make_opportunity(owner=org.rep_a, customer=hospital)

    response = api_as(org.rep_a).post(
        "/api/signals/capture", {"text": SNIPPET, "action": "sample_request", "confirm": True}
    )

    assert response.status_code == 201
    interaction = Interaction.objects.get()
    assert response.json()["interaction_id"] == interaction.pk
    assert interaction.action_type == ActionType.SAMPLE_REQUESTED
    assert interaction.opportunity == deal
    deal.refresh_from_db()
    assert deal.last_action_type == ActionType.SAMPLE_REQUESTED


def test_action_type_names_are_accepted(org, api_as, hospital):  # noqa: F811
    api_as(org.rep_a).post("/api/signals/capture", {"text": SNIPPET, "action": "quote_sent", "confirm": True})

    assert Interaction.objects.get().action_type == ActionType.QUOTE_SENT


def test_unknown_action_is_a_422_naming_the_value(org, api_as, hospital):  # noqa: F811
    response = api_as(org.rep_a, "zh-hans").post("/api/signals/capture", {"text": SNIPPET, "action": "dance"})

    assert response.status_code == 422
    assert response.json()["code"] == "invalid_capture_action"
    assert "dance" in response.json()["message"]
    assert not CaptureDraft.objects.exists()


def test_unmatched_snippet_confirmed_becomes_a_pending_lead(org, api_as):  # noqa: F811
    response = api_as(org.rep_a).post(
        "/api/signals/capture", {"text": "赵院长 16:05\n种植系统多少钱一套？", "confirm": True}
    )

    assert response.status_code == 201
    assert response.json()["lead_id"] == Lead.objects.get().pk


def test_customer_of_another_team_is_404_and_nothing_is_written(org, api_as, hospital):  # noqa: F811
    response = api_as(org.rep_c).post(
        "/api/signals/capture", {"text": SNIPPET, "customer_id": hospital.pk, "confirm": True}
    )

    assert response.status_code == 404
    assert response.json()["field"] == "customer_id"
    assert not Interaction.objects.exists()


def test_manager_may_name_a_team_members_customer(org, api_as, hospital):  # noqa: F811
    response = api_as(org.manager).post(
        "/api/signals/capture", {"text": SNIPPET, "customer_id": hospital.pk, "confirm": True}
    )

    assert response.status_code == 201
    assert Interaction.objects.get().customer == hospital


def test_finance_is_403(org, api_as):  # noqa: F811
    response = api_as(org.finance).post("/api/signals/capture", {"text": SNIPPET})

    assert response.status_code == 403


def test_without_token_is_401():
    from django.test import Client

    response = Client().post("/api/signals/capture", "{}", content_type="application/json")

    assert response.status_code == 401
