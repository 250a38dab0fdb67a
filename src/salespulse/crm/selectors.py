"""Read queries for customers, opportunities, leads and interactions.

Every function takes the requesting user and returns only what that user may see
(see ``salespulse.accounts.scopes``); screens, exports and the API all start here.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.db import models
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salespulse.accounts.models import User
from salespulse.accounts.scopes import owned_by_visible_users
from salespulse.core.timeutil import dwell_days, local_date
from salespulse.crm.models import (
    Contact,
    Customer,
    Interaction,
    Lead,
    Opportunity,
    OpportunityStatus,
)
from salespulse.pipeline.models import StageInterval


def visible_customers(user: User) -> QuerySet[Customer]:
    return Customer.objects.filter(owned_by_visible_users(user))


def visible_opportunities(user: User) -> QuerySet[Opportunity]:
    return Opportunity.objects.filter(owned_by_visible_users(user))


def visible_leads(user: User) -> QuerySet[Lead]:
    return Lead.objects.filter(owned_by_visible_users(user))


def visible_interactions(user: User) -> QuerySet[Interaction]:
    """Interactions the user logged, or about customers the user may see."""
    return Interaction.objects.filter(
        owned_by_visible_users(user) | owned_by_visible_users(user, "customer__owner")
    )


def visible_stage_intervals(user: User) -> QuerySet[StageInterval]:
    return StageInterval.objects.filter(owned_by_visible_users(user, "opportunity__owner"))


# --- Customer list, customer page and opportunity page --------------------------------


class CustomerKind(models.TextChoices):
    """New vs repeat, derived from ``first_purchase_date`` and the local calendar year."""

    NEW = "new", _("New customer")
    REPEAT = "repeat", _("Repeat customer")
    PROSPECT = "prospect", _("Never purchased")


@dataclass(frozen=True)
class CustomerFilter:
    """Filters of the customer list; an empty value filters nothing."""

    query: str = ""
    channel_id: int | None = None
    region_id: int | None = None
    owner_id: int | None = None
    tier_id: int | None = None
    kind: str = ""


def search_customers(
    user: User, filters: CustomerFilter, *, today: dt.date | None = None
) -> QuerySet[Customer]:
    """Return the visible customers matching ``filters``, with their open-opportunity count.

    The text query matches name, short name and external id (contains, case-insensitive)
    and contact phone numbers with spaces and dashes removed from the query.
    """
    customers = visible_customers(user).select_related("channel", "tier", "region", "owner")

    query = filters.query.strip()
    if query:
        text_match = (
            Q(name__icontains=query)
            | Q(short_name__icontains=query)
            | Q(external_id__icontains=query)
        )
        digits = re.sub(r"[\s\-]", "", query)
        if digits:
            phone_match = Contact.objects.filter(customer_id=OuterRef("pk"), phone__contains=digits)
            text_match |= Exists(phone_match)
        customers = customers.filter(text_match)

    if filters.channel_id:
        customers = customers.filter(channel_id=filters.channel_id)
    if filters.region_id:
        customers = customers.filter(region_id=filters.region_id)
    if filters.owner_id:
        customers = customers.filter(owner_id=filters.owner_id)
    if filters.tier_id:
        customers = customers.filter(tier_id=filters.tier_id)
    if filters.kind:
        customers = customers.filter(
            _customer_kind_filter(filters.kind, today or local_date(timezone.now()))
        )

    open_deals = Count("opportunities", filter=Q(opportunities__status=OpportunityStatus.OPEN))
    return customers.annotate(open_opportunity_count=open_deals).order_by("name", "id")


def _customer_kind_filter(kind: str, today: dt.date) -> Q:
    start_of_year = dt.date(today.year, 1, 1)
    if kind == CustomerKind.NEW:
        return Q(first_purchase_date__gte=start_of_year)
    if kind == CustomerKind.REPEAT:
        return Q(first_purchase_date__lt=start_of_year)
    if kind == CustomerKind.PROSPECT:
        return Q(first_purchase_date__isnull=True)
    return Q()


def customer_kind(customer: Customer, today: dt.date) -> str:
    if customer.first_purchase_date is None:
        return CustomerKind.PROSPECT
    if customer.first_purchase_date >= dt.date(today.year, 1, 1):
        return CustomerKind.NEW
    return CustomerKind.REPEAT


def get_visible_customer(user: User, customer_id: int) -> Customer:
    """Return one customer the user may see; raise ``Http404`` for any other id."""
    customers = visible_customers(user).select_related("channel", "tier", "region", "owner")
    return get_object_or_404(customers, pk=customer_id)


def get_visible_opportunity(user: User, opportunity_id: int) -> Opportunity:
    """Return one opportunity the user may see; raise ``Http404`` for any other id."""
    opportunities = visible_opportunities(user).select_related(
        "customer", "owner", "pipeline", "stage", "product_line", "product", "lost_at_stage"
    )
    return get_object_or_404(opportunities, pk=opportunity_id)


def open_opportunities_of_customer(user: User, customer: Customer) -> QuerySet[Opportunity]:
    return (
        visible_opportunities(user)
        .filter(customer=customer, status=OpportunityStatus.OPEN)
        .select_related("stage", "owner")
        .order_by("-stage_entered_at", "id")
    )


class TimelineKind(models.TextChoices):
    INTERACTION = "interaction", _("Interaction")
    STAGE_MOVE = "stage_move", _("Stage move")


@dataclass(frozen=True)
class TimelineEntry:
    """One line of a customer's timeline: an interaction or an opportunity's stage move."""

    at: dt.datetime
    kind: str
    interaction: Interaction | None = None
    stage_interval: StageInterval | None = None


def customer_timeline(user: User, customer: Customer, *, limit: int = 100) -> list[TimelineEntry]:
    """Return the latest ``limit`` interactions and stage moves of ``customer``, newest first.

    Both sources are limited separately before the merge, so the result is exact for
    the newest ``limit`` entries.
    """
    interactions = (
        visible_interactions(user)
        .filter(customer=customer)
        .select_related("contact", "owner", "opportunity")
        .order_by("-occurred_at", "-id")[:limit]
    )
    moves = (
        visible_stage_intervals(user)
        .filter(opportunity__customer=customer)
        .select_related("opportunity", "stage", "from_stage", "actor")
        .order_by("-entered_at", "-id")[:limit]
    )
    entries = [
        TimelineEntry(item.occurred_at, TimelineKind.INTERACTION, interaction=item)
        for item in interactions
    ]
    entries += [
        TimelineEntry(item.entered_at, TimelineKind.STAGE_MOVE, stage_interval=item)
        for item in moves
    ]
    entries.sort(key=lambda entry: entry.at, reverse=True)
    return entries[:limit]


@dataclass(frozen=True)
class StageStay:
    """One stage interval as the opportunity page shows it; dwell counts an open stay up to now."""

    interval: StageInterval
    dwell_days: float

    @property
    def is_open(self) -> bool:
        return self.interval.left_at is None


def opportunity_stage_history(
    user: User, opportunity: Opportunity, *, now: dt.datetime | None = None
) -> list[StageStay]:
    """Return the stage intervals of ``opportunity`` in the order they were entered."""
    now = now or timezone.now()
    intervals = (
        visible_stage_intervals(user)
        .filter(opportunity=opportunity)
        .select_related("stage", "from_stage", "actor")
        .order_by("entered_at", "id")
    )
    return [
        StageStay(interval, dwell_days(interval.entered_at, interval.left_at, now))
        for interval in intervals
    ]
