"""Funnel and velocity: stage conversion, dwell percentiles, win rate and cycle time.

Definitions (periods are local calendar days, see ``selectors.Period``):

* conversion of stage k: of the deals that entered open stage k during the period, the
  share that later entered a stage with a higher position that is not a lost stage (a
  later open stage, or won). "Later" is any time after that entry, up to now. A deal
  that entered stage k twice counts once, as converted if any of its entries moved on;
* dwell: the length of a completed stay (stage interval with ``left_at``) that ended
  in the period; median and p90 per stage use linear interpolation (percentile_cont);
* win rate: won / (won + lost) of the deals closed in the period;
* cycle time: mean days from creation to close of the deals won in the period.

"By" groups deals on their current owner's team, their current owner, the customer's
channel or the product line. Each figure comes with the previous period of the same
length and the change (percentage points for rates, days for times).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.db.models import Avg, Case, Count, F, IntegerField, Max, Q, Value, When, Window
from django.db.models.expressions import RowRange
from django.db.models.functions import TruncDate, TruncMonth
from django.utils.translation import gettext_lazy as _

from salespulse.accounts.models import User
from salespulse.analytics.dbfunctions import SecondsBetween, elapsed_seconds, percentiles_by_group
from salespulse.analytics.selectors import Period
from salespulse.core.timeutil import local_zone
from salespulse.crm.models import OpportunityStatus
from salespulse.crm.selectors import visible_leads, visible_opportunities, visible_stage_intervals
from salespulse.pipeline.models import Stage, StageKind

TENTH = Decimal("0.1")
SECONDS_PER_DAY = 86400.0

# Grouping name → (path from Opportunity to the group id, path to its label).
GROUPINGS: dict[str, tuple[str, str]] = {
    "team": ("owner__team_id", "owner__team__name"),
    "rep": ("owner_id", "owner__display_name"),
    "channel": ("customer__channel_id", "customer__channel__name"),
    "product_line": ("product_line_id", "product_line__name"),
}
GROUPING_LABELS = {
    "": _("All deals"),
    "team": _("Team"),
    "rep": _("Rep"),
    "channel": _("Customer channel"),
    "product_line": _("Product line"),
}


def previous_period(period: Period) -> Period:
    """Return the period of the same number of days that ends the day before ``period``."""
    length = period.end - period.start
    end = period.start - dt.timedelta(days=1)
    return Period(end - length, end)


def _decimal(value: float | None) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(TENTH, rounding=ROUND_HALF_UP)


def _days(seconds: float | None) -> Decimal | None:
    return None if seconds is None else _decimal(seconds / SECONDS_PER_DAY)


def _share(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / whole).quantize(TENTH, rounding=ROUND_HALF_UP)


def _change(current: Decimal | None, previous: Decimal | None) -> Decimal | None:
    if current is None or previous is None:
        return None
    return current - previous


@dataclass(frozen=True)
class StageFigures:
    entered: int = 0
    advanced: int = 0
    completed_stays: int = 0
    median_days: Decimal | None = None
    p90_days: Decimal | None = None

    @property
    def conversion(self) -> Decimal | None:
        """Percent of the deals that entered the stage and moved on, one decimal."""
        return _share(self.advanced, self.entered)


@dataclass(frozen=True)
class StageVelocity:
    stage_id: int
    stage_code: str
    stage_name: str
    stage_name_en: str
    current: StageFigures
    previous: StageFigures

    @property
    def conversion_change(self) -> Decimal | None:
        return _change(self.current.conversion, self.previous.conversion)

    @property
    def median_change(self) -> Decimal | None:
        return _change(self.current.median_days, self.previous.median_days)

    @property
    def p90_change(self) -> Decimal | None:
        return _change(self.current.p90_days, self.previous.p90_days)


@dataclass(frozen=True)
class CloseFigures:
    won: int = 0
    lost: int = 0
    average_cycle_days: Decimal | None = None

    @property
    def win_rate(self) -> Decimal | None:
        return _share(self.won, self.won + self.lost)


@dataclass(frozen=True)
class GroupVelocity:
    """Figures of one group (a team, rep, channel or product line; ``key`` None is
    "none", e.g. deals of customers without a channel)."""

    key: int | None
    label: str
    stages: list[StageVelocity]
    current: CloseFigures
    previous: CloseFigures

    @property
    def win_rate_change(self) -> Decimal | None:
        return _change(self.current.win_rate, self.previous.win_rate)

    @property
    def cycle_change(self) -> Decimal | None:
        return _change(self.current.average_cycle_days, self.previous.average_cycle_days)


@dataclass(frozen=True)
class FunnelVelocity:
    period: Period
    previous_period: Period
    by: str
    overall: GroupVelocity
    groups: list[GroupVelocity] = field(default_factory=list)


@dataclass
class _Measures:
    stages: dict[tuple, StageFigures]
    closes: dict[object, CloseFigures]
    labels: dict[object, str]


def _group_paths(by: str, prefix: str = "") -> tuple[list[str], str | None]:
    if not by:
        return [], None
    key_path, label_path = GROUPINGS[by]
    return [prefix + key_path], prefix + label_path


def _measure(
    user: User, periods: Sequence[Period], by: str, counts: dict[tuple, tuple[int, int]] | None = None
) -> list[_Measures]:
    """Return the figures of each of ``periods`` (stage keys carry the group key when
    ``by`` is set). Conversion counts come from one query for all periods (or from
    ``counts``, as returned by ``_entry_counts``), dwell percentiles from one more."""
    key_fields, _label = _group_paths(by, "opportunity__")
    intervals = visible_stage_intervals(user)
    bounds = [period.bounds() for period in periods]
    if counts is None:
        counts = _entry_counts(intervals, bounds, key_fields[0] if key_fields else None)

    # Dwell: completed stays that ended during each period.
    stays = intervals.filter(
        left_at__gte=min(start for start, _end in bounds),
        left_at__lt=max(end for _start, end in bounds),
        # A subquery rather than a join keeps SQLite from reading the stays in stage order.
        stage_id__in=Stage.objects.filter(kind=StageKind.OPEN).values("pk"),
    ).annotate(_period=_period_index("left_at", bounds))
    percentiles = percentiles_by_group(
        stays, ["_period", "stage_id", *key_fields], elapsed_seconds("entered_at", "left_at"), (0.5, 0.9)
    )

    closes_by_period, labels = _measure_closes(user, bounds, by)
    measures = []
    for index in range(len(bounds)):
        stages: dict[tuple, StageFigures] = {}
        period_counts = {key[1:]: value for key, value in counts.items() if key[0] == index}
        period_percentiles = {key[1:]: value for key, value in percentiles.items() if key[0] == index}
        for key in set(period_counts) | set(period_percentiles):
            entered, advanced = period_counts.get(key, (0, 0))
            completed, (median, p90) = period_percentiles.get(key, (0, (None, None)))
            stages[key] = StageFigures(entered, advanced, completed, _days(median), _days(p90))
        measures.append(_Measures(stages, closes_by_period[index], labels))
    return measures


def _period_index(field_name: str, bounds: Sequence[tuple[dt.datetime, dt.datetime]]) -> Case:
    """Index of the period whose bounds hold ``field_name``, NULL if none does."""
    return Case(
        *(
            When(**{f"{field_name}__gte": start, f"{field_name}__lt": end}, then=Value(index))
            for index, (start, end) in enumerate(bounds)
        ),
        default=None,
        output_field=IntegerField(),
    )


def _entry_counts(intervals, bounds, key_path: str | None) -> dict[tuple, tuple[int, int]]:
    """Return ``{(period index, stage id[, group key]): (entered, advanced)}``: the deals
    that entered each open stage during each period, and how many of them moved on.

    A window over each deal's stays gives the highest position of a non-lost stage
    among its later stays. The entry moved on if that position is above its own. Later
    stays of an entry made on or after the earliest period start also start after it,
    so the window only needs the stays from there on. Stays of one deal that began at
    the same instant count in id order.
    """
    later_position = Window(
        Max(
            Case(When(stage__kind=StageKind.LOST, then=None), default=F("stage__position"), output_field=IntegerField())
        ),
        partition_by=[F("opportunity_id")],
        order_by=[F("entered_at").asc(), F("pk").asc()],
        frame=RowRange(start=1, end=None),
    )
    entries = (
        intervals.filter(entered_at__gte=min(start for start, _end in bounds))
        .annotate(
            _opportunity=F("opportunity_id"),
            _stage=F("stage_id"),
            _open=Case(When(stage__kind=StageKind.OPEN, then=Value(1)), default=Value(0)),
            _period=_period_index("entered_at", bounds),
            _position=F("stage__position"),
            _later=later_position,
            _key=F(key_path) if key_path else Value(None, output_field=IntegerField()),
        )
        .values("_opportunity", "_stage", "_open", "_period", "_position", "_later", "_key")
        .order_by()
    )
    inner_sql, params = entries.query.sql_with_params()
    sql = (
        "SELECT _period, _stage, _key, COUNT(DISTINCT _opportunity),"
        " COUNT(DISTINCT CASE WHEN _later > _position THEN _opportunity END)"
        f" FROM ({inner_sql}) entries WHERE _open = 1 AND _period IS NOT NULL"
        " GROUP BY _period, _stage, _key"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    counts: dict[tuple, tuple[int, int]] = {}
    for period, stage_id, key, entered, advanced in rows:
        counts[(period, stage_id, key) if key_path else (period, stage_id)] = (entered, advanced)
    return counts


def _measure_closes(user: User, bounds: Sequence[tuple[dt.datetime, dt.datetime]], by: str):
    """Return ``([{group key: CloseFigures} per period], {group key: label})`` in one query."""
    key_fields, label_field = _group_paths(by)
    closed = (
        visible_opportunities(user)
        .filter(
            closed_at__gte=min(start for start, _end in bounds),
            closed_at__lt=max(end for _start, end in bounds),
            status__in=[OpportunityStatus.WON, OpportunityStatus.LOST],
        )
        .annotate(_period=_period_index("closed_at", bounds))
    )
    figures = {
        "won": Count("id", filter=Q(status=OpportunityStatus.WON)),
        "lost": Count("id", filter=Q(status=OpportunityStatus.LOST)),
        "cycle": Avg(SecondsBetween("created_at", "closed_at"), filter=Q(status=OpportunityStatus.WON)),
    }
    group_fields = ["_period", *key_fields, *([label_field] if label_field else [])]
    rows = closed.values(*group_fields).annotate(**figures).order_by()
    closes: list[dict[object, CloseFigures]] = [{} for _bounds in bounds]
    labels: dict[object, str] = {}
    for row in rows:
        if row["_period"] is None:
            continue
        key = row[key_fields[0]] if key_fields else None
        closes[row["_period"]][key] = CloseFigures(row["won"], row["lost"], _days(row["cycle"]))
        if label_field:
            labels[key] = row[label_field] or ""
    return closes, labels


def _open_stages() -> list[Stage]:
    """Return the open stages, the default pipeline's first, each pipeline in position order."""
    return list(Stage.objects.filter(kind=StageKind.OPEN).order_by("-pipeline__is_default", "pipeline_id", "position"))


def funnel_velocity(user: User, period: Period, by: str = "") -> FunnelVelocity:
    """Return the funnel and velocity figures of the deals ``user`` may see, overall and
    per group of ``by`` ("", "team", "rep", "channel" or "product_line")."""
    if by and by not in GROUPINGS:
        raise ValueError(f"unknown grouping {by!r}; use one of {sorted(GROUPINGS)}")
    before = previous_period(period)
    stages = _open_stages()
    if not by:
        overall_now, overall_before = _measure(user, [period, before], "")
        overall = _group(None, str(GROUPING_LABELS[""]), stages, overall_now, overall_before, ())
        return FunnelVelocity(period, before, by, overall)

    # Every grouping is a function of the deal, so the overall conversion counts are the
    # sums of the groups' counts.
    bounds = [period.bounds(), before.bounds()]
    counts = _entry_counts(visible_stage_intervals(user), bounds, "opportunity__" + GROUPINGS[by][0])
    totals: dict[tuple, tuple[int, int]] = {}
    for (index, stage_id, _key), (entered, advanced) in counts.items():
        entered_sum, advanced_sum = totals.get((index, stage_id), (0, 0))
        totals[(index, stage_id)] = (entered_sum + entered, advanced_sum + advanced)
    overall_now, overall_before = _measure(user, [period, before], "", totals)
    overall = _group(None, str(GROUPING_LABELS[""]), stages, overall_now, overall_before, ())
    now_measures, before_measures = _measure(user, [period, before], by, counts)
    keys = {key[1] for key in now_measures.stages} | set(now_measures.closes)
    labels = {**before_measures.labels, **now_measures.labels, **_labels(by, keys)}
    groups = [_group(key, labels.get(key, ""), stages, now_measures, before_measures, (key,)) for key in keys]
    groups.sort(key=lambda group: (-(group.current.won + group.current.lost), group.label, group.key or 0))
    return FunnelVelocity(period, before, by, overall, groups)


def _labels(by: str, keys: set) -> dict:
    """Return names of groups that had stage activity but no closed deal (one query)."""
    from salespulse.accounts.models import Team
    from salespulse.crm.models import Channel, ProductLine

    model = {"team": Team, "rep": User, "channel": Channel, "product_line": ProductLine}[by]
    ids = [key for key in keys if key is not None]
    if not ids:
        return {}
    return {item.pk: str(item) for item in model.objects.filter(pk__in=ids)}


def _group(key, label, stages, now: _Measures, before: _Measures, suffix: tuple) -> GroupVelocity:
    empty = StageFigures()
    return GroupVelocity(
        key=key,
        label=label,
        stages=[
            StageVelocity(
                stage.pk,
                stage.code,
                stage.name,
                stage.name_en,
                now.stages.get((stage.pk, *suffix), empty),
                before.stages.get((stage.pk, *suffix), empty),
            )
            for stage in stages
        ],
        current=now.closes.get(key, CloseFigures()),
        previous=before.closes.get(key, CloseFigures()),
    )


# --- Local calendar buckets ------------------------------------------------------------


@dataclass(frozen=True)
class Bucket:
    """Records counted in one local day or month (``start`` is the first local day)."""

    start: dt.date
    count: int


def _local_buckets(queryset, field_name: str, trunc) -> list[Bucket]:
    rows = (
        queryset.annotate(bucket=trunc(field_name, tzinfo=local_zone()))
        .values("bucket")
        .annotate(count=Count("id"))
        .order_by("bucket")
    )
    return [
        Bucket(row["bucket"].date() if isinstance(row["bucket"], dt.datetime) else row["bucket"], row["count"])
        for row in rows
    ]


def leads_by_local_month(user: User, period: Period) -> list[Bucket]:
    """Return leads created per month of the local calendar (settings.TIME_ZONE): a lead
    created at 23:59 local on 31 March belongs to March even though it is 15:59 UTC."""
    start, end = period.bounds()
    leads = visible_leads(user).filter(created_at__gte=start, created_at__lt=end)
    return _local_buckets(leads, "created_at", TruncMonth)


def leads_by_local_day(user: User, period: Period) -> list[Bucket]:
    """Return leads created per local calendar day."""
    start, end = period.bounds()
    leads = visible_leads(user).filter(created_at__gte=start, created_at__lt=end)
    return _local_buckets(leads, "created_at", TruncDate)
