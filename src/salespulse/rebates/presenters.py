"""Labels and view models for rebate screens, the PDF and the XLSX export.

Numbers come from ``rebates.selectors`` and ``rebates.services``; this module only
names and arranges them.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext as _

from salespulse.core.templatetags.display import cny
from salespulse.rebates.models import CalculationMode, ConfirmationStatus, PeriodKind, RebateConfirmation
from salespulse.rebates.pdf import ConfirmationSheet
from salespulse.rebates.signing import signed_snapshot

DEFAULT_COMPANY_NAME = "销售脉搏示例公司"


def company_name() -> str:
    """Return the company name shown on documents and in the seal (setting ``SALESPULSE_COMPANY_NAME``)."""
    return getattr(settings, "SALESPULSE_COMPANY_NAME", "") or DEFAULT_COMPANY_NAME


def period_label(kind: str, start: dt.date) -> str:
    """Name the period that starts on ``start``: 2026-12, 2026 Q4 or 2026 in English."""
    if kind == PeriodKind.QUARTER:
        return _("%(year)s Q%(quarter)s") % {"year": start.year, "quarter": (start.month - 1) // 3 + 1}
    if kind == PeriodKind.YEAR:
        return _("Year %(year)s") % {"year": start.year}
    return _("%(year)s-%(month)02d") % {"year": start.year, "month": start.month}


def tier_label(tier_index: int | None, threshold: Decimal | None) -> str:
    """Name a reached tier by its 1-based position and threshold, or state that none is reached."""
    if tier_index is None or threshold is None:
        return _("No tier reached")
    return _("Tier %(index)s (from %(threshold)s)") % {"index": tier_index + 1, "threshold": cny(threshold)}


def agreement_label(agreement) -> str:
    return f"{agreement.code} {agreement.name}".strip()


def document_period_label(document: RebateConfirmation) -> str:
    return period_label(document.agreement.period_kind, document.period_start)


def signed_customer_name(document: RebateConfirmation, snapshot: dict | None = None) -> str:
    """Return the customer's name as signed on the document (it may have been renamed since)."""
    snapshot = signed_snapshot(document) if snapshot is None else snapshot
    return (snapshot.get("customer") or {}).get("name") or document.customer.name


def confirmation_sheet(document: RebateConfirmation, *, verification_url: str) -> ConfirmationSheet:
    """Build the PDF's content from a stored document.

    Expects ``products`` to be prefetched or cheap to load, and ``reversed_by`` (the
    reverse side of the one-to-one) to be loadable.
    """
    reversed_by = getattr(document, "reversed_by", None) if document.status == ConfirmationStatus.REVERSED else None
    # Names as they were signed, because a later rename of the customer or a product must
    # not change the confirmation's text.
    snapshot = signed_snapshot(document)
    customer_name = signed_customer_name(document, snapshot)
    signed_products = [item.get("name", "") for item in snapshot.get("products", []) if isinstance(item, dict)]
    return ConfirmationSheet(
        number=document.number,
        company_name=company_name(),
        customer_name=customer_name,
        agreement_label=agreement_label(document.agreement),
        agreement_version=document.agreement_version,
        mode_label=str(CalculationMode(document.mode).label),
        period_label=document_period_label(document),
        products=signed_products or [product.name for product in document.products.all()],
        payments=[Decimal(payment) for payment in document.payments],
        collected_total=document.collected_total,
        period_collected_total=document.period_collected_total,
        tier_label=tier_label(document.tier_index, document.tier_threshold),
        rate=document.rate,
        rebate_total_for_period=document.rebate_total_for_period,
        previously_confirmed=document.previously_confirmed,
        rebate_amount=document.rebate_amount,
        confirmed_by=str(document.confirmed_by),
        confirmed_at=document.confirmed_at,
        verification_code=document.verification_code,
        verification_url=verification_url,
        is_reversed=document.status == ConfirmationStatus.REVERSED,
        reversed_by_number=reversed_by.number if reversed_by else "",
        reverses_number=document.reverses.number if document.reverses_id else "",
        reason=document.reason,
        key_id=document.key_id,
    )
