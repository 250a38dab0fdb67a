"""Stage gates through the kanban: the move endpoint and the bulk change endpoint."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override

from salespulse.crm.models import LossReason, Opportunity, OpportunityStatus
from salespulse.pipeline.models import MoveSource, StageInterval
from tests.factories import UserFactory, make_opportunity
from tests.pipeline.gate_helpers import WON_GATE, disable_default_contract_gate, set_gate

pytestmark = pytest.mark.django_db

T0 = timezone.now() - dt.timedelta(days=30)
BULK_URL = reverse("pipeline:bulk_move")
CHECKLIST_GATE = {"type": "checklist", "code": "hq_waiver", "label": "总部已书面豁免", "label_en": "HQ waived it in writing"}


@pytest.fixture
def won_gate(stages):
    disable_default_contract_gate(stages)
    return set_gate(stages["won"], WON_GATE)


@pytest.fixture
def english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def move_url(opportunity) -> str:
    return reverse("pipeline:move_opportunity", args=[opportunity.pk])


def negotiation_deal(**fields):
    return make_opportunity(stage_code="negotiation", created_at=T0, **fields)


def interval_count(opportunity) -> int:
    return StageInterval.objects.filter(opportunity=opportunity).count()


def post_move(client, opportunity, stages, to_code, **extra):
    data = {"to_stage": stages[to_code].pk, "expected_stage": opportunity.stage_id, **extra}
    return client.post(move_url(opportunity), data)


def test_kanban_won_move_without_values_is_422(client, stages, won_gate, english):
    opportunity = negotiation_deal()
    client.force_login(opportunity.owner)

    response = post_move(client, opportunity, stages, "won")

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "stage_gate_blocked"
    assert [(item["code"], item["target"]) for item in body["unmet"]] == [
        ("field_missing", "won_amount"),
        ("field_missing", "signed_date"),
    ]
    assert [item["message"] for item in body["unmet"]] == ["Fill in won amount.", "Fill in signing date."]
    opportunity.refresh_from_db()
    assert opportunity.stage == stages["negotiation"]
    assert interval_count(opportunity) == 1


def test_kanban_won_move_with_fields_writes_one_interval(client, stages, won_gate):
    opportunity = negotiation_deal()
    client.force_login(opportunity.owner)

    response = post_move(
        client, opportunity, stages, "won",
        **{"fields[won_amount]": "98000.00", "fields[signed_date]": "2026-11-20"},
    )

    assert response.status_code == 200
    assert response.json()["status"] == OpportunityStatus.WON
    opportunity.refresh_from_db()
    assert opportunity.stage == stages["won"]
    assert opportunity.won_amount == Decimal("98000.00")
    assert opportunity.signed_date == dt.date(2026, 11, 20)
    assert interval_count(opportunity) == 2
    assert StageInterval.objects.get(opportunity=opportunity, left_at__isnull=True).source == MoveSource.KANBAN


def test_kanban_unknown_field_is_rejected(client, stages, won_gate):
    opportunity = negotiation_deal()
    client.force_login(opportunity.owner)

    response = post_move(client, opportunity, stages, "won", **{"fields[stage]": "won"})

    assert response.status_code == 400
    assert response.json()["code"] == "unknown_field"
    assert interval_count(opportunity) == 1


def test_kanban_checklist_confirmation_lets_move_pass(client, stages):
    disable_default_contract_gate(stages)
    set_gate(stages["contract_drafting"], CHECKLIST_GATE)
    opportunity = make_opportunity(stage_code="solution_demo", created_at=T0)
    client.force_login(opportunity.owner)

    blocked = post_move(client, opportunity, stages, "contract_drafting")
    passed = post_move(client, opportunity, stages, "contract_drafting", confirmations="hq_waiver")

    assert blocked.status_code == 422
    assert blocked.json()["unmet"][0]["code"] == "checklist_unconfirmed"
    assert blocked.json()["unmet"][0]["target"] == "hq_waiver"
    assert passed.status_code == 200
    assert Opportunity.objects.get(pk=opportunity.pk).stage == stages["contract_drafting"]


def test_kanban_blocked_move_keeps_expected_stage_check(client, stages, won_gate):
    opportunity = negotiation_deal()
    client.force_login(opportunity.owner)

    response = client.post(
        move_url(opportunity),
        {"to_stage": stages["won"].pk, "expected_stage": stages["initial_contact"].pk,
         "fields[won_amount]": "1", "fields[signed_date]": "2026-11-20"},
    )

    assert response.status_code == 409
    assert Opportunity.objects.get(pk=opportunity.pk).stage == stages["negotiation"]


def test_kanban_lost_move_saves_loss_reason(client, stages):
    opportunity = negotiation_deal()
    client.force_login(opportunity.owner)

    response = post_move(client, opportunity, stages, "lost", loss_reason=LossReason.BUDGET)

    assert response.status_code == 200
    opportunity.refresh_from_db()
    assert opportunity.status == OpportunityStatus.LOST
    assert opportunity.loss_reason == LossReason.BUDGET


def test_kanban_lost_move_rejects_unknown_reason(client, stages):
    opportunity = negotiation_deal()
    client.force_login(opportunity.owner)

    response = post_move(client, opportunity, stages, "lost", loss_reason="weather")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_loss_reason"
    assert Opportunity.objects.get(pk=opportunity.pk).status == OpportunityStatus.OPEN


def test_kanban_page_offers_loss_reasons_and_bulk_form(client):
    client.force_login(UserFactory())

    response = client.get(reverse("pipeline:kanban_default"))

    html = response.content.decode()
    assert 'id="kanban-loss-dialog"' in html
    assert f'value="{LossReason.BUDGET}"' in html
    assert f'action="{BULK_URL}"' in html


def test_bulk_endpoint_reports_blocked_deal_with_unmet(client, stages, won_gate, english):
    opportunity = negotiation_deal()
    client.force_login(opportunity.owner)

    response = client.post(BULK_URL, {"ids": [opportunity.pk], "stage_code": "won"})

    assert response.status_code == 200
    [result] = response.json()["results"]
    assert result["id"] == opportunity.pk
    assert result["status"] == "blocked"
    assert result["label"] == "Blocked by a stage gate"
    assert [item["target"] for item in result["unmet"]] == ["won_amount", "signed_date"]
    assert [item["message"] for item in result["unmet"]] == ["Fill in won amount.", "Fill in signing date."]
    opportunity.refresh_from_db()
    assert opportunity.stage == stages["negotiation"]
    assert interval_count(opportunity) == 1


def test_bulk_endpoint_moves_and_reports_each_deal(client, stages):
    owner = UserFactory()
    first = make_opportunity(owner=owner, created_at=T0)
    second = make_opportunity(owner=owner, created_at=T0)
    outsider = make_opportunity(created_at=T0)
    client.force_login(owner)

    response = client.post(
        BULK_URL, {"ids": [first.pk, second.pk, outsider.pk], "stage_code": "needs_analysis"}
    )

    assert response.status_code == 200
    assert [(item["id"], item["status"]) for item in response.json()["results"]] == [
        (first.pk, "moved"),
        (second.pk, "moved"),
        (outsider.pk, "not_found"),
    ]
    assert StageInterval.objects.get(opportunity=first, left_at__isnull=True).source == MoveSource.BULK
    assert Opportunity.objects.get(pk=outsider.pk).stage == stages["initial_contact"]


def test_bulk_endpoint_regression_without_reason_is_rejected(client, stages):
    opportunity = negotiation_deal()
    client.force_login(opportunity.owner)

    response = client.post(BULK_URL, {"ids": [opportunity.pk], "stage_code": "initial_contact"})

    [result] = response.json()["results"]
    assert result["status"] == "rejected"
    assert result["code"] == "regression_reason_required"
    assert Opportunity.objects.get(pk=opportunity.pk).stage == stages["negotiation"]


def test_bulk_endpoint_without_selection_is_400(client):
    client.force_login(UserFactory())

    response = client.post(BULK_URL, {"stage_code": "won"})

    assert response.status_code == 400
    assert response.json()["code"] == "bulk_move_empty"


def test_bulk_endpoint_rejects_non_numeric_ids(client):
    client.force_login(UserFactory())

    response = client.post(BULK_URL, {"ids": ["abc"], "stage_code": "won"})

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_move_request"


def test_kanban_blocked_messages_are_chinese(client, stages, won_gate):
    opportunity = negotiation_deal()
    client.force_login(opportunity.owner)

    with override("zh-hans"):
        response = post_move(client, opportunity, stages, "won")

    assert [item["message"] for item in response.json()["unmet"]] == ["请填写赢单金额。", "请填写签约日期。"]
