"""A dated close in a sheet is gated unless the import is explicitly historical."""

import datetime as dt

import pytest
from django.utils import timezone
from django.utils.translation import override

from salespulse.accounts.models import Role
from salespulse.core.errors import PermissionDenied
from salespulse.crm.models import OpportunityStatus
from salespulse.imports.importers.base import ImportOptions
from salespulse.imports.services import import_file
from salespulse.pipeline.models import MoveSource, StageInterval
from tests.factories import UserFactory, make_opportunity
from tests.pipeline.gate_helpers import WON_GATE, disable_default_contract_gate, set_gate

pytestmark = pytest.mark.django_db

T0 = timezone.now() - dt.timedelta(days=30)
CLOSE_DATE = (timezone.localdate() - dt.timedelta(days=2)).isoformat()


@pytest.fixture
def won_gate(stages):
    disable_default_contract_gate(stages)
    return set_gate(stages["won"], WON_GATE)


@pytest.fixture
def rep():
    return UserFactory()


@pytest.fixture
def deal(rep):
    return make_opportunity(owner=rep, external_id="D-7", name="彩超", stage_code="negotiation", created_at=T0)


def run(path, actor, **options):
    with override("en"):
        return import_file(path=path, actor=actor, options=ImportOptions(**options), dry_run=False)


def sheet(write_csv):
    return write_csv(["商机编号,商机名称,阶段,成交日期", f"D-7,彩超,赢单,{CLOSE_DATE}"])


def test_dated_win_by_rep_is_gated(write_csv, stages, won_gate, rep, deal):
    report = run(sheet(write_csv), rep)

    assert (report.updated, report.rejected) == (0, 1)
    deal.refresh_from_db()
    assert deal.status == OpportunityStatus.OPEN
    assert StageInterval.objects.filter(opportunity=deal).count() == 1


def test_rep_may_not_ask_for_history(write_csv, stages, won_gate, rep, deal):
    with pytest.raises(PermissionDenied):
        run(sheet(write_csv), rep, historical=True)

    deal.refresh_from_db()
    assert deal.status == OpportunityStatus.OPEN


def test_ops_history_import_skips_gates(write_csv, stages, won_gate, deal):
    ops = UserFactory(role=Role.OPS, team=None, region=None)

    report = run(sheet(write_csv), ops, historical=True)

    assert report.updated == 1
    deal.refresh_from_db()
    assert deal.status == OpportunityStatus.WON
    last = StageInterval.objects.filter(opportunity=deal).order_by("entered_at").last()
    assert last.source == MoveSource.HISTORY_IMPORT


def test_blocked_import_row_is_counted_for_report(write_csv, stages, won_gate, rep, deal):
    from salespulse.pipeline.models import GateAttempt

    report = run(sheet(write_csv), rep)

    assert report.errors[0].column == "阶段"
    assert GateAttempt.objects.filter(opportunity=deal, source=MoveSource.IMPORT).count() == 1


def test_rep_may_not_import_stage_history_log(stages):
    from pathlib import Path

    from salespulse.crm.models import Opportunity

    history_log = Path(__file__).resolve().parent.parent / "fixtures" / "imports" / "bpic2012_two_cases.csv"

    with pytest.raises(PermissionDenied) as error:
        run(history_log, UserFactory())

    assert error.value.code == "history_import_not_allowed"
    assert not Opportunity.objects.exists()
