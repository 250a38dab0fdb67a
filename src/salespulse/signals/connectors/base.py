"""Records that connectors yield, and the text helpers they share.

Every connector is a generator over one file. It reads the file line by line (or
message by message), so memory stays bounded whatever the file size, and it yields
``ParsedMessage``, ``ParsedEvent``, ``ParsedContact`` or ``ParseError`` records in
file order. A ``ParseError`` never stops the generator: the next record follows.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO
from zoneinfo import ZoneInfo

DEFAULT_TIME_ZONE = "Asia/Shanghai"

# Labels that mail clients and exporters write for GB2312 or GBK text that often contains
# GBK-only characters (喆, 镕, 珺). GB18030 is a superset of both, so it decodes all of them.
GB_ALIASES = frozenset(
    {
        "gb2312",
        "gbk",
        "gb_2312-80",
        "gb_2312",
        "x-gbk",
        "euc-cn",
        "cp936",
        "csgb2312",
        "x-euc-cn",
        "ms936",
        "936",
        "chinese",
        "hz-gb-2312",
    }
)


@dataclass(frozen=True)
class IdentityRef:
    """A sender or recipient as the source names it; ``kind`` is an ``IdentityKind`` value."""

    kind: str
    value: str
    display_name: str = ""


@dataclass
class ParsedMessage:
    """One communication read from a file. ``speaker_hint`` is set when the source
    itself names who spoke (``rep`` for the exporting account's own messages, ``mixed``
    for minutes); linking decides otherwise. ``sent_at`` is an aware datetime."""

    source: str
    dedupe_key: str
    sent_at: dt.datetime | None
    line: int
    channel: str
    external_id: str = ""
    msgtype: str = "text"
    sender: IdentityRef | None = None
    recipients: list[IdentityRef] = field(default_factory=list)
    room_id: str = ""
    subject: str = ""
    text: str = ""
    quoted_text: str = ""
    attachments: list[dict[str, Any]] = field(default_factory=list)
    payload: dict[str, Any] = field(default_factory=dict)
    speaker_hint: str = ""
    direction_hint: str = ""
    # Set on a message another record already withdrew (WeChat exports keep no text of it).
    recalled: bool = False


@dataclass
class ParsedEvent:
    """A record that is not chat: archive consent, an enterprise switch, a recall.
    ``recalls`` is the dedupe key of the message a recall withdraws."""

    source: str
    dedupe_key: str
    kind: str
    occurred_at: dt.datetime | None
    line: int
    actor: str = ""
    payload: dict[str, Any] = field(default_factory=dict)
    recalls: str = ""


@dataclass
class ParsedContact:
    """One WeCom external contact with what each following rep typed about them."""

    source: str
    dedupe_key: str
    line: int
    external_userid: str
    name: str
    corp_name: str = ""
    follow_users: list[dict[str, Any]] = field(default_factory=list)
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass
class ParseError:
    """A record that could not be read: where it is (1-based line) and why."""

    line: int | None
    reason: str
    excerpt: str = ""


Record = ParsedMessage | ParsedEvent | ParsedContact | ParseError


@dataclass(frozen=True)
class ConnectorOptions:
    """Options every connector accepts; ``time_zone`` applies to local-time strings only."""

    time_zone: str = DEFAULT_TIME_ZONE

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)


def content_hash(*parts: object) -> str:
    """Return a sha256 hex digest of ``parts``, for formats without a message id."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(str(part).encode("utf-8", "surrogatepass"))
        digest.update(b"\x1f")
    return digest.hexdigest()


LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def clean_text(value: str) -> str:
    """Drop NUL characters and replace lone surrogates (``\\ud800`` escapes in JSON,
    ``surrogateescape`` bytes) with U+FFFD: neither can be stored as UTF-8 text, and
    PostgreSQL refuses NUL in text and JSON."""
    if "\x00" in value:
        value = value.replace("\x00", "")
    return LONE_SURROGATE.sub("\ufffd", value)


def clean_record(value: Any) -> Any:
    """Return ``value`` (a record, or any str/list/dict/dataclass inside one) with every
    string passed through ``clean_text``; other values are returned as they are."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list | tuple):
        return type(value)(clean_record(item) for item in value)
    if isinstance(value, dict):
        return {clean_record(key): clean_record(item) for key, item in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {}
        for spec in dataclasses.fields(value):
            current = getattr(value, spec.name)
            cleaned = clean_record(current)
            if cleaned is not current:
                changes[spec.name] = cleaned
        return dataclasses.replace(value, **changes) if changes else value
    return value


KEY_LENGTH = 200


def fit_key(key: str, limit: int = KEY_LENGTH) -> str:
    """Return ``key`` if it fits the ``limit``-character key columns, else its start and
    its sha256: cutting two long message ids to the same prefix would merge them."""
    if len(key) <= limit:
        return key
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
    return f"{key[: limit - len(digest) - 1]}#{digest}"


def excerpt(value: bytes | str, limit: int = 120) -> str:
    """Return a printable start of a bad record for an error report."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    value = "".join(char if char.isprintable() else "?" for char in value.strip())
    return value[:limit]


def normalise_charset(label: str | None) -> str | None:
    if not label:
        return None
    label = label.strip().strip('"').lower()
    if label in GB_ALIASES:
        return "gb18030"
    return label


def looks_binary(raw: bytes) -> bool:
    """True for bytes that are not text in any encoding we read (NUL or C0 control bytes)."""
    if b"\x00" in raw:
        return True
    controls = sum(1 for byte in raw if byte < 32 and byte not in (9, 10, 13, 12))
    return controls > max(2, len(raw) // 20)


def decode_text_line(raw: bytes, preferred: str = "utf-8") -> str | None:
    """Decode one line of an export: strict UTF-8 first (GBK text almost never passes
    it), then the file's encoding, then GB18030. Returns None for binary content."""
    if looks_binary(raw):
        return None
    for encoding in dict.fromkeys(("utf-8", preferred, "gb18030")):
        try:
            return raw.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
    return None


def sniff_encoding(head: bytes) -> str:
    """Pick the encoding of a text export from its first bytes: a BOM, UTF-8 (allowing a
    few broken bytes, which are reported line by line), else GB18030 (files re-saved
    from Excel on zh-CN Windows are GBK)."""
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    text = head.decode("utf-8", "replace")
    wide = sum(1 for char in text if ord(char) > 127)
    broken = text.count("\ufffd")
    # A multibyte character cut at the end of the sample also decodes as U+FFFD.
    if broken <= 1 or broken * 20 <= wide:
        return "utf-8"
    return "gb18030"


# A longer line is corrupt or not an export, because no message record comes near this
# size. It is reported without holding all of it in memory.
MAX_LINE_BYTES = 1 << 20


def bounded_lines(handle: BinaryIO, limit: int = MAX_LINE_BYTES) -> Iterator[tuple[int, bytes, bool]]:
    """Yield (1-based line number, raw line, complete). A line longer than ``limit``
    bytes yields its first ``limit`` bytes with ``complete`` False. The rest of it is
    skipped in ``limit``-sized reads, so memory stays bounded whatever the line length."""
    number = 0
    while True:
        raw = handle.readline(limit + 1)
        if not raw:
            return
        number += 1
        if len(raw) <= limit or raw.endswith(b"\n"):
            yield number, raw, True
            continue
        while True:
            rest = handle.readline(limit)
            if not rest or rest.endswith(b"\n"):
                break
        yield number, raw[:limit], False


def too_long_reason() -> str:
    return (
        f"the line is longer than {MAX_LINE_BYTES // (1 << 20)} MiB; one record is never that long, "
        "so the file is corrupt or not this export"
    )


def iter_lines(handle: BinaryIO) -> Iterator[tuple[int, bytes]]:
    """Yield (1-based line number, raw line without its line ending)."""
    for number, raw in enumerate(handle, start=1):
        yield number, raw.rstrip(b"\r\n")


UNIX_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
# Epoch times outside these years are corrupt values (a negative number, 1e20), not messages.
EPOCH_YEARS = (1990, 2100)


def from_epoch(value: Any) -> dt.datetime:
    """Return an aware UTC datetime for an epoch in seconds or milliseconds (as int or
    string); values above 1e12 are milliseconds. The arithmetic is exact (no float), so
    a millisecond epoch maps to exactly that instant. Raises ``ValueError`` naming the
    value when it is not a number or lies outside 1990-2099."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"{value!r} is not an epoch time")
    try:
        number = decimal.Decimal(str(value).strip())
    except decimal.InvalidOperation as error:
        raise ValueError(f"{value!r} is not an epoch time") from error
    if not number.is_finite():
        raise ValueError(f"{value!r} is not an epoch time")
    milliseconds = number if number > decimal.Decimal(10) ** 12 else number * 1000
    low, high = (
        int((dt.datetime(year, 1, 1, tzinfo=dt.UTC) - UNIX_EPOCH).total_seconds()) * 1000 for year in EPOCH_YEARS
    )
    if not low <= milliseconds < high:
        raise ValueError(f"epoch time {value!r} is outside {EPOCH_YEARS[0]}-{EPOCH_YEARS[1] - 1}")
    microseconds = int((milliseconds * 1000).to_integral_value(rounding=decimal.ROUND_HALF_EVEN))
    return UNIX_EPOCH + dt.timedelta(microseconds=microseconds)


LOCAL_TIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d",
)
CHINESE_DATE = re.compile(
    r"(?P<y>\d{4})\s*[年./-]\s*(?P<m>\d{1,2})\s*[月./-]\s*(?P<d>\d{1,2})\s*日?"
    r"(?:\s*(?P<H>\d{1,2})\s*[:：点时]\s*(?P<M>\d{1,2})?(?:\s*[:：]\s*(?P<S>\d{1,2}))?)?"
)


def parse_local_time(value: str, zone: ZoneInfo) -> dt.datetime | None:
    """Parse a local-time string (``2025-03-05 10:41:01``, ``2025年3月5日 14:00`` …) in
    ``zone``; return an aware datetime, or None when it is not a time."""
    value = value.strip()
    for fmt in LOCAL_TIME_FORMATS:
        try:
            return dt.datetime.strptime(value, fmt).replace(tzinfo=zone)
        except ValueError:
            continue
    match = CHINESE_DATE.search(value)
    if not match:
        return None
    try:
        return dt.datetime(
            int(match["y"]),
            int(match["m"]),
            int(match["d"]),
            int(match["H"] or 0),
            int(match["M"] or 0),
            int(match["S"] or 0),
            tzinfo=zone,
        )
    except ValueError:
        return None
