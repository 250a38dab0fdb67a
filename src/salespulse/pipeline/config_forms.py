"""Forms of the pipeline settings pages: document types and template uploads."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from salespulse.pipeline.evidence import ALLOWED_KINDS
from salespulse.pipeline.models import DocumentType

MEGABYTE = 1024 * 1024
# A pipeline template is a few kilobytes; this bounds the upload and the signed copy
# that the confirm step carries in a hidden field.
MAX_TEMPLATE_BYTES = 256 * 1024
KIND_LABELS = {"pdf": "PDF", "jpeg": "JPEG", "png": "PNG"}


def bytes_to_megabytes(size: int) -> Decimal:
    return (Decimal(size) / MEGABYTE).quantize(Decimal("0.01"), ROUND_HALF_UP)


class DocumentTypeForm(forms.Form):
    code = forms.SlugField(
        label=gettext_lazy("Code"),
        max_length=40,
        help_text=gettext_lazy(
            "Letters, digits, - and _; gate rules refer to it, so it cannot change later."
        ),
    )
    name = forms.CharField(label=gettext_lazy("Name"), max_length=80)
    name_en = forms.CharField(label=gettext_lazy("English name"), max_length=80, required=False)
    allowed_kinds = forms.MultipleChoiceField(
        label=gettext_lazy("Allowed file types"),
        choices=[(kind, KIND_LABELS[kind]) for kind in ALLOWED_KINDS],
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Checked by the file content, not by the file name."),
    )
    max_megabytes = forms.DecimalField(
        label=gettext_lazy("Size limit (MB)"),
        min_value=Decimal("0.01"),
        max_value=Decimal("200"),
        max_digits=6,
        decimal_places=2,
        initial=Decimal("10"),
    )

    def __init__(self, *args, document_type: DocumentType | None = None, **kwargs) -> None:
        self.document_type = document_type
        if document_type is not None:
            kwargs["initial"] = {
                "code": document_type.code,
                "name": document_type.name,
                "name_en": document_type.name_en,
                "allowed_kinds": document_type.allowed_kind_list,
                "max_megabytes": bytes_to_megabytes(document_type.max_bytes),
            }
        super().__init__(*args, **kwargs)
        if document_type is not None:
            self.fields["code"].disabled = True
            self.fields["code"].help_text = _("Gate rules refer to the code, so it cannot change.")

    def to_service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        # An unchanged limit keeps its exact byte count, which may not be a whole number of MB.
        if self.document_type is not None and "max_megabytes" not in self.changed_data:
            max_bytes = self.document_type.max_bytes
        else:
            max_bytes = int((data["max_megabytes"] * MEGABYTE).to_integral_value(ROUND_HALF_UP))
        return {
            "code": data["code"],
            "name": data["name"],
            "name_en": data["name_en"],
            "allowed_kinds": data["allowed_kinds"],
            "max_bytes": max_bytes,
        }


class TemplateUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Template file (JSON)"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_TEMPLATE_BYTES:
            raise forms.ValidationError(
                _(
                    "The file %(name)s is larger than %(limit)s KB; a pipeline template is much "
                    "smaller, so check that it is the right file."
                )
                % {"name": upload.name, "limit": MAX_TEMPLATE_BYTES // 1024}
            )
        return upload
