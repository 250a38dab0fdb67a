"""Playwright fixtures for the browser tests (Chromium, headless).

The tests are skipped when Chromium is missing, unless SALESPULSE_REQUIRE_BROWSER=1 is
set (as in CI), which turns the missing browser into a failure.
"""

from __future__ import annotations

import importlib
import os
import shutil
from pathlib import Path

import pytest

# Playwright's sync API runs an asyncio event loop in the test thread, and Django raises
# SynchronousOnlyOperation for ORM calls made while a loop runs unless this is set.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_PATH = os.environ.get("SALESPULSE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _chromium_available() -> bool:
    return Path(CHROMIUM_PATH).is_file() or shutil.which(CHROMIUM_PATH) is not None


# Data migrations whose rows the browser tests need; each ``install`` is idempotent.
REFERENCE_DATA_MIGRATIONS = [
    "salespulse.crm.migrations.0003_reference_data",
    "salespulse.pipeline.migrations.0004_default_gates",
]


@pytest.fixture(autouse=True)
def reinstall_reference_data(request):
    """Reinstall the migrated reference rows (default pipeline, channels …) if missing.

    Transactional tests empty every table afterwards and ``serialized_rollback`` should
    reload the migrated rows.
    NOTE: on SQLite it did not when a non-transactional test ran earlier in the same
    process: from the second browser test on the tables stayed empty. The cause is not
    known, so this fixture installs the rows again.
    """
    if request.node.get_closest_marker("django_db") is None:
        return
    request.getfixturevalue("transactional_db")

    from django.apps import apps

    from salespulse.pipeline.models import Pipeline

    if Pipeline.objects.filter(is_default=True).exists():
        return
    for module_name in REFERENCE_DATA_MIGRATIONS:
        importlib.import_module(module_name).install(apps, None)


@pytest.fixture(scope="session")
def browser():
    if not _chromium_available():
        message = f"Chromium not found at {CHROMIUM_PATH}; install it with apt-get install chromium"
        if os.environ.get("SALESPULSE_REQUIRE_BROWSER") == "1":
            pytest.fail(message + " (SALESPULSE_REQUIRE_BROWSER=1 forbids skipping)")
        pytest.skip(message)

    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM_PATH, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def phone_page(browser):
    context = browser.new_context(
        locale="zh-CN",
        viewport={"width": 390, "height": 844},
        device_scale_factor=3,
        is_mobile=True,
        has_touch=True,
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()
