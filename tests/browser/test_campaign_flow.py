"""Phone flow: a rep uploads a case, a colleague reuses it, reuse count and TOP 10 follow."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from salespulse.campaigns.models import CaseStatus, CaseSubmission
from tests.browser.test_kanban_drag import sign_in
from tests.campaigns.factories import CampaignFactory, make_rep, tiny_mp4
from tests.factories import TeamFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

OVERFLOW_SCRIPT = "() => [document.documentElement.scrollWidth, window.innerWidth]"


@pytest.fixture(autouse=True)
def media_storage(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _video(name: str) -> dict:
    return {"name": name, "mimeType": "video/mp4", "buffer": tiny_mp4()}


def test_phone_upload_reuse_updates_count_and_top_ten(live_server, browser, phone_page):
    team = TeamFactory()
    author = make_rep(team=team, username="rep.author", display_name="张敏")
    make_rep(team=team, username="rep.colleague", display_name="李强")
    campaign = CampaignFactory(name="凝血分析仪百日攻坚")

    sign_in(phone_page, live_server, author.username, reverse("campaigns:campaign_detail", args=[campaign.pk]))
    phone_page.get_by_test_id("upload-case").click()
    phone_page.set_input_files("input[name=video]", _video("门诊拜访.mp4"))
    phone_page.fill("textarea[name=script]", "主任您好，这台凝血分析仪每小时能做两百个测试。")
    page_width, viewport = phone_page.evaluate(OVERFLOW_SCRIPT)
    assert page_width <= viewport
    assert phone_page.get_by_test_id("submit-case").bounding_box()["height"] >= 44
    phone_page.get_by_test_id("submit-case").click()
    expect(phone_page.get_by_test_id("case-script")).to_have_text("主任您好，这台凝血分析仪每小时能做两百个测试。")
    original = CaseSubmission.objects.get(rep=author)
    assert original.status == CaseStatus.SUBMITTED
    page_width, viewport = phone_page.evaluate(OVERFLOW_SCRIPT)
    assert page_width <= viewport == 390

    colleague_context = browser.new_context(
        locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    colleague_context.set_default_timeout(10_000)
    colleague = colleague_context.new_page()
    sign_in(colleague, live_server, "rep.colleague", reverse("campaigns:case_detail", args=[original.pk]))
    colleague.get_by_test_id("reuse-case").click()
    expect(colleague.locator("textarea[name=script]")).to_have_value("主任您好，这台凝血分析仪每小时能做两百个测试。")
    colleague.fill("textarea[name=script]", "主任您好，这台凝血分析仪每小时能做两百个测试，和您现有的LIS也能对接。")
    colleague.set_input_files("input[name=video]", _video("我的拜访.mp4"))
    colleague.get_by_test_id("submit-case").click()
    expect(colleague.get_by_test_id("case-script")).to_contain_text("LIS")
    page_width, viewport = colleague.evaluate(OVERFLOW_SCRIPT)
    assert page_width <= viewport
    colleague_context.close()

    phone_page.goto(f"{live_server.url}{reverse('campaigns:case_detail', args=[original.pk])}")
    expect(phone_page.get_by_test_id("reuse-count")).to_have_text("1 位同事")

    phone_page.goto(f"{live_server.url}{reverse('campaigns:board')}")
    first = phone_page.locator("[data-testid=top-group] .case-row").first
    expect(first).to_have_attribute("data-case", str(original.pk))
    expect(first.get_by_test_id("reuse-count")).to_have_text("被 1 位同事复用")
    page_width, viewport = phone_page.evaluate(OVERFLOW_SCRIPT)
    assert page_width <= viewport
