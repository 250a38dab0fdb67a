"""Customer list, customer page and opportunity page. Thin: parse, call selectors and
services, render. Records outside the user's scope give 404, never 403, so their
existence does not leak."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from salespulse.core.errors import DomainError
from salespulse.core.timeutil import local_date
from salespulse.crm import selectors
from salespulse.crm.forms import (
    AttachmentForm,
    CustomerFilterForm,
    ObjectionForm,
    ObjectionResponseForm,
    OpportunityForm,
)
from salespulse.crm.services import OpportunityDetails, StageChange, edit_opportunity
from salespulse.pipeline import evidence
from salespulse.pipeline.gate_preview import gate_checklist, next_stages
from salespulse.pipeline.models import DocumentType
from salespulse.pipeline.selectors import opportunity_evidence
from salespulse.pipeline.services import GateBlocked

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
    unmet = []

    if request.method == "POST" and form.is_valid():
        try:
            _save_opportunity_form(request, opportunity, form)
        except GateBlocked as blocked:
            # The transition service has logged and recorded the blocked attempt.
            form.add_error(None, str(blocked.message))
            unmet = blocked.items
        except DomainError as error:
            field = error.field if error.field in form.fields else None
            form.add_error(field, str(error.message))
        else:
            messages.success(
                request, _("Opportunity %(name)s saved.") % {"name": form.cleaned_data["name"]}
            )
            return redirect("crm:opportunity_detail", pk=opportunity.pk)

    return _render_opportunity(request, opportunity, form=form, unmet=unmet)


def _render_opportunity(
    request: HttpRequest,
    opportunity,
    *,
    form: OpportunityForm | None = None,
    unmet=(),
    attachment_form: AttachmentForm | None = None,
    objection_form: ObjectionForm | None = None,
) -> HttpResponse:
    """Render the opportunity page, with status 400 when a bound form has errors."""
    form = form or OpportunityForm(request.user, opportunity)
    if attachment_form is None:
        attachment_form = AttachmentForm(initial={"document_type": _preselected_document_type(request)})
    objection_form = objection_form or ObjectionForm()
    context = {
        "opportunity": opportunity,
        "form": form,
        "unmet": unmet,
        "history": selectors.opportunity_stage_history(request.user, opportunity),
        "evidence": opportunity_evidence(opportunity),
        "attachment_form": attachment_form,
        "objection_form": objection_form,
        "response_form": ObjectionResponseForm(),
        "checklists": [gate_checklist(opportunity, stage) for stage in next_stages(opportunity)],
    }
    has_errors = any(bound.errors for bound in (form, attachment_form, objection_form) if bound.is_bound)
    return render(request, "crm/opportunity_detail.html", context, status=400 if has_errors else 200)


def _preselected_document_type(request: HttpRequest):
    """Return the id of the document type named by ``?document_type=CODE`` (the gate's upload link)."""
    code = request.GET.get("document_type", "")
    return DocumentType.objects.filter(code=code).values_list("pk", flat=True).first() if code else None


def _evidence_redirect(opportunity) -> HttpResponse:
    return redirect(reverse("crm:opportunity_detail", args=[opportunity.pk]) + "#evidence")


@login_required
@require_POST
def add_attachment(request: HttpRequest, pk: int) -> HttpResponse:
    opportunity = selectors.get_visible_opportunity(request.user, pk)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            evidence.add_attachment(
                actor=request.user,
                opportunity=opportunity,
                document_type=form.cleaned_data["document_type"],
                upload=upload,
                file_name=upload.name,
                declared_size=upload.size,
            )
        except DomainError as error:
            logger.info(
                "attachment on opportunity %s by user %s rejected: %s", opportunity.pk, request.user.pk, error.code
            )
            form.add_error("file", str(error.message))
        else:
            messages.success(request, _("%(file)s uploaded.") % {"file": upload.name})
            return _evidence_redirect(opportunity)
    return _render_opportunity(request, opportunity, attachment_form=form)


@login_required
@require_POST
def add_objection(request: HttpRequest, pk: int) -> HttpResponse:
    opportunity = selectors.get_visible_opportunity(request.user, pk)
    form = ObjectionForm(request.POST)
    if form.is_valid():
        try:
            evidence.record_objection(
                actor=request.user,
                opportunity=opportunity,
                category=form.cleaned_data["category"],
                customer_words=form.cleaned_data["customer_words"],
                response=form.cleaned_data["response"],
            )
        except DomainError as error:
            logger.info(
                "objection on opportunity %s by user %s rejected: %s", opportunity.pk, request.user.pk, error.code
            )
            field = error.field if error.field in form.fields else None
            form.add_error(field, str(error.message))
        else:
            messages.success(request, _("Objection recorded."))
            return _evidence_redirect(opportunity)
    return _render_opportunity(request, opportunity, objection_form=form)


@login_required
@require_POST
def respond_to_objection(request: HttpRequest, pk: int, objection_pk: int) -> HttpResponse:
    opportunity = selectors.get_visible_opportunity(request.user, pk)
    objection = get_object_or_404(opportunity.objections, pk=objection_pk)
    form = ObjectionResponseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write a response before saving it."))
        return _evidence_redirect(opportunity)

    try:
        evidence.respond_to_objection(
            actor=request.user,
            objection=objection,
            response=form.cleaned_data["response"],
            resolved_at=timezone.now() if form.cleaned_data["resolved"] else None,
        )
    except DomainError as error:
        logger.info("response to objection %s by user %s rejected: %s", objection.pk, request.user.pk, error.code)
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Response saved."))
    return _evidence_redirect(opportunity)


def _save_opportunity_form(request: HttpRequest, opportunity, form: OpportunityForm) -> None:
    data = form.cleaned_data
    details = OpportunityDetails(
        name=data["name"],
        customer=data["customer"],
        product_line=data["product_line"],
        expected_amount=data["expected_amount"],
        expected_close_date=data["expected_close_date"],
        signed_date=data["signed_date"],
        decision_maker=data["decision_maker"],
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
