"""Read queries for ingestion runs, stored messages and the identity review queue,
scoped to what the requesting user may see."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from salespulse.accounts.models import Role, User
from salespulse.accounts.scopes import owned_by_visible_users
from salespulse.crm.selectors import visible_customers
from salespulse.signals.models import Identity, IdentityStatus, IngestJob, Message

INGESTING_ROLES = frozenset({Role.OPS, Role.ADMIN, Role.MANAGER})
REVIEWING_ROLES = frozenset({Role.OPS, Role.ADMIN, Role.MANAGER, Role.DIRECTOR})


def may_ingest(user: User) -> bool:
    return user.is_superuser or user.role in INGESTING_ROLES


def may_review_identities(user: User) -> bool:
    return user.is_superuser or user.role in REVIEWING_ROLES


def visible_jobs(user: User) -> QuerySet[IngestJob]:
    """Return every run for ops and admins, and a manager's own runs for a manager."""
    if user.is_superuser or user.role in (Role.OPS, Role.ADMIN):
        return IngestJob.objects.all()
    if may_ingest(user):
        return IngestJob.objects.filter(created_by=user)
    return IngestJob.objects.none()


def visible_messages(user: User) -> QuerySet[Message]:
    """Messages about customers the user may see, never recalled ones. Messages not
    linked to a customer are visible only to those who review identities."""
    about_visible = Q(customer__in=visible_customers(user))
    if user.sees_everything:
        scope = Q()
    elif may_review_identities(user):
        scope = about_visible | Q(customer__isnull=True, owner=user)
    else:
        scope = about_visible
    return Message.objects.filter(scope, recalled=False)


def _reviewable_message_scope(user: User) -> Q:
    """Messages a reviewer may read to tell who an identity is: about a customer they may
    see, or not linked to a customer and owned by someone whose records they may see."""
    return Q(customer__in=visible_customers(user)) | (Q(customer__isnull=True) & owned_by_visible_users(user))


def reviewable_identities(user: User) -> QuerySet[Identity]:
    """Identities ``user`` may review and link: every one for workspace-wide roles, else
    those that sent or received a message in ``_reviewable_message_scope``."""
    if not may_review_identities(user):
        return Identity.objects.none()
    if user.sees_everything:
        return Identity.objects.all()
    messages = Message.objects.filter(_reviewable_message_scope(user))
    return Identity.objects.filter(Q(pk__in=messages.values("sender_id")) | Q(pk__in=messages.values("counterpart_id")))


def review_queue(user: User) -> QuerySet[Identity]:
    return (
        reviewable_identities(user)
        .filter(status=IdentityStatus.UNMATCHED)
        .order_by("-message_count", "-last_seen_at", "id")
    )


def sample_messages(user: User, identity: Identity, limit: int = 3) -> list[Message]:
    """Return the latest messages of an identity in the review queue that ``user`` may
    read, to help tell who it is."""
    if not may_review_identities(user):
        return []
    scope = Q() if user.sees_everything else _reviewable_message_scope(user)
    return list(
        Message.objects.filter(scope, Q(sender=identity) | Q(counterpart=identity), recalled=False).order_by(
            "-sent_at"
        )[:limit]
    )
