"""PostgreSQL session options read from the environment, checked before they reach libpq."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from salespulse.postgres_options import session_options


def test_defaults_when_unset():
    assert session_options({}) == "-c random_page_cost=1.5 -c work_mem=32MB"


def test_values_from_the_environment():
    options = session_options({"POSTGRES_RANDOM_PAGE_COST": "1.1", "POSTGRES_WORK_MEM": "256MB"})

    assert options == "-c random_page_cost=1.1 -c work_mem=256MB"


def test_database_url_options_win():
    options = session_options({}, "-c statement_timeout=5000")

    assert options == "-c random_page_cost=1.5 -c work_mem=32MB -c statement_timeout=5000"


@pytest.mark.parametrize(
    "value", ["abc", "32 MB", "32MB -c default_transaction_read_only=on", "1; DROP TABLE x", "32mb", "-5MB"]
)
def test_invalid_work_mem_rejected(value):
    with pytest.raises(ImproperlyConfigured, match="POSTGRES_WORK_MEM"):
        session_options({"POSTGRES_WORK_MEM": value})


@pytest.mark.parametrize("value", ["abc", "1e3", "2.5.1", "0", "-1", "1.5 -c fsync=off"])
def test_invalid_page_cost_rejected(value):
    with pytest.raises(ImproperlyConfigured, match="POSTGRES_RANDOM_PAGE_COST"):
        session_options({"POSTGRES_RANDOM_PAGE_COST": value})
