import pytest
from django.utils import translation

from salespulse.core.errors import DomainError
from salespulse.crm.models import Contact, Customer, CustomerTier
from salespulse.imports.importers.base import ImportOptions
from salespulse.imports.models import BatchStatus, ColumnMapping, ImportBatch, ImportChange
from salespulse.imports.services import import_file, undo_import_batch

from ..factories import CustomerFactory, UserFactory
from .conftest import CUSTOMER_HEADER, CUSTOMER_ROWS

pytestmark = pytest.mark.django_db


def run(path, dry_run=False, **options):
    return import_file(path=path, actor=None, options=ImportOptions(**options), dry_run=dry_run)


def test_gbk_customer_list_creates_customers_and_contacts(customer_csv):
    report = run(customer_csv)

    assert (report.kind, report.created, report.updated, report.rejected) == ("customers", 3, 0, 0)
    first = Customer.objects.get(external_id="KH0001")
    assert first.name == "江南区人民医院(示例)"
    assert first.tier.code == "a"
    assert first.channel.code == "hospital"
    assert first.first_purchase_date.isoformat() == "2023-03-05"
    assert (
        Customer.objects.get(external_id="KH0003").first_purchase_date.isoformat() == "2024-01-01"
    )
    assert Contact.objects.get(name="孙晓雯").phone == "0510-0000000"


def test_dry_run_writes_nothing(customer_csv):
    report = run(customer_csv, dry_run=True)

    assert report.created == 3
    assert Customer.objects.count() == 0
    assert ImportBatch.objects.count() == 0


def test_unknown_channel_leaves_field_empty_with_warning(customer_csv):
    report = run(customer_csv)

    assert Customer.objects.get(external_id="KH0002").channel is None
    warning = report.warnings[0]
    assert (warning.row, warning.column, warning.value) == (3, "客户类型", "二级医院")


def test_reimport_same_file_changes_nothing(customer_csv):
    run(customer_csv)

    report = run(customer_csv)

    assert (report.created, report.updated, report.unchanged) == (0, 0, 3)
    assert Customer.objects.count() == 3
    assert Contact.objects.count() == 3


def test_revised_file_updates_matched_customer(customer_csv, write_csv):
    run(customer_csv)
    revised = [CUSTOMER_ROWS[0].replace("苏州", "常州"), *CUSTOMER_ROWS[1:]]

    report = run(write_csv([CUSTOMER_HEADER, *revised], "revised.csv"))

    assert (report.created, report.updated, report.unchanged) == (0, 1, 2)
    assert Customer.objects.count() == 3
    assert Customer.objects.get(external_id="KH0001").city == "常州"


def test_match_by_name_updates_customer_without_external_id(write_csv):
    customer = CustomerFactory(name="甲医院", city="苏州")

    report = run(write_csv(["客户名称,城市", "甲医院,无锡"]), match_key="name")

    assert report.updated == 1
    customer.refresh_from_db()
    assert customer.city == "无锡"


def test_full_width_name_matches_existing_customer(write_csv):
    customer = CustomerFactory(name="江南区人民医院（示例）", city="苏州")

    report = run(write_csv(["客户名称,城市", "江南区人民医院（示例）,无锡"]), match_key="name")

    assert report.created == 0
    assert report.updated == 1
    assert Customer.objects.count() == 1
    customer.refresh_from_db()
    assert customer.city == "无锡"


def test_invalid_tier_keeps_existing_tier(write_csv):
    customer = CustomerFactory(external_id="KH0009", tier=CustomerTier.objects.get(code="a"))

    report = run(write_csv(["客户编号,客户名称,客户等级", f"KH0009,{customer.name},S类"]))

    customer.refresh_from_db()
    assert customer.tier.code == "a"
    assert report.unchanged == 1
    assert [(w.row, w.column, w.value) for w in report.warnings] == [(2, "客户等级", "S类")]


def test_invalid_option_warning_is_chinese(write_csv):
    with translation.override("zh-hans"):
        report = run(write_csv(["客户名称,客户等级", "甲医院,S类"]))

    assert report.warnings[0].message == "S类 不是“客户等级”的可选值。该字段留空。"


def test_scientific_phone_rejects_row_with_position(write_csv):
    with translation.override("zh-hans"):
        report = run(
            write_csv(
                ["客户名称,联系人,联系电话", "甲医院,王喆,1.38E+10", "乙医院,李珺,13800000004"]
            )
        )

    assert (report.created, report.rejected) == (1, 1)
    error = report.errors[0]
    assert (error.row, error.column, error.value) == (2, "联系电话", "1.38E+10")
    assert (
        error.message == "电话号码 1.38E+10 是科学计数法，已丢失位数；请把该列设为文本后重新导出。"
    )
    assert not Customer.objects.filter(name="甲医院").exists()


def test_formula_injection_is_stored_as_text(write_csv):
    run(write_csv(["客户名称,备注", '甲医院,"=HYPERLINK(""http://x"",""y"")"']))

    assert Customer.objects.get(name="甲医院").notes == '=HYPERLINK("http://x","y")'


def test_commit_saves_column_mapping_for_layout(write_csv):
    path = write_csv(["单位全称x,城市"] + ["甲医院,苏州"])
    run(path, kind="customers", columns={"单位全称x": "name"})

    report = run(path, kind="customers")

    assert ColumnMapping.objects.get(kind="customers").columns == {
        "单位全称x": "name",
        "城市": "city",
    }
    assert report.unchanged == 1


def test_missing_year_needs_default_year(write_csv):
    path = write_csv(["客户名称,首次合作日期", "甲医院,3月12日"])

    assert run(path, dry_run=True).rejected == 1
    run(path, default_year=2025)
    assert Customer.objects.get(name="甲医院").first_purchase_date.isoformat() == "2025-03-12"


def test_rep_import_is_owned_by_rep(write_csv):
    rep = UserFactory()

    import_file(
        path=write_csv(["客户名称", "甲医院"]), actor=rep, options=ImportOptions(), dry_run=False
    )

    assert Customer.objects.get(name="甲医院").owner == rep


def test_rep_cannot_update_customer_of_another_rep(write_csv):
    other = CustomerFactory(name="甲医院", city="苏州")
    rep = UserFactory()

    report = import_file(
        path=write_csv(["客户名称,城市", "甲医院,无锡"]),
        actor=rep,
        options=ImportOptions(match_key="name"),
        dry_run=False,
    )

    other.refresh_from_db()
    assert other.city == "苏州"
    assert report.rejected == 1


def test_undo_deletes_created_and_restores_updated(customer_csv, write_csv):
    existing = CustomerFactory(external_id="KH0001", name="旧名称", city="苏州")
    report = run(customer_csv)

    batch = undo_import_batch(batch_id=report.batch_id, actor=None)

    assert batch.status == BatchStatus.UNDONE
    existing.refresh_from_db()
    assert (existing.name, existing.city) == ("旧名称", "苏州")
    assert Customer.objects.count() == 1
    assert Contact.objects.count() == 0
    assert ImportChange.objects.filter(batch=batch).count() == 6


def test_undo_refuses_after_later_change(customer_csv):
    report = run(customer_csv)
    Customer.objects.filter(external_id="KH0001").update(city="南京")

    with translation.override("zh-hans"), pytest.raises(DomainError) as error:
        undo_import_batch(batch_id=report.batch_id, actor=None)

    assert error.value.code == "changed_after_import"
    assert "导入后已被修改" in error.value.message
    assert Customer.objects.count() == 3


def test_bad_file_leaves_database_unchanged(tmp_path, customer_csv):
    run(customer_csv)
    path = tmp_path / "photo.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")

    with translation.override("zh-hans"), pytest.raises(DomainError) as error:
        run(path)

    assert error.value.message.startswith("文件 photo.csv 是 PNG 文件")
    assert Customer.objects.count() == 3
    assert ImportBatch.objects.count() == 1
