"""Reads for API tokens."""

from __future__ import annotations

import hmac

from django.db.models import QuerySet

from salespulse.api.models import ApiToken
from salespulse.api.services import TOKEN_MARKER, hash_token


def find_active_token(plain: str) -> ApiToken | None:
    """Return the unrevoked token whose plain text is ``plain``, of an active user, or None."""
    marker, _, rest = plain.partition("_")
    prefix, _, secret = rest.partition("_")
    if marker != TOKEN_MARKER or not prefix or not secret:
        return None

    token = (
        ApiToken.objects.select_related("user")
        .filter(prefix=prefix, revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    # Compare digests in constant time so response timing does not reveal how much matched.
    if token is None or not hmac.compare_digest(token.key_hash, hash_token(plain)):
        return None
    return token


def tokens_of(username: str | None = None) -> QuerySet[ApiToken]:
    """Return all tokens, or those of one user, for the operator's ``token list`` command."""
    tokens = ApiToken.objects.select_related("user").order_by("user__username", "-created_at", "id")
    if username:
        tokens = tokens.filter(user__username=username)
    return tokens
