import datetime as dt
from decimal import Decimal

from django.utils import translation

from salespulse.rebates.pdf import ConfirmationSheet, render_confirmation_pdf
from tests.rebates.pdf_text import pdf_strings, pdf_text


def make_sheet(**changes) -> ConfirmationSheet:
    values = {
        "number": "RB-202612-000123",
        "company_name": "销售脉搏示例公司",
        "customer_name": "江南医院",
        "agreement_label": "JN-2026 江南医院返点",
        "agreement_version": 2,
        "mode_label": "Whole amount",
        "period_label": "2026-12",
        "products": ["彩超探头 A1", "试剂盒 B2"],
        "payments": [Decimal("120000.10"), Decimal("300000.10"), Decimal("79999.80")],
        "collected_total": Decimal("500000.00"),
        "period_collected_total": Decimal("500000.00"),
        "tier_label": "≥ ¥500,000.00",
        "rate": Decimal("0.032000"),
        "rebate_total_for_period": Decimal("16000.00"),
        "previously_confirmed": Decimal("0.00"),
        "rebate_amount": Decimal("16000.00"),
        "confirmed_by": "张三",
        "confirmed_at": dt.datetime(2026, 12, 4, 16, 30, tzinfo=dt.UTC),
        "verification_code": "K7P2QX9MWD4T",
        "verification_url": "http://testserver/rebates/verify/K7P2QX9MWD4T/",
        "key_id": "company-2026",
    }
    values.update(changes)
    return ConfirmationSheet(**values)


def render(sheet: ConfirmationSheet, language: str = "en") -> bytes:
    with translation.override(language):
        return render_confirmation_pdf(sheet, compress=False)


def test_pdf_starts_with_pdf_header():
    assert render(make_sheet()).startswith(b"%PDF")


def test_compressed_pdf_is_produced():
    data = render_confirmation_pdf(make_sheet())
    assert data.startswith(b"%PDF")
    assert data.rstrip().endswith(b"%%EOF")


def test_pdf_text_contains_number_and_amount():
    text = pdf_text(render(make_sheet()))
    assert "RB-202612-000123" in text
    assert "¥16,000.00" in text


def test_pdf_text_contains_customer_payments_and_code():
    text = pdf_text(render(make_sheet()))
    assert "江南医院" in text
    assert "¥120,000.10 + ¥300,000.10 + ¥79,999.80" in text
    assert "K7P2QX9MWD4T" in text
    assert "http://testserver/rebates/verify/K7P2QX9MWD4T/" in text


def test_pdf_shows_confirmation_time_in_shanghai():
    text = pdf_text(render(make_sheet()))
    assert "2026-12-05 00:30:00 Asia/Shanghai" in text


def test_pdf_seal_draws_company_name_one_character_at_a_time():
    strings = pdf_strings(render(make_sheet(company_name="江南医疗器械有限公司")))
    seal_characters = [text for text in strings if len(text) == 1]
    assert "".join(seal_characters).startswith("江南医疗器械有限公司")


def test_pdf_of_reversed_document_is_marked():
    text = pdf_text(render(make_sheet(is_reversed=True, reversed_by_number="RB-202612-000124")))
    assert "Reversed" in text
    assert "Reversed by document RB-202612-000124." in text


def test_pdf_of_valid_document_has_no_reversed_mark():
    assert "Reversed" not in pdf_text(render(make_sheet()))


def test_pdf_of_reversal_references_original():
    sheet = make_sheet(
        number="RB-202612-000124",
        reverses_number="RB-202612-000123",
        rebate_amount=Decimal("-16000.00"),
        reason="回款金额录错",
    )
    text = pdf_text(render(sheet))
    assert "Rebate confirmation (reversal)" in text
    assert "RB-202612-000123" in text
    assert "¥-16,000.00" in text
    assert "回款金额录错" in text


def test_pdf_long_product_list_wraps_inside_page():
    products = [f"一次性使用无菌注射器规格{index}号" for index in range(40)]
    data = render(make_sheet(products=products))
    assert "一次性使用无菌注射器规格39号" in pdf_text(data)
