"""Stage gates on import update rows: a move that happens now obeys the gate."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from django.utils.translation import override

from salespulse.crm.models import Opportunity, OpportunityStatus
from salespulse.imports.importers.base import ImportOptions
from salespulse.imports.services import import_file
from salespulse.pipeline.models import MoveSource, StageInterval
from tests.factories import make_opportunity
from tests.pipeline.gate_helpers import WON_GATE, disable_default_contract_gate, set_gate

pytestmark = pytest.mark.django_db

T0 = timezone.now() - dt.timedelta(days=30)


@pytest.fixture
def won_gate(stages):
    disable_default_contract_gate(stages)
    return set_gate(stages["won"], WON_GATE)


@pytest.fixture
def deal(db):
    return make_opportunity(external_id="D-9", name="彩超", stage_code="negotiation", created_at=T0)


def run(path):
    with override("en"):
        return import_file(path=path, actor=None, options=ImportOptions(), dry_run=False)


def interval_count(opportunity) -> int:
    return StageInterval.objects.filter(opportunity=opportunity).count()


def test_import_won_row_without_values_is_rejected(write_csv, stages, won_gate, deal):
    report = run(write_csv(["商机编号,商机名称,阶段", "D-9,彩超,赢单"]))

    assert (report.updated, report.rejected) == (0, 1)
    message = report.errors[0].message
    assert "Fill in won amount." in message
    assert "Fill in signing date." in message
    deal.refresh_from_db()
    assert deal.stage == stages["negotiation"]
    assert deal.status == OpportunityStatus.OPEN
    assert interval_count(deal) == 1


def test_import_won_row_with_values_writes_one_interval(write_csv, stages, won_gate, deal):
    report = run(write_csv(["商机编号,商机名称,阶段,赢单金额,签约日期", "D-9,彩超,赢单,98000,2026-11-20"]))

    assert (report.updated, report.rejected) == (1, 0)
    deal = Opportunity.objects.get(pk=deal.pk)
    assert deal.stage == stages["won"]
    assert deal.won_amount == Decimal("98000.00")
    assert deal.signed_date == dt.date(2026, 11, 20)
    assert interval_count(deal) == 2
    assert StageInterval.objects.get(opportunity=deal, left_at__isnull=True).source == MoveSource.IMPORT


@pytest.mark.parametrize("amount_header,date_header", [("成交金额", "签订日期"), ("won amount", "signing date")])
def test_import_gate_field_header_synonyms(write_csv, stages, won_gate, deal, amount_header, date_header):
    report = run(
        write_csv([f"商机编号,商机名称,阶段,{amount_header},{date_header}", "D-9,彩超,赢单,98000,2026-11-20"])
    )

    assert report.updated == 1
    assert Opportunity.objects.get(pk=deal.pk).stage == stages["won"]
