"""How recommendations are scored, and the per-process cache of text indexes.

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
import hashlib
import statistics
import threading
from collections import OrderedDict
from collections.abc import Hashable, Sequence

from salespulse.core.textsearch import TextIndex

MIN_SIMILARITY = 0.12
SAME_CATEGORY_BONUS = 1.15
# Share of the score that similarity alone guarantees; the rest depends on the outcome.
OUTCOME_FLOOR = 0.6
# A median of this many hours to resolve gives a speed of 0.5.
SPEED_HALF_HOURS = 48.0
UNKNOWN = 0.5

_CACHE_SIZE = 8
_cache: OrderedDict[tuple[str, str], TextIndex] = OrderedDict()
_cache_lock = threading.Lock()


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


def cached_index(name: str, documents: Sequence[tuple[Hashable, str]]) -> TextIndex:
    """Return a ``TextIndex`` over ``documents`` with concepts, built once per distinct corpus.

    The key is a hash of every key and text, so an edited, added or deleted document
    gives a new index. The last ``_CACHE_SIZE`` indexes stay in this process's memory.
    """
    digest = hashlib.sha1(usedforsecurity=False)
    for key, text in documents:
        digest.update(f"{key}\x1f{text}\x1e".encode())
    cache_key = (name, digest.hexdigest())

    with _cache_lock:
        index = _cache.get(cache_key)
        if index is not None:
            _cache.move_to_end(cache_key)
            return index

    index = TextIndex(documents, concepts=True)
    with _cache_lock:
        _cache[cache_key] = index
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return index


def similarities(index: TextIndex, query: str) -> dict[Hashable, float]:
    """Return the cosine similarity of ``query`` to every document sharing a token with it."""
    return {match.key: match.similarity for match in index.search(query, min_coverage=0.0)}
