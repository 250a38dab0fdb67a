"""Domain concepts in ``core.textsearch``: synonyms meet, other senses do not."""

import pytest

from salespulse.core.textsearch import CONCEPT_WEIGHT, TextIndex, concept_tokens, tokenize


@pytest.mark.parametrize(
    ("first", "second", "concept"),
    [
        ("仪器和LIS对接", "跟检验科信息系统联网", "=lis"),
        ("接口不通", "设备不兼容", "=interface"),
        ("太贵了", "价格高", "=price"),
        ("预算不够", "没经费", "=budget"),
        ("坏了没人修", "售后不到位", "=service"),
    ],
)
def test_synonyms_share_concept(first, second, concept):
    assert concept in concept_tokens(first)
    assert concept in concept_tokens(second)


@pytest.mark.parametrize("text", ["拜访贵院检验科", "感谢您宝贵的时间", "贵司的资料收到了"])
def test_honorific_gui_is_not_price(text):
    assert "=price" not in concept_tokens(text)


def test_full_width_acronym_is_normalised():
    assert concept_tokens("ＬＩＳ接口") == ["=lis", "=interface"]


def test_tokenize_without_concepts_is_unchanged():
    assert tokenize("LIS系统不兼容") == ["lis", "系统", "统不", "不兼", "兼容"]


def test_concept_tokens_are_weighted():
    assert tokenize("太贵", concepts=True).count("=price") == CONCEPT_WEIGHT


def test_index_with_concepts_matches_synonym_only_documents():
    documents = [("interface", "设备与检验科系统的接口"), ("weather", "今天天气很好")]

    plain = TextIndex(documents).search("对接", min_coverage=0.0)
    with_concepts = TextIndex(documents, concepts=True).search("对接", min_coverage=0.0)

    assert plain == []
    assert [match.key for match in with_concepts] == ["interface"]


@pytest.mark.parametrize("text", ["迈瑞那边便宜", "罗氏的机器", "MINDRAY报价低", "ｓｙｓｍｅｘ"])
def test_competitor_brand_is_competitor_concept(text):
    assert "=competitor" in concept_tokens(text)


@pytest.mark.parametrize(
    ("text", "kind", "other_kind"), [("太贵", "=price_high", "=discount"), ("打个折吧", "=discount", "=price_high")]
)
def test_price_complaint_and_discount_request_are_told_apart(text, kind, other_kind):
    tokens = concept_tokens(text)

    assert "=price" in tokens
    assert kind in tokens
    assert other_kind not in tokens


def test_finer_concept_does_not_lower_search_coverage():
    index = TextIndex([("discount", "报价能不能再降一点")], concepts=True)

    assert [match.key for match in index.search("太贵")] == ["discount"]


@pytest.mark.parametrize("text", ["要走招标", "等集采结果", "省采购平台挂网", "带量采购"])
def test_public_procurement_is_tender_and_approval(text):
    tokens = concept_tokens(text)

    assert "=tender" in tokens
    assert "=approval" in tokens


def test_hospital_committee_is_approval_but_not_tender():
    tokens = concept_tokens("设备科和院办审批通不过")

    assert "=approval" in tokens
    assert "=tender" not in tokens
