"""Relative dates resolved against the message time in Asia/Shanghai."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from salespulse.signals.tagger.dates import SHANGHAI, find_dates, local_date_of


def resolve(text: str, sent_at: dt.datetime) -> dt.date:
    (match,) = find_dates(text, sent_at)
    return match.value


FRIDAY = dt.datetime(2026, 12, 4, 10, 0, tzinfo=SHANGHAI)


def test_next_wednesday_from_a_friday_is_in_the_following_week():
    assert resolve("下周三", FRIDAY) == dt.date(2026, 12, 9)


def test_month_end_is_the_last_day_of_the_month():
    assert resolve("月底", FRIDAY) == dt.date(2026, 12, 31)


def test_start_of_next_month_crosses_the_year_end():
    assert resolve("下个月初", FRIDAY) == dt.date(2027, 1, 1)


def test_next_month_end_in_january_is_february_end():
    assert resolve("下个月底", dt.datetime(2027, 1, 20, tzinfo=SHANGHAI)) == dt.date(2027, 2, 28)


def test_tomorrow_uses_the_shanghai_date_not_utc():
    # 23:30 UTC on Thursday is Friday 07:30 in Shanghai.
    sent_at = dt.datetime(2026, 12, 3, 23, 30, tzinfo=dt.UTC)
    assert resolve("明天", sent_at) == dt.date(2026, 12, 5)


def test_day_of_month_already_past_means_next_month():
    assert resolve("3号", FRIDAY) == dt.date(2027, 1, 3)


FORWARD_EXPRESSIONS = ["下周三", "周一", "月底", "下个月初", "明天", "后天", "3号", "10天后", "年底", "下下周五"]
UTC_TIMES = st.datetimes(
    min_value=dt.datetime(2020, 1, 1), max_value=dt.datetime(2035, 12, 31), timezones=st.just(dt.UTC)
)


@pytest.mark.parametrize("text", FORWARD_EXPRESSIONS)
@given(sent_at=UTC_TIMES)
def test_forward_looking_date_is_never_before_the_message_local_date(text, sent_at):
    matches = find_dates(text, sent_at)
    assert matches and all(match.forward for match in matches)
    assert all(match.value >= local_date_of(sent_at) for match in matches)
