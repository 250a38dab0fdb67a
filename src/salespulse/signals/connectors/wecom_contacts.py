"""WeCom external-contact (客户联系) API JSON: ``externalcontact/get`` responses, one per
file or one per line, and ``batch/get_by_user`` pages (``external_contact_list``).

Each customer becomes a ``ParsedContact`` with its follow users (the reps who added
it), their remarks, tags and the mobile numbers they typed in.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from salespulse.signals.connectors.base import (
    ConnectorOptions,
    ParsedContact,
    ParseError,
    Record,
    bounded_lines,
    excerpt,
    too_long_reason,
)

SOURCE = "wecom_contacts"
MAX_DOCUMENT_BYTES = 64 * 1024 * 1024


def read_wecom_contacts(path: Path, options: ConnectorOptions) -> Iterator[Record]:
    if path.stat().st_size <= MAX_DOCUMENT_BYTES:
        try:
            document = json.loads(path.read_bytes())
        except (ValueError, RecursionError):
            document = None
        if document is not None:
            items = document if isinstance(document, list) else [document]
            for index, item in enumerate(items, start=1):
                yield from _responses(item, index)
            return
    with path.open("rb") as handle:
        for number, raw, complete in bounded_lines(handle):
            if not complete:
                yield ParseError(number, too_long_reason(), excerpt(raw))
                continue
            if not raw.strip():
                continue
            try:
                item = json.loads(raw)
            except (ValueError, RecursionError) as error:
                yield ParseError(number, f"invalid JSON: {error}", excerpt(raw))
                continue
            yield from _responses(item, number)


def _responses(item: Any, line: int) -> Iterator[Record]:
    if not isinstance(item, dict):
        yield ParseError(line, "expected a JSON object (an externalcontact/get response)")
        return
    if item.get("errcode") not in (0, "0", None):
        yield ParseError(line, f"the API returned errcode {item.get('errcode')}: {item.get('errmsg', '')}")
        return
    if "external_contact_list" in item:
        entries = item["external_contact_list"] or []
        for entry in entries if isinstance(entries, list) else [entries]:
            if not isinstance(entry, dict):
                yield ParseError(line, "an external_contact_list entry is not a JSON object", excerpt(str(entry)))
                continue
            follow = entry.get("follow_info")
            yield from _contact(entry.get("external_contact") or {}, [follow] if follow else [], line)
        return
    if "external_contact" in item:
        follow_users = item.get("follow_user") or []
        yield from _contact(
            item["external_contact"] or {}, follow_users if isinstance(follow_users, list) else [], line
        )
        return
    yield ParseError(line, "no external_contact or external_contact_list in this object", excerpt(json.dumps(item)))


def _contact(contact: dict, follow_users: list, line: int) -> Iterator[Record]:
    if not isinstance(contact, dict):
        yield ParseError(line, "external_contact is not a JSON object", excerpt(str(contact)))
        return
    external_userid = str(contact.get("external_userid", "")).strip()
    if not external_userid:
        yield ParseError(line, "external_contact has no external_userid")
        return
    follows = []
    for follow in follow_users:
        if not isinstance(follow, dict):
            continue
        tags = follow.get("tags") or []
        follows.append(
            {
                "userid": str(follow.get("userid", "")),
                "remark": str(follow.get("remark", "")),
                "description": str(follow.get("description", "")),
                "remark_corp_name": str(follow.get("remark_corp_name", "")),
                "remark_mobiles": [str(mobile) for mobile in follow.get("remark_mobiles") or []],
                "tags": [
                    tag.get("tag_name") or tag.get("tag_id") if isinstance(tag, dict) else str(tag) for tag in tags
                ]
                + [str(tag_id) for tag_id in follow.get("tag_id") or []],
                "createtime": follow.get("createtime"),
                "add_way": follow.get("add_way"),
                "state": follow.get("state", ""),
            }
        )
    yield ParsedContact(
        source=SOURCE,
        dedupe_key=f"{SOURCE}:{external_userid}",
        line=line,
        external_userid=external_userid,
        name=str(contact.get("name", "")),
        corp_name=str(contact.get("corp_full_name") or contact.get("corp_name") or ""),
        follow_users=follows,
        payload={"external_contact": contact, "follow_user": follows},
    )
