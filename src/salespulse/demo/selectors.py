"""Read-only views of the demo workspace: row counts and a content checksum.

The checksum covers the generated business data by natural keys (usernames, external
ids, codes). It leaves out database ids and the ``auto_now`` timestamps that the ORM
fills from the wall clock, so two generations with the same seed give the same value.
"""

from __future__ import annotations

import hashlib

from salespulse.accounts.models import User
from salespulse.crm.models import Contact, Customer, Interaction, Lead, Opportunity
from salespulse.demo.reference import EXTERNAL_ID_PREFIX, PREFIX
from salespulse.pipeline.models import Objection, StageInterval


def _demo_querysets() -> dict:
    demo_customer = {"customer__external_id__startswith": EXTERNAL_ID_PREFIX}
    return {
        "users": User.objects.filter(username__startswith=PREFIX)
        .order_by("username")
        .values_list("username", "display_name", "role", "team__code", "region__code"),
        "customers": Customer.objects.filter(external_id__startswith=EXTERNAL_ID_PREFIX)
        .order_by("external_id")
        .values_list(
            "external_id",
            "name",
            "channel__code",
            "owner__username",
            "city",
            "first_purchase_date",
            "created_at",
        ),
        "contacts": Contact.objects.filter(**demo_customer)
        .order_by("email")
        .values_list("customer__external_id", "name", "title", "phone", "email"),
        "opportunities": Opportunity.objects.filter(external_id__startswith=EXTERNAL_ID_PREFIX)
        .order_by("external_id")
        .values_list(
            "external_id",
            "customer__external_id",
            "owner__username",
            "stage__code",
            "status",
            "expected_amount",
            "won_amount",
            "lost_at_stage__code",
            "loss_reason",
            "created_at",
            "closed_at",
        ),
        "stage_intervals": StageInterval.objects.filter(
            opportunity__external_id__startswith=EXTERNAL_ID_PREFIX
        )
        .order_by("opportunity__external_id", "entered_at")
        .values_list(
            "opportunity__external_id",
            "stage__code",
            "from_stage__code",
            "entered_at",
            "left_at",
            "is_regression",
        ),
        "objections": Objection.objects.filter(opportunity__external_id__startswith=EXTERNAL_ID_PREFIX)
        .order_by("opportunity__external_id", "raised_at")
        .values_list("opportunity__external_id", "stage__code", "category", "raised_at", "resolved_at"),
        "leads": Lead.objects.filter(external_id__startswith=EXTERNAL_ID_PREFIX)
        .order_by("external_id")
        .values_list(
            "external_id", "name", "status", "owner__username", "created_at", "last_activity_at"
        ),
        "interactions": Interaction.objects.filter(owner__username__startswith=PREFIX)
        .order_by(
            "occurred_at",
            "opportunity__external_id",
            "lead__external_id",
            "direction",
            "text",
            "contact__email",
            "channel",
            "action_type",
            "substantive",
        )
        .values_list(
            "opportunity__external_id",
            "lead__external_id",
            "contact__email",
            "channel",
            "direction",
            "occurred_at",
            "action_type",
            "substantive",
            "text",
        ),
    }


def demo_row_counts() -> dict[str, int]:
    return {name: queryset.count() for name, queryset in _demo_querysets().items()}


def demo_checksum() -> str:
    """Return a SHA-256 over the demo rows, read in a fixed order."""
    digest = hashlib.sha256()
    for name, queryset in _demo_querysets().items():
        digest.update(name.encode())
        for row in queryset.iterator(chunk_size=5000):
            digest.update(repr(tuple(_canonical(value) for value in row)).encode())
    return digest.hexdigest()


def _canonical(value):
    # Datetimes come back as aware UTC on both backends; isoformat keeps them exact.
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)
