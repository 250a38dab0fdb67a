"""Relative dates (下周三, 月底, 明天, 下个月初 …) resolved against the message time.

The message time is converted to Asia/Shanghai first: a message sent at 23:30 UTC on a
Thursday is Friday morning for the customer, and "明天" means Saturday. Forward-looking
expressions (下周X, 月底, N天后, a weekday or day of month without 上/这) resolve to the
message's local date or later; 昨天 and 上周X resolve to the past.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")

_WEEKDAY = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "末": 5}
_CN_NUMBER = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}

_DATE_RE = re.compile(
    r"(?P<day_word>大后天|后天|明天|明早|今天|今晚|昨天)"
    r"|(?P<week_prefix>下下|下个?|这个?|本|上个?)?(?:周|星期|礼拜)(?P<weekday>[一二三四五六日天末])"
    r"|(?P<month_prefix>下个?月|这个?月|本月)?(?P<month_part>月底|月初|月中|底|初|中旬|上旬|下旬|中(?!心|标|间|午|国|旬))"
    r"|(?P<year_part>年底|年前|年后|明年初|明年底)"
    r"|(?:(?P<month>\d{1,2}|[一二三四五六七八九十]{1,3})月)?(?P<day>\d{1,2})(?:号|日)"
    r"|(?P<count>\d{1,3}|[一二两三四五六七八九十])(?:个)?(?P<count_unit>天|个?工作日|周|个?星期)(?:后|以后|之后|内|以内|之内)"
)


@dataclass(frozen=True)
class DateMatch:
    start: int
    end: int
    value: dt.date
    forward: bool


def local_date_of(sent_at: dt.datetime) -> dt.date:
    """Return the Asia/Shanghai calendar date of ``sent_at`` (naive values are UTC)."""
    if sent_at.tzinfo is None:
        sent_at = sent_at.replace(tzinfo=dt.UTC)
    return sent_at.astimezone(SHANGHAI).date()


def _number(text: str) -> int:
    if text.isdigit():
        return int(text)
    if len(text) == 1:
        return _CN_NUMBER[text]
    if text.startswith("十"):
        return 10 + (_CN_NUMBER[text[1]] if len(text) > 1 else 0)
    tens = _CN_NUMBER[text[0]] * 10
    return tens + (_CN_NUMBER[text[2]] if len(text) > 2 else 0)


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.month - 1 + months
    return dt.date(day.year + index // 12, index % 12 + 1, 1)


def _month_end(first: dt.date) -> dt.date:
    return first.replace(day=calendar.monthrange(first.year, first.month)[1])


def _resolve(match: re.Match[str], today: dt.date) -> tuple[dt.date, bool] | None:
    if word := match["day_word"]:
        offsets = {"大后天": 3, "后天": 2, "明天": 1, "明早": 1, "今天": 0, "今晚": 0, "昨天": -1}
        return today + dt.timedelta(days=offsets[word]), offsets[word] >= 0
    if match["weekday"]:
        weekday = _WEEKDAY[match["weekday"]]
        prefix = (match["week_prefix"] or "").replace("个", "")
        monday = today - dt.timedelta(days=today.weekday())
        if prefix == "下":
            return monday + dt.timedelta(days=7 + weekday), True
        if prefix == "下下":
            return monday + dt.timedelta(days=14 + weekday), True
        if prefix == "上":
            return monday + dt.timedelta(days=weekday - 7), False
        if prefix in ("这", "本"):
            value = monday + dt.timedelta(days=weekday)
            return value, value >= today
        # A bare weekday means the next one on or after today.
        return today + dt.timedelta(days=(weekday - today.weekday()) % 7), True
    if part := match["month_part"]:
        prefix = (match["month_prefix"] or "").replace("个", "")
        if not prefix and part in ("底", "初", "中", "中旬", "上旬", "下旬"):
            return None  # "底" or "初" alone is not a date (底价, 初步)
        first = _add_months(today.replace(day=1), 1 if prefix.startswith("下") else 0)
        part = part.removeprefix("月")
        if part in ("底", "下旬"):
            value = _month_end(first) if part == "底" else first.replace(day=21)
        elif part in ("中", "中旬"):
            value = first.replace(day=15)
        else:
            value = first
        if not prefix and value < today:  # 月初 said after the first: next month's start
            value = _add_months(first, 1) if part in ("初", "上旬") else today
        return max(value, today) if not prefix.startswith("下") else value, True
    if part := match["year_part"]:
        if part in ("年底", "年前"):
            return dt.date(today.year, 12, 31), True
        if part == "年后":
            return dt.date(today.year + 1, 1, 1), True
        if part == "明年初":
            return dt.date(today.year + 1, 1, 1), True
        return dt.date(today.year + 1, 12, 31), True
    if match["day"]:
        day = int(match["day"])
        if match["month"]:
            month = _number(match["month"])
            if not 1 <= month <= 12 or not 1 <= day <= calendar.monthrange(today.year, month)[1]:
                return None
            value = dt.date(today.year, month, day)
            # A date more than two months back is next year's ("1月5号" said in December).
            if (today - value).days > 60:
                value = value.replace(year=today.year + 1)
            return value, value >= today
        first = today.replace(day=1)
        if day < today.day:
            first = _add_months(first, 1)
        if not 1 <= day <= calendar.monthrange(first.year, first.month)[1]:
            return None
        return first.replace(day=day), True
    if match["count"]:
        count = _number(match["count"])
        unit = match["count_unit"]
        days = count * 7 if ("周" in unit or "星期" in unit) else count
        return today + dt.timedelta(days=days), True
    return None


def find_dates(text: str, sent_at: dt.datetime) -> list[DateMatch]:
    """Return the dates in ``text`` resolved against ``sent_at`` (Asia/Shanghai). A date
    that would fall outside the calendar (sent in the year 9999) is left out."""
    try:
        today = local_date_of(sent_at)
    except OverflowError:
        return []
    found = []
    for match in _DATE_RE.finditer(text):
        try:
            resolved = _resolve(match, today)
        except OverflowError:
            continue
        if resolved is not None:
            found.append(DateMatch(match.start(), match.end(), resolved[0], resolved[1]))
    return found
