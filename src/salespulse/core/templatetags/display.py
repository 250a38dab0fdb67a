"""Template filters for showing reference data and money the same way on every screen."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template
from django.utils.translation import get_language

from salespulse.core.money import quantize_money

register = template.Library()


def localized_name(item) -> str:
    """Return ``name_en`` while the page is in English and the item has one, else ``name``."""
    if item is None:
        return ""
    language = get_language() or ""
    english = getattr(item, "name_en", "")
    if language.startswith("en") and english:
        return english
    return getattr(item, "name", str(item))


def cny(value) -> str:
    """Format an amount as ``¥1,234,567.80``: Decimal, half-up to cents, comma-grouped.

    Grouping in threes is fixed here because Chinese sales sheets write amounts that way;
    the zh-Hans locale format would leave them ungrouped.
    """
    if value is None or value == "":
        return ""
    try:
        amount = quantize_money(Decimal(value))
    except (InvalidOperation, TypeError, ValueError):
        return str(value)
    return f"¥{amount:,}"


register.filter("localized_name", localized_name)
register.filter("cny", cny)
