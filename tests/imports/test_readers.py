import time
import zipfile
from decimal import Decimal

import pytest
from openpyxl import Workbook

from salespulse.imports.readers import FileProblem, detect_encoding, read_table

from .conftest import SHARED_SHEETS


def test_gbk_file_is_read_as_gb18030():
    table = read_table(SHARED_SHEETS / "customer_list_gbk.csv")

    assert table.encoding == "gb18030"
    assert table.headers[1] == "客户名称"
    assert table.rows[0].cells[1] == "江南区人民医院（示例）"


def test_utf8_bom_leaves_no_bom_in_first_header():
    table = read_table(SHARED_SHEETS / "payments_utf8bom.csv")

    assert table.encoding == "utf-8-sig"
    assert table.headers[0] == "回款日期"
    assert not table.headers[0].startswith("\ufeff")


def test_utf8_without_bom_is_never_read_as_gbk(write_csv):
    path = write_csv(["客户名称,城市", "瑞和连锁药房（示例）,合肥"], encoding="utf-8")

    table = read_table(path)

    assert table.encoding == "utf-8"
    assert table.rows[0].cells == ["瑞和连锁药房（示例）", "合肥"]


def test_utf8_sample_cut_mid_character_is_still_utf8():
    data = "客户名称".encode()
    assert detect_encoding(data[:-1], complete=False) == "utf-8"


def test_late_gbk_bytes_give_gb18030(write_csv):
    # Over 256 KiB of ASCII rows before the first GBK bytes, like a sheet sorted by id.
    ascii_rows = [f"X{n:06d},Customer {n},ascii" for n in range(10_976)]
    path = write_csv(["customer id,customer name,notes", *ascii_rows, "X999999,江南医院,华东"], encoding="gbk")
    assert path.stat().st_size > 256 * 1024

    table = read_table(path)

    assert table.encoding == "gb18030"
    assert table.rows[-1].cells == ["X999999", "江南医院", "华东"]
    assert len(table.rows) == 10_977


def test_late_utf8_bytes_stay_utf8(write_csv):
    ascii_rows = [f"X{n:06d},Customer {n},ascii" for n in range(10_976)]
    path = write_csv(["customer id,customer name,notes", *ascii_rows, "X999999,江南医院,华东"])

    assert read_table(path).encoding == "utf-8"


def test_row_numbers_match_the_sheet(write_csv):
    path = write_csv(["客户名称,城市", "甲医院,苏州", "", "乙医院,无锡"])

    table = read_table(path)

    assert [row.number for row in table.rows] == [2, 4]


def test_merged_xlsx_headers_unit_and_subtotal():
    table = read_table(SHARED_SHEETS / "opportunity_tracker_merged_cells.xlsx")

    assert table.sheet == "商机跟进表"
    assert table.amount_scale == Decimal(10_000)
    assert table.headers[:3] == ["序号", "客户信息/客户名称", "客户信息/客户类型"]
    assert table.headers[6] == "金额/预计金额"
    assert [row.number for row in table.rows] == [5, 6, 7, 8]
    assert table.notes[0].row == 9
    assert table.notes[0].value == "小计"


def test_formula_cell_is_skipped_with_note(tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["客户名称", "预计金额"])
    sheet.append(["甲医院", "=1+1"])
    path = tmp_path / "formula.xlsx"
    workbook.save(path)

    table = read_table(path)

    assert table.rows[0].cells == ["甲医院", None]
    assert table.notes[0].row == 2
    assert table.notes[0].value == "=1+1"


def test_empty_file_is_rejected(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")

    with pytest.raises(FileProblem) as error:
        read_table(path)

    assert error.value.code == "empty_file"


def test_png_renamed_csv_is_rejected(tmp_path):
    path = tmp_path / "photo.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)

    with pytest.raises(FileProblem) as error:
        read_table(path)

    assert error.value.code == "binary_file"


def test_zip_renamed_csv_is_rejected(tmp_path):
    path = tmp_path / "archive.csv"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("a.txt", "hello")

    with pytest.raises(FileProblem) as error:
        read_table(path)

    assert error.value.code == "invalid_xlsx"


def test_missing_sheet_lists_the_sheets():
    with pytest.raises(FileProblem) as error:
        read_table(SHARED_SHEETS / "opportunity_tracker_merged_cells.xlsx", sheet="客户")

    assert error.value.code == "sheet_not_found"
    assert "商机跟进表、销售日报" in error.value.message


def test_fifty_megabytes_of_binary_junk_is_rejected_quickly(tmp_path):
    path = tmp_path / "junk.csv"
    with path.open("wb") as handle:
        handle.write(bytes(range(256)) * 4096)
        handle.truncate(50 * 1024 * 1024)
    started = time.monotonic()

    with pytest.raises(FileProblem):
        read_table(path)

    assert time.monotonic() - started < 2


def test_fifty_megabytes_of_text_junk_is_rejected_quickly(tmp_path):
    path = tmp_path / "junk.csv"
    path.write_bytes(b"x" * (50 * 1024 * 1024))
    started = time.monotonic()

    with pytest.raises(FileProblem) as error:
        read_table(path)

    assert error.value.code == "invalid_csv"
    assert time.monotonic() - started < 2
