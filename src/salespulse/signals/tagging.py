"""Tagging interactions: run the tagger over ``crm.Interaction`` rows and store the hits
as ``Signal`` rows on the interaction's customer and opportunity.

Re-tagging replaces the signals the tagger wrote before, except those a manager has
judged (confirmed or rejected, or with a TagCorrection) and manual ones, so a verdict
survives a new taxonomy or model.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from decimal import Decimal

from django.db import transaction

from salespulse.crm.models import Direction, Interaction
from salespulse.signals.models import Signal, SignalStatus, TagCorrection
from salespulse.signals.tagger import TagResult, tag_text

logger = logging.getLogger(__name__)

CHUNK_SIZE = 500

_SPEAKER_BY_DIRECTION = {Direction.INBOUND: "customer", Direction.OUTBOUND: "rep", Direction.INTERNAL: "internal"}
# Interaction channels as the tagger names them; a phone call's text is a call summary and
# a meeting's text is minutes.
_TAGGER_CHANNEL = {"phone": "call_summary", "meeting": "meeting_minutes", "visit": "call_summary"}


def _speaker(interaction: Interaction) -> str:
    message = getattr(interaction, "message", None)
    if message is not None and message.speaker and message.speaker != "unknown":
        return message.speaker
    return _SPEAKER_BY_DIRECTION.get(interaction.direction, "customer")


def _entities_json(result: TagResult) -> dict[str, list]:
    entities: dict[str, list] = {}
    for entity in result.entities:
        value = entity.value
        if isinstance(value, Decimal):
            value = str(value)
        elif value is not None and not isinstance(value, str):
            value = value.isoformat()
        entities.setdefault(entity.kind, []).append(
            {"text": entity.text, "start": entity.start, "end": entity.end, "value": value}
        )
    return entities


def _signals_for(interaction: Interaction, result: TagResult) -> list[Signal]:
    entities = _entities_json(result)
    competitor = next((entity.text for entity in result.entities if entity.kind == "competitor"), "")
    return [
        Signal(
            interaction=interaction,
            customer_id=interaction.customer_id,
            opportunity_id=interaction.opportunity_id,
            tag=hit.tag,
            confidence=Decimal(str(hit.confidence)).quantize(Decimal("0.001")),
            span_start=hit.start,
            span_end=hit.end,
            evidence=hit.evidence[:300],
            competitor=competitor[:80] if hit.tag == "competitor_preference" else "",
            entities=entities,
            occurred_at=interaction.occurred_at,
        )
        for hit in result.tags
    ]


def _tag_chunk(ids: list[int]) -> int:
    interactions = list(Interaction.objects.filter(pk__in=ids).select_related("message"))
    corrected = set(
        TagCorrection.objects.filter(interaction_id__in=ids).values_list("interaction_id", "tag")
    )
    kept = set(
        Signal.objects.filter(interaction_id__in=ids)
        .filter(manual=True)
        .values_list("interaction_id", "tag")
    ) | set(
        Signal.objects.filter(interaction_id__in=ids)
        .exclude(status=SignalStatus.ACTIVE)
        .values_list("interaction_id", "tag")
    ) | corrected
    new_signals: list[Signal] = []
    for interaction in interactions:
        if not interaction.text:
            continue
        channel = _TAGGER_CHANNEL.get(interaction.channel, interaction.channel)
        result = tag_text(
            interaction.text, channel=channel, speaker=_speaker(interaction), sent_at=interaction.occurred_at
        )
        new_signals.extend(
            signal for signal in _signals_for(interaction, result) if (interaction.pk, signal.tag) not in kept
        )
    with transaction.atomic():
        replaceable = Signal.objects.filter(interaction_id__in=ids, manual=False, status=SignalStatus.ACTIVE)
        if corrected:
            corrected_ids = {interaction_id for interaction_id, _ in corrected}
            for interaction_id in corrected_ids:
                tags = [tag for other, tag in corrected if other == interaction_id]
                replaceable = replaceable.exclude(interaction_id=interaction_id, tag__in=tags)
        replaceable.delete()
        Signal.objects.bulk_create(new_signals, batch_size=CHUNK_SIZE)
    return len(new_signals)


def tag_interactions(interaction_ids: Iterable[int]) -> int:
    """Tag the interactions and store their signals; return the number of signals
    written. Works in chunks of ``CHUNK_SIZE``, each in its own transaction."""
    ids = sorted(set(interaction_ids))
    written = 0
    for offset in range(0, len(ids), CHUNK_SIZE):
        chunk = ids[offset : offset + CHUNK_SIZE]
        written += _tag_chunk(chunk)
        logger.info("tagged interactions %s..%s: %s signals", chunk[0], chunk[-1], written)
    return written


def retag_all(progress_callback: Callable[[int, int], None] | None = None) -> int:
    """Re-tag every interaction with text; ``progress_callback(done, total)`` is called
    after each chunk. Return the number of signals written."""
    ids = list(Interaction.objects.exclude(text="").order_by("pk").values_list("pk", flat=True))
    total = len(ids)
    written = 0
    for offset in range(0, total, CHUNK_SIZE):
        written += _tag_chunk(ids[offset : offset + CHUNK_SIZE])
        if progress_callback is not None:
            progress_callback(min(offset + CHUNK_SIZE, total), total)
    logger.info("re-tagged %s interactions: %s signals", total, written)
    return written
