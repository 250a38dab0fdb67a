"""Competitor entities exactly as written, and the --competitors syntax."""

import pytest

from salespulse.signals.tagger import tag_text
from salespulse.signals.tagger.competitors import CompetitorMatcher, parse_competitor_option
from salespulse.signals.tagger.config import shipped_config


def competitor_texts(text: str, competitors=None) -> list[str]:
    result = tag_text(text, use_model=False, config=shipped_config(), competitors=competitors)
    return [entity.text for entity in result.entities if entity.kind == "competitor"]


def test_competitor_is_reported_as_written_in_any_alias():
    assert competitor_texts("MINDRAY和罗氏诊断都来过，还有Sysmex") == ["MINDRAY", "罗氏诊断", "Sysmex"]


def test_competitor_is_an_entity_even_without_a_tag():
    assert competitor_texts("省医院也在用西门子的流水线") == ["西门子"]


def test_short_capital_alias_does_not_match_inside_an_analyte_name():
    matcher = CompetitorMatcher([("沃芬", ["IL"])])
    assert [m.name for m in matcher.find("IL-6 检测；IL 的凝血")] == ["沃芬"]


def test_option_syntax_splits_names_and_aliases():
    assert parse_competitor_option("迈瑞=Mindray=MR，罗氏=Roche,希森美康") == [
        ("迈瑞", ["Mindray", "MR"]),
        ("罗氏", ["Roche"]),
        ("希森美康", []),
    ]


def test_option_with_alias_but_no_name_is_rejected():
    with pytest.raises(ValueError, match="no name"):
        parse_competitor_option("迈瑞,=Roche")


def test_given_list_replaces_the_configured_one():
    assert competitor_texts("迈瑞和BrandX都在报价", competitors=[("BrandX", [])]) == ["BrandX"]
