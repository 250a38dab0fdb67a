"""Sign-in throttling: too many failed sign-ins for one username pause further attempts.

Counts live in Django's cache. With the default local-memory cache each server process
counts on its own, so N workers allow up to N times the limit; a shared cache (Redis,
database) makes the limit exact.
"""

from __future__ import annotations

import hashlib
import logging

from django.core.cache import cache

logger = logging.getLogger(__name__)

MAX_FAILURES = 5
LOCKOUT_SECONDS = 15 * 60


def _key(username: str) -> str:
    digest = hashlib.sha256(username.strip().lower().encode()).hexdigest()
    return f"signin-failures:{digest}"


def is_locked(username: str) -> bool:
    return cache.get(_key(username), 0) >= MAX_FAILURES


def record_failure(username: str) -> int:
    """Count one failed sign-in and return the failures inside the current window."""
    key = _key(username)
    cache.add(key, 0, LOCKOUT_SECONDS)
    try:
        failures = cache.incr(key)
    except ValueError:
        # The key expired between add() and incr().
        cache.set(key, 1, LOCKOUT_SECONDS)
        failures = 1
    if failures == MAX_FAILURES:
        logger.warning(
            "sign-in locked for %s minutes after %s failures", LOCKOUT_SECONDS // 60, failures
        )
    return failures


def reset(username: str) -> None:
    cache.delete(_key(username))
