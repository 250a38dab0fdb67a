import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from salespulse.analytics.models import Alert, AlertKind, DetectorRun
from salespulse.analytics.tasks import run_detectors
from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db


def test_detect_command_runs_every_detector(capsys):
    LeadFactory(created_at=timezone.now() - dt.timedelta(days=9))

    call_command("detect")

    output = capsys.readouterr().out
    assert "stale_lead: found 1, opened 1" in output
    assert DetectorRun.objects.count() == len(AlertKind.values)


def test_detect_command_rejects_unknown_kind():
    with pytest.raises(CommandError, match="Unknown detector kind"):
        call_command("detect", "nonsense")


def test_task_runs_inline_without_broker():
    LeadFactory(created_at=timezone.now() - dt.timedelta(days=9))

    result = run_detectors.delay([AlertKind.STALE_LEAD]).get()

    assert result[0]["opened"] == 1
    assert Alert.objects.filter(kind=AlertKind.STALE_LEAD).count() == 1
