"""Deterministic rows of the scale data set, as tuples per table.

At scale 1: 200 reps in 20 teams and 4 regions, 20,000 customers, 100,000 opportunities
with about 500,000 stage intervals (regressions included), 2,000,000 interactions,
400,000 signals, 30,000 leads and about 35,000 objections, over the two years that end
at ``end``. The same seed, scale and end give the same rows.

Times are whole UTC epoch seconds (``int``); each loader formats them for its engine.
Stays are contiguous and the last stay of each opportunity is open, the shape the
transition service writes. Opportunity activity facts are computed from the generated
interactions with the rule of ``crm.services.refresh_activity_facts``.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

ZONE = ZoneInfo("Asia/Shanghai")
DAY = 86400
HOUR = 3600
HISTORY_DAYS = 730

# Column kinds; the loaders convert each kind for their engine.
INT, STR, TS, DATE, BOOL, DEC = "int", "str", "ts", "date", "bool", "dec"

OPEN_STAGE_CODES = (
    "initial_contact",
    "needs_analysis",
    "solution_demo",
    "tech_evaluation",
    "negotiation",
    "contract_drafting",
)
BASE_DWELL_DAYS = (3.0, 6.0, 8.0, 10.0, 8.0, 5.0)
CHANNEL_DWELL_FACTOR = {"hospital": 2.2, "third_party_lab": 1.4, "private_clinic": 1.0}
CHANNEL_WEIGHTS = (("hospital", 40), ("private_clinic", 35), ("third_party_lab", 25))
# Chance, on leaving each open stage, that the deal is lost there or moves back one stage.
LOSS_CHANCE = (0.16, 0.14, 0.13, 0.14, 0.14, 0.08)
REGRESSION_CHANCE = 0.10
STAGE_ACTIONS = {
    "initial_contact": "appointment",
    "needs_analysis": "visit",
    "solution_demo": "demo_done",
    "tech_evaluation": "proposal_sent",
    "negotiation": "quote_sent",
    "contract_drafting": "contract_sent",
}
PLAIN_ACTIONS = ("message", "message", "message", "call", "none", "none")
CHANNELS = ("wecom", "wecom", "wecom", "wechat", "phone", "email", "visit", "meeting")
LOSS_REASONS = ("price", "competitor", "budget", "timing", "no_decision", "product_fit", "other")
OBJECTION_CATEGORIES = ("price", "compatibility", "quality", "service", "competitor", "approval", "budget")

OUTBOUND_TEXTS = (
    "您好，方案已经发您邮箱，请查收",
    "下周二方便去科室拜访吗",
    "报价单已更新，请您过目",
    "样机下周可以安排到院演示",
    "合同草稿发您了，有问题随时沟通",
    "节日快乐，有需要随时联系",
)
# Customer texts that carry an intent: (text, tag code of the default taxonomy, trigger
# phrase, competitor).
SIGNAL_TEXTS = (
    ("价格有点高，能不能再优惠一些", "price_objection", "价格有点高", ""),
    ("迈瑞那边报价比你们低不少", "competitor_preference", "迈瑞", "迈瑞"),
    ("联影的设备我们也在看", "competitor_preference", "联影", "联影"),
    ("预算下个月才能批下来", "budget_pending", "预算下个月", ""),
    ("预算已经批下来了", "budget_approved", "预算已经批", ""),
    ("能先寄个样品试用吗", "sample_request", "样品试用", ""),
    ("这个项目要走招标流程", "tender_process", "招标流程", ""),
    ("我们打算年底前采购", "purchase_intent", "年底前采购", ""),
    ("和现在的LIS系统能对接吗", "technical_concern", "LIS系统", ""),
    ("还要报集团总部审批", "needs_hq_approval", "总部审批", ""),
)
INBOUND_PLAIN_TEXTS = ("收到，谢谢", "好的", "我看一下再回复你", "这周比较忙")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余"
GIVEN = ("伟", "芳", "娜", "敏", "静", "磊", "洋", "艳", "勇", "军", "杰", "涛", "明", "超", "志强", "海燕")
STEMS = ("星澜", "云岫", "青禾", "瑞泽", "松溪", "明湖", "禾悦", "澄析", "嘉和", "安澜", "景行", "康屿")
KINDS = {"hospital": "医院", "private_clinic": "门诊部", "third_party_lab": "医学检验所"}
REGION_CODES = ("bench-east-1", "bench-east-2", "bench-east-3", "bench-east-4")
REGION_NAMES = ("华东一区", "华东二区", "华东三区", "华东四区")


@dataclass(frozen=True)
class Reference:
    """Ids of the rows the migrations install: stages by code, channels, product lines."""

    pipeline_id: int
    stage_ids: dict[str, int]
    channel_ids: dict[str, int]
    product_line_ids: dict[str, int]
    tier_ids: tuple[int, ...]


@dataclass
class Table:
    """Rows of one database table: ``columns`` is a list of (column, kind)."""

    name: str
    columns: list[tuple[str, str]]
    rows: list[tuple] = field(default_factory=list)


@dataclass
class Dataset:
    tables: dict[str, Table]
    end: int
    password_hash: str

    def counts(self) -> dict[str, int]:
        return {name: len(table.rows) for name, table in self.tables.items()}


@dataclass(frozen=True)
class Shape:
    """How many rows of each kind a scale requires."""

    regions: int
    teams_per_region: int
    reps_per_team: int
    customers: int
    opportunities: int
    interactions: int
    leads: int
    signal_share: float

    @classmethod
    def for_scale(cls, scale: float) -> Shape:
        small = scale < 0.05
        return cls(
            regions=4,
            teams_per_region=1 if small else 5,
            reps_per_team=3 if small else 10,
            customers=max(24, round(20_000 * scale)),
            opportunities=max(60, round(100_000 * scale)),
            interactions=max(600, round(2_000_000 * scale)),
            leads=max(40, round(30_000 * scale)),
            signal_share=0.2,
        )


def _lognormal_days(rng: random.Random, median: float) -> float:
    return median * math.exp(rng.gauss(0.0, 0.6))


def generate(reference: Reference, *, scale: float, seed: int, end: dt.datetime, password_hash: str) -> Dataset:
    """Return the rows for ``scale`` (1 = the full data set), ending at ``end``."""
    rng = random.Random(seed)
    shape = Shape.for_scale(scale)
    end_ts = int(end.timestamp())
    start_ts = end_ts - HISTORY_DAYS * DAY
    tables: dict[str, Table] = {}

    people = _people(tables, shape, end_ts, password_hash)
    customers = _customers(tables, rng, reference, shape, people, start_ts)
    products = _products(tables, reference)
    deals = _opportunities(tables, rng, reference, shape, people, customers, products, start_ts, end_ts)
    _interactions_and_signals(tables, rng, shape, people, customers, deals, end_ts)
    _first_purchases(tables, rng, customers, deals, start_ts)
    _leads(tables, rng, shape, people, end_ts, start_ts)
    _objections(tables, rng, reference, deals)
    return Dataset(tables=tables, end=end_ts, password_hash=password_hash)


@dataclass
class People:
    reps: list[tuple[int, int, int]]  # (user id, team id, region id)
    team_members: dict[int, list[int]]


def _people(tables, shape: Shape, end_ts: int, password_hash: str) -> People:
    regions = Table("accounts_region", [("id", INT), ("code", STR), ("name", STR)])
    teams = Table("accounts_team", [("id", INT), ("code", STR), ("name", STR), ("region_id", INT)])
    users = Table(
        "accounts_user",
        [
            ("id", INT),
            ("username", STR),
            ("password", STR),
            ("role", STR),
            ("display_name", STR),
            ("region_id", INT),
            ("team_id", INT),
            ("is_active", BOOL),
            ("date_joined", TS),
        ],
    )
    reps: list[tuple[int, int, int]] = []
    members: dict[int, list[int]] = {}
    user_id = 0
    joined = end_ts - 3 * 365 * DAY

    def add_user(username: str, role: str, name: str, region_id, team_id) -> int:
        nonlocal user_id
        user_id += 1
        users.rows.append((user_id, username, password_hash, role, name, region_id, team_id, True, joined))
        return user_id

    team_id = 0
    for region_index in range(shape.regions):
        region_id = region_index + 1
        regions.rows.append((region_id, REGION_CODES[region_index], REGION_NAMES[region_index]))
        add_user(f"bench-director-{region_id}", "director", f"总监{region_id}", region_id, None)
        for team_index in range(shape.teams_per_region):
            team_id += 1
            teams.rows.append(
                (team_id, f"bench-team-{team_id:02d}", f"{REGION_NAMES[region_index]}{team_index + 1}组", region_id)
            )
            add_user(f"bench-manager-{team_id:02d}", "manager", f"经理{team_id:02d}", region_id, team_id)
            for _ in range(shape.reps_per_team):
                number = len(reps) + 1
                name = SURNAMES[number % len(SURNAMES)] + GIVEN[number % len(GIVEN)]
                rep_id = add_user(f"bench-rep-{number:03d}", "rep", f"{name}{number:03d}", region_id, team_id)
                reps.append((rep_id, team_id, region_id))
                members.setdefault(team_id, []).append(rep_id)
    add_user("bench-ops", "ops", "运营", None, None)
    for table in (regions, teams, users):
        tables[table.name] = table
    return People(reps=reps, team_members=members)


@dataclass
class BenchCustomer:
    id: int
    owner_id: int
    channel: str
    first_purchase: dt.date | None = None
    existing: bool = False


def _customers(tables, rng, reference: Reference, shape: Shape, people: People, start_ts: int) -> list[BenchCustomer]:
    customers = Table(
        "crm_customer",
        [
            ("id", INT),
            ("name", STR),
            ("channel_id", INT),
            ("tier_id", INT),
            ("region_id", INT),
            ("owner_id", INT),
            ("city", STR),
            ("first_purchase_date", DATE),
            ("created_at", TS),
            ("updated_at", TS),
        ],
    )
    contacts = Table(
        "crm_contact",
        [
            ("id", INT),
            ("customer_id", INT),
            ("name", STR),
            ("phone", STR),
            ("wechat_id", STR),
            ("is_decision_maker", BOOL),
            ("created_at", TS),
        ],
    )
    codes = [code for code, _ in CHANNEL_WEIGHTS]
    weights = [weight for _, weight in CHANNEL_WEIGHTS]
    result = []
    contact_id = 0
    for index in range(shape.customers):
        customer_id = index + 1
        rep_id, _team, region_id = people.reps[index % len(people.reps)]
        channel = rng.choices(codes, weights)[0]
        created = start_ts - rng.randrange(0, 365 * DAY)
        name = f"{STEMS[index % len(STEMS)]}{KINDS[channel]}{customer_id:05d}（测试）"
        existing = rng.random() < 0.35
        customer = BenchCustomer(customer_id, rep_id, channel, existing=existing)
        if existing:
            customer.first_purchase = dt.date(2019, 1, 1) + dt.timedelta(days=rng.randrange(0, 1800))
        result.append(customer)
        customers.rows.append(
            [
                customer_id,
                name,
                reference.channel_ids[channel],
                rng.choice(reference.tier_ids),
                region_id,
                rep_id,
                "上海",
                None,
                created,
                created,
            ]
        )
        for number in range(1 + (rng.random() < 0.5)):
            contact_id += 1
            contacts.rows.append(
                (
                    contact_id,
                    customer_id,
                    rng.choice(SURNAMES) + rng.choice(GIVEN),
                    f"1380000{contact_id % 10000:04d}",
                    f"wx-bench-{contact_id}",
                    number == 0,
                    created,
                )
            )
    tables[customers.name] = customers
    tables[contacts.name] = contacts
    return result


def _products(tables, reference: Reference) -> dict[str, list[int]]:
    products = Table(
        "crm_product", [("id", INT), ("product_line_id", INT), ("code", STR), ("name", STR), ("list_price", DEC)]
    )
    by_line: dict[str, list[int]] = {}
    for line, line_id in sorted(reference.product_line_ids.items()):
        for number in range(3):
            product_id = len(products.rows) + 1
            products.rows.append((product_id, line_id, f"bench-{line}-{number}", f"{line} 型号{number}", "100000"))
            by_line.setdefault(line, []).append(product_id)
    tables[products.name] = products
    return by_line


@dataclass
class BenchDeal:
    id: int
    owner_id: int
    team_id: int
    customer: BenchCustomer | None
    created: int
    closed: int | None
    status: str
    stays: list[tuple[int, int]]  # (open stage index, or 6 won / 7 lost; entered at)


def _opportunities(tables, rng, reference, shape, people, customers, products, start_ts, end_ts) -> list[BenchDeal]:
    opportunities = Table(
        "crm_opportunity",
        [
            ("id", INT),
            ("name", STR),
            ("customer_id", INT),
            ("product_line_id", INT),
            ("product_id", INT),
            ("pipeline_id", INT),
            ("stage_id", INT),
            ("stage_entered_at", TS),
            ("owner_id", INT),
            ("expected_amount", DEC),
            ("won_amount", DEC),
            ("status", STR),
            ("lost_at_stage_id", INT),
            ("loss_reason", STR),
            ("closed_at", TS),
            ("created_at", TS),
            ("updated_at", TS),
            ("last_interaction_at", TS),
            ("last_action_type", STR),
            ("last_action_at", TS),
            ("interaction_count", INT),
            ("substantive_count", INT),
            ("followups_before_close", INT),
        ],
    )
    intervals = Table(
        "pipeline_stageinterval",
        [
            ("id", INT),
            ("opportunity_id", INT),
            ("stage_id", INT),
            ("from_stage_id", INT),
            ("entered_at", TS),
            ("left_at", TS),
            ("is_regression", BOOL),
            ("source", STR),
            ("owner_id", INT),
            ("actor_id", INT),
        ],
    )
    stage_ids = [reference.stage_ids[code] for code in OPEN_STAGE_CODES] + [
        reference.stage_ids["won"],
        reference.stage_ids["lost"],
    ]
    rep_pace = {rep_id: 0.7 + 0.6 * rng.random() for rep_id, _, _ in people.reps}
    lines = sorted(products)
    by_owner: dict[int, list[BenchCustomer]] = {}
    for customer in customers:
        by_owner.setdefault(customer.owner_id, []).append(customer)
    deals = []
    interval_id = 0
    for index in range(shape.opportunities):
        deal_id = index + 1
        rep_id, team_id, _region = people.reps[rng.randrange(len(people.reps))]
        customer = rng.choice(by_owner[rep_id])
        created = start_ts + rng.randrange(0, HISTORY_DAYS * DAY - DAY)
        factor = CHANNEL_DWELL_FACTOR[customer.channel] * rep_pace[rep_id]
        stays = [(0, created)]
        position, moment, status = 0, created, "open"
        while True:
            moment += int(_lognormal_days(rng, BASE_DWELL_DAYS[position] * factor) * DAY) + 600
            if moment >= end_ts:
                break
            draw = rng.random()
            if draw < LOSS_CHANCE[position]:
                stays.append((7, moment))
                status = "lost"
                break
            if draw < LOSS_CHANCE[position] + REGRESSION_CHANCE and position > 0:
                position -= 1
            elif position == len(OPEN_STAGE_CODES) - 1:
                stays.append((6, moment))
                status = "won"
                break
            else:
                position += 1
            stays.append((position, moment))
        closed = stays[-1][1] if status != "open" else None
        line = lines[rng.randrange(len(lines))]
        amount = rng.randrange(20, 2000) * 1000
        won_amount = str(amount - rng.randrange(0, 10) * 1000) if status == "won" else None
        lost_at = stage_ids[stays[-2][0]] if status == "lost" else None
        current_stage, current_since = stays[-1]
        opportunities.rows.append(
            [
                deal_id,
                f"商机{deal_id:06d}",
                customer.id,
                reference.product_line_ids[line],
                rng.choice(products[line]),
                reference.pipeline_id,
                stage_ids[current_stage],
                current_since,
                rep_id,
                str(amount),
                won_amount,
                status,
                lost_at,
                rng.choice(LOSS_REASONS) if status == "lost" else "",
                closed,
                created,
                closed or created,
                None,
                "",
                None,
                0,
                0,
                0,
            ]
        )
        previous = None
        for number, (stage_index, entered) in enumerate(stays):
            interval_id += 1
            left = stays[number + 1][1] if number + 1 < len(stays) else None
            regression = previous is not None and stage_index < previous and stage_index < 6 and previous < 6
            intervals.rows.append(
                (
                    interval_id,
                    deal_id,
                    stage_ids[stage_index],
                    None if previous is None else stage_ids[previous],
                    entered,
                    left,
                    regression,
                    "import",
                    rep_id,
                    None,
                )
            )
            previous = stage_index
        deals.append(BenchDeal(deal_id, rep_id, team_id, customer, created, closed, status, stays))
    tables[opportunities.name] = opportunities
    tables[intervals.name] = intervals
    return deals


def _interactions_and_signals(tables, rng, shape, people, customers, deals, end_ts) -> None:
    interactions = Table(
        "crm_interaction",
        [
            ("id", INT),
            ("customer_id", INT),
            ("opportunity_id", INT),
            ("owner_id", INT),
            ("channel", STR),
            ("direction", STR),
            ("occurred_at", TS),
            ("text", STR),
            ("action_type", STR),
            ("substantive", BOOL),
            ("created_at", TS),
        ],
    )
    signals = Table(
        "signals_signal",
        [
            ("id", INT),
            ("interaction_id", INT),
            ("customer_id", INT),
            ("opportunity_id", INT),
            ("tag", STR),
            ("confidence", DEC),
            ("span_start", INT),
            ("span_end", INT),
            ("evidence", STR),
            ("competitor", STR),
            ("entities", STR),
            ("status", STR),
            ("manual", BOOL),
            ("occurred_at", TS),
            ("created_at", TS),
        ],
    )
    opportunity_rows = tables["crm_opportunity"].rows
    per_deal = shape.interactions * 0.9 / len(deals)
    # Inbound share and signal chance give signals about signal_share of all interactions.
    signal_chance = min(1.0, shape.signal_share / 0.4)
    team_of = {rep_id: team for rep_id, team, _ in people.reps}
    ids = [0, 0]  # interaction id, signal id

    def add(customer_id, deal_id, owner_id, moment, stage_code) -> tuple[str, str, bool]:
        ids[0] += 1
        draw = rng.random()
        if draw < 0.4:
            direction = "inbound"
            if rng.random() < signal_chance:
                text, tag, phrase, competitor = SIGNAL_TEXTS[rng.randrange(len(SIGNAL_TEXTS))]
                ids[1] += 1
                span_start = text.index(phrase)
                signals.rows.append(
                    (
                        ids[1],
                        ids[0],
                        customer_id,
                        deal_id,
                        tag,
                        f"0.{rng.randrange(600, 990)}",
                        span_start,
                        span_start + len(phrase),
                        phrase,
                        competitor,
                        "{}",
                        "active",
                        False,
                        moment,
                        moment,
                    )
                )
            else:
                text = INBOUND_PLAIN_TEXTS[rng.randrange(len(INBOUND_PLAIN_TEXTS))]
            action = "none"
        else:
            direction = "outbound" if draw < 0.95 else "internal"
            text = OUTBOUND_TEXTS[rng.randrange(len(OUTBOUND_TEXTS))]
            if stage_code is not None and rng.random() < 0.25:
                action = STAGE_ACTIONS[stage_code]
            else:
                action = PLAIN_ACTIONS[rng.randrange(len(PLAIN_ACTIONS))]
        substantive = action not in ("none", "message") or rng.random() < 0.15
        interactions.rows.append(
            (
                ids[0],
                customer_id,
                deal_id,
                owner_id,
                CHANNELS[rng.randrange(len(CHANNELS))],
                direction,
                moment,
                text,
                action,
                substantive,
                moment,
            )
        )
        return action, direction, substantive

    for deal in deals:
        last = deal.closed if deal.closed is not None else end_ts
        count = (
            max(1, int(rng.expovariate(1 / per_deal)))
            if rng.random() < 0.5
            else max(1, round(rng.gauss(per_deal, per_deal / 3)))
        )
        moments = sorted(deal.created + rng.randrange(0, max(1, last - deal.created)) for _ in range(count))
        teammates = people.team_members[deal.team_id]
        stay = 0
        # Every moment is before the close, so a closed deal's outbound touches are its
        # follow-ups before close; an open deal keeps 0.
        facts = [None, "", None, 0, 0, 0]
        for moment in moments:
            while stay + 1 < len(deal.stays) and deal.stays[stay + 1][1] <= moment:
                stay += 1
            stage_index = deal.stays[stay][0]
            stage_code = OPEN_STAGE_CODES[stage_index] if stage_index < 6 else None
            owner = deal.owner_id if rng.random() < 0.85 else teammates[rng.randrange(len(teammates))]
            action, direction, substantive = add(deal.customer.id, deal.id, owner, moment, stage_code)
            facts[0] = moment
            if action != "none":
                facts[1], facts[2] = action, moment
            facts[3] += 1
            facts[4] += substantive
            facts[5] += direction == "outbound" and deal.closed is not None
        row = opportunity_rows[deal.id - 1]
        row[17:23] = facts
    # Interactions about a customer but no deal: courtesy touches by the owner or teammates.
    remaining = shape.interactions - len(interactions.rows)
    for _ in range(max(0, remaining)):
        customer = customers[rng.randrange(len(customers))]
        teammates = people.team_members[team_of[customer.owner_id]]
        owner = customer.owner_id if rng.random() < 0.6 else teammates[rng.randrange(len(teammates))]
        add(customer.id, None, owner, end_ts - rng.randrange(0, HISTORY_DAYS * DAY), None)
    tables[interactions.name] = interactions
    tables[signals.name] = signals


def _first_purchases(tables, rng, customers, deals, start_ts) -> None:
    """Set each customer's first purchase: before the history (35%) or when its first deal
    was won."""
    first_win: dict[int, int] = {}
    for deal in deals:
        if deal.status == "won":
            known = first_win.get(deal.customer.id)
            if known is None or deal.closed < known:
                first_win[deal.customer.id] = deal.closed
    rows = tables["crm_customer"].rows
    for customer in customers:
        if customer.existing:
            first = customer.first_purchase
        elif customer.id in first_win:
            first = dt.datetime.fromtimestamp(first_win[customer.id], ZONE).date()
        else:
            first = None
        rows[customer.id - 1][7] = first


def _leads(tables, rng, shape, people, end_ts, start_ts) -> None:
    leads = Table(
        "crm_lead",
        [
            ("id", INT),
            ("name", STR),
            ("company", STR),
            ("source", STR),
            ("owner_id", INT),
            ("status", STR),
            ("created_at", TS),
            ("first_followup_at", TS),
            ("last_activity_at", TS),
        ],
    )
    sources = ("展会", "官网", "转介绍", "电话咨询", "招标网")
    for index in range(shape.leads):
        lead_id = index + 1
        rep_id = people.reps[rng.randrange(len(people.reps))][0]
        created = start_ts + rng.randrange(0, HISTORY_DAYS * DAY)
        followup = created + int(rng.expovariate(1 / 20) * HOUR) if rng.random() < 0.92 else None
        if followup is not None and followup > end_ts:
            followup = None
        recent = end_ts - created < 60 * DAY
        if recent or rng.random() < 0.05:
            status = ("new", "contacted", "qualified")[rng.randrange(3)]
        else:
            status = "converted" if rng.random() < 0.4 else "disqualified"
        last = None
        if followup is not None:
            last = min(end_ts, followup + int(rng.expovariate(1 / 6) * DAY))
        leads.rows.append(
            (
                lead_id,
                f"{rng.choice(SURNAMES)}{rng.choice(GIVEN)}",
                f"{STEMS[index % len(STEMS)]}意向客户{lead_id:05d}",
                sources[rng.randrange(len(sources))],
                rep_id,
                status,
                created,
                followup,
                last,
            )
        )
    tables[leads.name] = leads


def _objections(tables, rng, reference, deals) -> None:
    objections = Table(
        "pipeline_objection",
        [
            ("id", INT),
            ("opportunity_id", INT),
            ("stage_id", INT),
            ("category", STR),
            ("customer_words", STR),
            ("response", STR),
            ("raised_at", TS),
            ("resolved_at", TS),
            ("recorded_by_id", INT),
            ("created_at", TS),
        ],
    )
    for deal in deals:
        if rng.random() >= 0.35:
            continue
        open_stays = [(number, stay) for number, stay in enumerate(deal.stays) if stay[0] < 6]
        number, (stage_index, entered) = open_stays[rng.randrange(len(open_stays))]
        left = deal.stays[number + 1][1] if number + 1 < len(deal.stays) else entered + DAY
        raised = entered + rng.randrange(0, max(1, left - entered))
        resolved = raised + int(_lognormal_days(rng, 1.6) * DAY) if rng.random() < 0.9 else None
        objection_id = len(objections.rows) + 1
        objections.rows.append(
            (
                objection_id,
                deal.id,
                reference.stage_ids[OPEN_STAGE_CODES[stage_index]],
                OBJECTION_CATEGORIES[rng.randrange(len(OBJECTION_CATEGORIES))],
                "价格比预期高",
                "可以分期付款",
                raised,
                resolved,
                deal.owner_id,
                raised,
            )
        )
    tables[objections.name] = objections
