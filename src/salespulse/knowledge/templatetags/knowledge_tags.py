"""The objection-recommendation block of the opportunity page, and playbook display filters."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from salespulse.knowledge.selectors import recommendations_for_opportunity
from salespulse.knowledge.services import may_use_tracks

register = template.Library()


@register.inclusion_tag("knowledge/_recommendations.html", takes_context=True)
def objection_recommendations(context, opportunity):
    """Render talk tracks and colleagues for the open objections of ``opportunity``.

    The page's view already fetched ``opportunity`` through the viewer's visibility scope.
    """
    request = context["request"]
    return {
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "opportunity": opportunity,
        "recommendations": recommendations_for_opportunity(request.user, opportunity),
        "may_use": may_use_tracks(request.user),
    }


@register.filter
def time_to_resolve(value: dt.timedelta | None) -> str:
    """Format a resolution time as hours under two days, else as days."""
    if value is None:
        return ""
    hours = value.total_seconds() / 3600
    if hours < 1:
        return _("under an hour")
    if hours < 48:
        whole = round(hours)
        return ngettext("%(hours)s hour", "%(hours)s hours", whole) % {"hours": whole}
    days = round(hours / 24)
    return ngettext("%(days)s day", "%(days)s days", days) % {"days": days}


@register.filter
def percent(part: int, whole: int) -> str:
    """Return ``part / whole`` as a whole percentage, or an empty string when ``whole`` is 0."""
    if not whole:
        return ""
    return f"{round(100 * part / whole)}%"
