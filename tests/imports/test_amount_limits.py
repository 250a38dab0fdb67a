"""Amounts must fit the database column they are written to, or the row is rejected."""

from decimal import Decimal

import pytest

from salespulse.crm.models import Opportunity, Product
from salespulse.imports.importers.base import ImportOptions
from salespulse.imports.normalize import ValueProblem, parse_amount
from salespulse.imports.services import import_file

pytestmark = pytest.mark.django_db

OPPORTUNITY_HEADER = "商机编号,商机名称,预计金额"


def run(path):
    return import_file(path=path, actor=None, options=ImportOptions(), dry_run=False)


def test_amount_just_below_column_limit_is_accepted():
    assert parse_amount("99999999999999.99", max_digits=16) == Decimal("99999999999999.99")


@pytest.mark.parametrize("text", ["100000000000000", "100万亿", "-100000000000000"])
def test_amount_at_column_limit_is_rejected(text):
    with pytest.raises(ValueProblem, match="过大"):
        parse_amount(text, max_digits=16)


def test_amount_with_third_decimal_is_not_rounded():
    with pytest.raises(ValueProblem) as problem:
        parse_amount("1.2345678万")

    assert problem.value.message == "1.2345678万 的小数超过 2 位（12345.678 元）；请在文件中取整后重新导入。"


def test_negative_amount_rejected_when_not_allowed():
    with pytest.raises(ValueProblem) as problem:
        parse_amount("-3万", allow_negative=False)

    assert problem.value.message == "-3万 是负数金额；此列只接受零或正数。"


def test_oversized_expected_amount_is_row_error(write_csv):
    path = write_csv(
        [OPPORTUNITY_HEADER, "D-1,大额商机,99999999999999999999", "D-2,正常商机,12.5万"]
    )

    report = run(path)

    assert (report.created, report.rejected) == (1, 1)
    error = report.errors[0]
    assert (error.row, error.column, error.value) == (2, "预计金额", "99999999999999999999")
    assert error.message == (
        "99999999999999999999 过大：金额必须小于 100,000,000,000,000 元。请检查位数和单位。"
    )
    assert not Opportunity.objects.filter(external_id="D-1").exists()
    assert Opportunity.objects.get(external_id="D-2").expected_amount == Decimal("125000.00")


def test_expected_amount_with_three_decimals_is_row_error(write_csv):
    report = run(write_csv([OPPORTUNITY_HEADER, "D-1,小数商机,1000.125"]))

    assert report.rejected == 1
    assert report.errors[0].column == "预计金额"
    assert not Opportunity.objects.exists()


def test_negative_expected_amount_is_row_error(write_csv):
    report = run(write_csv([OPPORTUNITY_HEADER, "D-1,负数商机,-5万"]))

    assert report.rejected == 1
    assert report.errors[0].message == "-5万 是负数金额；此列只接受零或正数。"
    assert not Opportunity.objects.exists()


def test_oversized_list_price_is_row_error(write_csv):
    report = run(write_csv(["产品名称,单价", "巨贵设备,2000000亿"]))

    assert report.rejected == 1
    assert report.errors[0].column == "单价"
    assert not Product.objects.exists()
