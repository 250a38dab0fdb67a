import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from salespulse.campaigns import metrics

START = dt.date(2026, 3, 2)
END = START + dt.timedelta(days=99)


def test_achievement_rate_twenty_of_fifteen_is_133_3():
    assert metrics.achievement_rate(20, 15) == Decimal("133.3")


def test_achievement_rate_rounds_half_up():
    # 1 of 8 = 12.5 %, 1 of 16 = 6.25 % -> 6.3 (half-up, not banker's 6.2).
    assert metrics.achievement_rate(1, 16) == Decimal("6.3")


def test_achievement_rate_none_when_nothing_required():
    assert metrics.achievement_rate(3, 0) is None


@pytest.mark.parametrize(
    ("today", "weeks"),
    [
        (START - dt.timedelta(days=1), 0),
        (START, 1),
        (START + dt.timedelta(days=6), 1),
        (START + dt.timedelta(days=7), 2),
        (START + dt.timedelta(days=14), 3),
        (END, 15),
        (END + dt.timedelta(days=30), 15),
    ],
)
def test_weeks_started_counts_started_weeks_only(today, weeks):
    assert metrics.weeks_started(START, END, today) == weeks


def test_required_to_date_is_quota_times_weeks_started():
    assert metrics.required_to_date(5, START, END, START + dt.timedelta(days=14)) == 15


def test_case_score_halves_every_fourteen_days():
    fresh = metrics.case_score(reuses=2, endorsements=1, views=3, age_days=0)
    old = metrics.case_score(reuses=2, endorsements=1, views=3, age_days=14)

    assert fresh == pytest.approx(3 * 2 + 2 * 1 + 2.0)
    assert old == pytest.approx(fresh / 2)


def test_case_score_reuse_outweighs_endorsement():
    assert metrics.case_score(reuses=1, endorsements=0, views=0, age_days=0) > metrics.case_score(
        reuses=0, endorsements=1, views=0, age_days=0
    )


def test_share_percent_of_no_cases_is_none():
    assert metrics.share_percent(0, 0) is None


@given(st.integers(min_value=0, max_value=10_000), st.integers(min_value=1, max_value=10_000))
def test_achievement_rate_rounds_half_up_to_tenth(submitted, required):
    rate = metrics.achievement_rate(submitted, required)
    exact = Decimal(submitted) * 100 / Decimal(required)

    assert rate == rate.quantize(Decimal("0.1"))
    assert abs(rate - exact) <= Decimal("0.05")
    # Half-up: an exact midpoint always goes up.
    assert rate - exact != Decimal("-0.05")


@given(st.integers(min_value=-50, max_value=10_000), st.integers(min_value=1, max_value=10_000))
def test_achievement_rate_is_never_negative(submitted, required):
    assert metrics.achievement_rate(submitted, required) >= 0


@given(
    st.integers(min_value=0, max_value=10_000),
    st.integers(min_value=0, max_value=100),
    st.integers(min_value=1, max_value=10_000),
)
def test_achievement_rate_is_monotone_in_submitted(submitted, extra, required):
    assert metrics.achievement_rate(submitted + extra, required) >= metrics.achievement_rate(submitted, required)
