"""Customer export as CSV (UTF-8 with BOM, so Excel opens it as UTF-8) or XLSX.

Cells that start with = + - @, a tab or a carriage return are prefixed with ``'``,
so a spreadsheet shows them as text instead of running them as formulas
(CSV/formula injection, e.g. ``=HYPERLINK("http://x","y")`` typed into a name).
"""

from __future__ import annotations

import csv
import io

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from openpyxl import Workbook

from salespulse.crm.models import Customer

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def customer_rows(customers: QuerySet[Customer]) -> tuple[list[str], list[list[object]]]:
    headers = [
        _("Customer ID"),
        _("Customer name"),
        _("Channel"),
        _("Customer tier"),
        _("Region"),
        _("Owner"),
        _("City"),
        _("First purchase date"),
        _("Notes"),
    ]
    rows = []
    for customer in customers.select_related("channel", "tier", "region", "owner").order_by(
        "name", "id"
    ):
        rows.append(
            [
                customer.external_id or "",
                customer.name,
                customer.channel.name if customer.channel else "",
                customer.tier.name if customer.tier else "",
                customer.region.name if customer.region else "",
                str(customer.owner) if customer.owner else "",
                customer.city,
                customer.first_purchase_date.isoformat() if customer.first_purchase_date else "",
                customer.notes,
            ]
        )
    return headers, [[escape_cell(value) for value in row] for row in rows]


def customers_csv(customers: QuerySet[Customer]) -> bytes:
    headers, rows = customer_rows(customers)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def customers_xlsx(customers: QuerySet[Customer]) -> bytes:
    headers, rows = customer_rows(customers)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Customers")
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            # openpyxl turns any string starting with "=" into a formula; keep it a string.
            if isinstance(cell.value, str):
                cell.data_type = "s"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
