"""Filters of the finance and "my documents" lists, applied to an already scoped queryset."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from salespulse.core.timeutil import start_of_local_day
from salespulse.rebates.models import RebateConfirmation


@dataclass(frozen=True)
class DocumentFilter:
    """Empty values filter nothing; dates are local (Asia/Shanghai) calendar days, both inclusive."""

    number: str = ""
    customer: str = ""
    status: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    @classmethod
    def from_form(cls, form) -> DocumentFilter:
        if not form.is_bound or not form.is_valid():
            return cls()
        data = form.cleaned_data
        return cls(
            number=data["number"].strip(),
            customer=data["customer"].strip(),
            status=data["status"],
            date_from=data["date_from"],
            date_to=data["date_to"],
        )


def filter_documents(
    documents: QuerySet[RebateConfirmation], filters: DocumentFilter
) -> QuerySet[RebateConfirmation]:
    """Narrow ``documents`` (from ``selectors.visible_confirmations``) and sort newest first."""
    if filters.number:
        documents = documents.filter(number__icontains=filters.number)
    if filters.customer:
        documents = documents.filter(
            Q(customer__name__icontains=filters.customer) | Q(customer__short_name__icontains=filters.customer)
        )
    if filters.status:
        documents = documents.filter(status=filters.status)
    if filters.date_from:
        documents = documents.filter(confirmed_at__gte=start_of_local_day(filters.date_from))
    if filters.date_to:
        documents = documents.filter(
            confirmed_at__lt=start_of_local_day(filters.date_to + dt.timedelta(days=1))
        )
    return documents.order_by("-confirmed_at", "-number")
