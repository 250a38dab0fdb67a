"""Edge cases of the engine found by QA: several signals in one message, contradicting
model additions, very long texts, and model files that cannot be read."""

import datetime as dt

import pytest

from salespulse.signals.tagger import tag_text
from salespulse.signals.tagger.config import TaggerConfig, shipped_config
from salespulse.signals.tagger.engine import CHUNK_CHARS, _pieces
from salespulse.signals.tagger.shipped import shipped_model


@pytest.fixture(scope="module")
def with_model():
    base = shipped_config()
    return TaggerConfig(competitors=base.competitors, extra=base.extra, model=shipped_model())


def codes(text: str, config) -> set[str]:
    return set(tag_text(text, channel="wechat", speaker="customer", config=config).codes)


def test_several_signals_keep_every_tag(with_model):
    found = codes("预算还没批，别家便宜不少，主任出差了，下周要货", with_model)
    assert {"budget_pending", "competitor_preference", "price_objection"} <= found
    assert {"decision_maker_unavailable", "delivery_timeline"} <= found


def test_model_adds_no_contradicting_budget_tag(with_model):
    assert codes("预算批了", with_model) == {"budget_approved"}


def test_model_adds_no_conditional_purchase(with_model):
    assert "purchase_intent" not in codes("等钱下来了我们就签合同", with_model)


@pytest.mark.parametrize(
    ("text", "tag", "present"),
    [
        ("主任没出差，在科里", "decision_maker_unavailable", False),
        ("这批试剂的FP偏多", "payment_terms", False),
        ("fp开了没", "payment_terms", True),
        ("我们科的预算不过五万块", "budget_pending", True),
        ("佢哋已經落咗單", "purchase_intent", True),
    ],
)
def test_rule_edge_cases(text, tag, present):
    found = set(tag_text(text, channel="wechat", speaker="customer", use_model=False, config=shipped_config()).codes)
    assert (tag in found) is present


def test_long_text_tagged_in_pieces_with_original_spans():
    filler = "今天天气不错，大家辛苦了。" * (CHUNK_CHARS // 10)
    text = "预算还没批。" + filler + "价格太贵了。"
    result = tag_text(text, channel="email", speaker="customer", use_model=False, config=shipped_config())
    spans = {hit.tag: text[hit.start : hit.end] for hit in result.tags}
    assert spans["budget_pending"].startswith("预算还没批")
    assert spans["price_objection"].startswith("价格太贵")


def test_pieces_end_at_sentence_ends():
    text = ("一二三四五。" * (CHUNK_CHARS // 3))[: CHUNK_CHARS * 2]
    pieces = list(_pieces(text))
    assert "".join(piece for _, piece in pieces) == text
    assert all(len(piece) <= CHUNK_CHARS for _, piece in pieces)
    assert all(piece.endswith("。") for _, piece in pieces[:-1])


@pytest.mark.parametrize(
    ("text", "competitors", "amounts"),
    [("a" + " " * 16_000, 0, 0), ("罗氏" * 4_000, 4_000, 0), ("60万，" * 10_000, 0, 10_000)],
)
def test_repetitive_long_input_is_tagged_whole(text, competitors, amounts):
    # These once took 3 to 30 s on quadratic paths. docs/benchmarks.md has the times now.
    result = tag_text(text, channel="wechat", speaker="customer", use_model=False, config=shipped_config())
    assert sum(entity.kind == "competitor" for entity in result.entities) == competitors
    assert sum(entity.kind == "amount_cny" for entity in result.entities) == amounts


def test_dates_past_the_calendar_are_left_out():
    result = tag_text(
        "下周三送到", sent_at=dt.datetime(9999, 12, 31, tzinfo=dt.UTC), use_model=False, config=shipped_config()
    )
    assert "delivery_timeline" in result.codes
    assert not [entity for entity in result.entities if entity.kind == "date"]


# The spec's own examples of conditions, with the shipped model.
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("如果预算批了的话我们就下单", {"budget_pending"}),
        ("钱到了我们就签", {"budget_pending"}),
        ("价格降一点我们就下单", {"price_objection"}),
        ("如果我们订的话，交货要多久？", {"delivery_timeline"}),
        ("你们要是交不了货，我们就找别家", set()),
    ],
)
def test_spec_conditions_with_the_model(with_model, text, expected):
    assert codes(text, with_model) == expected
