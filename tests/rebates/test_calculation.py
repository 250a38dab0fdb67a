from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from salespulse.core.errors import DomainError
from salespulse.rebates.calculation import (
    Tier,
    calculate_from_payments,
    calculate_rebate,
    parse_amount,
    parse_tiers,
    period_bounds,
    validate_tiers,
)

STANDARD = parse_tiers(
    [
        {"threshold": "0.00", "rate": "0"},
        {"threshold": "500000.00", "rate": "0.032"},
        {"threshold": "1000000.00", "rate": "0.045"},
    ]
)


def whole(collected: str):
    return calculate_rebate(tiers=STANDARD, mode="whole", collected=Decimal(collected))


@pytest.mark.parametrize(
    ("collected", "rebate"),
    [
        ("1000000.00", "45000.00"),
        ("500000.00", "16000.00"),
        ("499999.99", "0.00"),
        ("1000001.00", "45000.05"),
        ("1000003.00", "45000.14"),
        ("999999.99", "32000.00"),
    ],
)
def test_whole_amount_figures(collected, rebate):
    assert whole(collected).rebate == Decimal(rebate)


def test_whole_rounds_half_up_not_to_even():
    # 1,000,001.00 × 4.5% = 45,000.045: half-even would give 45,000.04.
    result = whole("1000001.00")
    assert result.exact_rebate == Decimal("45000.045")
    assert result.rebate == Decimal("45000.05")


def test_payments_summed_before_tier():
    result = calculate_from_payments(tiers=STANDARD, mode="whole", payments=["120000.10", "300000.10", "79999.80"])
    assert result.collected == Decimal("500000.00")
    assert result.payment_count == 3
    assert result.rate == Decimal("0.032")
    assert result.rebate == Decimal("16000.00")


def test_progressive_slices():
    result = calculate_rebate(tiers=STANDARD, mode="progressive", collected=Decimal("1200000.00"))
    assert result.rebate == Decimal("25000.00")
    assert result.tier_index == 2


def test_threshold_is_inclusive():
    result = whole("500000.00")
    assert result.tier_index == 1
    assert result.tier_threshold == Decimal("500000.00")


def test_amount_to_next_tier():
    result = whole("600000.00")
    assert result.amount_to_next_tier == Decimal("400000.00")
    assert result.next_rate == Decimal("0.045")


def test_top_tier_has_no_next():
    result = whole("1000000.00")
    assert result.amount_to_next_tier is None
    assert result.next_threshold is None


def test_below_first_threshold_reaches_no_tier():
    tiers = validate_tiers([Tier(Decimal("100.00"), Decimal("0.01"))])
    result = calculate_rebate(tiers=tiers, mode="whole", collected=Decimal("99.99"))
    assert result.tier_index is None
    assert result.rebate == Decimal("0.00")
    assert result.amount_to_next_tier == Decimal("0.01")


def test_explanation_in_english():
    with translation.override("en"):
        lines = calculate_from_payments(
            tiers=STANDARD, mode="whole", payments=["120000.10", "300000.10", "79999.80"]
        ).explanation
    assert lines[0] == "Collected 500,000.00 in total, the sum of 3 payments."
    assert lines[1] == "Tier 2 reached: collected 500,000.00 ≥ threshold 500,000.00, rate 3.2%."
    assert lines[2] == "Whole amount: 500,000.00 × 3.2% = 16,000.00."
    assert lines[-1] == "Collect 500,000.00 more to reach the next tier at 1,000,000.00 with rate 4.5%."


def test_progressive_explanation_lists_slices():
    with translation.override("en"):
        lines = calculate_rebate(tiers=STANDARD, mode="progressive", collected=Decimal("1200000.00")).explanation
    assert "Slice from 500,000.00 to 1,000,000.00: 500,000.00 × 3.2% = 16,000.00." in lines
    assert "Slice from 1,000,000.00 to 1,200,000.00: 200,000.00 × 4.5% = 9,000.00." in lines


@pytest.mark.parametrize("value", [0.1, 1.0, True])
def test_number_payment_rejected(value):
    with pytest.raises(DomainError) as error:
        parse_amount(value)
    assert error.value.code == "amount_not_decimal_string"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("NaN", "amount_invalid"),
        ("Infinity", "amount_invalid"),
        ("abc", "amount_invalid"),
        ("-1.00", "amount_negative"),
        ("1.001", "amount_precision"),
        ("1e30", "amount_invalid"),
        ("100000000000000.00", "amount_too_large"),
    ],
)
def test_invalid_payment_rejected(value, code):
    with pytest.raises(DomainError) as error:
        parse_amount(value)
    assert error.value.code == code


def test_invalid_payment_message_names_value():
    with translation.override("en"), pytest.raises(DomainError) as error:
        calculate_from_payments(tiers=STANDARD, mode="whole", payments=["100.00", "-5.00"])
    assert error.value.field == "payments[1]"
    assert error.value.message == "The amount -5.00 is negative. Enter the collected amount as zero or more."


def test_decreasing_rates_rejected():
    with pytest.raises(DomainError) as error:
        parse_tiers([{"threshold": "0", "rate": "0.05"}, {"threshold": "1000000", "rate": "0.04"}])
    assert error.value.code == "tier_rate_decreasing"


def test_repeated_threshold_rejected():
    with pytest.raises(DomainError) as error:
        parse_tiers([{"threshold": "0", "rate": "0.01"}, {"threshold": "0.00", "rate": "0.02"}])
    assert error.value.code == "tier_threshold_repeated"


@pytest.mark.parametrize("rate", ["1.5", "-0.01", "0.0000001", 0.032])
def test_invalid_rate_rejected(rate):
    with pytest.raises(DomainError) as error:
        parse_tiers([{"threshold": "0", "rate": rate}])
    assert error.value.code in {"rate_invalid", "rate_not_decimal_string"}


def test_unknown_mode_rejected():
    with pytest.raises(DomainError) as error:
        calculate_rebate(tiers=STANDARD, mode="flat", collected=Decimal("1.00"))
    assert error.value.code == "mode_invalid"


@pytest.mark.parametrize(
    ("kind", "day", "start", "end"),
    [
        ("month", "2026-02-14", "2026-02-01", "2026-02-28"),
        ("month", "2026-12-31", "2026-12-01", "2026-12-31"),
        ("quarter", "2026-05-20", "2026-04-01", "2026-06-30"),
        ("quarter", "2026-11-01", "2026-10-01", "2026-12-31"),
        ("year", "2028-02-29", "2028-01-01", "2028-12-31"),
    ],
)
def test_period_bounds(kind, day, start, end):
    import datetime as dt

    bounds = period_bounds(kind, dt.date.fromisoformat(day))
    assert bounds == (dt.date.fromisoformat(start), dt.date.fromisoformat(end))


# --- properties --------------------------------------------------------------------------

cents = st.integers(min_value=0, max_value=10**13)
amounts = cents.map(lambda value: Decimal(value) / 100)


@st.composite
def tier_tables(draw):
    """Tier tables with distinct thresholds and non-decreasing rates (the validated shape)."""
    thresholds = sorted(draw(st.sets(st.integers(min_value=0, max_value=10**12), min_size=1, max_size=6)))
    rates = sorted(
        draw(st.lists(st.integers(min_value=0, max_value=10**6), min_size=len(thresholds), max_size=len(thresholds)))
    )
    pairs = zip(thresholds, rates, strict=True)
    return validate_tiers([Tier(Decimal(threshold) / 100, Decimal(rate) / 10**6) for threshold, rate in pairs])


def reference_rebate(tiers, mode, collected: Decimal) -> Decimal:
    """The rebate in exact fractions, rounded half-up to the fen once at the end."""
    amount = Fraction(collected)
    reached = [tier for tier in tiers if amount >= Fraction(tier.threshold)]
    if not reached:
        exact = Fraction(0)
    elif mode == "whole":
        exact = amount * Fraction(reached[-1].rate)
    else:
        exact = Fraction(0)
        for index, tier in enumerate(reached):
            upper = Fraction(reached[index + 1].threshold) if index + 1 < len(reached) else amount
            exact += (upper - Fraction(tier.threshold)) * Fraction(tier.rate)
    fen = exact * 100
    whole_fen = fen.numerator // fen.denominator
    if fen - whole_fen >= Fraction(1, 2):
        whole_fen += 1
    return (Decimal(whole_fen) / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@settings(max_examples=200, deadline=None)
@given(tiers=tier_tables(), mode=st.sampled_from(["whole", "progressive"]), low=amounts, extra=amounts)
def test_rebate_never_decreases(tiers, mode, low, extra):
    smaller = calculate_rebate(tiers=tiers, mode=mode, collected=low).rebate
    larger = calculate_rebate(tiers=tiers, mode=mode, collected=low + extra).rebate
    assert larger >= smaller


@settings(max_examples=200, deadline=None)
@given(tiers=tier_tables(), mode=st.sampled_from(["whole", "progressive"]), collected=amounts)
def test_rebate_equals_fraction_reference(tiers, mode, collected):
    assert calculate_rebate(tiers=tiers, mode=mode, collected=collected).rebate == reference_rebate(
        tiers, mode, collected
    )


@settings(max_examples=100, deadline=None)
@given(payments=st.lists(cents, min_size=1, max_size=8))
def test_payments_sum_equals_single_amount(payments):
    strings = [f"{Decimal(value) / 100:.2f}" for value in payments]
    summed = calculate_from_payments(tiers=STANDARD, mode="whole", payments=strings)
    single = calculate_rebate(tiers=STANDARD, mode="whole", collected=sum(Decimal(text) for text in strings))
    assert summed.rebate == single.rebate


@pytest.mark.parametrize("text", ["500000,00", "1,0,0,0,000.00", "1_000_000", "٥٠٠٠٠٠", "1e5"])
def test_ambiguous_amount_text_is_rejected(text):
    with pytest.raises(DomainError) as error:
        parse_amount(text)

    assert error.value.code == "amount_invalid"


def test_thousands_separators_are_accepted():
    assert parse_amount("1,000,003.00") == Decimal("1000003.00")
