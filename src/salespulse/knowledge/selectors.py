"""Reads of the objection playbook: the playbook list and search, recommendations for an
opportunity, and the objections a user may promote.

Scores are explained in ``knowledge.ranking``. Customer names follow the viewer's data
visibility: the customer of a colleague's case is named only when the viewer may see
that customer, otherwise only the rep and the customer's channel are shown.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, F, Q, QuerySet

from salespulse.accounts.models import Role, User
from salespulse.core.textsearch import cached_index, concept_tokens
from salespulse.core.textsearch import similarity as plain_similarity
from salespulse.crm.models import Opportunity, OpportunityStatus
from salespulse.crm.selectors import visible_customers
from salespulse.knowledge import ranking
from salespulse.knowledge.models import TalkTrack, TalkTrackStatus, TalkTrackUse, UseOutcome
from salespulse.knowledge.services import may_edit_playbook
from salespulse.pipeline.models import Objection, ObjectionCategory
from salespulse.signals.models import Signal

# Intent tags of the tagger that are objections (see the intent specification), and the
# category each one maps to. Tags not listed here (budget_approved, purchase_intent,
# sample_request, delivery_timeline) are not objections and get no recommendations.
# stalling (再考虑考虑) and decision_maker_unavailable (主任没时间) are objections, and the
# default playbook has tracks for both under "other".
OBJECTION_TAGS: dict[str, str] = {
    "price_objection": ObjectionCategory.PRICE,
    "technical_concern": ObjectionCategory.QUALITY,
    "competitor_preference": ObjectionCategory.COMPETITOR,
    "payment_terms": ObjectionCategory.OTHER,
    "budget_pending": ObjectionCategory.BUDGET,
    "needs_hq_approval": ObjectionCategory.APPROVAL,
    "tender_process": ObjectionCategory.APPROVAL,
    "decision_maker_unavailable": ObjectionCategory.OTHER,
    "stalling": ObjectionCategory.OTHER,
}
# technical_concern covers compatibility, performance and quality; the words decide
# which category a signal gets. Checked in this order, so "LIS接口坏了没人修" is service.
TECHNICAL_CONCERN_CONCEPTS: tuple[tuple[str, frozenset[str]], ...] = (
    (ObjectionCategory.SERVICE, frozenset({"=service"})),
    (ObjectionCategory.COMPATIBILITY, frozenset({"=lis", "=his", "=pacs", "=interface"})),
)
# Signal statuses that still count: the tagger's own and those a manager confirmed.
LIVE_SIGNAL_STATUSES = ("active", "confirmed")
MAX_QUERIES = 5
# Similar resolved objections scored per query for the colleagues list.
# NOTE: a colleague's much faster case below this cut is not considered.
COLLEAGUE_CANDIDATES = 50
# Resolved objections searched for colleagues' cases, newest first.
COLLEAGUE_CORPUS_LIMIT = 3000
# A signal this similar to an open objection repeats it and is not queried again.
DUPLICATE_SIGNAL_SIMILARITY = 0.6


@dataclass(frozen=True)
class Origin:
    """The rep who solved a promoted track's or a colleague's case, the customer, and the time it took."""

    rep: User | None
    customer_name: str | None
    channel_name: str | None
    time_to_resolve: dt.timedelta | None


@dataclass(frozen=True)
class TrackStats:
    uses: int = 0
    resolved_uses: int = 0
    durations: tuple[dt.timedelta, ...] = ()


@dataclass(frozen=True)
class ScoredTrack:
    track: TalkTrack
    similarity: float
    outcome: float
    score: float
    stats: TrackStats
    origin: Origin | None
    used_here: TalkTrackUse | None = None


@dataclass(frozen=True)
class ColleagueCase:
    objection: Objection
    similarity: float
    score: float
    origin: Origin


@dataclass(frozen=True)
class ObjectionQuery:
    """An objection to find help for: a recorded open objection or a tagger signal."""

    text: str
    category: str
    objection: Objection | None = None
    signal_id: int | None = None
    signal_tag: str = ""


@dataclass
class Recommendation:
    query: ObjectionQuery
    talk_tracks: list[ScoredTrack] = field(default_factory=list)
    colleagues: list[ColleagueCase] = field(default_factory=list)


# --- talk-track corpus and scoring --------------------------------------------------------


def _track_document(title: str, objection_text: str) -> str:
    return f"{title}\n{objection_text}"


def _published_track_index():
    rows = TalkTrack.objects.filter(status=TalkTrackStatus.PUBLISHED).values_list(
        "pk", "title", "objection_text", "category"
    )
    documents, categories = [], {}
    for pk, title, objection_text, category in rows.order_by("pk"):
        documents.append((pk, _track_document(title, objection_text)))
        categories[pk] = category
    return cached_index("talk_tracks", documents), categories


def use_resolved_at(outcome: str, used_at: dt.datetime, resolved_at, objection_resolved_at) -> dt.datetime | None:
    """Return when a use's objection was resolved, or None while it is not.

    The rep may report it ("it resolved the objection"), or the objection the use was
    recorded for may have been marked resolved on the opportunity after the use.
    """
    if outcome == UseOutcome.RESOLVED:
        return resolved_at
    if objection_resolved_at is not None and objection_resolved_at >= used_at:
        return objection_resolved_at
    return None


def resolved_use_filter(prefix: str = "") -> Q:
    """Return the ``use_resolved_at`` rule as a filter, for counting in the database."""
    return Q(**{f"{prefix}outcome": UseOutcome.RESOLVED}) | Q(
        **{f"{prefix}objection__resolved_at__gte": F(f"{prefix}used_at")}
    )


def _track_stats(track_ids: Iterable[int]) -> dict[int, TrackStats]:
    """Return use counts and resolution times of the given tracks, in one query."""
    rows = TalkTrackUse.objects.filter(talk_track_id__in=list(track_ids)).values_list(
        "talk_track_id", "outcome", "used_at", "resolved_at", "objection__resolved_at"
    )
    uses: dict[int, list[tuple[dt.datetime, dt.datetime | None]]] = defaultdict(list)
    for track_id, outcome, used_at, resolved_at, objection_resolved_at in rows:
        uses[track_id].append((used_at, use_resolved_at(outcome, used_at, resolved_at, objection_resolved_at)))

    stats = {}
    for track_id, records in uses.items():
        durations = tuple(resolved_at - used_at for used_at, resolved_at in records if resolved_at is not None)
        stats[track_id] = TrackStats(uses=len(records), resolved_uses=len(durations), durations=durations)
    return stats


def _scored(track: TalkTrack, similarity: float, category: str, stats: TrackStats, origin, used_here=None):
    durations = list(stats.durations)
    if track.time_to_resolve is not None:
        durations.append(track.time_to_resolve)
    outcome = ranking.outcome(stats.uses, stats.resolved_uses, durations)
    score = ranking.combined_score(similarity, same_category=track.category == category, outcome_value=outcome)
    return ScoredTrack(
        track=track,
        similarity=similarity,
        outcome=outcome,
        score=score,
        stats=stats,
        origin=origin,
        used_here=used_here,
    )


def _rank_key(item: ScoredTrack):
    return (-item.score, -item.track.updated_at.timestamp(), -item.track.pk)


def rank_talk_tracks(query: str, category: str = "", *, limit: int | None = None) -> list[ScoredTrack]:
    """Return published talk tracks for the customer's words ``query``, best first.

    No viewer is involved, so origins are left out; screens use
    ``recommendations_for_opportunity``, which names origins as the viewer may see them.
    """
    index, categories = _published_track_index()
    similarities = _candidates(ranking.similarities(index, query), categories, category, limit)
    tracks = TalkTrack.objects.in_bulk(list(similarities))
    stats = _track_stats(similarities)
    scored = [
        _scored(tracks[pk], similarity, category, stats.get(pk, TrackStats()), origin=None)
        for pk, similarity in similarities.items()
        if pk in tracks
    ]
    scored.sort(key=_rank_key)
    return scored[:limit] if limit is not None else scored


def _candidates(similarities: dict, categories: dict, category: str, limit: int | None = None) -> dict:
    """Return the tracks above ``MIN_SIMILARITY`` that can still make the best ``limit``.

    Before the outcome, a track's score is ``similarity × category factor`` (its
    maximum), and the outcome can lower it to ``OUTCOME_FLOOR`` of that. A track whose
    maximum is below the ``limit``-th best minimum can therefore never rank in the top
    ``limit``, so it is not scored.
    """
    bonus = ranking.SAME_CATEGORY_BONUS
    maxima = {
        pk: value * (bonus if categories[pk] == category else 1.0)
        for pk, value in similarities.items()
        if value >= ranking.MIN_SIMILARITY and pk in categories
    }
    ordered = sorted(maxima, key=lambda pk: -maxima[pk])
    if limit is not None and len(ordered) > limit:
        threshold = ranking.OUTCOME_FLOOR * maxima[ordered[limit - 1]]
        ordered = [pk for pk in ordered if maxima[pk] >= threshold]
    return {pk: similarities[pk] for pk in ordered}


# --- recommendations for an opportunity ---------------------------------------------------


def signal_category(tag: str, text: str) -> str:
    """Return the objection category of a tagger signal with ``tag`` and evidence ``text``.

    technical_concern is compatibility when the words name a system or an interface,
    service when they name after-sales service, and quality otherwise.
    """
    category = OBJECTION_TAGS[tag]
    if tag == "technical_concern":
        found = set(concept_tokens(text))
        for concept_category, concepts in TECHNICAL_CONCERN_CONCEPTS:
            if found & concepts:
                return concept_category
    return category


def objection_queries(opportunity: Opportunity) -> list[ObjectionQuery]:
    """Return the open objections of the deal, then live objection-like signals that do
    not repeat one of them, newest first, at most ``MAX_QUERIES``."""
    queries = [
        ObjectionQuery(text=objection.customer_words, category=objection.category, objection=objection)
        for objection in opportunity.objections.filter(resolved_at__isnull=True).order_by("-raised_at", "-id")[
            :MAX_QUERIES
        ]
    ]
    if len(queries) >= MAX_QUERIES:
        return queries

    signals = (
        Signal.objects.filter(opportunity=opportunity, tag__in=OBJECTION_TAGS, status__in=LIVE_SIGNAL_STATUSES)
        .select_related("interaction")
        .order_by("-occurred_at", "-id")[:MAX_QUERIES]
    )
    for signal in signals:
        text = (signal.evidence or signal.interaction.text or "").strip()
        if not text:
            continue
        if any(plain_similarity(text, query.text) >= DUPLICATE_SIGNAL_SIMILARITY for query in queries):
            continue
        queries.append(
            ObjectionQuery(
                text=text, category=signal_category(signal.tag, text), signal_id=signal.pk, signal_tag=signal.tag
            )
        )
        if len(queries) >= MAX_QUERIES:
            break
    return queries


def recommendations_for_opportunity(
    user: User, opportunity: Opportunity, *, track_limit: int = 3, colleague_limit: int = 3
) -> list[Recommendation]:
    """Return, for each open objection or objection-like signal of ``opportunity``, the
    best talk tracks and the colleagues who resolved similar objections.

    ``opportunity`` must come from ``crm.selectors.get_visible_opportunity`` for ``user``.
    The query count does not grow with the number of objections or tracks.
    """
    if opportunity.status != OpportunityStatus.OPEN:
        return []
    queries = objection_queries(opportunity)
    if not queries:
        return []
    recommendations = [Recommendation(query=query) for query in queries]

    track_index, categories = _published_track_index()
    track_hits = [
        _candidates(ranking.similarities(track_index, query.text), categories, query.category, track_limit)
        for query in queries
    ]
    case_hits, cases = _colleague_candidates(opportunity, queries)

    track_ids = {pk for hits in track_hits for pk in hits}
    tracks = TalkTrack.objects.select_related("solved_by", "origin_customer", "origin_channel").in_bulk(list(track_ids))
    stats = _track_stats(track_ids)
    uses_here = {
        use.talk_track_id: use
        for use in TalkTrackUse.objects.filter(opportunity=opportunity, talk_track_id__in=list(track_ids))
    }
    customer_ids = {track.origin_customer_id for track in tracks.values()} | {
        case.opportunity.customer_id for case in cases.values()
    }
    visible = _visible_customer_ids(user, customer_ids)

    for recommendation, hits, query_cases in zip(recommendations, track_hits, case_hits, strict=True):
        scored = [
            _scored(
                tracks[pk],
                value,
                recommendation.query.category,
                stats.get(pk, TrackStats()),
                origin=_track_origin(tracks[pk], visible),
                used_here=uses_here.get(pk),
            )
            for pk, value in hits.items()
            if pk in tracks
        ]
        scored.sort(key=_rank_key)
        recommendation.talk_tracks = scored[:track_limit]
        recommendation.colleagues = _rank_colleagues(query_cases, cases, visible, opportunity.owner_id)[
            :colleague_limit
        ]
    return recommendations


def _colleague_candidates(opportunity: Opportunity, queries: list[ObjectionQuery]):
    """Return, per query, the similar resolved objections of other deals, and those objections."""
    rows = (
        Objection.objects.filter(resolved_at__isnull=False)
        .exclude(opportunity=opportunity)
        .exclude(response="")
        # A case promoted to a published track is recommended as that track, with its rep.
        .exclude(talk_track__status=TalkTrackStatus.PUBLISHED)
        .order_by("-resolved_at", "-id")
        .values_list("pk", "customer_words")[:COLLEAGUE_CORPUS_LIMIT]
    )
    index = cached_index("resolved_objections", sorted(rows))
    hits = []
    for query in queries:
        found = ranking.similarities(index, query.text)
        best = sorted(
            ((pk, value) for pk, value in found.items() if value >= ranking.MIN_SIMILARITY), key=lambda item: -item[1]
        )
        hits.append(dict(best[:COLLEAGUE_CANDIDATES]))

    case_ids = {pk for query_hits in hits for pk in query_hits}
    cases = Objection.objects.select_related(
        "opportunity__owner", "opportunity__customer__channel", "recorded_by"
    ).in_bulk(list(case_ids))
    return hits, cases


def _rank_colleagues(hits: dict, cases: dict, visible: set[int], owner_id: int | None) -> list[ColleagueCase]:
    """Score the cases, skip those of the deal's own owner, and keep each colleague's best case."""
    best_per_rep: dict[int, ColleagueCase] = {}
    for pk, value in hits.items():
        case = cases.get(pk)
        if case is None:
            continue
        rep = case.opportunity.owner or case.recorded_by
        if rep is None or rep.pk == owner_id:
            continue
        time_to_resolve = case.resolved_at - case.raised_at
        score = value * (ranking.OUTCOME_FLOOR + (1 - ranking.OUTCOME_FLOOR) * ranking.speed([time_to_resolve]))
        customer = case.opportunity.customer
        entry = ColleagueCase(
            objection=case,
            similarity=value,
            score=score,
            origin=Origin(
                rep=rep,
                customer_name=customer.name if customer and customer.pk in visible else None,
                channel_name=str(customer.channel) if customer and customer.channel else None,
                time_to_resolve=time_to_resolve,
            ),
        )
        current = best_per_rep.get(rep.pk)
        if current is None or entry.score > current.score:
            best_per_rep[rep.pk] = entry
    return sorted(best_per_rep.values(), key=lambda entry: (-entry.score, -entry.objection.resolved_at.timestamp()))


def _visible_customer_ids(user: User, customer_ids: Iterable[int | None]) -> set[int]:
    ids = [pk for pk in customer_ids if pk is not None]
    if not ids:
        return set()
    return set(visible_customers(user).filter(pk__in=ids).values_list("pk", flat=True))


def _track_origin(track: TalkTrack, visible: set[int]) -> Origin | None:
    if not track.is_promoted:
        return None
    customer = track.origin_customer
    channel = track.origin_channel
    return Origin(
        rep=track.solved_by,
        customer_name=customer.name if customer and customer.pk in visible else None,
        channel_name=str(channel) if channel else None,
        time_to_resolve=track.time_to_resolve,
    )


# --- playbook page ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PlaybookEntry:
    track: TalkTrack
    uses: int
    resolved_uses: int
    origin: Origin | None


def visible_talk_tracks(user: User) -> QuerySet[TalkTrack]:
    """Published tracks for everyone; drafts as well for those who edit the playbook."""
    tracks = TalkTrack.objects.all()
    if not may_edit_playbook(user):
        tracks = tracks.filter(status=TalkTrackStatus.PUBLISHED)
    return tracks


def search_playbook(user: User, *, query: str = "", category: str = "") -> list[PlaybookEntry]:
    """Return the talk tracks matching a Chinese text query and a category, best first.

    The query matches the title, the customer's words and the response script by
    character bigrams and domain concepts. No spaces are needed, and a two-character
    term such as 兼容 matches on its own. Without a query, tracks come by category.
    """
    tracks = visible_talk_tracks(user)
    if category:
        tracks = tracks.filter(category=category)
    order: list[int] | None = None
    query = query.strip()
    if query:
        # One index over every track the user may see, whatever the category: a
        # per-category index would fill the small cache and evict the recommendation indexes.
        rows = visible_talk_tracks(user).values_list("pk", "title", "objection_text", "response").order_by("pk")
        documents = [(pk, f"{title}\n{words}\n{response}") for pk, title, words, response in rows]
        index = cached_index("playbook_search", documents)
        order = [match.key for match in index.search(query)]
        tracks = tracks.filter(pk__in=order)

    tracks = tracks.select_related("solved_by", "origin_customer", "origin_channel", "product_line", "author").annotate(
        use_count=Count("uses"), resolved_use_count=Count("uses", filter=resolved_use_filter("uses__"))
    )
    tracks = list(tracks)
    if order is not None:
        position = {pk: rank for rank, pk in enumerate(order)}
        tracks.sort(key=lambda track: position[track.pk])

    visible = _visible_customer_ids(user, {track.origin_customer_id for track in tracks})
    return [
        PlaybookEntry(
            track=track,
            uses=track.use_count,
            resolved_uses=track.resolved_use_count,
            origin=_track_origin(track, visible),
        )
        for track in tracks
    ]


def category_counts(user: User) -> dict[str, int]:
    rows = visible_talk_tracks(user).values("category").annotate(total=Count("pk")).order_by()
    return {row["category"]: row["total"] for row in rows}


def promotable_objections(user: User, *, limit: int = 50) -> QuerySet[Objection]:
    """Resolved objections with a response and no talk track yet that ``user`` may promote.

    Editors get every one, and a manager those on deals owned by the team's members.
    Everyone else gets none.
    """
    objections = Objection.objects.filter(resolved_at__isnull=False, talk_track__isnull=True).exclude(response="")
    if not may_edit_playbook(user):
        if user.role != Role.MANAGER or user.team_id is None:
            return objections.none()
        objections = objections.filter(opportunity__owner__team_id=user.team_id)
    return objections.select_related("opportunity__owner", "opportunity__customer__channel", "recorded_by").order_by(
        "-resolved_at", "-id"
    )[:limit]


def get_objection(objection_id: int) -> Objection | None:
    """Return an objection with its deal, owner and customer; ``services.may_promote`` decides access."""
    return (
        Objection.objects.select_related("opportunity__owner", "opportunity__customer__channel", "recorded_by")
        .filter(pk=objection_id)
        .first()
    )
