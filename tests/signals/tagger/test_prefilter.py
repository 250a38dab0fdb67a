"""The literal prefilter: every match contains one of the derived strings, so no tag a
trigger would match is ever skipped."""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from salespulse.signals.tagger.evaluation import load_examples
from salespulse.signals.tagger.normalize import normalize
from salespulse.signals.tagger.prefilter import TagPrefilter, required_factors
from salespulse.signals.tagger.rules import RULES, _all_triggers, _rule_prefilter


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        (r"(?:预算|经费)(?:已经)?批了", {"批了"}),
        (r"ab(?:c|d)e", {"abce", "abde"}),
        (r"a(?=b)bc", {"abc"}),
        (r"(?:预算[^，]{0,3}批)了", {"预算"}),
        (r"(?:a|)b", {"b"}),
        (r"(?:ab)+c", {"ab"}),
    ],
)
def test_factors_of_pattern_shapes(pattern, expected):
    assert required_factors(re.compile(pattern)) == expected


@pytest.mark.parametrize("pattern", [r"[^，]{0,4}", r"(?:a|b*)", r"\d+", r".", r"(?i)abc"])
def test_pattern_without_fixed_text_has_none(pattern):
    assert required_factors(re.compile(pattern)) is None


def test_unfilterable_trigger_is_always_possible():
    prefilter = TagPrefilter({"a": [re.compile(r"\d+")], "b": [re.compile("预算"), re.compile("经费")]})
    assert prefilter.possible_triggers("没有数字") == {"a": [0]}
    assert prefilter.possible_triggers("经费和预算") == {"a": [0], "b": [0, 1]}


@given(st.text(alphabet="预算经费批了已不没还钱款，。 ", max_size=30))
def test_match_always_contains_a_factor(text):
    pattern = re.compile(r"(?:预算|经费|钱)[^，。]{0,4}(?:已经|已)?(?:批了|到了)|(?<!不)没(?:有)?钱")
    factors = required_factors(pattern)
    if pattern.search(text):
        assert any(factor in text for factor in factors)


def test_prefilter_keeps_every_matching_trigger():
    prefilter = _rule_prefilter()
    for example in load_examples():
        text = normalize(example.text).text
        possible = prefilter.possible_triggers(text)
        for rule in RULES:
            for position, trigger in enumerate(_all_triggers(rule)):
                if trigger.search(text):
                    assert position in possible.get(rule.tag, []), (rule.tag, position, example.text)
