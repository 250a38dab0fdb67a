"""Turn the cell values people type into sales sheets into exact, typed values.

Each ``parse_*`` function takes a raw cell (text, or a number/date that an XLSX
reader already typed) and returns the value, or raises ``ValueProblem`` with a
translated reason. A parser never guesses: vague text (``约十来万``, ``面议``), a
missing year or a phone number in scientific notation is a problem, not a 0.

Chinese numerals go through cn2an. cn2an has no exact decimal mode (``十五点八`` is
rejected, and it returns floats for decimals), so the integer part and each
fractional digit are converted separately and joined as a Decimal.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import cn2an
from django.utils.translation import gettext as _

from salespulse.core.timeutil import local_zone

TEN_THOUSAND = Decimal(10_000)
HUNDRED_MILLION = Decimal(100_000_000)

# Scale suffixes, longest first so 万亿 wins over 亿.
SCALES = [
    ("万亿", TEN_THOUSAND * HUNDRED_MILLION),
    ("亿", HUNDRED_MILLION),
    ("万", TEN_THOUSAND),
    ("千", Decimal(1000)),
    ("k", Decimal(1000)),
]
CURRENCY_PREFIXES = ("人民币", "rmb", "cny", "¥")
CURRENCY_SUFFIXES = ("元整", "圆整", "元", "圆", "整", "rmb", "cny")
# Words that make an amount approximate; such a value is rejected, never rounded.
VAGUE_WORDS = (
    "约",
    "大约",
    "大概",
    "左右",
    "来",
    "多",
    "余",
    "几",
    "上下",
    "面议",
    "待定",
    "不详",
    "以上",
    "以下",
    "~",
    "～",
    "?",
    "？",
    "至",
    "到",
)
CHINESE_DIGITS = "零〇一二两三四五六七八九壹贰叁肆伍陆柒捌玖拾佰仟十百千万亿"

AMOUNT_RANGE = re.compile(r"\d\s*[-~～—]\s*\d")
ARABIC_NUMBER = re.compile(r"^(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$|^\.\d+$")

# Excel's 1900 date system counts 1900-02-29, a day that did not exist (the Lotus
# leap-year bug), so serial 60 has no date and serials after it are one day late.
EXCEL_EPOCH = dt.date(1899, 12, 30)
EXCEL_FAKE_LEAP_DAY = 60
EXCEL_MAX_SERIAL = 2_958_465  # 9999-12-31

DATE_PATTERN = re.compile(
    r"^(?:(?P<year>\d{4}|\d{2})\s*[年/.\-])?\s*(?P<month>\d{1,2})\s*[月/.\-]\s*(?P<day>\d{1,2})\s*[日号]?"
    r"(?:\s*(?:T|\s)?\s*(?P<hour>\d{1,2})\s*[:时点]\s*(?P<minute>\d{1,2})?\s*分?"
    r"(?:\s*[:]\s*(?P<second>\d{1,2}(?:\.\d+)?)\s*秒?)?)?$"
)
COMPACT_DATE = re.compile(r"^(?P<year>\d{4})(?P<month>\d{2})(?P<day>\d{2})$")
ISO_OFFSET = re.compile(r"(?:[+-]\d{2}:?\d{2}|Z)$")
SCIENTIFIC = re.compile(r"^[+-]?\d+(?:\.\d+)?e[+-]?\d+$", re.IGNORECASE)
PHONE_CHARACTERS = re.compile(r"^\+?[\d\s\-()]+(?:(?:转|ext\.?|x|#)\s*\d+)?$", re.IGNORECASE)
# Cell values quoted in messages and reports are cut to this many characters.
SHOWN_VALUE_CHARS = 60


class ValueProblem(ValueError):
    """A cell value that cannot be turned into the expected type; ``message`` is for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class MissingYear(ValueProblem):
    """A date without a year and no default year; ``value`` is the cell text."""

    def __init__(self, message: str, value: str) -> None:
        super().__init__(message)
        self.value = value


def normalize_text(value: object) -> str:
    """Return ``value`` as NFKC text without surrounding whitespace (full-width → half-width)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFKC", str(value)).strip()


def shorten(value: object, limit: int = SHOWN_VALUE_CHARS) -> str:
    """Return ``value`` as text cut to ``limit`` characters plus "…", for messages and reports."""
    text = value if isinstance(value, str) else normalize_text(value)
    return text if len(text) <= limit else text[:limit] + "…"


def is_blank(value: object) -> bool:
    return normalize_text(value) == ""


def _decimal_from_number(value: int | float | Decimal) -> Decimal:
    # str() of a float is its shortest round-trip form, so 35.4 becomes Decimal("35.4").
    return value if isinstance(value, Decimal) else Decimal(str(value))


def parse_amount(
    value: object,
    *,
    bare_scale: Decimal = Decimal(1),
    max_digits: int | None = None,
    decimal_places: int = 2,
    allow_negative: bool = True,
) -> Decimal:
    """Parse a money amount to a Decimal with ``decimal_places`` places.

    ``bare_scale`` multiplies numbers written without a unit, for sheets with a
    "单位：万元" note above the table; an explicit 万/亿/元 in the cell wins over it.
    ``max_digits`` and ``decimal_places`` are those of the database column the
    amount goes to: a value that does not fit, or that has more decimal places
    after scaling, is a problem, never rounded or cut.
    """
    if isinstance(value, bool):
        raise ValueProblem(_("%(value)s is not an amount.") % {"value": value})
    if isinstance(value, int | float | Decimal):
        amount = _decimal_from_number(value) * bare_scale
        return _fit_amount(amount, shorten(value), max_digits, decimal_places, allow_negative)

    original = normalize_text(value)
    quoted = shorten(original)
    text = re.sub(r"\s+", "", original).lower()
    if not text:
        raise ValueProblem(_("The amount is empty."))
    if any(word in text for word in VAGUE_WORDS) or AMOUNT_RANGE.search(text):
        raise ValueProblem(
            _("%(value)s is an approximate amount; enter an exact figure such as 125000 or 12.5万.")
            % {"value": quoted}
        )

    negative = False
    if text.startswith("(") and text.endswith(")"):
        negative, text = True, text[1:-1]
    if text.startswith(("-", "−")):
        negative, text = not negative, text[1:]
    for prefix in CURRENCY_PREFIXES:
        text = text.removeprefix(prefix)
    if text.startswith("-"):
        negative, text = not negative, text[1:]
    unit_given = False
    for suffix in CURRENCY_SUFFIXES:
        if text.endswith(suffix):
            text, unit_given = text[: -len(suffix)], True
            break

    scale = Decimal(1)
    for suffix, factor in SCALES:
        if (
            text.endswith(suffix)
            and len(text) > len(suffix)
            and ARABIC_NUMBER.match(text[: -len(suffix)])
        ):
            text, scale, unit_given = text[: -len(suffix)], factor, True
            break

    number = _parse_number(text, quoted)
    if ARABIC_NUMBER.match(text) and not unit_given:
        scale = bare_scale
    amount = number * scale
    return _fit_amount(
        -amount if negative else amount, quoted, max_digits, decimal_places, allow_negative
    )


def _fit_amount(
    amount: Decimal,
    quoted: str,
    max_digits: int | None,
    decimal_places: int,
    allow_negative: bool,
) -> Decimal:
    """Return ``amount`` with ``decimal_places`` places, or raise if the column cannot hold it."""
    if not amount.is_finite():
        raise ValueProblem(_("%(value)s is not an amount.") % {"value": quoted})
    if amount < 0 and not allow_negative:
        raise ValueProblem(
            _("%(value)s is a negative amount; this column accepts only zero or more.")
            % {"value": quoted}
        )
    if max_digits is not None:
        limit = Decimal(10) ** (max_digits - decimal_places)
        if abs(amount) >= limit:
            raise ValueProblem(
                _(
                    "%(value)s is too large: amounts must be less than %(limit)s yuan. Check the number of digits and the unit."
                )
                % {"value": quoted, "limit": f"{limit:,}"}
            )
    step = Decimal(1).scaleb(-decimal_places)
    try:
        rounded = amount.quantize(step, rounding=ROUND_HALF_UP)
    except InvalidOperation as error:  # more digits than the decimal context allows
        raise ValueProblem(_("%(value)s is not an amount.") % {"value": quoted}) from error
    if rounded != amount:
        raise ValueProblem(
            _(
                "%(value)s has more than %(places)s decimal places (%(amount)s yuan); round it in the file and import again."
            )
            % {"value": quoted, "places": decimal_places, "amount": f"{amount.normalize():f}"}
        )
    return rounded


def _parse_number(text: str, original: str) -> Decimal:
    """Parse Arabic digits with optional thousands separators, or Chinese numerals."""
    if ARABIC_NUMBER.match(text):
        return Decimal(text.replace(",", ""))
    if text and all(char in CHINESE_DIGITS or char in "点." for char in text):
        return _parse_chinese_number(text, original)
    if text and all(char in CHINESE_DIGITS or char.isdigit() for char in text):
        # Mixed forms such as 3万5千; cn2an's smart mode reads them as whole numbers.
        try:
            mixed = cn2an.cn2an(text, "smart")
        except (ValueError, KeyError, IndexError) as error:
            raise ValueProblem(_("%(value)s is not an amount.") % {"value": original}) from error
        if isinstance(mixed, int):
            return Decimal(mixed)
    raise ValueProblem(_("%(value)s is not an amount.") % {"value": original})


def _parse_chinese_number(text: str, original: str) -> Decimal:
    scale = Decimal(1)
    for suffix, factor in SCALES:
        if "点" in text and text.endswith(suffix):
            text, scale = text[: -len(suffix)], factor
            break
    whole, _separator, fraction = text.partition("点")
    try:
        integer = cn2an.cn2an(whole, "normal") if whole else 0
        digits = "".join(str(cn2an.cn2an(char, "normal")) for char in fraction)
    except (ValueError, KeyError, IndexError) as error:
        raise ValueProblem(_("%(value)s is not an amount.") % {"value": original}) from error
    if isinstance(integer, float) or any(len(str(cn2an.cn2an(c, "normal"))) != 1 for c in fraction):
        raise ValueProblem(_("%(value)s is not an amount.") % {"value": original})
    try:
        return Decimal(f"{integer}.{digits}" if digits else str(integer)) * scale
    except InvalidOperation as error:
        raise ValueProblem(_("%(value)s is not an amount.") % {"value": original}) from error


def excel_serial_to_date(serial: int) -> dt.date:
    """Convert a 1900-system Excel serial day number to a date (45292 is 2024-01-01)."""
    if serial < 1 or serial > EXCEL_MAX_SERIAL or serial == EXCEL_FAKE_LEAP_DAY:
        raise ValueProblem(_("%(value)s is not a valid Excel date number.") % {"value": serial})
    if serial < EXCEL_FAKE_LEAP_DAY:
        return EXCEL_EPOCH + dt.timedelta(days=serial + 1)
    return EXCEL_EPOCH + dt.timedelta(days=serial)


def parse_date(value: object, *, default_year: int | None = None) -> dt.date:
    """Parse a calendar date written the ways Chinese sheets write it.

    A date without a year is accepted only when ``default_year`` is given.
    """
    parsed = _parse_date_parts(value, default_year=default_year)
    return parsed.date() if isinstance(parsed, dt.datetime) else parsed


def parse_datetime(value: object, *, default_year: int | None = None) -> dt.datetime:
    """Parse a date or date and time; naive values are local time. Returns UTC."""
    parsed = _parse_date_parts(value, default_year=default_year)
    if not isinstance(parsed, dt.datetime):
        parsed = dt.datetime.combine(parsed, dt.time.min)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=local_zone())
    return parsed.astimezone(dt.UTC)


def _parse_date_parts(value: object, *, default_year: int | None) -> dt.date | dt.datetime:
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        raise ValueProblem(_("%(value)s is not a date.") % {"value": shorten(value)})
    if isinstance(value, int | float):
        if float(value) != int(value):
            raise ValueProblem(_("%(value)s is not a date.") % {"value": shorten(value)})
        return excel_serial_to_date(int(value))

    text = normalize_text(value)
    if not text:
        raise ValueProblem(_("The date is empty."))
    if text.isdigit():
        compact = COMPACT_DATE.match(text)
        if compact:
            return _build_date(text, compact["year"], compact["month"], compact["day"])
        if len(text) == 4:
            raise ValueProblem(
                _("%(value)s is only a year; enter a full date such as 2025-03-18.")
                % {"value": shorten(text)}
            )
        return excel_serial_to_date(int(text))
    try:
        if "T" in text or ISO_OFFSET.search(text):
            return dt.datetime.fromisoformat(text)
        return _match_date(text, default_year)
    except ValueError as error:
        if isinstance(error, ValueProblem):
            raise
        raise ValueProblem(_("%(value)s is not a date.") % {"value": shorten(text)}) from error


def _match_date(text: str, default_year: int | None) -> dt.date | dt.datetime:
    match = DATE_PATTERN.match(text)
    if not match:
        raise ValueProblem(_("%(value)s is not a date; write it as 2025-03-18.") % {"value": shorten(text)})
    year = match["year"]
    if year is None:
        if default_year is None:
            raise MissingYear(
                _("%(value)s has no year; add the year or choose a default year for the import.")
                % {"value": shorten(text)},
                shorten(text),
            )
        year = str(default_year)
    day = _build_date(text, year, match["month"], match["day"])
    if match["hour"] is None:
        return day
    hour, minute = int(match["hour"]), int(match["minute"] or 0)
    second = Decimal(match["second"] or 0)
    if hour > 23 or minute > 59 or second >= 60:
        raise ValueProblem(_("%(value)s has an invalid time of day.") % {"value": shorten(text)})
    whole_seconds = int(second)
    micro = int((second - whole_seconds) * 1_000_000)
    return dt.datetime.combine(day, dt.time(hour, minute, whole_seconds, micro))


def _build_date(text: str, year: str, month: str, day: str) -> dt.date:
    full_year = int(year) + 2000 if len(year) == 2 else int(year)
    try:
        return dt.date(full_year, int(month), int(day))
    except ValueError as error:
        raise ValueProblem(
            _("%(value)s is not a valid calendar date.") % {"value": shorten(text)}
        ) from error


def parse_phone(value: object) -> str:
    """Return a phone number as text, keeping leading zeros, dashes and extensions.

    A number that Excel turned into scientific notation (``1.38E+10``) lost digits
    and is rejected.
    """
    if isinstance(value, float) and not value.is_integer():
        raise ValueProblem(_("%(value)s is not a phone number.") % {"value": shorten(value)})
    text = normalize_text(value)
    if SCIENTIFIC.match(text.replace(" ", "")):
        raise ValueProblem(
            _(
                "Phone number %(value)s is in scientific notation and has lost digits; format the column as text and export again."
            )
            % {"value": shorten(text)}
        )
    if text.endswith(".0") and text[:-2].isdigit():
        text = text[:-2]
    if not PHONE_CHARACTERS.match(text) or sum(char.isdigit() for char in text) < 5:
        raise ValueProblem(_("%(value)s is not a phone number.") % {"value": shorten(text)})
    return text
