import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command

from salespulse.analytics import selectors
from salespulse.demo.models import DemoWorkspace
from salespulse.demo.reference import END, SMALL
from salespulse.demo.selectors import demo_checksum, demo_row_counts
from salespulse.demo.services import (
    delete_demo_workspace,
    ensure_demo_workspace,
    generate_demo_workspace,
)

pytestmark = pytest.mark.django_db

PERIOD = selectors.Period(dt.date(2025, 1, 1), END.date())


@pytest.fixture
def demo():
    return generate_demo_workspace(size=SMALL)


def test_generation_repeats_rows_and_checksum():
    generate_demo_workspace(size=SMALL)
    first_counts, first_checksum = demo_row_counts(), demo_checksum()

    generate_demo_workspace(size=SMALL, reset=True)

    assert demo_row_counts() == first_counts
    assert demo_checksum() == first_checksum
    assert first_counts["opportunities"] == SMALL.rep_count * SMALL.opportunities_per_rep


def test_other_seed_changes_checksum(demo):
    checksum = demo_checksum()

    generate_demo_workspace(size=SMALL, seed=7, reset=True)

    assert demo_checksum() != checksum


def test_ensure_second_run_writes_nothing():
    workspace, created = ensure_demo_workspace(size=SMALL)
    counts = demo_row_counts()

    again, created_again = ensure_demo_workspace(size=SMALL)

    assert created
    assert not created_again
    assert again.pk == workspace.pk
    assert demo_row_counts() == counts
    assert DemoWorkspace.objects.count() == 1


def test_ensure_command_reports_existing_workspace():
    call_command("demo", "ensure", "--size", "small", stdout=StringIO())
    output = StringIO()

    call_command("demo", "ensure", "--size", "small", stdout=output)

    assert "演示工作区已存在" in output.getvalue()
    assert "无需操作" in output.getvalue()


def test_credentials_command_lists_every_role():
    output = StringIO()

    call_command("demo", "credentials", stdout=output)

    text = output.getvalue()
    for username in (
        "demo-rep",
        "demo-manager",
        "demo-director",
        "demo-ops",
        "demo-finance",
        "demo-admin",
    ):
        assert f"{username} / salespulse-demo" in text


def test_delete_removes_every_demo_row(demo):
    delete_demo_workspace()

    assert all(count == 0 for count in demo_row_counts().values())
    assert not DemoWorkspace.objects.exists()


def test_demo_password_signs_in(demo, client):
    assert client.login(username="demo-manager", password="salespulse-demo")
