"""Interactions on demo opportunities: a rep's follow-ups and the customer's replies.

The number of follow-ups (outbound interactions before the close) is planted: most
lost deals die after their 3rd to 5th follow-up, while won deals get 6 to 14.
"""

from __future__ import annotations

import bisect
import datetime as dt
import random

from salespulse.crm.models import (
    ActionType,
    Direction,
    Interaction,
    InteractionChannel,
    OpportunityStatus,
)
from salespulse.demo.deals import DemoDeal
from salespulse.demo.reference import END

# Follow-ups before a loss: 1 to 9, with 3 to 5 holding about two thirds of the weight.
LOST_FOLLOWUP_WEIGHTS = {1: 5, 2: 9, 3: 22, 4: 24, 5: 20, 6: 8, 7: 5, 8: 4, 9: 3}
REPLY_SHARE = 0.55

# The (action type, channel) pairs a rep picks from in each stage, equally likely.
STAGE_ACTIONS = {
    "initial_contact": (
        (ActionType.CALL, InteractionChannel.PHONE),
        (ActionType.MESSAGE, InteractionChannel.WECOM),
        (ActionType.VISIT, InteractionChannel.VISIT),
    ),
    "needs_analysis": (
        (ActionType.VISIT, InteractionChannel.VISIT),
        (ActionType.CALL, InteractionChannel.PHONE),
        (ActionType.MESSAGE, InteractionChannel.WECHAT),
    ),
    "solution_demo": (
        (ActionType.DEMO_DONE, InteractionChannel.MEETING),
        (ActionType.PROPOSAL_SENT, InteractionChannel.EMAIL),
        (ActionType.MESSAGE, InteractionChannel.WECOM),
    ),
    "tech_evaluation": (
        (ActionType.SAMPLE_SENT, InteractionChannel.VISIT),
        (ActionType.PROPOSAL_SENT, InteractionChannel.EMAIL),
        (ActionType.MESSAGE, InteractionChannel.WECOM),
    ),
    "negotiation": (
        (ActionType.QUOTE_SENT, InteractionChannel.EMAIL),
        (ActionType.QUOTE_SENT, InteractionChannel.WECOM),
        (ActionType.CALL, InteractionChannel.PHONE),
    ),
    "contract_drafting": (
        (ActionType.CONTRACT_SENT, InteractionChannel.EMAIL),
        (ActionType.MESSAGE, InteractionChannel.WECOM),
    ),
}

OUTBOUND_TEXTS = {
    ActionType.CALL: (
        "电话沟通{product}的使用需求，约下周拜访。",
        "电话跟进采购进度，对方说还在走内部流程。",
    ),
    ActionType.MESSAGE: (
        "您好，关于{product}还有什么需要我补充的吗？",
        "资料已整理好，方便时我发您一份。",
    ),
    ActionType.VISIT: (
        "上门拜访，了解科室现有设备和{product}需求。",
        "拜访采购负责人，确认预算和时间表。",
    ),
    ActionType.DEMO_DONE: (
        "完成{product}现场演示，科室反馈操作简便。",
        "线上演示{product}，对方关注售后响应时间。",
    ),
    ActionType.PROPOSAL_SENT: (
        "已发送{product}配置方案，请审阅。",
        "方案已按反馈修改，附件为新版。",
    ),
    ActionType.SAMPLE_SENT: (
        "已寄出{product}样品，请安排试用。",
        "送样到检验科，约定两周后收集试用意见。",
    ),
    ActionType.QUOTE_SENT: ("已发送{product}报价单，请查收。", "报价已更新，含三年维保和培训。"),
    ActionType.CONTRACT_SENT: ("合同草稿已发送，请法务审阅。", "合同条款已按意见修改，请确认。"),
}

REPLY_TEXTS = {
    "initial_contact": ("收到，下周再联系。", "先发点资料看看。"),
    "needs_analysis": (
        "我们科室今年有更新计划，具体等预算下来。",
        "需求已经汇总，请按这个准备方案。",
    ),
    "solution_demo": ("演示效果不错，还要再和主任商量。", "能否再安排一次给其他医生看？"),
    "tech_evaluation": ("试用反馈还可以，有几个参数要再确认。", "技术上没问题，等采购流程。"),
    "negotiation": (
        "价格还是偏高，别家报得更低。",
        "能否再优惠一些？预算有限。",
        "折扣需要领导审批。",
    ),
    "contract_drafting": ("合同我们在走审批，这周内回复。", "付款条件需要再谈。"),
}

SUBSTANTIVE_ACTIONS = frozenset(
    {
        ActionType.VISIT,
        ActionType.DEMO_DONE,
        ActionType.PROPOSAL_SENT,
        ActionType.SAMPLE_SENT,
        ActionType.QUOTE_SENT,
        ActionType.CONTRACT_SENT,
    }
)
SPOKEN_CHANNELS = frozenset({InteractionChannel.VISIT, InteractionChannel.MEETING})


def create_deal_interactions(deals: list[DemoDeal], rng: random.Random) -> int:
    """Write follow-ups and replies for every deal; return how many were written."""
    rows: list[Interaction] = []
    for deal in deals:
        rows.extend(_deal_interactions(deal, rng))
    Interaction.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def _followup_count(deal: DemoDeal, rng: random.Random) -> int:
    status = deal.opportunity.status
    if status == OpportunityStatus.LOST:
        return rng.choices(list(LOST_FOLLOWUP_WEIGHTS), list(LOST_FOLLOWUP_WEIGHTS.values()))[0]
    if status == OpportunityStatus.WON:
        return rng.randint(6, 14)
    open_days = (END - deal.opportunity.created_at).days
    return max(1, min(12, open_days // 7 + rng.randint(0, 2)))


def _deal_interactions(deal: DemoDeal, rng: random.Random) -> list[Interaction]:
    opportunity = deal.opportunity
    start, stop = opportunity.created_at, deal.last_moment
    span_seconds = (stop - start).total_seconds()
    entered = [entered_at for _, entered_at in deal.stays]
    contacts = deal.customer.contacts
    rows = []
    # Strictly between opening and close, so every follow-up counts as "before the close".
    fractions = sorted(rng.uniform(0.02, 0.98) for _ in range(_followup_count(deal, rng)))
    for fraction in fractions:
        at = start + dt.timedelta(seconds=int(span_seconds * fraction))
        stage_code = deal.stays[max(bisect.bisect_right(entered, at) - 1, 0)][0]
        action, channel = rng.choice(
            STAGE_ACTIONS.get(stage_code, STAGE_ACTIONS["initial_contact"])
        )
        contact = rng.choice(contacts) if contacts else None
        rows.append(
            _interaction(
                deal,
                contact,
                at,
                Direction.OUTBOUND,
                channel,
                action,
                rng.choice(OUTBOUND_TEXTS[action]).format(product=deal.product_name),
                action in SUBSTANTIVE_ACTIONS or rng.random() < 0.3,
            )
        )
        reply_at = at + dt.timedelta(minutes=rng.randint(30, 30 * 60))
        if rng.random() < REPLY_SHARE and reply_at < stop:
            reply_channel = InteractionChannel.WECHAT if channel in SPOKEN_CHANNELS else channel
            texts = REPLY_TEXTS.get(stage_code, REPLY_TEXTS["initial_contact"])
            rows.append(
                _interaction(
                    deal,
                    contact,
                    reply_at,
                    Direction.INBOUND,
                    reply_channel,
                    ActionType.NONE,
                    rng.choice(texts),
                    False,
                )
            )
    return rows


def _interaction(deal, contact, at, direction, channel, action, text, substantive) -> Interaction:
    return Interaction(
        customer_id=deal.opportunity.customer_id,
        contact_id=contact.pk if contact else None,
        opportunity_id=deal.opportunity.pk,
        owner_id=deal.opportunity.owner_id,
        channel=channel,
        direction=direction,
        occurred_at=at,
        text=text,
        action_type=action,
        substantive=substantive,
    )
