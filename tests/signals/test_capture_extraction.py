"""Reading pasted WeChat/WeCom snippets and quotes (no database)."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from salespulse.signals.capture import extract_snippet, resolve_time

SHANGHAI = ZoneInfo("Asia/Shanghai")
# 2026-11-30 14:00 in Shanghai.
NOW = dt.datetime(2026, 11, 30, 6, 0, tzinfo=dt.UTC)


def test_header_layout_gives_nickname_time_and_text():
    extraction = extract_snippet("张主任 10:32\n预算已经批下来了，下周三可以签合同", now=NOW)

    assert extraction.layout == "chat"
    assert extraction.nickname == "张主任"
    assert extraction.occurred_at == dt.datetime(2026, 11, 30, 2, 32, tzinfo=dt.UTC)
    assert extraction.text == "预算已经批下来了，下周三可以签合同"
    assert extraction.inbound is True


def test_inline_layout_with_date_reads_the_full_timestamp():
    extraction = extract_snippet("2026/11/30 10:15 王喆: 报价收到了，我们内部讨论一下", now=NOW)

    assert extraction.nickname == "王喆"
    assert extraction.occurred_at == dt.datetime(2026, 11, 30, 10, 15, tzinfo=SHANGHAI)
    assert extraction.text == "报价收到了，我们内部讨论一下"


def test_rep_lines_are_not_the_counterpart_and_both_speakers_are_kept():
    snippet = "我 10:30\n张主任，样品下周到\n张主任 10:32\n好的，到了通知我"

    extraction = extract_snippet(snippet, now=NOW)

    assert extraction.nickname == "张主任"
    assert extraction.occurred_at == dt.datetime(2026, 11, 30, 10, 32, tzinfo=SHANGHAI)
    assert extraction.text == "我：张主任，样品下周到\n张主任：好的，到了通知我"


def test_rep_own_display_name_is_recognised_as_self():
    snippet = "李销售 09:00\n报价发您了\n刘科长 09:05\n收到"

    extraction = extract_snippet(snippet, now=NOW, self_names={"李销售"})

    assert extraction.nickname == "刘科长"
    assert extraction.occurred_at == dt.datetime(2026, 11, 30, 9, 5, tzinfo=SHANGHAI)


def test_file_placeholder_gives_the_attachment_name_and_media_stay_out_of_the_text():
    snippet = "张主任@江南医院 11:02\n[图片]\n[文件] 报价单-2026.pdf\n看一下这个"

    extraction = extract_snippet(snippet, now=NOW)

    assert extraction.attachment_name == "报价单-2026.pdf"
    assert extraction.text == "看一下这个"
    assert extraction.nickname == "张主任"
    assert extraction.organisation == "江南医院"
    assert extraction.channel == "wecom"
    assert extraction.looks_like_quote is True


def test_bare_file_name_line_is_an_attachment():
    extraction = extract_snippet("王喆 08:10\n合同草稿.docx\n请审阅", now=NOW)

    assert extraction.attachment_name == "合同草稿.docx"
    assert extraction.text == "请审阅"


def test_plain_quote_without_header_is_kept_whole_and_outbound():
    quote = "报价单\n客户：江南医院\n全自动生化分析仪 1台\n合计：¥125,000.00"

    extraction = extract_snippet(quote, now=NOW)

    assert extraction.layout == "text"
    assert extraction.nickname == ""
    assert extraction.occurred_at is None
    assert extraction.text == quote
    assert extraction.inbound is False
    assert extraction.looks_like_quote is True


def test_time_words_in_a_message_body_do_not_start_a_new_message():
    extraction = extract_snippet("王喆 10:15\n明天 10:30\n下午 3:00 也可以", now=NOW)

    assert [message.sender for message in extraction.messages] == ["王喆"]
    assert extraction.text == "明天 10:30\n下午 3:00 也可以"


def test_yesterday_prefix_counts_back_one_day():
    extraction = extract_snippet("王喆 昨天 21:40\n好的", now=NOW)

    assert extraction.occurred_at == dt.datetime(2026, 11, 29, 21, 40, tzinfo=SHANGHAI)


def test_a_time_later_than_the_capture_moment_belongs_to_the_day_before():
    # Captured at 14:00; a chat at 23:10 without a date was yesterday's.
    assert resolve_time(None, "23:10", NOW) == dt.datetime(2026, 11, 29, 23, 10, tzinfo=SHANGHAI)


def test_month_day_without_year_after_today_is_last_year():
    assert resolve_time("12-25", "09:00", NOW) == dt.datetime(2025, 12, 25, 9, 0, tzinfo=SHANGHAI)


def test_impossible_time_gives_no_time():
    assert resolve_time(None, "25:61", NOW) is None


@given(
    capture=st.datetimes(
        min_value=dt.datetime(2020, 1, 1), max_value=dt.datetime(2035, 12, 31), timezones=st.just(SHANGHAI)
    ),
    hour=st.integers(0, 23),
    minute=st.integers(0, 59),
)
def test_snippet_time_is_that_local_time_on_the_capture_day_in_utc(capture, hour, minute):
    local_moment = capture.replace(hour=hour, minute=minute, second=0, microsecond=0)
    # A time later than the capture moment is yesterday's (see the test above).
    now = max(capture, local_moment).astimezone(dt.UTC)

    extraction = extract_snippet(f"张主任 {hour:02d}:{minute:02d}\n好的", now=now)

    assert extraction.occurred_at.utcoffset() == dt.timedelta(0)
    assert extraction.occurred_at == local_moment
    assert extraction.occurred_at.astimezone(SHANGHAI).date() == now.astimezone(SHANGHAI).date()
    assert extraction.occurred_at.astimezone(SHANGHAI).time() == dt.time(hour, minute)


def test_quote_amount_is_the_largest_amount_the_tagger_reads():
    extraction = extract_snippet("报价单\n单价：¥62,500.00 × 2\n合计：¥125,000.00", now=NOW)

    assert extraction.amount == Decimal("125000")


def test_chat_amount_in_wan_is_read_as_yuan():
    extraction = extract_snippet("王喆 10:15\n预算大概60万", now=NOW)

    assert extraction.amount == Decimal("600000")
    assert extraction.amounts == [Decimal("600000")]


def test_snippet_without_amount_has_none():
    assert extract_snippet("王喆 10:15\n好的", now=NOW).amount is None
