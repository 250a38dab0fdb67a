"""Rebate calculator, confirmation pages, finance list and the public verification page.

Thin: parse, call ``rebates.selectors`` / ``rebates.services``, render. Documents a user
may not see give 404, never 403, so their existence does not leak. Nothing here edits
a confirmed document: the only writes are confirm, acknowledge and reverse.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from salespulse.core.errors import DomainError, NotFound
from salespulse.core.timeutil import local_date
from salespulse.crm.selectors import get_visible_customer
from salespulse.rebates import selectors, services, signing
from salespulse.rebates.customer_search import find_customers
from salespulse.rebates.document_filters import DocumentFilter, filter_documents
from salespulse.rebates.export import export_documents
from salespulse.rebates.forms import FinanceFilterForm, QuoteForm, ReverseForm, VerifyForm
from salespulse.rebates.models import ConfirmationStatus, RebateConfirmation
from salespulse.rebates.pdf import render_confirmation_pdf
from salespulse.rebates.presenters import confirmation_sheet, document_period_label

logger = logging.getLogger(__name__)

DOCUMENTS_PER_PAGE = 25
FINANCE_POLL_SECONDS = 5


def _forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "rebates/forbidden.html", {"message": message}, status=403)


def _role_required(allowed: Callable, message: Callable[[], str]):
    """Admit users for whom ``allowed(user)`` is true and show everyone else a 403 page with ``message()``."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not allowed(request.user):
                logger.info("user %s denied rebate page %s", request.user.pk, request.path)
                return _forbidden(request, message())
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


confirmers_only = _role_required(
    selectors.can_confirm,
    lambda: _(
        "Only sales reps, managers, directors, sales operations and administrators may use the rebate calculator."
    ),
)
finance_only = _role_required(
    selectors.can_acknowledge,
    lambda: _("Only finance, sales operations and administrators may open the finance view."),
)


def _visible_document(request: HttpRequest, number: str) -> RebateConfirmation:
    try:
        return selectors.get_visible_confirmation(request.user, number)
    except NotFound as error:
        raise Http404(error.message) from error


def _htmx_target(request: HttpRequest) -> str | None:
    if request.htmx and not request.htmx.boosted:
        return request.htmx.target
    return None


# --- calculator ---------------------------------------------------------------------------


@confirmers_only
@require_GET
def calculator(request: HttpRequest) -> HttpResponse:
    """Render the calculator, or only the customer matches or the live quote that htmx requests."""
    context = _calculator_context(request, request.GET)
    target = _htmx_target(request)
    template = "rebates/calculator.html"
    if target == "customer-matches":
        template += "#matches"
    elif target == "quote":
        template += "#quote"
    return render(request, template, context)


@confirmers_only
@require_POST
def confirm(request: HttpRequest) -> HttpResponse:
    """Issue a confirmation from the calculator's figures, unless they changed since they were shown."""
    context = _calculator_context(request, request.POST)
    form, quote = context["form"], context["quote"]
    if form is None or quote is None:
        return render(request, "rebates/calculator.html", context, status=400)

    products = list(form.cleaned_data["products"])
    if not products:
        form.add_error("products", _("Tick at least one product that the agreement covers."))
        return render(request, "rebates/calculator.html", context, status=400)
    shown = request.POST.get("expected_payable", "")
    if shown != f"{quote.payable:.2f}":
        # Another confirmation of the same period was issued after the figures were shown.
        form.add_error(
            None,
            _("The amount payable is now %(amount)s because another confirmation of this period was issued. "
              "Check the figures and confirm again.") % {"amount": f"¥{quote.payable:,.2f}"},
        )
        return render(request, "rebates/calculator.html", context, status=409)

    try:
        document = services.confirm_rebate(
            actor=request.user,
            agreement=context["agreement"],
            period=form.cleaned_data["period"],
            product_ids=[product.pk for product in products],
            payments=[f"{amount:.2f}" for amount in form.cleaned_data["payment"]],
            customer=context["customer"],
        )
    except DomainError as error:
        logger.info("rebate confirmation by user %s rejected: %s", request.user.pk, error.code)
        form.add_error(None, str(error.message))
        return render(request, "rebates/calculator.html", context, status=error.status)

    messages.success(
        request, _("Rebate confirmation %(number)s issued.") % {"number": document.number}
    )
    return redirect("rebates:document_detail", number=document.number)


def _calculator_context(request: HttpRequest, data) -> dict:
    """Resolve customer → agreement → quote from ``data``; each step needs the one before."""
    user = request.user
    today = local_date(timezone.now())
    query = data.get("q", "").strip()
    context: dict = {
        "query": query,
        "matches": find_customers(user, query, today) if query else [],
        "customer": None,
        "agreements": [],
        "agreement": None,
        "form": None,
        "quote": None,
        "quote_error": "",
    }

    customer_id = data.get("customer", "")
    if not customer_id.isdigit():
        return context
    customer = get_visible_customer(user, int(customer_id))
    agreements = selectors.agreements_for_customer(user, customer, today)
    context.update(customer=customer, agreements=agreements)

    chosen = data.get("agreement", "")
    agreement = next((item for item in agreements if str(item.pk) == chosen), None)
    if agreement is None and len(agreements) == 1:
        agreement = agreements[0]
    if agreement is None:
        return context
    context["agreement"] = agreement

    form = QuoteForm(agreement, today, data if "payment" in data else None)
    context["form"] = form
    if form.is_bound and form.is_valid():
        try:
            context["quote"] = services.quote(
                payments=form.cleaned_data["payment"],
                agreement=agreement,
                period=form.cleaned_data["period"],
                customer=customer,
            )
        except DomainError as error:
            context["quote_error"] = str(error.message)
    return context


# --- documents --------------------------------------------------------------------------


@login_required
@require_GET
def document_detail(request: HttpRequest, number: str) -> HttpResponse:
    document = _visible_document(request, number)
    context = {
        "document": document,
        "period_label": document_period_label(document),
        "products": document.products.order_by("code"),
        "events": selectors.audit_trail(request.user, document),
        "reversal": getattr(document, "reversed_by", None),
        "may_acknowledge": selectors.can_acknowledge(request.user)
        and document.status == ConfirmationStatus.CONFIRMED
        and not document.is_reversal,
        "may_reverse": _may_reverse(request.user, document),
        "reverse_form": ReverseForm(),
    }
    return render(request, "rebates/document_detail.html", context)


def _may_reverse(user, document: RebateConfirmation) -> bool:
    """Mirror the service's rule to show the form: finance, ops and admin reverse any document,
    its author only while finance has not acknowledged it."""
    if document.is_reversal or document.status == ConfirmationStatus.REVERSED:
        return False
    if selectors.can_acknowledge(user):
        return True
    return document.confirmed_by_id == user.pk and document.status == ConfirmationStatus.CONFIRMED


@login_required
@require_GET
def document_pdf(request: HttpRequest, number: str) -> HttpResponse:
    document = _visible_document(request, number)
    verification_url = request.build_absolute_uri(
        reverse("rebates:verify", args=[document.verification_code])
    )
    pdf = render_confirmation_pdf(confirmation_sheet(document, verification_url=verification_url))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{document.number}.pdf"'
    return response


@login_required
@require_POST
def acknowledge(request: HttpRequest, number: str) -> HttpResponse:
    document = _visible_document(request, number)
    try:
        services.acknowledge(actor=request.user, document=document)
    except DomainError as error:
        logger.info("acknowledging %s by user %s rejected: %s", document.number, request.user.pk, error.code)
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("%(number)s acknowledged.") % {"number": document.number})
    return _redirect_back(request, reverse("rebates:document_detail", args=[document.number]))


@login_required
@require_POST
def reverse_document(request: HttpRequest, number: str) -> HttpResponse:
    document = _visible_document(request, number)
    form = ReverseForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.errors["reason"][0])
        return redirect("rebates:document_detail", number=document.number)
    try:
        reversal = services.reverse_confirmation(
            actor=request.user, document=document, reason=form.cleaned_data["reason"]
        )
    except DomainError as error:
        logger.info("reversing %s by user %s rejected: %s", document.number, request.user.pk, error.code)
        messages.error(request, str(error.message))
        return redirect("rebates:document_detail", number=document.number)
    messages.success(
        request,
        _("%(original)s reversed by %(reversal)s.") % {"original": document.number, "reversal": reversal.number},
    )
    return redirect("rebates:document_detail", number=reversal.number)


def _redirect_back(request: HttpRequest, fallback: str) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return redirect(target)
    return redirect(fallback)


# --- lists and export -------------------------------------------------------------------


@login_required
@require_GET
def my_documents(request: HttpRequest) -> HttpResponse:
    """Render the documents of the customers the user may see (all of them for finance, ops and admin)."""
    return _document_list(request, finance=False)


@finance_only
@require_GET
def finance(request: HttpRequest) -> HttpResponse:
    """Render the finance list, or only its results block, which htmx polls every few seconds."""
    return _document_list(request, finance=True)


def _document_list(request: HttpRequest, *, finance: bool) -> HttpResponse:
    form = FinanceFilterForm(request.GET or None)
    documents = filter_documents(selectors.visible_confirmations(request.user), DocumentFilter.from_form(form))
    page = Paginator(documents, DOCUMENTS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "finance": finance,
        "poll_seconds": FINANCE_POLL_SECONDS,
        "list_url": reverse("rebates:finance" if finance else "rebates:my_documents"),
        "may_acknowledge": finance and selectors.can_acknowledge(request.user),
    }
    template = "rebates/document_list.html"
    if _htmx_target(request) == "document-results":
        template += "#results"
    return render(request, template, context)


@finance_only
@require_GET
def finance_export(request: HttpRequest) -> HttpResponse:
    form = FinanceFilterForm(request.GET or None)
    documents = filter_documents(selectors.visible_confirmations(request.user), DocumentFilter.from_form(form))
    workbook = export_documents(documents.iterator(chunk_size=500))
    stamp = timezone.localtime(timezone.now()).strftime("%Y%m%d-%H%M")
    response = HttpResponse(
        workbook, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="rebate-confirmations-{stamp}.xlsx"'
    logger.info("user %s exported rebate confirmations", request.user.pk)
    return response


# --- public verification ------------------------------------------------------------------


@require_GET
def verify_form(request: HttpRequest) -> HttpResponse:
    form = VerifyForm(request.GET or None)
    if form.is_bound and form.is_valid():
        code = signing.normalize_code(form.cleaned_data["code"])
        return redirect("rebates:verify", code=code)
    return render(request, "rebates/verify.html", {"form": form, "result": None})


@require_GET
def verify(request: HttpRequest, code: str) -> HttpResponse:
    """Public: check the document with this verification code.

    Only the code is accepted, never the document number: numbers are sequential, so
    looking them up here would let anyone read every document's key facts.
    """
    normalized = signing.normalize_code(code)
    result = signing.verify(normalized)
    if result.document is not None and result.document.verification_code != normalized:
        result = signing.VerificationResult(
            signing.UNKNOWN, _("No rebate confirmation has this verification code.")
        )
    if not result.is_authentic:
        logger.info("verification of a rebate document failed: %s", result.status)
    context = {
        "form": VerifyForm(initial={"code": normalized}),
        "result": result,
        "document": result.document if result.is_authentic else None,
        "period_label": document_period_label(result.document) if result.is_authentic else "",
    }
    return render(request, "rebates/verify.html", context, status=200 if result.document else 404)
