"""WeCom chat archive (会话内容存档): decrypted message JSON, one object per line.

``msgtime`` is UTC epoch milliseconds. A recall (``action: recall``, ``msgtype:
revoke``) becomes an event that points at the withdrawn message; ``switch``,
``agree`` and ``disagree`` records become events too, never chat. Media payloads keep
their metadata (size, md5, sdkfileid) and get a typed text stub such as ``[图片]``.
Numbers that middleware re-serialised as strings are coerced. A whole-file JSON
(a GetChatData response or an array) is read at once, because such files hold at most
one pull of 1,000 records.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from salespulse.signals.connectors.base import (
    ConnectorOptions,
    IdentityRef,
    ParsedEvent,
    ParsedMessage,
    ParseError,
    Record,
    bounded_lines,
    excerpt,
    from_epoch,
    too_long_reason,
)

SOURCE = "wecom"
CHANNEL = "wecom"
# A whole-file JSON document larger than this is not a GetChatData response.
MAX_DOCUMENT_BYTES = 64 * 1024 * 1024
EVENT_TYPES = frozenset({"agree", "disagree"})
# Payload key by msgtype where it differs from the msgtype itself.
PAYLOAD_KEYS = {
    "revoke": "revoke",
    "external_redpacket": "redpacket",
    "docmsg": "doc",
    "markdown": "info",
    "news": "info",
    "meeting_notification": "info",
    "voiptext": "info",
    "qydiskfile": "info",
}


def is_external(user_id: str) -> bool:
    """External contacts use ids starting wm/wo; robots start wb."""
    return user_id.startswith(("wm", "wo", "wb"))


def identity_for(user_id: str) -> IdentityRef:
    kind = "wecom_external" if is_external(user_id) else "wecom_user"
    return IdentityRef(kind=kind, value=user_id)


def read_wecom_archive(path: Path, options: ConnectorOptions) -> Iterator[Record]:
    with path.open("rb") as handle:
        head = handle.read(4096).lstrip()
    if head.startswith(b"[") or _is_multiline_document(path, head):
        yield from _read_document(path)
        return
    yield from _read_lines(path)


def _read_lines(path: Path) -> Iterator[Record]:
    with path.open("rb") as handle:
        for number, raw, complete in bounded_lines(handle):
            if not complete:
                yield ParseError(number, too_long_reason(), excerpt(raw))
                continue
            raw = raw.strip()
            if not raw:
                continue
            try:
                item = json.loads(raw)
            except (ValueError, RecursionError) as error:
                yield ParseError(number, f"invalid JSON: {error}", excerpt(raw))
                continue
            yield from _records_of(item, number)


def _later_line_is_object(path: Path, lines: int = 50) -> bool:
    """True when one of the lines after the first is a JSON object on its own: a JSON
    lines file whose first line is broken, not a pretty-printed document."""
    with path.open("rb") as handle:
        next(handle, None)
        for _number, raw in zip(range(lines), handle, strict=False):
            raw = raw.strip()
            if raw.startswith(b"{") and raw.endswith(b"}"):
                try:
                    if isinstance(json.loads(raw), dict):
                        return True
                except (ValueError, RecursionError):
                    continue
    return False


def _is_multiline_document(path: Path, head: bytes) -> bool:
    first_line = head.split(b"\n", 1)[0].strip()
    if not first_line.startswith(b"{"):
        return False
    try:
        json.loads(first_line)
        return False
    except (json.JSONDecodeError, UnicodeDecodeError):
        return path.stat().st_size <= MAX_DOCUMENT_BYTES and head.count(b"\n") > 0


def _read_document(path: Path) -> Iterator[Record]:
    size = path.stat().st_size
    if size > MAX_DOCUMENT_BYTES:
        yield ParseError(
            1,
            f"a single JSON document of {size} bytes is larger than the {MAX_DOCUMENT_BYTES // (1 << 20)} MiB "
            "a pull response can be; export the messages as JSON lines, one object per line",
        )
        return
    try:
        document = json.loads(path.read_bytes())
    except (ValueError, RecursionError) as error:
        if _later_line_is_object(path):
            yield from _read_lines(path)
            return
        yield ParseError(getattr(error, "lineno", 1), f"invalid JSON: {error}", "")
        return
    items = document if isinstance(document, list) else [document]
    for index, item in enumerate(items, start=1):
        yield from _records_of(item, index)


def _records_of(item: Any, line: int) -> Iterator[Record]:
    if not isinstance(item, dict):
        yield ParseError(line, "expected a JSON object for one message", excerpt(json.dumps(item, ensure_ascii=False)))
        return
    if "chatdata" in item:
        yield from _envelope(item, line)
        return
    try:
        yield _record(item, line)
    except (KeyError, TypeError, ValueError, AttributeError, ArithmeticError, RecursionError) as error:
        yield ParseError(line, f"invalid message record: {error}", excerpt(json.dumps(item, ensure_ascii=False)))


def _envelope(item: dict, line: int) -> Iterator[Record]:
    """Read a GetChatData response. Its messages are still encrypted, so each one becomes
    an error that explains how to decrypt it. An already decrypted item is read normally."""
    if item.get("errcode") not in (0, "0", None):
        yield ParseError(line, f"GetChatData returned errcode {item.get('errcode')}: {item.get('errmsg', '')}")
        return
    for entry in item.get("chatdata") or []:
        if isinstance(entry, dict) and "encrypt_chat_msg" in entry:
            yield ParseError(
                line,
                f"message seq {entry.get('seq')} ({entry.get('msgid', '')}) is still encrypted "
                f"(publickey_ver {entry.get('publickey_ver')}); decrypt it with the WeCom Finance SDK "
                "(DecryptData) and import the decrypted JSON lines",
                str(entry.get("msgid", "")),
            )
        else:
            yield from _records_of(entry, line)


def _record(item: dict, line: int) -> ParsedMessage | ParsedEvent:
    msgid = item.get("msgid")
    if isinstance(msgid, bool) or not isinstance(msgid, str | int):
        raise ValueError(f"msgid {msgid!r} is missing or not a string")
    msgid = str(msgid).strip()
    if not msgid:
        raise ValueError("empty msgid")
    key = f"{SOURCE}:{msgid}"
    action = str(item.get("action", "send"))
    msgtype = str(item.get("msgtype", ""))

    if action == "switch":
        return ParsedEvent(
            SOURCE, key, "switch", _epoch_field(item, "time"), line, actor=str(item.get("user", "")), payload=item
        )
    sent_at = _epoch_field(item, "msgtime")
    sender = str(item.get("from", ""))
    if action == "recall" or msgtype == "revoke":
        pre_msgid = str((item.get("revoke") or {}).get("pre_msgid", ""))
        return ParsedEvent(
            SOURCE,
            key,
            "recall",
            sent_at,
            line,
            actor=sender,
            payload=item,
            recalls=f"{SOURCE}:{pre_msgid}" if pre_msgid else "",
        )
    if msgtype in EVENT_TYPES:
        return ParsedEvent(SOURCE, key, msgtype, sent_at, line, actor=sender, payload=item)

    tolist = item.get("tolist") or []
    if isinstance(tolist, str):
        tolist = [part.strip() for part in tolist.split(",") if part.strip()]
    room_id = str(item.get("roomid") or "")
    payload = _payload(item, msgtype)
    text, attachments = describe(msgtype, payload, item)
    recipients = [identity_for(str(user_id)) for user_id in tolist]
    message = ParsedMessage(
        source=SOURCE,
        dedupe_key=key,
        external_id=msgid,
        sent_at=sent_at,
        line=line,
        channel=CHANNEL,
        msgtype=msgtype or "unknown",
        sender=identity_for(sender) if sender else None,
        room_id=room_id,
        text=text,
        attachments=attachments,
        payload=payload,
        # Large groups list every member; keep the ids, not identities, past the first few.
        recipients=recipients if not room_id else recipients[:20],
    )
    message.payload["tolist_count"] = len(tolist)
    if sender and not is_external(sender):
        everyone_internal = all(not is_external(str(user_id)) for user_id in tolist)
        message.speaker_hint = "internal" if everyone_internal and tolist else "rep"
    if sender.startswith("wb"):
        message.payload["robot"] = True
    return message


def _epoch_field(item: dict, name: str):
    if item.get(name) is None:
        raise ValueError(f"{name} is missing")
    try:
        return from_epoch(item[name])
    except ValueError as error:
        raise ValueError(f"{name}: {error}") from error


KNOWN_TYPES = frozenset(
    {
        "text",
        "image",
        "voice",
        "video",
        "card",
        "location",
        "emotion",
        "file",
        "link",
        "weapp",
        "chatrecord",
        "todo",
        "vote",
        "collect",
        "redpacket",
        "external_redpacket",
        "meeting",
        "meeting_notification",
        "docmsg",
        "markdown",
        "news",
        "calendar",
        "mixed",
        "meeting_voice_call",
        "voip_doc_share",
        "sphfeed",
        "voiptext",
        "qydiskfile",
    }
)


def _payload(item: dict, msgtype: str) -> dict:
    if msgtype not in KNOWN_TYPES:
        # Tencent keeps adding types, so keep the whole record. Only the recipient list is
        # left out, because the message stores it.
        return _raw_record(item)
    if msgtype == "vote":
        return {key: item.get(key) for key in ("votetitle", "voteitem", "votetype", "voteid")}
    if msgtype in ("meeting_voice_call", "voip_doc_share"):
        payload = dict(item.get(msgtype) or {})
        payload["id"] = item.get("voiceid") or item.get("voipid")
        return payload
    key = PAYLOAD_KEYS.get(msgtype, msgtype)
    value = item.get(key)
    if msgtype == "markdown" and value is None:
        value = item.get("markdown")
    if isinstance(value, dict):
        return dict(value)
    # A known type whose payload is missing or not an object: keep the record as it came.
    return _raw_record(item)


def _raw_record(item: dict) -> dict:
    return {"raw": {key: value for key, value in item.items() if key != "tolist"}}


def _nested(content: Any) -> dict:
    """``mixed`` and ``chatrecord`` items carry their payload as a JSON string."""
    if isinstance(content, dict):
        return content
    try:
        value = json.loads(content)
    except (TypeError, ValueError):
        return {"content": str(content or "")}
    return value if isinstance(value, dict) else {"content": str(value)}


def _int(value: Any) -> int | None:
    try:
        return int(float(str(value)))
    except (TypeError, ValueError):
        return None


def describe(msgtype: str, payload: dict, item: dict) -> tuple[str, list[dict]]:
    """Return (text, attachments) for a payload: the words for text-like types and a
    typed placeholder for media, so the message reads like the chat did."""
    attachments: list[dict] = []
    if msgtype in ("text", "markdown"):
        return str(payload.get("content", payload.get("markdown", ""))), attachments
    if msgtype == "image":
        return "[图片]", attachments
    if msgtype == "voice":
        return f"[语音 {payload.get('play_length', '')}秒]".replace(" 秒", ""), attachments
    if msgtype == "video":
        return "[视频]", attachments
    if msgtype == "emotion":
        return "[表情]", attachments
    if msgtype in ("file", "voip_doc_share", "qydiskfile"):
        name = str(payload.get("filename", ""))
        attachments.append({"name": name, "size": _int(payload.get("filesize")), "md5": payload.get("md5sum", "")})
        return f"[文件] {name}".strip(), attachments
    if msgtype in ("link", "weapp", "news"):
        entries = payload.get("item") if msgtype == "news" else [payload]
        lines = [
            " ".join(str(entry.get(key, "")) for key in ("title", "description") if entry.get(key))
            for entry in entries or []
            if isinstance(entry, dict)
        ]
        return "\n".join(line for line in lines if line), attachments
    if msgtype == "location":
        return f"[位置] {payload.get('title', '')} {payload.get('address', '')}".strip(), attachments
    if msgtype == "card":
        return f"[名片] {payload.get('corpname', '')} {payload.get('userid', '')}".strip(), attachments
    if msgtype == "chatrecord":
        parts = [str(payload.get("title", ""))]
        for entry in payload.get("item") or []:
            content = _nested(entry.get("content"))
            parts.append(str(content.get("content") or content.get("title") or content.get("filename") or ""))
        return "\n".join(part for part in parts if part), attachments
    if msgtype == "mixed":
        parts = []
        for entry in payload.get("item") or []:
            inner_type = str(entry.get("type", ""))
            inner_text, inner_attachments = describe(inner_type, _nested(entry.get("content")), {})
            parts.append(inner_text)
            attachments += inner_attachments
        return "\n".join(part for part in parts if part), attachments
    if msgtype == "todo":
        return f"{payload.get('title', '')}\n{payload.get('content', '')}".strip(), attachments
    if msgtype == "vote":
        return " ".join(
            [str(payload.get("votetitle") or "")] + [str(x) for x in payload.get("voteitem") or []]
        ).strip(), attachments
    if msgtype == "collect":
        return str(payload.get("title", "")), attachments
    if msgtype in ("redpacket", "external_redpacket"):
        return f"[红包] {payload.get('wish', '')}".strip(), attachments
    if msgtype == "meeting":
        return f"[会议] {payload.get('topic', '')} {payload.get('address', '')}".strip(), attachments
    if msgtype == "calendar":
        return f"[日程] {payload.get('title', '')} {payload.get('place', '')}".strip(), attachments
    if msgtype == "docmsg":
        return f"[文档] {payload.get('title', '')}".strip(), attachments
    if msgtype == "meeting_notification":
        return str(payload.get("content", "")), attachments
    if msgtype == "meeting_voice_call":
        return "[音视频通话]", attachments
    if msgtype == "voiptext":
        return f"[通话 {payload.get('callduration', '')}秒]", attachments
    if msgtype == "sphfeed":
        return f"[视频号] {payload.get('sph_name', '')} {payload.get('feed_desc', '')}".strip(), attachments
    return "", attachments
