"""Paths of the signals fixtures and a helper that reads one file's records."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

from salespulse.signals.connectors import ParsedEvent, ParsedMessage, ParseError, read_records
from salespulse.signals.connectors.base import ConnectorOptions

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "signals"
FORMATS = FIXTURES / "synthetic_format_samples"
CN_EMAIL = FIXTURES / "synthetic_cn_email"
IMAP_TOOLS = FIXTURES / "email_fixtures_imap_tools"
SUMMARIES = FIXTURES / "summaries"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def records(path: Path, source: str | None = None, time_zone: str = "Asia/Shanghai") -> list:
    return list(read_records(path, source, ConnectorOptions(time_zone=time_zone)))


def messages(items: list) -> list[ParsedMessage]:
    return [item for item in items if isinstance(item, ParsedMessage)]


def events(items: list) -> list[ParsedEvent]:
    return [item for item in items if isinstance(item, ParsedEvent)]


def errors(items: list) -> list[ParseError]:
    return [item for item in items if isinstance(item, ParseError)]


def local(value: dt.datetime) -> dt.datetime:
    return value.astimezone(SHANGHAI)
