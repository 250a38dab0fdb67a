"""The working-time clock that lead response times are measured on.

Definition: every local calendar day (``settings.TIME_ZONE``, Asia/Shanghai by default)
that is neither a Saturday, a Sunday nor a configured holiday counts in full, all 24
hours of it. Weekend days and holidays count zero hours. The clock does not use office
hours, so a lead created on Saturday 00:30 and answered on Tuesday 10:00 has waited
Monday 00:00 to Tuesday 10:00, which is 34 working hours.

Working days are taken as 86,400 seconds long. NOTE: in a time zone with daylight
saving time, a full day of 23 or 25 hours still counts as 24; Asia/Shanghai has none.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable

from salespulse.core.timeutil import start_of_local_day, to_local

SECONDS_PER_DAY = 86400
SATURDAY = 5


class WorkCalendar:
    """Weekends plus a fixed set of holiday dates."""

    def __init__(self, holidays: Iterable[dt.date] = ()) -> None:
        self._holidays = sorted(set(holidays))
        self._holiday_set = frozenset(self._holidays)

    def is_working_day(self, day: dt.date) -> bool:
        return day.weekday() < SATURDAY and day not in self._holiday_set

    def working_days_between(self, first: dt.date, last: dt.date) -> int:
        """Return the number of working days from ``first`` to ``last``, both included."""
        if last < first:
            return 0
        return _weekdays_between(first, last) - self._weekday_holidays_between(first, last)

    def _weekday_holidays_between(self, first: dt.date, last: dt.date) -> int:
        low = bisect.bisect_left(self._holidays, first)
        high = bisect.bisect_right(self._holidays, last)
        return sum(1 for day in self._holidays[low:high] if day.weekday() < SATURDAY)

    def working_seconds(self, start: dt.datetime, end: dt.datetime) -> float:
        """Return the working seconds from ``start`` to ``end`` (aware datetimes); zero
        when ``end`` is not after ``start``."""
        if end <= start:
            return 0.0
        start_day = to_local(start).date()
        end_day = to_local(end).date()
        if start_day == end_day:
            return (end - start).total_seconds() if self.is_working_day(start_day) else 0.0

        seconds = 0.0
        if self.is_working_day(start_day):
            seconds += (start_of_local_day(start_day + dt.timedelta(days=1)) - start).total_seconds()
        full_days = self.working_days_between(start_day + dt.timedelta(days=1), end_day - dt.timedelta(days=1))
        seconds += full_days * SECONDS_PER_DAY
        if self.is_working_day(end_day):
            seconds += (end - start_of_local_day(end_day)).total_seconds()
        return seconds

    def working_hours(self, start: dt.datetime, end: dt.datetime) -> float:
        return self.working_seconds(start, end) / 3600.0


def _weekdays_between(first: dt.date, last: dt.date) -> int:
    """Return the Monday-to-Friday days from ``first`` to ``last``, both included."""
    days = (last - first).days + 1
    whole_weeks, rest = divmod(days, 7)
    count = whole_weeks * 5
    weekday = first.weekday()
    for offset in range(rest):
        if (weekday + offset) % 7 < SATURDAY:
            count += 1
    return count


def load_calendar() -> WorkCalendar:
    """Return the calendar with the holidays configured on the process-health page."""
    from salespulse.analytics.models import Holiday

    return WorkCalendar(Holiday.objects.values_list("date", flat=True))
