import pytest
from django.urls import NoReverseMatch, reverse
from playwright.sync_api import expect

from salespulse.accounts.models import Role
from salespulse.crm.models import Opportunity
from salespulse.pipeline.models import MoveSource, StageInterval
from salespulse.pipeline.services import move_opportunity_to_stage
from tests.factories import PASSWORD, TeamFactory, UserFactory, make_opportunity

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def home_url() -> str | None:
    try:
        return reverse("analytics:home")
    except NoReverseMatch:
        return None


def sign_in(page, live_server, username: str, next_url: str) -> None:
    page.goto(f"{live_server.url}{reverse('accounts:login')}?next={next_url}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def drag(page, source, target) -> None:
    """Drag with real mouse events in small steps, as SortableJS's fallback mode expects."""
    start = source.bounding_box()
    end = target.bounding_box()
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] - 6)
    page.mouse.down()
    page.mouse.move(start["x"] + start["width"] / 2 + 10, start["y"] + start["height"] / 2, steps=5)
    page.mouse.move(end["x"] + end["width"] / 2, end["y"] + 30, steps=25)
    page.mouse.up()


def test_manager_drags_card_to_next_stage(live_server, page, stages):
    team = TeamFactory()
    manager = UserFactory(username="manager.zhang", role=Role.MANAGER, team=team)
    rep = UserFactory(username="rep.li", team=team)
    opportunity = make_opportunity(owner=rep, name="瑞金医院彩超采购")

    target_after_login = home_url() or reverse("pipeline:kanban_default")
    sign_in(page, live_server, manager.username, target_after_login)
    assert page.url == f"{live_server.url}{target_after_login}"
    assert page.locator("form[action='/accounts/logout/']").count() == 1

    page.goto(live_server.url + reverse("pipeline:kanban_default"))
    card = page.locator(f"[data-opportunity-id='{opportunity.pk}']")
    target_column = page.locator("ul.kanban-cards[data-stage-code='needs_analysis']")
    with page.expect_response(lambda response: "/move/" in response.url) as move_response:
        drag(page, card, target_column)

    assert move_response.value.status == 200
    expect(target_column.locator(f"[data-opportunity-id='{opportunity.pk}']")).to_have_count(1)
    assert Opportunity.objects.get(pk=opportunity.pk).stage == stages["needs_analysis"]
    last = StageInterval.objects.filter(opportunity=opportunity).latest("entered_at")
    assert last.source == MoveSource.KANBAN
    assert last.actor == manager

    page.goto(live_server.url + reverse("crm:opportunity_detail", args=[opportunity.pk]))
    history_rows = page.locator("table.stage-history tbody tr")
    assert history_rows.count() == 2
    assert history_rows.nth(1).get_attribute("data-stage") == "needs_analysis"
    assert "需求确认" in history_rows.nth(1).inner_text()
    assert "看板" in history_rows.nth(1).inner_text()


def test_cancelled_backward_drag_springs_back(live_server, page, stages):
    rep = UserFactory(username="rep.wang")
    opportunity = make_opportunity(owner=rep, name="中山医院CT", stage_code="solution_demo")
    sign_in(page, live_server, rep.username, reverse("pipeline:kanban_default"))

    card = page.locator(f"[data-opportunity-id='{opportunity.pk}']")
    drag(page, card, page.locator("ul.kanban-cards[data-stage-code='initial_contact']"))
    dialog = page.locator("#kanban-reason-dialog")
    dialog.wait_for(state="visible")
    assert "你正在把 中山医院CT 从 方案演示 回退到 初步接洽，请填写原因。" in dialog.inner_text()
    dialog.locator("button[value=cancel]").click()

    source_column = page.locator("ul.kanban-cards[data-stage-code='solution_demo']")
    # The card is put back after the dialog closes; wait for it rather than racing it.
    expect(source_column.locator(f"[data-opportunity-id='{opportunity.pk}']")).to_have_count(1)
    assert Opportunity.objects.get(pk=opportunity.pk).stage == stages["solution_demo"]
    assert StageInterval.objects.filter(opportunity=opportunity).count() == 1


def test_conflicting_drag_springs_back_with_message(live_server, page, stages):
    rep = UserFactory(username="rep.zhao")
    opportunity = make_opportunity(owner=rep, name="华山医院MRI")
    sign_in(page, live_server, rep.username, reverse("pipeline:kanban_default"))
    # Someone else moves the deal after the board was loaded.
    move_opportunity_to_stage(
        opportunity=opportunity,
        to_stage=stages["solution_demo"],
        actor=None,
        source=MoveSource.FORM,
    )

    card = page.locator(f"[data-opportunity-id='{opportunity.pk}']")
    with page.expect_response(lambda response: "/move/" in response.url) as move_response:
        drag(page, card, page.locator("ul.kanban-cards[data-stage-code='needs_analysis']"))

    assert move_response.value.status == 409
    dialog = page.locator("#kanban-error-dialog")
    dialog.wait_for(state="visible")
    assert (
        "商机 华山医院MRI 已被他人移动，当前处于 方案演示 阶段，请刷新后重试。"
        in dialog.inner_text()
    )
    source_column = page.locator("ul.kanban-cards[data-stage-code='initial_contact']")
    expect(source_column.locator(f"[data-opportunity-id='{opportunity.pk}']")).to_have_count(1)
    assert Opportunity.objects.get(pk=opportunity.pk).stage == stages["solution_demo"]
