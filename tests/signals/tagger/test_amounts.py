"""``amount_cny`` entities in every format INTENT_SPEC.md lists, and numbers that are not
money."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from salespulse.signals.tagger.amounts import find_amounts


@pytest.mark.parametrize(
    ("text", "written", "value"),
    [
        ("预算60万", "60万", "600000"),
        ("大概六十万吧", "六十万", "600000"),
        ("单价7.5w", "7.5w", "75000"),
        ("报了0.6M", "0.6M", "600000"),
        ("90K就行", "90K", "90000"),
        ("这单5万3", "5万3", "53000"),
        ("一共十五万六", "十五万六", "156000"),
        ("金额叁拾伍万元整", "叁拾伍万元整", "350000"),
        ("报价¥2,350,000", "¥2,350,000", "2350000"),
        ("￥1,999.00一台", "￥1,999.00", "1999"),
        ("RMB 12,000的运费", "RMB 12,000", "12000"),
        ("合计3,400,000元", "3,400,000元", "3400000"),
        ("一个三毛", "三毛", "0.3"),
        ("单价降到42?", "42", "42"),
        ("三块五一支", "三块五", "3.5"),
    ],
)
def test_amount_format_is_read(text, written, value):
    amounts = find_amounts(text)
    assert [(text[a.start : a.end], a.value) for a in amounts] == [(written, Decimal(value))]


@pytest.mark.parametrize(
    "text",
    ["再给8个点", "能打八折吗", "降了10%", "订3台", "30天内付款", "12月3号到货", "订单号20231204", "每天300个样本"],
)
def test_number_that_is_not_money_is_not_an_amount(text):
    assert find_amounts(text) == []


@given(st.integers(min_value=1, max_value=99_999), st.sampled_from(["万", "w", "W"]))
def test_ten_thousand_units_multiply(number, unit):
    amounts = find_amounts(f"报价{number}{unit}")
    assert [a.value for a in amounts] == [Decimal(number) * 10000]
