"""Bearer-token authentication for the API (``Authorization: Bearer sp_…``)."""

from __future__ import annotations

import logging

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.security import HttpBearer

from salespulse.accounts.models import User
from salespulse.api.selectors import find_active_token
from salespulse.api.services import PREFIX_BYTES, TOKEN_MARKER, record_token_use
from salespulse.core.errors import DomainError

logger = logging.getLogger(__name__)


class NotAuthenticated(DomainError):
    status = 401


class ApiTokenAuth(HttpBearer):
    """Resolve the bearer token to its user; ``request.auth`` is that user afterwards."""

    def __call__(self, request: HttpRequest) -> User | None:
        if not request.headers.get(self.header):
            raise NotAuthenticated(
                "not_authenticated",
                _("Send an API token in the Authorization header as: Bearer TOKEN."),
            )
        return super().__call__(request)

    def authenticate(self, request: HttpRequest, token: str) -> User:
        api_token = find_active_token(token.strip())
        if api_token is None:
            logger.info(
                "api request with an unknown or revoked token (prefix %s)", _public_prefix(token)
            )
            raise NotAuthenticated(
                "invalid_token",
                _(
                    "The API token is unknown or revoked; "
                    "create a new one with: salespulse token create USERNAME."
                ),
            )

        record_token_use(token=api_token)
        return api_token.user


def _public_prefix(token: str) -> str:
    """Return the lookup prefix of a token in our format, which is safe to log, else "-".

    The prefix helps an operator find the token in ``token list``. Anything else that the
    client sent may be a secret of another system, so it is not logged.
    """
    marker, _sep, rest = token.partition("_")
    prefix = rest.partition("_")[0]
    if marker == TOKEN_MARKER and len(prefix) == 2 * PREFIX_BYTES:
        return prefix
    return "-"
