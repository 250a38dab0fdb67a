"""Move a generated demo workspace in time so that its history ends on a chosen day.

The generator writes a fixed two-year history (``reference.END``), so two runs give the
same rows. A workspace that a person opens weeks later would then show every open lead
as stale and no recent activity, so ``demo ensure`` shifts every demo timestamp by
whole days until the history ends on the day it runs. The shift keeps times of day and
all intervals between rows, so the planted patterns stay as they were generated.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db.models import F, Q

from salespulse.crm.models import Customer, Interaction, Lead, Opportunity
from salespulse.demo.reference import END, EXTERNAL_ID_PREFIX, PREFIX, ZONE
from salespulse.pipeline.models import Objection, StageInterval

logger = logging.getLogger(__name__)

DEMO_CUSTOMER = Q(external_id__startswith=EXTERNAL_ID_PREFIX)
DEMO_OPPORTUNITY = Q(external_id__startswith=EXTERNAL_ID_PREFIX)


def latest_anchor(now: dt.datetime) -> dt.date:
    """Return the latest day on which a history ending at ``END``'s local time of day has
    already ended at ``now``, so no shifted row lies in the future."""
    local = now.astimezone(ZONE)
    if local.time() < END.time():
        return local.date() - dt.timedelta(days=1)
    return local.date()


def shift_days_for(anchor: dt.date) -> int:
    """Return how many days the fixed history must move to end on ``anchor``."""
    return (anchor - END.date()).days


def shift_demo_history(days: int) -> None:
    """Add ``days`` to every timestamp and date of the demo rows (in the caller's transaction)."""
    if days == 0:
        return
    delta = dt.timedelta(days=days)
    datetime_columns = [
        (Customer.objects.filter(DEMO_CUSTOMER), ["created_at"]),
        (Lead.objects.filter(external_id__startswith=EXTERNAL_ID_PREFIX), ["created_at", "first_followup_at", "last_activity_at"]),
        (Opportunity.objects.filter(DEMO_OPPORTUNITY), ["created_at", "stage_entered_at", "closed_at"]),
        (StageInterval.objects.filter(opportunity__external_id__startswith=EXTERNAL_ID_PREFIX), ["entered_at", "left_at"]),
        (
            Objection.objects.filter(opportunity__external_id__startswith=EXTERNAL_ID_PREFIX),
            ["raised_at", "resolved_at"],
        ),
        (
            Interaction.objects.filter(
                Q(customer__external_id__startswith=EXTERNAL_ID_PREFIX) | Q(owner__username__startswith=PREFIX)
            ),
            ["occurred_at"],
        ),
    ]
    for queryset, columns in datetime_columns:
        # NULL + interval stays NULL, so open intervals and open deals keep their empty ends.
        queryset.update(**{column: F(column) + delta for column in columns})

    # Date columns are moved in Python: date arithmetic in SQL differs between SQLite
    # and PostgreSQL, and these tables are small next to intervals and interactions.
    _shift_dates(Customer.objects.filter(DEMO_CUSTOMER), ["first_purchase_date"], delta)
    _shift_dates(Opportunity.objects.filter(DEMO_OPPORTUNITY), ["expected_close_date", "signed_date"], delta)
    logger.info("demo history shifted by %s day(s)", days)


def _shift_dates(queryset, columns: list[str], delta: dt.timedelta) -> None:
    rows = list(queryset.only("pk", *columns))
    for row in rows:
        for column in columns:
            value = getattr(row, column)
            if value is not None:
                setattr(row, column, value + delta)
    queryset.model.objects.bulk_update(rows, columns, batch_size=2000)
