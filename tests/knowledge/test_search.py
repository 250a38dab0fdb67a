"""Chinese search over the playbook: character bigrams and domain terms, no spaces needed."""

import pytest

from salespulse.core import textsearch
from salespulse.knowledge.selectors import search_playbook


def _titles(entries):
    return [entry.track.title for entry in entries]


def test_query_without_spaces_finds_track(playbook, workspace):
    entries = search_playbook(workspace.users["rep_east1"], query="检验科LIS连不上")

    assert _titles(entries)[0] == "与医院LIS对接"


@pytest.mark.parametrize(("term", "title"), [("兼容", "试剂是否封闭"), ("招标", "招标流程长"), ("账期", "账期要求")])
def test_two_character_term_finds_track(playbook, workspace, term, title):
    assert title in _titles(search_playbook(workspace.users["rep_east1"], query=term))


def test_search_matches_response_script(playbook, workspace):
    assert _titles(search_playbook(workspace.users["rep_east1"], query="DICOM")) == ["超声图像上传PACS"]


def test_full_width_query_matches(playbook, workspace):
    assert "与医院LIS对接" in _titles(search_playbook(workspace.users["rep_east1"], query="ＬＩＳ"))


def test_synonym_finds_track_without_the_word(playbook, workspace):
    """太贵 is not in the 要求降价 track, but 价格 concepts link it (报价, 折扣)."""
    assert "要求降价" in _titles(search_playbook(workspace.users["rep_east1"], query="太贵"))


def test_unmatched_query_finds_nothing(playbook, workspace):
    assert search_playbook(workspace.users["rep_east1"], query="天气预报") == []


def test_category_filter(playbook, workspace):
    titles = _titles(search_playbook(workspace.users["rep_east1"], category="budget"))

    assert sorted(titles) == ["今年没有预算", "等待财政拨款"]


def test_drafts_hidden_from_reps_shown_to_ops(playbook, workspace):
    from salespulse.knowledge.services import update_talk_track

    track = playbook["tender"]
    update_talk_track(
        actor=workspace.users["ops"],
        talk_track=track,
        category=track.category,
        title=track.title,
        objection_text=track.objection_text,
        response=track.response,
        status="draft",
    )

    assert "招标流程长" not in _titles(search_playbook(workspace.users["rep_east1"], query="招标"))
    assert "招标流程长" in _titles(search_playbook(workspace.users["ops"], query="招标"))


def test_category_filters_share_one_search_index(playbook, workspace):
    textsearch._cache.clear()

    for category in ("", "price", "compatibility", "service"):
        search_playbook(workspace.users["rep_east1"], query="太贵", category=category)

    assert [name for name, _concepts, _digest in textsearch._cache] == ["playbook_search"]


def test_category_filter_applies_to_search_results(playbook, workspace):
    everywhere = search_playbook(workspace.users["rep_east1"], query="别家")
    entries = search_playbook(workspace.users["rep_east1"], query="别家", category="price")

    assert len({entry.track.category for entry in everywhere}) > 1
    assert [entry.track.title for entry in entries] == ["价格太高"]
