import datetime as dt
import uuid

import pytest
from django.core.files.storage import default_storage

from salespulse.accounts.models import Role
from salespulse.campaigns import selectors, services
from salespulse.campaigns.models import CampaignStatus, CaseStatus, CaseSubmission, CaseView, Endorsement
from salespulse.core.errors import Conflict, DomainError, PermissionDenied
from tests.campaigns.factories import (
    CampaignFactory,
    CaseFactory,
    ProductFactory,
    ProductLineFactory,
    install_fake_ffmpeg,
    make_manager,
    make_rep,
    video_upload,
    zip_bytes,
)
from tests.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_submit_stores_video_through_storage():
    rep = make_rep()
    campaign = CampaignFactory()

    case = services.save_case(
        actor=rep, campaign=campaign, video_file=video_upload("拜访.mp4"), script="主任您好", submit=True
    )

    assert case.status == CaseStatus.SUBMITTED
    assert case.video_content_type == "video/mp4"
    assert case.video_name == "拜访.mp4"
    assert case.video.name.endswith(".mp4")
    assert default_storage.exists(case.video.name)


def test_submit_without_ffmpeg_keeps_duration_empty(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    rep = make_rep()

    case = services.save_case(
        actor=rep, campaign=CampaignFactory(), video_file=video_upload(), script="话术", submit=True
    )

    assert case.duration_seconds is None
    assert not case.poster


def test_submit_copies_rep_region_team_and_rank():
    rep = make_rep(rank="senior")

    case = services.save_case(
        actor=rep, campaign=CampaignFactory(), video_file=video_upload(), script="话术", submit=True
    )

    assert (case.region_id, case.team_id, case.rep_rank) == (rep.region_id, rep.team_id, "senior")


def test_submit_without_video_is_rejected():
    with pytest.raises(DomainError) as caught:
        services.save_case(actor=make_rep(), campaign=CampaignFactory(), script="话术", submit=True)

    assert caught.value.code == "case_video_missing"
    assert CaseSubmission.objects.count() == 0


def test_zip_upload_stores_no_case_and_no_file():
    with pytest.raises(DomainError) as caught:
        services.save_case(
            actor=make_rep(),
            campaign=CampaignFactory(),
            video_file=video_upload("x.mp4", zip_bytes()),
            script="话术",
            submit=True,
        )

    assert caught.value.code == "video_type_not_allowed"
    assert CaseSubmission.objects.count() == 0
    assert not default_storage.exists("campaigns")


def test_draft_may_be_saved_without_video():
    case = services.save_case(actor=make_rep(), campaign=CampaignFactory(), script="草稿")

    assert case.status == CaseStatus.DRAFT
    assert case.submitted_at is None


def test_submitted_case_cannot_be_edited():
    rep = make_rep()
    case = CaseFactory(rep=rep)

    with pytest.raises(Conflict):
        services.save_case(actor=rep, campaign=case.campaign, case=case, script="改", submit=False)


def test_second_submit_of_same_draft_from_stale_page_is_rejected_and_keeps_first():
    rep = make_rep()
    campaign = CampaignFactory()
    draft = services.save_case(actor=rep, campaign=campaign, script="草稿")
    first_tab, second_tab = (CaseSubmission.objects.get(pk=draft.pk) for _tab in range(2))
    services.save_case(
        actor=rep, campaign=campaign, case=first_tab, video_file=video_upload(), script="第一次", submit=True
    )

    with pytest.raises(Conflict):
        services.save_case(
            actor=rep, campaign=campaign, case=second_tab, video_file=video_upload(), script="第二次", submit=True
        )

    stored = CaseSubmission.objects.get(pk=draft.pk)
    assert (stored.script, stored.video.name) == ("第一次", first_tab.video.name)
    assert default_storage.listdir(f"campaigns/videos/{campaign.pk}")[1] == [first_tab.video.name.rsplit("/", 1)[1]]


def test_new_case_posted_twice_with_same_upload_token_is_stored_once():
    rep = make_rep()
    campaign = CampaignFactory()
    token = uuid.uuid4()
    first = services.save_case(
        actor=rep, campaign=campaign, video_file=video_upload(), script="话术", submit=True, upload_token=token
    )

    again = services.save_case(
        actor=rep, campaign=campaign, video_file=video_upload(), script="话术", submit=True, upload_token=token
    )

    assert again.pk == first.pk
    assert CaseSubmission.objects.filter(rep=rep).count() == 1
    assert default_storage.listdir(f"campaigns/videos/{campaign.pk}")[1] == [first.video.name.rsplit("/", 1)[1]]


def test_new_cases_with_different_upload_tokens_are_both_stored():
    rep = make_rep()
    campaign = CampaignFactory()

    for _post in range(2):
        services.save_case(actor=rep, campaign=campaign, script="话术", upload_token=uuid.uuid4())

    assert CaseSubmission.objects.filter(rep=rep).count() == 2


def test_rep_outside_team_scope_cannot_submit():
    campaign = CampaignFactory(scope_teams=[TeamFactory()])

    with pytest.raises(PermissionDenied):
        services.save_case(actor=make_rep(), campaign=campaign, video_file=video_upload(), script="话术", submit=True)


def test_rep_with_other_rank_cannot_submit():
    campaign = CampaignFactory(ranks=["senior"])

    with pytest.raises(PermissionDenied):
        services.save_case(
            actor=make_rep(rank="junior"), campaign=campaign, video_file=video_upload(), script="话术", submit=True
        )


def test_manager_cannot_submit_cases():
    with pytest.raises(PermissionDenied):
        services.save_case(actor=make_manager(TeamFactory()), campaign=CampaignFactory(), script="话术")


def test_campaign_after_end_date_takes_no_cases():
    campaign = CampaignFactory(starts_on=dt.date(2020, 1, 1), ends_on=dt.date(2020, 4, 9))

    with pytest.raises(Conflict):
        services.save_case(actor=make_rep(), campaign=campaign, video_file=video_upload(), script="话术", submit=True)


def test_draft_campaign_takes_no_cases():
    campaign = CampaignFactory(status=CampaignStatus.DRAFT)

    with pytest.raises(Conflict):
        services.save_case(actor=make_rep(), campaign=campaign, script="话术")


def test_reuse_creates_draft_with_source_script_and_lineage():
    line = ProductLineFactory()
    source = CaseFactory(script="先讲检测速度，再讲试剂成本。", lines=[line])
    colleague = make_rep()

    draft = services.reuse_case(actor=colleague, source=source)

    assert draft.rep == colleague
    assert draft.status == CaseStatus.DRAFT
    assert draft.script == "先讲检测速度，再讲试剂成本。"
    assert draft.source_case == source
    assert list(draft.product_lines.all()) == [line]


def test_reuse_twice_returns_same_draft():
    source = CaseFactory()
    colleague = make_rep()

    first = services.reuse_case(actor=colleague, source=source)
    second = services.reuse_case(actor=colleague, source=source)

    assert first.pk == second.pk


def test_reuse_of_own_case_is_rejected():
    source = CaseFactory()

    with pytest.raises(DomainError) as caught:
        services.reuse_case(actor=source.rep, source=source)

    assert caught.value.code == "case_reuse_own"


def _submit_reuse(source, rep):
    draft = services.reuse_case(actor=rep, source=source)
    return services.save_case(
        actor=rep,
        campaign=source.campaign,
        case=draft,
        video_file=video_upload(),
        script=draft.script + "（改）",
        submit=True,
    )


def test_reuse_count_counts_distinct_colleagues_with_submitted_reuses():
    source = CaseFactory()
    first, second = make_rep(), make_rep()
    _submit_reuse(source, first)
    _submit_reuse(source, first)  # a second reuse by the same colleague
    _submit_reuse(source, second)
    services.reuse_case(actor=make_rep(), source=source)  # draft only
    CaseFactory(campaign=source.campaign, rep=source.rep, source_case=source)  # the author's own

    case = selectors.get_visible_case(first, source.pk)

    assert case.reuse_count == 2


def test_reuse_share_counts_cases_reused_by_three_colleagues():
    campaign = CampaignFactory()
    popular = CaseFactory(campaign=campaign)
    CaseFactory(campaign=campaign)
    for _ in range(3):
        _submit_reuse(popular, make_rep())

    widely, total, share = selectors.reuse_share(campaign)

    # 1 popular + 1 plain + 3 reuses = 5 submitted cases.
    assert (widely, total) == (1, 5)
    assert str(share) == "20.0"


def test_view_counted_once_per_viewer():
    case = CaseFactory()
    viewer = make_rep()

    services.record_view(viewer=viewer, case=case)
    services.record_view(viewer=viewer, case=case)

    case.refresh_from_db()
    assert case.view_count == 1
    assert CaseView.objects.count() == 1


def test_author_view_is_not_counted():
    case = CaseFactory()

    assert services.record_view(viewer=case.rep, case=case) is False


def test_manager_endorses_case_of_own_team():
    rep = make_rep()
    case = CaseFactory(rep=rep)

    services.endorse_case(actor=make_manager(rep.team), case=case)

    assert Endorsement.objects.filter(case=case).count() == 1


def test_manager_of_other_team_cannot_endorse():
    case = CaseFactory(rep=make_rep())

    with pytest.raises(PermissionDenied):
        services.endorse_case(actor=make_manager(TeamFactory()), case=case)


def test_rep_cannot_endorse():
    rep = make_rep()
    case = CaseFactory(rep=make_rep(team=rep.team))

    with pytest.raises(PermissionDenied):
        services.endorse_case(actor=rep, case=case)


def test_ops_saves_and_publishes_campaign():
    ops = UserFactory(role=Role.OPS)
    campaign = services.save_campaign(
        actor=ops,
        product=ProductFactory(),
        name="凝血百日攻坚",
        starts_on=dt.date(2026, 1, 5),
        ends_on=dt.date(2026, 4, 14),
        weekly_quota=1,
        ranks=["junior"],
        scene_names=services.parse_scene_names("科室主任拜访、招标答疑\n科室主任拜访"),
    )

    services.publish_campaign(actor=ops, campaign=campaign)

    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.PUBLISHED
    assert campaign.published_by == ops
    assert sorted(campaign.scenes.values_list("name", flat=True)) == ["招标答疑", "科室主任拜访"]


def test_rep_cannot_create_campaign():
    with pytest.raises(PermissionDenied):
        services.save_campaign(
            actor=make_rep(),
            product=ProductFactory(),
            name="x",
            starts_on=dt.date(2026, 1, 1),
            ends_on=dt.date(2026, 2, 1),
            weekly_quota=1,
        )


def test_campaign_ending_before_start_is_rejected():
    with pytest.raises(DomainError) as caught:
        services.save_campaign(
            actor=UserFactory(role=Role.OPS),
            product=ProductFactory(),
            name="x",
            starts_on=dt.date(2026, 2, 1),
            ends_on=dt.date(2026, 1, 1),
            weekly_quota=1,
        )

    assert caught.value.field == "ends_on"


def test_scene_in_scene_list_is_kept_once():
    assert services.parse_scene_names(" 设备演示 ,设备演示，招标答疑") == ["设备演示", "招标答疑"]


def test_submit_with_ffmpeg_stores_duration_and_poster(tmp_path, monkeypatch):
    install_fake_ffmpeg(tmp_path, monkeypatch)
    rep = make_rep()

    case = services.save_case(
        actor=rep, campaign=CampaignFactory(), video_file=video_upload(), script="话术", submit=True
    )

    assert str(case.duration_seconds) == "42.01"
    assert default_storage.exists(case.poster.name)
