"""Template filters for alerts: ``alert|alert_sentence`` renders what the detector found."""

from django import template

from salespulse.analytics.presenters_health import describe_alert

register = template.Library()


@register.filter
def alert_sentence(alert) -> str:
    return describe_alert(alert)
