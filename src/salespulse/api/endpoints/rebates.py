"""Rebate endpoints: quote, confirm, list, show, acknowledge, reverse, public verify.

Amounts and rates in requests must be decimal strings ("600000.00", "0.032"); a JSON
number is rejected with 422 because the client may have parsed it as a binary float.
"""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from salespulse.api.schemas import CustomerRef, ErrorOut, Money, UserRef, UtcDateTime
from salespulse.core.errors import DomainError, NotFound
from salespulse.core.timeutil import local_date
from salespulse.crm.models import Customer
from salespulse.crm.selectors import visible_customers
from salespulse.rebates import signing
from salespulse.rebates.calculation import MODES, RebateCalculation, parse_tiers
from salespulse.rebates.models import ConfirmationStatus, RebateAgreement, RebateConfirmation
from salespulse.rebates.selectors import get_visible_confirmation, visible_agreements, visible_confirmations
from salespulse.rebates.services import RebateQuote, acknowledge, confirm_rebate, quote, reverse_confirmation

router = Router(tags=["rebates"])


def _rate_text(rate: Decimal | None) -> str | None:
    return None if rate is None else f"{rate.normalize():f}"


def _money_text(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


# --- schemas -------------------------------------------------------------------------


class TierIn(Schema):
    threshold: str = Field(description='Collected amount from which the tier applies (inclusive), e.g. "500000.00".')
    rate: str = Field(description='Rate as a fraction, e.g. "0.032" for 3.2%.')


class QuoteIn(Schema):
    agreement: int | str | None = Field(None, description="Agreement id or code; or give tiers and mode instead.")
    tiers: list[TierIn] | None = Field(None, description="Inline tier table, used when no agreement is given.")
    mode: str | None = Field(None, description="whole or progressive; required with inline tiers.")
    collected: str | list[str] = Field(description="One amount or a list of payments, as decimal strings.")
    period: dt.date | None = Field(
        None, description="Any date in the period; with an agreement, settles against earlier confirmations."
    )
    customer: int | None = Field(None, description="Customer id; needed only for customer-group agreements.")


class TierOut(Schema):
    index: int = Field(description="0-based position in the tier table sorted by threshold.")
    threshold: str
    rate: str


class NextTierOut(Schema):
    threshold: str
    rate: str


class QuoteOut(Schema):
    mode: str
    collected: str = Field(description="Amount the tier is chosen on (earlier confirmations of the period included).")
    payments_total: str
    payment_count: int
    tier: TierOut | None = Field(description="Tier reached; null below the first threshold.")
    rate: str
    rebate: str = Field(description="Rebate on the collected amount, rounded half-up to 0.01.")
    amount_to_next_tier: str | None = Field(description="null at the top tier.")
    next_tier: NextTierOut | None
    previously_collected: str
    previously_confirmed: str
    payable: str = Field(description="rebate − previously_confirmed: what a confirmation now would pay.")
    period_start: dt.date | None
    period_end: dt.date | None
    explanation: list[str]


class ConfirmIn(Schema):
    agreement: int | str = Field(description="Agreement id or code (the highest active version).")
    period: dt.date | None = Field(None, description="Any date in the period; today in Asia/Shanghai when omitted.")
    products: list[int] = Field(description="Ids of the products collected for; all must be covered by the agreement.")
    payments: list[str] = Field(description="Payments as decimal strings.")
    customer: int | None = Field(None, description="Customer id; needed only for customer-group agreements.")


class ReverseIn(Schema):
    reason: str


class ProductRef(Schema):
    id: int
    code: str
    name: str


class AgreementRef(Schema):
    id: int
    code: str
    version: int


class ConfirmationOut(Schema):
    number: str
    verification_code: str
    status: str
    agreement: AgreementRef
    customer: CustomerRef
    period_start: dt.date
    period_end: dt.date
    products: list[ProductRef]
    mode: str
    payments: list[str]
    collected_total: Money
    period_collected_total: Money
    tier_index: int | None
    tier_threshold: Money | None
    rate: str
    rebate_total_for_period: Money
    previously_confirmed: Money
    rebate_amount: Money
    reverses: str | None = Field(description="Number of the document this one reverses.")
    reversed_by: str | None = Field(description="Number of the reversing document, if any.")
    reason: str
    confirmed_by: UserRef
    confirmed_at: UtcDateTime
    acknowledged_by: UserRef | None
    acknowledged_at: UtcDateTime | None
    key_id: str
    signature: str
    signed_payload: str

    @staticmethod
    def resolve_agreement(document: RebateConfirmation) -> dict[str, Any]:
        return {"id": document.agreement_id, "code": document.agreement.code, "version": document.agreement_version}

    @staticmethod
    def resolve_products(document: RebateConfirmation) -> list[dict[str, Any]]:
        return [{"id": p.pk, "code": p.code, "name": p.name} for p in document.products.all()]

    @staticmethod
    def resolve_rate(document: RebateConfirmation) -> str:
        return _rate_text(document.rate)

    @staticmethod
    def resolve_reverses(document: RebateConfirmation) -> str | None:
        return document.reverses.number if document.reverses_id else None

    @staticmethod
    def resolve_reversed_by(document: RebateConfirmation) -> str | None:
        reversal = getattr(document, "reversed_by", None)
        return reversal.number if reversal else None

    @staticmethod
    def resolve_confirmed_by(document: RebateConfirmation) -> dict[str, Any]:
        return _user_ref(document.confirmed_by)

    @staticmethod
    def resolve_acknowledged_by(document: RebateConfirmation) -> dict[str, Any] | None:
        return _user_ref(document.acknowledged_by) if document.acknowledged_by_id else None


class VerificationOut(Schema):
    status: str = Field(description="authentic, tampered or unknown.")
    reason: str
    number: str | None = None
    customer: str | None = None
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    rebate_amount: str | None = None
    confirmed_at: UtcDateTime | None = None


def _user_ref(user) -> dict[str, Any]:
    return {"id": user.pk, "username": user.username, "display_name": str(user)}


# --- lookups -------------------------------------------------------------------------


def _agreement(request: HttpRequest, reference: int | str) -> RebateAgreement:
    agreements = visible_agreements(request.auth)
    if isinstance(reference, int) or (isinstance(reference, str) and reference.isdigit()):
        agreement = agreements.filter(pk=int(reference)).first()
    else:
        agreement = agreements.filter(code=reference, status="active").order_by("-version").first()
    if agreement is None:
        raise NotFound(
            "agreement_not_found",
            _("Rebate agreement %(agreement)s was not found, or you may not see it.") % {"agreement": reference},
            field="agreement",
            params={"agreement": reference},
        )
    return agreement


def _customer(request: HttpRequest, customer_id: int | None) -> Customer | None:
    if customer_id is None:
        return None
    customer = visible_customers(request.auth).filter(pk=customer_id).first()
    if customer is None:
        raise NotFound(
            "customer_not_found",
            _("Customer %(id)s was not found, or you may not see it.") % {"id": customer_id},
            field="customer",
        )
    return customer


def _documents(request: HttpRequest) -> QuerySet[RebateConfirmation]:
    return visible_confirmations(request.auth).select_related("reversed_by").prefetch_related("products")


def _document(request: HttpRequest, number: str) -> RebateConfirmation:
    get_visible_confirmation(request.auth, number)
    return _documents(request).get(number=number)


def _quote_out(result: RebateQuote) -> dict[str, Any]:
    calculation: RebateCalculation = result.calculation
    tier = None
    if calculation.tier_index is not None:
        tier = {
            "index": calculation.tier_index,
            "threshold": _money_text(calculation.tier_threshold),
            "rate": _rate_text(calculation.rate),
        }
    next_tier = None
    if calculation.next_threshold is not None:
        next_tier = {"threshold": _money_text(calculation.next_threshold), "rate": _rate_text(calculation.next_rate)}
    return {
        "mode": calculation.mode,
        "collected": _money_text(calculation.collected),
        "payments_total": _money_text(result.payments_total),
        "payment_count": calculation.payment_count,
        "tier": tier,
        "rate": _rate_text(calculation.rate),
        "rebate": _money_text(calculation.rebate),
        "amount_to_next_tier": _money_text(calculation.amount_to_next_tier),
        "next_tier": next_tier,
        "previously_collected": _money_text(result.previously_collected),
        "previously_confirmed": _money_text(result.previously_confirmed),
        "payable": _money_text(result.payable),
        "period_start": result.period_start,
        "period_end": result.period_end,
        "explanation": calculation.explanation,
    }


# --- endpoints -----------------------------------------------------------------------


@router.post("/quote", response={200: QuoteOut, 404: ErrorOut, 422: ErrorOut}, summary="Compute a rebate")
def quote_rebate(request: HttpRequest, payload: QuoteIn) -> dict[str, Any]:
    """Compute the tier reached, rate, rebate and amount to the next tier; stores nothing."""
    payments = [payload.collected] if isinstance(payload.collected, str) else payload.collected
    if payload.agreement is not None:
        result = quote(
            payments=payments,
            agreement=_agreement(request, payload.agreement),
            period=payload.period,
            customer=_customer(request, payload.customer),
        )
    else:
        if payload.mode not in MODES:
            raise DomainError(
                "mode_invalid",
                _('The calculation mode "%(mode)s" is unknown. Use whole or progressive.') % {"mode": payload.mode},
                field="mode",
                params={"mode": payload.mode},
            )
        tiers = parse_tiers([tier.dict() for tier in payload.tiers or []])
        result = quote(payments=payments, tiers=tiers, mode=payload.mode)
    return _quote_out(result)


@router.post(
    "/confirmations",
    response={201: ConfirmationOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Confirm a rebate",
)
def create_confirmation(request: HttpRequest, payload: ConfirmIn):
    """Issue a signed rebate confirmation that settles against earlier ones of the period."""
    document = confirm_rebate(
        actor=request.auth,
        agreement=_agreement(request, payload.agreement),
        period=payload.period or local_date(timezone.now()),
        product_ids=payload.products,
        payments=payload.payments,
        customer=_customer(request, payload.customer),
    )
    return Status(201, _document(request, document.number))


@router.get("/confirmations", response=list[ConfirmationOut], summary="List rebate confirmations")
@paginate(PageNumberPagination, page_size=50, max_page_size=200)
def list_confirmations(
    request: HttpRequest,
    status: str | None = None,
    customer: int | None = None,
    since: dt.datetime | None = None,
) -> QuerySet[RebateConfirmation]:
    """Confirmations the caller may see, newest first. ``since`` returns only documents
    confirmed after that time (for polling)."""
    documents = _documents(request)
    if status:
        if status not in ConfirmationStatus.values:
            raise DomainError(
                "status_invalid",
                _('The status "%(status)s" is unknown. Use confirmed, acknowledged or reversed.') % {"status": status},
                field="status",
                params={"status": status},
            )
        documents = documents.filter(status=status)
    if customer:
        documents = documents.filter(customer_id=customer)
    if since:
        documents = documents.filter(confirmed_at__gt=since)
    return documents.order_by("-confirmed_at", "-number")


@router.get(
    "/confirmations/{number}", response={200: ConfirmationOut, 404: ErrorOut}, summary="Get a rebate confirmation"
)
def get_confirmation(request: HttpRequest, number: str) -> RebateConfirmation:
    return _document(request, number)


@router.post(
    "/confirmations/{number}/acknowledge",
    response={200: ConfirmationOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    summary="Acknowledge a confirmation (finance)",
)
def acknowledge_confirmation(request: HttpRequest, number: str) -> RebateConfirmation:
    acknowledge(actor=request.auth, document=_document(request, number))
    return _document(request, number)


@router.post(
    "/confirmations/{number}/reverse",
    response={201: ConfirmationOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="Reverse a confirmation",
)
def reverse(request: HttpRequest, number: str, payload: ReverseIn):
    """Issue a reversing document that references the original; returns the new document."""
    reversal = reverse_confirmation(actor=request.auth, document=_document(request, number), reason=payload.reason)
    return Status(201, _document(request, reversal.number))


@router.get("/verify/{code}", response=VerificationOut, auth=None, summary="Verify a confirmation (public)")
def verify_confirmation(request: HttpRequest, code: str) -> dict[str, Any]:
    """Check a verification code (or document number) without signing in.

    Returns ``authentic``, ``tampered`` or ``unknown`` with the reason; the document's
    summary is shown only when it is authentic.
    """
    result = signing.verify(code)
    body: dict[str, Any] = {"status": result.status, "reason": result.reason}
    if result.document is not None:
        body["number"] = result.document.number
    if result.is_authentic:
        document = result.document
        body.update(
            customer=document.customer.name,
            period_start=document.period_start,
            period_end=document.period_end,
            rebate_amount=_money_text(document.rebate_amount),
            confirmed_at=document.confirmed_at,
        )
    return body
