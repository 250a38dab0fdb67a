"""Small builders for funnel-analyzer tests: deals in a stage since a given time,
interactions that keep the activity facts, and intent signals with spans."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from salespulse.crm.models import ActionType, Direction, Interaction, InteractionChannel, Opportunity
from salespulse.crm.services import refresh_activity_facts
from salespulse.pipeline.models import MoveSource, Stage
from salespulse.pipeline.services import move_opportunity_to_stage
from salespulse.signals.models import Signal, SignalStatus
from tests.factories import make_opportunity

SHANGHAI = ZoneInfo("Asia/Shanghai")
# 10:00 in Shanghai on a Monday; every analyzer test runs at this moment.
NOW = dt.datetime(2026, 6, 15, 10, 0, tzinfo=SHANGHAI)


def deal(
    owner,
    *,
    name: str,
    stage: str = "tech_evaluation",
    in_stage_since: dt.datetime | None = None,
    created_at: dt.datetime | None = None,
    amount: Decimal | None = Decimal("100000.00"),
    **fields,
) -> Opportunity:
    """Create a deal in ``stage`` that entered it at ``in_stage_since`` (default: creation)."""
    created_at = created_at or in_stage_since or NOW - dt.timedelta(days=30)
    opportunity = make_opportunity(
        owner=owner, name=name, created_at=created_at, expected_amount=amount, **fields
    )
    target = Stage.objects.get(pipeline=opportunity.pipeline, code=stage)
    if opportunity.stage_id != target.pk:
        move_opportunity_to_stage(
            opportunity=opportunity,
            to_stage=target,
            actor=owner,
            source=MoveSource.DEMO,
            at=in_stage_since or created_at,
        )
        opportunity.refresh_from_db()
    return opportunity


def interaction(
    opportunity: Opportunity,
    *,
    at: dt.datetime,
    text: str = "您好，方案已发送，请查收。",
    action: str = ActionType.MESSAGE,
    channel: str = InteractionChannel.WECOM,
    refresh: bool = True,
) -> Interaction:
    record = Interaction.objects.create(
        customer=opportunity.customer,
        opportunity=opportunity,
        owner=opportunity.owner,
        channel=channel,
        direction=Direction.INBOUND,
        occurred_at=at,
        text=text,
        action_type=action,
    )
    if refresh:
        refresh_activity_facts([opportunity.pk])
    return record


def signal(
    record: Interaction,
    *,
    tag: str = "competitor_preference",
    phrase: str | None = None,
    competitor: str = "",
    status: str = SignalStatus.ACTIVE,
) -> Signal:
    """Tag ``record``; the span covers ``phrase`` in its text (the whole text by default)."""
    start = record.text.index(phrase) if phrase else 0
    end = start + len(phrase) if phrase else len(record.text)
    return Signal.objects.create(
        interaction=record,
        customer=record.customer,
        opportunity=record.opportunity,
        tag=tag,
        confidence=Decimal("0.900"),
        span_start=start,
        span_end=end,
        evidence=record.text[start:end],
        competitor=competitor,
        status=status,
        occurred_at=record.occurred_at,
    )


def condition(field: str, op: str, value, **extra) -> dict:
    return {"field": field, "op": op, "value": value, **extra}


def all_of(*conditions) -> dict:
    return {"op": "and", "conditions": list(conditions)}


def any_of(*conditions) -> dict:
    return {"op": "or", "conditions": list(conditions)}
