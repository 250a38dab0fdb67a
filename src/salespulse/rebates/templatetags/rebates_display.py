"""Template filters for rebate screens: rates as percentages and tier names."""

from __future__ import annotations

from django import template

from salespulse.rebates.calculation import format_rate
from salespulse.rebates.presenters import tier_label

register = template.Library()


@register.filter
def percent(rate) -> str:
    """Format a fractional rate: 0.032 → ``3.2%``."""
    return "" if rate is None else format_rate(rate)


@register.filter
def tier_name(calculation_or_document) -> str:
    """Name the tier a calculation or a stored document reached."""
    return tier_label(calculation_or_document.tier_index, calculation_or_document.tier_threshold)
