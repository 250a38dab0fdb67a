"""Leads of the demo workspace and the interactions on them.

Leads older than 60 days at the end of the history are closed (converted or
disqualified). Younger ones are open, and about 45 % of those are planted as stale:
their last activity lies 8 to 40 days before the end.
"""

from __future__ import annotations

import datetime as dt
import random

from salespulse.crm.models import (
    ActionType,
    Direction,
    Interaction,
    InteractionChannel,
    Lead,
    LeadStatus,
)
from salespulse.demo.customers import Catalogue, DemoCustomer
from salespulse.demo.people import People
from salespulse.demo.reference import (
    CHANNEL_KINDS,
    END,
    EXTERNAL_ID_PREFIX,
    LEAD_SOURCES,
    ORGANISATION_STEMS,
    REGIONS,
    START,
    DemoSize,
)

OPEN_WINDOW_DAYS = 60
STALE_SHARE = 0.45
CONVERTED_SHARE = 0.3

LEAD_TEXTS = {
    Direction.OUTBOUND: (
        "您好，了解到贵单位有{line}采购需求，方便约个时间沟通吗？",
        "资料已发到您邮箱，请查收。",
        "想跟您确认一下今年的采购计划。",
    ),
    Direction.INBOUND: (
        "可以，先发份产品资料。",
        "最近比较忙，过段时间再说。",
        "我们在比较几家，价格发过来看看。",
    ),
}


def create_leads(
    size: DemoSize,
    people: People,
    customers: list[DemoCustomer],
    catalogue: Catalogue,
    rng: random.Random,
) -> tuple[int, int]:
    """Write leads and their interactions; return (leads, interactions) written."""
    prospects: dict[int, list[DemoCustomer]] = {}
    for entry in customers:
        if not entry.existing:
            prospects.setdefault(entry.rep.user.pk, []).append(entry)
    cities = {
        region.code: spec.cities for region, spec in zip(people.regions, REGIONS, strict=True)
    }
    line_names = [line.name for line in catalogue.product_lines.values()]

    span_minutes = int((END - START).total_seconds() // 60) - 60
    leads: list[Lead] = []
    touches: list[list[tuple[dt.datetime, str]]] = []
    for rep in people.reps:
        for _ in range(size.leads_per_rep * size.scale):
            number = len(leads) + 1
            # Created any minute of the two years except the last hour.
            created_at = START + dt.timedelta(minutes=rng.randrange(span_minutes))
            lead, moments = _plan_lead(
                number,
                rep,
                created_at,
                prospects.get(rep.user.pk, []),
                cities[rep.region.code],
                line_names,
                rng,
            )
            leads.append(lead)
            touches.append(moments)

    Lead.objects.bulk_create(leads, batch_size=1000)
    interactions = [
        Interaction(
            customer_id=lead.customer_id,
            lead_id=lead.pk,
            owner_id=lead.owner_id,
            channel=rng.choice((InteractionChannel.PHONE, InteractionChannel.WECOM)),
            direction=direction,
            occurred_at=at,
            text=rng.choice(LEAD_TEXTS[direction]).format(line=rng.choice(line_names)),
            action_type=ActionType.CALL if direction == Direction.OUTBOUND else ActionType.NONE,
            substantive=False,
        )
        for lead, moments in zip(leads, touches, strict=True)
        for at, direction in moments
    ]
    Interaction.objects.bulk_create(interactions, batch_size=2000)
    return len(leads), len(interactions)


def _plan_lead(number, rep, created_at, prospects, cities, line_names, rng):
    age_days = (END - created_at).total_seconds() / 86400
    customer = None
    if age_days > OPEN_WINDOW_DAYS:
        status = LeadStatus.CONVERTED if rng.random() < CONVERTED_SHARE else LeadStatus.DISQUALIFIED
        last_at = min(created_at + dt.timedelta(days=rng.uniform(1, 30)), END)
        if status == LeadStatus.CONVERTED and prospects:
            customer = rng.choice(prospects).customer
    else:
        status = rng.choice(
            (LeadStatus.NEW, LeadStatus.CONTACTED, LeadStatus.CONTACTED, LeadStatus.QUALIFIED)
        )
        if age_days > 8 and rng.random() < STALE_SHARE:
            last_at = END - dt.timedelta(days=rng.uniform(8, min(40.0, age_days)))
        else:
            last_at = max(END - dt.timedelta(days=rng.uniform(0.0, min(6.0, age_days))), created_at)

    # A new lead has had no touch at all; the others start with a rep's follow-up.
    moments: list[tuple[dt.datetime, str]] = []
    if status != LeadStatus.NEW:
        count = rng.randint(1, 4)
        span = (last_at - created_at).total_seconds()
        for index in range(count):
            fraction = 1.0 if index == count - 1 else rng.uniform(0.05, 0.95)
            direction = (
                Direction.OUTBOUND if index == 0 or rng.random() < 0.6 else Direction.INBOUND
            )
            moments.append((created_at + dt.timedelta(seconds=int(span * fraction)), direction))
        moments.sort()
        moments[0] = (moments[0][0], Direction.OUTBOUND)

    company = (
        customer.name
        if customer
        else (
            f"{rng.choice(cities)}{rng.choice(ORGANISATION_STEMS)}"
            f"{rng.choice(CHANNEL_KINDS[rng.choice(list(CHANNEL_KINDS))])}（示例）"
        )
    )
    outbound = [at for at, direction in moments if direction == Direction.OUTBOUND]
    lead = Lead(
        name=f"{company.removesuffix('（示例）')} {rng.choice(line_names)}咨询",
        company=company,
        phone=f"1390000{number % 10000:04d}",
        source=rng.choice(LEAD_SOURCES),
        external_id=f"{EXTERNAL_ID_PREFIX}lead:{number:07d}",
        customer=customer,
        owner_id=rep.user.pk,
        status=status,
        created_at=created_at,
        first_followup_at=outbound[0] if outbound else None,
        last_activity_at=moments[-1][0] if moments else None,
    )
    return lead, moments
