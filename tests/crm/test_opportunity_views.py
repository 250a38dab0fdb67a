import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from salespulse.crm.models import Opportunity, OpportunityStatus
from salespulse.pipeline.models import MoveSource, StageInterval
from salespulse.pipeline.services import move_opportunity_to_stage
from tests.factories import UserFactory, make_opportunity
from tests.personas import EXPECTED_VISIBLE_OWNERS, OWNING_USERS, build_workspace

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2025, 3, 18, 1, 0, tzinfo=dt.UTC)


def url(opportunity) -> str:
    return reverse("crm:opportunity_detail", args=[opportunity.pk])


def form_data(opportunity, **changes) -> dict:
    data = {
        "name": opportunity.name,
        "customer": opportunity.customer_id or "",
        "product_line": opportunity.product_line_id or "",
        "expected_amount": opportunity.expected_amount or "",
        "expected_close_date": "",
        "stage": opportunity.stage_id,
        "expected_stage": opportunity.stage_id,
        "reason": "",
        "won_amount": "",
        "loss_reason": "",
        "loss_note": "",
    }
    data.update(changes)
    return data


def history(opportunity) -> list[StageInterval]:
    return list(StageInterval.objects.filter(opportunity=opportunity).order_by("entered_at", "id"))


@pytest.mark.parametrize("persona", sorted(EXPECTED_VISIBLE_OWNERS))
def test_opportunity_page_opens_only_visible_opportunities(client, persona):
    workspace = build_workspace()
    client.force_login(workspace.users[persona])

    for owner in OWNING_USERS:
        response = client.get(url(workspace.opportunities[owner]))
        expected = 200 if owner in EXPECTED_VISIBLE_OWNERS[persona] else 404
        assert response.status_code == expected, (persona, owner)


def test_opportunity_post_by_outsider_is_404_and_changes_nothing(client, stages):
    opportunity = make_opportunity(name="原名称")
    client.force_login(UserFactory())

    response = client.post(
        url(opportunity), form_data(opportunity, name="被篡改", stage=stages["negotiation"].pk)
    )

    assert response.status_code == 404
    opportunity.refresh_from_db()
    assert opportunity.name == "原名称"
    assert opportunity.stage == stages["initial_contact"]


def test_opportunity_page_shows_stage_history_with_dwell_days(client, stages):
    opportunity = make_opportunity(created_at=T0)
    owner = opportunity.owner
    move_opportunity_to_stage(
        opportunity=opportunity,
        to_stage=stages["solution_demo"],
        actor=owner,
        source=MoveSource.KANBAN,
        at=T0 + dt.timedelta(days=3, hours=12),
    )
    move_opportunity_to_stage(
        opportunity=opportunity,
        to_stage=stages["needs_analysis"],
        actor=owner,
        source=MoveSource.FORM,
        at=T0 + dt.timedelta(days=5),
        reason="客户预算重新评估",
    )
    client.force_login(owner)

    response = client.get(url(opportunity))

    stays = response.context["history"]
    body = response.content.decode()
    assert [stay.interval.stage.code for stay in stays] == [
        "initial_contact",
        "solution_demo",
        "needs_analysis",
    ]
    assert stays[0].dwell_days == 3.5
    assert stays[1].dwell_days == 1.5
    assert stays[2].is_open
    assert [stay.interval.is_regression for stay in stays] == [False, False, True]
    assert "阶段回退" in body
    assert "客户预算重新评估" in body
    assert "看板" in body
    # Entered 2025-03-18 01:00 UTC, shown in Asia/Shanghai.
    assert "2025-03-18 09:00" in body


def test_form_saves_fields_without_stage_interval(client):
    opportunity = make_opportunity(expected_amount=Decimal("100000.00"))
    client.force_login(opportunity.owner)

    response = client.post(
        url(opportunity), form_data(opportunity, name="CT 采购二期", expected_amount="258000.50")
    )

    assert response.status_code == 302
    opportunity.refresh_from_db()
    assert opportunity.name == "CT 采购二期"
    assert opportunity.expected_amount == Decimal("258000.50")
    assert len(history(opportunity)) == 1


def test_form_stage_change_goes_through_transition_service(client, stages):
    opportunity = make_opportunity()
    client.force_login(opportunity.owner)

    response = client.post(
        url(opportunity), form_data(opportunity, stage=stages["needs_analysis"].pk)
    )

    assert response.status_code == 302
    opportunity.refresh_from_db()
    assert opportunity.stage == stages["needs_analysis"]
    last = history(opportunity)[-1]
    assert last.stage == stages["needs_analysis"]
    assert last.source == MoveSource.FORM
    assert last.actor == opportunity.owner


def test_form_backward_move_without_reason_shows_error(client, stages):
    opportunity = make_opportunity(stage_code="negotiation")
    client.force_login(opportunity.owner)

    response = client.post(
        url(opportunity), form_data(opportunity, stage=stages["needs_analysis"].pk, name="不应保存")
    )

    assert response.status_code == 400
    assert response.context["form"].errors["reason"] == [
        "从 商务谈判 回退到 需求确认 需要填写原因。"
    ]
    opportunity.refresh_from_db()
    assert opportunity.stage == stages["negotiation"]
    assert opportunity.name == "彩超采购项目"
    assert len(history(opportunity)) == 1


def test_form_backward_move_with_reason_is_regression(client, stages):
    opportunity = make_opportunity(stage_code="negotiation")
    client.force_login(opportunity.owner)

    response = client.post(
        url(opportunity),
        form_data(opportunity, stage=stages["needs_analysis"].pk, reason="客户换了科主任"),
    )

    assert response.status_code == 302
    last = history(opportunity)[-1]
    assert last.is_regression
    assert last.reason == "客户换了科主任"


def test_form_stale_stage_shows_conflict(client, stages):
    opportunity = make_opportunity()
    shown_stage = opportunity.stage
    move_opportunity_to_stage(
        opportunity=opportunity,
        to_stage=stages["solution_demo"],
        actor=None,
        source=MoveSource.KANBAN,
    )
    client.force_login(opportunity.owner)

    response = client.post(
        url(opportunity),
        form_data(opportunity, stage=stages["tech_evaluation"].pk, expected_stage=shown_stage.pk),
    )

    assert response.status_code == 400
    assert response.context["form"].non_field_errors() == [
        "商机 彩超采购项目 已被他人移动，当前处于 方案演示 阶段，请刷新后重试。"
    ]
    opportunity.refresh_from_db()
    assert opportunity.stage == stages["solution_demo"]


def test_form_move_to_lost_records_loss_reason(client, stages):
    opportunity = make_opportunity(stage_code="negotiation")
    client.force_login(opportunity.owner)

    client.post(
        url(opportunity), form_data(opportunity, stage=stages["lost"].pk, loss_reason="price")
    )

    opportunity.refresh_from_db()
    assert opportunity.status == OpportunityStatus.LOST
    assert opportunity.loss_reason == "price"
    assert opportunity.lost_at_stage == stages["negotiation"]


def test_form_rejects_negative_amount(client):
    opportunity = make_opportunity(expected_amount=Decimal("5000.00"))
    client.force_login(opportunity.owner)

    response = client.post(url(opportunity), form_data(opportunity, expected_amount="-1"))

    assert response.status_code == 400
    assert response.context["form"].errors["expected_amount"]
    assert Opportunity.objects.get(pk=opportunity.pk).expected_amount == Decimal("5000.00")
