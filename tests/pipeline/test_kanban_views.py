import datetime as dt
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from salespulse.accounts.models import Role
from salespulse.crm.models import OpportunityStatus
from salespulse.pipeline.models import MoveSource, StageInterval
from salespulse.pipeline.services import move_opportunity_to_stage
from tests.factories import UserFactory, make_opportunity
from tests.personas import EXPECTED_VISIBLE_OWNERS, OWNING_USERS, build_workspace

pytestmark = pytest.mark.django_db

KANBAN_URL = reverse("pipeline:kanban_default")


def move_url(opportunity) -> str:
    return reverse("pipeline:move_opportunity", args=[opportunity.pk])


def card_names(response) -> set[str]:
    return {card.name for column in response.context["board"].columns for card in column.cards}


def column(response, code):
    return next(item for item in response.context["board"].columns if item.stage.code == code)


@pytest.mark.parametrize("persona", sorted(EXPECTED_VISIBLE_OWNERS))
def test_kanban_shows_only_visible_cards(client, persona):
    workspace = build_workspace()
    client.force_login(workspace.users[persona])

    response = client.get(KANBAN_URL)

    assert response.status_code == 200
    assert card_names(response) == {f"{owner}的商机" for owner in EXPECTED_VISIBLE_OWNERS[persona]}


@pytest.mark.parametrize("persona", sorted(EXPECTED_VISIBLE_OWNERS))
def test_kanban_move_of_invisible_card_is_404(client, stages, persona):
    workspace = build_workspace()
    client.force_login(workspace.users[persona])

    for owner in OWNING_USERS:
        if owner in EXPECTED_VISIBLE_OWNERS[persona]:
            continue
        opportunity = workspace.opportunities[owner]
        response = client.post(
            move_url(opportunity),
            {
                "to_stage": stages["needs_analysis"].pk,
                "expected_stage": stages["initial_contact"].pk,
            },
        )
        assert response.status_code == 404
        opportunity.refresh_from_db()
        assert opportunity.stage == stages["initial_contact"]


def test_kanban_by_pipeline_code_matches_default(client, pipeline):
    client.force_login(UserFactory())

    response = client.get(reverse("pipeline:kanban", args=[pipeline.code]))

    assert response.status_code == 200
    assert [item.stage.code for item in response.context["board"].columns][:3] == [
        "initial_contact",
        "needs_analysis",
        "solution_demo",
    ]


def test_kanban_unknown_pipeline_is_404(client):
    client.force_login(UserFactory())

    assert client.get(reverse("pipeline:kanban", args=["no-such-pipeline"])).status_code == 404


def test_kanban_shows_recent_closed_and_hides_old_closed(client, stages):
    owner = UserFactory()
    recent = make_opportunity(owner=owner, name="近期赢单", stage_code="contract_drafting")
    old = make_opportunity(
        owner=owner,
        name="去年赢单",
        stage_code="contract_drafting",
        created_at=timezone.now() - dt.timedelta(days=400),
    )
    move_opportunity_to_stage(
        opportunity=recent, to_stage=stages["won"], actor=owner, source=MoveSource.FORM
    )
    move_opportunity_to_stage(
        opportunity=old,
        to_stage=stages["won"],
        actor=owner,
        source=MoveSource.FORM,
        at=timezone.now() - dt.timedelta(days=300),
    )
    client.force_login(owner)

    response = client.get(KANBAN_URL)

    assert [card.name for card in column(response, "won").cards] == ["近期赢单"]


def test_kanban_column_is_capped_with_total(client, settings):
    owner = UserFactory()
    for index in range(53):
        make_opportunity(
            owner=owner,
            customer=None,
            name=f"商机{index:02d}",
            created_at=timezone.now() - dt.timedelta(minutes=index),
        )
    client.force_login(owner)

    response = client.get(KANBAN_URL)

    first = column(response, "initial_contact")
    assert first.total == 53
    assert len(first.cards) == 50
    assert first.cards[0].name == "商机00"
    assert "另有 3 条未显示" in response.content.decode()


def test_kanban_filters_by_owner_for_manager(client):
    workspace = build_workspace()
    client.force_login(workspace.users["manager_east1"])

    response = client.get(KANBAN_URL, {"owner": workspace.users["rep_east1b"].pk})

    assert card_names(response) == {"rep_east1b的商机"}


def test_kanban_filters_by_team_for_director(client):
    workspace = build_workspace()
    client.force_login(workspace.users["director_east"])
    team = workspace.users["rep_east2"].team

    response = client.get(KANBAN_URL, {"team": team.pk})

    assert card_names(response) == {"rep_east2的商机"}


def test_kanban_query_count_is_flat(client, django_assert_max_num_queries):
    owner = UserFactory(role=Role.MANAGER)
    for index in range(60):
        make_opportunity(owner=owner, customer=None, name=f"商机{index:02d}")
    client.force_login(owner)

    # Session, user, pipeline, stages, counts, cards, pipeline switcher, owner and team options.
    with django_assert_max_num_queries(9):
        response = client.get(KANBAN_URL)

    assert column(response, "initial_contact").total == 60


def test_kanban_move_calls_transition_service(client, stages):
    opportunity = make_opportunity()
    client.force_login(opportunity.owner)

    response = client.post(
        move_url(opportunity),
        {"to_stage": stages["needs_analysis"].pk, "expected_stage": stages["initial_contact"].pk},
    )

    assert response.status_code == 200
    assert response.json() == {
        "moved": True,
        "stage": stages["needs_analysis"].pk,
        "status": "open",
        "is_regression": False,
    }
    opportunity.refresh_from_db()
    assert opportunity.stage == stages["needs_analysis"]
    last = StageInterval.objects.filter(opportunity=opportunity).latest("entered_at")
    assert last.source == MoveSource.KANBAN
    assert last.actor == opportunity.owner


def test_kanban_move_from_stale_column_is_conflict(client, stages):
    opportunity = make_opportunity()
    move_opportunity_to_stage(
        opportunity=opportunity,
        to_stage=stages["solution_demo"],
        actor=None,
        source=MoveSource.FORM,
    )
    client.force_login(opportunity.owner)

    response = client.post(
        move_url(opportunity),
        {"to_stage": stages["needs_analysis"].pk, "expected_stage": stages["initial_contact"].pk},
    )

    assert response.status_code == 409
    assert response.json()["code"] == "stage_conflict"
    assert (
        response.json()["message"]
        == "商机 彩超采购项目 已被他人移动，当前处于 方案演示 阶段，请刷新后重试。"
    )
    opportunity.refresh_from_db()
    assert opportunity.stage == stages["solution_demo"]


def test_kanban_backward_move_needs_reason(client, stages):
    opportunity = make_opportunity(stage_code="negotiation")
    client.force_login(opportunity.owner)

    response = client.post(
        move_url(opportunity),
        {"to_stage": stages["solution_demo"].pk, "expected_stage": stages["negotiation"].pk},
    )

    assert response.status_code == 400
    assert response.json() == {
        "code": "regression_reason_required",
        "message": "从 商务谈判 回退到 方案演示 需要填写原因。",
        "field": "reason",
    }
    assert StageInterval.objects.filter(opportunity=opportunity).count() == 1


def test_kanban_backward_move_with_reason_is_regression(client, stages):
    opportunity = make_opportunity(stage_code="negotiation")
    client.force_login(opportunity.owner)

    response = client.post(
        move_url(opportunity),
        {
            "to_stage": stages["solution_demo"].pk,
            "expected_stage": stages["negotiation"].pk,
            "reason": "需重新演示",
        },
    )

    assert response.json()["is_regression"] is True
    last = StageInterval.objects.filter(opportunity=opportunity).latest("entered_at")
    assert last.reason == "需重新演示"
    assert last.is_regression


def test_kanban_move_to_won_closes_deal(client, stages):
    opportunity = make_opportunity(stage_code="contract_drafting")
    client.force_login(opportunity.owner)

    response = client.post(
        move_url(opportunity),
        {"to_stage": stages["won"].pk, "expected_stage": stages["contract_drafting"].pk},
    )

    assert response.json()["status"] == "won"
    opportunity.refresh_from_db()
    assert opportunity.status == OpportunityStatus.WON
    assert opportunity.won_amount == opportunity.expected_amount


def test_kanban_move_rejects_stage_of_other_pipeline(client, stages):
    opportunity = make_opportunity()
    client.force_login(opportunity.owner)

    response = client.post(
        move_url(opportunity), {"to_stage": 999999, "expected_stage": stages["initial_contact"].pk}
    )

    assert response.status_code == 400
    assert response.json()["code"] == "stage_not_in_pipeline"


def test_kanban_move_requires_post(client):
    opportunity = make_opportunity()
    client.force_login(opportunity.owner)

    assert client.get(move_url(opportunity)).status_code == 405


def test_kanban_move_requires_csrf_token(stages):
    from django.test import Client

    opportunity = make_opportunity()
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(opportunity.owner)

    response = csrf_client.post(
        move_url(opportunity),
        {"to_stage": stages["needs_analysis"].pk, "expected_stage": stages["initial_contact"].pk},
    )

    assert response.status_code == 403
    opportunity.refresh_from_db()
    assert opportunity.stage == stages["initial_contact"]


def test_kanban_page_embeds_translated_texts(client):
    client.force_login(UserFactory())

    response = client.get(KANBAN_URL)

    body = response.content.decode()
    texts = json.loads(
        body.split('<script id="kanban-texts" type="application/json">')[1].split("</script>")[0]
    )
    assert texts["reasonPrompt"] == "你正在把 %(name)s 从 %(from)s 回退到 %(to)s，请填写原因。"


def test_kanban_in_english_shows_english_stage_names(client):
    client.force_login(UserFactory())
    client.post(reverse("set_language"), {"language": "en", "next": KANBAN_URL})

    response = client.get(KANBAN_URL)

    body = response.content.decode()
    assert "Price negotiation" in body
    assert "商务谈判" not in body
