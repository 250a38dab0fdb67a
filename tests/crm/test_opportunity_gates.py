"""Stage gates through the opportunity form: the move goes through edit_opportunity."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from salespulse.crm.models import Opportunity, OpportunityStatus
from salespulse.pipeline.models import MoveSource, StageInterval
from tests.factories import ContactFactory, make_opportunity
from tests.pipeline.gate_helpers import WON_GATE, disable_default_contract_gate, set_gate

pytestmark = pytest.mark.django_db

T0 = timezone.now() - dt.timedelta(days=30)
DECISION_MAKER_GATE = {"type": "field", "field": "decision_maker", "op": "present"}


@pytest.fixture
def won_gate(stages):
    disable_default_contract_gate(stages)
    return set_gate(stages["won"], WON_GATE)


@pytest.fixture
def english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def url(opportunity) -> str:
    return reverse("crm:opportunity_detail", args=[opportunity.pk])


def form_data(opportunity, **changes) -> dict:
    data = {
        "name": opportunity.name,
        "customer": opportunity.customer_id or "",
        "product_line": "",
        "expected_amount": "",
        "expected_close_date": "",
        "stage": opportunity.stage_id,
        "expected_stage": opportunity.stage_id,
        "reason": "",
        "won_amount": "",
        "signed_date": "",
        "decision_maker": "",
        "loss_reason": "",
        "loss_note": "",
    }
    data.update(changes)
    return data


def interval_count(opportunity) -> int:
    return StageInterval.objects.filter(opportunity=opportunity).count()


def test_form_won_move_without_values_lists_both_fields(client, stages, won_gate, english):
    opportunity = make_opportunity(stage_code="negotiation", created_at=T0)
    client.force_login(opportunity.owner)

    response = client.post(url(opportunity), form_data(opportunity, stage=stages["won"].pk))

    assert response.status_code == 400
    assert [(item.code, item.target) for item in response.context["unmet"]] == [
        ("field_missing", "won_amount"),
        ("field_missing", "signed_date"),
    ]
    html = response.content.decode()
    assert "Fill in won amount." in html
    assert "Fill in signing date." in html
    assert 'href="#id_won_amount"' in html
    assert 'href="#id_signed_date"' in html
    opportunity.refresh_from_db()
    assert opportunity.stage == stages["negotiation"]
    assert interval_count(opportunity) == 1


def test_form_won_move_with_values_writes_one_interval(client, stages, won_gate):
    opportunity = make_opportunity(stage_code="negotiation", created_at=T0)
    client.force_login(opportunity.owner)

    response = client.post(
        url(opportunity),
        form_data(opportunity, stage=stages["won"].pk, won_amount="98000.00", signed_date="2026-11-20"),
    )

    assert response.status_code == 302
    opportunity = Opportunity.objects.get(pk=opportunity.pk)
    assert opportunity.status == OpportunityStatus.WON
    assert opportunity.won_amount == Decimal("98000.00")
    assert opportunity.signed_date == dt.date(2026, 11, 20)
    assert interval_count(opportunity) == 2
    assert StageInterval.objects.get(opportunity=opportunity, left_at__isnull=True).source == MoveSource.FORM


def test_form_blocked_move_saves_no_field_changes(client, stages, won_gate):
    opportunity = make_opportunity(stage_code="negotiation", created_at=T0, name="原名称")
    client.force_login(opportunity.owner)

    client.post(
        url(opportunity),
        form_data(opportunity, name="新名称", stage=stages["won"].pk, signed_date="2026-11-20"),
    )

    opportunity.refresh_from_db()
    assert opportunity.name == "原名称"
    assert opportunity.signed_date is None


def test_form_decision_maker_counts_toward_gate(client, stages):
    disable_default_contract_gate(stages)
    set_gate(stages["needs_analysis"], DECISION_MAKER_GATE)
    opportunity = make_opportunity(created_at=T0)
    contact = ContactFactory(customer=opportunity.customer)
    client.force_login(opportunity.owner)

    response = client.post(
        url(opportunity),
        form_data(opportunity, stage=stages["needs_analysis"].pk, decision_maker=contact.pk),
    )

    assert response.status_code == 302
    opportunity.refresh_from_db()
    assert opportunity.stage == stages["needs_analysis"]
    assert opportunity.decision_maker == contact


def test_form_rejects_contact_of_another_customer(client, stages):
    opportunity = make_opportunity(created_at=T0)
    stranger = ContactFactory()
    client.force_login(opportunity.owner)

    response = client.post(url(opportunity), form_data(opportunity, decision_maker=stranger.pk))

    assert response.status_code == 400
    assert Opportunity.objects.get(pk=opportunity.pk).decision_maker is None
