"""Row-level rules: shifted cells, repeated keys, long values, empty files, unknown options."""

import pytest

from salespulse.core.errors import DomainError
from salespulse.crm.models import Contact, Customer, CustomerTier
from salespulse.imports.importers.base import ImportOptions
from salespulse.imports.models import ColumnMapping, ImportBatch
from salespulse.imports.services import import_file

from ..factories import CustomerFactory

pytestmark = pytest.mark.django_db


def run(path, dry_run=False, **options):
    return import_file(path=path, actor=None, options=ImportOptions(**options), dry_run=dry_run)


def test_row_with_more_cells_than_header_is_rejected(write_csv):
    path = write_csv(["客户编号,客户名称,城市", "K1,甲医院,苏州,多出来", "K2,乙医院,无锡"])

    report = run(path)

    assert (report.created, report.rejected) == (1, 1)
    error = report.errors[0]
    assert (error.row, error.value) == (2, "多出来")
    assert error.message.startswith("第 2 行比表头多 1 个单元格")
    assert not Customer.objects.filter(external_id="K1").exists()


def test_trailing_empty_cells_are_ignored(write_csv):
    report = run(write_csv(["客户编号,客户名称", "K1,甲医院,,"]))

    assert (report.created, report.rejected) == (1, 0)


def test_repeated_key_warns_with_both_rows(write_csv):
    path = write_csv(["客户编号,客户名称,客户等级", "K1,重复客户,A", "K1,重复客户,B"])

    report = run(path)

    assert report.warnings[0].row == 3
    assert report.warnings[0].message == (
        "客户编号 K1 在第 2 行也出现过；第 3 行在其后导入，以第 3 行的值为准。"
    )
    assert Customer.objects.get(external_id="K1").tier.code == "b"


def test_repeated_name_without_id_warns(write_csv):
    report = run(write_csv(["客户名称,客户等级", "无编号重复,A", "无编号重复,B"]))

    assert [warning.row for warning in report.warnings] == [3]
    assert Customer.objects.count() == 1


def test_rejected_value_is_truncated_in_report(write_csv):
    long_value = "长" * 300
    report = run(write_csv(["客户编号,客户名称", f"K1,{long_value}"]))

    error = report.errors[0]
    assert error.value == "长" * 60 + "…"
    assert len(error.message) < 120


def test_header_only_file_is_rejected_without_batch(write_csv):
    path = write_csv(["客户编号,客户名称,客户等级"], "header_only.csv")

    with pytest.raises(DomainError) as error:
        run(path)

    assert error.value.message == (
        "文件 header_only.csv 只有表头，没有数据行；请在表头下方填入要导入的数据。"
    )
    assert ImportBatch.objects.count() == 0
    assert ColumnMapping.objects.count() == 0


def test_unknown_tier_on_create_leaves_field_empty(write_csv):
    report = run(write_csv(["客户编号,客户名称,客户等级", "K1,新客户,S类"]))

    assert report.warnings[0].message == "S类 不是“客户等级”的可选值。该字段留空。"
    assert Customer.objects.get(external_id="K1").tier is None


def test_unknown_tier_on_update_keeps_existing_value(write_csv):
    CustomerFactory(external_id="K1", name="老客户", tier=CustomerTier.objects.get(code="a"))

    report = run(write_csv(["客户编号,客户名称,客户等级", "K1,老客户,S类"]))

    assert report.warnings[0].message == "S类 不是“客户等级”的可选值。已保留原有值。"
    assert Customer.objects.get(external_id="K1").tier.code == "a"


def test_unknown_required_customer_rejects_contact_row(write_csv):
    path = write_csv(["客户名称,联系人,电话", "不存在的医院,王五,13800000009"])

    report = run(path, kind="contacts")

    assert report.rejected == 1
    assert report.errors[0].message == (
        "不存在的医院 不是“客户”的可选值。“客户”为必填项，该行未导入。"
    )
    assert Contact.objects.count() == 0
