import datetime as dt
import json

from salespulse.signals.connectors import detect_source
from salespulse.signals.connectors.base import ConnectorOptions
from salespulse.signals.connectors.wecom_contacts import read_wecom_contacts
from tests.signals.helpers import FORMATS, SHANGHAI, errors, events, local, messages, records

ARCHIVE = FORMATS / "wecom_msgaudit_decrypted_messages.jsonl"


def _by_id(items):
    return {item.external_id: item for item in messages(items)}


def test_msgtime_milliseconds_become_aware_time(tmp_path):
    path = tmp_path / "one.jsonl"
    line = {
        "msgid": "m1",
        "action": "send",
        "from": "wmX",
        "tolist": ["rep"],
        "roomid": "",
        "msgtime": 1796004930250,
        "msgtype": "text",
        "text": {"content": "你好"},
    }
    path.write_text(json.dumps(line), encoding="utf-8")

    [message] = messages(records(path))

    assert local(message.sent_at) == dt.datetime(2026, 11, 30, 10, 15, 30, 250000, tzinfo=SHANGHAI)
    assert message.sent_at.utcoffset() == dt.timedelta(0)


def test_sample_archive_detected_as_wecom():
    assert detect_source(ARCHIVE) == "wecom"


def test_sample_archive_splits_messages_and_events():
    items = records(ARCHIVE)

    assert len(messages(items)) == 9
    assert sorted(event.kind for event in events(items)) == ["agree", "recall", "switch"]
    assert errors(items) == []


def test_switch_record_is_an_event_not_a_message():
    items = records(ARCHIVE)
    [switch] = [event for event in events(items) if event.kind == "switch"]

    assert switch.dedupe_key == "wecom:CAQQEXAMPLESWITCH00000000000000000="
    assert switch.actor == "ChenYiMing"
    assert local(switch.occurred_at) == dt.datetime(2025, 3, 5, 10, 55, 50, tzinfo=SHANGHAI)
    assert "CAQQEXAMPLESWITCH00000000000000000=" not in _by_id(items)


def test_recall_points_at_withdrawn_message():
    [recall] = [event for event in events(records(ARCHIVE)) if event.kind == "recall"]

    assert recall.recalls == "wecom:1234567890123456783_1741142583000_external"


def test_agree_record_is_consent_event():
    [agree] = [event for event in events(records(ARCHIVE)) if event.kind == "agree"]

    assert agree.actor == "wmEXAMPLE0000000000000000000000A"


def test_text_message_values():
    message = _by_id(records(ARCHIVE))["1234567890123456782_1741142522000_external"]

    assert message.text == "预算只有30万，院长办公会4月中旬审批，能不能先寄2盒样品？[抱拳]"
    assert message.sender.kind == "wecom_external"
    assert message.sender.value == "wmEXAMPLE0000000000000000000000A"
    assert [ref.value for ref in message.recipients] == ["ChenYiMing"]
    assert local(message.sent_at) == dt.datetime(2025, 3, 5, 10, 42, 2, tzinfo=SHANGHAI)
    assert message.room_id == ""


def test_file_message_lists_attachment():
    message = _by_id(records(ARCHIVE))["1234567890123456783_1741142583000_external"]

    assert message.msgtype == "file"
    assert message.attachments[0]["name"] == "报价单_青禾医疗_2025年3月5日.xlsx"
    assert message.attachments[0]["size"] == 18432
    assert message.speaker_hint == "rep"


def test_media_messages_keep_typed_stubs():
    by_id = _by_id(records(ARCHIVE))
    voice = by_id["1234567890123456785_1741142650000_external"]
    image = by_id["1234567890123456786_1741142700000_external"]

    assert (voice.msgtype, voice.text, voice.payload["play_length"]) == ("voice", "[语音 6秒]", 6)
    assert (image.msgtype, image.text, image.payload["sdkfileid"]) == ("image", "[图片]", "EXAMPLE_SDKFILEID_IMAGE_1")


def test_group_message_keeps_room_id():
    message = _by_id(records(ARCHIVE))["1234567890123456787_1741143000000_external"]

    assert message.room_id == "wrEXAMPLE000000000000000000000RM"
    assert message.text.startswith("@王主任 竞品那边1150元/盒")
    assert message.payload["tolist_count"] == 3


def test_mixed_message_parses_nested_json():
    message = _by_id(records(ARCHIVE))["1234567890123456788_1741143060000_external"]

    assert message.msgtype == "mixed"
    assert message.text == "设备科意见见图\n[图片]"
    assert message.sender.value == "woEXAMPLE0000000000000000000000B"


def test_robot_markdown_reads_info_content():
    message = _by_id(records(ARCHIVE))["1234567890123456789_1741143120000_external"]

    assert message.text == "**提醒**：样品已发出，运单号 SF0000000000000"
    assert message.payload["robot"] is True


def test_internal_chat_gets_internal_hint():
    message = _by_id(records(ARCHIVE))["CAQQEXAMPLEINTERNAL0000000000000="]

    assert message.speaker_hint == "internal"
    assert message.text == "报价审批已过，最低可给1180元/盒，周二一起去医院。"


def test_numbers_sent_as_strings_are_coerced(tmp_path):
    path = tmp_path / "vendor.jsonl"
    line = {
        "msgid": "s1",
        "action": "send",
        "from": "rep1",
        "tolist": "wmA,wmB",
        "roomid": "",
        "msgtime": "1691386666454",
        "msgtype": "file",
        "file": {"filename": "a.pdf", "filesize": "32768", "md5sum": ""},
    }
    path.write_text(json.dumps(line), encoding="utf-8")

    [message] = messages(records(path))

    assert message.sent_at == dt.datetime(2023, 8, 7, 5, 37, 46, 454000, tzinfo=dt.UTC)
    assert message.attachments[0]["size"] == 32768
    assert [ref.value for ref in message.recipients] == ["wmA", "wmB"]


def test_unknown_msgtype_keeps_raw_json(tmp_path):
    path = tmp_path / "new.jsonl"
    line = {
        "msgid": "n1",
        "action": "send",
        "from": "wmA",
        "tolist": ["rep"],
        "roomid": "",
        "msgtime": 1741142400000,
        "msgtype": "jielong",
        "jielong": {"title": "报名"},
    }
    path.write_text(json.dumps(line), encoding="utf-8")

    [message] = messages(records(path))

    assert message.msgtype == "jielong"
    assert message.payload["raw"]["jielong"] == {"title": "报名"}


def test_truncated_line_reported_and_rest_read(tmp_path):
    lines = ARCHIVE.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2][:40]
    path = tmp_path / "cut.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    items = records(path)

    [error] = errors(items)
    assert error.line == 3
    assert error.reason.startswith("invalid JSON")
    assert len(messages(items)) == 8


def test_encrypted_envelope_reports_each_message():
    items = records(FORMATS / "wecom_msgaudit_getchatdata_response.json")

    assert [error.line for error in errors(items)] == [1, 1]
    assert "seq 1001" in errors(items)[0].reason
    assert "DecryptData" in errors(items)[0].reason
    assert messages(items) == []


def test_external_contact_sample_values():
    [contact] = list(read_wecom_contacts(FORMATS / "wecom_externalcontact_get_response.json", ConnectorOptions()))

    assert contact.external_userid == "wmEXAMPLE0000000000000000000000A"
    assert contact.name == "王喆"
    [follow] = contact.follow_users
    assert follow["userid"] == "ChenYiMing"
    assert follow["remark"] == "王主任-江南区人民医院检验科"
    assert follow["remark_corp_name"] == "江南区人民医院（示例）"
    assert follow["remark_mobiles"] == ["13800000002"]
    assert follow["tags"] == ["方案/报价", "生化试剂"]
    assert follow["state"] == "expo2025"


def test_external_contact_detected():
    assert detect_source(FORMATS / "wecom_externalcontact_get_response.json") == "wecom_contacts"
