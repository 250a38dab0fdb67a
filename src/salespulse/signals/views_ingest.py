"""Upload page and run detail for ingestion, the identity review queue, and the list of
ingested messages. Thin: parse, call ``ingest_selectors`` / ``services_ingest``, render."""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from salespulse.accounts.models import User
from salespulse.accounts.scopes import visible_users
from salespulse.core.errors import DomainError
from salespulse.crm.models import Contact, Customer
from salespulse.crm.selectors import visible_customers
from salespulse.signals import ingest_selectors as selectors
from salespulse.signals import services_ingest as services
from salespulse.signals.models import IngestStatus

logger = logging.getLogger(__name__)

POLL_SECONDS = 2
SHOWN_ERRORS = 200
SHOWN_MESSAGES = 100
# Customers offered in each review-queue form; search narrows the list beyond this.
CUSTOMER_CHOICES = 500
SOURCE_CHOICES = [
    ("", gettext_lazy("Detect from the file")),
    ("wecom", gettext_lazy("WeCom chat archive")),
    ("wecom_contacts", gettext_lazy("WeCom external contacts")),
    ("memotrace", gettext_lazy("WeChat export (MemoTrace)")),
    ("pywxdump", gettext_lazy("WeChat export (PyWxDump)")),
    ("wechatexporter", gettext_lazy("WeChat export (WechatExporter)")),
    ("email", gettext_lazy("E-mail")),
    ("call_summary", gettext_lazy("Call summary")),
    ("meeting_minutes", gettext_lazy("Meeting minutes")),
]


class IngestForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("File"))
    source = forms.ChoiceField(label=gettext_lazy("Format"), choices=SOURCE_CHOICES, required=False)
    time_zone = forms.CharField(label=gettext_lazy("Time zone of local times"), initial="Asia/Shanghai")

    def clean_time_zone(self):
        value = self.cleaned_data["time_zone"].strip()
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise forms.ValidationError(
                _("Unknown time zone %(zone)s; use a name such as Asia/Shanghai.") % {"zone": value}
            ) from error
        return value


def _forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "signals/ingest_forbidden.html", {"message": message}, status=403)


@login_required
def ingest(request: HttpRequest) -> HttpResponse:
    """GET shows the upload form and recent runs; POST stores the file and starts a run."""
    if not selectors.may_ingest(request.user):
        return _forbidden(request, _("Only sales operations, managers and administrators may import communications."))
    form = IngestForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > settings.IMPORT_MAX_UPLOAD_BYTES * 20:
            form.add_error(
                "file", _("The file is too large for the upload page; import it with the salespulse ingest command.")
            )
        else:
            path = services.store_upload(upload)
            job = services.queue_ingest(
                actor=request.user,
                path=path,
                file_name=upload.name,
                source=form.cleaned_data["source"] or None,
                time_zone=form.cleaned_data["time_zone"],
            )
            return redirect("signals:ingest_job", pk=job.pk)
    jobs = selectors.visible_jobs(request.user).select_related("created_by")[:20]
    return render(request, "signals/ingest.html", {"form": form, "jobs": jobs})


@login_required
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Render the run's progress and counts; htmx polls the progress part while the run is going."""
    job = get_object_or_404(selectors.visible_jobs(request.user).select_related("created_by"), pk=pk)
    running = job.status in (IngestStatus.PENDING, IngestStatus.RUNNING)
    context = {
        "job": job,
        "running": running,
        "poll_seconds": POLL_SECONDS,
        "errors": job.errors.all()[:SHOWN_ERRORS],
        "error_count": job.errors.count(),
    }
    template = (
        "signals/ingest_job.html#progress" if request.htmx and not request.htmx.boosted else "signals/ingest_job.html"
    )
    return render(request, template, context)


@login_required
def review_queue(request: HttpRequest) -> HttpResponse:
    if not selectors.may_review_identities(request.user):
        return _forbidden(
            request, _("Only managers, directors, sales operations and administrators may review identities.")
        )
    identities = list(selectors.review_queue(request.user)[:50])
    rows = [(identity, selectors.sample_messages(request.user, identity)) for identity in identities]
    customers = visible_customers(request.user).order_by("name")[:CUSTOMER_CHOICES]
    contacts = (
        Contact.objects.filter(customer__in=customers)
        .select_related("customer")
        .order_by("customer__name", "name")[:CUSTOMER_CHOICES]
    )
    reps = visible_users(request.user).order_by("username")
    return render(
        request,
        "signals/review_queue.html",
        {
            "rows": rows,
            "customers": customers,
            "contacts": contacts,
            "reps": reps,
            "total": selectors.review_queue(request.user).count(),
        },
    )


def _pick(model, queryset, value: str):
    if not value:
        return None
    try:
        return queryset.get(pk=int(value))
    except (ValueError, model.DoesNotExist) as error:
        raise Http404 from error


@login_required
@require_POST
def link_identity(request: HttpRequest, pk: int) -> HttpResponse:
    if not selectors.may_review_identities(request.user):
        return _forbidden(
            request, _("Only managers, directors, sales operations and administrators may review identities.")
        )
    identity = get_object_or_404(selectors.reviewable_identities(request.user), pk=pk)
    customers = visible_customers(request.user)
    try:
        count = services.link_identity(
            actor=request.user,
            identity=identity,
            customer=_pick(Customer, customers, request.POST.get("customer", "")),
            contact=_pick(Contact, Contact.objects.filter(customer__in=customers), request.POST.get("contact", "")),
            user=_pick(User, visible_users(request.user), request.POST.get("user", "")),
            ignore="ignore" in request.POST,
        )
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(
            request,
            _("%(identity)s is linked; %(count)s messages are now on the customer record.")
            % {"identity": identity.display_name or identity.value, "count": count},
        )
    return redirect("signals:review")


@login_required
def message_list(request: HttpRequest) -> HttpResponse:
    rows = (
        selectors.visible_messages(request.user)
        .select_related("customer", "opportunity", "owner")
        .order_by("-sent_at", "-id")[:SHOWN_MESSAGES]
    )
    return render(request, "signals/message_list.html", {"rows": rows})
