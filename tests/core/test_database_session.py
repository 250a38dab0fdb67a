"""PostgreSQL settings the analytics rely on, read back from the server: the session
settings and the alert table's fill factor."""

import pytest
from django.db import connection

from salespulse.analytics import detectors

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


@pytest.fixture(autouse=True)
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("session settings are PostgreSQL's; run with DATABASE_URL=postgres://…")


def show(name: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SHOW {name}")
        return cursor.fetchone()[0]


def test_random_page_cost_is_for_solid_state_storage():
    assert show("random_page_cost") == "1.5"


def test_sort_memory_holds_a_year_of_stage_stays():
    assert show("work_mem") == "32MB"


def test_alert_pages_keep_room_for_in_place_updates():
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = 'analytics_alert'")
        (options,) = cursor.fetchone()

    assert "fillfactor=50" in options


@pytest.mark.parametrize(("before", "after"), [("4MB", "64MB"), ("256MB", "256MB")])
def test_multi_rep_work_mem_only_raised(before, after):
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL work_mem = '{before}'")

    detectors.find_multi_rep_customers()

    assert show("work_mem") == after
