"""Marking evidence spans in a message as HTML: ``<mark>`` around each span, the words
that triggered the tag in its ``title`` (shown on hover and read by screen readers)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    title: str
    css: str = "tag"
    tag: str = ""


def highlight(text: str, spans: list[Span]) -> SafeString:
    """Return ``text`` escaped, with each valid span wrapped in ``<mark>``. Empty spans and
    spans outside the text are skipped. A span that overlaps an earlier one is merged
    into it with its title appended, so the marks never nest."""
    valid = sorted(
        (span for span in spans if 0 <= span.start < span.end <= len(text)), key=lambda span: (span.start, -span.end)
    )
    merged: list[list] = []
    for span in valid:
        if merged and span.start < merged[-1][1]:
            last = merged[-1]
            last[1] = max(last[1], span.end)
            if span.title and span.title not in last[2]:
                last[2].append(span.title)
            last[4].append(span.tag)
            continue
        merged.append([span.start, span.end, [span.title] if span.title else [], span.css, [span.tag]])

    parts: list[str] = []
    position = 0
    for start, end, titles, css, tags in merged:
        parts.append(escape(text[position:start]))
        parts.append(
            format_html(
                '<mark class="{}" title="{}" data-tags="{}">{}</mark>',
                css, " · ".join(titles), " ".join(tag for tag in tags if tag), text[start:end],
            )
        )
        position = end
    parts.append(escape(text[position:]))
    return mark_safe("".join(str(part) for part in parts))
