"""Celery tasks: run the pattern detectors and send the weekly digests.

Without ``CELERY_BROKER_URL`` the tasks run inline where ``.delay()`` is called. With a
broker, schedule them with Celery beat, for example in settings::

    from celery.schedules import crontab
    CELERY_BEAT_SCHEDULE = {
        # Every hour at minute 5; the alerts page shows each detector's last run.
        "analytics-detectors": {"task": "analytics.run_detectors", "schedule": crontab(minute=5)},
        # Mondays 08:00 in CELERY_TIMEZONE (settings.TIME_ZONE, Asia/Shanghai by default).
        "analytics-digest": {
            "task": "analytics.send_weekly_digests",
            "schedule": crontab(minute=0, hour=8, day_of_week="mon"),
        },
    }

``salespulse detect`` and ``salespulse digest`` do the same work from the command line.
"""

from __future__ import annotations

import logging

from celery import shared_task

from salespulse.analytics import detectors, digest

logger = logging.getLogger(__name__)


@shared_task(name="analytics.run_detectors")
def run_detectors(kinds: list[str] | None = None) -> list[dict]:
    """Run the detectors and return, per detector, how many alerts it found, opened and resolved."""
    results = detectors.run_detectors(kinds)
    return [
        {
            "kind": result.kind,
            "found": result.found,
            "opened": result.opened,
            "resolved": result.resolved,
            "duration_ms": result.duration_ms,
        }
        for result in results
    ]


@shared_task(name="analytics.send_weekly_digests")
def send_weekly_digests() -> dict:
    result = digest.send_weekly_digests()
    return {"sent": result.sent, "skipped": result.skipped}
