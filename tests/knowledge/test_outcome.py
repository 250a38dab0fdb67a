"""Resolution outcomes weigh talk tracks that are equally similar to the objection."""

import datetime as dt

from django.utils import timezone

from salespulse.knowledge import ranking, services
from salespulse.knowledge.models import TalkTrackUse
from salespulse.knowledge.selectors import rank_talk_tracks
from tests.factories import make_opportunity

WORDS = "你们的仪器能和我们的LIS对接吗？"


def _twin_tracks(ops):
    """Two tracks with the same title and customer's words, so their similarity is equal."""
    return [
        services.create_talk_track(
            actor=ops, category="compatibility", title="LIS对接", objection_text=WORDS, response=f"回复{index}"
        )
        for index in (1, 2)
    ]


def _use(track, *, resolved_after_hours: float | None, owner=None):
    opportunity = make_opportunity(owner=owner)
    used_at = timezone.now() - dt.timedelta(days=5)
    use = services.record_use(actor=opportunity.owner, talk_track=track, opportunity=opportunity, used_at=used_at)
    if resolved_after_hours is not None:
        services.mark_use_resolved(
            actor=opportunity.owner, use=use, resolved_at=used_at + dt.timedelta(hours=resolved_after_hours)
        )
    return use


def test_resolved_fast_track_beats_unresolved_twin(ops):
    unresolved, resolved_fast = _twin_tracks(ops)
    for _ in range(3):
        _use(unresolved, resolved_after_hours=None)
        _use(resolved_fast, resolved_after_hours=4)

    ranked = rank_talk_tracks("设备和现有LIS系统不兼容", "compatibility")

    assert ranked[0].similarity == ranked[1].similarity
    assert [item.track for item in ranked[:2]] == [resolved_fast, unresolved]


def test_fast_resolution_beats_slow_resolution(ops):
    slow, fast = _twin_tracks(ops)
    _use(slow, resolved_after_hours=24 * 20)
    _use(fast, resolved_after_hours=2)

    ranked = rank_talk_tracks(WORDS, "compatibility")

    assert [item.track for item in ranked[:2]] == [fast, slow]


def test_outcome_does_not_lift_unrelated_track_above_similar_one(playbook):
    """A price track resolved every time still ranks below the LIS track for a LIS objection."""
    for _ in range(5):
        _use(playbook["price_high"], resolved_after_hours=1)

    ranked = rank_talk_tracks("设备和现有LIS系统不兼容", "compatibility")

    assert ranked[0].track == playbook["lis_interface"]


def test_unused_track_counts_half_resolved():
    assert ranking.resolved_rate(0, 0) == 0.5
    assert ranking.speed([]) == 0.5


def test_speed_halves_at_half_hours():
    assert ranking.speed([dt.timedelta(hours=ranking.SPEED_HALF_HOURS)]) == 0.5


def test_use_counts_in_stats(ops):
    track, _ = _twin_tracks(ops)
    _use(track, resolved_after_hours=None)
    _use(track, resolved_after_hours=3)

    ranked = {item.track: item for item in rank_talk_tracks(WORDS)}

    assert ranked[track].stats.uses == 2
    assert ranked[track].stats.resolved_uses == 1
    assert TalkTrackUse.objects.filter(talk_track=track).count() == 2


def test_use_counts_resolved_when_its_objection_is_resolved_later(ops):
    from salespulse.pipeline.evidence import record_objection, respond_to_objection

    track, _ = _twin_tracks(ops)
    opportunity = make_opportunity()
    now = timezone.now()
    objection = record_objection(
        actor=opportunity.owner,
        opportunity=opportunity,
        category="compatibility",
        customer_words=WORDS,
        raised_at=now - dt.timedelta(hours=10),
    )
    services.record_use(
        actor=opportunity.owner,
        talk_track=track,
        opportunity=opportunity,
        objection=objection,
        used_at=now - dt.timedelta(hours=9),
    )
    respond_to_objection(
        actor=opportunity.owner,
        objection=objection,
        response="按话术联调。",
        resolved_at=now - dt.timedelta(hours=6),
    )

    [item] = [item for item in rank_talk_tracks(WORDS) if item.track == track]

    assert item.stats.resolved_uses == 1
    assert item.stats.durations[0] == dt.timedelta(hours=3)
