"""Writes for API tokens: issue, revoke, and record use."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from salespulse.accounts.models import User
from salespulse.api.models import ApiToken
from salespulse.core.errors import Conflict, DomainError

logger = logging.getLogger(__name__)

TOKEN_MARKER = "sp"
PREFIX_BYTES = 6
SECRET_BYTES = 32
# Writing last_used_at on every request would turn each read into a write.
# A resolution of one minute still tells a token in use from an abandoned one.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    plain: str


def hash_token(plain: str) -> str:
    """Return the hex SHA-256 digest of a plain token.

    A fast hash is enough here, unlike for passwords: the secret part carries 256 bits
    from ``secrets``, so guessing it is hopeless however fast each guess is, and the
    per-request check stays cheap. Slow hashes (Argon2) exist for low-entropy secrets
    that people choose.
    """
    return hashlib.sha256(plain.encode()).hexdigest()


def issue_api_token(*, user: User, name: str = "", actor: User | None = None) -> IssuedToken:
    """Create a token for ``user`` and return it with its plain text, which is not stored."""
    if not user.is_active:
        raise DomainError(
            "user_inactive",
            _("User %(username)s is deactivated; activate the account before creating a token.")
            % {"username": user.username},
            field="user",
        )

    prefix = secrets.token_hex(PREFIX_BYTES)
    plain = f"{TOKEN_MARKER}_{prefix}_{secrets.token_urlsafe(SECRET_BYTES)}"
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user, name=name.strip(), prefix=prefix, key_hash=hash_token(plain)
        )

    logger.info(
        "api token %s (prefix %s) issued to user %s by user %s",
        token.pk,
        prefix,
        user.pk,
        getattr(actor, "pk", None),
    )
    return IssuedToken(token=token, plain=plain)


def revoke_api_token(*, token: ApiToken, actor: User | None = None) -> ApiToken:
    """Revoke ``token``; requests that send it get 401 from then on."""
    if token.revoked_at is not None:
        raise Conflict(
            "token_already_revoked",
            _("Token %(prefix)s was already revoked on %(at)s.")
            % {
                "prefix": token.prefix,
                "at": timezone.localtime(token.revoked_at).strftime("%Y-%m-%d %H:%M"),
            },
        )

    with transaction.atomic():
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])

    logger.info(
        "api token %s (prefix %s) of user %s revoked by user %s",
        token.pk,
        token.prefix,
        token.user_id,
        getattr(actor, "pk", None),
    )
    return token


def record_token_use(*, token: ApiToken, at: dt.datetime | None = None) -> None:
    """Set ``last_used_at``, at most once per ``LAST_USED_RESOLUTION``."""
    at = at or timezone.now()
    if token.last_used_at is not None and at - token.last_used_at < LAST_USED_RESOLUTION:
        return

    ApiToken.objects.filter(pk=token.pk).update(last_used_at=at)
    token.last_used_at = at
