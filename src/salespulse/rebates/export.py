"""XLSX export of rebate confirmations for reconciliation (openpyxl).

Amounts are numeric cells with a two-decimal format, so finance can sum them. Text
cells that a spreadsheet would run as a formula (starting with = + - @) get a leading
apostrophe, because customer and agreement names are typed by users.
"""

from __future__ import annotations

import io
from collections.abc import Iterable

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from salespulse.core.timeutil import to_local
from salespulse.rebates.models import ConfirmationStatus, RebateConfirmation
from salespulse.rebates.presenters import agreement_label, document_period_label, signed_customer_name

MONEY_FORMAT = "#,##0.00"
DATE_FORMAT = "yyyy-mm-dd hh:mm"
FORMULA_STARTS = ("=", "+", "-", "@")


def safe_text(value: str) -> str:
    """Return ``value`` with a leading apostrophe when a spreadsheet would read it as a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def export_documents(documents: Iterable[RebateConfirmation]) -> bytes:
    """Return an XLSX workbook with one row per document, times in the local zone."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Rebate confirmations")[:31]
    headers = [
        _("Number"), _("Confirmed at"), _("Customer"), _("Agreement"), _("Period"),
        _("Collected"), _("Rebate"), _("Status"), _("Acknowledged by"), _("Acknowledged at"),
    ]
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)

    for document in documents:
        acknowledged_at = to_local(document.acknowledged_at).replace(tzinfo=None) if document.acknowledged_at else None
        sheet.append([
            safe_text(document.number),
            to_local(document.confirmed_at).replace(tzinfo=None),
            safe_text(signed_customer_name(document)),
            safe_text(f"{agreement_label(document.agreement)} v{document.agreement_version}"),
            safe_text(document_period_label(document)),
            document.collected_total,
            document.rebate_amount,
            str(ConfirmationStatus(document.status).label),
            safe_text(str(document.acknowledged_by)) if document.acknowledged_by_id else "",
            acknowledged_at,
        ])
        row = sheet.max_row
        sheet.cell(row, 2).number_format = DATE_FORMAT
        sheet.cell(row, 6).number_format = MONEY_FORMAT
        sheet.cell(row, 7).number_format = MONEY_FORMAT
        sheet.cell(row, 10).number_format = DATE_FORMAT

    for column, width in zip("ABCDEFGHIJ", (20, 18, 30, 30, 12, 16, 14, 14, 14, 18), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
