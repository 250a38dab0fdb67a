"""The default playbook shipped as data: installed once, and useful out of the box."""

from django.apps import apps

from salespulse.knowledge.defaults import install_default_talk_tracks, load_default_talk_tracks
from salespulse.knowledge.models import TalkTrack, TalkTrackOrigin
from salespulse.knowledge.selectors import rank_talk_tracks
from salespulse.pipeline.models import ObjectionCategory


def test_install_adds_every_default_once(db):
    first = install_default_talk_tracks(apps)
    second = install_default_talk_tracks(apps)

    assert first == len(load_default_talk_tracks()) >= 20
    assert second == 0
    assert TalkTrack.objects.filter(origin=TalkTrackOrigin.DEFAULT).count() == first


def test_install_keeps_edited_default(db):
    install_default_talk_tracks(apps)
    TalkTrack.objects.filter(seed_code="no-budget").update(title="没预算（已改）")

    install_default_talk_tracks(apps)

    assert TalkTrack.objects.get(seed_code="no-budget").title == "没预算（已改）"


def test_defaults_use_configured_categories():
    assert {row["category"] for row in load_default_talk_tracks()} <= set(ObjectionCategory.values)


def test_default_playbook_answers_lis_objection(db):
    install_default_talk_tracks(apps)

    ranked = rank_talk_tracks("设备和现有LIS系统不兼容", "compatibility")

    assert ranked[0].track.seed_code == "lis-interface"
