"""PostgreSQL session settings for every connection, read from the environment.

``settings.py`` passes them to libpq as ``options`` ("-c name=value ..."). Values are
checked here, because libpq would take anything after a space as another setting and
the server would name neither the environment variable nor what to set instead.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from django.core.exceptions import ImproperlyConfigured

DEFAULT_RANDOM_PAGE_COST = "1.5"
DEFAULT_WORK_MEM = "32MB"
MEMORY = re.compile(r"\d{1,9}(?:kB|MB|GB)")
NUMBER = re.compile(r"\d{1,6}(?:\.\d{1,6})?")


def session_options(environ: Mapping[str, str], url_options: str = "") -> str:
    """Return libpq ``options`` with ``random_page_cost`` and ``work_mem`` from
    POSTGRES_RANDOM_PAGE_COST and POSTGRES_WORK_MEM. Options already in the database URL
    come last, so a setting named there wins."""
    page_cost = environ.get("POSTGRES_RANDOM_PAGE_COST", "").strip() or DEFAULT_RANDOM_PAGE_COST
    if not NUMBER.fullmatch(page_cost) or float(page_cost) <= 0:
        raise ImproperlyConfigured(
            f"POSTGRES_RANDOM_PAGE_COST={page_cost!r} is not a positive decimal number; "
            f"use e.g. 1.5 (SSD or data in memory) or 4 (spinning disks), or leave it unset."
        )
    work_mem = environ.get("POSTGRES_WORK_MEM", "").strip() or DEFAULT_WORK_MEM
    if not MEMORY.fullmatch(work_mem):
        raise ImproperlyConfigured(
            f"POSTGRES_WORK_MEM={work_mem!r} is not a memory size; use a whole number with kB, MB or GB "
            f"and no space, e.g. 64MB, or leave it unset for {DEFAULT_WORK_MEM}."
        )
    options = f"-c random_page_cost={page_cost} -c work_mem={work_mem}"
    return f"{options} {url_options}".strip()
