"""Process health, funnel and velocity figures, and stored pattern alerts.

The numbers come from the same selectors as the pages (``analytics.health``,
``analytics.metrics``, ``analytics.detectors``), limited to what the token's user may see.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from salespulse.accounts.models import Role, User
from salespulse.analytics import detectors, health, metrics
from salespulse.analytics.models import AlertKind, AlertStatus
from salespulse.analytics.presenters_health import describe_alert
from salespulse.analytics.selectors import Period
from salespulse.api.schemas import ErrorOut
from salespulse.core.errors import DomainError, PermissionDenied
from salespulse.core.timeutil import local_date

router = Router(tags=["analytics"])

READER_ROLES = frozenset({Role.MANAGER, Role.DIRECTOR, Role.OPS, Role.ADMIN})
# The default period: the last 90 local days, today included.
DEFAULT_DAYS = 90
MAX_DAYS = 731
MAX_ALERTS = 500


class TrendPointOut(Schema):
    week_start: dt.date
    value: Decimal | None


class HealthFigureOut(Schema):
    metric: str
    label: str
    value: Decimal | None
    target: Decimal
    direction: str = Field(description="at_least or at_most")
    warn_margin: Decimal
    status: str = Field(description="ok, warn, fail or no_data")
    trend: list[TrendPointOut]


class HealthOut(Schema):
    start: dt.date
    end: dt.date
    figures: list[HealthFigureOut]


class StageOut(Schema):
    stage_code: str
    entered: int
    conversion: Decimal | None
    conversion_change: Decimal | None
    median_days: Decimal | None
    p90_days: Decimal | None
    median_change: Decimal | None


class GroupOut(Schema):
    key: int | None
    label: str
    won: int
    lost: int
    win_rate: Decimal | None
    win_rate_change: Decimal | None
    average_cycle_days: Decimal | None
    cycle_change: Decimal | None
    stages: list[StageOut]


class FunnelOut(Schema):
    start: dt.date
    end: dt.date
    previous_start: dt.date
    previous_end: dt.date
    by: str
    overall: GroupOut
    groups: list[GroupOut]


class AlertOut(Schema):
    id: int
    kind: str
    status: str
    owner_id: int | None
    summary: str
    evidence: dict
    first_seen: dt.datetime
    last_seen: dt.datetime


class FreshnessOut(Schema):
    kind: str
    last_run_at: dt.datetime | None
    duration_ms: int | None


class AlertsOut(Schema):
    alerts: list[AlertOut]
    freshness: list[FreshnessOut]


def _require_reader(user: User) -> None:
    if not (user.is_superuser or user.role in READER_ROLES):
        raise PermissionDenied(
            "permission_denied", _("Your role may not see process health, funnel figures or alerts.")
        )


def _period(start: dt.date | None, end: dt.date | None) -> Period:
    end = end or local_date(timezone.now())
    start = start or end - dt.timedelta(days=DEFAULT_DAYS - 1)
    if end < start:
        raise DomainError(
            "invalid_period",
            _("The end date %(end)s is before the start date %(start)s.") % {"start": start, "end": end},
            field="end",
            status=422,
        )
    if (end - start).days >= MAX_DAYS:
        raise DomainError(
            "period_too_long",
            _("A period covers at most %(days)s days; shorten the period from %(start)s to %(end)s.")
            % {"days": MAX_DAYS, "start": start, "end": end},
            field="end",
            status=422,
        )
    return Period(start, end)


@router.get("/health", response={200: HealthOut, 403: ErrorOut, 422: ErrorOut}, summary="Process health")
def get_health(request: HttpRequest, start: dt.date | None = None, end: dt.date | None = None) -> dict:
    """Return the three process-health metrics with threshold, status and 12-week trend.
    ``start`` and ``end`` are local calendar days; the default is the last 90 days."""
    _require_reader(request.auth)
    report = health.process_health(request.auth, _period(start, end))
    return {
        "start": report.period.start,
        "end": report.period.end,
        "figures": [
            {
                "metric": figure.metric,
                "label": figure.label,
                "value": figure.value,
                "target": figure.threshold.target,
                "direction": figure.threshold.direction,
                "warn_margin": figure.threshold.warn_margin,
                "status": figure.status,
                "trend": [{"week_start": point.week_start, "value": point.value} for point in figure.trend],
            }
            for figure in report.figures
        ],
    }


def _group_out(group: metrics.GroupVelocity) -> dict:
    return {
        "key": group.key,
        "label": group.label,
        "won": group.current.won,
        "lost": group.current.lost,
        "win_rate": group.current.win_rate,
        "win_rate_change": group.win_rate_change,
        "average_cycle_days": group.current.average_cycle_days,
        "cycle_change": group.cycle_change,
        "stages": [
            {
                "stage_code": stage.stage_code,
                "entered": stage.current.entered,
                "conversion": stage.current.conversion,
                "conversion_change": stage.conversion_change,
                "median_days": stage.current.median_days,
                "p90_days": stage.current.p90_days,
                "median_change": stage.median_change,
            }
            for stage in group.stages
        ],
    }


@router.get("/funnel", response={200: FunnelOut, 403: ErrorOut, 422: ErrorOut}, summary="Funnel and velocity")
def get_funnel(request: HttpRequest, start: dt.date | None = None, end: dt.date | None = None, by: str = "") -> dict:
    """Return stage conversion, dwell median and p90, win rate and cycle time, with the
    previous period of the same length. ``by`` is "", team, rep, channel or product_line."""
    _require_reader(request.auth)
    if by and by not in metrics.GROUPINGS:
        raise DomainError(
            "invalid_grouping",
            _("%(by)s is not a grouping; use team, rep, channel or product_line.") % {"by": by},
            field="by",
            status=422,
        )
    result = metrics.funnel_velocity(request.auth, _period(start, end), by=by)
    return {
        "start": result.period.start,
        "end": result.period.end,
        "previous_start": result.previous_period.start,
        "previous_end": result.previous_period.end,
        "by": by,
        "overall": _group_out(result.overall),
        "groups": [_group_out(group) for group in result.groups],
    }


@router.get("/alerts", response={200: AlertsOut, 403: ErrorOut, 422: ErrorOut}, summary="List alerts")
def get_alerts(request: HttpRequest, kind: str = "", owner: int | None = None, status: str = AlertStatus.OPEN) -> dict:
    """Return the stored alerts the caller may see (newest first, at most 500) and each detector's last run."""
    _require_reader(request.auth)
    if kind and kind not in AlertKind.values:
        raise DomainError(
            "invalid_alert_kind",
            _("%(kind)s is not an alert kind; use one of %(kinds)s.")
            % {"kind": kind, "kinds": ", ".join(AlertKind.values)},
            field="kind",
            status=422,
        )
    if status not in AlertStatus.values:
        raise DomainError(
            "invalid_alert_status",
            _("%(status)s is not an alert status; use open, dismissed or resolved.") % {"status": status},
            field="status",
            status=422,
        )
    alerts = detectors.list_alerts(request.auth, kind=kind, owner_id=owner, status=status)[:MAX_ALERTS]
    return {
        "alerts": [
            {
                "id": alert.pk,
                "kind": alert.kind,
                "status": alert.status,
                "owner_id": alert.owner_id,
                "summary": describe_alert(alert),
                "evidence": alert.evidence,
                "first_seen": alert.first_seen,
                "last_seen": alert.last_seen,
            }
            for alert in alerts
        ],
        "freshness": [
            {"kind": item.kind, "last_run_at": item.last_run_at, "duration_ms": item.duration_ms}
            for item in detectors.detector_freshness()
        ],
    }
