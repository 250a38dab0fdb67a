"""The weekly alert digest: one e-mail per manager listing the new alerts of their team.

"New" means first seen after the manager's previous digest (or in the last 7 days for
a first digest) and still open. The e-mail is plain text with an HTML alternative, in
the manager's language; users have no language setting yet, so that is
settings.LANGUAGE_CODE (Simplified Chinese). Managers without an e-mail address or a
team are skipped; a manager without new alerts gets no e-mail and keeps their
previous digest time.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from salespulse.accounts.models import Role, User
from salespulse.analytics.models import Alert, AlertStatus, DigestRecord

logger = logging.getLogger(__name__)

FIRST_DIGEST_SPAN = dt.timedelta(days=7)


@dataclass(frozen=True)
class DigestResult:
    sent: int
    skipped: int


def manager_language(manager: User) -> str:
    return getattr(manager, "language", "") or settings.LANGUAGE_CODE


def new_alerts_for(manager: User, since: dt.datetime) -> list[Alert]:
    """Return the open alerts first seen after ``since`` whose owner is in the manager's team
    (or, for team-wide alerts, that are about the manager's team)."""
    from django.db.models import Q

    return list(
        Alert.objects.filter(status=AlertStatus.OPEN, first_seen__gt=since)
        .filter(Q(owner__team_id=manager.team_id) | Q(team_id=manager.team_id))
        .select_related("owner", "customer", "opportunity", "lead", "team")
        .order_by("kind", "-first_seen", "id")
    )


def send_weekly_digests(now: dt.datetime | None = None) -> DigestResult:
    """Send every active manager with a team and an e-mail address their digest."""
    now = now or timezone.now()
    managers = User.objects.filter(role=Role.MANAGER, is_active=True, team__isnull=False).exclude(email="")
    records = {record.manager_id: record for record in DigestRecord.objects.filter(manager__in=managers)}
    sent = skipped = 0
    for manager in managers.select_related("team"):
        record = records.get(manager.pk)
        since = record.last_sent_at if record else now - FIRST_DIGEST_SPAN
        if send_digest(manager, since=since, now=now):
            sent += 1
        else:
            skipped += 1
    logger.info("weekly digest sent to %s managers, %s without new alerts", sent, skipped)
    return DigestResult(sent, skipped)


def send_digest(manager: User, *, since: dt.datetime, now: dt.datetime) -> bool:
    """Send one manager's digest of alerts first seen after ``since``; return whether one was sent."""
    alerts = new_alerts_for(manager, since)
    if not alerts:
        return False

    with translation.override(manager_language(manager)):
        context = {"manager": manager, "alerts": alerts, "since": since, "now": now}
        subject = _("SalesPulse: %(count)s new alerts for %(team)s") % {"count": len(alerts), "team": manager.team}
        text = render_to_string("analytics/alerts_digest.txt", context)
        html = render_to_string("analytics/alerts_digest.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[manager.email])
    message.attach_alternative(html, "text/html")

    # Sent before the time is recorded: a failed send leaves the alerts for the next digest.
    message.send()
    DigestRecord.objects.update_or_create(manager=manager, defaults={"last_sent_at": now})
    logger.info("digest with %s alerts sent to manager %s", len(alerts), manager.pk)
    return True
