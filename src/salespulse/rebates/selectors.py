"""Rebate reads, each scoped to what the requesting user may see.

Reps, managers and directors see confirmations of the customers they may see
(``crm.selectors.visible_customers``) and the ones they confirmed themselves. Finance,
ops and admin see all of them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from salespulse.accounts.models import Role, User
from salespulse.core.errors import NotFound
from salespulse.core.money import quantize_money
from salespulse.crm.models import Customer
from salespulse.crm.selectors import visible_customers
from salespulse.rebates.models import (
    AgreementStatus,
    RebateAgreement,
    RebateAuditEvent,
    RebateConfirmation,
)

CONFIRMING_ROLES = frozenset({Role.REP, Role.MANAGER, Role.DIRECTOR, Role.OPS, Role.ADMIN})
ACKNOWLEDGING_ROLES = frozenset({Role.FINANCE, Role.OPS, Role.ADMIN})


def can_confirm(user: User) -> bool:
    """Return whether ``user`` may issue confirmations (for customers they may see)."""
    return user.is_superuser or user.role in CONFIRMING_ROLES


def can_acknowledge(user: User) -> bool:
    """Return whether ``user`` may acknowledge confirmations as finance."""
    return user.is_superuser or user.role in ACKNOWLEDGING_ROLES


def visible_confirmations(user: User) -> QuerySet[RebateConfirmation]:
    """Return the confirmations (and reversing documents) ``user`` may see, newest first."""
    documents = RebateConfirmation.objects.select_related(
        "customer", "agreement", "confirmed_by", "acknowledged_by", "reverses"
    )
    if user.sees_everything:
        return documents.all()
    return documents.filter(Q(customer__in=visible_customers(user)) | Q(confirmed_by=user))


def get_visible_confirmation(user: User, number: str) -> RebateConfirmation:
    """Return the confirmation numbered ``number`` if ``user`` may see it, else raise ``NotFound``."""
    document = visible_confirmations(user).filter(number=number).first()
    if document is None:
        raise NotFound(
            "confirmation_not_found",
            _("Rebate confirmation %(number)s was not found or is not visible to you.") % {"number": number},
            field="number",
            params={"number": number},
        )
    return document


def visible_agreements(user: User) -> QuerySet[RebateAgreement]:
    """Return agreement versions of customers (or groups with customers) ``user`` may see."""
    agreements = RebateAgreement.objects.select_related("customer", "customer_group").prefetch_related(
        "tiers", "products"
    )
    if user.sees_everything:
        return agreements.all()
    customers = visible_customers(user)
    return agreements.filter(Q(customer__in=customers) | Q(customer_group__customers__in=customers)).distinct()


def agreements_for_customer(user: User, customer: Customer, day: dt.date) -> list[RebateAgreement]:
    """Return the active agreements covering ``customer`` that are effective on ``day``.

    Only the highest active version of each code is returned.
    """
    candidates = (
        visible_agreements(user)
        .filter(
            Q(customer=customer) | Q(customer_group__customers=customer),
            status=AgreementStatus.ACTIVE,
            effective_from__lte=day,
        )
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=day))
        .order_by("code", "-version")
    )
    latest: dict[str, RebateAgreement] = {}
    for agreement in candidates:
        latest.setdefault(agreement.code, agreement)
    return list(latest.values())


def audit_trail(user: User, document: RebateConfirmation) -> QuerySet[RebateAuditEvent]:
    """Return the audit events of ``document`` (visible to ``user``), oldest first."""
    get_visible_confirmation(user, document.number)
    # Insertion order, because some events keep whole seconds only and would tie on ``at``.
    return RebateAuditEvent.objects.filter(document=document).select_related("actor").order_by("pk")


@dataclass(frozen=True)
class PeriodSettlement:
    """Sums of the earlier documents of one agreement code, customer and period."""

    collected: Decimal
    confirmed: Decimal
    document_count: int


def period_settlement(agreement: RebateAgreement, customer: Customer, period_start: dt.date) -> PeriodSettlement:
    """Sum the collected amounts and rebates of earlier documents for the agreement code,
    customer and period (reversing documents count negatively). Not user-scoped: for
    services that already checked access."""
    totals = RebateConfirmation.objects.filter(
        agreement__code=agreement.code, customer=customer, period_start=period_start
    ).aggregate(collected=Sum("collected_total"), confirmed=Sum("rebate_amount"), count=Count("pk"))
    return PeriodSettlement(
        collected=quantize_money(totals["collected"] or Decimal("0")),
        confirmed=quantize_money(totals["confirmed"] or Decimal("0")),
        document_count=totals["count"],
    )
