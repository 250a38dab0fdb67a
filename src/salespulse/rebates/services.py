"""Rebate writes: quote (computes only), confirm, acknowledge and reverse confirmations.

Every state change writes a ``RebateAuditEvent`` in the same transaction. Signed fields
of a confirmation are written once, by ``confirm_rebate`` or ``reverse_confirmation``,
and never updated: a correction is a reversing document.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from salespulse.accounts.models import User
from salespulse.core.errors import Conflict, DomainError, PermissionDenied
from salespulse.core.money import quantize_money
from salespulse.core.timeutil import to_local
from salespulse.crm.models import Customer, Product
from salespulse.crm.selectors import visible_customers
from salespulse.rebates import signing
from salespulse.rebates.calculation import (
    RebateCalculation,
    Tier,
    calculate_rebate,
    period_bounds,
    sum_payments,
    validate_tiers,
)
from salespulse.rebates.models import (
    AgreementStatus,
    AuditAction,
    ConfirmationStatus,
    DocumentSequence,
    RebateAgreement,
    RebateAuditEvent,
    RebateConfirmation,
)
from salespulse.rebates.selectors import can_acknowledge, can_confirm, period_settlement

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RebateQuote:
    """A computed rebate, not stored.

    ``calculation`` is on ``period_collected`` (earlier confirmations of the agreement and
    period plus ``payments_total``). ``payable`` is what a confirmation made now would pay:
    ``calculation.rebate`` − ``previously_confirmed``. Without an agreement and period the
    ``previously_*`` amounts are 0.00 and ``payable`` equals the rebate.
    """

    calculation: RebateCalculation
    payments_total: Decimal
    previously_collected: Decimal
    previously_confirmed: Decimal
    period_collected: Decimal
    payable: Decimal
    period_start: dt.date | None
    period_end: dt.date | None


def agreement_tiers(agreement: RebateAgreement) -> tuple[Tier, ...]:
    """Return the agreement's tier table as validated, sorted ``Tier`` values."""
    return validate_tiers(Tier(threshold=tier.threshold, rate=tier.rate) for tier in agreement.tiers.all())


def quote(
    *,
    payments: Sequence[object],
    agreement: RebateAgreement | None = None,
    tiers: Sequence[Tier] | None = None,
    mode: str | None = None,
    period: dt.date | None = None,
    customer: Customer | None = None,
) -> RebateQuote:
    """Compute a rebate without storing anything.

    Pass either ``agreement`` or inline ``tiers`` + ``mode``. ``payments`` are decimal
    strings (or Decimals), summed before the tier is chosen. With an agreement and a
    ``period`` (any date inside it), the quote settles against the agreement's earlier
    confirmations for that period, exactly as ``confirm_rebate`` would. ``customer`` is
    needed for that only when the agreement covers a customer group.
    Raises ``DomainError`` for invalid amounts or tier tables.
    """
    if agreement is not None:
        table, calculation_mode = agreement_tiers(agreement), agreement.mode
    elif tiers is not None and mode is not None:
        table, calculation_mode = validate_tiers(tiers), mode
    else:
        raise DomainError(
            "tiers_missing",
            _("Choose a rebate agreement, or enter a tier table and a calculation mode."),
            field="tiers",
        )
    payments_total, payment_count = sum_payments(payments)

    previously_collected = previously_confirmed = Decimal("0.00")
    period_start = period_end = None
    if agreement is not None and period is not None:
        party = _agreement_customer(agreement, customer)
        period_start, period_end = period_bounds(agreement.period_kind, period)
        settlement = period_settlement(agreement, party, period_start)
        previously_collected, previously_confirmed = settlement.collected, settlement.confirmed

    period_collected = previously_collected + payments_total
    calculation = calculate_rebate(
        tiers=table, mode=calculation_mode, collected=period_collected, payment_count=payment_count
    )
    return RebateQuote(
        calculation=calculation,
        payments_total=payments_total,
        previously_collected=previously_collected,
        previously_confirmed=previously_confirmed,
        period_collected=period_collected,
        payable=calculation.rebate - previously_confirmed,
        period_start=period_start,
        period_end=period_end,
    )


def confirm_rebate(
    *,
    actor: User,
    agreement: RebateAgreement,
    period: dt.date,
    product_ids: Sequence[int],
    payments: Sequence[object],
    customer: Customer | None = None,
    now: dt.datetime | None = None,
) -> RebateConfirmation:
    """Issue a signed rebate confirmation (status confirmed) and return it.

    ``period`` is any date inside the period; ``product_ids`` must all be covered by the
    agreement (the error names the product otherwise). ``customer`` defaults to the
    agreement's customer and is required for a customer-group agreement. The rebate
    settles against earlier documents of the same agreement and period, the number is
    RB-YYYYMM-NNNNNN (month of ``now`` in Asia/Shanghai, gapless), and a ``confirmed``
    audit event is written. Raises ``DomainError``/``PermissionDenied``.
    """
    now = (now or timezone.now()).replace(microsecond=0)
    party = _agreement_customer(agreement, customer)
    _check_may_confirm(actor, party)
    _check_agreement_applies(agreement, period)
    if period_bounds(agreement.period_kind, period)[0] > timezone.localdate(now):
        raise DomainError(
            "period_in_future",
            _("The period of %(day)s has not begun; confirm rebates only for the current or past periods.")
            % {"day": period.isoformat()},
            field="period",
        )
    products = _covered_products(agreement, product_ids)
    payments_total, _count = sum_payments(payments)
    if payments_total <= 0:
        raise DomainError(
            "collected_zero",
            _("The collected amount is 0.00. Enter at least one payment above zero."),
            field="payments",
        )
    period_start, period_end = period_bounds(agreement.period_kind, period)

    with transaction.atomic():
        _lock_agreement(agreement)
        rebate_quote = quote(payments=payments, agreement=agreement, period=period, customer=party)
        calculation = rebate_quote.calculation
        document = RebateConfirmation.objects.create(
            number=_next_number(now),
            agreement=agreement,
            agreement_version=agreement.version,
            customer=party,
            period_start=period_start,
            period_end=period_end,
            mode=agreement.mode,
            payments=[f"{payment:.2f}" for payment in _parsed(payments)],
            collected_total=payments_total,
            period_collected_total=rebate_quote.period_collected,
            tier_index=calculation.tier_index,
            tier_threshold=calculation.tier_threshold,
            rate=calculation.rate,
            rebate_total_for_period=calculation.rebate,
            previously_confirmed=rebate_quote.previously_confirmed,
            rebate_amount=rebate_quote.payable,
            verification_code=signing.new_verification_code(),
            confirmed_by=actor,
            confirmed_at=now,
        )
        document.products.set(products)
        _sign(document)

        _audit(
            document,
            AuditAction.CONFIRMED,
            actor,
            now,
            {
                "rebate_amount": f"{document.rebate_amount:.2f}",
                "collected_total": f"{payments_total:.2f}",
            },
        )

    logger.info("Rebate confirmation %s issued for agreement %s by user %s", document.number, agreement.pk, actor.pk)
    return document


def acknowledge(*, actor: User, document: RebateConfirmation, now: dt.datetime | None = None) -> RebateConfirmation:
    """Mark a confirmation as acknowledged by finance (finance, ops or admin only)."""
    now = now or timezone.now()
    if not can_acknowledge(actor):
        raise PermissionDenied(
            "acknowledge_not_allowed",
            _("Only finance, sales operations or administrators can acknowledge rebate confirmations."),
        )

    with transaction.atomic():
        locked = RebateConfirmation.objects.select_for_update().get(pk=document.pk)
        if locked.status != ConfirmationStatus.CONFIRMED:
            raise Conflict(
                "confirmation_not_open",
                _("Rebate confirmation %(number)s is %(status)s and cannot be acknowledged.")
                % {"number": locked.number, "status": locked.get_status_display()},
                params={"number": locked.number},
            )
        locked.status = ConfirmationStatus.ACKNOWLEDGED
        locked.acknowledged_by = actor
        locked.acknowledged_at = now
        locked.save(update_fields=["status", "acknowledged_by", "acknowledged_at"])

        _audit(locked, AuditAction.ACKNOWLEDGED, actor, now, {})

    logger.info("Rebate confirmation %s acknowledged by user %s", locked.number, actor.pk)
    return locked


def reverse_confirmation(
    *, actor: User, document: RebateConfirmation, reason: str, now: dt.datetime | None = None
) -> RebateConfirmation:
    """Issue a signed reversing document with the original's amounts negated; return it.

    The original's status becomes ``reversed``. A document can be reversed once, and a
    reversing document cannot itself be reversed. ``reason`` is required.
    """
    now = (now or timezone.now()).replace(microsecond=0)
    reason = reason.strip()
    if not reason:
        raise DomainError("reason_required", _("Enter the reason for the reversal."), field="reason")
    if document.is_reversal:
        raise DomainError(
            "reversal_of_reversal",
            _("%(number)s is itself a reversing document and cannot be reversed. Issue a new confirmation instead.")
            % {"number": document.number},
            params={"number": document.number},
        )
    _check_may_reverse(actor, document)

    with transaction.atomic():
        _lock_agreement(document.agreement)
        original = RebateConfirmation.objects.select_for_update().get(pk=document.pk)
        if original.status == ConfirmationStatus.REVERSED:
            raise Conflict(
                "already_reversed",
                _("Rebate confirmation %(number)s has already been reversed.") % {"number": original.number},
                params={"number": original.number},
            )
        reversal = _create_reversal(actor=actor, original=original, reason=reason, now=now)
        original.status = ConfirmationStatus.REVERSED
        original.save(update_fields=["status"])

        _audit(original, AuditAction.REVERSED, actor, now, {"reversal": reversal.number, "reason": reason})
        _audit(reversal, AuditAction.REVERSAL_ISSUED, actor, now, {"reverses": original.number, "reason": reason})

    logger.info("Rebate confirmation %s reversed by %s (user %s)", original.number, reversal.number, actor.pk)
    return reversal


# --- helpers ---------------------------------------------------------------------------

SEQUENCE_PREFIX = "RB"


def _parsed(payments: Sequence[object]) -> list[Decimal]:
    return [sum_payments([payment], field=f"payments[{index}]")[0] for index, payment in enumerate(payments)]


def _agreement_customer(agreement: RebateAgreement, customer: Customer | None) -> Customer:
    """Return the customer a document is for: the agreement's own, or a member of its group."""
    if agreement.customer_id is not None:
        if customer is not None and customer.pk != agreement.customer_id:
            raise DomainError(
                "customer_not_in_agreement",
                _("Agreement %(code)s is not with customer %(customer)s.")
                % {"code": agreement.code, "customer": customer.name},
                field="customer",
                params={"code": agreement.code, "customer": customer.name},
            )
        return agreement.customer
    if customer is None:
        raise DomainError(
            "customer_required",
            _("Agreement %(code)s covers a customer group. Choose the customer.") % {"code": agreement.code},
            field="customer",
            params={"code": agreement.code},
        )
    if not agreement.customer_group.customers.filter(pk=customer.pk).exists():
        raise DomainError(
            "customer_not_in_agreement",
            _("Agreement %(code)s is not with customer %(customer)s.")
            % {"code": agreement.code, "customer": customer.name},
            field="customer",
            params={"code": agreement.code, "customer": customer.name},
        )
    return customer


def _check_may_confirm(actor: User, customer: Customer) -> None:
    if not can_confirm(actor) or not visible_customers(actor).filter(pk=customer.pk).exists():
        raise PermissionDenied(
            "confirm_not_allowed",
            _("You cannot issue rebate confirmations for customer %(customer)s.") % {"customer": customer.name},
            params={"customer": customer.name},
        )


def _check_may_reverse(actor: User, document: RebateConfirmation) -> None:
    """Finance, ops and admin reverse any document; its author only while finance has not acknowledged it."""
    if can_acknowledge(actor):
        return
    if document.confirmed_by_id == actor.pk and document.status == ConfirmationStatus.CONFIRMED:
        return
    raise PermissionDenied(
        "reverse_not_allowed",
        _("You cannot reverse rebate confirmation %(number)s. Ask finance to reverse it.")
        % {"number": document.number},
        params={"number": document.number},
    )


def _check_agreement_applies(agreement: RebateAgreement, day: dt.date) -> None:
    if agreement.status != AgreementStatus.ACTIVE:
        raise DomainError(
            "agreement_not_active",
            _("Agreement %(code)s version %(version)s is not active.")
            % {"code": agreement.code, "version": agreement.version},
            field="agreement",
            params={"code": agreement.code},
        )
    if not agreement.is_effective_on(day):
        raise DomainError(
            "agreement_not_effective",
            _("Agreement %(code)s is not in effect on %(date)s. Choose a date within its effective dates.")
            % {"code": agreement.code, "date": day.isoformat()},
            field="period",
            params={"code": agreement.code, "date": day.isoformat()},
        )


def _covered_products(agreement: RebateAgreement, product_ids: Sequence[int]) -> list[Product]:
    """Return the products for ``product_ids`` after checking the agreement covers each one."""
    if not product_ids:
        raise DomainError("products_missing", _("Choose at least one product for this confirmation."), field="products")
    covered = {product.pk: product for product in agreement.products.all()}
    chosen = []
    for product_id in product_ids:
        product = covered.get(int(product_id))
        if product is None:
            other = Product.objects.filter(pk=product_id).first()
            label = f"{other.code} {other.name}" if other else str(product_id)
            raise DomainError(
                "product_not_covered",
                _("Product %(product)s is not covered by agreement %(code)s. Remove it or choose another agreement.")
                % {"product": label, "code": agreement.code},
                field="products",
                params={"product": label, "code": agreement.code},
            )
        if product not in chosen:
            chosen.append(product)
    return chosen


def _lock_agreement(agreement: RebateAgreement) -> None:
    """Lock every version of the agreement so settlements of one period run one at a time."""
    list(RebateAgreement.objects.select_for_update().filter(code=agreement.code).values_list("pk", flat=True))


def _next_number(now: dt.datetime) -> str:
    """Return the next RB-YYYYMM-NNNNNN number for the Shanghai month of ``now``.

    The caller must be inside ``transaction.atomic``: the sequence row stays locked
    until the document is committed, so a rolled-back confirmation leaves no gap.
    """
    period_key = to_local(now).strftime("%Y%m")
    DocumentSequence.objects.get_or_create(prefix=SEQUENCE_PREFIX, period_key=period_key)
    sequence = DocumentSequence.objects.select_for_update().get(prefix=SEQUENCE_PREFIX, period_key=period_key)
    sequence.last_number += 1
    sequence.save(update_fields=["last_number"])
    return f"{SEQUENCE_PREFIX}-{period_key}-{sequence.last_number:06d}"


def _create_reversal(*, actor: User, original: RebateConfirmation, reason: str, now: dt.datetime) -> RebateConfirmation:
    """Create the reversing document: it removes the original's collected amount and
    re-settles the period, so after it the period's documents again sum to the rebate
    on the period's remaining collected amount."""
    agreement = original.agreement
    settlement = period_settlement(agreement, original.customer, original.period_start)
    remaining = settlement.collected - original.collected_total
    calculation = calculate_rebate(tiers=agreement_tiers(agreement), mode=original.mode, collected=remaining)

    reversal = RebateConfirmation.objects.create(
        number=_next_number(now),
        agreement=agreement,
        agreement_version=original.agreement_version,
        customer=original.customer,
        period_start=original.period_start,
        period_end=original.period_end,
        mode=original.mode,
        payments=[f"{-Decimal(payment):.2f}" for payment in original.payments],
        collected_total=-original.collected_total,
        period_collected_total=remaining,
        tier_index=calculation.tier_index,
        tier_threshold=calculation.tier_threshold,
        rate=calculation.rate,
        rebate_total_for_period=calculation.rebate,
        previously_confirmed=settlement.confirmed,
        rebate_amount=quantize_money(calculation.rebate - settlement.confirmed),
        reverses=original,
        reason=reason,
        verification_code=signing.new_verification_code(),
        confirmed_by=actor,
        confirmed_at=now,
    )
    reversal.products.set(original.products.all())
    _sign(reversal)
    return reversal


def _sign(document: RebateConfirmation) -> None:
    """Sign the freshly created document; this is the only write of its signed fields."""
    signing.sign_document(document)
    document.save(update_fields=["signed_payload", "signature", "key_id"])


def _audit(document: RebateConfirmation, action: str, actor: User, at: dt.datetime, details: dict) -> None:
    RebateAuditEvent.objects.create(
        document=document, agreement=document.agreement, action=action, actor=actor, at=at, details=details
    )
