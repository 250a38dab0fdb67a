import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from salespulse.imports.normalize import (
    ValueProblem,
    excel_serial_to_date,
    normalize_text,
    parse_amount,
    parse_date,
    parse_datetime,
    parse_phone,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12.5万", "125000.00"),
        ("15万元", "150000.00"),
        ("十五点八万", "158000.00"),
        ("¥8,000", "8000.00"),
        ("￥36,500", "36500.00"),
        ("1,020.00", "1020.00"),
        (" 50 万 ", "500000.00"),
        ("(2,300.00)", "-2300.00"),
        ("叁拾伍万肆仟元整", "354000.00"),
        ("8.6万元", "86000.00"),
        ("1,200,000.00", "1200000.00"),
        ("两万", "20000.00"),
        ("3万5千", "35000.00"),
        ("-1.5亿", "-150000000.00"),
        ("人民币壹佰贰拾元", "120.00"),
        ("１２.５万", "125000.00"),
    ],
)
def test_amount_parses_exactly(text, expected):
    assert parse_amount(text) == Decimal(expected)
    assert str(parse_amount(text)) == expected


@pytest.mark.parametrize(
    "text", ["约十来万", "面议", "10万左右", "大概20万", "5-8万", "十几万", "待定"]
)
def test_amount_vague_text_is_rejected(text):
    with pytest.raises(ValueProblem, match="是大概金额"):
        parse_amount(text)


@pytest.mark.parametrize("text", ["abc", "1,00", "12.5.3", "USD 100", "万", "12.5万美元"])
def test_amount_garbage_is_rejected(text):
    with pytest.raises(ValueProblem):
        parse_amount(text)


def test_amount_bare_number_uses_sheet_unit():
    assert parse_amount("12.5", bare_scale=Decimal(10_000)) == Decimal("125000.00")
    assert parse_amount(35.4, bare_scale=Decimal(10_000)) == Decimal("354000.00")


def test_amount_explicit_unit_beats_sheet_unit():
    assert parse_amount("28万", bare_scale=Decimal(10_000)) == Decimal("280000.00")
    assert parse_amount("8000元", bare_scale=Decimal(10_000)) == Decimal("8000.00")


@given(st.decimals(min_value=Decimal("-999999999.99"), max_value=Decimal("999999999.99"), places=2))
def test_amount_round_trips_thousands_format(value):
    assert parse_amount(f"{value:,.2f}") == value


@given(st.decimals(min_value=Decimal("0"), max_value=Decimal("99999.9999"), places=4))
def test_amount_wan_equals_times_ten_thousand(value):
    assert parse_amount(f"{value}万") == (value * 10_000).quantize(Decimal("0.01"))


@given(st.integers(min_value=0, max_value=99_999_999))
def test_amount_chinese_numerals_match_digits(value):
    import cn2an

    assert parse_amount(cn2an.an2cn(value, "up") + "元整") == Decimal(value)


@pytest.mark.parametrize(
    "value",
    [
        "2025年3月18日",
        "25年3月18日",
        "2025/3/18",
        "2025.3.18",
        "2025-03-18",
        45734,
        "45734",
        45734.0,
        "２０２５年３月１８日",
        "20250318",
        dt.date(2025, 3, 18),
        dt.datetime(2025, 3, 18),
    ],
)
def test_date_forms_parse_to_same_day(value):
    assert parse_date(value) == dt.date(2025, 3, 18)


def test_excel_serial_after_fake_leap_day():
    assert parse_date(45292) == dt.date(2024, 1, 1)
    assert excel_serial_to_date(61) == dt.date(1900, 3, 1)
    assert excel_serial_to_date(59) == dt.date(1900, 2, 28)


def test_excel_serial_of_fake_leap_day_is_rejected():
    with pytest.raises(ValueProblem):
        excel_serial_to_date(60)


@given(st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(9999, 12, 31)))
def test_excel_serial_round_trips(day):
    serial = (day - dt.date(1899, 12, 30)).days
    assert excel_serial_to_date(serial) == day


def test_datetime_with_chinese_time_is_local():
    assert parse_datetime("2025年11月3日 14点30分") == dt.datetime(
        2025, 11, 3, 6, 30, tzinfo=dt.UTC
    )


def test_datetime_with_offset_converts_to_utc():
    assert parse_datetime("2011-10-30T01:59:00.000+02:00") == dt.datetime(
        2011, 10, 29, 23, 59, tzinfo=dt.UTC
    )
    assert parse_datetime("2011-10-30T03:00:00.000+01:00") == dt.datetime(
        2011, 10, 30, 2, 0, tzinfo=dt.UTC
    )


# China observed daylight-saving time until 1991, so the fixed +8 offset applies from 1992.
@given(st.datetimes(min_value=dt.datetime(1992, 1, 1), max_value=dt.datetime(2100, 1, 1)))
def test_datetime_local_text_is_eight_hours_ahead_of_utc(moment):
    moment = moment.replace(second=0, microsecond=0)
    text = f"{moment:%Y-%m-%d %H:%M}"
    assert parse_datetime(text) == (moment - dt.timedelta(hours=8)).replace(tzinfo=dt.UTC)


def test_date_without_year_is_rejected():
    with pytest.raises(ValueProblem, match="没有年份"):
        parse_date("3月12日")


def test_date_without_year_uses_default_year():
    assert parse_date("3月12日", default_year=2025) == dt.date(2025, 3, 12)
    assert parse_date("3/7", default_year=2025) == dt.date(2025, 3, 7)


@pytest.mark.parametrize("text", ["下周三", "2025-02-30", "2025", "3月", "hello", "2025-13-01"])
def test_unparseable_date_is_rejected(text):
    with pytest.raises(ValueProblem):
        parse_date(text)


def test_phone_in_scientific_notation_is_rejected():
    with pytest.raises(ValueProblem, match="科学计数法"):
        parse_phone("1.38E+10")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0510-0000000", "0510-0000000"),
        ("13800000002", "13800000002"),
        (13800000002, "13800000002"),
        (13800000002.0, "13800000002"),
        ("＋86 138-0000-0002", "+86 138-0000-0002"),
        ("021-00000000转123", "021-00000000转123"),
    ],
)
def test_phone_keeps_text_form(value, expected):
    assert parse_phone(value) == expected


def test_full_width_text_is_normalised():
    assert normalize_text("　ＡＢＣ（示例）１２３ ") == "ABC(示例)123"
