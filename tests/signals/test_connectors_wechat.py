import datetime as dt

import pytest

from salespulse.signals.connectors import UnknownFormat, detect_source
from tests.signals.helpers import FORMATS, SHANGHAI, errors, events, local, messages, records

MEMOTRACE_CSV = FORMATS / "memotrace_wechatmsg_contact_export.csv"
MEMOTRACE_TXT = FORMATS / "memotrace_wechatmsg_contact_export.txt"
PYWXDUMP_CSV = FORMATS / "pywxdump_wxid_example_wangzhe_0_5001.csv"
EXPORTER_TXT = FORMATS / "wechatexporter_ios_contact_export.txt"


@pytest.mark.parametrize(
    ("path", "source"),
    [
        (MEMOTRACE_CSV, "memotrace"),
        (MEMOTRACE_TXT, "memotrace"),
        (PYWXDUMP_CSV, "pywxdump"),
        (EXPORTER_TXT, "wechatexporter"),
    ],
)
def test_export_layout_detected(path, source):
    assert detect_source(path) == source


def test_pywxdump_users_json_alone_is_rejected_with_reason():
    with pytest.raises(UnknownFormat, match="PyWxDump users.json"):
        detect_source(FORMATS / "pywxdump_users.json")


# --- MemoTrace CSV ---------------------------------------------------------------------


def test_memotrace_csv_reads_epoch_and_sender():
    items = records(MEMOTRACE_CSV)
    first = messages(items)[0]

    assert first.text == "陈经理，报价收到了，38.4万超预算了"
    assert local(first.sent_at) == dt.datetime(2025, 3, 5, 10, 41, 1, tzinfo=SHANGHAI)
    assert (first.sender.kind, first.sender.value, first.sender.display_name) == (
        "wechat_id",
        "wxid_example_wangzhe",
        "王主任-江南区医院",
    )
    assert first.line == 2
    assert first.speaker_hint == ""


def test_memotrace_csv_owner_message_goes_to_counterpart():
    second = messages(records(MEMOTRACE_CSV))[1]

    assert second.speaker_hint == "rep"
    assert [ref.value for ref in second.recipients] == ["wxid_example_wangzhe"]


def test_memotrace_csv_media_and_recall():
    items = records(MEMOTRACE_CSV)

    assert [(item.msgtype, item.text) for item in messages(items)[2:5]] == [
        ("image", "[图片]"),
        ("voice", "[语音]"),
        ("emotion", "[表情包]"),
    ]
    [recall] = events(items)
    assert recall.kind == "recall"
    assert recall.payload["text"] == '"喆" 撤回了一条消息'


def test_memotrace_csv_multiline_text_kept():
    last = messages(records(MEMOTRACE_CSV))[-1]

    assert last.text == "好的👌 另外发票要开增值税专票，抬头：江南区人民医院（示例）\n税号稍后发你"
    assert last.line == 8


def test_memotrace_csv_resaved_as_gbk_still_reads(tmp_path):
    path = tmp_path / "gbk.csv"
    path.write_bytes(MEMOTRACE_CSV.read_bytes().decode("utf-8-sig").encode("gb18030"))

    assert messages(records(path))[0].text == "陈经理，报价收到了，38.4万超预算了"


def test_memotrace_csv_wrong_columns_reported(tmp_path):
    path = tmp_path / "wrong.csv"
    path.write_text("a,b,c\n1,2,3\n", encoding="utf-8")

    [error] = errors(records(path, "memotrace"))

    assert error.line == 1
    assert "MemoTrace" in error.reason


def test_memotrace_csv_short_row_reported_and_rest_read(tmp_path):
    lines = MEMOTRACE_CSV.read_text(encoding="utf-8-sig").split("\n")
    lines[2] = "10232,57,1,0"
    path = tmp_path / "short.csv"
    path.write_text("\n".join(lines), encoding="utf-8")

    items = records(path)

    [error] = errors(items)
    assert (error.line, error.reason) == (3, "expected 12 columns, found 4")
    assert len(messages(items)) == 5


# --- MemoTrace TXT ---------------------------------------------------------------------


def test_memotrace_txt_reads_local_time_and_names():
    items = records(MEMOTRACE_TXT)
    first, second = messages(items)[:2]

    assert first.sent_at == dt.datetime(2025, 3, 5, 10, 41, 1, tzinfo=SHANGHAI)
    assert (first.sender.kind, first.sender.value) == ("nickname", "王主任-江南区医院")
    assert [ref.value for ref in second.recipients] == ["王主任-江南区医院"]


def test_memotrace_txt_time_zone_option():
    first = messages(records(MEMOTRACE_TXT, time_zone="UTC"))[0]

    assert first.sent_at == dt.datetime(2025, 3, 5, 10, 41, 1, tzinfo=dt.UTC)


def test_memotrace_txt_recall_line_is_event():
    items = records(MEMOTRACE_TXT)
    [recall] = events(items)

    assert recall.kind == "recall"
    assert recall.line == 13
    assert [(item.msgtype, item.text) for item in messages(items)[2:5]] == [
        ("image", "[图片]"),
        ("voice", "[语音]"),
        ("emotion", "[表情包]"),
    ]
    assert messages(items)[-1].text == "好的👌 另外发票要开增值税专票，抬头：江南区人民医院（示例）\n税号稍后发你"


def test_memotrace_txt_binary_lines_reported_and_rest_read(tmp_path):
    data = MEMOTRACE_TXT.read_bytes().replace(b"[\xe5\x9b\xbe\xe7\x89\x87]", b"\x00\x01\x02\xff\xfe\x00binary")
    path = tmp_path / "binary.txt"
    path.write_bytes(data)

    items = records(path)

    [error] = errors(items)
    assert error.line == 8
    assert error.reason == "binary or undecodable content"
    assert len(messages(items)) == 5
    assert [event.kind for event in events(items)] == ["recall"]


# --- PyWxDump ------------------------------------------------------------------------


def test_pywxdump_reads_names_from_users_json():
    first = messages(records(PYWXDUMP_CSV))[0]

    assert first.dedupe_key == "wechat:svr:7000000000000000001"
    assert first.sender.display_name == "王主任-江南区医院"
    assert first.sent_at == dt.datetime(2025, 3, 5, 10, 41, 1, tzinfo=SHANGHAI)


def test_pywxdump_voice_keeps_transcript():
    voice = messages(records(PYWXDUMP_CSV))[3]

    assert voice.msgtype == "voice"
    assert voice.text == "样品收到后我们做比对"
    assert voice.payload["play_length"] == 6.0


def test_pywxdump_quote_reply_separated():
    quote = [item for item in messages(records(PYWXDUMP_CSV)) if item.msgtype == "quote"][0]

    assert quote.text == "好的，专票没问题"
    assert quote.quoted_text == "[引用](2025-03-05 10:47:07)喆:另外发票要开增值税专票"
    assert quote.speaker_hint == "rep"


def test_pywxdump_recall_and_group():
    items = records(PYWXDUMP_CSV)

    assert [event.kind for event in events(items)] == ["recall"]
    group = messages(items)[-1]
    assert group.room_id == "12345678901@chatroom"
    assert group.sender.value == "wxid_example_zhoujianhua"


# --- WechatExporter ------------------------------------------------------------------


def test_wechatexporter_owner_is_the_other_party():
    items = messages(records(EXPORTER_TXT))

    assert items[0].speaker_hint == ""
    assert items[1].speaker_hint == "rep"
    assert [ref.value for ref in items[1].recipients] == ["王主任-江南区医院"]
    assert items[1].sent_at == dt.datetime(2025, 3, 5, 10, 42, 2, tzinfo=SHANGHAI)


def test_wechatexporter_placeholders_and_continuation():
    items = records(EXPORTER_TXT)

    assert [(item.msgtype, item.text) for item in messages(items)[2:5]] == [
        ("image", "[图片]"),
        ("voice", '[语音 6"]'),
        ("emotion", "[表情]"),
    ]
    assert messages(items)[-1].text == "好的👌 另外发票要开增值税专票，抬头：江南区人民医院（示例）\n税号稍后发你"
    [recall] = events(items)
    assert (recall.kind, recall.line) == ("recall", 7)
