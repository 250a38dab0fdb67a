"""Retraining and re-tagging as Celery tasks, with progress the settings page polls.

Without a broker the tasks run inline where they are started (``CELERY_TASK_ALWAYS_EAGER``).
Progress is stored in Django's cache under one key per kind of run. With a broker, set
CACHE_URL to a shared Redis so the page can read a worker's progress.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from celery import shared_task
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _

from salespulse.accounts.models import User
from salespulse.core.errors import Conflict
from salespulse.signals.services_config import ensure_may_configure

logger = logging.getLogger(__name__)

RETAG_KEY = "signals:retag:progress"
RETRAIN_KEY = "signals:retrain:progress"
# A run that stopped reporting for this long (a killed worker) no longer blocks a new one.
STALE_AFTER_SECONDS = 3600


def progress(key: str = RETAG_KEY) -> dict[str, Any]:
    """Return the last run's state: ``state`` (idle, queued, running, done, failed),
    ``done``, ``total``, ``percent``, times and an error message."""
    data = cache.get(key) or {"state": "idle", "done": 0, "total": 0}
    total = data.get("total") or 0
    if total:
        data["percent"] = int(100 * data.get("done", 0) / total)
    elif data["state"] == "done":
        data["percent"] = 100
    else:
        data["percent"] = 0
    return data


def _store(key: str, **values: Any) -> None:
    data = cache.get(key) or {}
    data.update(values, updated_at=timezone.now().isoformat())
    cache.set(key, data, timeout=None)


def _running(key: str) -> bool:
    data = cache.get(key)
    if not data or data.get("state") not in ("queued", "running"):
        return False
    updated = data.get("updated_at")
    if updated is None:
        return False
    age = (timezone.now() - dt.datetime.fromisoformat(updated)).total_seconds()
    return age < STALE_AFTER_SECONDS


def start_retag(*, actor: User) -> dict[str, Any]:
    """Queue a re-tagging of every interaction; refuse while one is running."""
    ensure_may_configure(actor)
    if _running(RETAG_KEY):
        raise Conflict("retag_running", _("A re-tagging run is already in progress; wait for it to finish."))
    cache.set(RETAG_KEY, {"state": "queued", "done": 0, "total": 0, "started_by": actor.pk,
                          "started_at": timezone.now().isoformat(), "updated_at": timezone.now().isoformat()},
              timeout=None)
    logger.info("re-tagging queued by user %s", actor.pk)
    retag_all_task.delay(actor.pk)
    return progress(RETAG_KEY)


def start_retrain(*, actor: User) -> dict[str, Any]:
    ensure_may_configure(actor)
    if _running(RETRAIN_KEY):
        raise Conflict("retrain_running", _("A training run is already in progress; wait for it to finish."))
    _store(RETRAIN_KEY, state="queued", done=0, total=1, error="", started_at=timezone.now().isoformat())
    logger.info("tagger retraining queued by user %s", actor.pk)
    retrain_task.delay(actor.pk)
    return progress(RETRAIN_KEY)


@shared_task(name="signals.retag_all")
def retag_all_task(user_id: int | None = None) -> dict[str, Any]:
    from salespulse.signals.tagging import retag_all

    def report(done: int, total: int) -> None:
        _store(RETAG_KEY, state="running", done=done, total=total)

    _store(RETAG_KEY, state="running")
    try:
        result = retag_all(progress_callback=report)
    except Exception as error:  # the page shows the failure; the log has the traceback
        logger.exception("re-tagging started by user %s failed", user_id)
        _store(RETAG_KEY, state="failed", error=str(error)[:300], finished_at=timezone.now().isoformat())
        return progress(RETAG_KEY)
    data = cache.get(RETAG_KEY) or {}
    total = data.get("total") or data.get("done") or 0
    _store(RETAG_KEY, state="done", done=total, total=total, finished_at=timezone.now().isoformat())
    logger.info("re-tagging started by user %s finished: %s", user_id, result)
    return progress(RETAG_KEY)


@shared_task(name="signals.retrain")
def retrain_task(user_id: int | None = None) -> dict[str, Any]:
    from salespulse.signals.training import retrain

    user = User.objects.filter(pk=user_id).first() if user_id else None
    _store(RETRAIN_KEY, state="running")
    try:
        model = retrain(user=user)
    except Exception as error:  # the page shows the failure; the log has the traceback
        logger.exception("tagger retraining started by user %s failed", user_id)
        _store(RETRAIN_KEY, state="failed", error=str(error)[:300], finished_at=timezone.now().isoformat())
        return progress(RETRAIN_KEY)
    _store(RETRAIN_KEY, state="done", done=1, total=1, finished_at=timezone.now().isoformat(),
           model_id=getattr(model, "pk", None))
    logger.info("tagger retrained by user %s: model %s", user_id, getattr(model, "pk", None))
    return progress(RETRAIN_KEY)
