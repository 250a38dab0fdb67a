"""The competitor list: brand names and aliases, matched as written in the message.

Chinese names match as substrings. Latin names match on word boundaries and ignore case,
except short all-capital abbreviations (IL, BD, KHB), which match only in capitals so
"IL-6" or "bd" inside a word are not read as brands.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from salespulse.signals.tagger.normalize import to_simplified

Competitors = list[tuple[str, list[str]]]


@dataclass(frozen=True)
class CompetitorMatch:
    name: str
    start: int
    end: int


def default_competitors() -> Competitors:
    """Return the competitor list shipped in ``signals/taxonomy/competitors.json``."""
    raw = json.loads(resources.files("salespulse.signals.taxonomy").joinpath("competitors.json").read_text("utf-8"))
    return [(item["name"], list(item.get("aliases", []))) for item in raw]


def parse_competitor_option(value: str) -> Competitors:
    """Parse the CLI syntax ``迈瑞=Mindray=MR,罗氏=Roche``: items separated by commas (, or
    ，), each item a name optionally followed by ``=alias`` parts. Raise ValueError on an
    empty name."""
    competitors: Competitors = []
    for position, item in enumerate(re.split(r"[,，]", value), start=1):
        parts = [part.strip() for part in re.split(r"[=＝]", item)]
        if not item.strip():
            continue
        if not parts[0]:
            raise ValueError(f"competitor item {position} ({item!r}) has no name before '='")
        competitors.append((parts[0], [part for part in parts[1:] if part]))
    return competitors


class CompetitorMatcher:
    def __init__(self, competitors: Competitors) -> None:
        self.competitors = competitors
        alias_to_name: dict[str, str] = {}
        case_sensitive: list[str] = []
        insensitive: list[str] = []
        for name, aliases in competitors:
            for alias in [name, *aliases]:
                alias = to_simplified(alias.strip())
                if not alias:
                    continue
                is_latin = alias.isascii()
                if is_latin and len(alias) <= 3 and alias.isupper():
                    case_sensitive.append(alias)
                    alias_to_name[alias] = name
                else:
                    insensitive.append(alias)
                    alias_to_name[alias.casefold()] = name
        self._alias_to_name = alias_to_name
        self._insensitive = self._compile(insensitive, re.IGNORECASE)
        self._case_sensitive = self._compile(case_sensitive, 0)

    @staticmethod
    def _compile(aliases: list[str], flags: int) -> re.Pattern[str] | None:
        if not aliases:
            return None
        parts = []
        for alias in sorted(set(aliases), key=len, reverse=True):
            escaped = re.escape(alias)
            if alias.isascii():
                escaped = rf"(?<![A-Za-z0-9]){escaped}(?![A-Za-z0-9]|-\d)"
            parts.append(escaped)
        return re.compile("|".join(parts), flags)

    def find(self, text: str) -> list[CompetitorMatch]:
        found: list[CompetitorMatch] = []
        searched = to_simplified(text)  # same offsets: a 羅氏 in the text is found as 罗氏
        for pattern, key in ((self._insensitive, str.casefold), (self._case_sensitive, str)):
            if pattern is None:
                continue
            # One pattern's matches never overlap each other, so only the earlier
            # pattern's matches (sorted by start) need checking.
            earlier = sorted(found, key=lambda item: item.start)
            starts = [item.start for item in earlier]
            for match in pattern.finditer(searched):
                name = self._alias_to_name.get(key(match.group()))
                if name and not _overlaps(earlier, starts, match.start(), match.end()):
                    found.append(CompetitorMatch(name, match.start(), match.end()))
        return sorted(found, key=lambda item: item.start)


def _overlaps(matches: list[CompetitorMatch], starts: list[int], start: int, end: int) -> bool:
    """Return True when [start, end) overlaps one of ``matches`` (sorted, not overlapping)."""
    index = bisect_right(starts, start)
    before = matches[index - 1] if index else None
    after = matches[index] if index < len(matches) else None
    return (before is not None and before.end > start) or (after is not None and after.start < end)


@lru_cache(maxsize=32)
def _cached_matcher(key: tuple[tuple[str, tuple[str, ...]], ...]) -> CompetitorMatcher:
    return CompetitorMatcher([(name, list(aliases)) for name, aliases in key])


def matcher_for(competitors: Competitors) -> CompetitorMatcher:
    """Return a compiled matcher, reused for the same list."""
    return _cached_matcher(tuple((name, tuple(aliases)) for name, aliases in competitors))
