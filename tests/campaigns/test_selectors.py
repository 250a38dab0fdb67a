import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from salespulse.accounts.models import Role
from salespulse.campaigns import selectors
from salespulse.campaigns.models import CampaignStatus, Endorsement, RepRank
from salespulse.core.errors import NotFound
from tests.campaigns.factories import (
    CampaignFactory,
    CaseFactory,
    ProductLineFactory,
    SceneFactory,
    local_today,
    make_manager,
    make_rep,
)
from tests.factories import RegionFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_rep_sees_campaign_of_own_region():
    rep = make_rep()
    campaign = CampaignFactory(scope_regions=[rep.region])

    assert selectors.get_visible_campaign(rep, campaign.pk) == campaign


def test_rep_outside_region_does_not_see_campaign():
    campaign = CampaignFactory(scope_regions=[RegionFactory()])

    with pytest.raises(NotFound):
        selectors.get_visible_campaign(make_rep(), campaign.pk)


def test_rep_outside_rank_does_not_see_campaign():
    campaign = CampaignFactory(ranks=["key_account"])

    with pytest.raises(NotFound):
        selectors.get_visible_campaign(make_rep(rank="senior"), campaign.pk)


def test_rep_does_not_see_draft_campaign():
    campaign = CampaignFactory(status=CampaignStatus.DRAFT)

    with pytest.raises(NotFound):
        selectors.get_visible_campaign(make_rep(), campaign.pk)


def test_ops_sees_draft_campaign():
    campaign = CampaignFactory(status=CampaignStatus.DRAFT)

    assert selectors.get_visible_campaign(UserFactory(role=Role.OPS), campaign.pk) == campaign


def test_director_sees_campaign_of_team_in_region():
    team = TeamFactory()
    director = UserFactory(role=Role.DIRECTOR, team=None, region=team.region)
    campaign = CampaignFactory(scope_teams=[team])

    assert selectors.get_visible_campaign(director, campaign.pk) == campaign


def test_rep_does_not_see_other_reps_draft_case():
    draft = CaseFactory(status="draft", submitted_at=None)

    with pytest.raises(NotFound):
        selectors.get_visible_case(make_rep(), draft.pk)


def test_reps_in_scope_follow_rank_default_junior():
    team = TeamFactory()
    unranked = make_rep(team=team)
    make_rep(team=team, rank="senior")
    campaign = CampaignFactory(scope_teams=[team], ranks=["junior"])

    assert list(selectors.reps_in_scope(campaign)) == [unranked]


def test_top_cases_order_by_score():
    campaign = CampaignFactory()
    viewer = make_rep()
    plain = CaseFactory(campaign=campaign)
    endorsed = CaseFactory(campaign=campaign)
    Endorsement.objects.create(case=endorsed, manager=make_manager(endorsed.rep.team))

    rows = selectors.top_cases(viewer, campaign=campaign)[0].rows

    assert [row.case.pk for row in rows] == [endorsed.pk, plain.pk]


def test_top_cases_decay_old_cases():
    campaign = CampaignFactory()
    old = CaseFactory(campaign=campaign, view_count=7, submitted_at=timezone.now() - dt.timedelta(days=60))
    new = CaseFactory(campaign=campaign, view_count=3)

    rows = selectors.top_cases(make_rep(), campaign=campaign)[0].rows

    assert [row.case.pk for row in rows] == [new.pk, old.pk]


def test_top_cases_limited_to_ten():
    campaign = CampaignFactory()
    CaseFactory.create_batch(12, campaign=campaign)

    assert len(selectors.top_cases(make_rep(), campaign=campaign)[0].rows) == 10


def test_top_cases_grouped_by_region():
    campaign = CampaignFactory()
    east, west = make_rep(), make_rep()
    CaseFactory(campaign=campaign, rep=east)
    CaseFactory(campaign=campaign, rep=west)

    groups = selectors.top_cases(make_rep(), selectors.TopDimension.REGION, campaign=campaign)

    assert sorted(group.label for group in groups) == sorted([east.region.name, west.region.name])
    assert all(len(group.rows) == 1 for group in groups)


def test_top_cases_grouped_by_product_line():
    campaign = CampaignFactory()
    line = ProductLineFactory(name="化学发光")
    CaseFactory(campaign=campaign, lines=[line])
    CaseFactory(campaign=campaign)

    groups = selectors.top_cases(make_rep(), selectors.TopDimension.PRODUCT_LINE, campaign=campaign)

    assert [(group.label, len(group.rows)) for group in groups] == [("化学发光", 1)]


def test_top_cases_grouped_by_rank():
    campaign = CampaignFactory()
    CaseFactory(campaign=campaign, rep_rank="senior")
    CaseFactory(campaign=campaign, rep_rank="junior")

    groups = selectors.top_cases(make_rep(), selectors.TopDimension.RANK, campaign=campaign)

    assert [group.label for group in groups] == ["初级销售", "资深销售"]


def test_rep_achievement_above_100_percent():
    rep = make_rep()
    campaign = CampaignFactory(starts_on=local_today() - dt.timedelta(days=14), weekly_quota=5)
    CaseFactory.create_batch(20, campaign=campaign, rep=rep)

    achievement = selectors.rep_achievement(campaign, rep, local_today())

    assert (achievement.submitted, achievement.required) == (20, 15)
    assert achievement.rate_display == "133.3%"


def test_achievement_breakdown_sums_team_and_region():
    team = TeamFactory()
    busy, idle = make_rep(team=team), make_rep(team=team)
    campaign = CampaignFactory(scope_teams=[team], starts_on=local_today() - dt.timedelta(days=7))
    CaseFactory.create_batch(3, campaign=campaign, rep=busy)

    breakdown = selectors.achievement_breakdown(UserFactory(role=Role.OPS), campaign, local_today())

    assert [(row.label, row.submitted, row.required) for row in breakdown.teams] == [(team.name, 3, 4)]
    assert sorted((str(row.label), row.rate_display) for row in breakdown.reps) == sorted(
        [(str(busy), "150.0%"), (str(idle), "0.0%")]
    )
    assert breakdown.total.rate_display == "75.0%"


def test_rep_breakdown_shows_only_own_row():
    team = TeamFactory()
    rep = make_rep(team=team)
    make_rep(team=team)
    campaign = CampaignFactory(scope_teams=[team])

    breakdown = selectors.achievement_breakdown(rep, campaign, local_today())

    assert [row.label for row in breakdown.reps] == [str(rep)]


def test_search_matches_chinese_substring_without_spaces():
    campaign = CampaignFactory()
    hit = CaseFactory(campaign=campaign, script="主任担心凝血结果和现有LIS系统对接不上，我先演示了接口。")
    CaseFactory(campaign=campaign, script="价格谈判：先讲试剂成本。", scene=SceneFactory(name="价格谈判"))

    results = selectors.search_cases(make_rep(), "LIS对接")

    assert results == [hit]


def test_search_matches_scene_name():
    campaign = CampaignFactory()
    hit = CaseFactory(campaign=campaign, script="介绍设备", scene=SceneFactory(name="招标答疑"))
    CaseFactory(campaign=campaign, script="介绍设备")

    assert selectors.search_cases(make_rep(), "招标") == [hit]


def test_search_skips_cases_of_campaigns_out_of_scope():
    hidden = CampaignFactory(scope_regions=[RegionFactory()])
    CaseFactory(campaign=hidden, script="LIS对接演示")

    assert selectors.search_cases(make_rep(), "LIS对接") == []


def test_finance_sees_published_campaign_out_of_scope():
    campaign = CampaignFactory(scope_regions=[RegionFactory()])

    assert selectors.get_visible_campaign(UserFactory(role=Role.FINANCE), campaign.pk) == campaign


def test_finance_does_not_see_draft_campaign():
    campaign = CampaignFactory(status=CampaignStatus.DRAFT)

    with pytest.raises(NotFound):
        selectors.get_visible_campaign(UserFactory(role=Role.FINANCE), campaign.pk)


def test_required_counts_weeks_in_shanghai_time():
    rep = make_rep()
    campaign = CampaignFactory(starts_on=dt.date(2026, 3, 2), ends_on=dt.date(2026, 6, 9))

    # 16:30 UTC on Sunday 8 March is 00:30 on Monday 9 March in Shanghai: week 2 has started.
    with time_machine.travel(dt.datetime(2026, 3, 8, 16, 30, tzinfo=dt.UTC), tick=False):
        breakdown = selectors.achievement_breakdown(rep, campaign)

    assert breakdown.total.required == 2


def test_board_rows_match_breakdown_totals_and_reuse_share_for_each_scope():
    team_a, team_b = TeamFactory(), TeamFactory()
    senior = make_rep(team=team_a, rank=RepRank.SENIOR)
    junior_a, junior_b = make_rep(team=team_a), make_rep(team=team_b)
    started = local_today() - dt.timedelta(days=8)
    everyone = CampaignFactory(starts_on=started)
    only_a = CampaignFactory(starts_on=started, scope_teams=[team_a])
    only_senior = CampaignFactory(starts_on=started, ranks=[RepRank.SENIOR])
    only_region_b = CampaignFactory(starts_on=started, scope_regions=[team_b.region])
    for campaign in (everyone, only_a, only_senior, only_region_b):
        CaseFactory(campaign=campaign, rep=senior)
    source = CaseFactory(campaign=everyone, rep=junior_a)
    for colleague in (senior, junior_b, make_rep(team=team_b)):
        CaseFactory(campaign=everyone, rep=colleague, source_case=source)
    for viewer in (UserFactory(role=Role.OPS), make_manager(team_a), junior_a):
        rows = selectors.board_rows(viewer, local_today())

        expected = {}
        for campaign in (everyone, only_a, only_senior, only_region_b):
            total = selectors.achievement_breakdown(viewer, campaign, local_today()).total
            expected[campaign.pk] = (total.submitted, total.required, selectors.reuse_share(campaign))
        visible = {row.campaign.pk for row in rows}
        assert {
            row.campaign.pk: (row.achievement.submitted, row.achievement.required, (row.widely, row.case_total,
                                                                                   row.reuse_share))
            for row in rows
        } == {pk: numbers for pk, numbers in expected.items() if pk in visible}


def test_board_rows_show_reuse_share_of_widely_reused_case():
    campaign = CampaignFactory()
    source = CaseFactory(campaign=campaign)
    CaseFactory(campaign=campaign)
    for _colleague in range(3):
        CaseFactory(campaign=campaign, source_case=source)

    [row] = selectors.board_rows(UserFactory(role=Role.OPS), local_today())

    assert (row.widely, row.case_total, row.reuse_share) == (1, 5, Decimal("20.0"))
