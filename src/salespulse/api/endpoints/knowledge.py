"""Objection-playbook recommendations for an opportunity, as shown on its page."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Router, Schema

from salespulse.api.endpoints.opportunities import get_visible_opportunity
from salespulse.api.schemas import ErrorOut, UserRef
from salespulse.knowledge.selectors import Origin, Recommendation, recommendations_for_opportunity

router = Router(tags=["playbook"])


class OriginOut(Schema):
    """The rep who solved a case. ``customer_name`` is null unless the token's user may see the customer."""

    rep: UserRef | None
    customer_name: str | None
    channel_name: str | None
    hours_to_resolve: float | None


class TalkTrackOut(Schema):
    id: int
    category: str
    title: str
    response: str
    score: float
    similarity: float
    uses: int
    resolved_uses: int
    origin: OriginOut | None


class ColleagueCaseOut(Schema):
    objection_id: int
    customer_words: str
    response: str
    score: float
    origin: OriginOut


class RecommendationOut(Schema):
    objection_id: int | None
    signal_id: int | None
    signal_tag: str
    category: str
    text: str
    talk_tracks: list[TalkTrackOut]
    colleagues: list[ColleagueCaseOut]


def _hours(value: dt.timedelta | None) -> float | None:
    return None if value is None else round(value.total_seconds() / 3600, 1)


def _origin(origin: Origin | None) -> dict | None:
    if origin is None:
        return None
    return {
        "rep": origin.rep,
        "customer_name": origin.customer_name,
        "channel_name": origin.channel_name,
        "hours_to_resolve": _hours(origin.time_to_resolve),
    }


def _recommendation_out(recommendation: Recommendation) -> dict:
    query = recommendation.query
    return {
        "objection_id": query.objection.pk if query.objection else None,
        "signal_id": query.signal_id,
        "signal_tag": query.signal_tag,
        "category": query.category,
        "text": query.text,
        "talk_tracks": [
            {
                "id": item.track.pk,
                "category": item.track.category,
                "title": item.track.title,
                "response": item.track.response,
                "score": round(item.score, 4),
                "similarity": round(item.similarity, 4),
                "uses": item.stats.uses,
                "resolved_uses": item.stats.resolved_uses,
                "origin": _origin(item.origin),
            }
            for item in recommendation.talk_tracks
        ],
        "colleagues": [
            {
                "objection_id": case.objection.pk,
                "customer_words": case.objection.customer_words,
                "response": case.objection.response,
                "score": round(case.score, 4),
                "origin": _origin(case.origin),
            }
            for case in recommendation.colleagues
        ],
    }


@router.get(
    "/{opportunity_id}/recommendations",
    response={200: list[RecommendationOut], 404: ErrorOut},
    summary="Recommend talk tracks and colleagues for the open objections of an opportunity",
)
def opportunity_recommendations(request: HttpRequest, opportunity_id: int) -> list[dict]:
    """One entry per open objection or objection-like tagger signal, best talk tracks first.

    Scores combine Chinese text similarity with how often and how fast a track resolved
    objections. An opportunity that is won or lost returns an empty list.
    """
    opportunity = get_visible_opportunity(request, opportunity_id)
    return [_recommendation_out(item) for item in recommendations_for_opportunity(request.auth, opportunity)]
