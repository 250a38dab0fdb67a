"""Playbook pages, the recommendation block of the opportunity page, and their query budget."""

import datetime as dt

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from salespulse.knowledge.models import TalkTrack, TalkTrackUse, UseOutcome
from salespulse.pipeline.evidence import record_objection
from salespulse.pipeline.models import Objection
from tests.factories import PASSWORD
from tests.knowledge.conftest import resolved_objection
from tests.knowledge.corpus import TRACKS

LIS_WORDS = "设备和现有LIS系统不兼容"


def _login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


def test_playbook_lists_tracks_for_rep(client, playbook, workspace):
    _login(client, workspace.users["rep_east1"])

    response = client.get(reverse("knowledge:playbook"))

    assert response.status_code == 200
    assert "与医院LIS对接" in response.content.decode()
    assert reverse("knowledge:track_create") not in response.content.decode()


def test_playbook_search_returns_results_block_for_htmx(client, playbook, workspace):
    _login(client, workspace.users["rep_east1"])

    response = client.get(reverse("knowledge:playbook"), {"q": "预算"}, headers={"HX-Request": "true"})
    page = response.content.decode()

    assert response.status_code == 200
    assert "今年没有预算" in page
    assert "与医院LIS对接" not in page
    assert "<html" not in page


def test_playbook_pages_its_tracks(client, playbook, workspace, monkeypatch):
    monkeypatch.setattr("salespulse.knowledge.views.TRACKS_PER_PAGE", 10)
    _login(client, workspace.users["rep_east1"])

    first = client.get(reverse("knowledge:playbook")).content.decode()
    last = client.get(reverse("knowledge:playbook"), {"page": 3}).content.decode()

    assert first.count('class="card talk-track"') == 10
    assert last.count('class="card talk-track"') == len(TRACKS) - 20
    assert "第 3 / 3 页" in last


def test_playbook_page_keeps_the_search(client, playbook, workspace, monkeypatch):
    monkeypatch.setattr("salespulse.knowledge.views.TRACKS_PER_PAGE", 1)
    _login(client, workspace.users["rep_east1"])

    page = client.get(reverse("knowledge:playbook"), {"q": "预算"}).content.decode()

    assert "q=%E9%A2%84%E7%AE%97&amp;page=2" in page


def test_rep_gets_403_on_create_page(client, workspace):
    _login(client, workspace.users["rep_east1"])

    response = client.post(
        reverse("knowledge:track_create"),
        {"category": "price", "title": "t", "objection_text": "贵", "response": "r", "status": "published"},
    )

    assert response.status_code == 403
    assert "只有销售运营和管理员可以编写或修改话术。" in response.content.decode()
    assert not TalkTrack.objects.exists()


def test_ops_creates_track_through_form(client, workspace):
    _login(client, workspace.users["ops"])

    response = client.post(
        reverse("knowledge:track_create"),
        {
            "category": "price",
            "title": "价格太高",
            "objection_text": "太贵了",
            "response": "算总成本。",
            "status": "published",
        },
    )

    track = TalkTrack.objects.get()
    assert response.status_code == 302
    assert track.title == "价格太高"
    assert track.author == workspace.users["ops"]


def test_ops_edit_form_shows_error_for_blank_response(client, playbook, workspace):
    _login(client, workspace.users["ops"])
    track = playbook["tender"]

    response = client.post(
        reverse("knowledge:track_edit", args=[track.pk]),
        {
            "category": track.category,
            "title": track.title,
            "objection_text": "x",
            "response": "",
            "status": "published",
        },
    )

    assert response.status_code == 400
    track.refresh_from_db()
    assert track.objection_text != "x"


def test_manager_promote_list_shows_own_team_only(client, workspace):
    own = resolved_objection(workspace.opportunities["rep_east1b"], "LIS对接不上", hours=3)
    other = resolved_objection(workspace.opportunities["rep_north1"], "太贵了", hours=3)
    _login(client, workspace.users["manager_east1"])

    page = client.get(reverse("knowledge:promote_list")).content.decode()

    assert f'data-objection-id="{own.pk}"' in page
    assert f'data-objection-id="{other.pk}"' not in page


def test_manager_promotes_through_button(client, workspace):
    objection = resolved_objection(workspace.opportunities["rep_east1b"], "LIS对接不上", hours=3)
    _login(client, workspace.users["manager_east1"])

    response = client.post(reverse("knowledge:promote", args=[objection.pk]), {"title": ""})

    assert response.status_code == 302
    assert TalkTrack.objects.get().source_objection == objection


def test_manager_gets_403_promoting_other_team(client, workspace):
    objection = resolved_objection(workspace.opportunities["rep_north1"], "太贵了", hours=3)
    _login(client, workspace.users["manager_east1"])

    response = client.post(reverse("knowledge:promote", args=[objection.pk]))

    assert response.status_code == 403
    assert not TalkTrack.objects.exists()


def test_opportunity_page_shows_recommendation(client, playbook, workspace):
    opportunity = workspace.opportunities["rep_east1"]
    record_objection(
        actor=opportunity.owner, opportunity=opportunity, category="compatibility", customer_words=LIS_WORDS
    )
    _login(client, workspace.users["rep_east1"])

    page = client.get(reverse("crm:opportunity_detail", args=[opportunity.pk])).content.decode()

    assert 'id="recommendations"' in page
    assert f'data-track-id="{playbook["lis_interface"].pk}"' in page


def test_used_this_then_resolved(client, playbook, workspace):
    opportunity = workspace.opportunities["rep_east1"]
    objection = record_objection(
        actor=opportunity.owner, opportunity=opportunity, category="compatibility", customer_words=LIS_WORDS
    )
    track = playbook["lis_interface"]
    _login(client, workspace.users["rep_east1"])

    response = client.post(
        reverse("knowledge:use_track", args=[track.pk]), {"opportunity": opportunity.pk, "objection": objection.pk}
    )
    use = TalkTrackUse.objects.get()
    client.post(reverse("knowledge:use_resolved", args=[use.pk]))

    assert response.status_code == 302
    assert response["Location"].endswith("#recommendations")
    use.refresh_from_db()
    assert use.objection == objection
    assert use.outcome == UseOutcome.RESOLVED


def test_use_on_other_reps_opportunity_is_404(client, playbook, workspace):
    _login(client, workspace.users["rep_east1"])

    response = client.post(
        reverse("knowledge:use_track", args=[playbook["lis_interface"].pk]),
        {"opportunity": workspace.opportunities["rep_north1"].pk},
    )

    assert response.status_code == 404
    assert not TalkTrackUse.objects.exists()


def _render_fragment(user, opportunity) -> str:
    request = RequestFactory().get("/")
    request.user = user
    template = Template("{% load knowledge_tags %}{% objection_recommendations opportunity %}")
    return template.render(Context({"request": request, "opportunity": opportunity}))


# Open objections, signals, the talk-track corpus, the resolved-objection corpus, the
# similar objections, the candidate tracks, their uses, uses on this deal, visible customers.
FRAGMENT_QUERIES = 9


@pytest.mark.parametrize("objection_count", [1, 3])
def test_fragment_query_count_is_fixed(playbook, workspace, django_assert_num_queries, objection_count):
    opportunity = workspace.opportunities["rep_east1"]
    for username in ("rep_east1b", "rep_east2", "rep_north1"):
        resolved_objection(workspace.opportunities[username], "LIS接口对接不上", hours=4)
        resolved_objection(workspace.opportunities[username], "太贵了", hours=4, category="price")
    objections = [(LIS_WORDS, "compatibility"), ("太贵了", "price"), ("今年没预算", "budget")][:objection_count]
    for words, category in objections:
        record_objection(actor=opportunity.owner, opportunity=opportunity, category=category, customer_words=words)
    opportunity.refresh_from_db()
    user = workspace.users["manager_east1"]

    with django_assert_num_queries(FRAGMENT_QUERIES):
        html = _render_fragment(user, opportunity)

    assert html.count('class="recommendation"') == objection_count
    assert html.count("data-colleague-id") >= objection_count


def test_playbook_page_query_count(client, playbook, workspace, django_assert_num_queries):
    resolved = resolved_objection(workspace.opportunities["rep_east1b"], "LIS对接不上", hours=3)
    from salespulse.knowledge.services import promote_objection

    promote_objection(actor=workspace.users["ops"], objection=resolved)
    _login(client, workspace.users["rep_east1"])
    client.get(reverse("knowledge:playbook"))

    # Session, user, the search corpus, matching tracks with use counts, visible customers,
    # category counts.
    with django_assert_num_queries(6):
        response = client.get(reverse("knowledge:playbook"), {"q": "LIS"})

    assert response.status_code == 200


def test_rep_posting_used_this_for_draft_gets_404_without_its_title(client, workspace):
    draft = TalkTrack.objects.create(
        category="price", title="内部草稿：底价", objection_text="太贵了", response="底价八折", status="draft"
    )
    opportunity = workspace.opportunities["rep_east1"]
    _login(client, workspace.users["rep_east1"])

    response = client.post(reverse("knowledge:use_track", args=[draft.pk]), {"opportunity": opportunity.pk})
    page = client.get(reverse("crm:opportunity_detail", args=[opportunity.pk])).content.decode()

    assert response.status_code == 404
    assert "内部草稿" not in page
    assert not TalkTrackUse.objects.exists()


def test_finance_sees_recommendations_without_used_this_button(playbook, workspace):
    opportunity = workspace.opportunities["rep_east1"]
    record_objection(
        actor=opportunity.owner, opportunity=opportunity, category="compatibility", customer_words=LIS_WORDS
    )

    html = _render_fragment(workspace.users["finance"], opportunity)

    assert f'data-track-id="{playbook["lis_interface"].pk}"' in html
    assert reverse("knowledge:use_track", args=[playbook["lis_interface"].pk]) not in html


def test_promote_with_too_long_title_shows_length_and_promotes_nothing(client, workspace):
    objection = resolved_objection(workspace.opportunities["rep_east1b"], "LIS对接不上", hours=3)
    _login(client, workspace.users["manager_east1"])

    response = client.post(reverse("knowledge:promote", args=[objection.pk]), {"title": "长" * 300}, follow=True)

    assert "标题有 300 个字，请缩短到 120 个字以内。" in response.content.decode()
    assert not TalkTrack.objects.exists()


@pytest.mark.parametrize(
    "words",
    ["<script>alert('x')</script>太贵了", "太贵了<img src=x onerror=alert(1)>"],
)
def test_objection_and_track_markup_is_escaped_in_fragment(playbook, workspace, words):
    opportunity = workspace.opportunities["rep_east1"]
    record_objection(actor=opportunity.owner, opportunity=opportunity, category="price", customer_words=words)
    TalkTrack.objects.filter(pk=playbook["price_high"].pk).update(title=f"价格太高{words}", response=words)
    colleague = workspace.opportunities["rep_east2"]
    resolved_objection(colleague, words, hours=2, response=words, category="price")

    html = _render_fragment(workspace.users["rep_east1"], opportunity)

    assert "data-colleague-id" in html
    assert "<script>" not in html
    assert "<img" not in html


def _large_corpus(workspace, *, tracks: int, resolved: int) -> None:
    """Bulk-write ``tracks`` published talk tracks and ``resolved`` resolved objections spread over
    the workspace's other deals, built from the corpus words with a number so each text differs."""
    phrases = [(category, title, words, response) for category, title, words, response in TRACKS.values()]
    TalkTrack.objects.bulk_create(
        TalkTrack(
            category=category, title=f"{title}{number}", objection_text=f"{words}（第{number}条）", response=response
        )
        for number, (category, title, words, response) in enumerate(phrases * (tracks // len(phrases) + 1))
        if number < tracks
    )
    now = timezone.now()
    deals = [deal for name, deal in workspace.opportunities.items() if name != "rep_east1"]
    Objection.objects.bulk_create(
        Objection(
            opportunity=deals[number % len(deals)],
            stage=deals[number % len(deals)].stage,
            category=category,
            customer_words=f"{words}（案例{number}）",
            response=response,
            raised_at=now - dt.timedelta(hours=number % 200 + 2),
            resolved_at=now - dt.timedelta(hours=1),
        )
        for number, (category, _title, words, response) in enumerate(phrases * (resolved // len(phrases) + 1))
        if number < resolved
    )


def test_fragment_query_count_is_fixed_for_large_playbook(workspace, django_assert_num_queries):
    """500 tracks and 3,000 resolved objections: the same queries as a small playbook."""
    _large_corpus(workspace, tracks=500, resolved=3000)
    opportunity = workspace.opportunities["rep_east1"]
    for words, category in [(LIS_WORDS, "compatibility"), ("太贵了", "price"), ("今年没预算", "budget")]:
        record_objection(actor=opportunity.owner, opportunity=opportunity, category=category, customer_words=words)
    opportunity.refresh_from_db()

    with django_assert_num_queries(FRAGMENT_QUERIES):
        html = _render_fragment(workspace.users["manager_east1"], opportunity)

    assert html.count('class="recommendation"') == 3
    assert html.count("data-track-id") == 9


def test_htmx_search_with_too_long_query_shows_error_and_no_tracks(client, playbook, workspace):
    _login(client, workspace.users["rep_east1"])

    response = client.get(reverse("knowledge:playbook"), {"q": "太贵" * 60}, headers={"HX-Request": "true"})
    page = response.content.decode()

    assert response.status_code == 200
    assert "搜索：确保该变量包含不超过 100 字符 (目前字符数 120)。" in page
    assert "data-track-id" not in page
    assert "还没有话术。" not in page


def test_fragment_keeps_line_breaks_of_multiline_script(playbook, workspace):
    opportunity = workspace.opportunities["rep_east1"]
    record_objection(
        actor=opportunity.owner, opportunity=opportunity, category="compatibility", customer_words=LIS_WORDS
    )
    TalkTrack.objects.filter(pk=playbook["lis_interface"].pk).update(
        response="第一步：确认LIS厂商。\n第二步：约工程师。"
    )

    html = _render_fragment(workspace.users["rep_east1"], opportunity)

    assert "第一步：确认LIS厂商。<br>第二步：约工程师。" in html
