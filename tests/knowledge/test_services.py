"""Who may write, edit and promote talk tracks, and how uses are recorded."""

import datetime as dt

import pytest

from salespulse.core.errors import Conflict, DomainError, PermissionDenied
from salespulse.knowledge import services
from salespulse.knowledge.models import TalkTrack, TalkTrackOrigin, TalkTrackStatus
from salespulse.pipeline.evidence import record_objection
from tests.factories import make_opportunity
from tests.knowledge.conftest import resolved_objection

FIELDS = {
    "category": "price",
    "title": "价格太高",
    "objection_text": "太贵了",
    "response": "按五年总成本算更低。",
}


@pytest.mark.parametrize("role", ["ops", "admin"])
def test_editor_creates_track(workspace, role):
    track = services.create_talk_track(actor=workspace.users[role], **FIELDS)

    assert TalkTrack.objects.get().title == "价格太高"
    assert track.origin == TalkTrackOrigin.WRITTEN
    assert track.author == workspace.users[role]


@pytest.mark.parametrize("role", ["rep_east1", "manager_east1", "director_east", "finance"])
def test_non_editor_cannot_create_track(workspace, role):
    with pytest.raises(PermissionDenied) as caught:
        services.create_talk_track(actor=workspace.users[role], **FIELDS)

    assert caught.value.message == "只有销售运营和管理员可以编写或修改话术。"
    assert not TalkTrack.objects.exists()


def test_rep_cannot_edit_track(workspace):
    track = services.create_talk_track(actor=workspace.users["ops"], **FIELDS)

    with pytest.raises(PermissionDenied):
        services.update_talk_track(actor=workspace.users["rep_east1"], talk_track=track, **{**FIELDS, "title": "改"})

    track.refresh_from_db()
    assert track.title == "价格太高"


def test_ops_edits_track(workspace):
    track = services.create_talk_track(actor=workspace.users["ops"], **FIELDS)

    services.update_talk_track(
        actor=workspace.users["ops"], talk_track=track, **{**FIELDS, "title": "价格异议", "status": "draft"}
    )

    track.refresh_from_db()
    assert track.title == "价格异议"
    assert track.status == TalkTrackStatus.DRAFT


def test_empty_response_is_rejected_with_field(workspace):
    with pytest.raises(DomainError) as caught:
        services.create_talk_track(actor=workspace.users["ops"], **{**FIELDS, "response": "  "})

    assert caught.value.field == "response"
    assert caught.value.message == "请填写回复话术。"


def test_unknown_category_is_named(workspace):
    with pytest.raises(DomainError) as caught:
        services.create_talk_track(actor=workspace.users["ops"], **{**FIELDS, "category": "weather"})

    assert "weather" in caught.value.message
    assert caught.value.field == "category"


def test_manager_promotes_own_team_objection(workspace):
    objection = resolved_objection(workspace.opportunities["rep_east1b"], "LIS对接不上", hours=30)

    track = services.promote_objection(actor=workspace.users["manager_east1"], objection=objection)

    assert track.origin == TalkTrackOrigin.PROMOTED
    assert track.source_objection == objection
    assert track.solved_by == workspace.users["rep_east1b"]
    assert track.origin_customer == workspace.customers["rep_east1b"]
    assert track.origin_channel == workspace.customers["rep_east1b"].channel
    assert track.time_to_resolve.total_seconds() == 30 * 3600
    assert track.response == objection.response
    assert track.title == "LIS对接不上"


@pytest.mark.parametrize("username", ["rep_east2", "rep_north1"])
def test_manager_cannot_promote_other_team_objection(workspace, username):
    objection = resolved_objection(workspace.opportunities[username], "LIS对接不上", hours=3)

    with pytest.raises(PermissionDenied):
        services.promote_objection(actor=workspace.users["manager_east1"], objection=objection)

    assert not TalkTrack.objects.exists()


@pytest.mark.parametrize("role", ["rep_east1", "director_east", "finance"])
def test_others_cannot_promote(workspace, role):
    objection = resolved_objection(workspace.opportunities["rep_east1"], "LIS对接不上", hours=3)

    with pytest.raises(PermissionDenied):
        services.promote_objection(actor=workspace.users[role], objection=objection)


def test_ops_promotes_any_objection(workspace):
    objection = resolved_objection(workspace.opportunities["rep_north1"], "LIS对接不上", hours=3)

    track = services.promote_objection(actor=workspace.users["ops"], objection=objection, title="LIS经验")

    assert track.title == "LIS经验"


def test_unresolved_objection_cannot_be_promoted(workspace):
    opportunity = workspace.opportunities["rep_east1"]
    objection = record_objection(
        actor=opportunity.owner, opportunity=opportunity, category="price", customer_words="太贵了", response="再谈"
    )

    with pytest.raises(DomainError) as caught:
        services.promote_objection(actor=workspace.users["ops"], objection=objection)

    assert caught.value.code == "objection_not_resolved"
    assert "太贵了" in caught.value.message


def test_objection_is_promoted_once(workspace):
    objection = resolved_objection(workspace.opportunities["rep_east1"], "LIS对接不上", hours=3)
    services.promote_objection(actor=workspace.users["ops"], objection=objection, title="第一次")

    with pytest.raises(Conflict) as caught:
        services.promote_objection(actor=workspace.users["ops"], objection=objection)

    assert "第一次" in caught.value.message
    assert TalkTrack.objects.count() == 1


def test_use_is_recorded_once_per_opportunity(workspace):
    track = services.create_talk_track(actor=workspace.users["ops"], **FIELDS)
    opportunity = workspace.opportunities["rep_east1"]

    first = services.record_use(actor=workspace.users["rep_east1"], talk_track=track, opportunity=opportunity)
    second = services.record_use(actor=workspace.users["rep_east1"], talk_track=track, opportunity=opportunity)

    assert first == second
    assert track.uses.count() == 1


def test_use_on_invisible_opportunity_is_rejected(workspace):
    track = services.create_talk_track(actor=workspace.users["ops"], **FIELDS)

    with pytest.raises(PermissionDenied):
        services.record_use(
            actor=workspace.users["rep_east1"], talk_track=track, opportunity=workspace.opportunities["rep_north1"]
        )

    assert not track.uses.exists()


def test_finance_cannot_record_use(workspace):
    track = services.create_talk_track(actor=workspace.users["ops"], **FIELDS)

    with pytest.raises(PermissionDenied):
        services.record_use(
            actor=workspace.users["finance"], talk_track=track, opportunity=workspace.opportunities["rep_east1"]
        )


def test_draft_track_cannot_be_used(workspace):
    track = services.create_talk_track(actor=workspace.users["ops"], **{**FIELDS, "status": "draft"})

    with pytest.raises(DomainError) as caught:
        services.record_use(
            actor=workspace.users["rep_east1"], talk_track=track, opportunity=workspace.opportunities["rep_east1"]
        )

    assert caught.value.code == "talk_track_not_published"


def test_objection_of_other_deal_is_rejected(workspace):
    track = services.create_talk_track(actor=workspace.users["ops"], **FIELDS)
    other = make_opportunity(owner=workspace.users["rep_east1"], customer=workspace.customers["rep_east1"])
    objection = record_objection(actor=other.owner, opportunity=other, category="price", customer_words="太贵")

    with pytest.raises(DomainError) as caught:
        services.record_use(
            actor=workspace.users["rep_east1"],
            talk_track=track,
            opportunity=workspace.opportunities["rep_east1"],
            objection=objection,
        )

    assert caught.value.field == "objection"


def test_simultaneous_promotion_gets_conflict_not_integrity_error(workspace, monkeypatch):
    """Two managers press "promote" at once: both pass the "already promoted?" check, and the
    one-to-one key stops the second insert."""
    objection = resolved_objection(workspace.opportunities["rep_east1"], "LIS对接不上", hours=3)
    services.promote_objection(actor=workspace.users["ops"], objection=objection, title="先到的")
    real_lookup = services._promoted_track
    lookups = iter([None])
    monkeypatch.setattr(services, "_promoted_track", lambda found: next(lookups, None) or real_lookup(found))

    with pytest.raises(Conflict) as caught:
        services.promote_objection(actor=workspace.users["manager_east1"], objection=objection)

    assert caught.value.message == "这条异议已提炼为话术“先到的”，请直接修改该话术。"
    assert TalkTrack.objects.count() == 1


def test_marking_use_resolved_twice_keeps_first_time(workspace):
    track = services.create_talk_track(actor=workspace.users["ops"], **FIELDS)
    opportunity = workspace.opportunities["rep_east1"]
    use = services.record_use(actor=workspace.users["rep_east1"], talk_track=track, opportunity=opportunity)
    first = services.mark_use_resolved(actor=workspace.users["rep_east1"], use=use)
    first_time = first.resolved_at

    services.mark_use_resolved(
        actor=workspace.users["rep_east1"], use=use, resolved_at=first_time + dt.timedelta(days=3)
    )

    use.refresh_from_db()
    assert use.resolved_at == first_time


def test_promotion_title_too_long_is_rejected_with_length(workspace):
    objection = resolved_objection(workspace.opportunities["rep_east1"], "LIS对接不上", hours=3)

    with pytest.raises(DomainError) as caught:
        services.promote_objection(actor=workspace.users["ops"], objection=objection, title="长" * 300)

    assert caught.value.field == "title"
    assert caught.value.message == "标题有 300 个字，请缩短到 120 个字以内。"
    assert not TalkTrack.objects.exists()


def test_use_on_won_opportunity_is_rejected_with_its_name(workspace):
    track = services.create_talk_track(actor=workspace.users["ops"], **FIELDS)
    opportunity = make_opportunity(owner=workspace.users["rep_east1"], stage_code="won", name="已签单的生化仪")

    with pytest.raises(DomainError) as caught:
        services.record_use(actor=workspace.users["rep_east1"], talk_track=track, opportunity=opportunity)

    assert caught.value.code == "opportunity_closed"
    assert caught.value.message == "商机 已签单的生化仪 已关闭，只能在进行中的商机上记录话术使用。"
    assert not track.uses.exists()
