"""Hostile and malformed files: each bad record is reported with its line and reason,
the rest of the file is imported, and nothing crashes the run."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from salespulse.crm.models import Interaction
from salespulse.signals import ingest as ingest_module
from salespulse.signals.connectors.base import MAX_LINE_BYTES, from_epoch
from salespulse.signals.ingest import ingest_path
from salespulse.signals.models import IngestError, IngestJob, IngestStatus, Message
from tests.signals.helpers import FORMATS, errors, messages, records
from tests.signals.ingest_fixtures import build_sample_world

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Below 1e12 a number reads as seconds (FORMATS.md 1.7), so millisecond epochs start there.
MS_FIRST = 10**12 + 1
S_1990 = 631152000
MS_2100 = 4102444800000


def text_line(key: str, **fields) -> str:
    item = {
        "msgid": key,
        "action": "send",
        "from": "wmHOSTILE0000000000000000000000A",
        "tolist": ["ChenYiMing"],
        "roomid": "",
        "msgtime": 1741142461000,
        "msgtype": "text",
        "text": {"content": f"报价 {key}"},
    }
    item.update(fields)
    return json.dumps(item, ensure_ascii=False)


def write_lines(tmp_path, *lines: str, name: str = "archive.jsonl"):
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("msgtime", [-5, 1e20, "1e20", "inf", "abc", True, [1]])
def test_bad_msgtime_is_a_line_error_and_rest_imported(tmp_path, msgtime):
    path = write_lines(tmp_path, text_line("good-1"), text_line("bad", msgtime=msgtime), text_line("good-2"))

    summary = ingest_path(path=path)

    [error] = IngestError.objects.all()
    assert error.line == 2
    assert error.reason.startswith("invalid message record: msgtime")
    assert summary.counts["messages"] == 2
    assert IngestJob.objects.get().status == IngestStatus.DONE


def test_missing_msgtime_reported_by_field_name(tmp_path):
    item = json.loads(text_line("no-time"))
    del item["msgtime"]
    path = write_lines(tmp_path, json.dumps(item))

    [error] = errors(records(path, "wecom"))

    assert error.reason == "invalid message record: msgtime is missing"


@pytest.mark.parametrize("msgid", [None, {"a": 1}, ["x"], True])
def test_msgid_that_is_not_a_string_is_reported_not_stored(tmp_path, msgid):
    path = write_lines(tmp_path, text_line("ok"), text_line("x", msgid=msgid))

    ingest_path(path=path)

    assert list(Message.objects.values_list("external_id", flat=True)) == ["ok"]
    assert IngestError.objects.get().line == 2


def test_json_value_that_is_not_an_object_reported(tmp_path):
    path = write_lines(tmp_path, text_line("ok"), "[1, 2]", '"text"', "null")

    items = records(path, "wecom")

    assert [error.line for error in errors(items)] == [2, 3, 4]
    assert len(messages(items)) == 1


def test_nul_and_lone_surrogate_in_text_stored_cleaned(tmp_path):
    path = tmp_path / "odd.jsonl"
    # json.dumps escapes both characters, as an exporter writing ASCII JSON does.
    path.write_text(json.dumps(json.loads(text_line("odd", text={"content": "a\u0000b \ud800 c"}))) + "\n")

    summary = ingest_path(path=path)

    assert summary.counts["messages"] == 1
    assert Message.objects.get().text == "ab \ufffd c"


def test_nul_in_payload_of_unknown_type_stored_cleaned(tmp_path):
    path = tmp_path / "odd.jsonl"
    path.write_text(json.dumps(json.loads(text_line("odd", msgtype="holo", holo={"k\u0000": "v\u0000"}))) + "\n")

    ingest_path(path=path)

    assert Message.objects.get().payload["raw"]["holo"] == {"k": "v"}


def test_broken_first_line_of_json_lines_keeps_the_rest(tmp_path):
    path = write_lines(tmp_path, text_line("first")[:30], text_line("second"), text_line("third"))

    items = records(path, "wecom")

    assert [error.line for error in errors(items)] == [1]
    assert [message.external_id for message in messages(items)] == ["second", "third"]


def test_line_longer_than_limit_reported_and_rest_read(tmp_path):
    huge = text_line("huge", text={"content": "长" * (MAX_LINE_BYTES // 3 + 10)})
    path = write_lines(tmp_path, text_line("before"), huge, text_line("after"))

    items = records(path, "wecom")

    [error] = errors(items)
    assert error.line == 2
    assert "longer than" in error.reason
    assert [message.external_id for message in messages(items)] == ["before", "after"]


def test_chatrecord_item_that_is_not_an_object_reported(tmp_path):
    path = write_lines(
        tmp_path, text_line("rec", msgtype="chatrecord", chatrecord={"title": "t", "item": ["x"]}), text_line("ok")
    )

    items = records(path, "wecom")

    assert [error.line for error in errors(items)] == [1]
    assert len(messages(items)) == 1


def test_deeply_nested_json_line_reported(tmp_path):
    path = write_lines(tmp_path, "[" * 100000 + "]" * 100000, text_line("ok"))

    items = records(path, "wecom")

    assert [error.line for error in errors(items)] == [1]
    assert len(messages(items)) == 1


def test_external_contact_that_is_not_an_object_reported(tmp_path):
    path = tmp_path / "contacts.jsonl"
    path.write_text(
        json.dumps({"errcode": 0, "external_contact": "wmX"})
        + "\n"
        + json.dumps({"errcode": 0, "external_contact_list": ["wmY"]})
        + "\n"
    )

    items = records(path, "wecom_contacts")

    assert [error.line for error in errors(items)] == [1, 2]


def test_resumed_run_counts_equal_a_clean_run(tmp_path, monkeypatch):
    lines = [text_line(f"m{i}", **{"from": f"wmRESUME{i}"}) for i in range(8)]
    path = write_lines(tmp_path, *lines)
    clean = ingest_path(path=path, dry_run=True).counts
    original = ingest_module._ChunkStore._write
    calls = {"chunks": 0}

    def failing_write(self, chunk):
        calls["chunks"] += 1
        if calls["chunks"] == 2:
            raise RuntimeError("worker killed")
        return original(self, chunk)

    monkeypatch.setattr(ingest_module._ChunkStore, "_write", failing_write)
    with pytest.raises(RuntimeError):
        ingest_path(path=path, chunk_size=4)
    monkeypatch.setattr(ingest_module._ChunkStore, "_write", original)

    summary = ingest_path(path=path, chunk_size=4)

    assert summary.counts == clean


@given(st.integers(min_value=MS_FIRST, max_value=MS_2100 - 1))
def test_msgtime_milliseconds_map_to_the_exact_utc_instant(milliseconds):
    sent_at = from_epoch(milliseconds)

    delta = sent_at - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    assert delta == dt.timedelta(milliseconds=milliseconds)
    assert sent_at.utcoffset() == dt.timedelta(0)
    assert sent_at.astimezone(SHANGHAI).utcoffset() == dt.timedelta(hours=8)


@given(st.integers(min_value=S_1990, max_value=MS_2100 // 1000 - 1))
def test_epoch_seconds_map_to_the_exact_utc_instant(seconds):
    assert from_epoch(str(seconds)) == dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(seconds=seconds)


def test_run_stopped_after_a_commit_but_before_tagging_tags_on_resume(tmp_path, monkeypatch):
    world = build_sample_world()
    lines = [text_line(f"t{i}", **{"from": world.contact.wecom_external_userid}) for i in range(4)]
    path = write_lines(tmp_path, *lines)
    tagged: list[int] = []

    def stopped_before_tagging(ids):
        raise RuntimeError("worker killed after commit")

    monkeypatch.setattr(ingest_module, "tag_new_interactions", stopped_before_tagging)
    with pytest.raises(RuntimeError):
        ingest_path(path=path, chunk_size=2)
    monkeypatch.setattr(ingest_module, "tag_new_interactions", tagged.extend)

    ingest_path(path=path, chunk_size=2)

    assert sorted(set(tagged)) == sorted(
        Interaction.objects.filter(external_id__startswith="msg:").values_list("pk", flat=True)
    )
    assert len(set(tagged)) == 4


def test_long_msgids_stay_distinct(tmp_path):
    path = write_lines(tmp_path, text_line("L" * 300), text_line("L" * 250 + "B"))

    summary = ingest_path(path=path)

    assert summary.counts["messages"] == 2
    assert Message.objects.count() == 2


def test_long_msgid_reimport_adds_nothing(tmp_path):
    path = write_lines(tmp_path, text_line("L" * 300))
    ingest_path(path=path)
    again = write_lines(tmp_path, text_line("L" * 300), name="again.jsonl")

    summary = ingest_path(path=again)

    assert (summary.counts["messages"], summary.counts["duplicates"]) == (0, 1)


def test_long_msgid_recall_hides_message(tmp_path):
    long_id = "R" * 300
    recall = text_line("recall-1", action="recall", msgtype="revoke", revoke={"pre_msgid": long_id})
    path = write_lines(tmp_path, text_line(long_id), recall)

    ingest_path(path=path)

    assert Message.objects.get().recalled is True


@pytest.mark.parametrize("create_time", ["-5", "1e20", "99999999999999999999"])
def test_memotrace_bad_create_time_is_row_error(tmp_path, create_time):
    original = FORMATS / "memotrace_wechatmsg_contact_export.csv"
    sample = original.read_text(encoding="utf-8-sig").splitlines()
    sample[1] = sample[1].replace(",1741142461,", f",{create_time},")
    path = tmp_path / "export.csv"
    path.write_text("\n".join(sample) + "\n", encoding="utf-8-sig")

    items = records(path, "memotrace")

    [error] = errors(items)
    assert error.line == 2
    assert create_time in error.reason
    assert len(messages(items)) == len(messages(records(original, "memotrace"))) - 1


def test_oversized_json_array_refused(tmp_path, monkeypatch):
    from salespulse.signals.connectors import wecom

    monkeypatch.setattr(wecom, "MAX_DOCUMENT_BYTES", 100)
    path = tmp_path / "big.json"
    path.write_text("[" + ",".join([text_line(f"a{i}") for i in range(3)]) + "]", encoding="utf-8")

    [error] = errors(records(path, "wecom"))

    assert "larger than" in error.reason
