"""Evidence on an opportunity that stage gates count: attachments and objections."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
from typing import IO

import filetype
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image

from salespulse.accounts.models import User
from salespulse.core.errors import DomainError
from salespulse.crm.models import Opportunity
from salespulse.pipeline.models import Attachment, DocumentType, Objection, ObjectionCategory
from salespulse.pipeline.services import ensure_may_change_deals

logger = logging.getLogger(__name__)

# Evidence file kinds, recognised by their first bytes (filetype), never by the name.
ALLOWED_KINDS = {"pdf": "application/pdf", "jpeg": "image/jpeg", "png": "image/png"}
_MIME_TO_KIND = {mime: kind for kind, mime in ALLOWED_KINDS.items()}
_READ_CHUNK = 1024 * 1024
# Tolerance for clients whose clock runs a little ahead of the server's.
CLOCK_SKEW = dt.timedelta(minutes=5)


def detect_kind(head: bytes) -> str | None:
    """Return ``pdf``, ``jpeg`` or ``png`` for the leading bytes of a file, else None."""
    guess = filetype.guess(head)
    if guess is None:
        return None
    return _MIME_TO_KIND.get(guess.mime)


def is_well_formed(kind: str, content: bytes) -> bool:
    """Check more than the leading bytes, so a PDF or image header on other data fails.

    Images must decode with Pillow. A PDF must end with its ``%%EOF`` marker (within the
    last 1 KiB), which a file with a PDF header and appended junk or archives does not.
    """
    if kind == "pdf":
        return b"%%EOF" in content[-1024:]
    try:
        with Image.open(io.BytesIO(content)) as image:
            image.verify()
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return False
    return True


def add_attachment(
    *,
    actor: User,
    opportunity: Opportunity,
    document_type: DocumentType,
    upload: IO[bytes],
    file_name: str,
    declared_size: int | None = None,
) -> Attachment:
    """Store an evidence file after checking its real type and size.

    ``declared_size`` (from the request) lets an oversized upload fail before it is read.
    The stream is read in chunks and abandoned as soon as it passes the limit.
    """
    ensure_may_change_deals(actor)
    limit = document_type.max_bytes
    if declared_size is not None and declared_size > limit:
        raise _too_large(file_name, limit)

    digest = hashlib.sha256()
    chunks: list[bytes] = []
    size = 0
    while chunk := upload.read(_READ_CHUNK):
        size += len(chunk)
        if size > limit:
            raise _too_large(file_name, limit)
        digest.update(chunk)
        chunks.append(chunk)
    content = b"".join(chunks)

    kind = detect_kind(content[:8192])
    if kind is not None and not is_well_formed(kind, content):
        kind = None
    if kind is None or kind not in document_type.allowed_kind_list:
        raise DomainError(
            "attachment_type_not_allowed",
            _("%(file)s is not an allowed file: its content is %(kind)s, but %(document)s accepts %(allowed)s. "
              "Upload a real PDF, JPEG or PNG scan.")
            % {
                "file": file_name,
                "kind": kind or _("not a recognised document"),
                "document": document_type.name,
                "allowed": ", ".join(kind_name.upper() for kind_name in document_type.allowed_kind_list),
            },
            field="file",
        )

    with transaction.atomic():
        attachment = Attachment(
            opportunity=opportunity,
            document_type=document_type,
            original_name=file_name[:255],
            kind=kind,
            size=size,
            sha256=digest.hexdigest(),
            uploaded_by=actor,
            uploaded_at=timezone.now(),
        )
        attachment.file.save(f"{digest.hexdigest()[:16]}.{kind}", ContentFile(content), save=False)
        attachment.save()

    logger.info(
        "attachment %s (%s, %s bytes) added to opportunity %s by user %s",
        attachment.pk, kind, size, opportunity.pk, actor.pk,
    )
    return attachment


def _too_large(file_name: str, limit: int) -> DomainError:
    return DomainError(
        "attachment_too_large",
        _("%(file)s is larger than the limit of %(limit)s MB; compress the scan or split it.")
        % {"file": file_name, "limit": f"{limit / 1024 / 1024:.0f}"},
        field="file",
    )


def record_objection(
    *,
    actor: User,
    opportunity: Opportunity,
    category: str,
    customer_words: str,
    response: str = "",
    raised_at: dt.datetime | None = None,
    resolved_at: dt.datetime | None = None,
) -> Objection:
    """Record a customer objection in the stage the deal is in now."""
    if category not in ObjectionCategory.values:
        raise DomainError(
            "invalid_objection_category",
            _("Objection category %(value)s is not configured.") % {"value": category},
            field="category",
        )
    if not customer_words.strip():
        raise DomainError(
            "objection_words_required",
            _("Write down what the customer said."),
            field="customer_words",
        )
    ensure_may_change_deals(actor)
    now = timezone.now()
    raised_at = raised_at or now
    # A gate counts objections raised during the current stay, so a date in the future
    # would count in every later stage as well.
    for name, value in (("raised_at", raised_at), ("resolved_at", resolved_at)):
        if value is not None and value > now + CLOCK_SKEW:
            raise DomainError(
                "objection_time_in_future",
                _("The time %(time)s is in the future; enter when it actually happened.")
                % {"time": timezone.localtime(value).strftime("%Y-%m-%d %H:%M")},
                field=name,
            )
    if resolved_at is not None and resolved_at < raised_at:
        raise DomainError(
            "objection_resolved_before_raised",
            _("An objection cannot be resolved before it was raised."),
            field="resolved_at",
        )

    objection = Objection.objects.create(
        opportunity=opportunity,
        stage_id=opportunity.stage_id,
        category=category,
        customer_words=customer_words.strip(),
        response=response.strip(),
        raised_at=raised_at,
        resolved_at=resolved_at,
        recorded_by=actor,
    )
    logger.info("objection %s recorded on opportunity %s by user %s", objection.pk, opportunity.pk, actor.pk)
    return objection


def respond_to_objection(
    *, actor: User, objection: Objection, response: str, resolved_at: dt.datetime | None = None
) -> Objection:
    """Save the rep's response; a resolution time marks the objection resolved."""
    ensure_may_change_deals(actor)
    if resolved_at is not None and resolved_at > timezone.now() + CLOCK_SKEW:
        raise DomainError(
            "objection_time_in_future",
            _("The time %(time)s is in the future; enter when it actually happened.")
            % {"time": timezone.localtime(resolved_at).strftime("%Y-%m-%d %H:%M")},
            field="resolved_at",
        )
    if resolved_at is not None and resolved_at < objection.raised_at:
        raise DomainError(
            "objection_resolved_before_raised",
            _("An objection cannot be resolved before it was raised."),
            field="resolved_at",
        )
    objection.response = response.strip()
    objection.resolved_at = resolved_at
    objection.save(update_fields=["response", "resolved_at"])
    logger.info("objection %s given a response by user %s", objection.pk, actor.pk)
    return objection
