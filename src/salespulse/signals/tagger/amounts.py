"""Money amounts in yuan (``amount_cny`` entities) as people write them in chats.

Recognised: Arabic or Chinese numerals with 万/w/K/k/M (60万, 六十万, 7.5w, 0.6M, 90K),
colloquial trailing digits (5万3 = 53,000, 十五万六 = 156,000, 三千五 = 3,500), financial
capital numerals (叁拾伍万元整), currency marks and separators (¥2,350,000, ￥1,999.00,
RMB 12,000, 3,400,000元), jiao (三毛 = 0.3, 三块五 = 3.5) and a bare number right after
a price word (单价降到42 → 42). A number with no money unit and no price word is not an
amount, so percentages, discount points (8个点, 八折), quantities, days, dates and order
numbers are left alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import cn2an

_CN_DIGITS = "零〇一二两三四五六七八九"
_CN_NUMERAL = f"[{_CN_DIGITS}十百千万亿]"
_CAPITAL_TO_PLAIN = str.maketrans("壹贰叁肆伍陆柒捌玖拾佰仟萬億圆", "一二三四五六七八九十百千万亿元")
_DIGIT_VALUE = {char: index for index, char in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}
_MULTIPLIER = {"万": 10000, "w": 10000, "W": 10000, "k": 1000, "K": 1000, "千": 1000, "M": 1000000, "m": 1000000}

# A quantity unit, a percent sign or a discount word right after a number means it is
# not money.
_NOT_MONEY_AFTER_RE = re.compile(
    r"\s*(?:%|％|个点|点(?!\d)|折|台|盒|支|人份|人|套|箱|件|天|日|号|月|年|次|份|个|瓶|条|周|小时|分钟|岁|床|家)"
)

_CURRENCY_RE = re.compile(
    r"(?:¥|￥|rmb|RMB|CNY|cny|人民币)\s*(?P<number>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)\s*(?P<unit>万|千|[wWkKmM](?![a-zA-Z]))?(?:元|块)?"
)
_ARABIC_UNIT_RE = re.compile(
    r"(?<![\d.,a-zA-Z])(?P<number>\d+(?:\.\d+)?)\s*(?P<unit>万|[wWkKM](?![a-zA-Z]))(?P<tail>[0-9一二两三四五六七八九](?![\d万千百十台盒支个天号月年点折%]))?(?:元|块)?"
)
_ARABIC_YUAN_RE = re.compile(
    r"(?<![\d.,a-zA-Z])(?P<number>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)\s*(?:千(?=元|块))?(?P<yuan>元|块钱|块)(?P<jiao>[0-9一二两三四五六七八九](?!\d))?"
)
_CHINESE_RE = re.compile(
    rf"(?P<number>{_CN_NUMERAL}*[十百千万亿]{_CN_NUMERAL}*)(?P<yuan>元|块钱|块)?(?P<jiao>[一二两三四五六七八九]毛)?"
)
_CAPITAL_RE = re.compile(
    r"(?P<number>[零壹贰叁肆伍陆柒捌玖拾佰仟萬万億亿]+)(?:元|圆)"
    r"(?P<rest>(?:[零壹贰叁肆伍陆柒捌玖]角)?(?:[零壹贰叁肆伍陆柒捌玖]分)?)整?"
)
_KUAI_JIAO_RE = re.compile(rf"(?P<number>{_CN_NUMERAL}+)块(?P<jiao>[一二两三四五六七八九])(?:毛)?(?![十百千万])")
_JIAO_RE = re.compile(r"(?<![\d十百千万一二两三四五六七八九块元])(?P<number>[一二两三四五六七八九\d])毛(?:钱)?")
_PRICE_WORD_RE = re.compile(
    r"(?:(?:单价|价格|价钱|报价|售价|定价|成本价|出厂价|终端价|开票价|中标价|底价|最低价|每盒|一盒|每台|一台|每人份)"
    r"(?:是|为|在|能|可以|要|就)?(?:再)?(?:降到|降至|降|便宜到|压到|给到|做到|谈到|报|到|至|:|：)?|降到|降至|压到|给到|便宜到)\s*"
    r"(?P<number>\d+(?:\.\d+)?)"
)


@dataclass(frozen=True)
class AmountMatch:
    start: int
    end: int
    value: Decimal


def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text.replace(",", ""))
    except InvalidOperation:
        return None


def _chinese_value(numeral: str) -> Decimal | None:
    """Convert a Chinese numeral, reading a trailing digit after 万/千 colloquially."""
    colloquial = re.fullmatch(rf"(?P<head>.+?)(?P<unit>[万千])(?P<digit>[{_CN_DIGITS}])", numeral)
    try:
        if colloquial and colloquial["head"][-1] not in "零〇":
            head = Decimal(str(cn2an.cn2an(colloquial["head"] + colloquial["unit"], "smart")))
            step = Decimal(_MULTIPLIER[colloquial["unit"]]) / 10
            return head + step * _DIGIT_VALUE[colloquial["digit"]]
        return Decimal(str(cn2an.cn2an(numeral, "smart")))
    except (ValueError, KeyError, IndexError):
        return None


def _is_not_money_after(text: str, end: int) -> bool:
    return _NOT_MONEY_AFTER_RE.match(text, end) is not None


_UNIT_AFTER_RE = re.compile(r"\s*(?:万|w|k|元|块)", re.IGNORECASE)


def find_amounts(text: str) -> list[AmountMatch]:
    """Return the money amounts in ``text`` in order of position, non-overlapping."""
    candidates: list[AmountMatch] = []

    for match in _CURRENCY_RE.finditer(text):
        value = _decimal(match["number"])
        if value is not None:
            candidates.append(AmountMatch(match.start(), match.end(), value * _MULTIPLIER.get(match["unit"] or "", 1)))

    for match in _CAPITAL_RE.finditer(text):
        value = _chinese_value(match["number"].translate(_CAPITAL_TO_PLAIN))
        if value is None:
            continue
        rest = match["rest"].translate(_CAPITAL_TO_PLAIN)
        jiao = re.search(r"(.)角", rest)
        fen = re.search(r"(.)分", rest)
        if jiao:
            value += Decimal(_DIGIT_VALUE.get(jiao[1], 0)) / 10
        if fen:
            value += Decimal(_DIGIT_VALUE.get(fen[1], 0)) / 100
        candidates.append(AmountMatch(match.start(), match.end(), value))

    for match in _ARABIC_UNIT_RE.finditer(text):
        value = _decimal(match["number"])
        if value is None or _is_not_money_after(text, match.end()):
            continue
        multiplier = _MULTIPLIER[match["unit"]]
        value *= multiplier
        if match["tail"]:
            tail = match["tail"]
            value += Decimal(multiplier // 10) * (int(tail) if tail.isdigit() else _DIGIT_VALUE[tail])
        candidates.append(AmountMatch(match.start(), match.end(), value))

    for match in _ARABIC_YUAN_RE.finditer(text):
        value = _decimal(match["number"])
        if value is None:
            continue
        if "千" in match.group():
            value *= 1000
        if match["jiao"]:
            digit = match["jiao"]
            value += Decimal(int(digit) if digit.isdigit() else _DIGIT_VALUE[digit]) / 10
        candidates.append(AmountMatch(match.start(), match.end(), value))

    for match in _CHINESE_RE.finditer(text):
        numeral = match["number"]
        has_money_unit = match["yuan"] or "万" in numeral or "亿" in numeral
        if not has_money_unit or _is_not_money_after(text, match.end()):
            continue
        value = _chinese_value(numeral)
        if value is None:
            continue
        if match["jiao"]:
            value += Decimal(_DIGIT_VALUE[match["jiao"][0]]) / 10
        candidates.append(AmountMatch(match.start(), match.end(), value))

    for match in _KUAI_JIAO_RE.finditer(text):
        value = _chinese_value(match["number"])
        if value is not None:
            value += Decimal(_DIGIT_VALUE[match["jiao"]]) / 10
            candidates.append(AmountMatch(match.start(), match.end(), value))

    for match in _JIAO_RE.finditer(text):
        digit = match["number"]
        value = Decimal(int(digit) if digit.isdigit() else _DIGIT_VALUE[digit]) / 10
        candidates.append(AmountMatch(match.start(), match.end(), value))

    for match in _PRICE_WORD_RE.finditer(text):
        if _is_not_money_after(text, match.end()) or _UNIT_AFTER_RE.match(text, match.end()):
            continue
        value = _decimal(match["number"])
        if value is not None:
            candidates.append(AmountMatch(match.start("number"), match.end("number"), value))

    # Longest first, then earliest: a currency-marked "¥2,350,000" beats its digits.
    candidates.sort(key=lambda item: (-(item.end - item.start), item.start))
    chosen: list[AmountMatch] = []
    covered = bytearray(len(text))  # characters already inside a chosen amount
    for candidate in candidates:
        if not any(covered[candidate.start : candidate.end]):
            chosen.append(candidate)
            covered[candidate.start : candidate.end] = b"\x01" * (candidate.end - candidate.start)
    return sorted(
        (AmountMatch(item.start, item.end, canonical_amount(item.value)) for item in chosen),
        key=lambda item: item.start,
    )


def canonical_amount(value: Decimal) -> Decimal:
    """Drop trailing zeros without switching to exponent notation (600000, 0.3, 1999)."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()
