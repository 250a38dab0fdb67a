"""Writes of the objection playbook: talk tracks, promotions, and uses on opportunities.

Who may do what:

* sales operations and administrators create and edit talk tracks;
* they, and the manager of the rep who owns the deal, promote a resolved objection;
* anyone who may change the deal (every role except finance) marks a track as used on
  an opportunity they can see, and reports when the objection was resolved.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from salespulse.accounts.models import Role, User
from salespulse.core.errors import Conflict, DomainError, PermissionDenied
from salespulse.crm.models import Opportunity, OpportunityStatus, ProductLine
from salespulse.crm.selectors import visible_opportunities
from salespulse.knowledge.models import (
    TalkTrack,
    TalkTrackOrigin,
    TalkTrackStatus,
    TalkTrackUse,
    UseOutcome,
)
from salespulse.pipeline.models import Objection, ObjectionCategory
from salespulse.pipeline.services import READ_ONLY_ROLES, ensure_may_change_deals

logger = logging.getLogger(__name__)

PLAYBOOK_EDITOR_ROLES = frozenset({Role.OPS, Role.ADMIN})
TITLE_MAX_LENGTH = 120
# Length of the title made from the customer's words when a promotion gives none.
PROMOTED_TITLE_LENGTH = 40


def may_edit_playbook(user: User) -> bool:
    return user.is_authenticated and (user.is_superuser or user.role in PLAYBOOK_EDITOR_ROLES)


def may_use_tracks(user: User) -> bool:
    """Return True for the roles that may record "used this" (those that may change deals)."""
    return user.is_authenticated and (user.is_superuser or user.role not in READ_ONLY_ROLES)


def may_promote(user: User, objection: Objection) -> bool:
    """Return True for editors and for the manager of the team of the deal's owner."""
    if may_edit_playbook(user):
        return True
    owner = objection.opportunity.owner
    return (
        user.role == Role.MANAGER and user.team_id is not None and owner is not None and owner.team_id == user.team_id
    )


def _ensure_editor(actor: User) -> None:
    if not may_edit_playbook(actor):
        raise PermissionDenied(
            "playbook_edit_not_allowed",
            _("Only sales operations and administrators may write or edit talk tracks."),
        )


def _clean_fields(*, category: str, title: str, objection_text: str, response: str, status: str) -> dict[str, str]:
    """Return the stripped text fields, or raise ``DomainError`` naming the first bad one."""
    if category not in ObjectionCategory.values:
        raise DomainError(
            "invalid_objection_category",
            _("Objection category %(value)s is not configured; pick one from the list.") % {"value": category},
            field="category",
        )
    if status not in TalkTrackStatus.values:
        raise DomainError(
            "invalid_talk_track_status",
            _("Status %(value)s is not known; choose published or draft.") % {"value": status},
            field="status",
        )
    cleaned = {"title": title.strip(), "objection_text": objection_text.strip(), "response": response.strip()}
    required = {
        "title": _("Give the talk track a title."),
        "objection_text": _("Write down the customer's words that the talk track answers."),
        "response": _("Write the response script."),
    }
    for field, message in required.items():
        if not cleaned[field]:
            raise DomainError("talk_track_field_required", message, field=field)
    if len(cleaned["title"]) > TITLE_MAX_LENGTH:
        raise DomainError(
            "talk_track_title_too_long",
            _("The title has %(length)s characters; shorten it to at most %(limit)s.")
            % {"length": len(cleaned["title"]), "limit": TITLE_MAX_LENGTH},
            field="title",
        )
    return cleaned


def create_talk_track(
    *,
    actor: User,
    category: str,
    title: str,
    objection_text: str,
    response: str,
    product_line: ProductLine | None = None,
    status: str = TalkTrackStatus.PUBLISHED,
) -> TalkTrack:
    """Create a talk track written by sales operations."""
    _ensure_editor(actor)
    cleaned = _clean_fields(
        category=category, title=title, objection_text=objection_text, response=response, status=status
    )

    track = TalkTrack.objects.create(
        category=category,
        status=status,
        product_line=product_line,
        origin=TalkTrackOrigin.WRITTEN,
        author=actor,
        **cleaned,
    )

    logger.info("talk track %s created by user %s", track.pk, actor.pk)
    return track


def update_talk_track(
    *,
    actor: User,
    talk_track: TalkTrack,
    category: str,
    title: str,
    objection_text: str,
    response: str,
    product_line: ProductLine | None = None,
    status: str = TalkTrackStatus.PUBLISHED,
) -> TalkTrack:
    """Change a talk track's text, category, product line or status; the origin stays."""
    _ensure_editor(actor)
    cleaned = _clean_fields(
        category=category, title=title, objection_text=objection_text, response=response, status=status
    )

    for field, value in cleaned.items():
        setattr(talk_track, field, value)
    talk_track.category = category
    talk_track.status = status
    talk_track.product_line = product_line
    talk_track.save()

    logger.info("talk track %s edited by user %s", talk_track.pk, actor.pk)
    return talk_track


def promote_objection(*, actor: User, objection: Objection, title: str = "") -> TalkTrack:
    """Turn a resolved objection into a published talk track that credits its rep.

    The rep who solved it is the deal's owner, or the user who recorded the objection when
    the deal has no owner. The customer, channel and time to resolve are copied onto the track.
    """
    if not may_promote(actor, objection):
        raise PermissionDenied(
            "promotion_not_allowed",
            _("Only sales operations, administrators and the manager of the rep's team may promote this objection."),
        )
    if objection.resolved_at is None:
        raise DomainError(
            "objection_not_resolved",
            _('The objection "%(words)s" is not resolved yet; only a resolved objection can become a talk track.')
            % {"words": _excerpt(objection.customer_words)},
        )
    if not objection.response.strip():
        raise DomainError(
            "objection_has_no_response",
            _('The objection "%(words)s" has no response to reuse; write the response on the opportunity first.')
            % {"words": _excerpt(objection.customer_words)},
        )
    existing = _promoted_track(objection)
    if existing is not None:
        raise _already_promoted(existing)
    opportunity = objection.opportunity
    customer = opportunity.customer
    cleaned = _clean_fields(
        category=objection.category,
        title=title.strip() or _excerpt(objection.customer_words, PROMOTED_TITLE_LENGTH),
        objection_text=objection.customer_words,
        response=objection.response,
        status=TalkTrackStatus.PUBLISHED,
    )

    try:
        with transaction.atomic():
            track = TalkTrack.objects.create(
                category=objection.category,
                status=TalkTrackStatus.PUBLISHED,
                origin=TalkTrackOrigin.PROMOTED,
                source_objection=objection,
                solved_by=opportunity.owner or objection.recorded_by,
                origin_customer=customer,
                origin_channel=customer.channel if customer else None,
                time_to_resolve=objection.resolved_at - objection.raised_at,
                product_line=opportunity.product_line,
                author=actor,
                **cleaned,
            )
    except IntegrityError as error:
        # Two promotions of the same objection at once: the one-to-one key kept one.
        existing = _promoted_track(objection)
        if existing is None:
            raise
        raise _already_promoted(existing) from error

    logger.info("objection %s promoted to talk track %s by user %s", objection.pk, track.pk, actor.pk)
    return track


def _promoted_track(objection: Objection) -> TalkTrack | None:
    return TalkTrack.objects.filter(source_objection=objection).first()


def _already_promoted(track: TalkTrack) -> Conflict:
    return Conflict(
        "objection_already_promoted",
        _('This objection is already the talk track "%(title)s"; edit that track instead.') % {"title": track.title},
    )


def _excerpt(text: str, length: int = 30) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1] + "…"


def record_use(
    *,
    actor: User,
    talk_track: TalkTrack,
    opportunity: Opportunity,
    objection: Objection | None = None,
    used_at: dt.datetime | None = None,
) -> TalkTrackUse:
    """Record that ``actor`` used a talk track on an opportunity; a repeat returns the first use."""
    ensure_may_change_deals(actor)
    if not visible_opportunities(actor).filter(pk=opportunity.pk).exists():
        raise PermissionDenied(
            "opportunity_not_visible", _("You cannot record a talk track use on an opportunity you cannot see.")
        )
    if opportunity.status != OpportunityStatus.OPEN:
        # The recommendation block is shown on open deals only; a use on a won or lost deal
        # would count as an unresolved use of the track.
        raise DomainError(
            "opportunity_closed",
            _("The opportunity %(name)s is closed; record talk track uses on open opportunities only.")
            % {"name": opportunity.name},
            field="opportunity",
        )
    if talk_track.status != TalkTrackStatus.PUBLISHED:
        raise DomainError(
            "talk_track_not_published",
            _('The talk track "%(title)s" is a draft; only published talk tracks can be used.')
            % {"title": talk_track.title},
        )
    if objection is not None and objection.opportunity_id != opportunity.pk:
        raise DomainError(
            "objection_of_other_opportunity",
            _("The objection belongs to another opportunity; pick one of this opportunity's objections."),
            field="objection",
        )

    with transaction.atomic():
        use, created = TalkTrackUse.objects.get_or_create(
            talk_track=talk_track,
            opportunity=opportunity,
            defaults={"objection": objection, "user": actor, "used_at": used_at or timezone.now()},
        )

    if created:
        logger.info("talk track %s used on opportunity %s by user %s", talk_track.pk, opportunity.pk, actor.pk)
    return use


def mark_use_resolved(*, actor: User, use: TalkTrackUse, resolved_at: dt.datetime | None = None) -> TalkTrackUse:
    """Record that the objection was resolved after the talk track was used."""
    ensure_may_change_deals(actor)
    if not visible_opportunities(actor).filter(pk=use.opportunity_id).exists():
        raise PermissionDenied(
            "opportunity_not_visible", _("You cannot record a talk track use on an opportunity you cannot see.")
        )
    if use.outcome == UseOutcome.RESOLVED:
        # A second click (or a resubmitted form) keeps the first time, so the track's
        # speed is not made slower.
        return use
    resolved_at = resolved_at or timezone.now()
    if resolved_at < use.used_at:
        raise DomainError(
            "use_resolved_before_used",
            _("The objection cannot be resolved before the talk track was used."),
            field="resolved_at",
        )

    use.outcome = UseOutcome.RESOLVED
    use.resolved_at = resolved_at
    use.save(update_fields=["outcome", "resolved_at"])

    logger.info("talk track use %s marked resolved by user %s", use.pk, actor.pk)
    return use
