"""``tag_text`` behind the interface: normalise, find entities, run the rules, combine
with the statistical model, and map every span back to the original text.

The model works both ways: it adds a tag the rules missed when it is confident the tag
is there, and drops a rule hit when it is confident the tag is not (only for tags it has
seen enough examples of; see ``statistical``)."""

from __future__ import annotations

import datetime as dt
import logging
from bisect import bisect_left
from dataclasses import replace

from salespulse.signals.tagger import Entity, TagHit, TagResult
from salespulse.signals.tagger.amounts import find_amounts
from salespulse.signals.tagger.competitors import Competitors, matcher_for
from salespulse.signals.tagger.config import TaggerConfig, current_config
from salespulse.signals.tagger.dates import find_dates
from salespulse.signals.tagger.normalize import normalize, to_simplified
from salespulse.signals.tagger.rules import (
    REPORT_CHANNELS,
    RULES_BY_TAG,
    find_rule_hits,
    mask_competitors,
    split_clauses,
    vetoed,
)
from salespulse.signals.tagger.statistical import ADD_THRESHOLD

logger = logging.getLogger(__name__)

RULE_CONFIDENCE = 0.85
# Tags that contradict each other within one message: the model does not add one where
# the rules found the other ("预算批了" must not become pending as well).
EXCLUSIVE = {"budget_approved": "budget_pending", "budget_pending": "budget_approved"}
EVIDENCE_MAX = 300
# Longer texts are tagged in pieces (see ``run``). Cut after one of SENTENCE_ENDS.
CHUNK_CHARS = 20_000
SENTENCE_ENDS = ("。", "！", "？", "!", "?", "\n")


def _normalised_bounds(origin: list[int], start: int, end: int) -> tuple[int, int] | None:
    """Return the normalised span of the original span [start, end), or None when no
    normalised character comes from it. ``origin`` never decreases, so a binary search
    finds both ends."""
    low, high = bisect_left(origin, start), bisect_left(origin, end)
    return (low, high) if low < high else None


def run(
    text: str,
    *,
    channel: str,
    speaker: str,
    sent_at: dt.datetime | None,
    competitors: Competitors | None,
    use_model: bool,
    config: TaggerConfig | None,
) -> TagResult:
    """Tag ``text``. A text longer than CHUNK_CHARS is tagged in pieces cut at sentence
    ends and the results merged, so time and memory grow with the length, not faster."""
    options = {"channel": channel, "speaker": speaker, "sent_at": sent_at, "competitors": competitors,
               "use_model": use_model, "config": config}
    if len(text) <= CHUNK_CHARS:
        return _run_one(text, **options)
    merged = TagResult()
    by_tag: dict[str, TagHit] = {}
    for offset, piece in _pieces(text):
        result = _run_one(piece, **options)
        for hit in result.tags:
            shifted = replace(hit, start=hit.start + offset, end=hit.end + offset)
            first = by_tag.get(hit.tag)
            if first is None:
                by_tag[hit.tag] = shifted
            elif shifted.confidence > first.confidence:
                by_tag[hit.tag] = replace(first, confidence=shifted.confidence)
        merged.entities.extend(
            replace(entity, start=entity.start + offset, end=entity.end + offset) for entity in result.entities
        )
    merged.tags = sorted(by_tag.values(), key=lambda hit: (hit.start, hit.tag))
    return merged


def _pieces(text: str):
    """Yield (offset, piece) with pieces of at most CHUNK_CHARS, cut after the last
    sentence end inside the limit when there is one."""
    start = 0
    while start < len(text):
        end = min(start + CHUNK_CHARS, len(text))
        if end < len(text):
            cut = max(text.rfind(mark, start, end) for mark in SENTENCE_ENDS)
            if cut > start:
                end = cut + 1
        yield start, text[start:end]
        start = end


def _run_one(
    text: str,
    *,
    channel: str,
    speaker: str,
    sent_at: dt.datetime | None,
    competitors: Competitors | None,
    use_model: bool,
    config: TaggerConfig | None,
) -> TagResult:
    config = config or current_config()
    norm = normalize(text)
    result = TagResult()

    matcher = matcher_for(competitors) if competitors is not None else config.matcher()
    masked_positions: list[tuple[int, int]] = []
    for match in matcher.find(text):
        result.entities.append(Entity("competitor", text[match.start : match.end], match.start, match.end, match.name))
        bounds = _normalised_bounds(norm.origin, match.start, match.end)
        if bounds is not None:
            masked_positions.append(bounds)
    simplified = to_simplified(text)  # same offsets as text
    for amount in find_amounts(simplified):
        written = text[amount.start : amount.end]
        result.entities.append(Entity("amount_cny", written, amount.start, amount.end, amount.value))
    if sent_at is not None:
        for date in find_dates(simplified, sent_at):
            result.entities.append(Entity("date", text[date.start : date.end], date.start, date.end, date.value))
    result.entities.sort(key=lambda entity: (entity.start, entity.kind))

    masked = mask_competitors(norm.text, masked_positions)
    hits = find_rule_hits(norm, masked, channel=channel, speaker=speaker, extra=config.extra, enabled=config.enabled)
    by_tag: dict[str, list] = {}
    for hit in hits:
        by_tag.setdefault(hit.tag, []).append(hit)

    probabilities: dict[str, float] = {}
    model = config.model if use_model else None
    if model is not None and not (speaker == "rep" and channel not in REPORT_CHANNELS):
        probabilities = model.probabilities([norm.text])[0]

    vetoed = _vetoed_by_model(model, probabilities, by_tag, norm.text)
    for tag, tag_hits in by_tag.items():
        if tag in vetoed:
            logger.debug("rule hit for %s dropped: model probability %.3f", tag, probabilities[tag])
            continue
        first = tag_hits[0]
        start, end = norm.span(first.start, first.end)
        triggers = []
        for hit in tag_hits:
            t_start, t_end = norm.span(hit.trigger_start, hit.trigger_end)
            if text[t_start:t_end] not in triggers:
                triggers.append(text[t_start:t_end])
        confidence = RULE_CONFIDENCE if tag not in probabilities else (RULE_CONFIDENCE + probabilities[tag]) / 2
        result.tags.append(
            TagHit(tag, round(confidence, 3), start, end, text[start:end].strip()[:EVIDENCE_MAX], "、".join(triggers))
        )

    for tag, probability in probabilities.items():
        if tag in by_tag or probability < ADD_THRESHOLD:
            continue
        if EXCLUSIVE.get(tag) in by_tag:
            continue
        if config.enabled is not None and tag not in config.enabled:
            continue
        added = _model_hit(tag, probability, text, norm, masked, model)
        if added is not None:
            result.tags.append(added)

    result.tags.sort(key=lambda hit: (hit.start, hit.tag))
    return result


def _vetoed_by_model(model, probabilities: dict[str, float], by_tag: dict[str, list], text: str) -> set[str]:
    """Return the tags whose rule hits the model rejects: scored below its veto threshold
    for the whole message and, when the rules found several tags, also for every clause
    the tag was found in. A report with several signals scores each one low as a whole,
    so there the clause must agree."""
    if model is None:
        return set()
    doubtful = {
        tag for tag in by_tag
        if tag in probabilities and model.vetoes(tag, probabilities[tag])
        # The model reads the topic but not the polarity, so negation and conditions
        # are left to the rules ("如果预算批了的话" scores as approved).
        and probabilities.get(EXCLUSIVE.get(tag, ""), 0.0) < 0.5
    }
    if len(by_tag) < 2 or not doubtful:
        return doubtful
    clauses = sorted({(hit.start, hit.end) for tag in doubtful for hit in by_tag[tag]})
    scores = dict(zip(clauses, model.probabilities([text[start:end] for start, end in clauses]), strict=True))
    return {
        tag for tag in doubtful
        if all(model.vetoes(tag, scores[(hit.start, hit.end)][tag]) for hit in by_tag[tag])
    }


def _model_hit(tag, probability, text, norm, masked, model) -> TagHit | None:
    """A tag only the model found: kept when the tag's rule filters (clause and sentence
    vetoes, conditionals for commitments) reject no clause, with the clause the model
    scores highest as evidence."""
    rule = RULES_BY_TAG.get(tag)
    clauses = split_clauses(masked)
    if not clauses:
        return None
    verdicts: dict = {}
    if rule is not None and any(vetoed(rule, clause, verdicts) for clause in clauses):
        return None
    scores = model.probabilities([clause.text for clause in clauses])
    best = max(range(len(clauses)), key=lambda index: scores[index].get(tag, 0.0))
    start, end = norm.span(clauses[best].start, clauses[best].end)
    evidence = text[start:end].strip()[:EVIDENCE_MAX]
    return TagHit(tag, round(probability, 3), start, end, evidence, evidence)
