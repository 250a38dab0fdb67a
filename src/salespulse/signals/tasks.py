"""Background ingestion: runs inline when no broker is configured (CELERY_TASK_ALWAYS_EAGER)."""

from __future__ import annotations

import logging

from celery import shared_task

from salespulse.signals.ingest import run_job
from salespulse.signals.models import IngestJob, IngestStatus

logger = logging.getLogger(__name__)


@shared_task(name="signals.tasks.ingest_file")
def ingest_file(job_id: int) -> dict:
    """Run (or resume) ingestion job ``job_id``; returns its counts."""
    job = IngestJob.objects.filter(pk=job_id).first()
    if job is None:
        logger.warning("ingest job %s not found", job_id)
        return {}
    if job.status == IngestStatus.DONE:
        return job.counts
    summary = run_job(job)
    return summary.counts
