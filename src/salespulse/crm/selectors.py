"""Read queries for customers, opportunities, leads and interactions.

Every function takes the requesting user and returns only what that user may see
(see ``salespulse.accounts.scopes``); screens, exports and the API all start here.
"""

from __future__ import annotations

from django.db.models import QuerySet

from salespulse.accounts.models import User
from salespulse.accounts.scopes import owned_by_visible_users
from salespulse.crm.models import Customer, Interaction, Lead, Opportunity
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
