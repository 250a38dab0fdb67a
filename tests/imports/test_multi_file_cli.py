"""`salespulse import a.csv b.csv`: all files or none, and --map on the command line."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from salespulse.crm.models import Customer, Opportunity, Product
from salespulse.imports.models import ColumnMapping, ImportBatch

from .conftest import FIXTURES

pytestmark = pytest.mark.django_db


def call_import(*args) -> str:
    output = StringIO()
    call_command("import", *map(str, args), stdout=output)
    return output.getvalue()


@pytest.fixture
def good_and_unknown(write_csv):
    good = write_csv(["客户编号,客户名称", "K1,甲医院", "K2,乙医院"], "good.csv")
    unknown = write_csv(["foo,bar", "1,2"], "unknown.csv")
    return good, unknown


def test_commit_with_unrecognised_file_writes_nothing(good_and_unknown):
    with pytest.raises(CommandError) as error:
        call_import(*good_and_unknown)

    assert "unknown.csv" in str(error.value)
    assert "所有文件均未导入" in str(error.value)
    assert Customer.objects.count() == 0
    assert ImportBatch.objects.count() == 0


def test_commit_failing_in_second_file_rolls_back_first(write_csv):
    with_id = write_csv(["客户编号,客户名称", "K1,甲医院"], "a.csv")
    without_id = write_csv(["客户名称,城市", "乙医院,苏州"], "b.csv")

    with pytest.raises(CommandError) as error:
        call_import(with_id, without_id, "--match-key", "external_id")

    assert str(error.value).startswith("文件 b.csv 导入失败，所有文件均未导入：")
    assert Customer.objects.count() == 0
    assert ImportBatch.objects.count() == 0


def test_dry_run_reports_every_readable_file(good_and_unknown):
    output = StringIO()

    with pytest.raises(CommandError) as error:
        call_command("import", *map(str, good_and_unknown), "--dry-run", stdout=output)

    text = output.getvalue()
    assert "good.csv（customers）：新建 2" in text
    assert "unknown.csv：无法导入：无法根据列名" in text
    assert "--kind" in text
    assert str(error.value) == "2 个文件中有 1 个无法导入：unknown.csv。"
    assert Customer.objects.count() == 0


def test_commit_prints_batch_ids(write_csv):
    first = write_csv(["客户编号,客户名称", "K1,甲医院"], "a.csv")
    second = write_csv(["产品名称,单价", "彩超,30万"], "b.csv")

    output = call_import(first, second)

    ids = sorted(ImportBatch.objects.values_list("pk", flat=True))
    assert len(ids) == 2
    assert f"已提交的导入批次：{ids[0]}, {ids[1]}" in output
    assert Product.objects.count() == 1


def test_map_option_maps_column_and_saves_mapping(write_csv):
    path = write_csv(["甲列,乙列", "丙医院,苏州"], "odd.csv")

    call_import(path, "--kind", "customers", "--map", "甲列=name", "--map", "乙列=city")

    customer = Customer.objects.get()
    assert (customer.name, customer.city) == ("丙医院", "苏州")
    saved = ColumnMapping.objects.get(kind="customers")
    assert saved.columns == {"甲列": "name", "乙列": "city"}


def test_map_option_rejects_unknown_field(write_csv):
    path = write_csv(["甲列", "丙医院"], "odd.csv")

    with pytest.raises(CommandError) as error:
        call_import(path, "--kind", "customers", "--map", "甲列=nmae")

    assert "nmae 不是 customers 导入的字段" in str(error.value)
    assert Customer.objects.count() == 0


def test_map_option_rejects_column_no_file_has(write_csv):
    path = write_csv(["客户名称", "丙医院"], "a.csv")

    with pytest.raises(CommandError) as error:
        call_import(path, "--map", "丁列=city")

    assert str(error.value) == "没有文件包含列 丁列；现有的列：客户名称。"


def test_missing_required_column_message_names_map_option(write_csv):
    path = write_csv(["城市", "苏州"], "a.csv")

    with pytest.raises(CommandError) as error:
        call_import(path, "--kind", "customers")

    assert '--map "列名=字段"' in str(error.value)
    assert "(name)" in str(error.value)


def test_close_match_message_names_cli_option():
    call_import(FIXTURES / "maven_products.csv")

    output = call_import(FIXTURES / "maven_pipeline_sample.csv")

    assert "请加上 --accept-close-matches 重新运行导入" in output
    assert not Opportunity.objects.filter(external_id="Z063OYW0").exists()


def test_help_documents_system_import(capsys):
    with pytest.raises(SystemExit):
        call_command("import", "--help")

    help_text = " ".join(capsys.readouterr().out.split())
    assert "system import that sees every record" in help_text
