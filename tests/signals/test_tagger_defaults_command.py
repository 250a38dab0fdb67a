from io import StringIO

import pytest
from django.core.management import call_command

from salespulse.signals.models import Competitor, TagDefinition

pytestmark = pytest.mark.django_db


def _run() -> str:
    out = StringIO()
    call_command("tagger-defaults", stdout=out)
    return out.getvalue()


def test_first_run_installs_every_shipped_tag_and_competitor():
    _run()

    assert TagDefinition.objects.filter(code="budget_approved", builtin=True).exists()
    assert TagDefinition.objects.count() == 13
    assert Competitor.objects.exists()


def test_second_run_creates_nothing():
    _run()

    assert _run().startswith("tags 0, phrases 0, competitors 0")
