"""Create, re-create and delete the demo workspace.

The generator writes with ``bulk_create`` instead of calling the transition service
once per move: a scale-1 workspace has about 50,000 stage intervals, and the service's
per-move locking would take minutes. ``deals.py`` writes histories of the same shape.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q

from salespulse.accounts.models import Region, Role, Team, User
from salespulse.crm.models import Contact, Customer, Interaction, Lead, Opportunity, Product
from salespulse.crm.services import refresh_activity_facts
from salespulse.demo.customers import create_catalogue, create_customers
from salespulse.demo.deals import create_deals
from salespulse.demo.interactions import create_deal_interactions
from salespulse.demo.leads import create_leads
from salespulse.demo.models import DemoWorkspace
from salespulse.demo.objections import create_objections
from salespulse.demo.people import SIGN_IN_USERNAMES, create_people
from salespulse.demo.rebates import AGREEMENT_PREFIX, create_rebate_agreements
from salespulse.demo.reference import (
    DEMO_PASSWORD,
    EXTERNAL_ID_PREFIX,
    FULL,
    PREFIX,
    SEED,
    DemoSize,
    rng_for,
)
from salespulse.demo.timeshift import shift_days_for, shift_demo_history
from salespulse.pipeline.models import StageInterval
from salespulse.rebates.models import RebateAgreement, RebateAuditEvent, RebateConfirmation

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DemoSignIn:
    role: str
    username: str
    password: str


def ensure_demo_workspace(
    *, size: DemoSize = FULL, seed: int = SEED, anchor: dt.date | None = None
) -> tuple[DemoWorkspace, bool]:
    """Generate the demo workspace unless one exists; return it and whether it was created."""
    existing = DemoWorkspace.objects.first()
    if existing is not None:
        return existing, False
    return generate_demo_workspace(size=size, seed=seed, reset=False, anchor=anchor), True


def generate_demo_workspace(
    *, size: DemoSize = FULL, seed: int = SEED, reset: bool = False, anchor: dt.date | None = None
) -> DemoWorkspace:
    """Write a demo workspace of ``size`` (with its ``scale``) in one transaction.

    ``anchor`` is the day the history ends (see ``timeshift``). Without it the history
    ends on the fixed ``reference.END``, so the same seed always writes the same rows.
    Raises ``ValueError`` if demo rows exist and ``reset`` is false: the generator
    writes fixed usernames and external ids, so a second copy cannot coexist.
    """
    started = time.perf_counter()
    with transaction.atomic():
        if reset:
            delete_demo_workspace()
        elif User.objects.filter(username__startswith=PREFIX).exists():
            raise ValueError(
                "Demo rows already exist; run `salespulse demo generate --reset` to replace them."
            )

        people = create_people(size, rng_for(seed, "people"))
        catalogue = create_catalogue()
        customers = create_customers(size, people, catalogue, rng_for(seed, "customers"))
        deals = create_deals(size, people, customers, catalogue, rng_for(seed, "deals"))
        deal_interactions = create_deal_interactions(deals, rng_for(seed, "interactions"))
        objection_count = create_objections(deals, rng_for(seed, "objections"))
        lead_count, lead_interactions = create_leads(
            size, people, customers, catalogue, rng_for(seed, "leads")
        )
        if anchor is not None:
            shift_demo_history(shift_days_for(anchor))
        refresh_activity_facts(deal.opportunity.pk for deal in deals)
        agreement_count = create_rebate_agreements(SIGN_IN_USERNAMES[Role.REP])

        counts = {
            "users": len(people.users),
            "customers": len(customers),
            "contacts": sum(len(entry.contacts) for entry in customers),
            "opportunities": len(deals),
            "stage_intervals": StageInterval.objects.filter(
                opportunity__external_id__startswith=EXTERNAL_ID_PREFIX
            ).count(),
            "leads": lead_count,
            "interactions": deal_interactions + lead_interactions,
            "objections": objection_count,
            "rebate_agreements": agreement_count,
        }
        workspace = DemoWorkspace.objects.create(
            size=size.name,
            scale=size.scale,
            seed=seed,
            row_counts=counts,
            generation_seconds=round(time.perf_counter() - started, 2),
        )

    logger.info(
        "demo workspace %s generated: size %s, scale %s, %.1f s, %s",
        workspace.pk,
        size.name,
        size.scale,
        workspace.generation_seconds,
        counts,
    )
    return workspace


def delete_demo_workspace() -> None:
    """Delete every row the generator wrote, children before parents."""
    with transaction.atomic():
        _delete_demo_rebates()
        demo_customer = Q(customer__external_id__startswith=EXTERNAL_ID_PREFIX)
        Interaction.objects.filter(demo_customer | Q(owner__username__startswith=PREFIX)).delete()
        StageInterval.objects.filter(
            opportunity__external_id__startswith=EXTERNAL_ID_PREFIX
        ).delete()
        Opportunity.objects.filter(external_id__startswith=EXTERNAL_ID_PREFIX).delete()
        Lead.objects.filter(external_id__startswith=EXTERNAL_ID_PREFIX).delete()
        Contact.objects.filter(demo_customer).delete()
        Customer.objects.filter(external_id__startswith=EXTERNAL_ID_PREFIX).delete()
        Product.objects.filter(code__startswith=PREFIX).delete()
        User.objects.filter(username__startswith=PREFIX).delete()
        Team.objects.filter(code__startswith=PREFIX).delete()
        Region.objects.filter(code__startswith=PREFIX).delete()
        DemoWorkspace.objects.all().delete()
    logger.info("demo workspace deleted")


def _delete_demo_rebates() -> None:
    """Delete rebate records of demo customers and users; reversals before what they reverse."""
    documents = RebateConfirmation.objects.filter(
        Q(customer__external_id__startswith=EXTERNAL_ID_PREFIX) | Q(confirmed_by__username__startswith=PREFIX)
    )
    RebateAuditEvent.objects.filter(
        Q(document__in=documents)
        | Q(agreement__code__startswith=AGREEMENT_PREFIX)
        | Q(actor__username__startswith=PREFIX)
    ).delete()
    documents.filter(reverses__isnull=False).delete()
    documents.delete()
    RebateAgreement.objects.filter(code__startswith=AGREEMENT_PREFIX).delete()


def demo_sign_ins() -> list[DemoSignIn]:
    """Return one demo sign-in per role, in the order of the role list."""
    return [DemoSignIn(role, SIGN_IN_USERNAMES[role], DEMO_PASSWORD) for role in Role.values]
