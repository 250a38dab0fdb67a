"""Process health (过程健康度): three metrics, each with its threshold, status, weekly
trend over the last 12 local weeks, and the rows behind it.

1. Leads followed up within 48 working hours: of the leads created in the period, the
   percent whose first follow-up came within 48 hours on the working-time clock (see
   ``worktime``). A lead not yet followed up counts as missed once 48 working hours have
   passed by ``as_of`` and is left out until then.
2. Spread of dwell days across reps: for each open stage, the population standard
   deviation across reps of each rep's mean dwell days in that stage, over completed
   stays that ended in the period. The rep of a stay is the deal's owner when it
   entered the stage. "Overall" is the same over each rep's mean across all open stages.
   A stage with fewer than two reps has no spread.
3. Objection resolution of top reps: the median days from raised to resolved of the
   objections resolved in the period on deals of the top 20 % of reps by won amount in
   the period. The top is ceil(20 % of the reps with won deals), so at least one rep.
   The same median is listed for every rep for comparison.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Case, Count, Q, Sum, When
from django.db.models.functions import TruncWeek
from django.utils.translation import gettext_lazy as _

from salespulse.accounts.models import User
from salespulse.accounts.scopes import owned_by_visible_users
from salespulse.analytics.dbfunctions import SecondsBetween
from salespulse.analytics.models import HealthMetric, HealthThreshold, ThresholdDirection
from salespulse.analytics.selectors import Period
from salespulse.analytics.worktime import WorkCalendar, load_calendar
from salespulse.core.timeutil import local_date, local_zone, start_of_local_day
from salespulse.crm.models import OpportunityStatus
from salespulse.crm.selectors import visible_leads, visible_opportunities, visible_stage_intervals
from salespulse.pipeline.models import Objection, Stage, StageKind

TENTH = Decimal("0.1")
SECONDS_PER_DAY = 86400.0
TREND_WEEKS = 12
RESPONSE_TARGET_HOURS = 48
TOP_REP_SHARE = 0.2
DRILL_DOWN_LIMIT = 50


@dataclass(frozen=True)
class Threshold:
    metric: str
    target: Decimal
    direction: str
    warn_margin: Decimal


DEFAULT_THRESHOLDS = {
    HealthMetric.FIRST_FOLLOWUP: Threshold(
        HealthMetric.FIRST_FOLLOWUP, Decimal("95"), ThresholdDirection.AT_LEAST, Decimal("5")
    ),
    HealthMetric.DWELL_SPREAD: Threshold(
        HealthMetric.DWELL_SPREAD, Decimal("2.3"), ThresholdDirection.AT_MOST, Decimal("0.5")
    ),
    HealthMetric.OBJECTION_RESOLUTION: Threshold(
        HealthMetric.OBJECTION_RESOLUTION, Decimal("1.8"), ThresholdDirection.AT_MOST, Decimal("0.5")
    ),
}


class Status:
    OK = "ok"
    WARN = "warn"
    FAIL = "fail"
    NO_DATA = "no_data"


STATUS_LABELS = {
    Status.OK: _("OK"),
    Status.WARN: _("Warning"),
    Status.FAIL: _("Failing"),
    Status.NO_DATA: _("No data"),
}


def thresholds() -> dict[str, Threshold]:
    """Return the threshold of every metric: the configured row, else the default."""
    configured = {
        row.metric: Threshold(row.metric, row.target, row.direction, row.warn_margin)
        for row in HealthThreshold.objects.all()
    }
    return {metric: configured.get(metric, default) for metric, default in DEFAULT_THRESHOLDS.items()}


def status_of(value: Decimal | None, threshold: Threshold) -> str:
    """Return ok when ``value`` meets the target, warn when it misses by at most the
    warning margin, fail otherwise, and no_data without a value."""
    if value is None:
        return Status.NO_DATA
    if threshold.direction == ThresholdDirection.AT_LEAST:
        shortfall = threshold.target - value
    else:
        shortfall = value - threshold.target
    if shortfall <= 0:
        return Status.OK
    if shortfall <= threshold.warn_margin:
        return Status.WARN
    return Status.FAIL


def _decimal(value: float | None) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(TENTH, rounding=ROUND_HALF_UP)


def trend_weeks(period: Period) -> list[dt.date]:
    """Return the Mondays of the 12 local weeks ending with the week of the period's last day."""
    last_monday = period.end - dt.timedelta(days=period.end.weekday())
    return [last_monday - dt.timedelta(weeks=offset) for offset in range(TREND_WEEKS - 1, -1, -1)]


def _week_start(value: dt.datetime | dt.date) -> dt.date:
    """Return the first day of a truncated week, which the database may return as a
    datetime or as a date."""
    return value.date() if isinstance(value, dt.datetime) else value


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


@dataclass(frozen=True)
class TrendPoint:
    week_start: dt.date
    value: Decimal | None


@dataclass(frozen=True)
class HealthFigure:
    """One metric: its value in the period, threshold, status and weekly trend.
    ``details`` holds the metric's own drill-down dataclass."""

    metric: str
    value: Decimal | None
    threshold: Threshold
    trend: list[TrendPoint]
    details: object = None

    @property
    def status(self) -> str:
        return status_of(self.value, self.threshold)

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])

    @property
    def label(self) -> str:
        return str(HealthMetric(self.metric).label)


# 1. First follow-up within 48 working hours


@dataclass(frozen=True)
class LeadResponse:
    lead_id: int
    name: str
    owner_name: str
    created_at: dt.datetime
    first_followup_at: dt.datetime | None
    working_hours: Decimal


@dataclass(frozen=True)
class FollowupDetails:
    met: int
    missed: int
    pending: int
    missed_leads: list[LeadResponse]


def classify_response(
    calendar: WorkCalendar, created_at: dt.datetime, first_followup_at: dt.datetime | None, as_of: dt.datetime
) -> tuple[str, float]:
    """Return ("met" | "missed" | "pending", working hours waited) for one lead."""
    if first_followup_at is not None:
        hours = calendar.working_hours(created_at, first_followup_at)
        return ("met" if hours <= RESPONSE_TARGET_HOURS else "missed"), hours
    hours = calendar.working_hours(created_at, as_of)
    return ("missed" if hours > RESPONSE_TARGET_HOURS else "pending"), hours


def first_followup_health(
    user: User, period: Period, as_of: dt.datetime, threshold: Threshold, calendar: WorkCalendar
) -> HealthFigure:
    weeks = trend_weeks(period)
    start = start_of_local_day(min(period.start, weeks[0]))
    end = start_of_local_day(max(period.end, weeks[-1] + dt.timedelta(days=6)) + dt.timedelta(days=1))
    period_start, period_end = period.bounds()
    leads = visible_leads(user).filter(created_at__gte=start, created_at__lt=end)

    # Working time never exceeds wall time, so a lead answered within 48 wall-clock hours
    # met the target: the database counts those per week. The margin of one second keeps
    # SQLite's floating-point times away from the boundary; those leads take the exact path.
    quick = Q(first_followup_at__isnull=False, wall_seconds__lte=RESPONSE_TARGET_HOURS * 3600 - 1)
    leads = leads.annotate(wall_seconds=SecondsBetween("created_at", "first_followup_at"))
    met = missed = pending = 0
    weekly: dict[dt.date, list[int]] = defaultdict(lambda: [0, 0])
    counted = (
        leads.filter(quick)
        .annotate(
            week=TruncWeek("created_at", tzinfo=local_zone()),
            in_period=Case(When(created_at__gte=period_start, created_at__lt=period_end, then=1), default=0),
        )
        .values("week", "in_period")
        .annotate(leads=Count("id"))
        .order_by()
    )
    for row in counted:
        week = _week_start(row["week"])
        weekly[week][0] += row["leads"]
        if row["in_period"]:
            met += row["leads"]

    rows = (
        leads.exclude(quick)
        .values_list("id", "name", "owner__display_name", "owner__username", "created_at", "first_followup_at")
        .order_by("created_at", "id")
    )
    missed_leads: list[LeadResponse] = []
    for lead_id, name, display_name, username, created_at, followup_at in rows:
        outcome, hours = classify_response(calendar, created_at, followup_at, as_of)
        day = local_date(created_at)
        if outcome != "pending":
            weekly[_monday(day)][0 if outcome == "met" else 1] += 1
        if not period.start <= day <= period.end:
            continue
        if outcome == "met":
            met += 1
        elif outcome == "missed":
            missed += 1
            missed_leads.append(
                LeadResponse(lead_id, name, display_name or username or "", created_at, followup_at, _decimal(hours))
            )
        else:
            pending += 1

    missed_leads.sort(key=lambda lead: (-lead.working_hours, lead.lead_id))
    return HealthFigure(
        metric=HealthMetric.FIRST_FOLLOWUP,
        value=_percent(met, met + missed),
        threshold=threshold,
        trend=[TrendPoint(week, _percent(*_met_total(weekly.get(week)))) for week in weeks],
        details=FollowupDetails(met, missed, pending, missed_leads[:DRILL_DOWN_LIMIT]),
    )


def _met_total(counts: list[int] | None) -> tuple[int, int]:
    if not counts:
        return 0, 0
    return counts[0], counts[0] + counts[1]


def _percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / whole).quantize(TENTH, rounding=ROUND_HALF_UP)


# 2. Spread of dwell days across reps


@dataclass(frozen=True)
class StageSpread:
    stage_id: int
    stage_name: str
    reps: int
    std_days: Decimal | None


@dataclass(frozen=True)
class RepDwell:
    rep_id: int
    rep_name: str
    overall_days: Decimal | None
    by_stage: dict[int, Decimal]


@dataclass(frozen=True)
class DwellSpreadDetails:
    stages: list[StageSpread]
    reps: list[RepDwell]


def _pstdev(values: list[float]) -> float | None:
    return statistics.pstdev(values) if len(values) >= 2 else None


def dwell_spread_health(user: User, period: Period, threshold: Threshold) -> HealthFigure:
    start, end = period.bounds()
    weeks = trend_weeks(period)
    stays = visible_stage_intervals(user).filter(stage__kind=StageKind.OPEN, owner__isnull=False)
    dwell = SecondsBetween("entered_at", "left_at")

    trend_start = start_of_local_day(weeks[0])
    trend_end = start_of_local_day(weeks[-1] + dt.timedelta(days=7))

    # One grouped scan over the period and the trend weeks. Each group (stage, rep, trend
    # week or none, in period or not) carries a sum and a count, so the means per stage,
    # per rep and per trend week all add up from the same rows.
    groups = (
        stays.filter(left_at__gte=min(start, trend_start), left_at__lt=max(end, trend_end))
        .annotate(
            week=Case(
                When(left_at__gte=trend_start, left_at__lt=trend_end, then=TruncWeek("left_at", tzinfo=local_zone())),
                default=None,
            ),
            in_period=Case(When(left_at__gte=start, left_at__lt=end, then=1), default=0),
        )
        .values("stage_id", "owner_id", "owner__display_name", "owner__username", "week", "in_period")
        .annotate(total=Sum(dwell), stays=Count("id"))
        .order_by()
    )
    stage_totals: dict[tuple[int, int], list[float]] = defaultdict(lambda: [0.0, 0])
    rep_totals: dict[int, list[float]] = defaultdict(lambda: [0.0, 0])
    week_totals: dict[tuple[dt.date, int], list[float]] = defaultdict(lambda: [0.0, 0])
    names: dict[int, str] = {}
    for row in groups:
        total, count, rep_id = float(row["total"]), row["stays"], row["owner_id"]
        if row["in_period"]:
            for totals in (stage_totals[(row["stage_id"], rep_id)], rep_totals[rep_id]):
                totals[0] += total
                totals[1] += count
            names[rep_id] = row["owner__display_name"] or row["owner__username"]
        if row["week"] is not None:
            week = _week_start(row["week"])
            week_totals[(week, rep_id)][0] += total
            week_totals[(week, rep_id)][1] += count
    by_stage: dict[int, dict[int, float]] = defaultdict(dict)
    for (stage_id, rep_id), (total, count) in stage_totals.items():
        by_stage[stage_id][rep_id] = total / count / SECONDS_PER_DAY
    overall = {rep_id: total / count / SECONDS_PER_DAY for rep_id, (total, count) in rep_totals.items()}
    weekly: dict[dt.date, list[float]] = defaultdict(list)
    for (week, _rep_id), (total, count) in week_totals.items():
        weekly[week].append(total / count / SECONDS_PER_DAY)

    stage_rows = Stage.objects.filter(pk__in=by_stage).order_by("pipeline_id", "position")
    details = DwellSpreadDetails(
        stages=[
            StageSpread(
                stage.pk, stage.name, len(by_stage[stage.pk]), _decimal(_pstdev(list(by_stage[stage.pk].values())))
            )
            for stage in stage_rows
        ],
        reps=sorted(
            (
                RepDwell(
                    rep_id,
                    names[rep_id],
                    _decimal(overall[rep_id]),
                    {stage_id: _decimal(means[rep_id]) for stage_id, means in by_stage.items() if rep_id in means},
                )
                for rep_id in overall
            ),
            key=lambda rep: (-(rep.overall_days or 0), rep.rep_name, rep.rep_id),
        ),
    )
    return HealthFigure(
        metric=HealthMetric.DWELL_SPREAD,
        value=_decimal(_pstdev(list(overall.values()))),
        threshold=threshold,
        trend=[TrendPoint(week, _decimal(_pstdev(weekly.get(week, [])))) for week in weeks],
        details=details,
    )


# 3. Objection resolution time of the top reps


@dataclass(frozen=True)
class RepResolution:
    rep_id: int
    rep_name: str
    won_amount: Decimal
    is_top: bool
    resolved: int
    median_days: Decimal | None


@dataclass(frozen=True)
class ResolutionDetails:
    top_reps: int
    everyone_median_days: Decimal | None
    reps: list[RepResolution]


def top_rep_ids(won_by_rep: dict[int, Decimal]) -> set[int]:
    """Return the top 20 % of reps by won amount (ceil, at least one), ties broken by id."""
    ranked = sorted((rep for rep, amount in won_by_rep.items() if amount > 0), key=lambda rep: (-won_by_rep[rep], rep))
    if not ranked:
        return set()
    return set(ranked[: max(1, math.ceil(len(ranked) * TOP_REP_SHARE))])


def objection_resolution_health(user: User, period: Period, threshold: Threshold) -> HealthFigure:
    start, end = period.bounds()
    weeks = trend_weeks(period)
    won_rows = (
        visible_opportunities(user)
        .filter(status=OpportunityStatus.WON, closed_at__gte=start, closed_at__lt=end, owner__isnull=False)
        .values("owner_id")
        .annotate(amount=Sum("won_amount"), deals=Count("id"))
        .order_by()
    )
    # The sum only ranks reps (SQLite sums decimals as floats); amounts are shown rounded.
    won_by_rep = {row["owner_id"]: Decimal(str(row["amount"] or 0)) for row in won_rows}
    top = top_rep_ids(won_by_rep)

    trend_start = start_of_local_day(weeks[0])
    trend_end = start_of_local_day(weeks[-1] + dt.timedelta(days=7))
    # Durations and weeks come from the database, so no datetime is parsed per objection.
    rows = (
        Objection.objects.filter(owned_by_visible_users(user, "opportunity__owner"))
        .filter(resolved_at__isnull=False, opportunity__owner__isnull=False)
        .filter(resolved_at__gte=min(start, trend_start), resolved_at__lt=max(end, trend_end))
        .annotate(
            seconds=SecondsBetween("raised_at", "resolved_at"),
            week=TruncWeek("resolved_at", tzinfo=local_zone()),
            in_period=Case(When(resolved_at__gte=start, resolved_at__lt=end, then=1), default=0),
        )
        .order_by()
        .values_list(
            "opportunity__owner_id",
            "opportunity__owner__display_name",
            "opportunity__owner__username",
            "seconds",
            "week",
            "in_period",
        )
    )
    per_rep: dict[int, list[float]] = defaultdict(list)
    names: dict[int, str] = {}
    weekly: dict[dt.date, list[float]] = defaultdict(list)
    for owner_id, display_name, username, seconds, week, in_period in rows:
        days = seconds / SECONDS_PER_DAY
        if owner_id in top:
            weekly[_week_start(week)].append(days)
        if in_period:
            per_rep[owner_id].append(days)
            names[owner_id] = display_name or username
    top_days = [days for rep, values in per_rep.items() if rep in top for days in values]
    everyone_days = [days for values in per_rep.values() for days in values]

    reps = [
        RepResolution(
            rep_id,
            names[rep_id],
            won_by_rep.get(rep_id, Decimal(0)).quantize(Decimal("0.01")),
            rep_id in top,
            len(values),
            _decimal(statistics.median(values)),
        )
        for rep_id, values in per_rep.items()
    ]
    reps.sort(key=lambda rep: (not rep.is_top, -rep.won_amount, rep.rep_name, rep.rep_id))
    return HealthFigure(
        metric=HealthMetric.OBJECTION_RESOLUTION,
        value=_decimal(statistics.median(top_days)) if top_days else None,
        threshold=threshold,
        trend=[
            TrendPoint(week, _decimal(statistics.median(weekly[week])) if weekly.get(week) else None) for week in weeks
        ],
        details=ResolutionDetails(
            top_reps=len(top),
            everyone_median_days=_decimal(statistics.median(everyone_days)) if everyone_days else None,
            reps=reps,
        ),
    )


@dataclass(frozen=True)
class HealthReport:
    period: Period
    as_of: dt.datetime
    figures: list[HealthFigure] = field(default_factory=list)

    def figure(self, metric: str) -> HealthFigure:
        return next(figure for figure in self.figures if figure.metric == metric)


def process_health(user: User, period: Period, as_of: dt.datetime | None = None) -> HealthReport:
    """Return the three process-health metrics over what ``user`` may see."""
    from django.utils import timezone

    as_of = as_of or timezone.now()
    limits = thresholds()
    calendar = load_calendar()
    return HealthReport(
        period=period,
        as_of=as_of,
        figures=[
            first_followup_health(user, period, as_of, limits[HealthMetric.FIRST_FOLLOWUP], calendar),
            dwell_spread_health(user, period, limits[HealthMetric.DWELL_SPREAD]),
            objection_resolution_health(user, period, limits[HealthMetric.OBJECTION_RESOLUTION]),
        ],
    )
