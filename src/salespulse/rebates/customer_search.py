"""Find a customer for the rebate calculator by name, short name or pinyin.

A rep on the phone types "jnyy" for 江南医院, so names are matched on their pinyin
initials and full pinyin as well as on the characters. The pinyin is computed in
Python with pypinyin instead of stored in a column, because only the customers the
user may see and that have an active agreement are scanned. The conversion is cached
per process keyed by the name itself, so a renamed customer is never found under its
old pinyin and no migration or back-fill is needed.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

from django.db.models import Q, QuerySet
from pypinyin import Style, lazy_pinyin

from salespulse.accounts.models import User
from salespulse.crm.models import Customer
from salespulse.crm.selectors import visible_customers
from salespulse.rebates.models import AgreementStatus, RebateAgreement

MAX_MATCHES = 20
IGNORED_CHARACTERS = re.compile(r"[\s\-_·()（）]+")


@dataclass(frozen=True)
class CustomerMatch:
    id: int
    name: str
    short_name: str


def _simplify(text: str) -> str:
    return IGNORED_CHARACTERS.sub("", text).lower()


@lru_cache(maxsize=50_000)
def pinyin_initials(text: str) -> str:
    """Return the lower-case pinyin initials of ``text``: 江南医院 → ``jnyy``.

    Letters and digits outside Chinese characters are kept whole (``ABC医院`` → ``abcyy``).
    pypinyin picks the reading of a polyphonic character from its phrase dictionary,
    so 重庆 gives ``cq``.
    """
    return "".join(lazy_pinyin(_simplify(text), style=Style.FIRST_LETTER))


@lru_cache(maxsize=50_000)
def full_pinyin(text: str) -> str:
    """Return the toneless pinyin of ``text`` without separators: 江南 → ``jiangnan``."""
    return "".join(lazy_pinyin(_simplify(text)))


def customers_with_active_agreements(user: User, day: dt.date) -> QuerySet[Customer]:
    """Return the customers ``user`` may see that an active agreement effective on ``day`` covers,
    directly or through a customer group."""
    effective = RebateAgreement.objects.filter(
        Q(effective_to__isnull=True) | Q(effective_to__gte=day),
        status=AgreementStatus.ACTIVE,
        effective_from__lte=day,
    )
    direct = effective.filter(customer__isnull=False).values("customer_id")
    grouped = effective.filter(customer_group__isnull=False).values("customer_group_id")
    return visible_customers(user).filter(
        Q(pk__in=direct) | Q(rebate_groups__in=grouped)
    ).distinct()


def find_customers(user: User, query: str, day: dt.date, *, limit: int = MAX_MATCHES) -> list[CustomerMatch]:
    """Return up to ``limit`` customers matching ``query``, best match first.

    A customer matches when the query (spaces, dashes and brackets ignored, case
    ignored) occurs in its name or short name, in their pinyin initials, or in their
    full pinyin. Matches at the start rank before matches inside, then by name.
    """
    needle = _simplify(query)
    if not needle:
        return []

    ranked: list[tuple[int, str, CustomerMatch]] = []
    rows = customers_with_active_agreements(user, day).values_list("id", "name", "short_name")
    for customer_id, name, short_name in rows:
        rank = _match_rank(needle, name, short_name)
        if rank is not None:
            ranked.append((rank, name, CustomerMatch(id=customer_id, name=name, short_name=short_name)))

    ranked.sort(key=lambda item: (item[0], item[1], item[2].id))
    return [match for _rank, _name, match in ranked[:limit]]


def _match_rank(needle: str, name: str, short_name: str) -> int | None:
    """Return 0 for a match at the start of a searchable form, 1 for one inside, None for none."""
    forms = []
    for text in (name, short_name):
        if text:
            forms.extend((_simplify(text), pinyin_initials(text), full_pinyin(text)))
    if any(form.startswith(needle) for form in forms):
        return 0
    if any(needle in form for form in forms):
        return 1
    return None
