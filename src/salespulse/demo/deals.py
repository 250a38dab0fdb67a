"""Opportunities of the demo workspace and their stage history.

Rows are bulk-written for speed, but each history has the shape the transition service
writes. Stays are contiguous: each ``left_at`` is the next ``entered_at``. ``from_stage``
and ``is_regression`` are set the way ``move_opportunity_to_stage`` sets them. Exactly
one stay has ``left_at`` NULL, the current stage, which for a closed deal is the won or
lost stage. Status, ``closed_at`` and ``lost_at_stage`` match the last stay.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal

from salespulse.crm.models import Customer, LossReason, Opportunity, OpportunityStatus
from salespulse.demo.customers import Catalogue, DemoCustomer
from salespulse.demo.people import People
from salespulse.demo.reference import (
    CHANNEL_PRODUCT_LINES,
    END,
    EXTERNAL_ID_PREFIX,
    START,
    ZONE,
    DemoSize,
)
from salespulse.pipeline.models import MoveSource, Pipeline, Stage, StageInterval
from salespulse.pipeline.services import is_regression

OPEN_STAGES = (
    "initial_contact",
    "needs_analysis",
    "solution_demo",
    "tech_evaluation",
    "negotiation",
    "contract_drafting",
)
NEGOTIATION_INDEX = OPEN_STAGES.index("negotiation")

# Median dwell days per open stage for a private clinic and a median-paced rep.
BASE_DWELL_DAYS = (3.0, 6.0, 8.0, 10.0, 8.0, 5.0)
# Hospitals decide through committees and tenders, so they take longest to convert.
CHANNEL_DWELL_FACTOR = {"hospital": 2.6, "third_party_lab": 1.5, "private_clinic": 1.0}
# Relative weight of each open stage as the stage an ordinary rep's deal is lost at.
LOSS_STAGE_WEIGHTS = (12, 20, 22, 22, 14, 10)
# Share of the price-losing rep's losses that happen in negotiation.
PRICE_LOSER_NEGOTIATION_SHARE = 0.8
# Prospects' deals opened from this day on win far less often, so revenue from new
# customers falls from one year to the next.
PROSPECT_SLOWDOWN = dt.datetime(2025, 9, 1, tzinfo=ZONE)
PROSPECT_SLOWDOWN_FACTOR = 0.35
# Existing customers buy more often than prospects.
EXISTING_CUSTOMER_WEIGHT = 3

OTHER_LOSS_REASONS = (
    LossReason.COMPETITOR,
    LossReason.BUDGET,
    LossReason.TIMING,
    LossReason.NO_DECISION,
    LossReason.PRODUCT_FIT,
)


@dataclass
class DemoDeal:
    """An opportunity with its stays (stage code, entered at), for the interaction generator."""

    opportunity: Opportunity
    customer: DemoCustomer
    product_name: str
    stays: list[tuple[str, dt.datetime]]

    @property
    def last_moment(self) -> dt.datetime:
        """The close time of a closed deal, the end of the history for an open one."""
        return self.opportunity.closed_at or END


def create_deals(
    size: DemoSize,
    people: People,
    customers: list[DemoCustomer],
    catalogue: Catalogue,
    rng: random.Random,
) -> list[DemoDeal]:
    """Write the opportunities and their stage intervals, then set prospects' first
    purchase date to the local date of their first won deal."""
    pipeline = Pipeline.objects.get(is_default=True)
    stages = {stage.code: stage for stage in pipeline.stages.all()}
    by_rep: dict[int, list[DemoCustomer]] = {}
    for entry in customers:
        by_rep.setdefault(entry.rep.user.pk, []).append(entry)

    deals: list[DemoDeal] = []
    for rep in people.reps:
        own = by_rep[rep.user.pk]
        weights = [EXISTING_CUSTOMER_WEIGHT if entry.existing else 1 for entry in own]
        for _ in range(size.opportunities_per_rep * size.scale):
            customer = rng.choices(own, weights)[0]
            deals.append(_plan_deal(len(deals) + 1, customer, pipeline, stages, catalogue, rng))

    Opportunity.objects.bulk_create([deal.opportunity for deal in deals], batch_size=1000)
    StageInterval.objects.bulk_create(
        [interval for deal in deals for interval in _intervals(deal, stages)], batch_size=2000
    )
    _record_first_purchases(deals)
    return deals


def _plan_deal(
    number: int,
    customer: DemoCustomer,
    pipeline: Pipeline,
    stages: dict[str, Stage],
    catalogue: Catalogue,
    rng: random.Random,
) -> DemoDeal:
    rep = customer.rep
    # Opened any minute of the two years except the last two days.
    span_minutes = int((END - START).total_seconds() // 60) - 2 * 1440
    created_at = START + dt.timedelta(minutes=rng.randrange(span_minutes))
    win_rate = rep.win_rate
    if not customer.existing and created_at >= PROSPECT_SLOWDOWN:
        win_rate *= PROSPECT_SLOWDOWN_FACTOR
    won = rng.random() < win_rate
    loss_index = _loss_stage_index(rep.loses_on_price, rng)
    path = _path(won, loss_index, rep.regression_rate, rng)
    stays = _timeline(path, created_at, CHANNEL_DWELL_FACTOR[customer.channel_code] * rep.pace, rng)
    closed = stays[-1][1] <= END
    if not closed:
        stays = [stay for stay in stays if stay[1] <= END]

    line_code = _weighted_choice(CHANNEL_PRODUCT_LINES[customer.channel_code], rng)
    product = rng.choice(catalogue.products[line_code])
    hundreds = int(int(product.list_price) * rng.uniform(0.6, 1.6) / 100)
    expected_amount = Decimal(hundreds * 100)
    last_code, last_at = stays[-1]
    status = OpportunityStatus.OPEN
    if closed:
        status = OpportunityStatus.WON if won else OpportunityStatus.LOST
    lost_stage = stages[stays[-2][0]] if status == OpportunityStatus.LOST else None

    opportunity = Opportunity(
        name=f"{customer.customer.short_name} · {product.series}",
        external_id=f"{EXTERNAL_ID_PREFIX}opportunity:{number:07d}",
        customer_id=customer.customer.pk,
        product_line=catalogue.product_lines[line_code],
        product_id=product.pk,
        pipeline=pipeline,
        stage=stages[last_code],
        stage_entered_at=last_at,
        owner_id=rep.user.pk,
        expected_amount=expected_amount,
        won_amount=(
            Decimal(int(hundreds * rng.uniform(0.88, 1.0)) * 100)
            if status == OpportunityStatus.WON
            else None
        ),
        expected_close_date=(last_at + dt.timedelta(days=rng.randint(20, 90))).date()
        if not closed
        else None,
        status=status,
        lost_at_stage=lost_stage,
        loss_reason=_loss_reason(lost_stage, rep.loses_on_price, rng) if lost_stage else "",
        closed_at=last_at if closed else None,
        created_at=stays[0][1],
    )
    return DemoDeal(opportunity, customer, product.name, stays)


def _loss_stage_index(loses_on_price: bool, rng: random.Random) -> int:
    if loses_on_price and rng.random() < PRICE_LOSER_NEGOTIATION_SHARE:
        return NEGOTIATION_INDEX
    return rng.choices(range(len(OPEN_STAGES)), LOSS_STAGE_WEIGHTS)[0]


def _path(won: bool, loss_index: int, regression_rate: float, rng: random.Random) -> list[str]:
    """Return the stage codes in visiting order; at most one move back by one stage."""
    last_index = len(OPEN_STAGES) - 1 if won else loss_index
    path: list[str] = []
    regressed = False
    for index in range(last_index + 1):
        path.append(OPEN_STAGES[index])
        if not regressed and index >= 2 and rng.random() < regression_rate:
            path.extend((OPEN_STAGES[index - 1], OPEN_STAGES[index]))
            regressed = True
    path.append("won" if won else "lost")
    return path


def _timeline(path: list[str], start: dt.datetime, dwell_factor: float, rng: random.Random):
    stays = [(path[0], start)]
    seen: set[str] = set()
    at = start
    for previous, code in zip(path, path[1:], strict=False):
        days = BASE_DWELL_DAYS[OPEN_STAGES.index(previous)] * dwell_factor * rng.uniform(0.5, 1.6)
        if previous in seen:
            days *= 0.5
        seen.add(previous)
        at += dt.timedelta(minutes=max(int(days * 1440), 60))
        stays.append((code, at))
    return stays


def _weighted_choice(weights: dict[str, int], rng: random.Random) -> str:
    return rng.choices(list(weights), list(weights.values()))[0]


def _loss_reason(lost_stage, loses_on_price: bool, rng: random.Random) -> str:
    if lost_stage.code == "negotiation":
        price_share = 0.92 if loses_on_price else 0.6
        return LossReason.PRICE if rng.random() < price_share else LossReason.COMPETITOR
    return rng.choice(OTHER_LOSS_REASONS)


def _intervals(deal: DemoDeal, stages: dict[str, Stage]) -> list[StageInterval]:
    opportunity = deal.opportunity
    intervals = []
    previous: Stage | None = None
    for index, (code, entered_at) in enumerate(deal.stays):
        stage = stages[code]
        left_at = deal.stays[index + 1][1] if index + 1 < len(deal.stays) else None
        intervals.append(
            StageInterval(
                opportunity_id=opportunity.pk,
                stage=stage,
                from_stage=previous,
                entered_at=entered_at,
                left_at=left_at,
                is_regression=previous is not None and is_regression(previous, stage),
                source=MoveSource.DEMO,
                actor_id=opportunity.owner_id,
                owner_id=opportunity.owner_id,
            )
        )
        previous = stage
    return intervals


def _record_first_purchases(deals: list[DemoDeal]) -> None:
    first: dict[int, tuple[dt.date, DemoCustomer]] = {}
    for deal in deals:
        opportunity = deal.opportunity
        if deal.customer.existing or opportunity.status != OpportunityStatus.WON:
            continue
        day = opportunity.closed_at.astimezone(ZONE).date()
        known = first.get(opportunity.customer_id)
        if known is None or day < known[0]:
            first[opportunity.customer_id] = (day, deal.customer)
    changed = []
    for day, entry in first.values():
        entry.customer.first_purchase_date = day
        changed.append(entry.customer)
    Customer.objects.bulk_update(changed, ["first_purchase_date"], batch_size=500)
