import datetime as dt
import time
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from salespulse.accounts.models import Role, User
from salespulse.core.errors import DomainError
from salespulse.crm.models import Customer, Opportunity, OpportunityStatus, Product
from salespulse.imports.importers.base import ImportOptions
from salespulse.imports.services import import_file, undo_import_batch
from salespulse.pipeline.models import MoveSource, StageInterval

from ..factories import CustomerFactory, make_opportunity
from .conftest import FIXTURES, SHARED_SHEETS

pytestmark = pytest.mark.django_db

MAVEN_FILES = [
    "maven_accounts.csv",
    "maven_products.csv",
    "maven_sales_teams.csv",
    "maven_pipeline_sample.csv",
]
FULL_MAVEN = "/work/shared/data/crm_sales_opportunities_maven"


def run(path, dry_run=False, **options):
    return import_file(path=path, actor=None, options=ImportOptions(**options), dry_run=dry_run)


def call_import(*args) -> str:
    output = StringIO()
    call_command("import", *map(str, args), stdout=output)
    return output.getvalue()


def test_merged_tracker_scales_wan_and_uses_stage_service():
    CustomerFactory(name="江南区人民医院(示例)")

    report = run(SHARED_SHEETS / "opportunity_tracker_merged_cells.xlsx")

    assert (report.kind, report.created, report.rejected) == ("opportunities", 3, 1)
    first = Opportunity.objects.get(name__startswith="江南区人民医院")
    assert first.expected_amount == Decimal("354000.00")
    assert first.customer.name == "江南区人民医院(示例)"
    second = Opportunity.objects.get(name__startswith="北辰县中医院")
    assert second.expected_amount == Decimal("280000.00")
    assert second.stage.code == "negotiation"
    assert StageInterval.objects.filter(opportunity=second, source=MoveSource.IMPORT).count() == 1
    assert report.notes[0].value == "小计"


def test_won_row_without_close_time_is_held_by_gates():
    report = run(SHARED_SHEETS / "opportunity_tracker_merged_cells.xlsx")

    assert report.errors[0].row == 8
    assert "赢单" in report.errors[0].message
    assert not Opportunity.objects.filter(name__startswith="瑞和连锁药房").exists()


def test_unknown_stage_is_a_warning_not_a_default():
    report = run(SHARED_SHEETS / "opportunity_tracker_merged_cells.xlsx")

    stages = {(w.row, w.value) for w in report.warnings if w.column == "商机信息/阶段"}
    assert stages == {(5, "方案/报价"), (7, "招投标")}


def test_revised_stage_moves_through_transition_service(write_csv):
    opportunity = make_opportunity(external_id="D-1", stage_code="initial_contact", name="彩超")

    report = run(write_csv(["商机编号,商机名称,阶段", "D-1,彩超,需求确认"]))

    opportunity.refresh_from_db()
    assert report.updated == 1
    assert opportunity.stage.code == "needs_analysis"
    interval = StageInterval.objects.get(opportunity=opportunity, left_at__isnull=True)
    assert interval.source == MoveSource.IMPORT
    assert interval.import_batch_id == report.batch_id


def test_undo_moves_stage_back(write_csv):
    opportunity = make_opportunity(external_id="D-1", stage_code="initial_contact", name="彩超")
    report = run(write_csv(["商机编号,商机名称,阶段", "D-1,彩超,需求确认"]))

    undo_import_batch(batch_id=report.batch_id, actor=None)

    opportunity.refresh_from_db()
    assert opportunity.stage.code == "initial_contact"


def test_undo_refuses_when_stage_moved_after_import(write_csv, stages):
    report = run(write_csv(["商机编号,商机名称,阶段", "D-9,新商机,初步接洽"]))
    opportunity = Opportunity.objects.get(external_id="D-9")
    Opportunity.objects.filter(pk=opportunity.pk).update(stage=stages["needs_analysis"])

    with pytest.raises(DomainError):
        undo_import_batch(batch_id=report.batch_id, actor=None)

    assert Opportunity.objects.filter(external_id="D-9").exists()


def test_maven_sample_through_cli_reports_counts():
    output = call_import(*(FIXTURES / name for name in MAVEN_FILES))

    assert "maven_sales_teams.csv（sales_teams）：新建 6，更新 0，未变 0，拒绝 0" in output
    assert "maven_accounts.csv（accounts）：新建 5，" in output
    assert "maven_products.csv（products）：新建 7，" in output
    assert "maven_pipeline_sample.csv（sales_pipeline）：新建 4，更新 0，未变 0，拒绝 2" in output
    assert User.objects.filter(role=Role.MANAGER).count() == 4
    assert Customer.objects.get(name="Isdom").region.name == "United States"


def test_maven_won_deal_has_engaging_then_won_history():
    call_import(*(FIXTURES / name for name in MAVEN_FILES))

    deal = Opportunity.objects.get(external_id="MV1LWRNH")
    assert deal.status == OpportunityStatus.WON
    assert deal.won_amount == Decimal("588.00")
    assert deal.owner.display_name == "Dallas Oakridge"
    history = list(deal.stage_intervals.values_list("stage__code", "entered_at"))
    assert [code for code, _at in history] == ["needs_analysis", "won"]
    assert history[0][1] == dt.datetime(2016, 10, 24, 16, 0, tzinfo=dt.UTC)
    assert history[1][1] == dt.datetime(2017, 3, 8, 16, 0, tzinfo=dt.UTC)


def test_maven_blank_account_is_a_warning():
    report = run(FIXTURES / "maven_pipeline_sample.csv", dry_run=True)

    assert any(w.row == 7 and w.column == "account" for w in report.warnings)


def test_gtxpro_is_rejected_with_close_match():
    call_import(FIXTURES / "maven_products.csv")

    report = run(FIXTURES / "maven_pipeline_sample.csv")

    gtx = [e for e in report.errors if e.value == "GTXPro"]
    assert [e.row for e in gtx] == [2, 3]
    assert (
        gtx[0].message
        == "产品 GTXPro 不存在，最接近的产品是 GTX Pro。"
        "如要使用它，请勾选“采用相近产品（名称略有差异时）”，或修改文件。"
    )
    assert Product.objects.count() == 7
    assert not Opportunity.objects.filter(external_id="Z063OYW0").exists()


def test_gtxpro_close_match_accepted_by_flag():
    call_import(FIXTURES / "maven_products.csv")

    output = call_import(FIXTURES / "maven_pipeline_sample.csv", "--accept-close-matches")

    assert "新建 6，更新 0，未变 0，拒绝 0" in output
    assert Opportunity.objects.get(external_id="Z063OYW0").product.name == "GTX Pro"
    assert Product.objects.count() == 7


def test_maven_reimport_is_unchanged():
    files = [FIXTURES / name for name in MAVEN_FILES]
    call_import(*files, "--accept-close-matches")

    output = call_import(*files, "--accept-close-matches")

    assert "maven_pipeline_sample.csv（sales_pipeline）：新建 0，更新 0，未变 6，拒绝 0" in output


def test_bpic_cases_load_stage_history_in_utc():
    report = run(FIXTURES / "bpic2012_two_cases.csv")

    assert (report.kind, report.created, report.rejected) == ("bpic_history", 2, 0)
    won = Opportunity.objects.get(external_id="bpic2012-176840")
    assert won.expected_amount == Decimal("50000.00")
    assert won.status == OpportunityStatus.WON
    intervals = list(won.stage_intervals.order_by("entered_at", "id"))
    assert [i.stage.code for i in intervals] == [
        "initial_contact",
        "needs_analysis",
        "solution_demo",
        "tech_evaluation",
        "lost",
        "solution_demo",
        "tech_evaluation",
        "contract_drafting",
        "won",
    ]
    assert intervals[0].entered_at == dt.datetime(2011, 10, 13, 19, 55, 22, 248000, tzinfo=dt.UTC)
    assert intervals[3].entered_at == dt.datetime(2011, 11, 3, 10, 44, 22, 562000, tzinfo=dt.UTC)
    assert intervals[2].left_at == intervals[3].entered_at
    assert intervals[5].is_regression
    assert all(i.source == MoveSource.HISTORY_IMPORT for i in intervals)
    declined = Opportunity.objects.get(external_id="bpic2012-173772")
    assert declined.status == OpportunityStatus.LOST
    assert declined.lost_at_stage.code == "initial_contact"


def test_bpic_reimport_is_unchanged():
    run(FIXTURES / "bpic2012_two_cases.csv")

    report = run(FIXTURES / "bpic2012_two_cases.csv")

    assert (report.created, report.updated, report.unchanged) == (0, 0, 2)


@pytest.mark.skipif(
    not (FULL_MAVEN and __import__("os").path.isdir(FULL_MAVEN)), reason="shared data missing"
)
def test_full_maven_set_imports_through_cli(capsys):
    started = time.monotonic()

    output = call_import(
        *sorted(__import__("pathlib").Path(FULL_MAVEN).glob("*.csv")), "--accept-close-matches"
    )

    elapsed = time.monotonic() - started
    print(output.splitlines()[0:5], f"{elapsed:.1f}s")
    assert "sales_pipeline.csv（sales_pipeline）：新建 8800，更新 0，未变 0，拒绝 0" in output
    assert Opportunity.objects.count() == 8800
    assert Opportunity.objects.filter(status=OpportunityStatus.WON).count() == 4238
    assert Opportunity.objects.filter(status=OpportunityStatus.LOST).count() == 2473
