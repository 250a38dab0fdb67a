"""The manager's home: the first management questions as charts."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from salespulse.analytics import presenters, selectors


@login_required
def home(request: HttpRequest) -> HttpResponse:
    analytics_filter = selectors.AnalyticsFilter.for_home(request.user, timezone.now())
    cycles = selectors.conversion_cycle_by_channel(analytics_filter)
    losses = selectors.losses_by_rep_and_stage(analytics_filter)
    revenue = selectors.revenue_new_vs_repeat(analytics_filter)
    followups = selectors.lost_deals_by_followups(analytics_filter)

    return render(
        request,
        "analytics/home.html",
        {
            "period": analytics_filter.period,
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
