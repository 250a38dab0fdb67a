"""A synthetic WeCom chat archive and the peak memory of ingesting it.

``generate_wecom_archive(path, n)`` writes ``n`` decrypted archive messages as JSON
lines: one-to-one text chats between 50 reps and 5,000 customers, with a file, image,
recall or group message mixed in at fixed intervals, deterministic for a given ``n``.
``measure_ingest_memory(path)`` ingests the file into the configured database and
returns the peak resident set size (``resource.getrusage``, the process's maximum) and
the run's counts. Run it from the command line:

    python -m salespulse.signals.benchmarks 1000000 /tmp/archive.jsonl
"""

from __future__ import annotations

import json
import resource
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPS = 50
CUSTOMERS = 5000
START_MS = 1_767_225_600_000  # 2026-01-01 00:00 UTC
PHRASES = (
    "预算只有30万，院长办公会下月审批",
    "报价单已发您邮箱，请查收",
    "能不能先寄2盒样品？",
    "竞品那边1150元/盒，你们能再优惠吗",
    "下周三我们过来做演示",
    "合同已盖章，请安排发货",
)


def _message(index: int) -> dict:
    rep = f"rep{index % REPS:03d}"
    customer = f"wmBENCH{index % CUSTOMERS:08d}"
    inbound = index % 2 == 0
    sender, recipient = (customer, rep) if inbound else (rep, customer)
    record = {
        "msgid": f"bench_{index:010d}_external",
        "action": "send",
        "from": sender,
        "tolist": [recipient],
        "roomid": "",
        "msgtime": START_MS + index * 1000,
        "msgtype": "text",
        "text": {"content": PHRASES[index % len(PHRASES)]},
    }
    if index % 97 == 1:
        record.update(msgtype="file", file={"filename": f"报价单_{index}.xlsx", "filesize": 18432, "md5sum": "0" * 32})
        del record["text"]
    elif index % 89 == 2:
        record.update(msgtype="image", image={"md5sum": "2" * 32, "filesize": 70961, "sdkfileid": f"SDK{index}"})
        del record["text"]
    elif index % 101 == 3 and index > 3:
        record.update(action="recall", msgtype="revoke", revoke={"pre_msgid": f"bench_{index - 1:010d}_external"})
        del record["text"]
    elif index % 53 == 4:
        record.update(roomid=f"wrBENCH{index % 300:05d}", tolist=[recipient, f"rep{(index + 1) % REPS:03d}"])
    return record


def generate_wecom_archive(path: Path | str, n: int) -> Path:
    """Write ``n`` archive messages to ``path``, one JSON object per line."""
    path = Path(path)
    with path.open("w", encoding="utf-8") as handle:
        for index in range(n):
            handle.write(json.dumps(_message(index), ensure_ascii=False))
            handle.write("\n")
    return path


@dataclass(frozen=True)
class IngestMeasurement:
    peak_rss_mb: float
    seconds: float
    counts: dict


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far (Linux reports ru_maxrss in KiB)."""
    usage = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return usage / 1024 if sys.platform != "darwin" else usage / 1024 / 1024


def measure_ingest_memory(path: Path | str) -> IngestMeasurement:
    """Ingest ``path`` into the configured database; return the peak RSS and the time."""
    from salespulse.signals.ingest import ingest_path

    started = time.perf_counter()
    summary = ingest_path(path=Path(path), source="wecom")
    return IngestMeasurement(peak_rss_mb(), time.perf_counter() - started, summary.counts)


def main(argv: list[str] | None = None) -> None:
    import os

    import django

    arguments = argv if argv is not None else sys.argv[1:]
    if len(arguments) != 2:
        raise SystemExit("usage: python -m salespulse.signals.benchmarks N FILE")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "salespulse.settings")
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    n, path = int(arguments[0]), Path(arguments[1])
    started = time.perf_counter()
    generate_wecom_archive(path, n)
    generated = time.perf_counter() - started
    measurement = measure_ingest_memory(path)
    print(
        f"generated {n} messages in {generated:.1f}s; ingested in {measurement.seconds:.1f}s "
        f"({n / measurement.seconds:.0f} records/s); peak RSS {measurement.peak_rss_mb:.0f} MB; {measurement.counts}"
    )


if __name__ == "__main__":
    main()
