"""The Chinese intent tagger (see INTENT_SPEC.md). This module fixes the interface the
rest of the product calls; the engine behind ``tag_text`` lives in this package:
``normalize`` (typos, pinyin, English), ``rules`` (triggers and filters), ``amounts``,
``dates``, ``competitors``, ``statistical`` (the character n-gram model) and ``config``
(database or shipped configuration).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING


@dataclass(frozen=True)
class TagHit:
    """One tag on one text: the span [start, end) of the words that triggered it."""

    tag: str
    confidence: float
    start: int
    end: int
    evidence: str
    trigger: str = ""


@dataclass(frozen=True)
class Entity:
    kind: str  # "competitor", "amount_cny" or "date"
    text: str
    start: int
    end: int
    value: str | Decimal | dt.date | None = None


@dataclass
class TagResult:
    tags: list[TagHit] = field(default_factory=list)
    entities: list[Entity] = field(default_factory=list)

    @property
    def codes(self) -> list[str]:
        return sorted({hit.tag for hit in self.tags})


RULE_CONFIDENCE = 0.85


def tag_text(
    text: str,
    *,
    channel: str = "",
    speaker: str = "customer",
    sent_at: dt.datetime | None = None,
    competitors: list[tuple[str, list[str]]] | None = None,
    use_model: bool = True,
    config: TaggerConfig | None = None,
) -> TagResult:
    """Tag one communication. ``speaker`` is a ``signals.models.Speaker`` value;
    ``competitors`` (name, aliases) replaces the configured list for this call.
    ``use_model=False`` tags with the rules alone; ``config`` replaces the configured
    tags, phrases and model (evaluation and tests)."""
    from salespulse.signals.tagger.engine import run

    return run(
        text,
        channel=channel or "",
        speaker=speaker or "customer",
        sent_at=sent_at,
        competitors=competitors,
        use_model=use_model,
        config=config,
    )


if TYPE_CHECKING:
    from salespulse.signals.tagger.config import TaggerConfig
