"""Test data for rebates: agreements with the tier table used throughout the tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from salespulse.crm.models import Product, ProductLine
from salespulse.rebates.models import AgreementStatus, RebateAgreement, RebateTier
from tests.factories import CustomerFactory

# {< 500,000: 0%; ≥ 500,000: 3.2%; ≥ 1,000,000: 4.5%}
STANDARD_TIERS = (("0.00", "0"), ("500000.00", "0.032"), ("1000000.00", "0.045"))


def make_product(code: str = "US-X5", name: str = "便携彩超 X5") -> Product:
    line = ProductLine.objects.get(code="imaging")
    product, _created = Product.objects.get_or_create(code=code, defaults={"name": name, "product_line": line})
    return product


def make_agreement(
    *,
    customer=None,
    code: str = "RB-HOSP-2026",
    mode: str = "whole",
    period_kind: str = "month",
    tiers=STANDARD_TIERS,
    products=None,
    effective_from: dt.date = dt.date(2026, 1, 1),
    effective_to: dt.date | None = None,
    status: str = AgreementStatus.ACTIVE,
    version: int = 1,
    customer_group=None,
) -> RebateAgreement:
    """Create an active agreement with the standard tier table covering one product."""
    if customer is None and customer_group is None:
        customer = CustomerFactory()
    agreement = RebateAgreement.objects.create(
        code=code,
        name="年度返点协议",
        version=version,
        customer=customer,
        customer_group=customer_group,
        period_kind=period_kind,
        mode=mode,
        effective_from=effective_from,
        effective_to=effective_to,
        status=status,
    )
    for threshold, rate in tiers:
        RebateTier.objects.create(agreement=agreement, threshold=Decimal(threshold), rate=Decimal(rate))
    agreement.products.set(products if products is not None else [make_product()])
    return agreement
