"""``tag_text`` behind the interface: normalise, find entities, run the rules, combine
with the statistical model, and map every span back to the original text.

The model works both ways: it adds a tag the rules missed when it is confident the tag
is there, and drops a rule hit when it is confident the tag is not (only for tags it has
seen enough examples of; see ``statistical``)."""

from __future__ import annotations

import datetime as dt
import logging

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
)
from salespulse.signals.tagger.statistical import ADD_THRESHOLD

logger = logging.getLogger(__name__)

RULE_CONFIDENCE = 0.85
EVIDENCE_MAX = 300


def _normalised_spans(origin: list[int], start: int, end: int) -> list[int]:
    return [index for index, position in enumerate(origin) if start <= position < end]


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
    config = config or current_config()
    norm = normalize(text)
    result = TagResult()

    matcher = matcher_for(competitors) if competitors is not None else config.matcher()
    masked_positions: list[tuple[int, int]] = []
    for match in matcher.find(text):
        result.entities.append(Entity("competitor", text[match.start : match.end], match.start, match.end, match.name))
        indexes = _normalised_spans(norm.origin, match.start, match.end)
        if indexes:
            masked_positions.append((indexes[0], indexes[-1] + 1))
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

    for tag, tag_hits in by_tag.items():
        if model is not None and tag in probabilities and model.vetoes(tag, probabilities[tag]):
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
        if config.enabled is not None and tag not in config.enabled:
            continue
        added = _model_hit(tag, probability, text, norm, masked, model)
        if added is not None:
            result.tags.append(added)

    result.tags.sort(key=lambda hit: (hit.start, hit.tag))
    return result


def _model_hit(tag, probability, text, norm, masked, model) -> TagHit | None:
    """A tag only the model found: kept when no veto of the tag matches, with the clause
    the model scores highest as evidence."""
    rule = RULES_BY_TAG.get(tag)
    clauses = split_clauses(masked)
    if not clauses:
        return None
    if rule is not None and any(
        veto.search(clause.text) for clause in clauses for veto in rule.vetoes
    ):
        return None
    scores = model.probabilities([clause.text for clause in clauses])
    best = max(range(len(clauses)), key=lambda index: scores[index].get(tag, 0.0))
    start, end = norm.span(clauses[best].start, clauses[best].end)
    evidence = text[start:end].strip()[:EVIDENCE_MAX]
    return TagHit(tag, round(probability, 3), start, end, evidence, evidence)
