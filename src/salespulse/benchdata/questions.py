"""Every timed question, asked through the product and as DuckDB SQL.

A ``Question`` pairs a product call (a selector, the analyzer, a metric or a detector,
as the requesting user) with the same question written for DuckDB over the same rows.
``comparable_product`` and ``comparable_duckdb`` reduce both results to plain values.
Where they are set, the test suite asserts that the two engines agree on a small data
set, so both compute the same question. Product functions written in other modules are looked up when the bench
runs: a missing one is skipped with a note, so the bench times whatever exists.

DuckDB stores naive UTC timestamps. Local days are UTC + 8 hours, the fixed offset of
Asia/Shanghai (no daylight saving since 1991).
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, fields, is_dataclass
from decimal import ROUND_HALF_UP, Decimal

logger = logging.getLogger(__name__)

LOCAL_OFFSET = "INTERVAL 8 HOUR"
TENTH = Decimal("0.1")
ROLES = ("rep", "manager", "director", "ops")


@dataclass
class Context:
    """The users (one per role), the moment "now" and the home page's period."""

    users: dict[str, object]
    now: dt.datetime
    period: object  # analytics.selectors.Period

    def bounds_utc(self) -> tuple[dt.datetime, dt.datetime]:
        start, end = self.period.bounds()
        return (start.astimezone(dt.UTC).replace(tzinfo=None), end.astimezone(dt.UTC).replace(tzinfo=None))

    @property
    def now_utc(self) -> dt.datetime:
        return self.now.astimezone(dt.UTC).replace(tzinfo=None)


@dataclass
class Question:
    name: str
    product: Callable[[], object] | None = None
    duckdb: Callable[[object], object] | None = None
    comparable_product: Callable[[object], object] | None = None
    comparable_duckdb: Callable[[object], object] | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def comparable(self) -> bool:
        return self.comparable_product is not None and self.comparable_duckdb is not None


def row_count(answer: object) -> int:
    """Return the row count of a result: a count field, its length, or that of its first list field."""
    if answer is None:
        return 0
    if isinstance(answer, (list, tuple, dict, set)):
        return len(answer)
    if hasattr(answer, "count") and hasattr(answer, "query"):  # a QuerySet
        return answer.count()
    if is_dataclass(answer):
        for counted in ("found", "deals", "count"):
            if isinstance(getattr(answer, counted, None), int):
                return getattr(answer, counted)
        for item in fields(answer):
            value = getattr(answer, item.name)
            if isinstance(value, (list, tuple, dict)):
                return len(value)
    try:
        return len(answer)  # type: ignore[arg-type]
    except TypeError:
        return 1


def scope(user, alias: str = "o", column: str = "owner_id") -> str:
    """DuckDB twin of ``accounts.scopes.owned_by_visible_users``."""
    if user.sees_everything:
        return "TRUE"
    if user.role == "manager" and user.team_id:
        return f"{alias}.{column} IN (SELECT id FROM accounts_user WHERE team_id = {int(user.team_id)})"
    if user.role == "director" and user.region_id:
        return f"{alias}.{column} IN (SELECT id FROM accounts_user WHERE region_id = {int(user.region_id)})"
    return f"{alias}.{column} = {int(user.pk)}"


def _tenth(value: Decimal) -> Decimal:
    return value.quantize(TENTH, rounding=ROUND_HALF_UP)


# --- Home page widgets ------------------------------------------------------------------


def home_questions(ctx: Context) -> list[Question]:
    from salespulse.analytics import selectors

    questions = []
    for role in ROLES:
        user = ctx.users[role]
        analytics_filter = selectors.AnalyticsFilter(user=user, period=ctx.period, as_of=ctx.now)
        start, end = ctx.bounds_utc()
        where = f"{scope(user)} AND o.closed_at >= TIMESTAMP '{start}' AND o.closed_at < TIMESTAMP '{end}'"

        def cycle_sql(db, where=where):
            return db.execute(
                "SELECT ch.code, count(*), sum(date_diff('second', o.created_at, o.closed_at)) "
                "FROM crm_opportunity o LEFT JOIN crm_customer c ON c.id = o.customer_id "
                "LEFT JOIN crm_channel ch ON ch.id = c.channel_id "
                f"WHERE o.status = 'won' AND {where} GROUP BY 1"
            ).fetchall()

        questions.append(
            Question(
                f"home: conversion cycle by channel [{role}]",
                product=lambda f=analytics_filter: selectors.conversion_cycle_by_channel(f),
                duckdb=cycle_sql,
                comparable_product=lambda answer: sorted(
                    (c.channel_code or "", c.won_deals, c.average_days) for c in answer
                ),
                comparable_duckdb=lambda rows: sorted(
                    (code or "", count, _tenth(Decimal(seconds) / count / 86400)) for code, count, seconds in rows
                ),
            )
        )

        def losses_sql(db, where=where):
            return db.execute(
                "SELECT o.owner_id, coalesce(nullif(u.display_name, ''), u.username), s.code, count(*) "
                "FROM crm_opportunity o JOIN accounts_user u ON u.id = o.owner_id "
                "LEFT JOIN pipeline_stage s ON s.id = o.lost_at_stage_id "
                f"WHERE o.status = 'lost' AND {where} GROUP BY ALL"
            ).fetchall()

        def losses_from_duckdb(rows):
            totals: Counter[int] = Counter()
            names, stages = {}, {}
            for rep_id, name, code, count in rows:
                totals[rep_id] += count
                names[rep_id] = name
                if code is not None:
                    stages.setdefault(rep_id, {})[code] = count
            top = sorted(totals, key=lambda rep_id: (-totals[rep_id], names[rep_id], rep_id))[:10]
            return [(rep_id, totals[rep_id], sorted(stages.get(rep_id, {}).items())) for rep_id in top]

        questions.append(
            Question(
                f"home: losses by rep and stage [{role}]",
                product=lambda f=analytics_filter: selectors.losses_by_rep_and_stage(f),
                duckdb=losses_sql,
                comparable_product=lambda answer: [
                    (r.rep_id, r.total, sorted(r.by_stage.items())) for r in answer.reps
                ],
                comparable_duckdb=losses_from_duckdb,
            )
        )

        cutoff = ctx.now_utc - dt.timedelta(days=7)

        def stale_sql(db, user=user, cutoff=cutoff):
            base = (
                "FROM (SELECT id, coalesce(last_activity_at, created_at) AS touch FROM crm_lead o "
                f"WHERE o.status IN ('new', 'contacted', 'qualified') AND {scope(user)})"
            )
            counts = db.execute(
                f"SELECT count(*), count(*) FILTER (WHERE touch < TIMESTAMP '{cutoff}') {base}"
            ).fetchone()
            oldest = db.execute(
                f"SELECT id {base} WHERE touch < TIMESTAMP '{cutoff}' ORDER BY touch, id LIMIT 10"
            ).fetchall()
            return counts, [row[0] for row in oldest]

        questions.append(
            Question(
                f"home: stale leads [{role}]",
                product=lambda f=analytics_filter: selectors.stale_leads(f),
                duckdb=stale_sql,
                comparable_product=lambda a: (a.open_leads, a.stale_leads, [lead.lead_id for lead in a.oldest]),
                comparable_duckdb=lambda answer: (answer[0][0], answer[0][1], answer[1]),
            )
        )

        compare_until = selectors._same_day_last_year(ctx.period.end)

        def revenue_sql(db, where=where, compare_until=compare_until):
            local = f"(o.closed_at + {LOCAL_OFFSET})"
            return db.execute(
                f"SELECT year({local}) AS y, (c.first_purchase_date IS NOT NULL "
                f"AND year(c.first_purchase_date) < year({local})) AS repeat, "
                "sum(coalesce(o.won_amount, o.expected_amount, 0)), "
                "sum(coalesce(o.won_amount, o.expected_amount, 0)) "
                f"FILTER (WHERE CAST({local} AS DATE) <= DATE '{compare_until}') "
                "FROM crm_opportunity o LEFT JOIN crm_customer c ON c.id = o.customer_id "
                f"WHERE o.status = 'won' AND {where} GROUP BY ALL"
            ).fetchall()

        def revenue_from_duckdb(rows, ctx=ctx, compare_until=compare_until):
            years = {year: [Decimal(0), Decimal(0)] for year in ctx.period.years}
            earlier = [Decimal(0), Decimal(0)]
            for year, repeat, amount, until in rows:
                years[year][int(repeat)] += amount
                if year == compare_until.year and until is not None:
                    earlier[int(repeat)] += until
            result = [
                (year, new.quantize(Decimal("0.01")), rep.quantize(Decimal("0.01")))
                for year, (new, rep) in years.items()
            ]
            end_year = ctx.period.end.year
            if compare_until.year not in years:
                return result, None, None
            return (
                result,
                selectors._change(earlier[0], years[end_year][0]),
                selectors._change(earlier[1], years[end_year][1]),
            )

        questions.append(
            Question(
                f"home: revenue new vs repeat [{role}]",
                product=lambda f=analytics_filter: selectors.revenue_new_vs_repeat(f),
                duckdb=revenue_sql,
                comparable_product=lambda a: (
                    [(y.year, y.new, y.repeat) for y in a.years],
                    a.new_change,
                    a.repeat_change,
                ),
                comparable_duckdb=revenue_from_duckdb,
            )
        )

        def followups_sql(db, where=where):
            return db.execute(
                "SELECT least(f, 10) AS bucket, count(*) FROM (SELECT o.id, count(i.id) FILTER "
                "(WHERE i.direction = 'outbound' AND i.occurred_at < o.closed_at) AS f "
                "FROM crm_opportunity o LEFT JOIN crm_interaction i ON i.opportunity_id = o.id "
                f"WHERE o.status = 'lost' AND {where} GROUP BY o.id) GROUP BY 1"
            ).fetchall()

        questions.append(
            Question(
                f"home: lost deals by follow-ups [{role}]",
                product=lambda f=analytics_filter: selectors.lost_deals_by_followups(f),
                duckdb=followups_sql,
                comparable_product=lambda a: [(b.followups, b.lost_deals) for b in a.buckets if b.lost_deals],
                comparable_duckdb=lambda rows: sorted(rows),
            )
        )
    return questions


# --- Funnel and velocity, process health, detectors (DuckDB side) ---------------------

DWELL_DAYS = "date_diff('second', si.entered_at, si.left_at) / 86400.0"


def funnel_sql(user, start, end, by: str = "team") -> str:
    group = {
        "none": "NULL",
        "team": "u.team_id",
        "rep": "si.owner_id",
        "channel": "c.channel_id",
        "product_line": "o.product_line_id",
    }[by]
    return f"""
        WITH stays AS (
            SELECT si.*, {group} AS grp, s.position, s.kind FROM pipeline_stageinterval si
            JOIN pipeline_stage s ON s.id = si.stage_id
            JOIN crm_opportunity o ON o.id = si.opportunity_id
            LEFT JOIN crm_customer c ON c.id = o.customer_id
            LEFT JOIN accounts_user u ON u.id = si.owner_id
            WHERE {scope(user, "o")} AND si.entered_at >= TIMESTAMP '{start}' AND si.entered_at < TIMESTAMP '{end}'
        ),
        reached AS (SELECT DISTINCT grp, opportunity_id, stage_id, position, kind FROM stays),
        entered AS (SELECT grp, position, count(*) AS deals FROM reached WHERE kind = 'open' GROUP BY ALL),
        dwell AS (
            SELECT grp, position, median({DWELL_DAYS}) AS median_days, quantile_cont({DWELL_DAYS}, 0.9) AS p90_days
            FROM stays si WHERE left_at IS NOT NULL AND kind = 'open' GROUP BY ALL
        )
        SELECT e.grp, e.position, e.deals, n.deals AS next_deals, d.median_days, d.p90_days
        FROM entered e LEFT JOIN entered n ON n.grp IS NOT DISTINCT FROM e.grp AND n.position = e.position + 1
        LEFT JOIN dwell d ON d.grp IS NOT DISTINCT FROM e.grp AND d.position = e.position
        ORDER BY 1, 2
    """


def win_rate_sql(user, start, end, by: str = "team") -> str:
    group = {
        "none": "NULL",
        "team": "u.team_id",
        "rep": "o.owner_id",
        "channel": "c.channel_id",
        "product_line": "o.product_line_id",
    }[by]
    return f"""
        SELECT {group} AS grp, count(*) FILTER (WHERE o.status = 'won') AS won, count(*) AS closed,
               avg(date_diff('second', o.created_at, o.closed_at)) FILTER (WHERE o.status = 'won')
                   / 86400.0 AS cycle_days
        FROM crm_opportunity o LEFT JOIN crm_customer c ON c.id = o.customer_id
        LEFT JOIN accounts_user u ON u.id = o.owner_id
        WHERE {scope(user, "o")} AND o.status <> 'open'
          AND o.closed_at >= TIMESTAMP '{start}' AND o.closed_at < TIMESTAMP '{end}'
        GROUP BY ALL ORDER BY 1
    """


def dwell_spread_sql(user, start, end) -> str:
    return f"""
        WITH per_rep AS (
            SELECT si.stage_id, si.owner_id, avg({DWELL_DAYS}) AS days FROM pipeline_stageinterval si
            JOIN pipeline_stage s ON s.id = si.stage_id
            WHERE s.kind = 'open' AND si.left_at IS NOT NULL AND {scope(user, "si")}
              AND si.left_at >= TIMESTAMP '{start}' AND si.left_at < TIMESTAMP '{end}'
            GROUP BY ALL
        )
        SELECT stage_id, stddev_pop(days) FROM per_rep GROUP BY ALL ORDER BY 1
    """


def objection_resolution_sql(user, start, end) -> str:
    return f"""
        WITH won AS (
            SELECT o.owner_id, sum(coalesce(o.won_amount, o.expected_amount, 0)) AS amount FROM crm_opportunity o
            WHERE o.status = 'won' AND {scope(user, "o")}
              AND o.closed_at >= TIMESTAMP '{start}' AND o.closed_at < TIMESTAMP '{end}' GROUP BY ALL
        ),
        ranked AS (SELECT owner_id, ntile(5) OVER (ORDER BY amount DESC, owner_id) AS fifth FROM won),
        resolution AS (
            SELECT o.owner_id, date_diff('second', ob.raised_at, ob.resolved_at) / 86400.0 AS days
            FROM pipeline_objection ob JOIN crm_opportunity o ON o.id = ob.opportunity_id
            WHERE ob.resolved_at IS NOT NULL AND {scope(user, "o")}
              AND ob.resolved_at >= TIMESTAMP '{start}' AND ob.resolved_at < TIMESTAMP '{end}'
        )
        SELECT 'top' AS who, median(days) FROM resolution
        WHERE owner_id IN (SELECT owner_id FROM ranked WHERE fifth = 1)
        UNION ALL SELECT owner_id::VARCHAR, median(days) FROM resolution GROUP BY owner_id
    """


def lead_response_sql(user, start, end) -> str:
    """Working hours (Monday to Friday, local) from lead creation to first follow-up."""
    local = LOCAL_OFFSET
    return f"""
        WITH leads AS (
            SELECT o.id, o.created_at + {local} AS created,
                   coalesce(o.first_followup_at, TIMESTAMP '{end}') + {local} AS answered,
                   o.first_followup_at IS NOT NULL AS was_answered
            FROM crm_lead o WHERE {scope(user, "o")}
              AND o.created_at >= TIMESTAMP '{start}' AND o.created_at < TIMESTAMP '{end}'
        ),
        days AS (
            SELECT id, was_answered, day, created, answered FROM leads,
                   unnest(generate_series(
                       date_trunc('day', created),
                       date_trunc('day', least(answered, created + INTERVAL 30 DAY)),
                       INTERVAL 1 DAY)) AS t(day)
        ),
        worked AS (
            SELECT id, any_value(was_answered) AS was_answered,
                   sum(CASE WHEN isodow(day) <= 5 THEN greatest(0, date_diff(
                       'second', greatest(created, day), least(answered, day + INTERVAL 1 DAY))) ELSE 0 END)
                   / 3600.0 AS hours
            FROM days GROUP BY id
        )
        SELECT count(*) AS leads, count(*) FILTER (WHERE was_answered AND hours <= 48) AS on_time FROM worked
    """


def three_reps_reference_sql() -> str:
    """Return the DuckDB reference question: customers that three or more reps followed
    within any 30 days of the whole history (a sliding window over every interaction)."""
    return """
        SELECT count(*) FROM (
            SELECT customer_id, max(reps) AS reps FROM (
                SELECT customer_id, count(DISTINCT owner_id) OVER (
                    PARTITION BY customer_id ORDER BY occurred_at
                    RANGE BETWEEN INTERVAL 30 DAYS PRECEDING AND CURRENT ROW) AS reps
                FROM crm_interaction WHERE customer_id IS NOT NULL AND owner_id IS NOT NULL)
            GROUP BY customer_id HAVING max(reps) >= 3)
    """


# Twins of the queries behind analytics.detectors (DETECTOR_QUERIES) with the default
# rules. Each returns the rows that the product's query returns, keyed for comparison.
WINDOW_30_DAYS_EXCLUSIVE = f"INTERVAL ({30 * 86400 * 1_000_000} - 1) MICROSECONDS"


def detect_multi_rep_sql(now) -> str:
    since = now - dt.timedelta(days=90)
    return f"""
        SELECT customer_id FROM (
            SELECT customer_id, count(DISTINCT owner_id) OVER (
                PARTITION BY customer_id ORDER BY occurred_at
                RANGE BETWEEN CURRENT ROW AND {WINDOW_30_DAYS_EXCLUSIVE} FOLLOWING) AS reps
            FROM crm_interaction
            WHERE customer_id IS NOT NULL AND owner_id IS NOT NULL AND occurred_at >= TIMESTAMP '{since}')
        GROUP BY customer_id HAVING max(reps) >= 3
    """


def detect_regressions_sql(now) -> str:
    since = now - dt.timedelta(days=90)
    return f"""
        WITH moves AS (
            SELECT id, from_stage_id, entered_at, is_regression, coalesce(actor_id, owner_id) AS rep_id,
                   row_number() OVER (PARTITION BY coalesce(actor_id, owner_id), from_stage_id
                                      ORDER BY entered_at, id) AS move_number
            FROM pipeline_stageinterval
            WHERE from_stage_id IS NOT NULL AND coalesce(actor_id, owner_id) IS NOT NULL
        ),
        regressions AS (
            SELECT *, move_number - row_number() OVER (
                       PARTITION BY rep_id, from_stage_id ORDER BY entered_at, id) AS run_key
            FROM moves WHERE is_regression
        )
        SELECT rep_id, from_stage_id, count(*), min(entered_at), max(entered_at)
        FROM regressions GROUP BY rep_id, from_stage_id, run_key
        HAVING count(*) >= 3 AND max(entered_at) >= TIMESTAMP '{since}'
    """


def detect_no_progress_sql() -> str:
    return """
        SELECT id, owner_id, interaction_count, substantive_count, customer_id FROM crm_opportunity
        WHERE status = 'open' AND interaction_count >= 10
          AND (interaction_count - substantive_count) * 1000 >= interaction_count * 600
    """


def detect_stale_leads_sql(now) -> str:
    return f"""
        SELECT id, owner_id, coalesce(last_activity_at, created_at) FROM crm_lead
        WHERE status IN ('new', 'contacted', 'qualified')
          AND coalesce(last_activity_at, created_at) < TIMESTAMP '{now - dt.timedelta(days=7)}'
    """


def detect_stuck_sql(now) -> str:
    return f"""
        WITH p90 AS (
            SELECT si.stage_id, quantile_cont({DWELL_DAYS}, 0.9) AS days
            FROM pipeline_stageinterval si JOIN pipeline_stage s ON s.id = si.stage_id
            WHERE si.left_at IS NOT NULL AND s.kind = 'open'
              AND si.left_at >= TIMESTAMP '{now - dt.timedelta(days=365)}'
            GROUP BY si.stage_id HAVING count(*) >= 10
        )
        SELECT o.id, o.owner_id, o.stage_id, o.stage_entered_at, o.customer_id
        FROM crm_opportunity o JOIN p90 ON p90.stage_id = o.stage_id
        WHERE o.status = 'open'
          AND o.stage_entered_at < TIMESTAMP '{now}' - to_microseconds(CAST(p90.days * 86400000000 AS BIGINT))
    """


def detect_loss_concentration_sql(now) -> str:
    """The lost deals of the lookback with their follow-ups, counted from the interactions
    (the product reads the fact its services keep)."""
    return f"""
        SELECT u.team_id, count(i.id) FILTER (WHERE i.direction = 'outbound' AND i.occurred_at < o.closed_at), o.id
        FROM crm_opportunity o JOIN accounts_user u ON u.id = o.owner_id
        LEFT JOIN crm_interaction i ON i.opportunity_id = o.id
        WHERE o.status = 'lost' AND u.team_id IS NOT NULL
          AND o.closed_at >= TIMESTAMP '{now - dt.timedelta(days=90)}' AND o.closed_at < TIMESTAMP '{now}'
        GROUP BY o.id, u.team_id
    """


# DuckDB twin of analytics.analyzer.compile_filter: the same JSON filter as SQL over ``o``.
CHOICE_COLUMNS = {
    "stage": "(SELECT code FROM pipeline_stage WHERE id = o.stage_id)",
    "status": "o.status",
    "last_action": "o.last_action_type",
    "owner": "(SELECT username FROM accounts_user WHERE id = o.owner_id)",
    "team": "(SELECT t.code FROM accounts_user u JOIN accounts_team t ON t.id = u.team_id WHERE u.id = o.owner_id)",
    "region": (
        "(SELECT r.code FROM accounts_user u JOIN accounts_region r ON r.id = u.region_id WHERE u.id = o.owner_id)"
    ),
    "channel": (
        "(SELECT ch.code FROM crm_customer c JOIN crm_channel ch ON ch.id = c.channel_id "
        "WHERE c.id = o.customer_id)"
    ),
    "product_line": "(SELECT code FROM crm_productline WHERE id = o.product_line_id)",
}
COMPARISONS = {"gte": ">=", "gt": ">", "lte": "<=", "lt": "<", "eq": "="}


def _literal(value) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def analyzer_where(node: dict, now: dt.datetime) -> str | None:
    """Return the SQL condition of a filter tree; None matches every opportunity."""
    if "conditions" not in node:
        return _analyzer_condition(node, now)
    children = [analyzer_where(child, now) for child in node["conditions"]]
    if node["op"] == "or":
        if not children or any(child is None for child in children):
            return None
        return "(" + " OR ".join(children) + ")"
    restricting = [child for child in children if child is not None]
    return "(" + " AND ".join(restricting) + ")" if restricting else None


def _analyzer_condition(condition: dict, now: dt.datetime) -> str:
    name, op, value = condition["field"], condition["op"], condition["value"]
    if name in CHOICE_COLUMNS:
        values = ["" if name == "last_action" and item == "none" else item for item in value]
        match = f"coalesce({CHOICE_COLUMNS[name]} IN ({', '.join(_literal(item) for item in values)}), FALSE)"
        return match if op == "in" else f"NOT {match}"
    if name in ("days_in_stage", "days_since_interaction"):
        column = "o.stage_entered_at" if name == "days_in_stage" else "coalesce(o.last_interaction_at, o.created_at)"

        def since(days: int) -> str:
            return f"TIMESTAMP '{now - dt.timedelta(days=days)}'"

        bounds = {
            "gte": [f"{column} <= {since(value)}"],
            "gt": [f"{column} <= {since(value + 1)}"],
            "lte": [f"{column} > {since(value + 1)}"],
            "lt": [f"{column} > {since(value)}"],
            "eq": [f"{column} <= {since(value)}", f"{column} > {since(value + 1)}"],
        }[op]
        return "(" + " AND ".join(bounds) + ")"
    if name == "amount":
        return f"o.expected_amount {COMPARISONS[op]} {Decimal(str(value))}"
    if name in ("created", "closed"):
        column = "o.created_at" if name == "created" else "o.closed_at"
        start, end = value if op == "between" else [value, value]
        parts = []
        if op in ("gte", "between"):
            parts.append(f"{column} >= TIMESTAMP '{start} 00:00:00' - {LOCAL_OFFSET}")
        if op in ("lte", "between"):
            parts.append(f"{column} < TIMESTAMP '{end} 00:00:00' + INTERVAL 1 DAY - {LOCAL_OFFSET}")
        return "(" + " AND ".join(parts) + ")"
    if name == "tag":
        competitor = {"with": " AND sg.competitor <> ''", "without": " AND sg.competitor = ''"}.get(
            condition.get("competitor", "any"), ""
        )
        exists = (
            f"EXISTS (SELECT 1 FROM signals_signal sg WHERE sg.opportunity_id = o.id AND sg.tag = {_literal(value)} "
            f"AND sg.status <> 'rejected'{competitor})"
        )
        return exists if op == "present" else f"NOT {exists}"
    repeat = (
        "EXISTS (SELECT 1 FROM crm_opportunity w WHERE w.customer_id = o.customer_id "
        "AND w.status = 'won' AND w.closed_at < o.created_at)"
    )
    return repeat if value == "repeat" else f"NOT {repeat}"


def analyzer_summary_sql(user, where: str) -> str:
    return (
        "SELECT count(*), coalesce(sum(o.expected_amount), 0), count(o.expected_amount) FROM crm_opportunity o "
        f"WHERE {scope(user)} AND {where or 'TRUE'}"
    )


def analyzer_page_sql(user, where: str) -> str:
    return (
        "SELECT o.id, o.name, o.stage_id, o.stage_entered_at, o.owner_id, o.customer_id, o.expected_amount, "
        "o.last_action_type, o.last_interaction_at, count(*) OVER () AS total FROM crm_opportunity o "
        f"WHERE {scope(user)} AND {where or 'TRUE'} ORDER BY o.stage_entered_at, o.id LIMIT 50"
    )


# --- Product functions from other modules, looked up at run time ----------------------


def _optional(module: str):
    try:
        return importlib.import_module(module), ""
    except ImportError as error:
        return None, f"{module} not importable ({error})"


def _previous(period):
    length = period.end - period.start
    end = period.start - dt.timedelta(days=1)
    return type(period)(end - length, end)


def _utc_bounds(period) -> tuple[dt.datetime, dt.datetime]:
    start, end = period.bounds()
    return start.astimezone(dt.UTC).replace(tzinfo=None), end.astimezone(dt.UTC).replace(tzinfo=None)


def analyzer_questions(ctx: Context, notes: list[str]) -> list[Question]:
    manager = ctx.users["manager"]
    now = ctx.now_utc
    module, note = _optional("salespulse.analytics.selectors_analyzer")
    if note:
        notes.append(note)
    examples = _analyzer_examples(module) if module else {}
    run_filter = getattr(module, "run_filter", None)
    list_rows = getattr(module, "list_rows", None)
    questions = []
    for name, example in sorted(examples.items()):
        where = analyzer_where(module.load_filter(example), now)
        questions.append(
            Question(
                f"analyzer: {name}, totals [manager]",
                product=(lambda e=example: run_filter(manager, e, now=ctx.now)) if run_filter else None,
                duckdb=lambda db, w=where: db.execute(analyzer_summary_sql(manager, w)).fetchone(),
                comparable_product=lambda a: (a.deals, a.total_amount, a.deals_with_amount),
                comparable_duckdb=lambda row: (row[0], Decimal(row[1]).quantize(Decimal("0.01")), row[2]),
            )
        )
        questions.append(
            Question(
                f"analyzer: {name}, first page [manager]",
                product=(lambda e=example: list_rows(manager, e, 1, now=ctx.now)) if list_rows else None,
                duckdb=lambda db, w=where: db.execute(analyzer_page_sql(manager, w)).fetchall(),
                comparable_product=lambda page: [row_id(row) for row in page.rows],
                comparable_duckdb=lambda rows: [row[0] for row in rows],
            )
        )
    return questions


def row_id(row) -> int:
    for attribute in ("opportunity_id", "id", "pk"):
        if hasattr(row, attribute):
            return getattr(row, attribute)
    raise AttributeError(f"analyzer row {row!r} has no id")


def extended_questions(ctx: Context, notes: list[str]) -> list[Question]:
    """Analyzer, funnel/velocity, process health and detector questions."""
    manager = ctx.users["manager"]
    now = ctx.now_utc
    questions = analyzer_questions(ctx, notes)

    metrics, note = _optional("salespulse.analytics.metrics")
    if note:
        notes.append(note)
    velocity = getattr(metrics, "funnel_velocity", None)
    periods = [_utc_bounds(ctx.period), _utc_bounds(_previous(ctx.period))]
    for by in ("team", "rep", "channel", "product_line"):

        def funnel_duckdb(db, by=by):
            return [
                (
                    db.execute(funnel_sql(manager, start, end, grouping)).fetchall(),
                    db.execute(win_rate_sql(manager, start, end, grouping)).fetchall(),
                )
                for start, end in periods
                for grouping in ("none", by)
            ]

        questions.append(
            Question(
                f"funnel and velocity by {by} [manager]",
                product=(lambda by=by: velocity(manager, ctx.period, by=by)) if velocity else None,
                duckdb=funnel_duckdb,
            )
        )

    health, note = _optional("salespulse.analytics.health")
    if note:
        notes.append(note)
    process_health = getattr(health, "process_health", None)
    start, end = ctx.bounds_utc()
    questions.append(
        Question(
            "process health [manager]",
            product=(lambda: process_health(manager, ctx.period, as_of=ctx.now)) if process_health else None,
            duckdb=lambda db: (
                db.execute(lead_response_sql(manager, start, end)).fetchall(),
                db.execute(dwell_spread_sql(manager, start, end)).fetchall(),
                db.execute(objection_resolution_sql(manager, start, end)).fetchall(),
            ),
        )
    )

    # Detectors run workspace-wide as scheduled tasks and store alerts; the page reads them.
    # The query behind each is timed against DuckDB. The whole run, which also turns the
    # rows into alerts and stores them, is timed on its own.
    detectors, note = _optional("salespulse.analytics.detectors")
    if note:
        notes.append(note)
    twins = {
        "multi_rep_customer": (detect_multi_rep_sql(now), lambda windows: sorted(w.customer_id for w in windows)),
        "repeated_regression": (
            detect_regressions_sql(now),
            lambda runs: sorted((run["rep_id"], run["stage_id"], run["moves"]) for run in runs),
        ),
        "no_progress": (detect_no_progress_sql(), lambda rows: sorted(row[0] for row in rows)),
        "stale_lead": (detect_stale_leads_sql(now), lambda rows: sorted(row[0] for row in rows)),
        "stuck_deal": (detect_stuck_sql(now), lambda answer: sorted(row[0] for row in answer.deals)),
        "loss_followups": (detect_loss_concentration_sql(now), lambda rows: sorted(row[1:] for row in rows)),
    }
    duck_keys = {
        "multi_rep_customer": lambda rows: sorted(row[0] for row in rows),
        "repeated_regression": lambda rows: sorted(row[:3] for row in rows),
        "loss_followups": lambda rows: sorted((row[1], row[2]) for row in rows),
    }
    queries = getattr(detectors, "DETECTOR_QUERIES", {}) if detectors else {}
    runs = getattr(detectors, "DETECTORS", {}) if detectors else {}
    for kind, (sql, product_key) in twins.items():
        query = queries.get(kind)
        questions.append(
            Question(
                f"detector query: {kind}",
                product=(lambda query=query: query(ctx.now)) if query else None,
                duckdb=lambda db, sql=sql: db.execute(sql).fetchall(),
                comparable_product=product_key,
                comparable_duckdb=duck_keys.get(kind, lambda rows: sorted(row[0] for row in rows)),
            )
        )
    for kind, detect in runs.items():
        questions.append(
            Question(f"detector run, storing alerts: {kind}", product=lambda detect=detect: detect(ctx.now))
        )
    questions.append(
        Question(
            "reference: three reps on one customer within 30 days, whole history (DuckDB only)",
            duckdb=lambda db: db.execute(three_reps_reference_sql()).fetchone()[0],
        )
    )
    list_alerts = getattr(detectors, "list_alerts", None)
    if list_alerts is not None:
        questions.append(Question("alerts list [manager]", product=lambda: list_alerts(manager)))
    return questions


def _analyzer_examples(module) -> dict[str, object]:
    """Example filters the analyzer module offers: a dict named like ``EXAMPLE_FILTERS``
    or module constants whose names start with ``EXAMPLE``."""
    for name in dir(module):
        value = getattr(module, name)
        if name.isupper() and "EXAMPLE" in name and isinstance(value, dict) and value:
            if all(isinstance(item, (dict, str)) for item in value.values()) and not {"all", "any", "op"} & set(value):
                return {str(key): item for key, item in value.items()}
    return {
        name.lower(): getattr(module, name)
        for name in dir(module)
        if name.isupper() and name.startswith("EXAMPLE") and isinstance(getattr(module, name), (dict, str))
    }
