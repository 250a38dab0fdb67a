"""Read the text of an uncompressed reportlab PDF whose strings use the UCS-2 CID font."""

from __future__ import annotations

import re

# A literal string shown with Tj: "(" up to the first ")" that no backslash escapes.
SHOWN_STRING = re.compile(rb"\(((?:[^\\)]|\\.)*)\)\s*Tj", re.DOTALL)
ESCAPE = re.compile(rb"\\([0-7]{1,3}|.)", re.DOTALL)
SIMPLE_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _unescape(raw: bytes) -> bytes:
    def replace(match: re.Match) -> bytes:
        token = match.group(1)
        if token[:1].isdigit():
            return bytes([int(token, 8)])
        return SIMPLE_ESCAPES.get(token, token)

    return ESCAPE.sub(replace, raw)


def pdf_strings(data: bytes) -> list[str]:
    """Return every string the page streams show, decoded from UTF-16BE (UniGB-UCS2-H)."""
    return [_unescape(raw).decode("utf-16-be") for raw in SHOWN_STRING.findall(data)]


def pdf_text(data: bytes) -> str:
    return "\n".join(pdf_strings(data))
