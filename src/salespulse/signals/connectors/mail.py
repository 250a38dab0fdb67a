"""E-mail: single ``.eml`` files and ``.mbox`` archives from Chinese mail clients.

The stdlib parser (``compat32`` policy, which keeps raw header text and tolerates broken
MIME) finds the structure. Headers and names are decoded here, because the stdlib
decoders fail on the mail these clients send:

* gb2312 and GBK labels are decoded as GB18030, a superset that holds GBK-only names;
* adjacent RFC 2047 words in one charset are joined before decoding, so a character
  split across two words survives, and empty words are dropped;
* encoded words inside quoted display names and in ``name=``/``filename=`` are decoded;
* RFC 2231 parameters (``filename*=GBK''%D1…``) are decoded;
* raw 8-bit header bytes are decoded as UTF-8, GB18030 or Big5, whichever reads as
  common Chinese text (see ``decode_raw_header``).

An ``.mbox`` is split line by line (``From `` separators, ``>From `` unescaped), so an
archive of any size is read one message at a time.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import email.utils
import re
from collections.abc import Iterator
from email.message import Message as MimeMessage
from pathlib import Path
from zoneinfo import ZoneInfo

from selectolax.lexbor import LexborHTMLParser as HTMLParser

from salespulse.signals.connectors.base import (
    DEFAULT_TIME_ZONE,
    ConnectorOptions,
    IdentityRef,
    ParsedMessage,
    ParseError,
    Record,
    content_hash,
    excerpt,
    normalise_charset,
    parse_local_time,
)

SOURCE = "email"
CHANNEL = "email"
ENCODED_WORD = re.compile(r"=\?([^?\s]+?)\?([bBqQ])\?([^?\s]*?)\?=")
# An mbox "From " line: sender, then a date with a clock time and a year or zone, as in
# "From MAILER-DAEMON Thu Mar 20 08:00:00 2025". A body line such as "From zhang@x.cn
# 报价已收到" after a blank line (unescaped by many exporters) is not a separator.
MBOX_SEPARATOR = re.compile(rb"^From \S+ +.*\b\d{1,2}:\d{2}(?::\d{2})?\b.*\d{4}\s*$")
ESCAPED_FROM = re.compile(rb"^>(>*From )")
# A message bigger than this in an mbox is reported and skipped.
MAX_MESSAGE_BYTES = 50 * 1024 * 1024


# --- header decoding -------------------------------------------------------------------


def _codec(charset: str) -> str:
    charset = charset.split("*", 1)[0]  # RFC 2231 language suffix: =?utf-8*zh?B?…?=
    return normalise_charset(charset) or "utf-8"


def _word_bytes(encoding: str, text: str) -> bytes:
    if encoding.lower() == "b":
        import base64

        padded = text + "=" * (-len(text) % 4)
        try:
            return base64.b64decode(padded)
        except ValueError:
            return text.encode("ascii", "replace")
    import quopri

    return quopri.decodestring(text.replace("_", " ").encode("ascii", "replace"), header=False)


def _decode_bytes(data: bytes, charset: str) -> str:
    try:
        return data.decode(_codec(charset))
    except LookupError:
        return decode_raw_header(data)
    except UnicodeDecodeError:
        return data.decode(_codec(charset), "replace")


def decode_encoded_words(value: str) -> str:
    """Decode RFC 2047 words anywhere in ``value``, also inside quotes. Adjacent words
    of one charset are joined as bytes first, and whitespace between words is dropped."""
    pieces: list[tuple[str, str | bytes]] = []  # ("text", str) or (charset, bytes)
    position = 0
    for match in ENCODED_WORD.finditer(value):
        between = value[position : match.start()]
        if between and not (between.isspace() and pieces and pieces[-1][0] != "text"):
            pieces.append(("text", between))
        charset = match.group(1)
        data = _word_bytes(match.group(2), match.group(3))
        if pieces and pieces[-1][0] != "text" and _codec(pieces[-1][0]) == _codec(charset):
            pieces[-1] = (pieces[-1][0], pieces[-1][1] + data)  # type: ignore[operator]
        else:
            pieces.append((charset, data))
        position = match.end()
    tail = value[position:]
    if tail:
        pieces.append(("text", tail))
    return "".join(
        str(piece) if kind == "text" else _decode_bytes(piece, kind)  # type: ignore[arg-type]
        for kind, piece in pieces
    )


def _common_cjk(char: str) -> bool:
    """True for the frequent hanzi: GB2312 level 1 or Big5's frequent block."""
    try:
        encoded = char.encode("gb2312")
        if len(encoded) == 2 and 0xB0 <= encoded[0] <= 0xD7:
            return True
    except UnicodeEncodeError:
        pass
    try:
        encoded = char.encode("big5")
        return len(encoded) == 2 and 0xA440 <= (encoded[0] << 8 | encoded[1]) <= 0xC67E
    except UnicodeEncodeError:
        return False


def _cjk_score(text: str) -> float:
    wide = [char for char in text if ord(char) > 127]
    if not wide:
        return 1.0
    return sum(1 for char in wide if _common_cjk(char)) / len(wide)


def decode_raw_header(data: bytes) -> str:
    """Decode header bytes sent without RFC 2047: strict UTF-8 first, else GB18030 or
    Big5, whichever decodes strictly with more frequent hanzi. Text that UTF-8 decodes
    to Latin-1 letters only is a legacy double encoding (Big5 read as Latin-1, saved as
    UTF-8) and is decoded again the same way.

    NOTE: the choice between GB18030 and Big5 is a frequency heuristic; very short
    headers can still be misread.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return _best_legacy(data)
    if any(0x80 <= ord(char) <= 0xFF for char in text) and all(ord(char) <= 0xFF for char in text):
        legacy = _best_legacy(text.encode("latin-1"), fallback="")
        if legacy and _cjk_score(legacy) >= 0.6:
            return legacy
    return text


def _best_legacy(data: bytes, fallback: str | None = None) -> str:
    candidates = []
    for codec in ("gb18030", "big5"):
        try:
            candidates.append(data.decode(codec))
        except UnicodeDecodeError:
            continue
    if not candidates:
        return data.decode("gb18030", "replace") if fallback is None else fallback
    return max(candidates, key=_cjk_score)


def header_text(value: str | None) -> str:
    """Decode a header as the compat32 parser returns it (8-bit bytes as surrogates)."""
    if value is None:
        return ""
    value = str(value)
    if any("\udc80" <= char <= "\udcff" for char in value):
        value = decode_raw_header(value.encode("ascii", "surrogateescape"))
    value = re.sub(r"\r?\n[ \t]*", " ", value)
    return decode_encoded_words(value).strip()


def _raw_header(message: MimeMessage, name: str) -> str | None:
    """Return the header as stored, with raw 8-bit bytes still as surrogates; ``get()``
    would replace them with U+FFFD before we can decode them."""
    values = [value for key, value in message.raw_items() if key.lower() == name.lower()]
    if not values:
        return None
    return ", ".join(str(value) for value in values)


def addresses(message: MimeMessage, name: str) -> list[IdentityRef]:
    raw = _raw_header(message, name)
    if raw is None:
        return []
    if any("\udc80" <= char <= "\udcff" for char in raw):
        raw = decode_raw_header(raw.encode("ascii", "surrogateescape"))
    raw = re.sub(r"\r?\n[ \t]*", " ", raw)
    result = []
    for display, address in email.utils.getaddresses([raw]):
        address = address.strip().lower()
        if not address:
            continue
        display = decode_encoded_words(display).strip().strip('"').strip()
        result.append(IdentityRef("email", address, display))
    return result


# --- bodies, quotes, attachments ------------------------------------------------------


def _part_text(part: MimeMessage) -> str:
    data = part.get_payload(decode=True)
    if data is None:
        payload = part.get_payload()
        return payload if isinstance(payload, str) else ""
    charset = normalise_charset(part.get_content_charset())
    if charset:
        try:
            text = data.decode(charset)
        except UnicodeDecodeError:
            text = data.decode(charset, "replace")
        except LookupError:
            text = None
        if text is not None:
            # A body labelled with a legacy charset that is valid UTF-8 was re-encoded
            # on the way; keep whichever reading gives common Chinese text.
            if charset not in ("utf-8", "us-ascii") and not data.isascii() and _valid_utf8(data):
                repaired = decode_raw_header(data)
                if _cjk_score(repaired) > _cjk_score(text):
                    return repaired
            return text
    for codec in ("utf-8", "gb18030"):
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", "replace")


def _valid_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


BLOCK_TAGS = ("p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "blockquote", "table")


def html_to_text(markup: str) -> str:
    """Turn an HTML body into text, one line per block element."""
    tree = HTMLParser(markup)
    for node in tree.css("script, style, head, noscript, template"):
        node.decompose()
    for tag in BLOCK_TAGS:
        for node in tree.css(tag):
            node.insert_before("\n")
    body = tree.body or tree.root
    text = body.text(separator="") if body is not None else ""
    lines = [line.strip().replace("\xa0", " ") for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


QUOTE_MARKERS = [
    # Dashed separators: QQ Mail and Foxmail 原始邮件, Outlook zh-CN 邮件原件, forwards.
    re.compile(
        r"^\s*-{2,}\s*(?:原始邮件|邮件原件|原邮件|转发的邮件|转发邮件信息|原始邮件信息"
        r"|Original Message|Forwarded message)\s*-{2,}\s*$",
        re.I,
    ),
    # Attribution lines: 在 … 写道：, … 于 2025年3月5日 … 写道：, On … wrote:
    re.compile(r"^.{0,300}写道\s*[:：]\s*$"),
    re.compile(r"^.{0,300}\bwrote\s*:\s*$", re.I),
]
OUTLOOK_FROM = re.compile(r"^\s*(?:发件人|From)\s*[:：]")
OUTLOOK_FOLLOWERS = re.compile(r"^\s*(?:发送时间|日期|时间|Sent|Date|收件人|To)\s*[:：]")


def split_quoted(text: str) -> tuple[str, str]:
    """Split a body into (new text, quoted reply). Recognises the Outlook zh-CN header
    block (发件人/发送时间/收件人/主题), the QQ Mail and Foxmail ``原始邮件`` separator,
    English "Original Message"/"wrote:" forms and ``>`` quoting."""
    lines = text.splitlines()
    for index, line in enumerate(lines):
        if any(marker.match(line) for marker in QUOTE_MARKERS):
            return _joined(lines[:index]), _joined(lines[index:])
        if re.match(r"^\s*_{10,}\s*$", line) and OUTLOOK_FROM.match(_next_text(lines, index)):
            return _joined(lines[:index]), _joined(lines[index:])
        if OUTLOOK_FROM.match(line) and any(OUTLOOK_FOLLOWERS.match(after) for after in lines[index + 1 : index + 4]):
            return _joined(lines[:index]), _joined(lines[index:])
        if line.startswith(">") and all(not rest.strip() or rest.startswith(">") for rest in lines[index:]):
            return _joined(lines[:index]), _joined(lines[index:])
    return text.strip(), ""


def _next_text(lines: list[str], index: int) -> str:
    return next((line for line in lines[index + 1 :] if line.strip()), "")


def _joined(lines: list[str]) -> str:
    return "\n".join(lines).strip()


def _filename(part: MimeMessage) -> str:
    for header in ("content-disposition", "content-type"):
        for param in ("filename", "name"):
            value = part.get_param(param, header=header)
            if value is None:
                continue
            if isinstance(value, tuple):  # RFC 2231: (charset, language, percent-decoded text)
                charset, _language, text = value
                raw = text.encode("latin-1", "surrogateescape") if isinstance(text, str) else text
                return _decode_bytes(raw, charset or "utf-8")
            return header_text(email.utils.collapse_rfc2231_value(value))
    return ""


def _is_attachment(part: MimeMessage) -> bool:
    disposition = (part.get("Content-Disposition") or "").split(";", 1)[0].strip().lower()
    if disposition == "attachment":
        return True
    if part.get_content_maintype() in ("text", "multipart"):
        return False
    return bool(_filename(part)) or part.get_content_maintype() in ("application", "image", "audio", "video")


def body_and_attachments(message: MimeMessage) -> tuple[str, str, list[dict]]:
    """Return (plain text, HTML text, attachments) of a parsed message."""
    plain: list[str] = []
    html_parts: list[str] = []
    attachments: list[dict] = []
    parts = message.walk() if message.is_multipart() else [message]
    for part in parts:
        if part.is_multipart():
            continue
        if _is_attachment(part):
            data = part.get_payload(decode=True) or b""
            attachments.append({"name": _filename(part), "size": len(data), "content_type": part.get_content_type()})
            continue
        subtype = part.get_content_subtype() if part.get_content_maintype() == "text" else ""
        if subtype == "html":
            html_parts.append(_part_text(part))
        elif subtype in ("plain", ""):
            plain.append(_part_text(part))
    return "\n".join(plain).strip(), "\n".join(html_parts), attachments


# --- messages ----------------------------------------------------------------------------


def _sent_at(message: MimeMessage, zone: ZoneInfo | None = None) -> dt.datetime | None:
    """Return the Date header (else the newest Received stamp) in UTC. A date without a zone
    (``-0000``, none written, or an OA system's ``2025-03-05 10:41:01``) is read in
    ``zone``, the --tz of the run."""
    zone = zone or ZoneInfo(DEFAULT_TIME_ZONE)
    raw = message.get("Date")
    candidates = [str(raw)] if raw else []
    for received in message.get_all("Received") or []:
        candidates.append(str(received).rsplit(";", 1)[-1])
    for candidate in candidates:
        try:
            value = email.utils.parsedate_to_datetime(re.sub(r"\s+", " ", candidate).strip())
        except (TypeError, ValueError, IndexError, OverflowError):
            value = parse_local_time(candidate, zone)
        if value is None:
            continue
        if value.tzinfo is None:
            value = value.replace(tzinfo=zone)
        return value.astimezone(dt.UTC)
    return None


def parse_email(data: bytes, line: int, zone: ZoneInfo | None = None) -> ParsedMessage | ParseError:
    if not data.strip():
        return ParseError(line, "empty e-mail (0 bytes); export the message again")
    message = email.message_from_bytes(data, policy=email.policy.compat32)
    if not message.keys():
        return ParseError(line, "no e-mail headers found", excerpt(data[:200]))
    senders = addresses(message, "From")
    recipients = addresses(message, "To") + addresses(message, "Cc")
    message_id = header_text(_raw_header(message, "Message-ID")).strip().strip("<>").strip()
    plain, markup, attachments = body_and_attachments(message)
    body = (plain or (html_to_text(markup) if markup else "")).replace("\r\n", "\n").replace("\r", "\n")
    new_text, quoted = split_quoted(body)
    sent_at = _sent_at(message, zone)
    payload: dict = {
        "in_reply_to": header_text(message.get("In-Reply-To")).strip("<>"),
        "x_mailer": header_text(message.get("X-Mailer")),
    }
    if sent_at is None:
        payload["date_missing"] = True
    if not plain and markup:
        payload["html_only"] = True
    key = f"{SOURCE}:{message_id}" if message_id else f"{SOURCE}:sha256:{content_hash(data)}"
    return ParsedMessage(
        source=SOURCE,
        dedupe_key=key[:200],
        external_id=message_id[:200],
        sent_at=sent_at,
        line=line,
        channel=CHANNEL,
        msgtype="email",
        sender=senders[0] if senders else None,
        recipients=recipients,
        subject=header_text(_raw_header(message, "Subject"))[:500],
        text=new_text,
        quoted_text=quoted,
        attachments=attachments,
        payload=payload,
    )


def read_eml(path: Path, options: ConnectorOptions) -> Iterator[Record]:
    yield parse_email(path.read_bytes(), 1, options.zone)


def read_mbox(path: Path, options: ConnectorOptions) -> Iterator[Record]:
    """Split the archive at ``From `` lines that start a message (at the top or after a
    blank line). Only one message is held in memory at a time."""
    buffer: list[bytes] = []
    size = 0
    start = 0
    previous_blank = True
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if previous_blank and raw.startswith(b"From ") and MBOX_SEPARATOR.match(raw.rstrip(b"\r\n")):
                if start:
                    yield _mbox_message(buffer, size, start, options.zone)
                buffer, size, start = [], 0, number + 1
                previous_blank = False
                continue
            previous_blank = not raw.strip()
            if not start:
                if raw.strip():
                    yield ParseError(number, "an mbox must start with a 'From ' line", excerpt(raw))
                    start = number
                continue
            size += len(raw)
            if size <= MAX_MESSAGE_BYTES:
                buffer.append(ESCAPED_FROM.sub(rb"\1", raw))
    if start:
        yield _mbox_message(buffer, size, start, options.zone)


def _mbox_message(buffer: list[bytes], size: int, line: int, zone: ZoneInfo | None = None) -> Record:
    if size > MAX_MESSAGE_BYTES:
        return ParseError(line, f"message of {size} bytes is larger than the {MAX_MESSAGE_BYTES}-byte limit")
    while buffer and not buffer[-1].strip():
        buffer.pop()
    return parse_email(b"".join(buffer), line, zone)
