"""Case search reuses one text index while the cases are unchanged."""

import pytest

from salespulse.campaigns import selectors
from salespulse.core import textsearch
from tests.campaigns.factories import CampaignFactory, CaseFactory, make_rep

pytestmark = pytest.mark.django_db


def test_repeated_searches_build_one_index():
    CaseFactory(campaign=CampaignFactory(), script="主任担心和LIS系统对接不上")
    rep = make_rep()
    textsearch._cache.clear()

    selectors.search_cases(rep, "LIS对接")
    selectors.search_cases(rep, "对接")

    assert [name for name, _concepts, _digest in textsearch._cache] == ["case_search"]


def test_edited_case_is_found_by_its_new_text():
    case = CaseFactory(campaign=CampaignFactory(), script="介绍设备")
    rep = make_rep()
    assert selectors.search_cases(rep, "招标答疑") == []

    case.script = "招标答疑的应对"
    case.save(update_fields=["script"])

    assert selectors.search_cases(rep, "招标答疑") == [case]
