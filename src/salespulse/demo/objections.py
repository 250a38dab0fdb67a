"""Customer objections of the demo workspace.

About a third of the deals meet one objection in an open stage, so the process-health
figure for objection resolution and the playbook's "who solved this before" have a
history to show. Reps who move deals faster (a lower ``pace``) also resolve objections
faster, so the top reps by won amount tend to resolve them sooner than the rest. An
objection whose resolution would come after the deal closed, or after the end of the
history, stays open.
"""

from __future__ import annotations

import datetime as dt
import random

from salespulse.demo.deals import OPEN_STAGES, DemoDeal
from salespulse.demo.reference import END
from salespulse.pipeline.models import Objection, ObjectionCategory, Stage

OBJECTION_SHARE = 0.35
MEDIAN_RESOLUTION_DAYS = 1.6
# Later stages see more objections, and negotiation mostly about price.
STAGE_WEIGHTS = {"needs_analysis": 1, "solution_demo": 2, "tech_evaluation": 4, "negotiation": 4}
CATEGORY_WEIGHTS = {
    ObjectionCategory.PRICE: 30,
    ObjectionCategory.COMPATIBILITY: 15,
    ObjectionCategory.QUALITY: 12,
    ObjectionCategory.SERVICE: 10,
    ObjectionCategory.COMPETITOR: 13,
    ObjectionCategory.APPROVAL: 12,
    ObjectionCategory.BUDGET: 8,
}
NEGOTIATION_PRICE_SHARE = 0.6

# (customer's words, the rep's response) per category.
EXCHANGES = {
    ObjectionCategory.PRICE: [
        ("你们的报价比别家高了快两成，这个价我们很难报上去。", "按五年总拥有成本重新核算，并申请了年度用量阶梯折扣。"),
        ("试剂单价太贵了，科室一年的量摊下来压力很大。", "改成按检测量结算的方案，首年试剂赠送一批质控品。"),
        ("预算就这么多，能不能再让一点？", "在不降单价的前提下延长保修一年，客户同意按原价走。"),
    ],
    ObjectionCategory.COMPATIBILITY: [
        ("我们的LIS是老版本，担心你们的仪器接不上。", "安排工程师到现场核对接口协议，做了联调演示。"),
        ("和现有的HIS对接要多久？信息科说排期很满。", "提供标准接口文档，由我方工程师完成对接，不占信息科排期。"),
    ],
    ObjectionCategory.QUALITY: [
        ("上次试用的时候批间差有点大，结果不太稳定。", "送来第三方室间质评报告，并重新做了一轮精密度验证。"),
        ("检测速度能不能跟上我们门诊高峰的样本量？", "按高峰时段的样本量做了现场通量测试。"),
    ],
    ObjectionCategory.SERVICE: [
        ("你们在本地有工程师吗？坏了等不起。", "承诺四小时到场，并留一套备用模块在科室。"),
        ("以前别家的售后很慢，我们有顾虑。", "写入合同的响应时限，加上季度巡检。"),
    ],
    ObjectionCategory.COMPETITOR: [
        ("迈瑞那边也在谈，条件给得挺好。", "逐项对比了两家的参数和服务条款，突出我们的试剂开放性。"),
        ("我们一直用罗氏的，换过来风险谁担？", "提供同级医院的切换案例，并安排为期一个月的平行比对。"),
    ],
    ObjectionCategory.APPROVAL: [
        ("这个要等院长办公会，我们科室定不了。", "准备了上会材料，陪同主任向分管院长汇报。"),
        ("集团采购要走总部审批，时间说不准。", "联系集团采购部确认流程，把资料一次交齐。"),
    ],
    ObjectionCategory.BUDGET: [
        ("今年的设备预算已经用完了。", "改为明年一季度到货、今年签意向，先锁定价格。"),
        ("专项资金还没批下来，现在签不了。", "跟进财务审批进度，按资金到位时间调整了付款节点。"),
    ],
}


def create_objections(deals: list[DemoDeal], rng: random.Random) -> int:
    """Write one objection on about a third of the deals; return how many were written."""
    if not deals:
        return 0
    pipeline_id = deals[0].opportunity.pipeline_id
    stages = {stage.code: stage for stage in Stage.objects.filter(pipeline_id=pipeline_id)}
    objections = []
    for deal in deals:
        if rng.random() >= OBJECTION_SHARE:
            continue
        stays = _open_stays(deal)
        if not stays:
            continue
        code, entered_at, left_at = rng.choices(stays, [STAGE_WEIGHTS[stay[0]] for stay in stays])[0]
        raised_at = entered_at + (left_at - entered_at) * rng.uniform(0.1, 0.6)
        category = _category(code, rng)
        words, response = rng.choice(EXCHANGES[category])
        days = rng.lognormvariate(0.0, 0.7) * MEDIAN_RESOLUTION_DAYS * deal.customer.rep.pace
        resolved_at = raised_at + dt.timedelta(days=days)
        resolved = resolved_at <= min(deal.last_moment, END)
        objections.append(
            Objection(
                opportunity_id=deal.opportunity.pk,
                stage=stages[code],
                category=category,
                customer_words=words,
                response=response if resolved else "",
                raised_at=raised_at,
                resolved_at=resolved_at if resolved else None,
                recorded_by_id=deal.opportunity.owner_id,
            )
        )
    Objection.objects.bulk_create(objections, batch_size=2000)
    return len(objections)


def _open_stays(deal: DemoDeal) -> list[tuple[str, dt.datetime, dt.datetime]]:
    """Return (stage code, entered at, left at) of the deal's stays in the stages that meet objections."""
    ends = [entered_at for _code, entered_at in deal.stays[1:]] + [deal.last_moment]
    return [
        (code, entered_at, left_at)
        for (code, entered_at), left_at in zip(deal.stays, ends, strict=True)
        if code in STAGE_WEIGHTS and code in OPEN_STAGES and left_at > entered_at
    ]


def _category(stage_code: str, rng: random.Random) -> str:
    if stage_code == "negotiation" and rng.random() < NEGOTIATION_PRICE_SHARE:
        return ObjectionCategory.PRICE
    categories = list(CATEGORY_WEIGHTS)
    return rng.choices(categories, [CATEGORY_WEIGHTS[category] for category in categories])[0]
