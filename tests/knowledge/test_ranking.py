"""Which talk tracks an objection's words rank first, among the 26 tracks of the corpus."""

import pytest

from salespulse.core.textsearch import TextIndex
from salespulse.knowledge import ranking
from salespulse.knowledge.selectors import rank_talk_tracks
from tests.knowledge.corpus import TRACKS


def _names(playbook, ranked):
    by_pk = {track.pk: name for name, track in playbook.items()}
    return [by_pk[item.track.pk] for item in ranked]


def test_corpus_has_at_least_twenty_tracks(playbook):
    assert len(playbook) >= 20


def test_lis_incompatibility_ranks_lis_track_first(playbook):
    ranked = rank_talk_tracks("设备和现有LIS系统不兼容", "compatibility")
    names = _names(playbook, ranked)

    assert names[0] == "lis_interface"
    lis_score = ranked[0].score
    unrelated = [item.score for item in ranked[1:]]
    assert all(score < lis_score for score in unrelated)


def test_lis_query_misleads_plain_bigram_matcher():
    """Without domain concepts, the PACS track's shared 现有/系统/兼容 win: the corpus is a real trap."""
    index = TextIndex([(name, f"{title}\n{words}") for name, (_, title, words, _) in TRACKS.items()])

    best = max(ranking.similarities(index, "设备和现有LIS系统不兼容").items(), key=lambda item: item[1])

    assert best[0] != "lis_interface"


@pytest.mark.parametrize(
    ("objection", "category", "expected"),
    [
        ("设备和现有LIS系统不兼容", "compatibility", "lis_interface"),
        ("你们的分析仪能跟我们检验科信息系统联网吗", "compatibility", "lis_interface"),
        ("lis接口要另外收费吗？信息科说对接很麻烦", "compatibility", "lis_interface"),
        ("ＬＩＳ那边传不了结果", "compatibility", "lis_interface"),
        ("仪器跟实验室信息系统对接不上", "compatibility", "lis_interface"),
        ("仪器跟实验室信息系统对接不上", "other", "lis_interface"),
        ("医生开的医嘱能不能直接到仪器，HIS那边怎么接", "compatibility", "his_orders"),
        ("彩超图像怎么进影像系统", "compatibility", "pacs_interface"),
        ("别家便宜得多，你们太贵了", "price", "price_high"),
        ("价格高，超出我们的心理价位", "price", "price_high"),
        ("能不能再优惠点，打个折", "price", "discount"),
        ("预算不够，今年批不下来", "budget", "no_budget"),
        ("今年科室没经费了", "budget", "no_budget"),
        ("坏了找不到人修", "service", "service_slow"),
        ("我们习惯用进口的", "competitor", "loyal_roche"),
        ("要等院里上会审批", "approval", "committee"),
        ("要走招标，估计得半年", "approval", "tender"),
        ("医院回款周期长，付款要拖一年", "other", "payment_terms"),
        # Phrasings written during QA, one per kind of objection.
        ("这个价格我们接受不了，比预期高太多", "price", "price_high"),
        ("你们的机子跟我们的HIS对不上，医嘱过不来", "compatibility", "his_orders"),
        ("LIS接口不支持HL7", "compatibility", "lis_interface"),
        ("ＬＩＳ接口不支持ＨＬ７", "other", "lis_interface"),
        ("LIS借口不兼榕", "compatibility", "lis_interface"),
        ("上次报修等了三天才来人，售后太慢", "service", "service_slow"),
        ("售后响应时间太长", "service", "service_slow"),
        ("这个必须上政府采购平台挂网招标", "approval", "tender"),
        ("今年的经费早就花完了", "budget", "no_budget"),
        ("医院付款至少要180天，你们能接受吗", "other", "payment_terms"),
        # A bare complaint shares only the price concept with every price track; the
        # "too expensive" kind must still beat the "give a discount" kind.
        ("太贵", "price", "price_high"),
        ("太贵了😂", "price", "price_high"),
        ("再便宜一点我们就签", "price", "discount"),
        # Competitors named by brand rather than called 竞品 or 别家.
        ("迈瑞那边报价低一截，服务也不错", "competitor", "price_high"),
        ("罗氏的机器我们用了十年，换你们的风险太大", "competitor", "loyal_roche"),
        ("我们一直用雅培的，不想换", "competitor", "loyal_roche"),
        ("Mindray的报价便宜30%", "competitor", "price_high"),
        ("希森美康的血球我们用得好好的", "competitor", "loyal_roche"),
        # Public procurement named as 集采 or a procurement platform, not as 招标.
        ("这个项目要等省里集采结果", "approval", "tender"),
        ("要上省采购平台挂网", "approval", "tender"),
        ("单价太高了，院里肯定批不了", "price", "price_high"),
        ("给个优惠价吧", "price", "discount"),
        ("售后电话打了没人接", "service", "service_slow"),
        ("HIS对接要收多少钱", "compatibility", "his_orders"),
        ("付款要走财务流程，至少半年", "other", "payment_terms"),
    ],
)
def test_objection_ranks_matching_track_first(playbook, objection, category, expected):
    ranked = rank_talk_tracks(objection, category)

    assert ranked, f"no track recommended for {objection}"
    assert _names(playbook, ranked)[0] == expected


def test_unrelated_words_recommend_nothing(playbook):
    assert rank_talk_tracks("明天下午三点开会", "other") == []


def test_long_objection_still_ranks_matching_track_first(playbook):
    objection = "我们科室对你们的设备总体还是比较认可的，但是价格太贵了。" * 72

    ranked = rank_talk_tracks(objection, "price")

    assert len(objection) >= 2000
    assert _names(playbook, ranked)[0] == "price_high"


@pytest.mark.parametrize("objection", ["", "   \n\t", "😂😂😂", "？！……"])
def test_objection_without_words_recommends_nothing(playbook, objection):
    assert rank_talk_tracks(objection, "price") == []
