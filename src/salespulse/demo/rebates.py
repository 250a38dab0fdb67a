"""Rebate agreements of the demo workspace, so the calculator has something to compute.

Every customer of the demo rep gets a monthly agreement over the demo products of the
customer's product lines, with the tier table distributors commonly use: nothing below
500,000 collected, 3.2% from 500,000, 4.5% from 1,000,000 (whole amount). Hospitals get
the progressive mode, so both modes can be tried.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from salespulse.crm.models import Customer, Opportunity, Product
from salespulse.demo.reference import PREFIX, START
from salespulse.rebates.models import AgreementStatus, CalculationMode, PeriodKind, RebateAgreement, RebateTier

AGREEMENT_PREFIX = "DEMO-RB-"
TIERS = (("0.00", "0"), ("500000.00", "0.032"), ("1000000.00", "0.045"))


def create_rebate_agreements(rep_username: str) -> int:
    """Create one agreement per customer of ``rep_username``; return how many."""
    customers = list(Customer.objects.filter(owner__username=rep_username).select_related("channel").order_by("pk"))
    created = 0
    for customer in customers:
        line_ids = set(
            Opportunity.objects.filter(customer=customer).values_list("product_line_id", flat=True)
        ) - {None}
        products = list(Product.objects.filter(code__startswith=PREFIX, product_line_id__in=line_ids))
        if not products:
            continue
        hospital = customer.channel is not None and customer.channel.code == "hospital"
        agreement = RebateAgreement.objects.create(
            code=f"{AGREEMENT_PREFIX}{customer.pk}",
            name=f"{customer.short_name or customer.name} 年度返点协议",
            version=1,
            customer=customer,
            period_kind=PeriodKind.MONTH,
            mode=CalculationMode.PROGRESSIVE if hospital else CalculationMode.WHOLE,
            effective_from=dt.date(START.year, 1, 1),
            status=AgreementStatus.ACTIVE,
        )
        RebateTier.objects.bulk_create(
            RebateTier(agreement=agreement, threshold=Decimal(threshold), rate=Decimal(rate))
            for threshold, rate in TIERS
        )
        agreement.products.set(products)
        created += 1
    return created
