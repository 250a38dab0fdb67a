"""Sentences for alerts and ECharts options for the process-health and funnel pages,
built from the selectors' results (plain JSON, no JavaScript callbacks)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from salespulse.analytics.health import HealthFigure
from salespulse.analytics.metrics import FunnelVelocity
from salespulse.analytics.models import Alert, AlertKind
from salespulse.analytics.presenters import ACCENT, GRID, WARN, _localised


def describe_alert(alert: Alert) -> str:
    """Return one translated sentence that states what the detector found."""
    evidence = alert.evidence or {}
    kind = alert.kind
    if kind == AlertKind.MULTI_REP_CUSTOMER:
        return _("%(reps)s reps followed up %(customer)s within %(days)s days.") % {
            "reps": evidence.get("reps"),
            "customer": alert.customer or evidence.get("customer_id"),
            "days": evidence.get("window_days"),
        }
    if kind == AlertKind.REPEATED_REGRESSION:
        return _("%(rep)s moved deals back out of %(stage)s %(moves)s times in a row.") % {
            "rep": alert.owner or "",
            "stage": evidence.get("stage_name", ""),
            "moves": evidence.get("moves"),
        }
    if kind == AlertKind.NO_PROGRESS:
        return _("%(count)s of %(total)s interactions on %(opportunity)s made no progress.") % {
            "count": evidence.get("non_substantive"),
            "total": evidence.get("interactions"),
            "opportunity": alert.opportunity or evidence.get("opportunity_id"),
        }
    if kind == AlertKind.STALE_LEAD:
        return _("Lead %(lead)s has had no activity for %(days)s days.") % {
            "lead": alert.lead or evidence.get("lead_id"),
            "days": evidence.get("idle_days"),
        }
    if kind == AlertKind.STUCK_DEAL:
        return _(
            "%(opportunity)s has been in %(stage)s for %(days)s days; 90%% of stays there end within %(p90)s days."
        ) % {
            "opportunity": alert.opportunity or evidence.get("opportunity_id"),
            "stage": evidence.get("stage_name", ""),
            "days": evidence.get("days_in_stage"),
            "p90": evidence.get("stage_p90_days"),
        }
    if kind == AlertKind.LOSS_FOLLOWUP_CONCENTRATION:
        return _("%(in_range)s of %(lost)s deals lost by %(team)s had %(low)s to %(high)s follow-ups.") % {
            "in_range": evidence.get("in_range"),
            "lost": evidence.get("lost_deals"),
            "team": alert.team or evidence.get("team_id"),
            "low": evidence.get("low"),
            "high": evidence.get("high"),
        }
    return str(alert)


def health_trend_options(figure: HealthFigure) -> dict:
    """Build a line of the weekly values with the target as a dashed mark line."""
    return {
        "tooltip": {"trigger": "axis"},
        "grid": {**GRID, "top": 16},
        "xAxis": {"type": "category", "data": [point.week_start.strftime("%m-%d") for point in figure.trend]},
        "yAxis": {"type": "value", "scale": True},
        "series": [
            {
                "type": "line",
                "name": figure.label,
                "data": [float(point.value) if point.value is not None else None for point in figure.trend],
                "connectNulls": False,
                "itemStyle": {"color": ACCENT},
                "markLine": {
                    "symbol": "none",
                    "lineStyle": {"type": "dashed", "color": WARN},
                    "data": [{"yAxis": float(figure.threshold.target), "name": _("Target")}],
                },
            }
        ],
    }


def funnel_options(result: FunnelVelocity) -> dict:
    """Build bars of conversion per stage (current and previous period) and a line of median dwell."""
    stages = result.overall.stages
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": {**GRID, "top": 56},
        "xAxis": {"type": "category", "data": [_localised(stage.stage_name, stage.stage_name_en) for stage in stages]},
        "yAxis": [
            {"type": "value", "name": _("conversion %"), "max": 100},
            {"type": "value", "name": _("days")},
        ],
        "series": [
            {
                "type": "bar",
                "name": _("Conversion, this period"),
                "itemStyle": {"color": ACCENT},
                "data": [_number(stage.current.conversion) for stage in stages],
            },
            {
                "type": "bar",
                "name": _("Conversion, previous period"),
                "itemStyle": {"color": "#94a3b8"},
                "data": [_number(stage.previous.conversion) for stage in stages],
            },
            {
                "type": "line",
                "name": _("Median dwell days"),
                "yAxisIndex": 1,
                "itemStyle": {"color": WARN},
                "data": [_number(stage.current.median_days) for stage in stages],
            },
        ],
    }


def _number(value):
    return float(value) if value is not None else None
