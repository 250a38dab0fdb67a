"""Writes around ingestion: starting a run from an upload, linking an identity from the
review queue (and re-linking its past messages), and assigning an interaction to an
opportunity."""

from __future__ import annotations

import logging
import secrets
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from salespulse.accounts.models import User
from salespulse.accounts.scopes import visible_users
from salespulse.core.errors import DomainError, PermissionDenied
from salespulse.crm.models import Contact, Customer, Interaction, Opportunity
from salespulse.crm.selectors import visible_customers, visible_interactions, visible_opportunities
from salespulse.crm.services import refresh_activity_facts
from salespulse.signals.ingest import create_interactions, prepare_job, tag_new_interactions
from salespulse.signals.ingest_selectors import may_ingest, may_review_identities, reviewable_identities
from salespulse.signals.linking import attribute
from salespulse.signals.models import Identity, IdentityStatus, IngestJob, Message

logger = logging.getLogger(__name__)

RELINK_CHUNK = 1000


def upload_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "signals" / "uploads"


# File systems limit a name to 255 bytes; a Chinese name of 86 characters already passes it.
MAX_STORED_NAME_BYTES = 200


def stored_name(name: str) -> str:
    """Return the upload's base name, shortened to ``MAX_STORED_NAME_BYTES`` of UTF-8
    with its extension kept (format detection reads it); the job keeps the full name."""
    name = "".join(char for char in Path(name or "").name if char.isprintable()).strip() or "upload"
    suffix = Path(name).suffix if len(Path(name).suffix.encode()) <= 16 else ""
    stem = name[: len(name) - len(suffix)] if suffix else name
    budget = MAX_STORED_NAME_BYTES - len(suffix.encode())
    stem = stem.encode()[:budget].decode("utf-8", "ignore") or "upload"
    return stem + suffix


def store_upload(upload) -> Path:
    """Save an uploaded file under a random folder, keeping its name for format detection."""
    folder = upload_dir() / secrets.token_hex(16)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / stored_name(upload.name)
    with path.open("wb") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    return path


def queue_ingest(
    *, actor: User, path: Path, file_name: str, source: str | None = None, time_zone: str = "Asia/Shanghai"
) -> IngestJob:
    """Create the ingestion job for ``path`` and hand it to Celery once committed (inline
    without a broker)."""
    if not may_ingest(actor):
        raise PermissionDenied(
            "forbidden", _("Only sales operations, managers and administrators may import communications.")
        )
    job = prepare_job(path=path, actor=actor, source=source or None, time_zone=time_zone, file_name=file_name)

    def enqueue() -> None:
        from salespulse.signals.tasks import ingest_file

        result = ingest_file.delay(job.pk)
        IngestJob.objects.filter(pk=job.pk).update(task_id=str(result.id or "")[:64])

    transaction.on_commit(enqueue)
    logger.info("ingest job %s queued by user %s", job.pk, actor.pk)
    return job


def link_identity(
    *,
    actor: User,
    identity: Identity,
    customer: Customer | None = None,
    contact: Contact | None = None,
    user: User | None = None,
    ignore: bool = False,
) -> int:
    """Link ``identity`` to a contact, customer or rep (or ignore it) and re-link the
    messages it sent or received; returns how many messages were re-linked."""
    if not may_review_identities(actor) or not reviewable_identities(actor).filter(pk=identity.pk).exists():
        raise PermissionDenied("forbidden", _("You may not link identities."))
    if user is not None and not visible_users(actor).filter(pk=user.pk).exists():
        raise PermissionDenied("forbidden", _("You may not link to sales rep %(name)s.") % {"name": user.username})
    if contact is not None:
        customer = contact.customer
    if not ignore and customer is None and user is None:
        raise DomainError(
            "missing_target", _("Choose a customer, a contact or a sales rep to link to."), field="customer"
        )
    if customer is not None and not visible_customers(actor).filter(pk=customer.pk).exists():
        raise PermissionDenied("forbidden", _("You may not link to customer %(name)s.") % {"name": customer.name})

    with transaction.atomic():
        identity.contact = contact
        identity.customer = customer
        identity.user = user
        identity.status = IdentityStatus.IGNORED if ignore else IdentityStatus.LINKED
        identity.linked_by = actor
        identity.linked_at = timezone.now()
        identity.save()
        opportunity_ids, interaction_ids = relink_messages(identity)

    refresh_activity_facts(opportunity_ids)
    if interaction_ids:
        tag_new_interactions(interaction_ids)
    logger.info("identity %s linked by user %s; %d interactions created", identity.pk, actor.pk, len(interaction_ids))
    return len(interaction_ids)


def relink_messages(identity: Identity) -> tuple[set[int], list[int]]:
    """Recompute speaker, customer and interaction of every message ``identity`` sent or
    was the counterpart of."""
    from django.db.models import Q

    touched: set[int] = set()
    created: list[int] = []
    open_deal: dict[int, int | None] = {}
    cache: dict[tuple[str, str], Identity | None] = {}
    queryset = (
        Message.objects.filter(Q(sender=identity) | Q(counterpart=identity), recalled=False)
        .select_related("sender", "interaction", "job")
        .order_by("pk")
    )
    last_pk = 0
    while True:
        batch = list(queryset.filter(pk__gt=last_pk)[:RELINK_CHUNK])
        if not batch:
            break
        last_pk = batch[-1].pk
        relinked = []
        for message in batch:
            recipients = [_identity(cache, kind, value) for kind, value, *_rest in message.recipients]
            hints = message.payload.get("hints", {})
            result = attribute(
                speaker_hint=hints.get("speaker", ""),
                direction_hint=hints.get("direction", ""),
                sender=message.sender,
                recipients=[item for item in recipients if item is not None],
                actor_id=message.job.created_by_id if message.job_id and message.job else None,
            )
            if message.interaction is not None:
                if message.interaction.opportunity_id:
                    touched.add(message.interaction.opportunity_id)
                message.interaction.delete()
                message.interaction = None
            message.speaker = result.speaker
            message.counterpart = result.counterpart
            message.customer_id, message.contact_id = result.customer_id, result.contact_id
            message.owner_id = result.rep_id or message.owner_id
            message.opportunity_id = None
            message.save(
                update_fields=["speaker", "counterpart", "customer", "contact", "owner", "opportunity", "interaction"]
            )
            if message.customer_id:
                relinked.append(message)
        created += create_interactions(relinked, touched, open_deal)
    return touched, created


def _identity(cache: dict, kind: str, value: str) -> Identity | None:
    if (kind, value) not in cache:
        cache[(kind, value)] = Identity.objects.filter(kind=kind, value=value).first()
    return cache[(kind, value)]


def assign_interaction_to_opportunity(
    *, actor: User, interaction: Interaction, opportunity: Opportunity | None
) -> None:
    """Attach an ingested interaction to one of its customer's opportunities (or detach it)."""
    if not visible_interactions(actor).filter(pk=interaction.pk).exists():
        raise PermissionDenied("forbidden", _("You may not change this interaction."))
    if opportunity is not None:
        if not visible_opportunities(actor).filter(pk=opportunity.pk).exists():
            raise PermissionDenied("forbidden", _("You may not change this opportunity."))
        if opportunity.customer_id != interaction.customer_id:
            raise DomainError(
                "invalid_value",
                _("Opportunity %(name)s belongs to another customer; choose one of this customer's opportunities.")
                % {"name": opportunity.name},
                field="opportunity",
            )
    previous = interaction.opportunity_id
    with transaction.atomic():
        interaction.opportunity = opportunity
        interaction.save(update_fields=["opportunity"])
        Message.objects.filter(interaction=interaction).update(opportunity=opportunity)
        # Signals repeat the interaction's opportunity so analytics filter without a join.
        interaction.signals.update(opportunity=opportunity)
    refresh_activity_facts([previous, opportunity.pk if opportunity else None])
    logger.info(
        "interaction %s assigned to opportunity %s by user %s", interaction.pk, opportunity and opportunity.pk, actor.pk
    )
