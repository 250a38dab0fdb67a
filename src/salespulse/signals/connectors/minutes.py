"""Call summaries and meeting minutes (.txt, .md, .docx), and a CSV of calls.

A summary or minutes file is one message. Header lines at its top, such as ``客户：``,
``时间：``, ``主题：``, ``参会人员：``, ``联系人：``, ``电话：`` (or their English names),
say when it happened and with whom; the whole file is the text. The speaker is
``mixed``: minutes and summaries report what both sides said.

A calls CSV has one call per row; ``CALL_COLUMNS`` lists the accepted headers.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from pathlib import Path

from salespulse.signals.connectors.base import (
    ConnectorOptions,
    IdentityRef,
    ParsedMessage,
    ParseError,
    Record,
    content_hash,
    decode_text_line,
    excerpt,
    parse_local_time,
    sniff_encoding,
)

# Header names accepted in minutes and summaries, by the field they fill.
HEADER_FIELDS = {
    "time": ("时间", "日期", "会议时间", "通话时间", "拜访时间", "date", "time"),
    "customer": ("客户", "客户名称", "单位", "医院", "customer"),
    "subject": ("主题", "会议主题", "标题", "subject", "topic"),
    "attendees": ("参会人员", "参会人", "与会人员", "attendees", "participants"),
    "contact": ("联系人", "客户联系人", "对接人", "contact"),
    "phone": ("电话", "手机", "联系电话", "phone", "mobile"),
    "email": ("邮箱", "e-mail", "email"),
    "rep": ("记录人", "销售", "负责人", "rep", "recorded by"),
    "direction": ("方向", "呼叫方向", "direction"),
}
HEADER_LINE = re.compile(
    r"^\s*(?:[-*]\s*)?(?:\*\*)?(?P<key>[^:：*]{1,12}?)(?:\*\*)?\s*[:：]\s*(?:\*\*)?\s*(?P<value>.*?)\s*$"
)
CALL_COLUMNS = {
    "time": ("通话时间", "时间", "call_time", "time", "started_at"),
    "customer": ("客户", "客户名称", "customer"),
    "contact": ("联系人", "contact"),
    "phone": ("电话", "号码", "客户电话", "phone", "number"),
    "rep": ("销售", "坐席", "rep", "agent"),
    "direction": ("方向", "呼叫方向", "direction"),
    "duration": ("时长", "通话时长", "时长(秒)", "duration", "duration_seconds"),
    "summary": ("摘要", "通话摘要", "内容", "备注", "summary", "notes"),
    "call_id": ("通话ID", "通话编号", "call_id", "id"),
}
INBOUND_WORDS = ("呼入", "来电", "inbound", "in")


def _lookup(aliases: dict[str, tuple[str, ...]], key: str) -> str | None:
    key = key.strip().lower()
    for field_name, names in aliases.items():
        if key in (name.lower() for name in names):
            return field_name
    return None


def _docx_lines(path: Path) -> Iterator[tuple[int, str]]:
    import docx

    document = docx.Document(str(path))
    number = 0
    for paragraph in document.paragraphs:
        number += 1
        yield number, paragraph.text
    for table in document.tables:
        for row in table.rows:
            number += 1
            yield number, " | ".join(cell.text.strip() for cell in row.cells)


def _text_lines(path: Path) -> Iterator[tuple[int, str | None, bytes]]:
    with path.open("rb") as handle:
        encoding = sniff_encoding(handle.read(65536))
        handle.seek(0)
        preferred = "utf-8" if encoding.startswith("utf-8") else encoding
        for number, raw in enumerate(handle, start=1):
            raw = raw.rstrip(b"\r\n")
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            yield number, decode_text_line(raw, preferred), raw


def read_minutes(path: Path, options: ConnectorOptions, *, source: str = "meeting_minutes") -> Iterator[Record]:
    """Read one summary or minutes file as one message; binary lines are reported and left out."""
    lines: list[str] = []
    if path.suffix.lower() == ".docx":
        try:
            lines = [text for _number, text in _docx_lines(path)]
        except Exception as error:  # python-docx raises several unrelated types for a bad file
            yield ParseError(1, f"not a readable .docx file: {error}")
            return
    else:
        for number, text, raw in _text_lines(path):
            if text is None:
                yield ParseError(number, "binary or undecodable content", excerpt(raw))
                continue
            lines.append(text)
    body = "\n".join(lines).strip()
    if not body:
        yield ParseError(1, "the file has no text")
        return
    fields: dict[str, str] = {}
    title = ""
    for text in lines[:30]:
        stripped = text.strip()
        if stripped.startswith("#") and not title:
            title = stripped.lstrip("#").strip()
            continue
        match = HEADER_LINE.match(stripped)
        if match:
            field_name = _lookup(HEADER_FIELDS, match["key"])
            if field_name and field_name not in fields and match["value"]:
                fields[field_name] = match["value"].strip("* ")
    sent_at = parse_local_time(fields.get("time", ""), options.zone) if fields.get("time") else None
    if sent_at is None:
        yield ParseError(
            1,
            "no time found; add a line such as 时间：2025-03-05 14:00 at the top of the file",
            excerpt(lines[0] if lines else ""),
        )
        return
    yield _summary_message(source, fields, title, body, sent_at)


def _summary_message(
    source: str, fields: dict, title: str, body: str, sent_at, line: int = 1, key: str = ""
) -> ParsedMessage:
    counterparts = []
    if fields.get("phone"):
        counterparts.append(IdentityRef("phone", re.sub(r"\D", "", fields["phone"]), fields.get("contact", "")))
    if fields.get("email"):
        counterparts.append(IdentityRef("email", fields["email"].strip().lower(), fields.get("contact", "")))
    if fields.get("contact"):
        counterparts.append(IdentityRef("nickname", fields["contact"], fields["contact"]))
    if fields.get("customer"):
        counterparts.append(IdentityRef("nickname", fields["customer"], fields["customer"]))
    direction = ""
    if fields.get("direction"):
        direction = "inbound" if fields["direction"].strip().lower() in INBOUND_WORDS else "outbound"
    return ParsedMessage(
        source=source,
        dedupe_key=key or f"{source}:{content_hash(body)}",
        sent_at=sent_at,
        line=line,
        channel="phone" if source == "call_summary" else "meeting",
        msgtype="call" if source == "call_summary" else "minutes",
        sender=IdentityRef("nickname", fields["rep"], fields["rep"]) if fields.get("rep") else None,
        recipients=counterparts,
        subject=fields.get("subject") or title,
        text=body,
        payload={key: value for key, value in fields.items() if key not in ("time",)},
        speaker_hint="mixed",
        direction_hint=direction,
    )


def read_calls_csv(path: Path, options: ConnectorOptions) -> Iterator[Record]:
    with path.open("rb") as handle:
        encoding = sniff_encoding(handle.read(65536))
    with open(path, encoding=encoding, errors="replace", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, [])
        columns = {index: _lookup(CALL_COLUMNS, name) for index, name in enumerate(header)}
        present = set(columns.values())
        if "time" not in present or "summary" not in present or not present & {"phone", "customer", "contact"}:
            yield ParseError(
                1,
                "the columns are not a calls list: it needs a time column (通话时间), a summary column "
                "(摘要) and a phone (电话), customer (客户) or contact (联系人) column",
                excerpt(",".join(header)),
            )
            return
        start = reader.line_num + 1
        for row in reader:
            line, start = start, reader.line_num + 1
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                yield ParseError(line, f"expected {len(header)} columns, found {len(row)}", excerpt(",".join(row)))
                continue
            if any("\x00" in cell or "\ufffd" in cell for cell in row):
                yield ParseError(line, "binary or undecodable content", excerpt(",".join(row)))
                continue
            fields = {columns[index]: value.strip() for index, value in enumerate(row) if columns[index]}
            sent_at = parse_local_time(fields.get("time", ""), options.zone)
            if sent_at is None:
                yield ParseError(line, f"call time {fields.get('time', '')!r} is not a time", excerpt(",".join(row)))
                continue
            summary = fields.get("summary", "")
            key = (
                f"call_summary:id:{fields['call_id']}"
                if fields.get("call_id")
                else f"call_summary:{content_hash(sent_at.isoformat(), fields.get('phone', ''), summary)}"
            )
            message = _summary_message("call_summary", fields, "", summary, sent_at, line=line, key=key)
            if fields.get("duration"):
                message.payload["duration"] = fields["duration"]
            yield message
