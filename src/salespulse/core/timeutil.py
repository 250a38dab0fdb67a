"""Local-time helpers: data is stored in UTC and shown and bucketed in TIME_ZONE."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone


def local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def to_local(value: dt.datetime) -> dt.datetime:
    return timezone.localtime(value, local_zone())


def local_date(value: dt.datetime) -> dt.date:
    """Return the calendar date of ``value`` in the local zone, not in UTC."""
    return to_local(value).date()


def start_of_local_day(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=local_zone())


def dwell_days(entered_at: dt.datetime, left_at: dt.datetime | None, now: dt.datetime) -> float:
    """Return the length of a stay in days (fractional), counting an open stay up to ``now``."""
    end = left_at or now
    return max((end - entered_at).total_seconds(), 0.0) / 86400.0
