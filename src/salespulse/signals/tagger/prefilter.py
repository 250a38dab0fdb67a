"""A literal prefilter for the rule triggers.

Searching every tag's union of triggers over every message is most of the tagger's
time, and most messages match few tags. For each trigger this module derives a set of
literal strings such that any match must contain at least one of them (read from the
parsed regular expression). One Aho-Corasick pass over the message then names the tags
that can match at all, and only their regular expressions run. A trigger for which no
such set can be derived (it may match without any fixed text) keeps its tag always in.
"""

from __future__ import annotations

import re
import re._constants as sre  # noqa: PLC2701 - the parser's node codes, stable within a Python version
import re._parser as sre_parse  # noqa: PLC2701

import ahocorasick

# Character classes larger than this are treated as "any character".
MAX_CLASS_SIZE = 12
# Joining adjacent elements stops when the combinations would exceed this.
MAX_PRODUCT = 256

Factors = frozenset[str] | None  # None: no literal is required


def _class_chars(items) -> set[str] | None:
    chars: set[str] = set()
    for op, value in items:
        if op is sre.LITERAL:
            chars.add(chr(value))
        elif op is sre.RANGE and value[1] - value[0] < MAX_CLASS_SIZE:
            chars.update(chr(code) for code in range(value[0], value[1] + 1))
        else:
            return None
        if len(chars) > MAX_CLASS_SIZE:
            return None
    return chars


def _best(candidates: list[frozenset[str]]) -> Factors:
    """Pick the most selective factor set: the longest shortest string, then the fewest
    strings."""
    if not candidates:
        return None
    return max(candidates, key=lambda factors: (min(map(len, factors)), -len(factors)))


def _node_factors(op, value) -> tuple[Factors, bool]:
    """Return the factors of one element, and whether every match of it is exactly one of
    them (only then can it be joined with its neighbours)."""
    if op is sre.LITERAL:
        return frozenset({chr(value)}), True
    if op is sre.IN:
        chars = _class_chars(value)
        return (frozenset(chars), True) if chars else (None, False)
    if op is sre.SUBPATTERN:
        return _sequence_factors(value[-1])
    if op is sre.BRANCH:
        union: set[str] = set()
        exact = True
        for branch in value[1]:
            factors, branch_exact = _sequence_factors(branch)
            if factors is None:
                return None, False
            union |= factors
            exact = exact and branch_exact
        return frozenset(union), exact
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
        minimum, maximum, item = value
        factors, exact = _sequence_factors(item) if minimum >= 1 else (None, False)
        return factors, exact and minimum == maximum == 1
    return None, False


def _sequence_factors(sequence) -> tuple[Factors, bool]:
    """Return the factors of a sequence, and whether they are exact. Adjacent exact
    elements are joined into longer strings ("预算" then "批" gives "预算批"), up to
    MAX_PRODUCT combinations, and the most selective candidate is kept. Zero-width
    assertions neither match text nor break adjacency."""
    candidates: list[frozenset[str]] = []
    joined: frozenset[str] | None = None
    whole = True  # every element so far exact and joined into one product
    for op, value in sequence:
        if op in (sre.AT, sre.ASSERT, sre.ASSERT_NOT):
            continue
        factors, exact = _node_factors(op, value)
        if factors is not None:
            candidates.append(factors)
        if factors is None or not exact:
            whole = False
            if joined is not None:
                candidates.append(joined)
            joined = None
            continue
        if joined is None:
            joined = factors
        elif len(joined) * len(factors) <= MAX_PRODUCT:
            joined = frozenset(left + right for left in joined for right in factors)
        else:
            whole = False
            candidates.append(joined)
            joined = factors
    if joined is not None:
        candidates.append(joined)
    if whole and joined is not None:
        return joined, True
    return _best(candidates), False


def required_factors(pattern: re.Pattern[str]) -> Factors:
    """Return literal strings one of which every match of ``pattern`` contains, or None."""
    if pattern.flags & re.IGNORECASE:
        return None
    return _sequence_factors(sre_parse.parse(pattern.pattern, pattern.flags))[0]


class TagPrefilter:
    """Index of trigger literals that names, for a text, the triggers that can match it:
    per tag, the positions of those triggers in the list the tag was given."""

    def __init__(self, triggers_by_tag: dict[str, list[re.Pattern[str]]]) -> None:
        self.always: dict[str, list[int]] = {}
        by_factor: dict[str, set[tuple[str, int]]] = {}
        for tag, triggers in triggers_by_tag.items():
            for position, trigger in enumerate(triggers):
                factors = required_factors(trigger)
                if factors is None:
                    self.always.setdefault(tag, []).append(position)
                    continue
                for factor in factors:
                    by_factor.setdefault(factor, set()).add((tag, position))
        self.automaton = ahocorasick.Automaton()
        for factor, entries in by_factor.items():
            self.automaton.add_word(factor, frozenset(entries))
        if by_factor:
            self.automaton.make_automaton()
        self._empty = not by_factor

    def possible_triggers(self, text: str) -> dict[str, list[int]]:
        """Return, per tag, the sorted positions of the triggers that can match ``text``."""
        found: dict[str, set[int]] = {tag: set(positions) for tag, positions in self.always.items()}
        if not self._empty:
            for _, entries in self.automaton.iter(text):
                for tag, position in entries:
                    found.setdefault(tag, set()).add(position)
        return {tag: sorted(positions) for tag, positions in found.items()}
