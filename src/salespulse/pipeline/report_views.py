"""The fake-progress page: forward moves reversed within 14 days, per rep, team and gate.

Reps, managers, directors, ops and admin users may open it; the selector shows each of
them only the moves of the deals they may see, so a rep gets only their own figures.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from salespulse.accounts.models import Role, User
from salespulse.core.timeutil import local_date
from salespulse.pipeline import report_presenters
from salespulse.pipeline.config_views import forbidden
from salespulse.pipeline.fake_progress import REVERSAL_WINDOW, fake_progress_report

# Finance works on rebates, not on the sales process, so it does not get this report.
REPORT_ROLES = frozenset({Role.REP, Role.MANAGER, Role.DIRECTOR, Role.OPS, Role.ADMIN})
# The page opens on the last 90 local days, today included.
DEFAULT_PERIOD_DAYS = 90
# A longer period loads too many moves for one page.
MAX_PERIOD_DAYS = 731


def may_read_fake_progress(user: User) -> bool:
    return user.is_superuser or user.role in REPORT_ROLES


class PeriodForm(forms.Form):
    start = forms.DateField(
        label=gettext_lazy("From"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    end = forms.DateField(
        label=gettext_lazy("To"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error(
                "end",
                _("The end date %(end)s is before the start date %(start)s.")
                % {"start": start, "end": end},
            )
        elif start and end and (end - start).days >= MAX_PERIOD_DAYS:
            self.add_error(
                "end",
                _(
                    "A report covers at most %(days)s days; "
                    "shorten the period from %(start)s to %(end)s."
                )
                % {"days": MAX_PERIOD_DAYS, "start": start, "end": end},
            )
        return data


def _default_period(today: dt.date) -> dict[str, dt.date]:
    return {"start": today - dt.timedelta(days=DEFAULT_PERIOD_DAYS - 1), "end": today}


@login_required
@require_GET
def fake_progress(request: HttpRequest) -> HttpResponse:
    if not may_read_fake_progress(request.user):
        return forbidden(request, _("Your role may not see the fake-progress report."))

    now = timezone.now()
    if "start" in request.GET or "end" in request.GET:
        form = PeriodForm(request.GET)
    else:
        form = PeriodForm(initial=_default_period(local_date(now)))
    context = {"form": form, "reversal_days": REVERSAL_WINDOW.days}
    if form.is_bound and not form.is_valid():
        return render(request, "pipeline/report/fake_progress.html", context, status=422)

    period = form.cleaned_data if form.is_bound else form.initial
    report = fake_progress_report(request.user, start=period["start"], end=period["end"], now=now)
    reps = report_presenters.rep_rows(report)
    gates = report_presenters.gate_rows(report)
    context.update(
        {
            "report": report,
            "total": report_presenters.ShareRow.of(_("All visible moves"), report.total),
            "reps": reps,
            "teams": report_presenters.team_rows(report),
            "gates": gates,
            "charts": {
                "reps": report_presenters.rep_share_options(reps),
                "gates": report_presenters.gate_effect_options(gates),
            },
            "has_gate_chart": any(row.before is not None for row in gates),
        }
    )
    return render(request, "pipeline/report/fake_progress.html", context)
