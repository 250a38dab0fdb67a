"""Data visibility: which owners' records a user may see.

Every selector that returns owned records filters with ``owned_by_visible_users``, so
screens, exports and API endpoints inherit the same rule:

* a rep sees what they own;
* a manager sees what the members of their team own;
* a director sees what anyone in their region owns;
* ops, finance and admin see everything.

A manager or director without a team or region sees only their own records, never
everything: a missing assignment must not widen access.
"""

from __future__ import annotations

from django.db.models import Q

from salespulse.accounts.models import Role, User


def owned_by_visible_users(user: User, owner_field: str = "owner") -> Q:
    """Return a filter on ``owner_field`` (a path to a User) for what ``user`` may see."""
    if user.sees_everything:
        return Q()
    if user.role == Role.MANAGER and user.team_id:
        return Q(**{f"{owner_field}__team_id": user.team_id})
    if user.role == Role.DIRECTOR and user.region_id:
        return Q(**{f"{owner_field}__region_id": user.region_id})
    return Q(**{f"{owner_field}_id": user.pk})


def visible_users(user: User):
    """Return the users whose records ``user`` may see (for owner filters and pickers)."""
    if user.sees_everything:
        return User.objects.filter(is_active=True)
    if user.role == Role.MANAGER and user.team_id:
        return User.objects.filter(team_id=user.team_id)
    if user.role == Role.DIRECTOR and user.region_id:
        return User.objects.filter(region_id=user.region_id)
    return User.objects.filter(pk=user.pk)
