"""Upload page (dry run, column mapping, commit), batch page with undo, customer export.

The uploaded file waits under MEDIA_ROOT/imports/pending/<user id>/ between the dry
run and the commit, named by a random token, so the commit imports exactly the
file that was previewed. It is deleted after the commit, on cancel, and when the
import rejects the file. A preview that the user abandons is deleted by the user's
next upload once it is older than ``PENDING_MAX_AGE_SECONDS``.
"""

from __future__ import annotations

import logging
import re
import secrets
import time
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from salespulse.core.errors import DomainError
from salespulse.crm.selectors import visible_customers
from salespulse.imports.export import customers_csv, customers_xlsx
from salespulse.imports.headers import FIELDS_BY_KIND
from salespulse.imports.importers.base import ImportOptions
from salespulse.imports.models import ImportBatch
from salespulse.imports.readers import read_table
from salespulse.imports.services import batch_for_user, import_file, undo_import_batch

logger = logging.getLogger(__name__)

TOKEN = re.compile(r"^[0-9a-f]{32}\.(csv|xlsx|txt)$")
PENDING_MAX_AGE_SECONDS = 24 * 3600
KIND_CHOICES = [
    ("", gettext_lazy("Detect from the columns")),
    ("customers", gettext_lazy("Customers")),
    ("opportunities", gettext_lazy("Opportunities")),
    ("leads", gettext_lazy("Leads")),
    ("contacts", gettext_lazy("Contacts")),
    ("products", gettext_lazy("Products")),
    ("interactions", gettext_lazy("Interactions")),
    ("crm_maven", gettext_lazy("CRM Sales Opportunities data set")),
    ("bpic_history", gettext_lazy("BPIC 2012 stage history")),
]


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("CSV or XLSX file"), required=False)
    token = forms.CharField(required=False, widget=forms.HiddenInput)
    file_name = forms.CharField(required=False, widget=forms.HiddenInput)
    kind = forms.ChoiceField(label=gettext_lazy("Data"), choices=KIND_CHOICES, required=False)
    match_key = forms.CharField(label=gettext_lazy("Match existing records by"), required=False)
    sheet = forms.CharField(label=gettext_lazy("Sheet (XLSX)"), required=False)
    default_year = forms.IntegerField(
        label=gettext_lazy("Year for dates without a year"),
        required=False,
        min_value=1990,
        max_value=2100,
    )
    accept_close_matches = forms.BooleanField(
        label=gettext_lazy("Use the closest product for near-miss names"), required=False
    )

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload and upload.size > settings.IMPORT_MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _(
                    "The file is %(size)s MB; the limit is %(max)s MB. Split it or import it with the salespulse import command."
                )
                % {
                    "size": round(upload.size / 1_048_576, 1),
                    "max": round(settings.IMPORT_MAX_UPLOAD_BYTES / 1_048_576, 1),
                }
            )
        return upload

    def clean_token(self):
        token = self.cleaned_data.get("token", "")
        if token and not TOKEN.match(token):
            raise forms.ValidationError(_("The uploaded file has expired; upload it again."))
        return token


def _pending_dir(user_id: int) -> Path:
    return Path(settings.MEDIA_ROOT) / "imports" / "pending" / str(user_id)


def _store_upload(upload, user_id: int) -> str:
    suffix = Path(upload.name).suffix.lower().lstrip(".")
    token = f"{secrets.token_hex(16)}.{suffix if suffix in ('csv', 'xlsx') else 'txt'}"
    folder = _pending_dir(user_id)
    folder.mkdir(parents=True, exist_ok=True)
    _delete_stale_uploads(folder)
    with (folder / token).open("wb") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    return token


def _delete_stale_uploads(folder: Path) -> None:
    cutoff = time.time() - PENDING_MAX_AGE_SECONDS
    for stale in folder.iterdir():
        if stale.is_file() and stale.stat().st_mtime < cutoff:
            stale.unlink(missing_ok=True)


def _column_overrides(request: HttpRequest, headers: list[str]) -> dict[str, str]:
    overrides = {}
    for index, header in enumerate(headers):
        key = f"column-{index}"
        if key in request.POST:
            overrides[header] = request.POST[key]
    return overrides


@login_required
def upload(request: HttpRequest) -> HttpResponse:
    """GET shows the form; POST runs a dry run (preview) or, with ``commit``, the import."""
    form = UploadForm(request.POST or None, request.FILES or None)
    context: dict = {"form": form}
    if request.method != "POST" or not form.is_valid():
        return render(request, "imports/upload.html", context)

    data = form.cleaned_data
    token, file_name = data["token"], data["file_name"]
    if data["file"]:
        token, file_name = _store_upload(data["file"], request.user.pk), data["file"].name
    if not token:
        form.add_error("file", _("Choose a file to upload."))
        return render(request, "imports/upload.html", context)
    path = _pending_dir(request.user.pk) / token
    if "cancel" in request.POST:
        path.unlink(missing_ok=True)
        messages.info(request, _("The import of %(file)s was cancelled.") % {"file": file_name})
        return redirect("imports:upload")
    if not path.is_file():
        form.add_error("file", _("The uploaded file has expired; upload it again."))
        return render(request, "imports/upload.html", context)

    options = ImportOptions(
        kind=data["kind"] or None,
        match_key=data["match_key"] or None,
        sheet=data["sheet"] or None,
        default_year=data["default_year"],
        accept_close_matches=data["accept_close_matches"],
    )
    try:
        table = read_table(path, file_name=file_name, sheet=options.sheet)
        options.columns = _column_overrides(request, table.headers)
        commit = "commit" in request.POST
        report = import_file(
            path=path, actor=request.user, options=options, dry_run=not commit, file_name=file_name
        )
    except DomainError as error:
        # The form is shown again without the token, so the file could not be used again.
        path.unlink(missing_ok=True)
        form.add_error(None, error.message)
        template = "imports/upload.html#preview" if request.htmx else "imports/upload.html"
        return render(request, template, context)

    if commit:
        path.unlink(missing_ok=True)
        messages.success(
            request,
            _(
                "Imported %(file)s: %(created)s created, %(updated)s updated, %(unchanged)s unchanged, %(rejected)s rejected."
            )
            % {
                "file": file_name,
                "created": report.created,
                "updated": report.updated,
                "unchanged": report.unchanged,
                "rejected": report.rejected,
            },
        )
        return redirect("imports:batch", batch_id=report.batch_id)

    fields = FIELDS_BY_KIND.get(report.kind, [])
    context.update(
        report=report,
        token=token,
        file_name=file_name,
        fields=fields,
        columns=[
            (index, header, report.columns.get(header, ""))
            for index, header in enumerate(table.headers)
        ],
        sample=table.rows[:3],
    )
    template = "imports/upload.html#preview" if request.htmx else "imports/upload.html"
    return render(request, template, context)


@login_required
def batch_detail(request: HttpRequest, batch_id: int) -> HttpResponse:
    try:
        batch = batch_for_user(batch_id=batch_id, user=request.user)
    except DomainError as error:
        return render(request, "imports/batch.html", {"error": error.message}, status=error.status)
    return render(request, "imports/batch.html", {"batch": batch, "report": batch.report})


@login_required
def batch_list(request: HttpRequest) -> HttpResponse:
    batches = ImportBatch.objects.select_related("created_by")
    if not request.user.sees_everything:
        batches = batches.filter(created_by=request.user)
    return render(request, "imports/batch_list.html", {"batches": batches[:100]})


@login_required
@require_POST
def undo(request: HttpRequest, batch_id: int) -> HttpResponse:
    try:
        batch_for_user(batch_id=batch_id, user=request.user)
        undo_import_batch(batch_id=batch_id, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Import batch %(id)s was undone.") % {"id": batch_id})
    return redirect("imports:batch", batch_id=batch_id)


@login_required
def export_customers(request: HttpRequest) -> HttpResponse:
    customers = visible_customers(request.user)
    if request.GET.get("format") == "xlsx":
        response = HttpResponse(
            customers_xlsx(customers),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = 'attachment; filename="customers.xlsx"'
    else:
        response = HttpResponse(customers_csv(customers), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="customers.csv"'
    logger.info(
        "customer export (%s) by user %s", request.GET.get("format", "csv"), request.user.pk
    )
    return response
