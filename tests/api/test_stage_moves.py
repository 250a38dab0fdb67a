import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from salespulse.crm.models import Opportunity, OpportunityStatus
from salespulse.pipeline.models import GateAttempt, MoveSource, StageInterval
from salespulse.pipeline.services import move_opportunity_to_stage
from tests.factories import make_opportunity
from tests.pipeline.gate_helpers import WON_GATE, disable_default_contract_gate, set_gate

pytestmark = pytest.mark.django_db

T0 = timezone.now() - dt.timedelta(days=30)


@pytest.fixture
def won_gate(stages):
    disable_default_contract_gate(stages)
    return set_gate(stages["won"], WON_GATE)


@pytest.fixture
def deal(org, stages, won_gate):
    return make_opportunity(owner=org.rep_a, stage_code="negotiation", created_at=T0, name="rep_a 彩超")


def move_path(opportunity):
    return f"/api/opportunities/{opportunity.pk}/move"


def intervals(opportunity):
    return StageInterval.objects.filter(opportunity=opportunity).count()


def test_blocked_move_lists_both_missing_fields(org, deal, api_as, stages):
    response = api_as(org.rep_a).post(move_path(deal), {"stage": "won"})

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "stage_gate_blocked"
    assert [item["code"] for item in body["unmet"]] == ["field_missing", "field_missing"]
    assert [item["target"] for item in body["unmet"]] == ["won_amount", "signed_date"]
    deal.refresh_from_db()
    assert deal.stage == stages["negotiation"]
    assert intervals(deal) == 1


def test_blocked_messages_default_to_chinese(org, deal, api_as):
    body = api_as(org.rep_a).post(move_path(deal), {"stage": "won"}).json()

    assert body["message"] == "该商机暂时不能进入 赢单：还有 2 项要求未满足。"
    assert all("请填写" in item["message"] for item in body["unmet"])


def test_blocked_messages_in_english(org, deal, api_as):
    body = api_as(org.rep_a, "en").post(move_path(deal), {"stage": "won"}).json()

    assert body["message"] == "The deal cannot enter Won yet: 2 requirement(s) are not met."
    assert [item["message"][:8] for item in body["unmet"]] == ["Fill in ", "Fill in "]


def test_blocked_move_is_recorded_as_api_attempt(org, deal, api_as, won_gate):
    api_as(org.rep_a).post(move_path(deal), {"stage": "won"})

    attempt = GateAttempt.objects.get()
    assert attempt.gate == won_gate
    assert attempt.source == MoveSource.API
    assert attempt.actor == org.rep_a


def test_move_with_fields_writes_one_interval(org, deal, api_as, stages):
    response = api_as(org.rep_a).post(
        move_path(deal), {"stage": "won", "fields": {"won_amount": "98000.00", "signed_date": "2026-11-20"}}
    )

    assert response.status_code == 200
    body = response.json()
    assert body["stage"]["code"] == "won"
    assert body["status"] == "won"
    assert body["won_amount"] == "98000.00"
    deal.refresh_from_db()
    assert deal.stage == stages["won"]
    assert deal.won_amount == Decimal("98000.00")
    assert deal.signed_date == dt.date(2026, 11, 20)
    assert intervals(deal) == 2
    assert StageInterval.objects.get(opportunity=deal, left_at__isnull=True).source == MoveSource.API


def test_amount_as_json_number_is_rejected(org, deal, api_as):
    response = api_as(org.rep_a).post(
        move_path(deal), {"stage": "won", "fields": {"won_amount": 98000.5, "signed_date": "2026-11-20"}}
    )

    assert response.status_code == 422
    assert response.json()["code"] == "invalid_value"
    assert response.json()["field"] == "won_amount"
    assert intervals(deal) == 1


def test_checklist_confirmation_passes_gate(org, deal, api_as, stages):
    set_gate(stages["won"], {"type": "checklist", "code": "po_received", "label": "已收到采购订单"})

    blocked = api_as(org.rep_a).post(move_path(deal), {"stage": "won"})
    moved = api_as(org.rep_a).post(move_path(deal), {"stage": "won", "confirmations": ["po_received"]})

    assert [(item["code"], item["target"]) for item in blocked.json()["unmet"]] == [
        ("checklist_unconfirmed", "po_received")
    ]
    assert blocked.json()["unmet"][0]["message"] == "请确认：已收到采购订单"
    assert moved.status_code == 200
    assert intervals(deal) == 2


def test_backward_move_without_reason_is_422(org, deal, api_as, stages):
    response = api_as(org.rep_a).post(move_path(deal), {"stage": "solution_demo"})

    assert response.status_code == 422
    assert response.json()["code"] == "regression_reason_required"
    assert response.json()["field"] == "reason"
    deal.refresh_from_db()
    assert deal.stage == stages["negotiation"]


def test_backward_move_with_reason_is_a_regression(org, deal, api_as):
    response = api_as(org.rep_a).post(move_path(deal), {"stage": "solution_demo", "reason": "客户重新评估方案"})

    assert response.status_code == 200
    interval = StageInterval.objects.get(opportunity=deal, left_at__isnull=True)
    assert interval.is_regression
    assert interval.reason == "客户重新评估方案"


def test_stale_expected_stage_is_409(org, deal, api_as, stages):
    move_opportunity_to_stage(
        opportunity=deal, to_stage=stages["contract_drafting"], actor=org.rep_a, source=MoveSource.KANBAN
    )

    response = api_as(org.rep_a).post(
        move_path(deal), {"stage": "tech_evaluation", "expected_stage": "negotiation", "reason": "退回"}
    )

    assert response.status_code == 409
    assert response.json()["code"] == "stage_conflict"
    assert Opportunity.objects.get(pk=deal.pk).stage == stages["contract_drafting"]


def test_unknown_stage_is_422_in_chinese(org, deal, api_as):
    response = api_as(org.rep_a).post(move_path(deal), {"stage": "signing"})

    assert response.status_code == 422
    assert response.json() == {
        "code": "unknown_stage",
        "message": "阶段 signing 不在流程 medical_device 中。",
        "field": "stage",
    }


@pytest.mark.parametrize("role", ["rep_b", "rep_c", "rep_n"])
def test_move_of_unseen_deal_is_404(org, deal, api_as, role, stages):
    response = api_as(getattr(org, role)).post(
        move_path(deal), {"stage": "won", "fields": {"won_amount": "1.00", "signed_date": "2026-11-20"}}
    )

    assert response.status_code == 404
    assert response.json()["code"] == "opportunity_not_found"
    deal.refresh_from_db()
    assert deal.stage == stages["negotiation"]


def test_manager_may_move_team_deal(org, deal, api_as):
    response = api_as(org.manager).post(
        move_path(deal), {"stage": "won", "fields": {"won_amount": "1.00", "signed_date": "2026-11-20"}}
    )

    assert response.status_code == 200
    assert StageInterval.objects.get(opportunity=deal, left_at__isnull=True).actor == org.manager


def test_move_needs_token(deal):
    response = Client().post(move_path(deal), {"stage": "won"}, content_type="application/json")

    assert response.status_code == 401


def test_bulk_move_keeps_blocked_deal(org, stages, won_gate, api_as):
    ready = make_opportunity(owner=org.rep_a, stage_code="negotiation", created_at=T0,
                             won_amount=Decimal("5000.00"), signed_date=dt.date(2026, 11, 1))
    missing = make_opportunity(owner=org.rep_a, stage_code="negotiation", created_at=T0)
    unseen = make_opportunity(owner=org.rep_n, stage_code="negotiation", created_at=T0)

    response = api_as(org.rep_a).post(
        "/api/opportunities/bulk-move", {"ids": [ready.pk, missing.pk, unseen.pk], "stage": "won"}
    )

    assert response.status_code == 200
    body = response.json()
    assert body["moved"] == 1
    assert [(row["id"], row["status"]) for row in body["results"]] == [
        (ready.pk, "moved"), (missing.pk, "blocked"), (unseen.pk, "not_found"),
    ]
    assert [item["target"] for item in body["results"][1]["unmet"]] == ["won_amount", "signed_date"]
    assert Opportunity.objects.get(pk=ready.pk).status == OpportunityStatus.WON
    assert Opportunity.objects.get(pk=missing.pk).stage == stages["negotiation"]
    assert Opportunity.objects.get(pk=unseen.pk).stage == stages["negotiation"]
    assert intervals(missing) == 1
    assert StageInterval.objects.get(opportunity=ready, left_at__isnull=True).source == MoveSource.BULK


def test_bulk_move_with_unknown_stage_is_422(org, deal, api_as):
    response = api_as(org.rep_a).post("/api/opportunities/bulk-move", {"ids": [deal.pk], "stage": "signing"})

    assert response.status_code == 422
    assert response.json()["message"] == "阶段 signing 不存在；请使用阶段代码，例如 negotiation。"


def test_bulk_move_without_ids_is_422(org, api_as):
    response = api_as(org.rep_a).post("/api/opportunities/bulk-move", {"ids": [], "stage": "won"})

    assert response.status_code == 422
    assert response.json()["field"] == "ids"


def test_malformed_json_body_is_400(org, deal, api_as, stages):
    response = api_as(org.rep_a, "en").post(move_path(deal), '{"stage": "won",')

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_json"
    assert response.json()["message"].startswith("The request body is not valid JSON")
    assert intervals(deal) == 1
