"""Pattern detectors: set-based queries whose findings are stored as ``Alert`` rows.

Each ``detect_*`` function reads the whole workspace (detectors are not scoped to a
user), stores its findings through ``store_findings`` and records a ``DetectorRun``.
Re-running a detector is idempotent: a finding whose kind and subject match an active
alert (open or dismissed) updates it, a new one opens an alert, and an open alert whose
pattern is gone becomes resolved. A dismissed alert stays dismissed while its pattern
lasts. Pages and the API read only the stored alerts (``list_alerts``), with each
detector's last run shown as freshness.

Rules and their defaults (override any key in ``settings.SALESPULSE_DETECTORS``):

* multi_rep_customer: interactions by ``min_reps`` (3) or more different reps with one
  customer inside ``window_days`` (30) consecutive days, for windows that start within
  the last ``lookback_days`` (90);
* repeated_regression: a rep's moves out of one stage, in time order, end in a run of
  ``min_run`` (3) or more regressions, the last one within ``lookback_days`` (90);
* no_progress: an open deal with ``min_interactions`` (10) or more interactions of
  which at least ``min_share`` (0.6) are not substantive (11 with 7 such is 63.6 %);
* stale_lead: an open lead whose last activity, or creation when never touched, is more
  than ``idle_days`` (7) days ago;
* stuck_deal: an open deal in its stage for longer than that stage's p90 dwell over the
  completed stays that ended in the last ``history_days`` (365), with at least
  ``min_stays`` (10) such stays;
* loss_followups: per team, of the deals lost in the last ``lookback_days`` (90) (at
  least ``min_lost``, 10), the share with ``low``–``high`` (3–5) follow-ups (outbound
  interactions before the close) is above ``max_share`` (0.4).
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F, Max, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from salespulse.accounts.models import Role, User
from salespulse.accounts.scopes import owned_by_visible_users
from salespulse.analytics.dbfunctions import (
    EpochSeconds,
    elapsed_seconds,
    from_epoch,
    percentiles_by_group,
    sqlite_epoch_seconds,
)
from salespulse.analytics.models import ACTIVE_ALERT_STATUSES, Alert, AlertKind, AlertStatus, DetectorRun
from salespulse.crm.models import (
    OPEN_LEAD_STATUSES,
    Customer,
    Interaction,
    Lead,
    Opportunity,
    OpportunityStatus,
)
from salespulse.pipeline.models import Stage, StageInterval, StageKind

logger = logging.getLogger(__name__)

P90 = 0.9
SECONDS_PER_DAY = 86400.0

DEFAULTS: dict[str, dict[str, float]] = {
    AlertKind.MULTI_REP_CUSTOMER: {"min_reps": 3, "window_days": 30, "lookback_days": 90},
    AlertKind.REPEATED_REGRESSION: {"min_run": 3, "lookback_days": 90},
    AlertKind.NO_PROGRESS: {"min_interactions": 10, "min_share": 0.6},
    AlertKind.STALE_LEAD: {"idle_days": 7},
    AlertKind.STUCK_DEAL: {"history_days": 365, "min_stays": 10},
    AlertKind.LOSS_FOLLOWUP_CONCENTRATION: {"lookback_days": 90, "min_lost": 10, "low": 3, "high": 5, "max_share": 0.4},
}


def rule(kind: str) -> dict[str, float]:
    """Return the detector's parameters: the defaults updated from settings."""
    overrides = getattr(settings, "SALESPULSE_DETECTORS", {}).get(kind, {})
    return {**DEFAULTS[kind], **overrides}


@dataclass(frozen=True)
class Finding:
    """One pattern instance: ``subject_key`` identifies it across runs."""

    subject_key: str
    owner_id: int | None
    evidence: dict
    customer_id: int | None = None
    opportunity_id: int | None = None
    lead_id: int | None = None
    team_id: int | None = None


@dataclass(frozen=True)
class DetectorResult:
    kind: str
    found: int
    opened: int
    updated: int
    resolved: int
    duration_ms: int


def store_findings(kind: str, findings: list[Finding], now: dt.datetime) -> tuple[int, int, int]:
    """Upsert ``findings`` as alerts of ``kind``; return (opened, updated, resolved).

    Alerts seen again with the same owner and evidence get one UPDATE of their times per
    chunk; only changed ones are rewritten row by row, which keeps hourly runs over
    thousands of alerts cheap.
    """
    by_key = {finding.subject_key: finding for finding in findings}
    with transaction.atomic():
        # Plain rows, not model instances: thousands of alerts are read on every run.
        active = {
            subject_key: (pk, owner_id, evidence, status)
            for pk, subject_key, owner_id, evidence, status in Alert.objects.select_for_update()
            .filter(kind=kind, status__in=ACTIVE_ALERT_STATUSES)
            .values_list("pk", "subject_key", "owner_id", "evidence", "status")
        }
        changed: list[Alert] = []
        unchanged_ids: list[int] = []
        resolved_ids: list[int] = []
        for key, (pk, owner_id, evidence, status) in active.items():
            finding = by_key.get(key)
            if finding is None:
                if status == AlertStatus.OPEN:
                    resolved_ids.append(pk)
                continue
            if owner_id == finding.owner_id and evidence == finding.evidence:
                unchanged_ids.append(pk)
                continue
            changed.append(
                Alert(pk=pk, owner_id=finding.owner_id, evidence=finding.evidence, detected_at=now, last_seen=now)
            )
        new = [
            Alert(
                kind=kind,
                subject_key=key,
                owner_id=finding.owner_id,
                evidence=finding.evidence,
                customer_id=finding.customer_id,
                opportunity_id=finding.opportunity_id,
                lead_id=finding.lead_id,
                team_id=finding.team_id,
                detected_at=now,
                first_seen=now,
                last_seen=now,
            )
            for key, finding in by_key.items()
            if key not in active
        ]
        Alert.objects.bulk_create(new, batch_size=1000)
        Alert.objects.bulk_update(changed, ["owner", "evidence", "detected_at", "last_seen"], batch_size=1000)
        for chunk in _chunks(unchanged_ids):
            Alert.objects.filter(pk__in=chunk).update(detected_at=now, last_seen=now)
        for chunk in _chunks(resolved_ids):
            Alert.objects.filter(pk__in=chunk).update(status=AlertStatus.RESOLVED, resolved_at=now)
    return len(new), len(changed) + len(unchanged_ids), len(resolved_ids)


def _chunks(ids: list[int], size: int = 900):
    """Yield slices of ``ids`` small enough for SQLite's limit on query parameters."""
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _run(kind: str, find: Callable[[dt.datetime], list[Finding]], now: dt.datetime | None) -> DetectorResult:
    now = now or timezone.now()
    started = time.perf_counter()
    findings = find(now)
    opened, updated, resolved = store_findings(kind, findings, now)
    duration_ms = round((time.perf_counter() - started) * 1000)
    DetectorRun.objects.create(
        kind=kind, started_at=now, duration_ms=duration_ms, found=len(findings), opened=opened, resolved=resolved
    )
    logger.info(
        "detector %s found %s, opened %s, resolved %s in %s ms", kind, len(findings), opened, resolved, duration_ms
    )
    return DetectorResult(kind, len(findings), opened, updated, resolved, duration_ms)


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


# 1. One customer followed by several reps within a window


@dataclass(frozen=True)
class MultiRepWindow:
    customer_id: int
    window_start: dt.datetime
    rep_ids: list[int]
    interaction_ids: list[int]


def find_multi_rep_customers(
    *, since: dt.datetime | None = None, min_reps: int = 3, window_days: int = 30, with_evidence: bool = True
) -> list[MultiRepWindow]:
    """Return the customers with interactions by ``min_reps`` or more reps inside some
    ``window_days`` window (interactions at or after ``since``), each with its latest window.

    A self-join of interactions over a 30-day range is quadratic in the interactions per
    customer, so this runs as a sweep line instead. An interaction at time s lies in the
    window [t, t + 30 days) exactly when t lies in (s - 30 days, s]. Merging those
    intervals per (customer, rep) gives disjoint "islands", one set per rep, and a window
    start t has as many reps as islands cover it. A running sum of +1 at each island's
    opening and -1 at its closing, ordered by time with closings first, counts them.
    Two window passes and two sorts, so O(n log n) in the number of interactions.
    Without ``with_evidence`` the windows come without their reps and interactions.
    """
    table = Interaction._meta.db_table
    postgres = connection.vendor == "postgresql"
    if postgres:
        moment, window = "occurred_at", f"INTERVAL '{int(window_days)} days'"
        # Read back as epoch seconds, because a float is cheaper to fetch than a timestamp.
        opens_number = "CAST(EXTRACT(EPOCH FROM latest.opens) AS double precision)"
    else:
        # SQLite has no interval type, so the sweep runs on exact epoch seconds.
        moment, window = sqlite_epoch_seconds("occurred_at"), str(int(window_days) * 86400)
        opens_number = "latest.opens"
    since_clause = "AND occurred_at >= %s" if since else ""
    if with_evidence:
        # The interactions inside each customer's latest window, cut in the same query.
        final_select = f"""
            SELECT latest.customer_id, {opens_number}, scoped.owner_id, scoped.id FROM latest
            JOIN scoped ON scoped.customer_id = latest.customer_id
                       AND scoped.moment > latest.opens AND scoped.moment <= latest.opens + {window}
            ORDER BY latest.customer_id, scoped.moment, scoped.id
        """
    else:
        final_select = f"SELECT latest.customer_id, {opens_number}, NULL, NULL FROM latest ORDER BY latest.customer_id"
    sql = f"""
        WITH scoped AS (
            SELECT id, customer_id, owner_id, {moment} AS moment FROM {table}
            WHERE customer_id IS NOT NULL AND owner_id IS NOT NULL {since_clause}
        ),
        marked AS (
            SELECT customer_id, owner_id, moment,
                   CASE WHEN moment - LAG(moment) OVER (PARTITION BY customer_id, owner_id ORDER BY moment)
                             < {window} THEN 0 ELSE 1 END AS starts_island
            FROM scoped
        ),
        numbered AS (
            SELECT customer_id, owner_id, moment,
                   SUM(starts_island) OVER (PARTITION BY customer_id, owner_id ORDER BY moment
                                            ROWS UNBOUNDED PRECEDING) AS island
            FROM marked
        ),
        islands AS (
            SELECT customer_id, MIN(moment) - {window} AS opens, MAX(moment) AS closes
            FROM numbered GROUP BY customer_id, owner_id, island
        ),
        events AS (
            SELECT customer_id, opens AS at, 1 AS delta FROM islands
            UNION ALL
            SELECT customer_id, closes AS at, -1 AS delta FROM islands
        ),
        running AS (
            SELECT customer_id, at, delta,
                   SUM(delta) OVER (PARTITION BY customer_id ORDER BY at, delta ROWS UNBOUNDED PRECEDING) AS active
            FROM events
        ),
        -- A window (x, x + window_days] starts just after the latest qualifying opening x.
        latest AS (
            SELECT customer_id, MAX(at) AS opens FROM running WHERE delta = 1 AND active >= %s GROUP BY customer_id
        )
        {final_select}
    """
    windows: dict[int, MultiRepWindow] = {}
    with transaction.atomic(), connection.cursor() as cursor:
        if postgres:
            # The sorts need about 64 MB to stay in memory. Raise the setting for this
            # transaction only, and never lower a larger one.
            cursor.execute(
                "SELECT set_config('work_mem', '64MB', true) "
                "WHERE pg_size_bytes(current_setting('work_mem')) < pg_size_bytes('64MB')"
            )
        # Adapted as the ORM does, so SQLite compares UTC text with UTC text whatever zone ``since`` is in.
        since_params = [connection.ops.adapt_datetimefield_value(since)] if since else []
        cursor.execute(sql, [*since_params, min_reps])
        for customer_id, opens, owner_id, interaction_id in cursor.fetchall():
            window = windows.get(customer_id)
            if window is None:
                window = windows[customer_id] = MultiRepWindow(customer_id, from_epoch(opens), [], [])
            if interaction_id is not None:
                window.interaction_ids.append(interaction_id)
                if owner_id not in window.rep_ids:
                    window.rep_ids.append(owner_id)
    for window in windows.values():
        window.rep_ids.sort()
    return list(windows.values())


def _aware(value) -> dt.datetime:
    """Return a UTC-aware datetime from what a raw cursor returns (SQLite gives text)."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if timezone.is_naive(value):
        value = value.replace(tzinfo=dt.UTC)
    return value


def multi_rep_windows(now: dt.datetime) -> list[MultiRepWindow]:
    """Return ``find_multi_rep_customers`` with the rule's parameters."""
    params = rule(AlertKind.MULTI_REP_CUSTOMER)
    return find_multi_rep_customers(
        since=now - dt.timedelta(days=params["lookback_days"]),
        min_reps=int(params["min_reps"]),
        window_days=int(params["window_days"]),
    )


def multi_rep_findings(now: dt.datetime) -> list[Finding]:
    params = rule(AlertKind.MULTI_REP_CUSTOMER)
    windows = multi_rep_windows(now)
    owners = dict(
        Customer.objects.filter(pk__in=[window.customer_id for window in windows]).values_list("id", "owner_id")
    )
    return [
        Finding(
            subject_key=f"customer:{window.customer_id}",
            owner_id=owners.get(window.customer_id),
            customer_id=window.customer_id,
            evidence={
                "customer_id": window.customer_id,
                "window_start": _iso(window.window_start),
                "window_days": int(params["window_days"]),
                "rep_ids": window.rep_ids,
                "reps": len(window.rep_ids),
                "interaction_ids": window.interaction_ids[:50],
            },
        )
        for window in windows
    ]


def detect_multi_rep_customers(now: dt.datetime | None = None) -> DetectorResult:
    return _run(AlertKind.MULTI_REP_CUSTOMER, multi_rep_findings, now)


# 2. Repeated regressions out of one stage


def find_regression_runs(*, since: dt.datetime | None = None, min_run: int = 3) -> list[dict]:
    """Return runs of ``min_run`` or more consecutive regressions by one rep out of one
    stage, with the last regression at or after ``since``.

    The moves out of a stage are the intervals whose ``from_stage`` is that stage. The rep
    is the actor of the move, or the deal's owner when no actor was recorded. Gaps and
    islands: within (rep, stage) in time order, regressions whose row number minus their
    row number among regressions is equal form one unbroken run.

    With ``since``, each (rep, stage) is numbered from its last ordinary move before
    ``since`` on: a run that ends at or after ``since`` cannot contain that move, so it
    lies wholly after it, and the window functions sort only the recent moves.
    """
    table = StageInterval._meta.db_table
    if since is None:
        recent, since_params = "", []
    else:
        recent = f"""
            LEFT JOIN (
                SELECT COALESCE(actor_id, owner_id) AS rep_id, from_stage_id, MAX(entered_at) AS anchor_at
                FROM {table} WHERE from_stage_id IS NOT NULL AND NOT is_regression AND entered_at < %s
                GROUP BY COALESCE(actor_id, owner_id), from_stage_id
            ) anchors USING (rep_id, from_stage_id)
            WHERE anchors.anchor_at IS NULL OR scoped.entered_at >= anchors.anchor_at
        """
        since_params = [connection.ops.adapt_datetimefield_value(since)]
    sql = f"""
        WITH scoped AS (
            SELECT id, from_stage_id, entered_at, is_regression, COALESCE(actor_id, owner_id) AS rep_id
            FROM {table}
            WHERE from_stage_id IS NOT NULL AND COALESCE(actor_id, owner_id) IS NOT NULL
        ),
        moves AS (
            SELECT scoped.*, ROW_NUMBER() OVER (PARTITION BY rep_id, from_stage_id
                                                ORDER BY entered_at, id) AS move_number
            FROM scoped {recent}
        ),
        regressions AS (
            SELECT *, move_number - ROW_NUMBER() OVER (PARTITION BY rep_id, from_stage_id
                                                       ORDER BY entered_at, id) AS run_key
            FROM moves WHERE is_regression
        )
        SELECT rep_id, from_stage_id, run_key, COUNT(*), MIN(entered_at), MAX(entered_at)
        FROM regressions GROUP BY rep_id, from_stage_id, run_key HAVING COUNT(*) >= %s
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [*since_params, min_run])
        runs = [
            {
                "rep_id": rep_id,
                "stage_id": stage_id,
                "run_key": run_key,
                "moves": moves,
                "first_at": _aware(first_at),
                "last_at": _aware(last_at),
            }
            for rep_id, stage_id, run_key, moves, first_at, last_at in cursor.fetchall()
        ]
    runs = [run for run in runs if since is None or run["last_at"] >= since]
    if not runs:
        return []

    # One query for the regressions of the runs' reps and stages, matched to runs here
    # (an OR per run would exceed SQLite's expression depth on large histories).
    intervals = (
        StageInterval.objects.filter(
            is_regression=True,
            from_stage_id__in={run["stage_id"] for run in runs},
            entered_at__gte=min(run["first_at"] for run in runs),
            entered_at__lte=max(run["last_at"] for run in runs),
        )
        .filter(
            Q(actor_id__in={run["rep_id"] for run in runs})
            | Q(actor__isnull=True, owner_id__in={run["rep_id"] for run in runs})
        )
        .order_by("entered_at", "id")
        .values_list("id", "opportunity_id", "from_stage_id", "actor_id", "owner_id", "entered_at")
    )
    by_rep_stage: dict[tuple[int, int], list[dict]] = defaultdict(list)
    for run in runs:
        run["interval_ids"] = []
        run["opportunity_ids"] = []
        by_rep_stage[(run["rep_id"], run["stage_id"])].append(run)
    for pk, opportunity_id, stage_id, actor_id, owner_id, entered_at in intervals:
        for run in by_rep_stage.get((actor_id or owner_id, stage_id), []):
            if run["first_at"] <= entered_at <= run["last_at"]:
                run["interval_ids"].append(pk)
                run["opportunity_ids"].append(opportunity_id)
    return runs


def regression_runs(now: dt.datetime) -> list[dict]:
    """Return ``find_regression_runs`` with the rule's parameters."""
    params = rule(AlertKind.REPEATED_REGRESSION)
    return find_regression_runs(since=now - dt.timedelta(days=params["lookback_days"]), min_run=int(params["min_run"]))


def regression_findings(now: dt.datetime) -> list[Finding]:
    runs = regression_runs(now)
    names = _stage_names({run["stage_id"] for run in runs})
    return [
        Finding(
            subject_key=f"rep:{run['rep_id']}:stage:{run['stage_id']}:run:{run['interval_ids'][0]}",
            owner_id=run["rep_id"],
            evidence={
                "rep_id": run["rep_id"],
                "stage_id": run["stage_id"],
                "stage_name": names.get(run["stage_id"], ""),
                "moves": run["moves"],
                "first_at": _iso(run["first_at"]),
                "last_at": _iso(run["last_at"]),
                "interval_ids": run["interval_ids"],
                "opportunity_ids": sorted(set(run["opportunity_ids"])),
            },
        )
        for run in runs
        if run["interval_ids"]
    ]


def detect_repeated_regressions(now: dt.datetime | None = None) -> DetectorResult:
    return _run(AlertKind.REPEATED_REGRESSION, regression_findings, now)


# 3. Interactions without progress


def no_progress_deals(now: dt.datetime) -> list[tuple[int, int | None, int, int, int | None]]:
    """Return (id, owner id, interactions, substantive ones, customer id) of the open deals
    whose interactions are mostly without progress."""
    params = rule(AlertKind.NO_PROGRESS)
    # non-substantive / total >= min_share, compared in integers (per mille) so
    # both databases round the same way.
    share_per_mille = round(params["min_share"] * 1000)
    return list(
        Opportunity.objects.filter(
            status=OpportunityStatus.OPEN, interaction_count__gte=int(params["min_interactions"])
        )
        .alias(
            non_substantive_scaled=(F("interaction_count") - F("substantive_count")) * 1000,
            required_scaled=F("interaction_count") * share_per_mille,
        )
        .filter(non_substantive_scaled__gte=F("required_scaled"))
        .order_by()
        .values_list("id", "owner_id", "interaction_count", "substantive_count", "customer_id")
    )


def no_progress_findings(now: dt.datetime) -> list[Finding]:
    return [
        Finding(
            subject_key=f"opportunity:{pk}",
            owner_id=owner_id,
            opportunity_id=pk,
            customer_id=customer_id,
            evidence={
                "opportunity_id": pk,
                "interactions": total,
                "non_substantive": total - substantive,
                "share": round((total - substantive) / total, 3),
            },
        )
        for pk, owner_id, total, substantive, customer_id in no_progress_deals(now)
    ]


def detect_no_progress(now: dt.datetime | None = None) -> DetectorResult:
    return _run(AlertKind.NO_PROGRESS, no_progress_findings, now)


# 4. Untouched leads


def stale_leads(now: dt.datetime) -> list[tuple[int, int | None, dt.datetime]]:
    """Return (id, owner id, last touch) of the open leads whose last activity, or
    creation when never touched, is more than the rule's idle days ago."""
    params = rule(AlertKind.STALE_LEAD)
    leads = (
        Lead.objects.filter(status__in=OPEN_LEAD_STATUSES)
        .alias(last_touch_at=Coalesce("last_activity_at", "created_at"))
        .filter(last_touch_at__lt=now - dt.timedelta(days=params["idle_days"]))
        .annotate(last_touch_epoch=EpochSeconds("last_touch_at"))
        .order_by()
        .values_list("id", "owner_id", "last_touch_epoch")
    )
    return [(pk, owner_id, from_epoch(seconds)) for pk, owner_id, seconds in leads]


def stale_lead_findings(now: dt.datetime) -> list[Finding]:
    return [
        Finding(
            subject_key=f"lead:{pk}",
            owner_id=owner_id,
            lead_id=pk,
            evidence={
                "lead_id": pk,
                "last_touch_at": _iso(last_touch_at),
                "idle_days": (now - last_touch_at).days,
            },
        )
        for pk, owner_id, last_touch_at in stale_leads(now)
    ]


def detect_stale_leads(now: dt.datetime | None = None) -> DetectorResult:
    return _run(AlertKind.STALE_LEAD, stale_lead_findings, now)


# 5. Deals in a stage longer than its p90 dwell


def _stage_names(stage_ids: set[int]) -> dict[int, str]:
    return dict(Stage.objects.filter(pk__in=stage_ids).values_list("id", "name")) if stage_ids else {}


def stage_p90_days(*, since: dt.datetime | None = None, min_stays: int = 1) -> dict[int, float]:
    """Return the p90 dwell days per open stage over completed stays that ended after ``since``."""
    # A subquery on the stages rather than a join: SQLite would otherwise walk the stays
    # through the stage index, one random read per stay.
    open_stages = Stage.objects.filter(kind=StageKind.OPEN).values("pk")
    stays = StageInterval.objects.filter(left_at__isnull=False, stage_id__in=open_stages)
    if since is not None:
        stays = stays.filter(left_at__gte=since)
    if connection.vendor == "postgresql":
        return _p90_from_dwell_index(stays, min_stays)
    percentiles = percentiles_by_group(stays, ["stage_id"], elapsed_seconds("entered_at", "left_at"), (P90,))
    return {
        key[0]: values[0] / SECONDS_PER_DAY
        for key, (count, values) in percentiles.items()
        if count >= min_stays and values[0] is not None
    }


def _p90_from_dwell_index(stays: QuerySet[StageInterval], min_stays: int) -> dict[int, float]:
    """Return percentile_cont(0.9) of the dwell days per stage without sorting every stay (PostgreSQL).

    Counting the stays per stage gives the two ranks around the p90. The partial index
    ``stay_by_stage_dwell`` keeps each stage's completed stays ordered by dwell, so reading
    those two values from the longest end walks about a tenth of the stage's stays,
    where percentile_cont would sort all of them.
    """
    counts = dict(stays.values("stage_id").annotate(stays=Count("*")).values_list("stage_id", "stays").order_by())
    result = {}
    for stage_id, count in counts.items():
        if count < min_stays:
            continue
        position = (count - 1) * P90
        low = math.floor(position)
        # Ranks low and low + 1 (from 0, shortest first) are these offsets from the longest end.
        first = max(count - 2 - low, 0)
        values = list(
            stays.filter(stage_id=stage_id)
            .annotate(dwell=elapsed_seconds("entered_at", "left_at"))
            .order_by("-dwell")
            .values_list("dwell", flat=True)[first : first + 2]
        )
        high_value, low_value = values[0], values[-1]  # one value when the stage has one stay
        result[stage_id] = (low_value + (high_value - low_value) * (position - low)) / SECONDS_PER_DAY
    return result


@dataclass(frozen=True)
class StuckDeals:
    deals: list[tuple]  # (id, owner id, stage id, entered the stage at, customer id)
    stage_p90_days: dict[int, float]


def stuck_deals(now: dt.datetime) -> StuckDeals:
    """Return the p90 dwell days per stage and the open deals in a stage for longer than its p90."""
    params = rule(AlertKind.STUCK_DEAL)
    p90 = stage_p90_days(since=now - dt.timedelta(days=params["history_days"]), min_stays=int(params["min_stays"]))
    if not p90:
        return StuckDeals([], p90)
    condition = Q()
    for stage_id, days in p90.items():
        condition |= Q(stage_id=stage_id, stage_entered_at__lt=now - dt.timedelta(days=days))
    deals = (
        Opportunity.objects.filter(condition, status=OpportunityStatus.OPEN)
        .annotate(entered_epoch=EpochSeconds("stage_entered_at"))
        .order_by()
        .values_list("id", "owner_id", "stage_id", "entered_epoch", "customer_id")
    )
    rows = [
        (pk, owner_id, stage_id, from_epoch(entered), customer_id)
        for pk, owner_id, stage_id, entered, customer_id in deals
    ]
    return StuckDeals(rows, p90)


def stuck_deal_findings(now: dt.datetime) -> list[Finding]:
    stuck = stuck_deals(now)
    p90, deals = stuck.stage_p90_days, stuck.deals
    names = _stage_names(set(p90))
    return [
        Finding(
            subject_key=f"opportunity:{pk}:stage:{stage_id}",
            owner_id=owner_id,
            opportunity_id=pk,
            customer_id=customer_id,
            evidence={
                "opportunity_id": pk,
                "stage_id": stage_id,
                "stage_name": names.get(stage_id, ""),
                "stage_entered_at": _iso(entered_at),
                "days_in_stage": round((now - entered_at).total_seconds() / SECONDS_PER_DAY, 1),
                "stage_p90_days": round(p90[stage_id], 1),
            },
        )
        for pk, owner_id, stage_id, entered_at, customer_id in deals
    ]


def detect_stuck_deals(now: dt.datetime | None = None) -> DetectorResult:
    return _run(AlertKind.STUCK_DEAL, stuck_deal_findings, now)


# 6. Losses concentrated at a follow-up count


def _team_managers() -> dict[int, int]:
    """Return {team id: id of its manager with the lowest id}."""
    managers: dict[int, int] = {}
    for team_id, user_id in (
        User.objects.filter(role=Role.MANAGER, team__isnull=False, is_active=True)
        .order_by("team_id", "id")
        .values_list("team_id", "id")
    ):
        managers.setdefault(team_id, user_id)
    return managers


def recent_lost_deals(now: dt.datetime) -> list[tuple[int, int, int]]:
    """Return (team id, follow-ups before close, id) of the deals lost within the rule's
    lookback whose owner is in a team, by id. The follow-ups are the activity fact the
    services keep (``Opportunity.followups_before_close``)."""
    params = rule(AlertKind.LOSS_FOLLOWUP_CONCENTRATION)
    return list(
        Opportunity.objects.filter(
            status=OpportunityStatus.LOST,
            closed_at__gte=now - dt.timedelta(days=params["lookback_days"]),
            closed_at__lt=now,
            owner__team__isnull=False,
        )
        .values_list("owner__team_id", "followups_before_close", "id")
        .order_by("id")
    )


def loss_concentration_findings(now: dt.datetime) -> list[Finding]:
    params = rule(AlertKind.LOSS_FOLLOWUP_CONCENTRATION)
    low, high = int(params["low"]), int(params["high"])
    lost = recent_lost_deals(now)
    histograms: dict[int, Counter[int]] = defaultdict(Counter)
    in_range_ids: dict[int, list[int]] = defaultdict(list)
    for team_id, followups, pk in lost:
        histograms[team_id][followups] += 1
        if low <= followups <= high:
            in_range_ids[team_id].append(pk)
    managers = _team_managers()
    findings = []
    for team_id, histogram in sorted(histograms.items()):
        total = sum(histogram.values())
        in_range = sum(count for followups, count in histogram.items() if low <= followups <= high)
        share = in_range / total
        if total < params["min_lost"] or share <= params["max_share"]:
            continue
        findings.append(
            Finding(
                subject_key=f"team:{team_id}",
                owner_id=managers.get(team_id),
                team_id=team_id,
                evidence={
                    "team_id": team_id,
                    "lost_deals": total,
                    "in_range": in_range,
                    "low": low,
                    "high": high,
                    "share": round(share, 3),
                    "histogram": {str(key): histogram[key] for key in sorted(histogram)},
                    "opportunity_ids": in_range_ids[team_id][:50],
                },
            )
        )
    return findings


def detect_loss_followup_concentration(now: dt.datetime | None = None) -> DetectorResult:
    return _run(AlertKind.LOSS_FOLLOWUP_CONCENTRATION, loss_concentration_findings, now)


DETECTORS: dict[str, Callable[..., DetectorResult]] = {
    AlertKind.MULTI_REP_CUSTOMER: detect_multi_rep_customers,
    AlertKind.REPEATED_REGRESSION: detect_repeated_regressions,
    AlertKind.NO_PROGRESS: detect_no_progress,
    AlertKind.STALE_LEAD: detect_stale_leads,
    AlertKind.STUCK_DEAL: detect_stuck_deals,
    AlertKind.LOSS_FOLLOWUP_CONCENTRATION: detect_loss_followup_concentration,
}


# The query behind each detector, with the rule's parameters: what the bench times
# against DuckDB, apart from turning rows into alerts and storing them.
DETECTOR_QUERIES: dict[str, Callable[[dt.datetime], object]] = {
    AlertKind.MULTI_REP_CUSTOMER: multi_rep_windows,
    AlertKind.REPEATED_REGRESSION: regression_runs,
    AlertKind.NO_PROGRESS: no_progress_deals,
    AlertKind.STALE_LEAD: stale_leads,
    AlertKind.STUCK_DEAL: stuck_deals,
    AlertKind.LOSS_FOLLOWUP_CONCENTRATION: recent_lost_deals,
}


def run_detectors(kinds: list[str] | None = None, now: dt.datetime | None = None) -> list[DetectorResult]:
    """Run the named detectors (all by default) one after another."""
    unknown = set(kinds or []) - set(DETECTORS)
    if unknown:
        raise ValueError(f"unknown detector(s) {sorted(unknown)}; known: {sorted(DETECTORS)}")
    return [DETECTORS[kind](now) for kind in (kinds or list(DETECTORS))]


# --- Reading stored alerts -------------------------------------------------------------


def visible_alerts(user: User) -> QuerySet[Alert]:
    """Alerts whose owner ``user`` may see; alerts without an owner only for workspace-wide roles."""
    alerts = Alert.objects.filter(owned_by_visible_users(user))
    if not user.sees_everything:
        alerts = alerts.filter(owner__isnull=False)
    return alerts


def list_alerts(
    user: User, *, kind: str = "", owner_id: int | None = None, status: str = AlertStatus.OPEN
) -> QuerySet[Alert]:
    alerts = visible_alerts(user).select_related("owner", "customer", "opportunity", "lead", "team")
    if kind:
        alerts = alerts.filter(kind=kind)
    if owner_id:
        alerts = alerts.filter(owner_id=owner_id)
    if status:
        alerts = alerts.filter(status=status)
    return alerts.order_by("-first_seen", "-id")


@dataclass(frozen=True)
class Freshness:
    kind: str
    last_run_at: dt.datetime | None
    duration_ms: int | None
    found: int | None


def detector_freshness() -> list[Freshness]:
    """Return the last run of every detector (one query)."""
    latest = {run.kind: run for run in DetectorRun.objects.filter(pk__in=_latest_run_ids())}
    return [
        Freshness(kind, run.started_at if run else None, run.duration_ms if run else None, run.found if run else None)
        for kind in DETECTORS
        for run in [latest.get(kind)]
    ]


def _latest_run_ids():
    return DetectorRun.objects.values("kind").annotate(last=Max("id")).values("last")
