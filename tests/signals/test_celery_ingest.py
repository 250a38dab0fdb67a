"""Bulk ingestion through a real Celery worker and the Redis broker.

The worker runs in a thread of this process with its own database connection, so it
must see committed rows: the test needs PostgreSQL (an in-memory SQLite test database
is private to one connection) and a transactional test. It uses Redis database 15 and
flushes only that database.
"""

import time

import pytest
from django.db import connection

from salespulse.signals.models import IngestJob, IngestStatus, Message
from salespulse.signals.services_ingest import queue_ingest
from tests.factories import UserFactory
from tests.signals.helpers import FORMATS

pytestmark = [pytest.mark.celery, pytest.mark.postgres]

BROKER = "redis://127.0.0.1:6379/15"


def _redis():
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(BROKER, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.exceptions.RedisError:
        pytest.skip("Redis at 127.0.0.1:6379 does not answer")
    return client


@pytest.fixture
def celery_worker_app(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip(
            "a worker thread cannot share an in-memory SQLite test database; run with DATABASE_URL=postgres://…"
        )
    redis = _redis()
    redis.flushdb()
    from celery import Celery
    from celery.contrib.testing.worker import start_worker

    import salespulse.signals.tasks  # noqa: F401  (registers the shared task on every app)
    from salespulse.celery import app as product_app

    # A fresh app: the product's app may already hold eager-mode state from earlier tests.
    app = Celery("salespulse-worker-test", broker=BROKER, set_as_current=True)
    app.conf.update(task_always_eager=False, task_serializer="json", accept_content=["json"])
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
            yield app
    finally:
        product_app.set_current()
        redis.flushdb()


def _wait_until_finished(job: IngestJob, seconds: int = 120) -> IngestJob:
    """Poll the job row until the worker finishes it; the deadline only bounds a hung worker."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.status in (IngestStatus.DONE, IngestStatus.FAILED):
            return job
        time.sleep(0.2)
    return job


def test_worker_ingests_uploaded_archive(celery_worker_app, tmp_path):
    manager = UserFactory(role="manager")
    path = tmp_path / "archive.jsonl"
    path.write_bytes((FORMATS / "wecom_msgaudit_decrypted_messages.jsonl").read_bytes())

    # Outside a transaction the job is committed at once and its task is sent to the broker.
    job = queue_ingest(actor=manager, path=path, file_name="archive.jsonl")
    job.refresh_from_db()
    assert job.task_id
    job = _wait_until_finished(job)

    assert job.status == IngestStatus.DONE
    assert job.counts["messages"] == 9
    assert Message.objects.filter(job=job).count() == 9
    assert IngestJob.objects.count() == 1
