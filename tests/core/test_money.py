from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from salespulse.core.money import quantize_money


def test_half_up_not_bankers():
    assert quantize_money(Decimal("0.125")) == Decimal("0.13")
    assert quantize_money(Decimal("2.675")) == Decimal("2.68")
    assert quantize_money(Decimal("-0.125")) == Decimal("-0.13")


@given(st.decimals(min_value=-10**9, max_value=10**9, places=6, allow_nan=False, allow_infinity=False))
def test_quantize_is_within_half_cent(value):
    rounded = quantize_money(value)

    assert rounded.as_tuple().exponent == -2
    assert abs(rounded - value) <= Decimal("0.005")
