"""Answers to a manager's first questions, as numbers.

Every function takes an ``AnalyticsFilter`` (the requesting user, a period of local
calendar days and the moment "now") and reads only the records that user may see,
through ``salespulse.crm.selectors``. Days and years are cut in the local time zone
(settings.TIME_ZONE), never in UTC: a deal closed at 23:30 on 31 December in Shanghai
belongs to that year. Money stays Decimal: the database sums whole cents as integers,
because SQLite sums decimals as floating point.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection, models
from django.db.models import BigIntegerField, Case, Count, DecimalField, Min, Q, Sum, Value, When
from django.db.models.functions import Cast, Coalesce, Round
from django.utils.translation import gettext_lazy as _

from salespulse.accounts.models import User
from salespulse.analytics.dbfunctions import CalendarYear, SecondsBetween
from salespulse.core.money import quantize_money
from salespulse.core.timeutil import local_date, local_zone, start_of_local_day
from salespulse.crm.models import OPEN_LEAD_STATUSES, OpportunityStatus
from salespulse.crm.selectors import visible_leads, visible_opportunities
from salespulse.pipeline.models import Stage

TENTH = Decimal("0.1")
SECONDS_PER_DAY = 86400


@dataclass(frozen=True)
class Period:
    """Local calendar days from ``start`` to ``end``, both included."""

    start: dt.date
    end: dt.date

    @classmethod
    def previous_and_current_year(cls, today: dt.date) -> Period:
        """From 1 January of last year to ``today``, so a year-over-year comparison fits."""
        return cls(dt.date(today.year - 1, 1, 1), today)

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """Return the aware start and the exclusive end of the period in local time."""
        return start_of_local_day(self.start), start_of_local_day(self.end + dt.timedelta(days=1))

    @property
    def years(self) -> list[int]:
        return list(range(self.start.year, self.end.year + 1))


class PeriodPreset(models.TextChoices):
    RECENT = "recent", _("Last year and this year")
    THIS_YEAR = "this_year", _("This year")
    LAST_12_MONTHS = "last_12_months", _("Last 12 months")
    ALL = "all", _("All time")


def period_for_preset(user: User, preset: str, today: dt.date) -> Period:
    """Return the period a preset names; "all" starts at the earliest visible deal."""
    if preset == PeriodPreset.THIS_YEAR:
        return Period(dt.date(today.year, 1, 1), today)
    if preset == PeriodPreset.LAST_12_MONTHS:
        return Period(today - dt.timedelta(days=364), today)
    if preset == PeriodPreset.ALL:
        first = visible_opportunities(user).aggregate(first=Min("created_at"))["first"]
        if first is not None:
            return Period(min(local_date(first), today), today)
    return Period.previous_and_current_year(today)


def default_period(user: User, today: dt.date) -> Period:
    """Return last year and this year, or all time when no visible deal closed in that span.

    A workspace that has just imported an older history (for example a public data set
    whose deals closed years ago) then opens on its figures instead of empty charts.
    """
    recent = Period.previous_and_current_year(today)
    start, end = recent.bounds()
    if visible_opportunities(user).filter(closed_at__gte=start, closed_at__lt=end).exists():
        return recent
    return period_for_preset(user, PeriodPreset.ALL, today)


@dataclass(frozen=True)
class AnalyticsFilter:
    """Scope of an analytics question: the records ``user`` may see, closed inside
    ``period``. ``as_of`` is the moment idle times are measured to."""

    user: User
    period: Period
    as_of: dt.datetime

    @classmethod
    def for_home(cls, user: User, now: dt.datetime) -> AnalyticsFilter:
        return cls(user=user, period=Period.previous_and_current_year(local_date(now)), as_of=now)


def _closed_in_period(analytics_filter: AnalyticsFilter, status: str):
    start, end = analytics_filter.period.bounds()
    return visible_opportunities(analytics_filter.user).filter(
        status=status, closed_at__gte=start, closed_at__lt=end
    )


def _percent(part: Decimal, whole: Decimal) -> Decimal | None:
    if not whole:
        return None
    return (part * 100 / whole).quantize(TENTH, rounding=ROUND_HALF_UP)


# 1. Conversion cycle by customer channel


@dataclass(frozen=True)
class ChannelCycle:
    """Won deals of one customer channel and their mean days from creation to close.
    ``channel_code`` is None for customers without a channel (or deals without a customer)."""

    channel_code: str | None
    channel_name: str
    channel_name_en: str
    won_deals: int
    average_days: Decimal


def conversion_cycle_by_channel(analytics_filter: AnalyticsFilter) -> list[ChannelCycle]:
    """Return the mean conversion cycle of deals won in the period, longest first.

    The database counts the deals and sums the seconds from creation to close per
    channel. The sum is rounded to whole seconds, and the mean is taken in Decimal."""
    rows = (
        _closed_in_period(analytics_filter, OpportunityStatus.WON)
        .values("customer__channel__code", "customer__channel__name", "customer__channel__name_en")
        .annotate(deals=Count("pk"), seconds=Sum(SecondsBetween("created_at", "closed_at")))
        .order_by()
    )
    cycles = [
        ChannelCycle(
            channel_code=row["customer__channel__code"],
            channel_name=row["customer__channel__name"] or "",
            channel_name_en=row["customer__channel__name_en"] or "",
            won_deals=row["deals"],
            average_days=(Decimal(round(row["seconds"] or 0)) / row["deals"] / SECONDS_PER_DAY).quantize(
                TENTH, rounding=ROUND_HALF_UP
            ),
        )
        for row in rows
    ]
    return sorted(cycles, key=lambda cycle: (-cycle.average_days, cycle.channel_code or ""))


# 2. Losses by rep and stage


@dataclass(frozen=True)
class StageRef:
    code: str
    name: str
    name_en: str
    position: int


@dataclass(frozen=True)
class RepLosses:
    """Deals one rep lost in the period; ``by_stage`` maps a stage code to losses there.
    ``total`` also counts deals lost without a recorded stage."""

    rep_id: int
    rep_name: str
    total: int
    by_stage: dict[str, int]


@dataclass(frozen=True)
class LossMatrix:
    stages: list[StageRef]
    reps: list[RepLosses]


def losses_by_rep_and_stage(analytics_filter: AnalyticsFilter, *, limit: int = 10) -> LossMatrix:
    """Return the ``limit`` reps with the most lost deals, split by the stage lost at."""
    # Grouped by ids alone, with the names read afterwards: grouping by the name columns
    # as well doubled the time of the company-wide figure on PostgreSQL.
    rows = (
        _closed_in_period(analytics_filter, OpportunityStatus.LOST)
        .filter(owner__isnull=False)
        .values_list("owner_id", "lost_at_stage_id")
        .annotate(lost=Count("id"))
        .order_by()
    )
    totals: Counter[int] = Counter()
    by_rep_stage: dict[int, Counter[int]] = {}
    for rep_id, stage_id, lost in rows:
        totals[rep_id] += lost
        stage_losses = by_rep_stage.setdefault(rep_id, Counter())
        if stage_id is not None:
            stage_losses[stage_id] += lost
    if not totals:
        return LossMatrix(stages=[], reps=[])

    names = {
        pk: display_name or username
        for pk, display_name, username in User.objects.filter(pk__in=totals).values_list(
            "pk", "display_name", "username"
        )
    }
    stage_ids = {stage_id for losses in by_rep_stage.values() for stage_id in losses}
    # Stages of several pipelines may share a code: they count as one, shown where it comes first.
    code_of: dict[int, str] = {}
    stages: dict[str, StageRef] = {}
    for pk, code, name, name_en, position in Stage.objects.filter(pk__in=stage_ids).values_list(
        "pk", "code", "name", "name_en", "position"
    ):
        code_of[pk] = code
        known = stages.get(code)
        if known is None or position < known.position:
            stages[code] = StageRef(code, name, name_en, position)

    by_rep: dict[int, dict[str, int]] = {}
    for rep_id, losses in by_rep_stage.items():
        by_code: Counter[str] = Counter()
        for stage_id, lost in losses.items():
            by_code[code_of[stage_id]] += lost
        by_rep[rep_id] = dict(by_code)
    top = sorted(totals, key=lambda rep_id: (-totals[rep_id], names[rep_id], rep_id))[:limit]
    return LossMatrix(
        stages=sorted(stages.values(), key=lambda stage: (stage.position, stage.code)),
        reps=[RepLosses(rep_id, names[rep_id], totals[rep_id], by_rep[rep_id]) for rep_id in top],
    )


# 3. Stale leads


@dataclass(frozen=True)
class StaleLead:
    lead_id: int
    name: str
    company: str
    owner_name: str
    last_touch_at: dt.datetime
    idle_days: int


@dataclass(frozen=True)
class StaleLeads:
    """Open leads whose last activity (or creation, if never touched) is more than
    ``idle_days`` before ``as_of``; ``oldest`` lists the longest idle first."""

    idle_days: int
    open_leads: int
    stale_leads: int
    oldest: list[StaleLead]


def stale_leads(
    analytics_filter: AnalyticsFilter, *, idle_days: int = 7, limit: int = 10
) -> StaleLeads:
    """Return open leads with no activity for more than ``idle_days`` days."""
    cutoff = analytics_filter.as_of - dt.timedelta(days=idle_days)
    open_leads = (
        visible_leads(analytics_filter.user)
        .filter(status__in=OPEN_LEAD_STATUSES)
        .annotate(last_touch_at=Coalesce("last_activity_at", "created_at"))
    )
    counts = open_leads.aggregate(
        open_leads=Count("id"), stale_leads=Count("id", filter=Q(last_touch_at__lt=cutoff))
    )
    oldest = (
        open_leads.filter(last_touch_at__lt=cutoff)
        .select_related("owner")
        .order_by("last_touch_at", "id")[:limit]
    )
    return StaleLeads(
        idle_days=idle_days,
        open_leads=counts["open_leads"],
        stale_leads=counts["stale_leads"],
        oldest=[
            StaleLead(
                lead_id=lead.pk,
                name=lead.name,
                company=lead.company,
                owner_name=str(lead.owner) if lead.owner else "",
                last_touch_at=lead.last_touch_at,
                idle_days=(analytics_filter.as_of - lead.last_touch_at).days,
            )
            for lead in oldest
        ],
    )


# 4. Revenue from new and repeat customers


@dataclass(frozen=True)
class YearRevenue:
    """Won revenue of one local calendar year. "New" is revenue from customers whose
    first purchase falls in that year; "repeat" from customers who first bought earlier."""

    year: int
    new: Decimal
    repeat: Decimal

    @property
    def total(self) -> Decimal:
        return self.new + self.repeat

    @property
    def new_share(self) -> Decimal | None:
        """Percent of the year's revenue from new customers, one decimal."""
        return _percent(self.new, self.total)


@dataclass(frozen=True)
class RevenueSplit:
    """Revenue per year and the year-over-year change in percent (None when the earlier
    period had no such revenue). The change compares the last year up to the period's
    end day with the same days of the year before, so a partial year is not set against
    a whole one."""

    years: list[YearRevenue]
    new_change: Decimal | None
    repeat_change: Decimal | None
    compared_until: dt.date | None = None


def _same_day_last_year(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def revenue_new_vs_repeat(analytics_filter: AnalyticsFilter) -> RevenueSplit:
    """Return won revenue per local year, split into new and repeat customers.

    A won deal counts as new when the customer's ``first_purchase_date`` is missing or
    not before the deal's year: the deal is then the earliest purchase on record.
    The amount is ``won_amount``, or ``expected_amount`` when no won amount was recorded.
    """
    end = analytics_filter.period.end
    compare_until = _same_day_last_year(end)
    compare_end = start_of_local_day(compare_until + dt.timedelta(days=1))
    amount = Coalesce("won_amount", "expected_amount", Value(Decimal(0)), output_field=DecimalField())
    if connection.vendor == "postgresql":
        # PostgreSQL sums numeric exactly, which is cheaper than rounding each row to cents.
        summed, scale = Sum(amount), 1
    else:
        # Whole cents, summed as integers: SQLite would sum decimals as floating point.
        summed, scale = Sum(Cast(Round(amount * 100), output_field=BigIntegerField())), 100
    rows = (
        _closed_in_period(analytics_filter, OpportunityStatus.WON)
        .annotate(
            year=CalendarYear("closed_at", tzinfo=local_zone()),
            first_year=CalendarYear("customer__first_purchase_date"),
            compared=Case(When(closed_at__lt=compare_end, then=Value(True)), default=Value(False)),
        )
        .values("year", "first_year", "compared")
        .annotate(total=summed)
        .order_by()
    )
    new: dict[int, Decimal] = {year: Decimal(0) for year in analytics_filter.period.years}
    repeat: dict[int, Decimal] = dict(new)
    earlier_new = earlier_repeat = Decimal(0)
    for row in rows:
        year, first_year = row["year"], row["first_year"]
        total = Decimal(row["total"] or 0) / scale
        is_repeat = first_year is not None and first_year < year
        if is_repeat:
            repeat[year] += total
        else:
            new[year] += total
        if year == compare_until.year and row["compared"]:
            if is_repeat:
                earlier_repeat += total
            else:
                earlier_new += total

    years = [
        YearRevenue(year, quantize_money(new[year]), quantize_money(repeat[year])) for year in new
    ]
    if compare_until.year not in new:
        return RevenueSplit(years=years, new_change=None, repeat_change=None)
    return RevenueSplit(
        years=years,
        new_change=_change(earlier_new, new[end.year]),
        repeat_change=_change(earlier_repeat, repeat[end.year]),
        compared_until=end,
    )


def _change(before: Decimal, after: Decimal) -> Decimal | None:
    if not before:
        return None
    return ((after - before) * 100 / before).quantize(TENTH, rounding=ROUND_HALF_UP)


# 5. Lost deals by follow-ups before the loss


@dataclass(frozen=True)
class FollowupBucket:
    """Lost deals that had ``followups`` outbound interactions before closing. The
    last bucket counts deals with ``followups`` or more."""

    followups: int
    lost_deals: int


@dataclass(frozen=True)
class LossFollowups:
    buckets: list[FollowupBucket]
    cap: int
    lost_deals: int


def lost_deals_by_followups(analytics_filter: AnalyticsFilter, *, cap: int = 10) -> LossFollowups:
    """Return how many follow-ups lost deals received before ``closed_at``, as a
    histogram from 0 to ``cap`` or more. A follow-up is an outbound interaction
    attached to the opportunity; the count is the ``followups_before_close`` fact."""
    counts = (
        _closed_in_period(analytics_filter, OpportunityStatus.LOST)
        .values("followups_before_close")
        .annotate(deals=Count("pk"))
        .order_by()
    )
    histogram: Counter[int] = Counter()
    for row in counts:
        histogram[min(row["followups_before_close"], cap)] += row["deals"]
    return LossFollowups(
        buckets=[FollowupBucket(number, histogram[number]) for number in range(cap + 1)],
        cap=cap,
        lost_deals=sum(histogram.values()),
    )
