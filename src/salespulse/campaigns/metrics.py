"""Campaign arithmetic: required cases to date, achievement rate and case score.

Pure functions on numbers and dates, so the page, the API and the tests agree.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import ROUND_HALF_UP, Decimal

TENTH = Decimal("0.1")

# Case score weights and the recency half-life; docs/campaigns.md and the scoring page
# state the same formula.
REUSE_WEIGHT = 3
ENDORSEMENT_WEIGHT = 2
VIEW_WEIGHT = 1
HALF_LIFE_DAYS = 14
REUSED_WIDELY_THRESHOLD = 3


def weeks_started(starts_on: dt.date, ends_on: dt.date, today: dt.date) -> int:
    """Return how many campaign weeks have started by local date ``today`` (0 before the start).

    Week *n* starts on ``starts_on + 7 × (n − 1)``; no week starts after ``ends_on``.
    """
    if today < starts_on:
        return 0
    last_day = min(today, ends_on)
    return (last_day - starts_on).days // 7 + 1


def required_to_date(weekly_quota: int, starts_on: dt.date, ends_on: dt.date, today: dt.date) -> int:
    return weekly_quota * weeks_started(starts_on, ends_on, today)


def achievement_rate(submitted: int, required: int) -> Decimal | None:
    """Return submitted ÷ required as a percentage, half-up to 0.1 (20 of 15 → 133.3).

    Returns None when nothing is required yet. Above 100 is possible and kept.
    """
    if required <= 0:
        return None
    percent = Decimal(max(submitted, 0)) * 100 / Decimal(required)
    return percent.quantize(TENTH, rounding=ROUND_HALF_UP)


def case_score(*, reuses: int, endorsements: int, views: int, age_days: float) -> float:
    """Return (3 × reuses + 2 × endorsements + log2(1 + views)) × 0.5^(age_days / 14).

    ``reuses`` counts distinct colleagues who submitted a reuse; ``age_days`` is the time
    since submission. A case loses half its score every 14 days.
    """
    base = REUSE_WEIGHT * reuses + ENDORSEMENT_WEIGHT * endorsements + VIEW_WEIGHT * math.log2(1 + views)
    decay = 0.5 ** (max(age_days, 0.0) / HALF_LIFE_DAYS)
    return base * decay


def share_percent(part: int, whole: int) -> Decimal | None:
    if whole <= 0:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(TENTH, rounding=ROUND_HALF_UP)
