import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from salespulse.core.timeutil import dwell_days, local_date, start_of_local_day

UTC = dt.UTC


def test_local_date_uses_shanghai_not_utc():
    # 2025-03-31 23:59 in Shanghai is 15:59 UTC the same day; 16:30 UTC is April 1st there.
    assert local_date(dt.datetime(2025, 3, 31, 15, 59, tzinfo=UTC)) == dt.date(2025, 3, 31)
    assert local_date(dt.datetime(2025, 3, 31, 16, 30, tzinfo=UTC)) == dt.date(2025, 4, 1)


def test_start_of_local_day_is_midnight_shanghai():
    start = start_of_local_day(dt.date(2025, 1, 1))

    assert start.astimezone(UTC) == dt.datetime(2024, 12, 31, 16, 0, tzinfo=UTC)


def test_open_stay_counts_until_now():
    entered = dt.datetime(2025, 1, 1, tzinfo=UTC)
    now = entered + dt.timedelta(days=2, hours=12)

    assert dwell_days(entered, None, now) == 2.5


@given(
    st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2090, 1, 1), timezones=st.just(UTC)),
    st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(days=3000)),
)
def test_dwell_days_matches_elapsed_seconds(entered, elapsed):
    assert dwell_days(entered, entered + elapsed, entered) * 86400 == pytest.approx(elapsed.total_seconds())


@given(st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2090, 1, 1), timezones=st.just(UTC)))
def test_local_date_contains_the_instant(instant):
    day = local_date(instant)

    assert start_of_local_day(day) <= instant < start_of_local_day(day + dt.timedelta(days=1))
