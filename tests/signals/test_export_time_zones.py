"""Local-time strings of WeChat exports read in the zone given with --tz, across DST changes."""

from __future__ import annotations

import datetime as dt

from tests.signals.helpers import FORMATS, messages, records

UTC = dt.UTC


def exporter_file(tmp_path, *lines: str):
    path = tmp_path / "chat.txt"
    path.write_text("王主任 - 微信聊天记录\n\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_local_time_in_new_york_becomes_utc(tmp_path):
    path = exporter_file(tmp_path, "王主任 (2025-03-05 10:41:01):报价收到")

    [message] = messages(records(path, time_zone="America/New_York"))

    assert message.sent_at.astimezone(UTC) == dt.datetime(2025, 3, 5, 15, 41, 1, tzinfo=UTC)


def test_berlin_spring_change_becomes_utc(tmp_path):
    path = exporter_file(tmp_path, "王主任 (2025-03-30 01:59:59):前", "王主任 (2025-03-30 03:00:00):后")

    before, after = (message.sent_at.astimezone(UTC) for message in messages(records(path, time_zone="Europe/Berlin")))

    assert before == dt.datetime(2025, 3, 30, 0, 59, 59, tzinfo=UTC)
    assert after == dt.datetime(2025, 3, 30, 1, 0, 0, tzinfo=UTC)


def test_berlin_repeated_autumn_hour_keeps_both_messages(tmp_path):
    path = exporter_file(tmp_path, "王主任 (2025-10-26 02:30:00):同一句", "王主任 (2025-10-26 02:30:00):同一句")

    first, second = messages(records(path, time_zone="Europe/Berlin"))

    assert first.sent_at.astimezone(UTC) == dt.datetime(2025, 10, 26, 0, 30, tzinfo=UTC)
    assert first.dedupe_key != second.dedupe_key


def test_pywxdump_local_times_read_in_the_given_zone():
    items = messages(records(FORMATS / "pywxdump_wxid_example_wangzhe_0_5001.csv", time_zone="America/New_York"))

    assert items[0].sent_at.astimezone(UTC) == dt.datetime(2025, 3, 5, 15, 41, 1, tzinfo=UTC)
