import datetime as dt

import pytest
from django.urls import reverse

from salespulse.accounts.models import Role
from salespulse.campaigns import selectors, services, views
from salespulse.campaigns.models import CampaignStatus, CaseStatus, CaseSubmission
from tests.campaigns.factories import (
    CampaignFactory,
    CaseFactory,
    ProductFactory,
    SceneFactory,
    local_today,
    make_manager,
    make_rep,
    tiny_mp4,
    video_upload,
    zip_bytes,
)
from tests.factories import RegionFactory, UserFactory

pytestmark = pytest.mark.django_db

TWO_GB = 2 * 1024**3


class UnreadableBody:
    """A request body that fails the test if the server reads any of it."""

    read_attempted = False

    def read(self, *args):
        UnreadableBody.read_attempted = True
        raise AssertionError("the request body must not be read")

    def readline(self, *args):
        return self.read()


def test_board_lists_campaign_in_scope(client):
    rep = make_rep()
    campaign = CampaignFactory(name="凝血分析仪百日攻坚")
    client.force_login(rep)

    response = client.get(reverse("campaigns:board"))

    assert response.status_code == 200
    assert campaign.name in response.content.decode()


def test_board_hides_campaign_out_of_scope(client):
    campaign = CampaignFactory(name="西区专属攻坚", scope_regions=[RegionFactory()])
    client.force_login(make_rep())

    response = client.get(reverse("campaigns:board"))

    assert campaign.name not in response.content.decode()


def test_campaign_out_of_scope_is_404(client):
    campaign = CampaignFactory(scope_regions=[RegionFactory()])
    client.force_login(make_rep())

    response = client.get(reverse("campaigns:campaign_detail", args=[campaign.pk]))

    assert response.status_code == 404


def test_campaign_page_shows_133_3_percent(client):
    rep = make_rep()
    campaign = CampaignFactory(starts_on=local_today() - dt.timedelta(days=14), weekly_quota=5)
    CaseFactory.create_batch(20, campaign=campaign, rep=rep)
    client.force_login(rep)

    response = client.get(reverse("campaigns:campaign_detail", args=[campaign.pk]))

    assert '<strong data-testid="my-achievement">133.3%</strong>' in response.content.decode()


def test_board_search_finds_case_by_bigrams(client):
    case = CaseFactory(script="主任问凝血检测要多久出结果")
    client.force_login(make_rep())

    response = client.get(reverse("campaigns:board"), {"q": "凝血检测"})

    assert f'data-case="{case.pk}"' in response.content.decode()


def test_scoring_page_states_formula(client):
    client.force_login(make_rep())

    response = client.get(reverse("campaigns:scoring"))

    assert "0.5<sup>" in response.content.decode()


def test_upload_page_renders_for_rep(client):
    campaign = CampaignFactory()
    client.force_login(make_rep())

    response = client.get(reverse("campaigns:case_new", args=[campaign.pk]))

    assert response.status_code == 200
    assert 'enctype="multipart/form-data"' in response.content.decode()


def test_upload_submits_case(client):
    rep = make_rep()
    campaign = CampaignFactory()
    client.force_login(rep)

    response = client.post(
        reverse("campaigns:case_new", args=[campaign.pk]),
        {"video": video_upload("门诊拜访.mp4"), "script": "主任您好", "action": "submit"},
    )

    case = CaseSubmission.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("campaigns:case_detail", args=[case.pk])
    assert case.status == CaseStatus.SUBMITTED


def test_upload_form_posted_twice_creates_one_case(client):
    rep = make_rep()
    campaign = CampaignFactory()
    client.force_login(rep)
    page = client.get(reverse("campaigns:case_new", args=[campaign.pk]))
    token = page.context["form"]["upload_token"].value()

    for _tap in range(2):
        response = client.post(
            reverse("campaigns:case_new", args=[campaign.pk]),
            {"video": video_upload(), "script": "话术", "action": "submit", "upload_token": token},
        )

    [case] = CaseSubmission.objects.filter(rep=rep)
    assert response.status_code == 302
    assert response["Location"] == reverse("campaigns:case_detail", args=[case.pk])


def test_upload_of_zip_named_mp4_shows_clear_message(client):
    campaign = CampaignFactory()
    client.force_login(make_rep())

    response = client.post(
        reverse("campaigns:case_new", args=[campaign.pk]),
        {"video": video_upload("门诊拜访.mp4", zip_bytes()), "script": "主任您好", "action": "submit"},
    )

    assert response.status_code == 400
    assert (
        "门诊拜访.mp4 不是本页面接受的视频：文件内容是 ZIP。请上传 MP4、MOV 或 WebM 格式的文件。"
        in response.content.decode()
    )
    assert CaseSubmission.objects.count() == 0


def test_declared_two_gb_upload_rejected_without_reading_body(client):
    campaign = CampaignFactory()
    client.force_login(make_rep())
    UnreadableBody.read_attempted = False

    response = client.generic(
        "POST",
        reverse("campaigns:case_new", args=[campaign.pk]),
        **{
            "wsgi.input": UnreadableBody(),
            "CONTENT_LENGTH": str(TWO_GB),
            "CONTENT_TYPE": "multipart/form-data; boundary=BOUNDARY",
        },
    )

    assert response.status_code == 413
    assert UnreadableBody.read_attempted is False
    # filesizeformat joins number and unit with a no-break space.
    assert "上传的内容超过 200.0\xa0MB，即案例视频的大小上限。" in response.content.decode()
    assert CaseSubmission.objects.count() == 0


def test_oversized_file_stopped_by_handler(client, settings):
    settings.CAMPAIGN_VIDEO_MAX_BYTES = 1000
    campaign = CampaignFactory()
    client.force_login(make_rep())

    response = client.post(
        reverse("campaigns:case_new", args=[campaign.pk]),
        {"video": video_upload("长视频.mp4", tiny_mp4() + b"\x00" * 5000), "script": "话术", "action": "submit"},
    )

    assert response.status_code == 413
    assert "长视频.mp4" in response.content.decode()
    assert CaseSubmission.objects.count() == 0


def test_upload_by_manager_is_forbidden(client):
    campaign = CampaignFactory()
    client.force_login(make_manager(make_rep().team))

    response = client.get(reverse("campaigns:case_new", args=[campaign.pk]))

    assert response.status_code == 403


def _stored_case():
    rep = make_rep()
    return services.save_case(
        actor=rep, campaign=CampaignFactory(), video_file=video_upload(), script="话术", submit=True
    )


def test_video_streams_whole_file(client):
    case = _stored_case()
    client.force_login(make_rep())

    response = client.get(reverse("campaigns:case_video", args=[case.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "video/mp4"
    assert b"".join(response.streaming_content) == tiny_mp4()


def test_video_serves_byte_range(client):
    case = _stored_case()
    client.force_login(make_rep())

    response = client.get(reverse("campaigns:case_video", args=[case.pk]), headers={"Range": "bytes=4-11"})

    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 4-11/{len(tiny_mp4())}"
    assert b"".join(response.streaming_content) == tiny_mp4()[4:12]


def test_video_range_beyond_end_is_416(client):
    case = _stored_case()
    client.force_login(make_rep())

    response = client.get(reverse("campaigns:case_video", args=[case.pk]), headers={"Range": "bytes=9999-"})

    assert response.status_code == 416


def test_video_of_campaign_out_of_scope_is_404(client):
    case = _stored_case()
    case.campaign.regions.set([RegionFactory()])
    client.force_login(make_rep())

    response = client.get(reverse("campaigns:case_video", args=[case.pk]))

    assert response.status_code == 404


def test_case_page_counts_view_and_offers_reuse(client):
    case = CaseFactory()
    client.force_login(make_rep())

    response = client.get(reverse("campaigns:case_detail", args=[case.pk]))

    case.refresh_from_db()
    assert case.view_count == 1
    assert 'data-testid="reuse-case"' in response.content.decode()


def test_reuse_button_redirects_to_prefilled_draft(client):
    case = CaseFactory(script="先问主任每天的标本量。")
    client.force_login(make_rep())

    response = client.post(reverse("campaigns:case_reuse", args=[case.pk]))

    draft = CaseSubmission.objects.get(source_case=case)
    assert response["Location"] == reverse("campaigns:case_edit", args=[draft.pk])
    assert "先问主任每天的标本量。" in client.get(response["Location"]).content.decode()


def test_manager_endorses_through_page(client):
    rep = make_rep()
    case = CaseFactory(rep=rep)
    client.force_login(make_manager(rep.team))

    response = client.post(reverse("campaigns:case_endorse", args=[case.pk]))

    assert response.status_code == 302
    assert case.endorsements.count() == 1


def test_ops_creates_campaign_through_form(client):
    client.force_login(UserFactory(role=Role.OPS))
    product = ProductFactory()

    response = client.post(
        reverse("campaigns:campaign_create"),
        {
            "product": product.pk,
            "name": "凝血分析仪百日攻坚",
            "starts_on": "2026-03-02",
            "ends_on": "2026-06-09",
            "weekly_quota": "1",
            "ranks": ["junior", "senior"],
            "scenes": "科室主任拜访\n招标答疑",
        },
    )

    assert response.status_code == 302
    campaign = product.campaigns.get()
    assert campaign.status == CampaignStatus.DRAFT
    assert campaign.ranks == ["junior", "senior"]


def test_rep_cannot_open_campaign_form(client):
    client.force_login(make_rep())

    response = client.get(reverse("campaigns:campaign_create"))

    assert response.status_code == 403


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("", None),
        ("bytes=0-", (0, 99)),
        ("bytes=10-19", (10, 19)),
        ("bytes=90-500", (90, 99)),
        ("bytes=-10", (90, 99)),
        ("bytes=0-1,5-6", None),
        ("items=0-5", None),
    ],
)
def test_parse_range_reads_single_byte_range(header, expected):
    assert views.parse_range(header, 100) == expected


def test_parse_range_beyond_end_raises():
    with pytest.raises(ValueError):
        views.parse_range("bytes=100-", 100)


def test_board_search_htmx_returns_results_only(client):
    case = CaseFactory(script="主任问凝血检测要多久出结果")
    client.force_login(make_rep())

    response = client.get(
        reverse("campaigns:board"), {"q": "凝血检测"}, headers={"HX-Request": "true", "HX-Target": "case-results"}
    )

    body = response.content.decode()
    assert body.lstrip().startswith('<div id="case-results">')
    assert f'data-case="{case.pk}"' in body


@pytest.mark.parametrize("campaigns", [1, 3, 8])
def test_board_query_count_does_not_depend_on_campaign_count(client, django_assert_num_queries, campaigns):
    rep = make_rep()
    for _ in range(campaigns):
        CaseFactory.create_batch(3, campaign=CampaignFactory())
    client.force_login(rep)

    with django_assert_num_queries(15):
        response = client.get(reverse("campaigns:board"))

    assert response.content.decode().count('data-testid="achievement"') == campaigns


def test_campaign_page_query_count_is_fixed(client, django_assert_num_queries):
    rep = make_rep()
    campaign = CampaignFactory()
    CaseFactory.create_batch(5, campaign=campaign)
    client.force_login(rep)

    with django_assert_num_queries(26):
        client.get(reverse("campaigns:campaign_detail", args=[campaign.pk]))


def test_ops_edit_form_shows_saved_scenes(client):
    campaign = CampaignFactory()
    campaign.scenes.set([SceneFactory(name="招标答疑")])
    client.force_login(UserFactory(role=Role.OPS))

    response = client.get(reverse("campaigns:campaign_edit", args=[campaign.pk]))

    assert response.status_code == 200
    assert "招标答疑" in response.content.decode()


def test_english_page_shows_english_labels(client):
    campaign = CampaignFactory()
    client.force_login(make_rep())
    client.cookies["django_language"] = "en"

    response = client.get(reverse("campaigns:campaign_detail", args=[campaign.pk]))

    assert "My achievement" in response.content.decode()


def test_upload_without_csrf_token_is_rejected():
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(make_rep())
    campaign = CampaignFactory()

    response = client.post(
        reverse("campaigns:case_new", args=[campaign.pk]),
        {"video": video_upload(), "script": "话术", "action": "submit"},
    )

    assert response.status_code == 403
    assert CaseSubmission.objects.count() == 0


# --- rep ranks -------------------------------------------------------------------------------


def test_ops_sets_a_rep_rank(client):
    ops, rep = UserFactory(role=Role.OPS), make_rep()
    client.force_login(ops)

    response = client.post(reverse("campaigns:rep_ranks"), {"rep": rep.pk, "rank": "senior"})

    assert response.status_code == 302
    assert selectors.rank_of(rep) == "senior"


def test_rank_page_lists_reps_with_their_rank(client):
    ops, rep = UserFactory(role=Role.OPS), make_rep(rank="key_account")
    client.force_login(ops)

    page = client.get(reverse("campaigns:rep_ranks")).content.decode()

    assert f'<tr data-rep="{rep.pk}">' in page
    assert '<option value="key_account" selected>' in page


def test_rep_may_not_set_ranks(client):
    rep = make_rep()
    client.force_login(rep)

    response = client.post(reverse("campaigns:rep_ranks"), {"rep": rep.pk, "rank": "key_account"})

    assert response.status_code == 403
    assert selectors.rank_of(rep) == "junior"


@pytest.mark.parametrize(("rep_field", "rank"), [("rep", "general"), ("ops", "senior"), ("nonsense", "senior")])
def test_invalid_rank_or_user_is_reported(client, rep_field, rank):
    ops, rep = UserFactory(role=Role.OPS), make_rep()
    client.force_login(ops)
    target = {"rep": rep.pk, "ops": ops.pk, "nonsense": "x"}[rep_field]

    response = client.post(reverse("campaigns:rep_ranks"), {"rep": target, "rank": rank}, follow=True)

    (message,) = response.context["messages"]
    assert message.level_tag == "error"
    assert selectors.rank_of(rep) == "junior"
