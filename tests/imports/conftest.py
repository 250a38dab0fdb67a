from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "imports"
SHARED_SHEETS = Path("/work/shared/data/synthetic_cn_sales_sheets")

CUSTOMER_HEADER = (
    "客户编号,客户名称,客户类型,城市,联系人,职务,联系电话,负责销售,首次合作日期,客户等级,备注"
)
CUSTOMER_ROWS = [
    "KH0001,江南区人民医院（示例）,医院,苏州,王喆,检验科主任,13800000002,,2023年3月5日,A,生化试剂",
    "KH0002,北辰县中医院（示例）,二级医院,无锡,孙晓雯,设备科科长,0510-0000000,,2022/11/8,B,",
    "KH0003,东湖社区卫生服务中心（示例）,民营诊所,杭州,周建华,采购,13800000003,,45292,C,耗材年度招标",
]


@pytest.fixture
def write_csv(tmp_path):
    """Write lines to a CSV file in the given encoding and return its path."""

    def write(lines: list[str], name: str = "sheet.csv", encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        path.write_bytes("\r\n".join(lines).encode(encoding) + b"\r\n")
        return path

    return write


@pytest.fixture
def customer_csv(write_csv):
    return write_csv([CUSTOMER_HEADER, *CUSTOMER_ROWS], "customers.csv", "gbk")


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Keep uploaded files out of the checkout's var/ directory."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
