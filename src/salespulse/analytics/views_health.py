"""Process-health, funnel-and-velocity and alerts pages.

Thin: parse the request, call ``analytics.health`` / ``metrics`` / ``detectors`` (reads)
or ``services_health`` (writes), render. Managers, directors, ops and admin users may
open the pages, and each gets the figures and alerts of the records they may see. Only ops
and admin users change thresholds and holidays.
"""

from __future__ import annotations

import logging

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from salespulse.accounts.models import Role, User
from salespulse.accounts.scopes import visible_users
from salespulse.analytics import detectors, health, metrics, presenters_health, services_health
from salespulse.analytics.forms import PeriodForm
from salespulse.analytics.models import AlertKind, AlertStatus, HealthMetric, Holiday
from salespulse.core.errors import DomainError
from salespulse.core.timeutil import local_date
from salespulse.crm.selectors import visible_interactions, visible_opportunities
from salespulse.pipeline.config_views import forbidden

logger = logging.getLogger(__name__)

PAGE_ROLES = frozenset({Role.MANAGER, Role.DIRECTOR, Role.OPS, Role.ADMIN})
ALERTS_PER_PAGE = 50


def may_read_health(user: User) -> bool:
    return user.is_superuser or user.role in PAGE_ROLES


def _denied(request: HttpRequest) -> HttpResponse:
    return forbidden(request, _("Your role may not see process health, funnel figures or alerts."))


# --- Process health -----------------------------------------------------------------------


class HolidayForm(forms.Form):
    date = forms.DateField(label=gettext_lazy("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    name = forms.CharField(label=gettext_lazy("Name"), max_length=80)


@login_required
@require_GET
def health_page(request: HttpRequest) -> HttpResponse:
    if not may_read_health(request.user):
        return _denied(request)
    now = timezone.now()
    form = PeriodForm(request.GET or None)
    period = form.period(request.user, local_date(now))
    report = health.process_health(request.user, period, now)
    can_configure = services_health.may_configure_health(request.user)
    return render(
        request,
        "analytics/health.html",
        {
            "period_form": form,
            "report": report,
            "followup": report.figure(HealthMetric.FIRST_FOLLOWUP),
            "spread": report.figure(HealthMetric.DWELL_SPREAD),
            "resolution": report.figure(HealthMetric.OBJECTION_RESOLUTION),
            "charts": {figure.metric: presenters_health.health_trend_options(figure) for figure in report.figures},
            "can_configure": can_configure,
            "holidays": list(Holiday.objects.order_by("date")) if can_configure else [],
            "holiday_form": HolidayForm(),
        },
    )


@login_required
@require_POST
def health_threshold(request: HttpRequest) -> HttpResponse:
    try:
        services_health.set_threshold(
            actor=request.user,
            metric=request.POST.get("metric", ""),
            target=request.POST.get("target", ""),
            warn_margin=request.POST.get("warn_margin", "0") or "0",
        )
    except DomainError as error:
        messages.error(request, error.message)
        return _back_to_health(request, status_error=error)
    messages.success(request, _("Threshold saved."))
    return _back_to_health(request)


@login_required
@require_POST
def health_holiday_add(request: HttpRequest) -> HttpResponse:
    form = HolidayForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter a valid date and a name for the holiday."))
        return _back_to_health(request)
    try:
        services_health.add_holiday(actor=request.user, date=form.cleaned_data["date"], name=form.cleaned_data["name"])
    except DomainError as error:
        messages.error(request, error.message)
        return _back_to_health(request, status_error=error)
    messages.success(request, _("Holiday added."))
    return _back_to_health(request)


@login_required
@require_POST
def health_holiday_delete(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        services_health.remove_holiday(actor=request.user, holiday_id=pk)
    except DomainError as error:
        messages.error(request, error.message)
        return _back_to_health(request, status_error=error)
    messages.success(request, _("Holiday removed."))
    return _back_to_health(request)


def _back_to_health(request: HttpRequest, status_error: DomainError | None = None) -> HttpResponse:
    if status_error is not None and status_error.status == 403:
        return forbidden(request, status_error.message)
    return redirect(reverse("analytics:health") + "#settings")


# --- Funnel and velocity ------------------------------------------------------------------


@login_required
@require_GET
def funnel_page(request: HttpRequest) -> HttpResponse:
    if not may_read_health(request.user):
        return _denied(request)
    now = timezone.now()
    form = PeriodForm(request.GET or None)
    period = form.period(request.user, local_date(now))
    by = request.GET.get("by", "team")
    if by not in metrics.GROUPINGS:
        by = "team"
    result = metrics.funnel_velocity(request.user, period, by=by)
    return render(
        request,
        "analytics/funnel.html",
        {
            "period_form": form,
            "result": result,
            "by": by,
            "groupings": [(key, metrics.GROUPING_LABELS[key]) for key in metrics.GROUPINGS],
            "chart": presenters_health.funnel_options(result),
        },
    )


# --- Alerts -------------------------------------------------------------------------------


@login_required
@require_GET
def alerts_page(request: HttpRequest) -> HttpResponse:
    if not may_read_health(request.user):
        return _denied(request)
    kind = request.GET.get("kind", "")
    kind = kind if kind in AlertKind.values else ""
    status = request.GET.get("status", AlertStatus.OPEN)
    status = status if status in AlertStatus.values else AlertStatus.OPEN
    try:
        owner_id = int(request.GET.get("owner") or 0) or None
    except ValueError:
        owner_id = None
    alerts = detectors.list_alerts(request.user, kind=kind, owner_id=owner_id, status=status)
    page = Paginator(alerts, ALERTS_PER_PAGE).get_page(request.GET.get("page"))
    rows = [(alert, presenters_health.describe_alert(alert)) for alert in page.object_list]
    return render(
        request,
        "analytics/alerts.html",
        {
            "page": page,
            "rows": rows,
            "kinds": AlertKind.choices,
            "statuses": AlertStatus.choices,
            "kind": kind,
            "status": status,
            "owner_id": owner_id,
            "owners": visible_users(request.user).order_by("display_name", "username"),
            "freshness": [(item, AlertKind(item.kind).label) for item in detectors.detector_freshness()],
        },
    )


@login_required
@require_GET
def alert_detail(request: HttpRequest, pk: int) -> HttpResponse:
    if not may_read_health(request.user):
        return _denied(request)
    alert = detectors.list_alerts(request.user, status="").filter(pk=pk).first()
    if alert is None:
        return render(
            request,
            "analytics/alerts_missing.html",
            {"message": _("Alert %(id)s was not found, or you may not see it.") % {"id": pk}},
            status=404,
        )
    evidence = alert.evidence or {}
    opportunity_ids = set(evidence.get("opportunity_ids", []))
    if evidence.get("opportunity_id"):
        opportunity_ids.add(evidence["opportunity_id"])
    interaction_ids = evidence.get("interaction_ids", [])
    return render(
        request,
        "analytics/alerts_detail.html",
        {
            "alert": alert,
            "sentence": presenters_health.describe_alert(alert),
            "evidence_items": sorted(
                (key, value) for key, value in evidence.items() if not isinstance(value, (list, dict))
            ),
            "opportunities": visible_opportunities(request.user)
            .filter(pk__in=opportunity_ids)
            .select_related("stage", "owner", "customer")
            .order_by("id"),
            "interactions": visible_interactions(request.user)
            .filter(pk__in=interaction_ids)
            .select_related("owner", "customer")
            .order_by("occurred_at", "id"),
            "histogram": sorted(
                ((int(key), count) for key, count in evidence.get("histogram", {}).items()), key=lambda item: item[0]
            ),
        },
    )


@login_required
@require_POST
def alert_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        services_health.dismiss_alert(actor=request.user, alert_id=pk)
    except DomainError as error:
        if error.status == 403:
            return forbidden(request, error.message)
        messages.error(request, error.message)
        return redirect("analytics:alerts")
    messages.success(request, _("Alert dismissed."))
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("analytics:alerts")
    return redirect(target)
