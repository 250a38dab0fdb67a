"""E-mail layouts written differently from the samples: quote separators of other
clients, HTML bodies with scripts, and mbox bodies holding "From " lines."""

from __future__ import annotations

import datetime as dt

import pytest

from salespulse.signals.connectors.mail import html_to_text, split_quoted
from tests.signals.helpers import errors, messages, records


@pytest.mark.parametrize(
    "separator",
    [
        "-----邮件原件-----",
        "---------- 转发的邮件 ----------",
        "------------------ 原始邮件 ------------------",
        "-----Original Message-----",
    ],
)
def test_dashed_quote_separators_split_new_from_quoted(separator):
    new, quoted = split_quoted(f"同意报价。\n\n{separator}\n发件人: 王主任\n主题: 报价")

    assert new == "同意报价。"
    assert quoted.startswith(separator)


@pytest.mark.parametrize(
    "attribution",
    [
        "王主任 <w@example.cn> 于2025年3月5日周三 10:41写道：",
        '在 2025-03-05 10:41:01，"王主任" <w@example.cn> 写道：',
        "On Wed, Mar 5, 2025 at 10:41 AM Wang <w@example.cn> wrote:",
    ],
)
def test_attribution_line_starts_the_quote(attribution):
    new, quoted = split_quoted(f"收到，周五前回复。\n\n{attribution}\n> 报价单见附件")

    assert new == "收到，周五前回复。"
    assert quoted.startswith(attribution)


def test_noscript_and_template_do_not_leak_into_text():
    markup = "<body><p>你好</p><noscript>请启用脚本</noscript><template><p>模板</p></template><p>价格</p></body>"

    assert html_to_text(markup) == "你好\n价格"


def test_html_only_mail_drops_script_and_style(tmp_path):
    path = tmp_path / "html.eml"
    path.write_bytes(
        b"From: w@example.cn\r\nTo: c@example.cn\r\nSubject: hi\r\nDate: Wed, 05 Mar 2025 10:41:01 +0800\r\n"
        b"Message-ID: <h1@example.cn>\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
        + b"<html><head><style>p{color:red}</style></head>"
        + "<body><p>报价已发</p><script>alert(1)</script></body></html>".encode()
    )

    [message] = messages(records(path))

    assert message.text == "报价已发"


def test_mbox_body_from_line_not_a_separator(tmp_path):
    path = tmp_path / "box.mbox"
    path.write_bytes(
        b"From a@example.cn Thu Mar 20 08:00:00 2025\n"
        b"From: w@example.cn\nTo: c@example.cn\nSubject: one\nDate: Thu, 20 Mar 2025 16:00:00 +0800\n"
        b"Message-ID: <m1@example.cn>\nContent-Type: text/plain; charset=utf-8\n\n"
        + "第一段\n\nFrom zhang@example.cn 报价已收到\n\n".encode()
        + b"From b@example.cn Thu Mar 20 09:00:00 2025\n"
        b"From: l@example.cn\nTo: c@example.cn\nSubject: two\nDate: Thu, 20 Mar 2025 17:00:00 +0800\n"
        b"Message-ID: <m2@example.cn>\nContent-Type: text/plain; charset=utf-8\n\nok\n"
    )

    items = records(path)

    assert not errors(items)
    assert [message.subject for message in messages(items)] == ["one", "two"]
    assert "From zhang@example.cn 报价已收到" in messages(items)[0].text


def test_mbox_with_messages_in_different_encodings(tmp_path):
    path = tmp_path / "mixed.mbox"
    first = (
        b"From a@example.cn Thu Mar 20 08:00:00 2025\nFrom: w@example.cn\nSubject: =?utf-8?b?5oql5Lu3?=\n"
        b"Date: Thu, 20 Mar 2025 16:00:00 +0800\nMessage-ID: <u1@example.cn>\n"
        b"Content-Type: text/plain; charset=utf-8\n\n" + "第一封".encode() + b"\n\n"
    )
    second = (
        b"From b@example.cn Thu Mar 20 09:00:00 2025\nFrom: l@example.cn\nSubject: "
        + "回复：报价".encode("gbk")
        + b"\nDate: Thu, 20 Mar 2025 17:00:00 +0800\nMessage-ID: <g1@example.cn>\n"
        b"Content-Type: text/plain; charset=gbk\n\n" + "好的，同意。".encode("gbk") + b"\n"
    )
    path.write_bytes(first + second)

    items = messages(records(path))

    assert [(item.subject, item.text) for item in items] == [("报价", "第一封"), ("回复：报价", "好的，同意。")]


def _dated_mail(tmp_path, date: str):
    path = tmp_path / "dated.eml"
    path.write_bytes(
        f"From: w@example.cn\nTo: c@example.cn\nSubject: s\nDate: {date}\nMessage-ID: <d1@example.cn>\n\nhi\n".encode()
    )
    return path


@pytest.mark.parametrize("date", ["Thu, 20 Mar 2025 10:00:00", "Thu, 20 Mar 2025 10:00:00 -0000"])
def test_zoneless_date_read_in_run_zone(tmp_path, date):
    [message] = messages(records(_dated_mail(tmp_path, date), time_zone="Europe/Berlin"))

    assert message.sent_at == dt.datetime(2025, 3, 20, 9, 0, tzinfo=dt.UTC)


def test_oa_local_date_read_in_run_zone(tmp_path):
    [message] = messages(records(_dated_mail(tmp_path, "2025-03-05 10:41:01")))

    assert message.sent_at == dt.datetime(2025, 3, 5, 2, 41, 1, tzinfo=dt.UTC)
