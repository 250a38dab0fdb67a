import datetime as dt

import docx

from salespulse.signals.connectors import detect_source
from tests.signals.helpers import SHANGHAI, SUMMARIES, errors, messages, records


def test_markdown_minutes_header_fields():
    [minutes] = messages(records(SUMMARIES / "minutes_jiangnan.md"))

    assert detect_source(SUMMARIES / "minutes_jiangnan.md") == "meeting_minutes"
    assert minutes.subject == "江南区人民医院检验科 方案沟通会纪要"
    assert minutes.sent_at == dt.datetime(2025, 3, 18, 14, 0, tzinfo=SHANGHAI)
    assert minutes.speaker_hint == "mixed"
    assert (minutes.sender.kind, minutes.sender.value) == ("nickname", "陈一鸣")
    assert [(ref.kind, ref.value) for ref in minutes.recipients] == [
        ("nickname", "王喆"),
        ("nickname", "江南区人民医院（示例）"),
    ]
    assert "竞品报价1150元/盒" in minutes.text


def test_call_summary_text_file():
    path = SUMMARIES / "call_summary_wangzhe.txt"
    [call] = messages(records(path))

    assert detect_source(path) == "call_summary"
    assert call.channel == "phone"
    assert call.sent_at == dt.datetime(2025, 3, 20, 9, 30, tzinfo=SHANGHAI)
    assert call.recipients[0].kind == "phone"
    assert call.recipients[0].value == "13800000002"
    assert call.direction_hint == "outbound"


def test_docx_minutes(tmp_path):
    path = tmp_path / "纪要.docx"
    document = docx.Document()
    document.add_paragraph("会议时间：2025年3月25日 15:00")
    document.add_paragraph("客户：北辰县中医院（示例）")
    document.add_paragraph("李主任说需要总部审批。")
    document.save(str(path))

    [minutes] = messages(records(path))

    assert minutes.sent_at == dt.datetime(2025, 3, 25, 15, 0, tzinfo=SHANGHAI)
    assert minutes.text.endswith("李主任说需要总部审批。")
    assert minutes.recipients[0].value == "北辰县中医院（示例）"


def test_minutes_without_time_reported(tmp_path):
    path = tmp_path / "minutes.txt"
    path.write_text("客户：北辰县中医院（示例）\n讨论了预算。\n", encoding="utf-8")

    [error] = errors(records(path, "meeting_minutes"))

    assert error.line == 1
    assert "时间" in error.reason


def test_minutes_binary_line_reported_rest_kept(tmp_path):
    path = tmp_path / "minutes.txt"
    path.write_bytes("时间：2025-03-18 14:00\n".encode() + b"\x00\x01\x02\x03garbage\n" + "预算已批。\n".encode())

    items = records(path, "meeting_minutes")

    assert [(error.line, error.reason) for error in errors(items)] == [(2, "binary or undecodable content")]
    assert messages(items)[0].text == "时间：2025-03-18 14:00\n预算已批。"


def test_calls_csv_rows():
    items = records(SUMMARIES / "calls.csv")

    first, second = messages(items)
    assert first.sent_at == dt.datetime(2025, 3, 21, 10, 0, tzinfo=SHANGHAI)
    assert first.text == "王主任来电询问交货期，希望4月1日前到货"
    assert first.direction_hint == "inbound"
    assert first.payload["duration"] == "180"
    assert second.recipients[0].value == "13800000003"
    assert second.line == 3


def test_calls_csv_wrong_columns_reported(tmp_path):
    path = tmp_path / "calls.csv"
    path.write_text("姓名,年龄\n张三,30\n", encoding="utf-8")

    [error] = errors(records(path, "call_summary"))

    assert error.line == 1
    assert "通话时间" in error.reason


def test_calls_csv_bad_row_reported_rest_read(tmp_path):
    path = tmp_path / "calls.csv"
    lines = (SUMMARIES / "calls.csv").read_text(encoding="utf-8").splitlines()
    path.write_text(
        "\n".join([lines[0], "2025-03-21 09:00,缺列", lines[1], "昨天,客户,人,1380,呼入,1,x", lines[2]]) + "\n",
        encoding="utf-8",
    )

    items = records(path, "call_summary")

    assert [(error.line, error.reason) for error in errors(items)] == [
        (2, "expected 7 columns, found 2"),
        (4, "call time '昨天' is not a time"),
    ]
    assert len(messages(items)) == 2
