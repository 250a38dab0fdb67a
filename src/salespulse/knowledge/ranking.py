"""How recommendations are scored.

A talk track's score for one objection is::

    score = similarity × category_factor × (OUTCOME_FLOOR + (1 − OUTCOME_FLOOR) × outcome)

* ``similarity``: TF-IDF cosine (0–1) between the objection's words and the track's
  title plus customer's words, over character bigrams with domain concepts
  (``core.textsearch``), so 对接, 接口 and 兼容 or 太贵 and 价格高 meet.
* ``category_factor``: ``SAME_CATEGORY_BONUS`` when the track's category is the
  objection's, else 1.
* ``outcome`` (0–1): the mean of the resolved rate and the speed.
  The resolved rate is Laplace-smoothed, ``(resolved uses + 1) / (uses + 2)``, so a
  track without uses counts 0.5. The speed is ``1 / (1 + hours / SPEED_HALF_HOURS)``
  over the median time to resolve, taken from the promoted objection and from uses
  marked resolved. With no time known the speed is 0.5.

Tracks below ``MIN_SIMILARITY`` are not recommended at all; equal scores go to the
track updated last. A colleague's resolved objection scores
``similarity × (OUTCOME_FLOOR + (1 − OUTCOME_FLOOR) × speed)``.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Hashable, Sequence

from salespulse.core.textsearch import TextIndex

MIN_SIMILARITY = 0.12
SAME_CATEGORY_BONUS = 1.15
# Share of the score that similarity alone guarantees; the rest depends on the outcome.
OUTCOME_FLOOR = 0.6
# A median of this many hours to resolve gives a speed of 0.5.
SPEED_HALF_HOURS = 48.0
UNKNOWN = 0.5

def resolved_rate(uses: int, resolved_uses: int) -> float:
    return (resolved_uses + 1) / (uses + 2)


def speed(durations: Sequence[dt.timedelta]) -> float:
    """Return 0–1 from the median time to resolve; ``UNKNOWN`` with no durations."""
    if not durations:
        return UNKNOWN
    hours = statistics.median(duration.total_seconds() for duration in durations) / 3600
    return 1 / (1 + max(hours, 0.0) / SPEED_HALF_HOURS)


def outcome(uses: int, resolved_uses: int, durations: Sequence[dt.timedelta]) -> float:
    return (resolved_rate(uses, resolved_uses) + speed(durations)) / 2


def combined_score(similarity: float, *, same_category: bool, outcome_value: float) -> float:
    factor = SAME_CATEGORY_BONUS if same_category else 1.0
    return similarity * factor * (OUTCOME_FLOOR + (1 - OUTCOME_FLOOR) * outcome_value)


def similarities(index: TextIndex, query: str) -> dict[Hashable, float]:
    """Return the cosine similarity of ``query`` to every document sharing a token with it."""
    return {match.key: match.similarity for match in index.search(query, min_coverage=0.0)}
