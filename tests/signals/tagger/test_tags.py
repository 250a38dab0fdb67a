"""Each default tag on its INTENT_SPEC.md borderline cases: the positive case gets the
tag, the negative case does not. Texts are written for these tests, not taken from the
development set."""

import pytest

from salespulse.signals.tagger import tag_text
from salespulse.signals.tagger.config import shipped_config

CONFIG = shipped_config()


def codes(text: str, *, speaker: str = "customer", channel: str = "wecom") -> list[str]:
    return tag_text(text, speaker=speaker, channel=channel, use_model=False, config=CONFIG).codes


POSITIVE = [
    ("budget_approved", "这次的经费已经批下来了，按计划走。"),
    ("budget_approved", "资金不是问题，你们放心。"),
    ("budget_approved", "专项资金可以覆盖这两台设备。"),
    ("budget_pending", "预算还没批，得再等等。"),
    ("budget_pending", "今年的钱用完了，只能等明年预算。"),
    ("budget_pending", "放射科的预算批了，我们科的还没有。"),
    ("budget_pending", "这个报价超出我们预算了。"),
    ("needs_hq_approval", "这个得报集团审批才行。"),
    ("needs_hq_approval", "超过这个金额要上院长办公会。"),
    ("needs_hq_approval", "我们是集团统一采购，分院做不了主。"),
    ("competitor_preference", "我们一直用罗氏的，医生用惯了。"),
    ("competitor_preference", "别家也在给我们报价，我们在对比。"),
    ("competitor_preference", "现在的供应商服务挺好的，暂时不想换。"),
    ("price_objection", "这个价格太高了，能不能便宜点？"),
    ("price_objection", "零头抹掉吧。"),
    ("price_objection", "你们给隔壁医院的价格比我们低。"),
    ("price_objection", "运费你们承担吧。"),
    ("tender_process", "这个项目要走公开招标。"),
    ("tender_process", "省平台还没挂网。"),
    ("tender_process", "听说明年要搞集采了。"),
    ("decision_maker_unavailable", "主任出差了，下周才回来。"),
    ("decision_maker_unavailable", "老板一直联系不上。"),
    ("sample_request", "能不能先寄两盒样品过来？"),
    ("sample_request", "我们要先看样品再决定。"),
    ("sample_request", "想安排一台演示机来试用两周。"),
    ("technical_concern", "你们的仪器能接我们的LIS吗？"),
    ("technical_concern", "这批试剂批间差太大了。"),
    ("technical_concern", "麻烦发一下注册证和检测报告。"),
    ("purchase_intent", "合同发过来吧，我们盖章。"),
    ("purchase_intent", "再订两台，配置和上次一样。"),
    ("delivery_timeline", "下单后多久能到货？"),
    ("delivery_timeline", "月底前必须到货。"),
    ("delivery_timeline", "不着急，下个月初到就行。"),
    ("stalling", "再说吧，最近比较忙。"),
    ("stalling", "我们内部研究研究，回头联系你。"),
    ("payment_terms", "账期能不能做到90天？"),
    ("payment_terms", "发票请开增值税专用发票。"),
    ("payment_terms", "上批货款财务还没付，月底安排。"),
]

NEGATIVE = [
    ("budget_approved", "有预算的话我们一定找你。"),
    ("budget_pending", "钱还没下来，上批货的尾款要晚点付。"),
    ("needs_hq_approval", "总部已经批了，你们准备合同。"),
    ("needs_hq_approval", "这个金额不用报集团，科里能定。"),
    ("needs_hq_approval", "老板签字就行，不用上会。"),
    ("competitor_preference", "迈瑞那套我们试过，问题太多，不考虑了。"),
    ("competitor_preference", "隔壁医院用的是安图的发光。"),
    ("competitor_preference", "如果你们交不了货，我们就只能找别家了。"),
    ("competitor_preference", "集采中标的是迈瑞，我们只能用他们的。"),
    ("price_objection", "这台仪器多少钱？"),
    ("price_objection", "价格没问题，就按这个来。"),
    ("tender_process", "这个不用招标，科室直接采购。"),
    ("decision_maker_unavailable", "主任出差回来了，可以约时间。"),
    ("decision_maker_unavailable", "我最近比较忙，改天再聊。"),
    ("sample_request", "样品就不用了。"),
    ("sample_request", "样品收到了，谢谢。"),
    ("sample_request", "试用已经结束了。"),
    ("sample_request", "发个视频看看就行。"),
    ("technical_concern", "参数我们看过了，都满足要求。"),
    ("technical_concern", "营业执照和授权书发一下，做供应商入库。"),
    ("purchase_intent", "我们对你们的产品挺感兴趣。"),
    ("purchase_intent", "这个月不下单了。"),
    ("purchase_intent", "等钱下来我们就签。"),
    ("purchase_intent", "价格降一点我们就下单。"),
    ("purchase_intent", "如果我们现在下单，多久能交货？"),
    ("delivery_timeline", "交期没有特别要求。"),
    ("delivery_timeline", "货已经到了。"),
    ("delivery_timeline", "样品什么时候寄？"),
    ("stalling", "预算没批，这事先放一放再说。"),
    ("stalling", "试用还在进行，结果出来再定。"),
    ("payment_terms", "账期没问题，按你们的标准来。"),
]


@pytest.mark.parametrize(("tag", "text"), POSITIVE)
def test_positive_case_gets_its_tag(tag, text):
    assert tag in codes(text)


@pytest.mark.parametrize(("tag", "text"), NEGATIVE)
def test_negative_case_does_not_get_the_tag(tag, text):
    assert tag not in codes(text)


def test_budget_needing_hq_approval_gets_both_tags():
    assert {"budget_pending", "needs_hq_approval"} <= set(codes("预算需要报集团审批。"))


def test_price_comparison_with_competitor_is_both_tags():
    assert {"competitor_preference", "price_objection"} <= set(codes("迈瑞报价比你们低了八万。"))


def test_conditional_purchase_gets_only_budget_pending():
    assert codes("钱一到位就签合同。") == ["budget_pending"]


def test_question_inside_hypothetical_is_still_tagged():
    assert "delivery_timeline" in codes("如果我们下单，多久能交货？")


def test_rep_message_to_customer_carries_no_tag():
    assert codes("预算批了吗？这个价格可以给您打九五折。", speaker="rep") == []


def test_call_summary_tags_reported_customer_signal():
    assert codes("客户表示预算还在申请中。", speaker="rep", channel="call_summary") == ["budget_pending"]


def test_rep_offer_in_internal_note_is_not_sample_request():
    assert "sample_request" not in codes("我已经给客户寄了样品。", speaker="internal")


def test_weekly_report_gets_union_of_customer_tags():
    text = "周报：1. 一院：预算还在申请；2. 二院：主任出差；3. 三院：嫌价格太高。"
    assert set(codes(text, speaker="internal")) == {"budget_pending", "decision_maker_unavailable", "price_objection"}


def test_stalling_of_one_customer_survives_another_customers_reason_in_report():
    text = "周报：人民医院经费未到；妇幼说考虑考虑。"
    assert {"budget_pending", "stalling"} <= set(codes(text, speaker="internal"))


def test_homophone_typo_is_read_as_the_word():
    assert "budget_pending" in codes("预酸还没批下来。")


def test_pinyin_message_is_read_as_chinese():
    assert "budget_pending" in codes("yusuan hai mei pi xia lai")


def test_english_words_inside_chinese_are_read():
    assert "price_objection" in codes("price太高了，能给个discount吗？")


def test_evidence_span_points_into_original_text():
    text = "您好！Budget已经approved了，下周推进。"
    hit = tag_text(text, use_model=False, config=CONFIG).tags[0]
    assert hit.tag == "budget_approved"
    assert text[hit.start : hit.end] == hit.evidence
    assert "Budget" in hit.trigger
