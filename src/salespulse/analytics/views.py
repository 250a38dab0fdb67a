"""The manager's home: the first management questions as charts."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from salespulse.analytics import presenters, selectors
from salespulse.analytics.forms import PeriodForm
from salespulse.core.timeutil import local_date


@login_required
def home(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    form = PeriodForm(request.GET or None)
    period = form.period(request.user, local_date(now))
    analytics_filter = selectors.AnalyticsFilter(user=request.user, period=period, as_of=now)
    cycles = selectors.conversion_cycle_by_channel(analytics_filter)
    losses = selectors.losses_by_rep_and_stage(analytics_filter)
    revenue = selectors.revenue_new_vs_repeat(analytics_filter)
    followups = selectors.lost_deals_by_followups(analytics_filter)

    return render(
        request,
        "analytics/home.html",
        {
            "period": analytics_filter.period,
            "period_form": form,
            "stale": selectors.stale_leads(analytics_filter),
            "revenue": revenue,
            "followups": followups,
            "charts": {
                "cycle": presenters.conversion_cycle_options(cycles),
                "losses": presenters.losses_by_rep_options(losses),
                "revenue": presenters.revenue_options(revenue),
                "followups": presenters.followup_options(followups),
            },
            "has_cycles": bool(cycles),
            "has_losses": bool(losses.reps),
        },
    )
