"""XLSX export of a funnel-analyzer result (openpyxl write-only mode).

Rows are written as they are read from one database query, so memory stays flat for
large results. Amounts are numeric cells with a two-decimal format. Text typed by users
goes through ``imports.export.escape_cell``, which prefixes an apostrophe to values a
spreadsheet would run as a formula, after control characters that XML 1.0 cannot hold
(a vertical tab pasted into a deal name, say) are removed.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from typing import IO

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from salespulse.analytics.selectors_analyzer import ResultRow
from salespulse.imports.export import escape_cell

MONEY_FORMAT = "0.00"
# Columns as Excel counts characters; Chinese text needs about two per character.
COLUMN_WIDTHS = (30, 30, 14, 8, 10, 12, 14, 14, 16)


def text_cell(value: str) -> str:
    """Return user text safe for a cell: no control characters, no formula."""
    return escape_cell(ILLEGAL_CHARACTERS_RE.sub("", value))


def _headers() -> list[str]:
    return [
        _("Opportunity"),
        _("Customer"),
        _("Stage"),
        _("Status"),
        _("Days in stage"),
        _("Days since last interaction"),
        _("Last action"),
        _("Owner"),
        _("Expected amount (yuan)"),
    ]


def write_result_workbook(rows: Iterable[ResultRow], *, filter_text: str, exported_at: str) -> IO[bytes]:
    """Write the rows to an XLSX file and return it, rewound, as a temporary file.

    A second sheet records the filter JSON and the local time of the export, so the
    file can be traced back to the question that produced it.
    """
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Analyzer result")[:31])
    for index, width in enumerate(COLUMN_WIDTHS):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    sheet.freeze_panes = "A2"

    bold = Font(bold=True)
    header_cells = []
    for title in _headers():
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)

    for row in rows:
        amount = WriteOnlyCell(sheet, value=row.expected_amount)
        amount.number_format = MONEY_FORMAT
        sheet.append([
            text_cell(row.name),
            text_cell(row.customer_name),
            text_cell(row.stage_display),
            text_cell(row.status),
            row.days_in_stage,
            row.days_since_interaction,
            text_cell(row.last_action_label),
            text_cell(row.owner_name),
            amount,
        ])

    about = workbook.create_sheet(_("Filter")[:31])
    about.append([_("Filter (JSON)"), text_cell(filter_text)])
    about.append([_("Exported at"), exported_at])

    output = tempfile.TemporaryFile()
    workbook.save(output)
    output.seek(0)
    return output
