"""Funnel analyzer pages: results, JSON in the URL, drill-down evidence, XLSX export,
and their query budgets."""

import datetime as dt
import io
import json
from decimal import Decimal
from urllib.parse import parse_qs, urlparse

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.urls import reverse
from openpyxl import load_workbook

from salespulse.accounts.models import Role
from salespulse.crm.models import ActionType
from salespulse.pipeline.models import Attachment, DocumentType
from tests.analytics.analyzer_helpers import NOW, all_of, condition, deal, interaction, signal
from tests.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)
STUCK = all_of(
    condition("stage", "in", ["tech_evaluation"]),
    condition("days_in_stage", "gte", 5),
    condition("last_action", "in", ["proposal_sent"]),
)


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def team():
    team = TeamFactory(code="analyzer-team")
    return {
        "manager": UserFactory(username="mgr_an", role=Role.MANAGER, team=team),
        "rep": UserFactory(username="rep_an", display_name="陈晨", team=team),
        "other_manager": UserFactory(username="mgr_other", role=Role.MANAGER, team=TeamFactory()),
    }


def get_analyzer(client, spec=None, **params):
    query = dict(params)
    if spec is not None:
        query["q"] = json.dumps(spec, ensure_ascii=False)
    return client.get(reverse("analytics:analyzer"), query)


def stuck_deals(owner, count: int):
    deals = []
    for index in range(count):
        opportunity = deal(owner, name=f"卡住的商机{index}", in_stage_since=NOW - (6 + index) * DAY)
        interaction(opportunity, at=NOW - 2 * DAY, action=ActionType.PROPOSAL_SENT, refresh=False)
        deals.append(opportunity)
    from salespulse.crm.services import refresh_activity_facts

    refresh_activity_facts([opportunity.pk for opportunity in deals])
    return deals


# --- Results -------------------------------------------------------------------------


def test_manager_sees_team_results_with_totals(client, team):
    stuck_deals(team["rep"], 2)
    deal(team["rep"], name="刚进评估", in_stage_since=NOW - DAY)
    client.force_login(team["manager"])

    response = get_analyzer(client, STUCK)

    assert response.status_code == 200
    body = response.content.decode()
    assert "卡住的商机0" in body
    assert "卡住的商机1" in body
    assert "刚进评估" not in body
    assert response.context["summary"].deals == 2
    assert response.context["summary"].total_amount == Decimal("200000.00")
    assert '<span class="kpi" id="result-amount">¥200,000.00</span>' in body


def test_other_team_manager_sees_no_results(client, team):
    stuck_deals(team["rep"], 1)
    client.force_login(team["other_manager"])

    response = get_analyzer(client, STUCK)

    assert response.context["summary"].deals == 0
    assert "卡住的商机0" not in response.content.decode()


def test_analyzer_requires_sign_in(client):
    response = client.get(reverse("analytics:analyzer"))

    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_bad_json_in_url_shows_message(client, team):
    client.force_login(team["manager"])

    response = client.get(reverse("analytics:analyzer"), {"q": '{"op": "and", "conditions": [}'})

    assert response.status_code == 400
    body = response.content.decode()
    assert 'id="filter-errors"' in body
    assert "筛选条件不是有效的 JSON" in body
    # The text sent stays in the editor so it can be corrected.
    assert "{&quot;op&quot;: &quot;and&quot;, &quot;conditions&quot;: [}" in body


def test_filter_nested_thousands_deep_in_url_shows_message_not_server_error(client, team):
    client.force_login(team["manager"])

    response = client.get(reverse("analytics:analyzer"), {"q": '{"op":"and","conditions":[' * 700})

    assert response.status_code == 400
    assert "筛选条件的对象和列表嵌套了 1400 层；上限为 16 层。" in response.content.decode()


def test_invalid_filter_in_url_names_path(client, team):
    client.force_login(team["manager"])

    response = get_analyzer(client, all_of(condition("days_in_stage", "gte", "五")))

    assert response.status_code == 400
    assert "$.conditions[0].value" in response.content.decode()


def test_json_in_url_round_trips(client, team):
    client.force_login(team["manager"])
    spec = all_of(condition("stage", "in", ["tech_evaluation"]), condition("amount", "gte", 150000))

    response = get_analyzer(client, spec)

    link = response.context["link"]
    [q] = parse_qs(urlparse(link).query)["q"]
    assert json.loads(q) == all_of(
        condition("stage", "in", ["tech_evaluation"]), condition("amount", "gte", "150000")
    )
    again = client.get(urlparse(link).path, {"q": q})
    assert again.status_code == 200
    assert again.context["filter_text"] == q


def test_pages_beyond_the_last_show_the_last(client, team):
    stuck_deals(team["rep"], 3)
    client.force_login(team["manager"])

    response = get_analyzer(client, STUCK, page="99")

    assert response.context["page"].number == 1
    assert len(response.context["page"].rows) == 3


def test_results_page_query_count_does_not_grow(client, team, django_assert_max_num_queries):
    stuck_deals(team["rep"], 40)
    client.force_login(team["manager"])

    # Session and user, the stage-code check, saved views, the builder's seven choice lists,
    # the count and sum, the paginator's count and the page of rows.
    with django_assert_max_num_queries(14):
        response = get_analyzer(client, STUCK)

    assert len(response.context["page"].rows) == 40


# --- Drill-down ----------------------------------------------------------------------


@pytest.fixture
def evidence_deal(team):
    opportunity = deal(team["rep"], name="瑞金医院彩超", in_stage_since=NOW - 6 * DAY)
    chat = interaction(
        opportunity,
        at=NOW - 2 * DAY,
        text="<b>院长</b>说迈瑞的报价低8%，方案我们再看看",
        action=ActionType.PROPOSAL_SENT,
    )
    signal(chat, phrase="迈瑞的报价低8%", competitor="迈瑞")
    document_type = DocumentType.objects.get(code="tech_confirmation")
    Attachment.objects.create(
        opportunity=opportunity,
        document_type=document_type,
        file=ContentFile(b"%PDF-1.4", name="confirm.pdf"),
        original_name="技术确认.pdf",
        kind="pdf",
        size=8,
        sha256="0" * 64,
        uploaded_by=team["rep"],
        uploaded_at=NOW - DAY,
    )
    return opportunity


def test_drill_down_marks_tag_span_and_escapes_text(client, team, evidence_deal, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(team["manager"])

    response = client.get(reverse("analytics:analyzer_opportunity", args=[evidence_deal.pk]))

    body = response.content.decode()
    assert response.status_code == 200
    assert (
        '&lt;b&gt;院长&lt;/b&gt;说<mark class="tag" title="competitor_preference" data-tags="competitor_preference">'
        "迈瑞的报价低8%</mark>，方案我们再看看"
    ) in body
    assert "技术确认.pdf" in body
    assert 'data-stage="tech_evaluation"' in body and 'data-stage="initial_contact"' in body


def test_drill_down_hides_rejected_signals(client, team, evidence_deal):
    evidence_deal.signals.update(status="rejected")
    client.force_login(team["manager"])

    response = client.get(reverse("analytics:analyzer_opportunity", args=[evidence_deal.pk]))

    assert "<mark" not in response.content.decode()


def test_drill_down_of_invisible_deal_is_404(client, team, evidence_deal):
    client.force_login(team["other_manager"])

    response = client.get(reverse("analytics:analyzer_opportunity", args=[evidence_deal.pk]))

    assert response.status_code == 404


def test_drill_down_query_count_does_not_grow(client, team, django_assert_max_num_queries):
    opportunity = deal(team["rep"], name="多条沟通", in_stage_since=NOW - 6 * DAY)
    for index in range(30):
        at = NOW - index * dt.timedelta(hours=3)
        chat = interaction(opportunity, at=at, text=f"第{index}条：迈瑞来过", refresh=False)
        signal(chat, phrase="迈瑞", competitor="迈瑞")
    client.force_login(team["manager"])

    # Session and user, the deal, interactions, their signals, attachments, tag names, stage history.
    with django_assert_max_num_queries(8):
        response = client.get(reverse("analytics:analyzer_opportunity", args=[opportunity.pk]))

    assert response.content.decode().count("<mark ") == 30


# --- Export --------------------------------------------------------------------------


def export(client, spec):
    response = client.get(reverse("analytics:analyzer_export"), {"q": json.dumps(spec)})
    assert response.status_code == 200
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def test_export_writes_numbers_and_escapes_formulas(client, team):
    opportunity = deal(team["rep"], name="=HYPERLINK(\"http://x\",\"y\")", amount=Decimal("123456.78"),
                       in_stage_since=NOW - 6 * DAY)
    interaction(opportunity, at=NOW - 2 * DAY, action=ActionType.PROPOSAL_SENT)
    client.force_login(team["manager"])

    workbook = export(client, STUCK)

    sheet = workbook.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "商机"
    assert rows[1][0] == "'=HYPERLINK(\"http://x\",\"y\")"
    assert rows[1][4:6] == (6, 2)
    assert rows[1][6] == "已发方案"
    assert rows[1][8] == pytest.approx(123456.78)
    assert sheet.cell(2, 9).number_format == "0.00"
    assert workbook.worksheets[1].cell(1, 2).value == json.dumps(STUCK, ensure_ascii=False, separators=(",", ":"))


def test_export_drops_control_characters_then_escapes_formula(client, team):
    deal(team["rep"], name="\x0b=1+1\x01 报价", in_stage_since=NOW - 6 * DAY)
    client.force_login(team["manager"])

    workbook = export(client, all_of(condition("stage", "in", ["tech_evaluation"])))

    assert workbook.worksheets[0].cell(2, 1).value == "'=1+1 报价"


def test_export_of_bad_filter_is_400(client, team):
    client.force_login(team["manager"])

    response = client.get(reverse("analytics:analyzer_export"), {"q": "not json"})

    assert response.status_code == 400
    assert "筛选条件不是有效的 JSON" in response.content.decode()


@pytest.mark.parametrize("rows", [3, 40])
def test_export_query_count_does_not_grow(client, team, rows, django_assert_max_num_queries):
    stuck_deals(team["rep"], rows)
    client.force_login(team["manager"])

    # Session, user, the stage-code check and the one query the rows are read from.
    with django_assert_max_num_queries(4):
        workbook = export(client, STUCK)

    assert workbook.worksheets[0].max_row == rows + 1


def test_page_renders_in_english(client, team, settings):
    stuck_deals(team["rep"], 1)
    client.force_login(team["manager"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = get_analyzer(client, STUCK)

    body = response.content.decode()
    assert "<h1>Funnel analyzer</h1>" in body
    assert "Technical evaluation" in body
    options = response.context["builder_options"]
    assert options["labels"]["or"] == "Any of these (OR)"
    assert {"value": "proposal_sent", "label": "Proposal sent"} in options["fields"][4]["choices"]


def test_rep_without_team_sees_no_share_option(client):
    rep = UserFactory(username="solo_rep", team=None, region=None)
    client.force_login(rep)

    response = client.get(reverse("analytics:analyzer"))

    assert response.status_code == 200
    assert 'name="shared"' not in response.content.decode()
