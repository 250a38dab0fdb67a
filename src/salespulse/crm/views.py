"""Customer list, customer page and opportunity page. Thin: parse, call selectors and
services, render. Records outside the user's scope give 404, never 403, so their
existence does not leak."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from salespulse.core.errors import DomainError
from salespulse.core.timeutil import local_date
from salespulse.crm import selectors
from salespulse.crm.forms import CustomerFilterForm, OpportunityForm
from salespulse.crm.services import OpportunityDetails, StageChange, edit_opportunity

logger = logging.getLogger(__name__)

CUSTOMERS_PER_PAGE = 25


@login_required
@require_GET
def customer_list(request: HttpRequest) -> HttpResponse:
    """The full page, or only its results block when htmx asks (search, filters, paging)."""
    form = CustomerFilterForm(request.user, request.GET or None)
    filters = form.to_filter() if form.is_bound and form.is_valid() else selectors.CustomerFilter()
    customers = selectors.search_customers(request.user, filters)
    page = Paginator(customers, CUSTOMERS_PER_PAGE).get_page(request.GET.get("page"))

    today = local_date(timezone.now())
    for customer in page.object_list:
        customer.kind = selectors.customer_kind(customer, today)

    template = "crm/customer_list.html"
    if request.htmx and not request.htmx.boosted:
        template += "#results"
    return render(request, template, {"form": form, "page": page, "kinds": selectors.CustomerKind})


@login_required
@require_GET
def customer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    customer = selectors.get_visible_customer(request.user, pk)
    context = {
        "customer": customer,
        "kind": selectors.customer_kind(customer, local_date(timezone.now())),
        "kinds": selectors.CustomerKind,
        "contacts": customer.contacts.all(),
        "opportunities": selectors.open_opportunities_of_customer(request.user, customer),
        "timeline": selectors.customer_timeline(request.user, customer),
    }
    return render(request, "crm/customer_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def opportunity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    opportunity = selectors.get_visible_opportunity(request.user, pk)
    form = OpportunityForm(request.user, opportunity, request.POST or None)

    if request.method == "POST" and form.is_valid():
        try:
            _save_opportunity_form(request, opportunity, form)
        except DomainError as error:
            field = error.field if error.field in form.fields else None
            form.add_error(field, str(error.message))
        else:
            messages.success(
                request, _("Opportunity %(name)s saved.") % {"name": form.cleaned_data["name"]}
            )
            return redirect("crm:opportunity_detail", pk=opportunity.pk)

    context = {
        "opportunity": opportunity,
        "form": form,
        "history": selectors.opportunity_stage_history(request.user, opportunity),
    }
    return render(
        request, "crm/opportunity_detail.html", context, status=400 if form.errors else 200
    )


def _save_opportunity_form(request: HttpRequest, opportunity, form: OpportunityForm) -> None:
    data = form.cleaned_data
    details = OpportunityDetails(
        name=data["name"],
        customer=data["customer"],
        product_line=data["product_line"],
        expected_amount=data["expected_amount"],
        expected_close_date=data["expected_close_date"],
    )
    stage_change = StageChange(
        to_stage=data["stage"],
        expected_stage=data["expected_stage"],
        reason=data["reason"],
        won_amount=data["won_amount"],
        loss_reason=data["loss_reason"],
        loss_note=data["loss_note"],
    )
    edit_opportunity(
        opportunity=opportunity, actor=request.user, details=details, stage_change=stage_change
    )
