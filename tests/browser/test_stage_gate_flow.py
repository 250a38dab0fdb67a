"""The default medical-device gate end to end: blocked drag, fix the evidence, drag again."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from salespulse.crm.models import Opportunity
from salespulse.pipeline.models import Attachment, MoveSource, Objection, StageInterval
from tests.browser.test_kanban_drag import drag, sign_in
from tests.factories import UserFactory, make_opportunity
from tests.pipeline.gate_helpers import EVIDENCE

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

OBJECTIONS = [
    ("price", "报价比竞品高8%", "提供三年免费维保"),
    ("compatibility", "担心与现有PACS不兼容", "出具接口对接方案"),
    ("approval", "需院长办公会审批", "协助准备论证材料"),
]


def column(page, code):
    return page.locator(f"ul.kanban-cards[data-stage-code='{code}']")


def drag_to_contract_drafting(page, opportunity):
    card = page.locator(f"[data-opportunity-id='{opportunity.pk}']")
    with page.expect_response(lambda response: "/move/" in response.url) as move_response:
        drag(page, card, column(page, "contract_drafting"))
    return move_response.value


def test_contract_gate_blocks_until_evidence_exists(live_server, page, stages):
    rep = UserFactory(username="rep.chen")
    opportunity = make_opportunity(owner=rep, name="仁济医院超声", stage_code="solution_demo")
    kanban_url = reverse("pipeline:kanban_default")
    sign_in(page, live_server, rep.username, kanban_url)

    response = drag_to_contract_drafting(page, opportunity)

    assert response.status == 422
    dialog = page.locator("#kanban-error-dialog")
    dialog.wait_for(state="visible")
    codes = dialog.locator("[data-unmet-list] > li").evaluate_all("items => items.map(item => item.dataset.code)")
    assert codes == ["attachment_missing", "objections_missing"]
    assert "技术参数确认书" in dialog.inner_text()
    expect(column(page, "solution_demo").locator(f"[data-opportunity-id='{opportunity.pk}']")).to_have_count(1)
    assert Opportunity.objects.get(pk=opportunity.pk).stage == stages["solution_demo"]
    assert StageInterval.objects.filter(opportunity=opportunity).count() == 1

    dialog.locator("li[data-code='attachment_missing'] a").click()
    page.wait_for_load_state()
    assert "document_type=tech_confirmation" in page.url
    upload_form = page.locator("#evidence-upload")
    assert upload_form.locator("select[name=document_type] option:checked").inner_text().startswith("技术参数确认书")
    upload_form.locator("input[name=file]").set_input_files(str(EVIDENCE / "signed_confirmation.pdf"))
    upload_form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("table.attachments").inner_text().count("signed_confirmation.pdf") == 1

    for category, words, answer in OBJECTIONS:
        form = page.locator("#objection-add")
        form.locator("select[name=category]").select_option(category)
        form.locator("textarea[name=customer_words]").fill(words)
        form.locator("textarea[name=response]").fill(answer)
        form.locator("button[type=submit]").click()
        page.wait_for_load_state()
    assert page.locator("table.objections tbody tr[data-objection-id]").count() == 3
    assert Attachment.objects.filter(opportunity=opportunity).count() == 1
    assert Objection.objects.filter(opportunity=opportunity).exclude(response="").count() == 3

    page.goto(live_server.url + kanban_url)
    response = drag_to_contract_drafting(page, opportunity)

    assert response.status == 200
    assert column(page, "contract_drafting").locator(f"[data-opportunity-id='{opportunity.pk}']").count() == 1
    assert Opportunity.objects.get(pk=opportunity.pk).stage == stages["contract_drafting"]
    last = StageInterval.objects.filter(opportunity=opportunity).latest("entered_at")
    assert (last.stage, last.source, last.actor) == (stages["contract_drafting"], MoveSource.KANBAN, rep)

    page.goto(live_server.url + reverse("crm:opportunity_detail", args=[opportunity.pk]))
    history_rows = page.locator("table.stage-history tbody tr")
    assert history_rows.count() == 2
    assert history_rows.nth(1).get_attribute("data-stage") == "contract_drafting"
    assert "合同拟定" in history_rows.nth(1).inner_text()


def test_renamed_executable_upload_is_rejected(live_server, page, stages):
    rep = UserFactory(username="rep.sun")
    opportunity = make_opportunity(owner=rep, name="华西医院MRI", stage_code="solution_demo")
    detail_url = reverse("crm:opportunity_detail", args=[opportunity.pk])
    sign_in(page, live_server, rep.username, detail_url)

    upload_form = page.locator("#evidence-upload")
    upload_form.locator("input[name=file]").set_input_files(str(EVIDENCE / "setup_renamed.pdf"))
    upload_form.locator("button[type=submit]").click()
    page.wait_for_load_state()

    assert "setup_renamed.pdf 不是允许的文件" in page.locator("#evidence-upload").inner_text()
    assert Attachment.objects.filter(opportunity=opportunity).count() == 0
