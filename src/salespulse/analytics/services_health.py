"""Writes of the process-health and alerts pages: thresholds, holidays, dismissing alerts."""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext as _

from salespulse.accounts.models import Role, User
from salespulse.analytics.health import DEFAULT_THRESHOLDS
from salespulse.analytics.models import Alert, AlertStatus, HealthMetric, HealthThreshold, Holiday
from salespulse.core.errors import DomainError, NotFound, PermissionDenied

logger = logging.getLogger(__name__)

CONFIGURING_ROLES = frozenset({Role.OPS, Role.ADMIN})
ALERT_HANDLING_ROLES = frozenset({Role.MANAGER, Role.DIRECTOR, Role.OPS, Role.ADMIN})
MAX_TARGET = Decimal("999999")


def may_configure_health(user: User) -> bool:
    return user.is_superuser or user.role in CONFIGURING_ROLES


def ensure_may_configure_health(actor: User) -> None:
    if not may_configure_health(actor):
        raise PermissionDenied(
            "health_config_forbidden", _("Only sales operations and administrators may change thresholds and holidays.")
        )


def _decimal(raw, field: str) -> Decimal:
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        raise DomainError(
            "invalid_number",
            _("%(value)s is not a number; enter a number such as 2.5.") % {"value": raw},
            field=field,
            params={"value": raw},
        ) from None
    if not value.is_finite() or value < 0 or value > MAX_TARGET:
        raise DomainError(
            "number_out_of_range",
            _("%(value)s is out of range; enter a number from 0 to 999999.") % {"value": raw},
            field=field,
            params={"value": raw},
        )
    return value.quantize(Decimal("0.01"))


def set_threshold(*, actor: User, metric: str, target, warn_margin) -> HealthThreshold:
    """Store the target and warning margin of ``metric``; its direction is fixed by the metric."""
    ensure_may_configure_health(actor)
    if metric not in HealthMetric.values:
        raise DomainError(
            "unknown_metric", _("%(metric)s is not a process-health metric.") % {"metric": metric}, field="metric"
        )
    target_value = _decimal(target, "target")
    margin_value = _decimal(warn_margin, "warn_margin")
    if metric == HealthMetric.FIRST_FOLLOWUP and target_value > 100:
        raise DomainError(
            "percent_out_of_range",
            _("%(value)s is more than 100; a share target is a percent from 0 to 100.") % {"value": target},
            field="target",
        )

    with transaction.atomic():
        threshold, _created = HealthThreshold.objects.update_or_create(
            metric=metric,
            defaults={
                "target": target_value,
                "warn_margin": margin_value,
                "direction": DEFAULT_THRESHOLDS[metric].direction,
                "updated_by": actor,
            },
        )
    logger.info("threshold %s set to %s (margin %s) by user %s", metric, target_value, margin_value, actor.pk)
    return threshold


def add_holiday(*, actor: User, date: dt.date, name: str) -> Holiday:
    ensure_may_configure_health(actor)
    name = (name or "").strip()
    if not name:
        raise DomainError("holiday_name_missing", _("Enter a name for the holiday."), field="name")
    if Holiday.objects.filter(date=date).exists():
        raise DomainError(
            "holiday_exists",
            _("%(date)s is already a holiday; remove it first to rename it.") % {"date": date.isoformat()},
            field="date",
        )
    holiday = Holiday.objects.create(date=date, name=name[:80])
    logger.info("holiday %s added by user %s", date.isoformat(), actor.pk)
    return holiday


def remove_holiday(*, actor: User, holiday_id: int) -> None:
    ensure_may_configure_health(actor)
    deleted, _rows = Holiday.objects.filter(pk=holiday_id).delete()
    if not deleted:
        raise NotFound("holiday_not_found", _("Holiday %(id)s was not found.") % {"id": holiday_id}, field="holiday")
    logger.info("holiday %s removed by user %s", holiday_id, actor.pk)


def dismiss_alert(*, actor: User, alert_id: int) -> Alert:
    """Dismiss an open alert the actor may see; it stays dismissed while its pattern lasts."""
    from salespulse.analytics.detectors import visible_alerts

    if not (actor.is_superuser or actor.role in ALERT_HANDLING_ROLES):
        raise PermissionDenied(
            "alert_dismiss_forbidden", _("Only managers, directors and operations may dismiss alerts.")
        )
    alert = visible_alerts(actor).filter(pk=alert_id).first()
    if alert is None:
        raise NotFound(
            "alert_not_found", _("Alert %(id)s was not found, or you may not see it.") % {"id": alert_id}, field="alert"
        )
    if alert.status == AlertStatus.OPEN:
        alert.status = AlertStatus.DISMISSED
        alert.save(update_fields=["status"])
        logger.info("alert %s dismissed by user %s", alert.pk, actor.pk)
    return alert
