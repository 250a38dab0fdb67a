import datetime as dt
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from salespulse.analytics.worktime import WorkCalendar

SHANGHAI = ZoneInfo("Asia/Shanghai")
HOUR = 3600.0


def local(*args):
    return dt.datetime(*args, tzinfo=SHANGHAI)


def test_saturday_lead_answered_tuesday_waits_34_hours():
    calendar = WorkCalendar()
    created = local(2026, 3, 7, 0, 30)  # Saturday
    answered = local(2026, 3, 10, 10, 0)  # Tuesday

    assert created.weekday() == 5
    assert calendar.working_hours(created, answered) == 34.0


def test_pure_weekend_counts_zero():
    calendar = WorkCalendar()

    assert calendar.working_seconds(local(2026, 3, 7, 0, 0), local(2026, 3, 9, 0, 0)) == 0.0


def test_holiday_counts_like_a_weekend_day():
    monday = dt.date(2026, 3, 9)
    calendar = WorkCalendar([monday])

    assert calendar.working_hours(local(2026, 3, 7, 0, 30), local(2026, 3, 10, 10, 0)) == 10.0


def test_holiday_on_a_weekend_is_not_subtracted_twice():
    calendar = WorkCalendar([dt.date(2026, 3, 8)])

    assert calendar.working_days_between(dt.date(2026, 3, 2), dt.date(2026, 3, 15)) == 10


def test_same_working_day_is_wall_time():
    calendar = WorkCalendar()

    assert calendar.working_hours(local(2026, 3, 10, 9, 0), local(2026, 3, 10, 17, 30)) == 8.5


def test_local_midnight_not_utc_midnight_splits_days():
    calendar = WorkCalendar()
    # Friday 23:00 local to Saturday 01:00 local: only Friday's last hour counts.
    friday_late = local(2026, 3, 6, 23, 0)

    assert calendar.working_hours(friday_late, local(2026, 3, 7, 1, 0)) == 1.0


def test_end_before_start_is_zero():
    calendar = WorkCalendar()

    assert calendar.working_seconds(local(2026, 3, 10), local(2026, 3, 9)) == 0.0


moments = st.datetimes(
    min_value=dt.datetime(2025, 12, 1), max_value=dt.datetime(2026, 6, 30), timezones=st.just(SHANGHAI)
)
holiday_sets = st.sets(st.dates(min_value=dt.date(2025, 12, 1), max_value=dt.date(2026, 6, 30)), max_size=20)


@settings(max_examples=300, deadline=None)
@given(moments, moments, moments, holiday_sets)
def test_working_time_is_additive(first, second, third, holidays):
    a, b, c = sorted([first, second, third])
    calendar = WorkCalendar(holidays)

    total = calendar.working_seconds(a, c)
    assert abs(total - (calendar.working_seconds(a, b) + calendar.working_seconds(b, c))) < 1e-6


@settings(max_examples=300, deadline=None)
@given(moments, moments, holiday_sets)
def test_working_time_never_exceeds_wall_time(first, second, holidays):
    start, end = sorted([first, second])
    calendar = WorkCalendar(holidays)

    assert 0 <= calendar.working_seconds(start, end) <= (end - start).total_seconds() + 1e-6


@settings(max_examples=200, deadline=None)
@given(st.dates(min_value=dt.date(2025, 1, 1), max_value=dt.date(2027, 12, 31)), st.floats(0, 1), st.floats(0, 1))
def test_working_time_is_zero_within_a_weekend(day, first_fraction, second_fraction):
    saturday = day + dt.timedelta(days=(5 - day.weekday()) % 7)
    weekend_start = dt.datetime.combine(saturday, dt.time.min, tzinfo=SHANGHAI)
    start, end = sorted([first_fraction, second_fraction])
    span = dt.timedelta(days=2)
    calendar = WorkCalendar()

    assert calendar.working_seconds(weekend_start + span * start, weekend_start + span * end) == 0.0


@settings(max_examples=200, deadline=None)
@given(st.dates(min_value=dt.date(2025, 1, 1), max_value=dt.date(2027, 12, 31)), st.integers(0, 60))
def test_whole_days_count_24_hours_each_working_day(first, length):
    last = first + dt.timedelta(days=length)
    calendar = WorkCalendar()
    expected = sum(1 for offset in range(length + 1) if (first + dt.timedelta(days=offset)).weekday() < 5)

    assert calendar.working_days_between(first, last) == expected
    start = dt.datetime.combine(first, dt.time.min, tzinfo=SHANGHAI)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=SHANGHAI)
    assert calendar.working_seconds(start, end) == expected * 24 * HOUR
