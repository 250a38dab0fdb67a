"""Storing what connectors read: messages, events, contact syncs and errors.

One ingestion run (``IngestJob``) reads one file. Records are written in chunks of
``CHUNK_SIZE``, each chunk in one transaction together with the job's ``position`` (the
number of records consumed so far), so a run that stops resumes after its last
committed chunk. Re-reading a record that is already stored adds nothing: messages
and events are unique on ``dedupe_key``. A record that cannot be read becomes an
``IngestError`` with its line and reason, and the run continues.

After each committed chunk the activity facts of the touched opportunities are
refreshed and the new interactions are tagged.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from salespulse.accounts.models import User
from salespulse.crm.models import ActionType, Direction, Interaction, Opportunity, OpportunityStatus
from salespulse.crm.services import refresh_activity_facts
from salespulse.signals.connectors import (
    ConnectorOptions,
    ParsedContact,
    ParsedEvent,
    ParsedMessage,
    ParseError,
    UnknownFormat,
    detect_source,
    read_records,
)
from salespulse.signals.connectors.base import KEY_LENGTH, clean_record, fit_key
from salespulse.signals.contacts_sync import sync_external_contact
from salespulse.signals.linking import CHANNEL_BY_SOURCE, IdentityCache, attribute, refresh_identity_stats
from salespulse.signals.models import (
    Event,
    IngestError,
    IngestJob,
    IngestStatus,
    Message,
    Speaker,
)

logger = logging.getLogger(__name__)

CHUNK_SIZE = 1000
COUNT_KEYS = ("messages", "duplicates", "events", "contacts", "interactions", "recalled", "errors", "unmatched")


class _DryRunRollback(Exception):
    """Raised inside the dry run's transaction so nothing it wrote is kept."""


@dataclass
class IngestSummary:
    """What one run did; ``errors`` lists (line, reason) of the records it could not read."""

    job_id: int | None
    file_name: str
    source: str
    counts: dict[str, int] = field(default_factory=dict)
    errors: list[tuple[int | None, str]] = field(default_factory=list)
    dry_run: bool = False
    resumed_from: int = 0
    failure: str = ""


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def prepare_job(
    *,
    path: Path,
    actor: User | None,
    source: str | None = None,
    time_zone: str = "Asia/Shanghai",
    file_name: str | None = None,
) -> IngestJob:
    """Return the job that ingests ``path``: an unfinished run of the same file (same
    sha256 and source) to resume, or a new one."""
    sha = file_sha256(path)
    unfinished = (
        IngestJob.objects.filter(
            file_sha256=sha, status__in=[IngestStatus.RUNNING, IngestStatus.FAILED], position__gt=0
        )
        .filter(source=source or "")
        .order_by("-created_at", "-id")
        .first()
        if source
        else IngestJob.objects.filter(
            file_sha256=sha, status__in=[IngestStatus.RUNNING, IngestStatus.FAILED], position__gt=0
        )
        .order_by("-created_at", "-id")
        .first()
    )
    if unfinished is not None:
        logger.info("ingest job %s resumes at record %s", unfinished.pk, unfinished.position)
        unfinished.file_path = str(path)
        unfinished.save(update_fields=["file_path"])
        return unfinished
    return IngestJob.objects.create(
        source=source or "",
        file_name=(file_name or path.name)[:500],
        file_path=str(path),
        file_sha256=sha,
        file_size=path.stat().st_size,
        time_zone=time_zone,
        created_by=actor,
    )


def ingest_path(
    *,
    path: Path,
    actor: User | None = None,
    source: str | None = None,
    time_zone: str = "Asia/Shanghai",
    dry_run: bool = False,
    chunk_size: int = CHUNK_SIZE,
) -> IngestSummary:
    """Ingest one file now (the CLI path). A dry run reads and links everything and
    reports the counts, then rolls every write back."""
    if not dry_run:
        job = prepare_job(path=path, actor=actor, source=source, time_zone=time_zone)
        return run_job(job, chunk_size=chunk_size)
    try:
        with transaction.atomic():
            job = prepare_job(path=path, actor=actor, source=source, time_zone=time_zone)
            summary = run_job(job, chunk_size=chunk_size, dry_run=True)
            raise _DryRunRollback
    except _DryRunRollback:
        pass
    summary.dry_run = True
    summary.job_id = None
    return summary


def run_job(job: IngestJob, *, chunk_size: int = CHUNK_SIZE, dry_run: bool = False) -> IngestSummary:
    """Read the job's file from ``job.position`` on and store it chunk by chunk."""
    path = Path(job.file_path)
    summary = IngestSummary(job.pk, job.file_name, job.source, resumed_from=job.position)
    counts = {key: int(job.counts.get(key, 0)) for key in COUNT_KEYS}
    summary.counts = counts
    try:
        source = job.source or detect_source(path)
    except (UnknownFormat, OSError) as error:
        return _fail(job, summary, str(error))
    if not job.source:
        job.source = _stored_source(source)
    job.status = IngestStatus.RUNNING
    job.save(update_fields=["source", "status"])
    summary.source = job.source
    logger.info("ingest job %s started: %s (%s) from record %s", job.pk, job.file_name, source, job.position)

    store = _ChunkStore(job, counts, summary, dry_run=dry_run)
    options = ConnectorOptions(time_zone=job.time_zone or "Asia/Shanghai")
    try:
        if job.position and not dry_run:
            _catch_up(job)
        records = read_records(path, source, options)
        for chunk in _chunks(_skip(records, job.position), chunk_size):
            store.write(chunk)
    except (UnknownFormat, OSError) as error:
        return _fail(job, summary, str(error))
    except Exception as error:
        # The committed chunks stay; a new run of the same file resumes after them.
        logger.exception("ingest job %s stopped at record %s", job.pk, job.position)
        IngestJob.objects.filter(pk=job.pk).update(status=IngestStatus.FAILED, message=str(error)[:500])
        raise

    refresh_identity_stats(store.identities.touched)
    job.status = IngestStatus.DONE
    job.finished_at = timezone.now()
    job.counts = counts
    job.save(update_fields=["status", "finished_at", "counts"])
    logger.info("ingest job %s done: %s", job.pk, counts)
    return summary


def _fit_keys(record):
    """Give over-long dedupe keys (and the key a recall points at) their stored form, so
    lookups, inserts and recalls all use the same value."""
    if isinstance(record, ParsedMessage | ParsedEvent) and len(record.dedupe_key) > KEY_LENGTH:
        record.dedupe_key = fit_key(record.dedupe_key)
    if isinstance(record, ParsedEvent) and len(record.recalls) > KEY_LENGTH:
        record.recalls = fit_key(record.recalls)
    return record


def _catch_up(job: IngestJob) -> None:
    """Redo what follows a committed chunk (activity facts, tagging) for the interactions
    an interrupted run of ``job`` created: the run may have stopped between its last
    commit and that work. Tagging again replaces machine signals and keeps corrections."""
    interaction_ids = list(
        Message.objects.filter(job=job, interaction__isnull=False).values_list("interaction_id", flat=True)
    )
    if not interaction_ids:
        return
    opportunity_ids = set(
        Interaction.objects.filter(pk__in=interaction_ids, opportunity__isnull=False).values_list(
            "opportunity_id", flat=True
        )
    )
    logger.info("ingest job %s catches up on %d interactions before resuming", job.pk, len(interaction_ids))
    if opportunity_ids:
        refresh_activity_facts(opportunity_ids)
    tag_new_interactions(interaction_ids)


def _stored_source(source: str) -> str:
    return "call_summary" if source == "calls_csv" else source


def _fail(job: IngestJob, summary: IngestSummary, reason: str) -> IngestSummary:
    logger.warning("ingest job %s failed: %s", job.pk, reason)
    job.status = IngestStatus.FAILED
    job.message = reason[:500]
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "message", "finished_at"])
    IngestError.objects.create(job=job, line=None, reason=reason[:500])
    summary.failure = reason
    summary.counts["errors"] = summary.counts.get("errors", 0) + 1
    summary.errors.append((None, reason))
    return summary


def _skip(records: Iterable, count: int) -> Iterator:
    for index, record in enumerate(records):
        if index >= count:
            yield record


def _chunks(records: Iterable, size: int) -> Iterator[list]:
    chunk: list = []
    for record in records:
        chunk.append(record)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class _ChunkStore:
    """Writes chunks of one job; keeps the identity cache and open-deal lookups between chunks."""

    def __init__(self, job: IngestJob, counts: dict, summary: IngestSummary, *, dry_run: bool) -> None:
        self.job = job
        self.counts = counts
        self.summary = summary
        self.dry_run = dry_run
        self.identities = IdentityCache()
        # A resumed run starts from the counts its earlier runs committed.
        self.unmatched_before = counts.get("unmatched", 0)
        self.open_deal: dict[int, int | None] = {}
        self.fallback_time = job.created_at or timezone.now()

    def write(self, chunk: list) -> None:
        with transaction.atomic():
            opportunity_ids, interaction_ids = self._write(chunk)
            self.job.position += len(chunk)
            self.job.records_read = self.job.position
            self.job.counts = self.counts
            self.job.save(update_fields=["position", "records_read", "counts"])
        if self.dry_run:
            return
        if opportunity_ids:
            refresh_activity_facts(opportunity_ids)
        if interaction_ids:
            tag_new_interactions(interaction_ids)

    def _write(self, chunk: list) -> tuple[set[int], list[int]]:
        chunk = [_fit_keys(clean_record(record)) for record in chunk]
        messages = [record for record in chunk if isinstance(record, ParsedMessage)]
        events = [record for record in chunk if isinstance(record, ParsedEvent)]
        errors = [record for record in chunk if isinstance(record, ParseError)]
        touched: set[int] = set()

        new_messages = self._new_messages(messages)
        interaction_ids = self._link_interactions(new_messages, touched)
        # Recalls run after the interactions exist, so a recall in the same chunk deletes one.
        stored_events = self._store_events(events, touched)
        self._apply_earlier_recalls(new_messages, touched)
        interaction_ids = list(Interaction.objects.filter(pk__in=interaction_ids).values_list("pk", flat=True))

        for record in chunk:
            if isinstance(record, ParsedContact):
                result = sync_external_contact(record, job=self.job, identities=self.identities)
                self.counts["contacts"] += 1 if result else 0
                self.counts["duplicates"] += 0 if result else 1
        if errors:
            IngestError.objects.bulk_create(
                [
                    IngestError(job=self.job, line=error.line, reason=error.reason[:500], excerpt=error.excerpt[:200])
                    for error in errors
                ]
            )
            self.counts["errors"] += len(errors)
            self.summary.errors += [(error.line, error.reason) for error in errors]
        self.counts["unmatched"] = self.unmatched_before + self.identities.new_unmatched
        self.counts["events"] += stored_events
        return touched, interaction_ids

    # --- messages ---------------------------------------------------------------------

    def _new_messages(self, parsed: list[ParsedMessage]) -> list[Message]:
        if not parsed:
            return []
        existing = set(
            Message.objects.filter(dedupe_key__in=[item.dedupe_key for item in parsed]).values_list(
                "dedupe_key", flat=True
            )
        )
        refs = []
        for item in parsed:
            if item.dedupe_key not in existing:
                refs += ([item.sender] if item.sender else []) + item.recipients
        self.identities.prefetch(refs)
        rows: list[Message] = []
        for item in parsed:
            if item.dedupe_key in existing:
                self.counts["duplicates"] += 1
                continue
            existing.add(item.dedupe_key)
            rows.append(self._message_row(item))
        Message.objects.bulk_create(rows, batch_size=500)
        self.counts["messages"] += len(rows)
        return rows

    def _message_row(self, item: ParsedMessage) -> Message:
        sent_at = item.sent_at or self.fallback_time
        sender = self.identities.get(item.sender, sent_at) if item.sender else None
        recipients = [self.identities.get(ref, sent_at) for ref in item.recipients]
        result = attribute(
            speaker_hint=item.speaker_hint,
            direction_hint=item.direction_hint,
            sender=sender,
            recipients=recipients,
            actor_id=self.job.created_by_id,
        )
        payload = dict(item.payload)
        payload["hints"] = {"speaker": item.speaker_hint, "direction": item.direction_hint}
        if item.sent_at is None:
            payload["time_missing"] = True
        return Message(
            source=_stored_source(item.source),
            dedupe_key=item.dedupe_key[:200],
            external_id=item.external_id[:200],
            msgtype=item.msgtype[:32],
            sent_at=sent_at,
            sender=sender,
            counterpart=result.counterpart,
            sender_name=(item.sender.display_name if item.sender else "")[:200],
            recipients=[[ref.kind, ref.value, ref.display_name] for ref in item.recipients],
            room_id=item.room_id[:120],
            speaker=result.speaker,
            subject=item.subject[:500],
            text=item.text,
            quoted_text=item.quoted_text,
            attachments=item.attachments,
            payload=payload,
            recalled=item.recalled,
            customer_id=result.customer_id,
            contact_id=result.contact_id,
            owner_id=result.rep_id,
            job=self.job,
        )

    def _link_interactions(self, messages: list[Message], touched: set[int]) -> list[int]:
        linkable = [message for message in messages if message.customer_id and not message.recalled]
        return create_interactions(linkable, touched, self.open_deal, self.counts)

    # --- events and recalls ----------------------------------------------------------

    def _store_events(self, parsed: list[ParsedEvent], touched: set[int]) -> int:
        if not parsed:
            return 0
        existing = set(
            Event.objects.filter(dedupe_key__in=[item.dedupe_key for item in parsed]).values_list(
                "dedupe_key", flat=True
            )
        )
        rows = []
        for item in parsed:
            if item.dedupe_key in existing:
                self.counts["duplicates"] += 1
                continue
            existing.add(item.dedupe_key)
            rows.append(
                Event(
                    source=_stored_source(item.source),
                    dedupe_key=item.dedupe_key[:200],
                    refers_to=item.recalls[:200],
                    kind=item.kind[:32],
                    occurred_at=item.occurred_at,
                    actor=item.actor[:200],
                    payload=item.payload,
                    job=self.job,
                )
            )
        Event.objects.bulk_create(rows, batch_size=500)
        recalls = {row.refers_to: row.occurred_at for row in rows if row.refers_to}
        if recalls:
            self.counts["recalled"] += hide_recalled(recalls, touched)
        return len(rows)

    def _apply_earlier_recalls(self, messages: list[Message], touched: set[int]) -> None:
        """Hide new messages that an already stored recall withdraws (recalls can arrive first)."""
        keys = [message.dedupe_key for message in messages]
        if not keys:
            return
        recalls = dict(Event.objects.filter(kind="recall", refers_to__in=keys).values_list("refers_to", "occurred_at"))
        if recalls:
            self.counts["recalled"] += hide_recalled(recalls, touched)


def hide_recalled(recalls: dict[str, object], touched: set[int]) -> int:
    """Mark withdrawn messages ``recalled`` and delete their interactions (and signals),
    so they are kept for audit but never shown as chat. Returns how many were marked."""
    marked = 0
    for message in Message.objects.filter(dedupe_key__in=list(recalls), recalled=False).select_related("interaction"):
        message.recalled = True
        message.recalled_at = recalls[message.dedupe_key]
        if message.interaction is not None:
            if message.interaction.opportunity_id:
                touched.add(message.interaction.opportunity_id)
            message.interaction.delete()
            message.interaction = None
        message.save(update_fields=["recalled", "recalled_at", "interaction"])
        marked += 1
    return marked


def _single_open_opportunity(customer_id: int, cache: dict[int, int | None]) -> int | None:
    if customer_id not in cache:
        ids = list(
            Opportunity.objects.filter(customer_id=customer_id, status=OpportunityStatus.OPEN).values_list(
                "id", flat=True
            )[:2]
        )
        cache[customer_id] = ids[0] if len(ids) == 1 else None
    return cache[customer_id]


def interaction_text(message: Message) -> str:
    if message.subject and message.text:
        return f"{message.subject}\n{message.text}"
    return message.subject or message.text


def _action_type(message: Message, channel: str) -> str:
    if channel == "phone":
        return ActionType.CALL
    if message.speaker == Speaker.REP:
        return ActionType.MESSAGE
    return ActionType.NONE


def create_interactions(
    messages: list[Message], touched: set[int], open_deal: dict[int, int | None], counts: dict | None = None
) -> list[int]:
    """Create the ``crm.Interaction`` of each message linked to a customer; attach it to
    the customer's open opportunity when there is exactly one."""
    if not messages:
        return []
    rows = []
    for message in messages:
        channel = CHANNEL_BY_SOURCE.get(message.source, "other")
        direction = (
            {
                Speaker.CUSTOMER: Direction.INBOUND,
                Speaker.REP: Direction.OUTBOUND,
                Speaker.INTERNAL: Direction.INTERNAL,
            }.get(message.speaker)
            or message.payload.get("hints", {}).get("direction")
            or (Direction.OUTBOUND if message.speaker == Speaker.MIXED else Direction.INBOUND)
        )
        opportunity_id = _single_open_opportunity(message.customer_id, open_deal)
        message.opportunity_id = opportunity_id
        rows.append(
            Interaction(
                customer_id=message.customer_id,
                contact_id=message.contact_id,
                opportunity_id=opportunity_id,
                owner_id=message.owner_id,
                channel=channel,
                direction=direction,
                occurred_at=message.sent_at,
                text=interaction_text(message),
                action_type=_action_type(message, channel),
                external_id=f"msg:{message.pk}",
            )
        )
    Interaction.objects.bulk_create(rows, batch_size=500)
    if any(row.pk is None for row in rows):
        # Backends that cannot return ids from a bulk insert: read them back by external id.
        ids = dict(
            Interaction.objects.filter(external_id__in=[row.external_id for row in rows]).values_list(
                "external_id", "id"
            )
        )
        for row in rows:
            row.pk = row.id = ids[row.external_id]
    for message, row in zip(messages, rows, strict=True):
        message.interaction_id = row.pk
        if row.opportunity_id:
            touched.add(row.opportunity_id)
    Message.objects.bulk_update(messages, ["interaction", "opportunity"], batch_size=500)
    if counts is not None:
        counts["interactions"] += len(rows)
    return [row.pk for row in rows]


def tag_new_interactions(interaction_ids: list[int]) -> None:
    """Tag new interactions with the tagging service, when that service is installed."""
    try:
        from salespulse.signals.tagging import tag_interactions
    except ImportError:
        logger.info("tagging service not available; %d interactions left untagged", len(interaction_ids))
        return
    tag_interactions(interaction_ids)
