"""Recommendations for an opportunity: talk tracks per open objection or tagger signal,
and colleagues who resolved similar objections, named as far as the viewer may see."""

from decimal import Decimal

import pytest
from django.utils import timezone

from salespulse.knowledge.selectors import OBJECTION_TAGS, recommendations_for_opportunity
from salespulse.knowledge.services import promote_objection
from salespulse.pipeline.evidence import record_objection
from salespulse.pipeline.models import ObjectionCategory
from salespulse.signals.models import Signal
from tests.factories import CustomerFactory, InteractionFactory, make_opportunity
from tests.knowledge.conftest import resolved_objection

LIS_WORDS = "设备和现有LIS系统不兼容"


def _raise(opportunity, words=LIS_WORDS, category="compatibility"):
    return record_objection(actor=opportunity.owner, opportunity=opportunity, category=category, customer_words=words)


def _colleague_case(workspace, username, words="你们仪器和LIS接口对接不上怎么办", hours=6.0):
    owner = workspace.users[username]
    opportunity = make_opportunity(owner=owner, customer=workspace.customers[username], name=f"{username}旧单")
    return resolved_objection(opportunity, words, hours=hours, response=f"{username}：工程师上门联调LIS。")


def test_open_objection_gets_matching_track(playbook, workspace):
    opportunity = workspace.opportunities["rep_east1"]
    objection = _raise(opportunity)

    [recommendation] = recommendations_for_opportunity(workspace.users["rep_east1"], opportunity)

    assert recommendation.query.objection == objection
    assert recommendation.talk_tracks[0].track == playbook["lis_interface"]
    assert len(recommendation.talk_tracks) <= 3


def test_resolved_objection_gets_no_recommendation(playbook, workspace):
    opportunity = workspace.opportunities["rep_east1"]
    resolved_objection(opportunity, LIS_WORDS, hours=1)

    assert recommendations_for_opportunity(workspace.users["rep_east1"], opportunity) == []


def test_tagger_signal_gets_recommendation(playbook, workspace):
    opportunity = workspace.opportunities["rep_east1"]
    interaction = InteractionFactory(
        customer=opportunity.customer, opportunity=opportunity, text="客户：太贵了，别家便宜多了"
    )
    Signal.objects.create(
        interaction=interaction,
        customer=opportunity.customer,
        opportunity=opportunity,
        tag="price_objection",
        confidence=Decimal("0.900"),
        evidence="太贵了，别家便宜多了",
        occurred_at=timezone.now(),
    )

    [recommendation] = recommendations_for_opportunity(workspace.users["rep_east1"], opportunity)

    assert recommendation.query.signal_tag == "price_objection"
    assert recommendation.query.category == "price"
    assert recommendation.talk_tracks[0].track == playbook["price_high"]


def test_rejected_or_non_objection_signal_is_ignored(playbook, workspace):
    opportunity = workspace.opportunities["rep_east1"]
    interaction = InteractionFactory(customer=opportunity.customer, opportunity=opportunity, text="太贵了")
    for tag, status in (("price_objection", "rejected"), ("purchase_intent", "active")):
        Signal.objects.create(
            interaction=interaction,
            customer=opportunity.customer,
            opportunity=opportunity,
            tag=tag,
            status=status,
            confidence=Decimal("0.900"),
            evidence="太贵了",
            occurred_at=timezone.now(),
        )

    assert recommendations_for_opportunity(workspace.users["rep_east1"], opportunity) == []


def test_signal_repeating_an_objection_is_not_listed_twice(playbook, workspace):
    opportunity = workspace.opportunities["rep_east1"]
    _raise(opportunity)
    interaction = InteractionFactory(customer=opportunity.customer, opportunity=opportunity, text=LIS_WORDS)
    Signal.objects.create(
        interaction=interaction,
        customer=opportunity.customer,
        opportunity=opportunity,
        tag="technical_concern",
        confidence=Decimal("0.800"),
        evidence=LIS_WORDS,
        occurred_at=timezone.now(),
    )

    assert len(recommendations_for_opportunity(workspace.users["rep_east1"], opportunity)) == 1


def test_colleagues_ranked_by_speed_when_equally_similar(workspace):
    _colleague_case(workspace, "rep_east2", hours=200)
    _colleague_case(workspace, "rep_north1", hours=2)
    opportunity = workspace.opportunities["rep_east1"]
    _raise(opportunity)

    [recommendation] = recommendations_for_opportunity(workspace.users["ops"], opportunity)

    assert [case.origin.rep.username for case in recommendation.colleagues] == ["rep_north1", "rep_east2"]


def test_colleagues_exclude_deal_owner_and_unrelated_cases(workspace):
    _colleague_case(workspace, "rep_east1")
    _colleague_case(workspace, "rep_east2", words="今年预算用完了")
    opportunity = workspace.opportunities["rep_east1"]
    _raise(opportunity)

    [recommendation] = recommendations_for_opportunity(workspace.users["rep_east1"], opportunity)

    assert recommendation.colleagues == []


def test_rep_sees_colleague_and_channel_but_not_customer(workspace):
    case = _colleague_case(workspace, "rep_north1", hours=5)
    opportunity = workspace.opportunities["rep_east1"]
    _raise(opportunity)

    [recommendation] = recommendations_for_opportunity(workspace.users["rep_east1"], opportunity)
    [colleague] = recommendation.colleagues

    assert colleague.origin.rep == workspace.users["rep_north1"]
    assert colleague.origin.customer_name is None
    assert colleague.origin.channel_name == str(case.opportunity.customer.channel)
    assert colleague.origin.time_to_resolve.total_seconds() == 5 * 3600


def test_manager_sees_customer_names_of_own_team_only(workspace):
    _colleague_case(workspace, "rep_east1b")
    _colleague_case(workspace, "rep_north1")
    opportunity = workspace.opportunities["rep_east1"]
    _raise(opportunity)

    [recommendation] = recommendations_for_opportunity(workspace.users["manager_east1"], opportunity)
    names = {case.origin.rep.username: case.origin.customer_name for case in recommendation.colleagues}

    assert names == {"rep_east1b": "rep_east1b的医院", "rep_north1": None}


def test_ops_sees_every_customer_name(workspace):
    _colleague_case(workspace, "rep_north1")
    opportunity = workspace.opportunities["rep_east1"]
    _raise(opportunity)

    [recommendation] = recommendations_for_opportunity(workspace.users["ops"], opportunity)

    assert recommendation.colleagues[0].origin.customer_name == "rep_north1的医院"


def test_promoted_track_origin_hides_other_region_customer(workspace, ops):
    from salespulse.knowledge.services import promote_objection

    case = _colleague_case(workspace, "rep_north1", hours=3)
    promote_objection(actor=ops, objection=case, title="LIS对接经验")
    opportunity = workspace.opportunities["rep_east1"]
    _raise(opportunity)

    [recommendation] = recommendations_for_opportunity(workspace.users["rep_east1"], opportunity)
    origin = recommendation.talk_tracks[0].origin

    assert origin.rep == workspace.users["rep_north1"]
    assert origin.customer_name is None
    assert origin.channel_name is not None


def test_closed_deal_gets_no_recommendation(playbook, workspace):
    opportunity = make_opportunity(owner=workspace.users["rep_east1"], customer=CustomerFactory(), stage_code="won")
    _raise(opportunity)

    assert recommendations_for_opportunity(workspace.users["rep_east1"], opportunity) == []


def _signal(opportunity, tag, evidence):
    interaction = InteractionFactory(customer=opportunity.customer, opportunity=opportunity, text=f"客户：{evidence}")
    return Signal.objects.create(
        interaction=interaction,
        customer=opportunity.customer,
        opportunity=opportunity,
        tag=tag,
        confidence=Decimal("0.800"),
        evidence=evidence,
        occurred_at=timezone.now(),
    )


@pytest.mark.parametrize(
    ("evidence", "category", "expected"),
    [
        ("你们的仪器能跟我们的LIS联机吗", "compatibility", "lis_interface"),
        ("以前设备坏了一周都没人来修", "service", "service_slow"),
        ("你们检测结果准不准，重复性怎么样", "quality", "accuracy"),
    ],
)
def test_technical_concern_signal_gets_category_from_its_words(playbook, workspace, evidence, category, expected):
    opportunity = workspace.opportunities["rep_east1"]
    _signal(opportunity, "technical_concern", evidence)

    [recommendation] = recommendations_for_opportunity(workspace.users["rep_east1"], opportunity)

    assert recommendation.query.category == category
    assert recommendation.talk_tracks[0].track == playbook[expected]


@pytest.mark.parametrize(
    ("tag", "evidence", "expected"),
    [
        ("stalling", "我们再考虑考虑，过段时间再说", "think_later"),
        ("decision_maker_unavailable", "主任最近很忙，没时间", "courtesy_visit"),
    ],
)
def test_stalling_and_absent_decider_signals_get_playbook_answer(playbook, workspace, tag, evidence, expected):
    opportunity = workspace.opportunities["rep_east1"]
    _signal(opportunity, tag, evidence)

    [recommendation] = recommendations_for_opportunity(workspace.users["rep_east1"], opportunity)

    assert recommendation.talk_tracks[0].track == playbook[expected]


def test_every_objection_tag_is_a_tagger_tag():
    tagger_tags = {
        "budget_approved", "budget_pending", "needs_hq_approval", "competitor_preference", "price_objection",
        "tender_process", "decision_maker_unavailable", "sample_request", "technical_concern", "purchase_intent",
        "delivery_timeline", "stalling", "payment_terms",
    }  # fmt: skip

    assert set(OBJECTION_TAGS) <= tagger_tags
    assert set(OBJECTION_TAGS.values()) <= set(ObjectionCategory.values)


def test_promoted_case_is_not_listed_again_among_colleagues(playbook, workspace):
    case = _colleague_case(workspace, "rep_north1", hours=5)
    promoted = promote_objection(actor=workspace.users["ops"], objection=case)
    opportunity = workspace.opportunities["rep_east1"]
    _raise(opportunity)

    [recommendation] = recommendations_for_opportunity(workspace.users["rep_east1"], opportunity)

    assert promoted in [item.track for item in recommendation.talk_tracks]
    assert case not in [colleague.objection for colleague in recommendation.colleagues]
