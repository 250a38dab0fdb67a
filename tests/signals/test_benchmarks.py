import json

import pytest

from salespulse.signals.benchmarks import generate_wecom_archive, measure_ingest_memory
from salespulse.signals.models import Event, Message

pytestmark = pytest.mark.django_db


def test_generated_archive_has_n_lines(tmp_path):
    path = generate_wecom_archive(tmp_path / "a.jsonl", 2000)

    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2000
    assert {json.loads(line)["msgtype"] for line in lines} >= {"text", "file", "image", "revoke"}


def test_measure_ingest_memory_on_small_archive(tmp_path):
    path = generate_wecom_archive(tmp_path / "a.jsonl", 2000)

    measurement = measure_ingest_memory(path)

    assert Message.objects.count() + Event.objects.count() == 2000
    assert measurement.counts["messages"] == Message.objects.count()
    assert measurement.counts["recalled"] == Event.objects.filter(kind="recall").count()
    assert measurement.peak_rss_mb > 0
