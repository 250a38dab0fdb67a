import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from salespulse.accounts.models import Role
from salespulse.crm.models import LeadStatus
from salespulse.pipeline.models import MoveSource, Stage
from salespulse.pipeline.services import move_opportunity_to_stage
from tests.factories import PASSWORD, LeadFactory, TeamFactory, UserFactory, make_opportunity

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def won_deal(owner, days_ago):
    closed_at = timezone.now() - dt.timedelta(days=days_ago)
    opportunity = make_opportunity(owner=owner, created_at=closed_at - dt.timedelta(days=40))
    stage = Stage.objects.get(pipeline=opportunity.pipeline, code="won")
    move_opportunity_to_stage(
        opportunity=opportunity,
        to_stage=stage,
        actor=owner,
        source=MoveSource.DEMO,
        at=closed_at,
        won_amount=Decimal("120000.00"),
    )
    return opportunity


def lost_deal(owner, days_ago):
    closed_at = timezone.now() - dt.timedelta(days=days_ago)
    opportunity = make_opportunity(owner=owner, created_at=closed_at - dt.timedelta(days=20))
    pipeline_stages = {
        stage.code: stage for stage in Stage.objects.filter(pipeline=opportunity.pipeline)
    }
    for offset, code in ((2, "negotiation"), (0, "lost")):
        move_opportunity_to_stage(
            opportunity=opportunity,
            to_stage=pipeline_stages[code],
            actor=owner,
            source=MoveSource.DEMO,
            at=closed_at - dt.timedelta(days=offset),
        )
    return opportunity


@pytest.fixture
def team_data():
    team = TeamFactory()
    rep = UserFactory(username="rep_home", display_name="张伟", team=team)
    colleague = UserFactory(username="rep_other", display_name="李娜", team=team)
    for owner in (rep, colleague):
        won_deal(owner, 30)
        lost_deal(owner, 20)
    LeadFactory(
        owner=rep,
        name="张伟的闲置线索",
        status=LeadStatus.CONTACTED,
        created_at=timezone.now() - dt.timedelta(days=30),
        last_activity_at=timezone.now() - dt.timedelta(days=12),
    )
    LeadFactory(
        owner=colleague,
        name="李娜的闲置线索",
        status=LeadStatus.NEW,
        created_at=timezone.now() - dt.timedelta(days=30),
    )
    manager = UserFactory(username="manager_home", role=Role.MANAGER, team=team)
    return {"rep": rep, "colleague": colleague, "manager": manager}


def test_home_shows_chinese_titles(client, team_data):
    client.force_login(team_data["manager"])

    response = client.get(reverse("analytics:home"))

    content = response.content.decode()
    assert response.status_code == 200
    for title in (
        "各渠道类型平均成交周期",
        "各销售各阶段输单数",
        "超过 7 天无跟进的线索",
        "新老客户收入占比",
        "输单前跟进次数分布",
    ):
        assert title in content
    assert 'id="chart-losses"' in content
    assert "vendor/echarts/echarts.min.js" in content


def test_home_switches_to_english(client, team_data):
    client.force_login(team_data["manager"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    content = client.get(reverse("analytics:home")).content.decode()

    assert "Average conversion cycle by customer channel" in content
    assert "Price negotiation" in content


def test_chart_options_carry_stage_names(client, team_data):
    client.force_login(team_data["manager"])

    response = client.get(reverse("analytics:home"))

    losses = response.context["charts"]["losses"]
    negotiation = next(series for series in losses["series"] if series["name"] == "商务谈判")
    assert negotiation["itemStyle"]["color"] == "#b91c1c"
    assert sorted(losses["yAxis"]["data"]) == ["张伟", "李娜"]


def test_rep_sees_only_own_stale_leads(client, team_data):
    client.force_login(team_data["rep"])

    response = client.get(reverse("analytics:home"))

    content = response.content.decode()
    assert "张伟的闲置线索" in content
    assert "李娜的闲置线索" not in content
    assert response.context["stale"].stale_leads == 1


def test_manager_sees_team_stale_leads(client, team_data):
    client.force_login(team_data["manager"])

    response = client.get(reverse("analytics:home"))

    assert response.context["stale"].stale_leads == 2
    assert "李娜的闲置线索" in response.content.decode()


def test_home_query_count_is_pinned(client, team_data, django_assert_max_num_queries):
    client.force_login(team_data["manager"])

    # Session, user, the period check, six widget queries, and the loss matrix's rep and stage names.
    with django_assert_max_num_queries(11):
        response = client.get(reverse("analytics:home"))

    assert response.status_code == 200


def test_home_requires_sign_in(client):
    try:
        login_url = reverse(settings.LOGIN_URL)
    except NoReverseMatch:
        pytest.skip("accounts:login is not wired up yet")

    response = client.get(reverse("analytics:home"))

    assert response.status_code == 302
    assert response.url.startswith(login_url)


@pytest.mark.django_db
def test_all_time_period_reaches_old_deals(client):
    ops = UserFactory(role=Role.OPS, team=None, region=None)
    old_deal_time = dt.datetime(2017, 3, 1, 9, 0, tzinfo=dt.UTC)
    make_opportunity(created_at=old_deal_time, stage_code="won")
    client.login(username=ops.username, password=PASSWORD)

    recent = client.get("/", {"preset": "recent"})
    everything = client.get("/", {"preset": "all"})
    default = client.get("/")

    assert recent.context["period"].start.year >= 2025
    assert everything.context["period"].start == dt.date(2017, 3, 1)
    # Nothing closed recently, so the default falls back to all time.
    assert default.context["period"].start == dt.date(2017, 3, 1)
    assert [year.year for year in everything.context["revenue"].years][0] == 2017


@pytest.mark.django_db
def test_reversed_custom_period_falls_back_with_error(client):
    ops = UserFactory(role=Role.OPS, team=None, region=None)
    client.login(username=ops.username, password=PASSWORD)

    response = client.get("/", {"start": "2026-05-01", "end": "2026-01-01"})

    assert response.status_code == 200
    assert response.context["period_form"].non_field_errors()
