"""Writes of the funnel analyzer: saving and deleting named views.

A view is private to its owner or shared with the owner's team; only the owner may
overwrite or delete it. Saving under a name the owner already used replaces that
view's filter and visibility.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils.translation import gettext as _

from salespulse.accounts.models import User
from salespulse.analytics.models import SavedView, SavedViewVisibility
from salespulse.analytics.selectors_analyzer import get_visible_saved_view, load_filter
from salespulse.core.errors import DomainError, PermissionDenied

logger = logging.getLogger(__name__)

NAME_MAX_LENGTH = SavedView._meta.get_field("name").max_length


def save_view(*, actor: User, name: str, filter_json: dict | str | None, shared: bool) -> SavedView:
    """Save the filter under ``name`` for ``actor``, shared with the actor's team or not.

    Raises ``FilterError`` for an invalid filter and ``DomainError`` for an empty or too
    long name, or for sharing without a team.
    """
    name = (name or "").strip()
    if not name:
        raise DomainError("view_name_missing", _("Enter a name for the view."), field="name")
    if "\x00" in name:
        raise DomainError(
            "view_name_invalid",
            _("The name %(name)s contains a NUL character; remove it.") % {"name": name.replace("\x00", "")},
            field="name",
        )
    if len(name) > NAME_MAX_LENGTH:
        raise DomainError(
            "view_name_too_long",
            _("The name %(name)s is %(length)s characters long; use at most %(limit)s.")
            % {"name": name, "length": len(name), "limit": NAME_MAX_LENGTH},
            field="name",
        )
    if shared and actor.team_id is None:
        raise DomainError(
            "view_share_without_team",
            _("You belong to no team, so the view can only be saved for yourself."),
            field="shared",
        )
    spec = load_filter(filter_json)

    with transaction.atomic():
        view, created = SavedView.objects.update_or_create(
            owner=actor,
            name=name,
            defaults={
                "filter": spec,
                "visibility": SavedViewVisibility.TEAM if shared else SavedViewVisibility.PRIVATE,
                "team_id": actor.team_id if shared else None,
            },
        )

    logger.info(
        "analyzer view %s %s by user %s (visibility %s)",
        view.pk, "created" if created else "updated", actor.pk, view.visibility,
    )
    return view


def delete_view(*, actor: User, view_id: int) -> None:
    """Delete one of the actor's own views.

    Raises ``NotFound`` for a view the actor may not open and ``PermissionDenied`` for a
    team view someone else saved.
    """
    view = get_visible_saved_view(actor, view_id)
    if view.owner_id != actor.pk:
        raise PermissionDenied(
            "view_not_owned",
            _("The view %(name)s belongs to %(owner)s; only its owner may delete it.")
            % {"name": view.name, "owner": view.owner},
        )

    view.delete()

    logger.info("analyzer view %s deleted by user %s", view_id, actor.pk)
