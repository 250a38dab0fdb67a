"""Connectors: one generator per input format, and the format detection that picks one.

``read_records(path, source=None, options=...)`` yields the records of one file;
``detect_source(path)`` names its format from the extension and the first bytes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from salespulse.signals.connectors.base import (
    ConnectorOptions,
    IdentityRef,
    ParsedContact,
    ParsedEvent,
    ParsedMessage,
    ParseError,
    Record,
)
from salespulse.signals.connectors.mail import read_eml, read_mbox
from salespulse.signals.connectors.minutes import read_calls_csv, read_minutes
from salespulse.signals.connectors.wechat import (
    MEMOTRACE_COLUMNS,
    PYWXDUMP_COLUMNS,
    read_csv_header,
    read_memotrace_csv,
    read_memotrace_txt,
    read_pywxdump_csv,
    read_wechatexporter_txt,
)
from salespulse.signals.connectors.wecom import read_wecom_archive
from salespulse.signals.connectors.wecom_contacts import read_wecom_contacts

__all__ = [
    "ConnectorOptions",
    "IdentityRef",
    "ParseError",
    "ParsedContact",
    "ParsedEvent",
    "ParsedMessage",
    "Record",
    "UnknownFormat",
    "detect_source",
    "read_records",
]


class UnknownFormat(ValueError):
    """Raised when a file's format is not recognised; the message names what was read."""


# Source names that ``--source`` accepts, beyond the ``SourceKind`` values.
SOURCES = (
    "wecom",
    "wecom_contacts",
    "memotrace",
    "pywxdump",
    "wechatexporter",
    "email",
    "call_summary",
    "meeting_minutes",
    "calls_csv",
)
MEMOTRACE_TXT_START = re.compile(rb"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} ")
# WechatExporter's title line ends in " - 微信聊天记录"; its message lines hold "name (time):".
EXPORTER_START = re.compile(
    rb"^(.+ - " + "微信聊天记录".encode() + rb"|.+ \(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\):)"
)
CALL_WORDS = ("call", "通话", "电话", "来电")


def detect_source(path: Path) -> str:
    """Name the format of ``path``; raise ``UnknownFormat`` with what was seen."""
    suffix = path.suffix.lower()
    if suffix == ".eml":
        return "email"
    if suffix in (".mbox", ".mbx"):
        return "email"
    if suffix == ".docx":
        return _summary_kind(path, b"")
    with path.open("rb") as handle:
        head = handle.read(65536)
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if suffix in (".json", ".jsonl", ".ndjson") or stripped.startswith((b"{", b"[")):
        if b'"external_contact' in head:
            return "wecom_contacts"
        if b'"msgid"' in head or b'"chatdata"' in head:
            return "wecom"
        if b'"wxid"' in head and b'"nickname"' in head:
            raise UnknownFormat(
                "this is a PyWxDump users.json; it contains names only and is read automatically "
                "with the PyWxDump CSV files in the same folder"
            )
        raise UnknownFormat(f"JSON without msgid or external_contact keys: {stripped[:80]!r}")
    if suffix == ".csv":
        header = read_csv_header(path)
        if header[: len(MEMOTRACE_COLUMNS)] == MEMOTRACE_COLUMNS:
            return "memotrace"
        if header[: len(PYWXDUMP_COLUMNS)] == PYWXDUMP_COLUMNS:
            return "pywxdump"
        return "calls_csv"
    if stripped.startswith(b"From ") and b"\nFrom:" in head or b"\nMessage-ID:" in head.replace(b"\r", b""):
        return "email"
    if suffix in (".txt", ".md", ""):
        first_line = stripped.split(b"\n", 1)[0]
        if suffix != ".md" and MEMOTRACE_TXT_START.match(first_line):
            return "memotrace"
        if suffix != ".md" and EXPORTER_START.match(first_line):
            return "wechatexporter"
        return _summary_kind(path, head)
    raise UnknownFormat(f"unsupported file type {suffix or '(none)'}")


def _summary_kind(path: Path, head: bytes) -> str:
    text = path.name.lower() + head[:2000].decode("utf-8", "ignore").lower()
    return "call_summary" if any(word in text for word in CALL_WORDS) else "meeting_minutes"


def read_records(path: Path, source: str | None = None, options: ConnectorOptions | None = None) -> Iterator[Record]:
    """Yield every record of ``path``; an empty file yields one ``ParseError``."""
    options = options or ConnectorOptions()
    if path.stat().st_size == 0:
        yield ParseError(1, "the file is empty (0 bytes)")
        return
    source = source or detect_source(path)
    suffix = path.suffix.lower()
    if source == "wecom":
        yield from read_wecom_archive(path, options)
    elif source == "wecom_contacts":
        yield from read_wecom_contacts(path, options)
    elif source == "memotrace":
        yield from (read_memotrace_csv if suffix == ".csv" else read_memotrace_txt)(path, options)
    elif source == "pywxdump":
        yield from read_pywxdump_csv(path, options)
    elif source == "wechatexporter":
        yield from read_wechatexporter_txt(path, options)
    elif source == "email":
        with path.open("rb") as handle:
            first = handle.read(5)
        yield from (read_mbox if suffix in (".mbox", ".mbx") or first == b"From " else read_eml)(path, options)
    elif source == "calls_csv" or (source == "call_summary" and suffix == ".csv"):
        yield from read_calls_csv(path, options)
    elif source in ("call_summary", "meeting_minutes"):
        yield from read_minutes(path, options, source=source)
    else:
        raise UnknownFormat(f"unknown source {source!r}; use one of {', '.join(SOURCES)}")


def stored_source(source: str) -> str:
    """Return the ``SourceKind`` value that a detected source is stored under."""
    return "call_summary" if source == "calls_csv" else source
