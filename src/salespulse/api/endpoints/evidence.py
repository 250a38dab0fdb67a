"""Evidence on an opportunity that stage gates count: customer objections and attachments."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile

from salespulse.api.endpoints.opportunities import get_visible_opportunity
from salespulse.api.schemas import AttachmentOut, ErrorOut, ObjectionIn, ObjectionOut, ObjectionResponseIn
from salespulse.core.errors import DomainError, NotFound
from salespulse.core.timeutil import local_zone
from salespulse.pipeline.evidence import add_attachment, record_objection, respond_to_objection
from salespulse.pipeline.models import Attachment, DocumentType, Objection

router = Router(tags=["evidence"])


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    """Read a time sent without an offset as local (Beijing) time."""
    if value is None or timezone.is_aware(value):
        return value
    return timezone.make_aware(value, local_zone())


def _objections(opportunity_id: int) -> QuerySet[Objection]:
    return Objection.objects.filter(opportunity_id=opportunity_id).select_related("stage", "recorded_by")


def _objection_out(objection: Objection) -> dict:
    return {
        "id": objection.pk,
        "category": objection.category,
        "category_label": str(objection.get_category_display()),
        "customer_words": objection.customer_words,
        "response": objection.response,
        "stage": objection.stage,
        "raised_at": objection.raised_at,
        "resolved_at": objection.resolved_at,
        "recorded_by": objection.recorded_by,
    }


@router.get(
    "/{opportunity_id}/objections",
    response={200: list[ObjectionOut], 404: ErrorOut},
    summary="List the customer objections of an opportunity",
)
def list_objections(request: HttpRequest, opportunity_id: int) -> list[dict]:
    """Objections newest first, each with the stage the deal was in when it was raised."""
    opportunity = get_visible_opportunity(request, opportunity_id)
    return [_objection_out(objection) for objection in _objections(opportunity.pk)]


@router.post(
    "/{opportunity_id}/objections",
    response={201: ObjectionOut, 404: ErrorOut, 422: ErrorOut},
    summary="Record a customer objection",
)
def create_objection(request: HttpRequest, opportunity_id: int, payload: ObjectionIn) -> Status[dict]:
    """Record an objection in the deal's current stage. An objection with a response counts
    toward gates that require objections with a response."""
    opportunity = get_visible_opportunity(request, opportunity_id)
    objection = record_objection(
        actor=request.auth,
        opportunity=opportunity,
        category=payload.category,
        customer_words=payload.customer_words,
        response=payload.response,
        raised_at=_aware(payload.raised_at),
        resolved_at=_aware(payload.resolved_at),
    )
    return Status(201, _objection_out(_objections(opportunity.pk).get(pk=objection.pk)))


@router.patch(
    "/{opportunity_id}/objections/{objection_id}",
    response={200: ObjectionOut, 404: ErrorOut, 422: ErrorOut},
    summary="Answer a customer objection",
)
def answer_objection(
    request: HttpRequest, opportunity_id: int, objection_id: int, payload: ObjectionResponseIn
) -> dict:
    """Save the rep's response; ``resolved_at`` marks the objection resolved."""
    opportunity = get_visible_opportunity(request, opportunity_id)
    objection = _objections(opportunity.pk).filter(pk=objection_id).first()
    if objection is None:
        raise NotFound(
            "objection_not_found",
            _("Objection %(id)s of opportunity %(opportunity)s was not found.")
            % {"id": objection_id, "opportunity": opportunity.pk},
            field="objection_id",
        )

    respond_to_objection(
        actor=request.auth, objection=objection, response=payload.response, resolved_at=_aware(payload.resolved_at)
    )
    return _objection_out(objection)


@router.get(
    "/{opportunity_id}/attachments",
    response={200: list[AttachmentOut], 404: ErrorOut},
    summary="List the evidence files of an opportunity",
)
def list_attachments(request: HttpRequest, opportunity_id: int) -> QuerySet[Attachment]:
    opportunity = get_visible_opportunity(request, opportunity_id)
    return Attachment.objects.filter(opportunity=opportunity).select_related("document_type", "uploaded_by")


@router.post(
    "/{opportunity_id}/attachments",
    response={201: AttachmentOut, 404: ErrorOut, 422: ErrorOut},
    summary="Upload an evidence file",
)
def upload_attachment(
    request: HttpRequest, opportunity_id: int, document_type: Form[str], file: File[UploadedFile]
) -> Status[Attachment]:
    """Upload a PDF, JPEG or PNG as multipart form data (fields ``document_type`` and ``file``).

    The type is checked from the file's content, not its name: a program renamed to
    ``.pdf`` is rejected with 422, and so is a file over the document type's size limit.
    """
    opportunity = get_visible_opportunity(request, opportunity_id)
    kind = DocumentType.objects.filter(code=document_type).first()
    if kind is None:
        known = ", ".join(DocumentType.objects.values_list("code", flat=True))
        raise DomainError(
            "unknown_document_type",
            _("Document type %(value)s does not exist; use one of: %(known)s.")
            % {"value": document_type, "known": known},
            field="document_type",
            status=422,
        )

    attachment = add_attachment(
        actor=request.auth,
        opportunity=opportunity,
        document_type=kind,
        upload=file,
        file_name=file.name or "upload",
        declared_size=file.size,
    )
    return Status(201, attachment)
