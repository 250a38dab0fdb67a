"""WeChat PC and iOS exports: MemoTrace (留痕) CSV and TXT, PyWxDump CSV, WechatExporter TXT.

These exports carry no stable message id except PyWxDump's ``MsgSvrID``; elsewhere the
dedupe key is a hash of sender, time and text plus the occurrence number of that same
triple in the file, so an overlapping export of the same chat adds nothing. Local-time
strings are read in ``ConnectorOptions.time_zone`` (Asia/Shanghai unless told);
MemoTrace's epoch ``CreateTime`` is preferred where present. Recall notices are events:
the withdrawn text is gone from these exports. Media placeholders stay as the text
(``[图片]``) with a typed ``msgtype``.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from salespulse.signals.connectors.base import (
    ConnectorOptions,
    IdentityRef,
    ParsedEvent,
    ParsedMessage,
    ParseError,
    Record,
    content_hash,
    decode_text_line,
    excerpt,
    from_epoch,
    parse_local_time,
    sniff_encoding,
)

CHANNEL = "wechat"
MEMOTRACE_COLUMNS = [
    "localId",
    "TalkerId",
    "Type",
    "SubType",
    "IsSender",
    "CreateTime",
    "Status",
    "StrContent",
    "StrTime",
    "Remark",
    "NickName",
    "Sender",
]
PYWXDUMP_COLUMNS = ["id", "MsgSvrID", "type_name", "is_sender", "talker", "room_name", "msg", "src", "CreateTime"]
RECALL_MARK = "撤回了一条消息"
# Rows read ahead to find who the counterpart of a one-to-one chat is.
PRESCAN_ROWS = 500

MEMOTRACE_TYPES = {
    (1, 0): "text",
    (3, 0): "image",
    (34, 0): "voice",
    (42, 0): "card",
    (43, 0): "video",
    (47, 0): "emotion",
    (48, 0): "location",
    (49, 6): "file",
    (49, 5): "link",
    (49, 19): "chatrecord",
    (49, 33): "weapp",
    (49, 36): "weapp",
    (49, 51): "sphfeed",
    (49, 57): "quote",
    (49, 2000): "transfer",
    (50, 0): "call",
}
MEMOTRACE_STUBS = {
    "image": "[图片]",
    "voice": "[语音]",
    "video": "[视频]",
    "emotion": "[表情包]",
    "file": "[文件]",
    "location": "[位置]",
    "card": "[名片]",
    "call": "[视频/语音通话]",
    "link": "[链接]",
    "weapp": "[小程序]",
    "sphfeed": "[视频号]",
    "chatrecord": "[聊天记录]",
    "transfer": "[转账]",
}
PYWXDUMP_TYPES = {
    "文本": "text",
    "图片": "image",
    "语音": "voice",
    "视频": "video",
    "动画表情": "emotion",
    "文件": "file",
    "引用回复": "quote",
    "转账": "transfer",
    "位置": "location",
    "卡片式链接": "link",
    "名片": "card",
    "语音通话": "call",
    "视频通话": "call",
    "合并转发聊天记录": "chatrecord",
    "小程序": "weapp",
}
PLACEHOLDERS = {
    "[图片]": "image",
    "[视频]": "video",
    "[表情]": "emotion",
    "[表情包]": "emotion",
    "[语音]": "voice",
    "[文件]": "file",
    "[音乐分享]": "music",
    "[视频/语音通话]": "call",
    "[位置]": "location",
}
VOICE_PLACEHOLDER = re.compile(r"^\[语音(?: [^\]]*)?\]$")
MEMOTRACE_TXT_HEADER = re.compile(r"^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}) (.*)$")
EXPORTER_LINE = re.compile(r"^(.+?) \((\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})\):(.*)$")
EXPORTER_TITLE = re.compile(r"^(.*) - 微信聊天记录$")


class _Occurrences:
    """Counts repeats of the same (sender, time, text) so identical messages in one
    second keep distinct keys that an overlapping export reproduces."""

    def __init__(self) -> None:
        self.seen: Counter[str] = Counter()

    def key(self, prefix: str, *parts: object) -> str:
        digest = content_hash(*parts)
        self.seen[digest] += 1
        return f"{prefix}:{content_hash(digest, self.seen[digest])}"


def _open_csv(path: Path) -> tuple[io.TextIOWrapper, str]:
    with path.open("rb") as handle:
        encoding = sniff_encoding(handle.read(65536))
    return open(path, encoding=encoding, errors="replace", newline=""), encoding


def _csv_rows(path: Path) -> Iterator[tuple[int, list[str] | None, str]]:
    """Yield (first line of the row, cells or None, error) for every row after the header."""
    handle, _encoding = _open_csv(path)
    with handle:
        reader = csv.reader(handle)
        next(reader, None)
        start = reader.line_num + 1
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                yield start, None, f"unreadable CSV row: {error}"
                start = reader.line_num + 1
                continue
            yield start, row, ""
            start = reader.line_num + 1


def read_csv_header(path: Path) -> list[str]:
    handle, _encoding = _open_csv(path)
    with handle:
        return next(csv.reader(handle), [])


def _bad_cells(row: list[str]) -> bool:
    return any("\x00" in cell or "\ufffd" in cell for cell in row)


# --- MemoTrace CSV ------------------------------------------------------------------------


def read_memotrace_csv(path: Path, options: ConnectorOptions) -> Iterator[Record]:
    header = read_csv_header(path)
    if header[: len(MEMOTRACE_COLUMNS)] != MEMOTRACE_COLUMNS:
        yield ParseError(1, f"the columns are not MemoTrace's {','.join(MEMOTRACE_COLUMNS)}", excerpt(",".join(header)))
        return
    counterpart = _memotrace_counterpart(path)
    occurrences = _Occurrences()
    for line, row, error in _csv_rows(path):
        if row is None:
            yield ParseError(line, error)
            continue
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(MEMOTRACE_COLUMNS):
            yield ParseError(
                line, f"expected {len(MEMOTRACE_COLUMNS)} columns, found {len(row)}", excerpt(",".join(row))
            )
            continue
        if _bad_cells(row):
            yield ParseError(line, "binary or undecodable content", excerpt(",".join(row)))
            continue
        cells = dict(zip(MEMOTRACE_COLUMNS, row, strict=True))
        try:
            yield _memotrace_record(cells, line, options, occurrences, counterpart)
        except ValueError as error:
            yield ParseError(line, str(error), excerpt(",".join(row)))


def _memotrace_counterpart(path: Path) -> IdentityRef | None:
    for index, (_line, row, _error) in enumerate(_csv_rows(path)):
        if index > PRESCAN_ROWS:
            break
        if row and len(row) == len(MEMOTRACE_COLUMNS):
            cells = dict(zip(MEMOTRACE_COLUMNS, row, strict=True))
            if cells["IsSender"].strip() == "0" and cells["Sender"]:
                return IdentityRef("wechat_id", cells["Sender"], cells["Remark"] or cells["NickName"])
    return None


def _memotrace_record(cells: dict, line: int, options, occurrences: _Occurrences, counterpart) -> Record:
    try:
        type_code, sub_type = int(cells["Type"]), int(cells["SubType"] or 0)
    except ValueError as error:
        raise ValueError(f"Type {cells['Type']!r} / SubType {cells['SubType']!r} is not a number") from error
    if cells["CreateTime"].strip():
        try:
            sent_at = from_epoch(cells["CreateTime"])
        except ValueError as error:
            raise ValueError(f"CreateTime {cells['CreateTime']!r} is not an epoch time") from error
    else:
        sent_at = parse_local_time(cells["StrTime"], options.zone)
        if sent_at is None:
            raise ValueError(f"StrTime {cells['StrTime']!r} is not a time")
    content = cells["StrContent"]
    sender = (
        IdentityRef("wechat_id", cells["Sender"], cells["Remark"] or cells["NickName"]) if cells["Sender"] else None
    )
    key = occurrences.key("wechat", cells["Sender"], int(sent_at.timestamp()), content)
    if type_code == 10000:
        kind = "recall" if RECALL_MARK in content else "system"
        return ParsedEvent("memotrace", key, kind, sent_at, line, actor=cells["Sender"], payload={"text": content})
    msgtype = MEMOTRACE_TYPES.get((type_code, sub_type), f"type_{type_code}_{sub_type}")
    text = content if msgtype == "text" else MEMOTRACE_STUBS.get(msgtype, "")
    is_sender = cells["IsSender"].strip() == "1"
    return ParsedMessage(
        source="memotrace",
        dedupe_key=key,
        external_id=cells["localId"],
        sent_at=sent_at,
        line=line,
        channel=CHANNEL,
        msgtype=msgtype,
        sender=sender,
        recipients=[counterpart] if is_sender and counterpart else [],
        text=text,
        payload={"type": type_code, "sub_type": sub_type, "raw": content if msgtype != "text" else ""},
        speaker_hint="rep" if is_sender else "",
    )


# --- PyWxDump CSV -------------------------------------------------------------------------


def _pywxdump_users(path: Path) -> dict[str, dict]:
    """Names from the ``users.json`` PyWxDump writes next to the CSV, if any."""
    for candidate in sorted(path.parent.glob("*users.json")):
        if candidate.stat().st_size > 32 * 1024 * 1024:
            continue
        try:
            users = json.loads(candidate.read_bytes())
        except (OSError, ValueError):
            continue
        if isinstance(users, dict):
            return {str(key): value for key, value in users.items() if isinstance(value, dict)}
    return {}


def read_pywxdump_csv(path: Path, options: ConnectorOptions) -> Iterator[Record]:
    header = read_csv_header(path)
    if header[: len(PYWXDUMP_COLUMNS)] != PYWXDUMP_COLUMNS:
        yield ParseError(1, f"the columns are not PyWxDump's {','.join(PYWXDUMP_COLUMNS)}", excerpt(",".join(header)))
        return
    users = _pywxdump_users(path)
    for line, row, error in _csv_rows(path):
        if row is None:
            yield ParseError(line, error)
            continue
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(PYWXDUMP_COLUMNS):
            yield ParseError(
                line, f"expected {len(PYWXDUMP_COLUMNS)} columns, found {len(row)}", excerpt(",".join(row))
            )
            continue
        if _bad_cells(row):
            yield ParseError(line, "binary or undecodable content", excerpt(",".join(row)))
            continue
        cells = dict(zip(PYWXDUMP_COLUMNS, row, strict=True))
        sent_at = parse_local_time(cells["CreateTime"], options.zone)
        if sent_at is None:
            yield ParseError(line, f"CreateTime {cells['CreateTime']!r} is not a time", excerpt(",".join(row)))
            continue
        yield _pywxdump_record(cells, line, sent_at, users)


def _name(users: dict, wxid: str) -> str:
    user = users.get(wxid) or {}
    return str(user.get("remark") or user.get("nickname") or "")


def _pywxdump_record(cells: dict, line: int, sent_at, users: dict) -> Record:
    svr_id = cells["MsgSvrID"].strip()
    talker, room = cells["talker"].strip(), cells["room_name"].strip()
    key = (
        f"wechat:svr:{svr_id}" if svr_id else f"wechat:{content_hash(talker, room, sent_at.isoformat(), cells['msg'])}"
    )
    type_name = cells["type_name"].strip()
    if type_name.startswith("消息撤回") or type_name in ("系统通知", "系统消息"):
        kind = "recall" if type_name.startswith("消息撤回") or RECALL_MARK in cells["msg"] else "system"
        return ParsedEvent(
            "pywxdump", key, kind, sent_at, line, actor=talker, payload={"text": cells["msg"], "room": room}
        )
    msgtype = PYWXDUMP_TYPES.get(type_name, "unknown")
    text, quoted, payload = cells["msg"], "", {"type_name": type_name, "src": cells["src"]}
    if msgtype == "quote":
        text, _sep, quoted = text.partition("\n\n[引用]")
        quoted = f"[引用]{quoted}" if quoted else ""
    elif msgtype == "voice":
        length = re.search(r"语音时长：([\d.]+)秒", text)
        transcript = re.search(r"翻译结果：(.*)", text, re.S)
        payload["play_length"] = float(length.group(1)) if length else None
        text = transcript.group(1).strip() if transcript else "[语音]"
    elif msgtype in ("image", "video", "emotion", "file"):
        text = {"image": "[图片]", "video": "[视频]", "emotion": "[表情]", "file": "[文件]"}[msgtype]
    is_sender = cells["is_sender"].strip() == "1"
    group = room.endswith("@chatroom")
    recipients = [] if group or not is_sender else [IdentityRef("wechat_id", room, _name(users, room))]
    return ParsedMessage(
        source="pywxdump",
        dedupe_key=key,
        external_id=svr_id,
        sent_at=sent_at,
        line=line,
        channel=CHANNEL,
        msgtype=msgtype,
        sender=IdentityRef("wechat_id", talker, _name(users, talker)) if talker not in ("", "系统", "未知") else None,
        recipients=recipients,
        room_id=room if group else "",
        text=text,
        quoted_text=quoted,
        payload=payload,
        speaker_hint="rep" if is_sender else "",
    )


# --- Plain-text exports ---------------------------------------------------------------------


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


def _unescape_name(name: str) -> str:
    return html.unescape(name).replace("\\'", "'").replace('\\"', '"').strip()


def _typed(text: str) -> str:
    stripped = text.strip()
    if stripped in PLACEHOLDERS:
        return PLACEHOLDERS[stripped]
    if VOICE_PLACEHOLDER.match(stripped):
        return "voice"
    if stripped.startswith("[链接]"):
        return "link"
    if stripped.startswith("微信转账"):
        return "transfer"
    return "text"


def read_memotrace_txt(path: Path, options: ConnectorOptions) -> Iterator[Record]:
    names = Counter()
    for index, block in enumerate(_memotrace_blocks(path)):
        if index > PRESCAN_ROWS:
            break
        if isinstance(block, tuple) and block[3]:
            names[block[2]] += 1
    two_party = len(names) == 2
    occurrences = _Occurrences()
    for block in _memotrace_blocks(path):
        if isinstance(block, ParseError):
            yield block
            continue
        line, stamp, name, body, broken = block
        if broken and not body:
            continue  # its text was unreadable and is already reported
        sent_at = parse_local_time(stamp, options.zone)
        if sent_at is None:
            yield ParseError(line, f"{stamp!r} is not a time")
            continue
        text = "\n".join(body).strip("\n")
        if not body:
            # A header line with no text under it is a system notice (no sender name).
            key = occurrences.key("memotrace_txt", "", stamp, name)
            kind = "recall" if RECALL_MARK in name else "system"
            yield ParsedEvent("memotrace", key, kind, sent_at, line, payload={"text": name})
            continue
        name = _unescape_name(name)
        key = occurrences.key("memotrace_txt", name, stamp, text)
        other = [other for other in names if other != name] if two_party else []
        yield ParsedMessage(
            source="memotrace",
            dedupe_key=key,
            sent_at=sent_at,
            line=line,
            channel=CHANNEL,
            msgtype=_typed(text),
            sender=IdentityRef("nickname", name, name),
            recipients=[IdentityRef("nickname", _unescape_name(other[0]), _unescape_name(other[0]))] if other else [],
            text=text,
        )


def _memotrace_blocks(path: Path):
    """Yield (line, time string, name or system text, body lines, broken) or ParseError;
    ``broken`` marks a block with an unreadable line."""
    current = None
    for number, text, raw in _text_lines(path):
        if text is None:
            yield ParseError(number, "binary or undecodable content", excerpt(raw))
            if current:
                current[4] = True
            continue
        match = MEMOTRACE_TXT_HEADER.match(text)
        if match:
            if current:
                yield _finish(current)
            current = [number, match.group(1), match.group(2), [], False]
            continue
        if current is None:
            if text.strip():
                yield ParseError(number, "text before the first 'YYYY-MM-DD HH:MM:SS name' line", excerpt(text))
            continue
        current[3].append(text)
    if current:
        yield _finish(current)


def _finish(block):
    line, stamp, name, body, broken = block
    while body and not body[-1].strip():
        body.pop()
    return line, stamp, name, body, broken


def read_wechatexporter_txt(path: Path, options: ConnectorOptions) -> Iterator[Record]:
    session = ""
    names = Counter()
    for number, text, _raw in _text_lines(path):
        if number > PRESCAN_ROWS:
            break
        if text is None:
            continue
        title = EXPORTER_TITLE.match(text) if number == 1 else None
        if title:
            session = title.group(1).strip()
        match = EXPORTER_LINE.match(text)
        if match:
            names[match.group(1)] += 1
    owner = ""
    if session and session in names and len(names) == 2:
        owner = next(name for name in names if name != session)
    occurrences = _Occurrences()
    pending: list | None = None
    for number, text, raw in _text_lines(path):
        if text is None:
            yield ParseError(number, "binary or undecodable content", excerpt(raw))
            continue
        if number == 1 and EXPORTER_TITLE.match(text):
            continue
        match = EXPORTER_LINE.match(text)
        system = text.startswith("System Message:")
        if match or system:
            if pending:
                yield _exporter_message(pending, options, occurrences, session, owner)
            pending = None
            if system:
                body = text.removeprefix("System Message:").strip()
                key = occurrences.key("wechatexporter", "", "", body, number)
                kind = "recall" if RECALL_MARK in body else "system"
                yield ParsedEvent("wechatexporter", key, kind, None, number, payload={"text": body})
                continue
            pending = [number, match.group(1), match.group(2), [match.group(3)]]
            continue
        if pending is not None:
            pending[3].append(text)
        elif text.strip():
            yield ParseError(number, "text before the first 'name (YYYY-MM-DD HH:MM:SS):' line", excerpt(text))
    if pending:
        yield _exporter_message(pending, options, occurrences, session, owner)


def _exporter_message(pending, options, occurrences: _Occurrences, session: str, owner: str) -> Record:
    line, name, stamp, body = pending
    sent_at = parse_local_time(stamp, options.zone)
    if sent_at is None:
        return ParseError(line, f"{stamp!r} is not a time")
    while len(body) > 1 and not body[-1].strip():
        body.pop()
    text = "\n".join(body)
    quoted = ""
    if text.startswith("「") and "」" in text:
        quote, _sep, rest = text.partition("」")
        quoted = quote + "」"
        text = re.sub(r"^\s*-{3,}\s*\n?", "", rest.lstrip("\n")).strip("\n")
    name = name.strip()
    from_owner = bool(owner) and name == owner
    return ParsedMessage(
        source="wechatexporter",
        dedupe_key=occurrences.key("wechatexporter", name, stamp, text),
        sent_at=sent_at,
        line=line,
        channel=CHANNEL,
        msgtype=_typed(text),
        sender=IdentityRef("nickname", name, name),
        recipients=[IdentityRef("nickname", session, session)] if from_owner else [],
        text=text,
        quoted_text=quoted,
        payload={"session": session},
        speaker_hint="rep" if from_owner else "",
    )
