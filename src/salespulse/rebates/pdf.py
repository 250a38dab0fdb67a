"""Render a rebate confirmation (返点确认单) as an A4 PDF with reportlab.

The renderer takes a plain ``ConfirmationSheet`` (built from a document by
``rebates.presenters``), so its layout can be tested without the database. Text uses
the Adobe CID font STSong-Light, which ships with reportlab and needs no font file;
readers substitute a Song typeface for it. The seal is drawn with canvas primitives.
It is a picture only: the document's authenticity rests on the Ed25519 signature
behind the verification code, not on the seal.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.colors import Color, HexColor, black
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

from salespulse.core.templatetags.display import cny
from salespulse.core.timeutil import to_local
from salespulse.rebates.calculation import format_rate

FONT = "STSong-Light"
SEAL_RED = HexColor("#c8102e")
MUTED = HexColor("#4b5563")
PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 20 * mm
LABEL_WIDTH = 34 * mm
LINE_HEIGHT = 6.2 * mm


@dataclass(frozen=True)
class ConfirmationSheet:
    """Content of one PDF: amounts are exact Decimals and ``rate`` is a fraction (0.032 = 3.2%)."""

    number: str
    company_name: str
    customer_name: str
    agreement_label: str
    agreement_version: int
    mode_label: str
    period_label: str
    products: list[str]
    payments: list[Decimal]
    collected_total: Decimal
    period_collected_total: Decimal
    tier_label: str
    rate: Decimal
    rebate_total_for_period: Decimal
    previously_confirmed: Decimal
    rebate_amount: Decimal
    confirmed_by: str
    confirmed_at: dt.datetime
    verification_code: str
    verification_url: str
    is_reversed: bool = False
    reversed_by_number: str = ""
    reverses_number: str = ""
    reason: str = ""
    key_id: str = ""
    extra_notes: list[str] = field(default_factory=list)


def format_local_time(moment: dt.datetime) -> str:
    """Format a UTC time in the local zone with the zone name, e.g. ``2026-12-04 21:45:09 Asia/Shanghai``."""
    local = to_local(moment)
    return f"{local:%Y-%m-%d %H:%M:%S} {local.tzinfo}"


def render_confirmation_pdf(sheet: ConfirmationSheet, *, compress: bool = True) -> bytes:
    """Return the PDF bytes of ``sheet``, in the active language.

    ``compress=False`` also makes the output reproducible (reportlab's ``invariant``
    mode) so tests can read the text from the uncompressed page stream.
    """
    _register_font()
    buffer = io.BytesIO()
    canvas = Canvas(
        buffer,
        pagesize=A4,
        pageCompression=1 if compress else 0,
        invariant=0 if compress else 1,
    )
    canvas.setTitle(f"{_('Rebate confirmation')} {sheet.number}")
    canvas.setAuthor(sheet.company_name)

    y = _draw_header(canvas, sheet)
    y = _draw_facts(canvas, sheet, y)
    y = _draw_amount(canvas, sheet, y)
    _draw_signature_block(canvas, sheet, y)
    if sheet.is_reversed:
        _draw_reversed_stamp(canvas)

    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _register_font() -> None:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def _draw_header(canvas: Canvas, sheet: ConfirmationSheet) -> float:
    y = PAGE_HEIGHT - MARGIN - 8 * mm
    title = _("Rebate confirmation")
    if sheet.reverses_number:
        title = _("Rebate confirmation (reversal)")
    canvas.setFont(FONT, 22)
    canvas.drawCentredString(PAGE_WIDTH / 2, y, title)

    y -= 8 * mm
    canvas.setFont(FONT, 11)
    canvas.setFillColor(MUTED)
    canvas.drawCentredString(PAGE_WIDTH / 2, y, sheet.company_name)
    canvas.setFillColor(black)

    y -= 10 * mm
    canvas.setFont(FONT, 11)
    canvas.drawString(MARGIN, y, _("Number: %(number)s") % {"number": sheet.number})
    canvas.drawRightString(
        PAGE_WIDTH - MARGIN, y, _("Verification code: %(code)s") % {"code": sheet.verification_code}
    )
    y -= 4 * mm
    canvas.setStrokeColor(MUTED)
    canvas.setLineWidth(0.6)
    canvas.line(MARGIN, y, PAGE_WIDTH - MARGIN, y)
    return y - 8 * mm


def _fact_rows(sheet: ConfirmationSheet) -> list[tuple[str, str]]:
    payments = " + ".join(cny(payment) for payment in sheet.payments) or cny(sheet.collected_total)
    rows = [
        (_("Customer"), sheet.customer_name),
        (
            _("Agreement"),
            _("%(agreement)s, version %(version)s") % {
                "agreement": sheet.agreement_label,
                "version": sheet.agreement_version,
            },
        ),
        (_("Calculation mode"), sheet.mode_label),
        (_("Period"), sheet.period_label),
        (_("Products"), "、".join(sheet.products) or "—"),
        (_("Payments"), payments),
        (_("Collected on this document"), cny(sheet.collected_total)),
        (_("Collected in the period"), cny(sheet.period_collected_total)),
        (_("Tier and rate"), f"{sheet.tier_label} · {format_rate(sheet.rate)}"),
        (_("Rebate on the period total"), cny(sheet.rebate_total_for_period)),
        (_("Previously confirmed"), cny(sheet.previously_confirmed)),
    ]
    if sheet.reverses_number:
        rows.append((_("Reverses document"), sheet.reverses_number))
    if sheet.reason:
        rows.append((_("Reason"), sheet.reason))
    return rows


def _draw_facts(canvas: Canvas, sheet: ConfirmationSheet, y: float) -> float:
    value_x = MARGIN + LABEL_WIDTH
    value_width = PAGE_WIDTH - MARGIN - value_x
    for label, value in _fact_rows(sheet):
        canvas.setFont(FONT, 10.5)
        canvas.setFillColor(MUTED)
        canvas.drawString(MARGIN, y, label)
        canvas.setFillColor(black)
        canvas.setFont(FONT, 11)
        for line in simpleSplit(value, FONT, 11, value_width) or [""]:
            canvas.drawString(value_x, y, line)
            y -= LINE_HEIGHT
    return y - 2 * mm


def _draw_amount(canvas: Canvas, sheet: ConfirmationSheet, y: float) -> float:
    box_height = 22 * mm
    canvas.setStrokeColor(black)
    canvas.setLineWidth(1)
    canvas.rect(MARGIN, y - box_height, PAGE_WIDTH - 2 * MARGIN, box_height)
    canvas.setFont(FONT, 11)
    canvas.drawString(MARGIN + 4 * mm, y - 8 * mm, _("Rebate payable on this document"))
    canvas.setFont(FONT, 26)
    canvas.drawRightString(PAGE_WIDTH - MARGIN - 4 * mm, y - 16 * mm, cny(sheet.rebate_amount))
    return y - box_height - 10 * mm


def _draw_signature_block(canvas: Canvas, sheet: ConfirmationSheet, y: float) -> None:
    canvas.setFont(FONT, 10.5)
    canvas.drawString(MARGIN, y, _("Confirmed by: %(name)s") % {"name": sheet.confirmed_by})
    y -= LINE_HEIGHT
    canvas.drawString(
        MARGIN, y, _("Confirmed at: %(time)s") % {"time": format_local_time(sheet.confirmed_at)}
    )
    y -= LINE_HEIGHT
    if sheet.is_reversed and sheet.reversed_by_number:
        canvas.setFillColor(SEAL_RED)
        canvas.drawString(
            MARGIN, y, _("Reversed by document %(number)s.") % {"number": sheet.reversed_by_number}
        )
        canvas.setFillColor(black)
        y -= LINE_HEIGHT

    _draw_seal(canvas, sheet.company_name, PAGE_WIDTH - MARGIN - 25 * mm, y + 6 * mm)

    y -= 6 * mm
    qr_size = 30 * mm
    _draw_qr_code(canvas, sheet.verification_url, MARGIN, y - qr_size, qr_size)
    text_x = MARGIN + qr_size + 4 * mm
    canvas.setFont(FONT, 10)
    canvas.drawString(text_x, y - 6 * mm, _("Verify this document at:"))
    canvas.drawString(text_x, y - 12 * mm, sheet.verification_url)
    canvas.drawString(
        text_x, y - 18 * mm, _("Verification code: %(code)s") % {"code": sheet.verification_code}
    )
    canvas.setFillColor(MUTED)
    canvas.setFont(FONT, 8.5)
    note = _(
        "This document carries a tamper-evident Ed25519 signature of the company (key %(key)s). "
        "It is not a CA-certified electronic signature."
    ) % {"key": sheet.key_id or "—"}
    for index, line in enumerate(simpleSplit(note, FONT, 8.5, PAGE_WIDTH - MARGIN - text_x)):
        canvas.drawString(text_x, y - 24 * mm - index * 4 * mm, line)
    canvas.setFillColor(black)


def _draw_qr_code(canvas: Canvas, value: str, x: float, y: float, size: float) -> None:
    widget = QrCodeWidget(value)
    left, bottom, right, top = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (right - left), 0, 0, size / (top - bottom), 0, 0])
    drawing.add(widget)
    renderPDF.draw(drawing, canvas, x, y)


def _draw_seal(canvas: Canvas, company_name: str, center_x: float, center_y: float) -> None:
    """Draw a round company seal: red ring, the name along the upper arc, a star in the middle."""
    radius = 21 * mm
    canvas.saveState()
    canvas.setStrokeColor(SEAL_RED)
    canvas.setFillColor(SEAL_RED)
    canvas.setLineWidth(2.2)
    canvas.circle(center_x, center_y, radius, stroke=1, fill=0)

    # Characters sit on an arc of at most 240° centred on the top, 20° apart and each
    # rotated to face outwards. NOTE: past about 15 characters the step shrinks below
    # the glyph width, so very long company names overlap in the seal.
    font_size = 11 if len(company_name) <= 12 else 9
    text_radius = radius - 3.2 * mm - font_size * 0.35
    span = min(240.0, 20.0 * max(len(company_name) - 1, 1))
    step = span / max(len(company_name) - 1, 1)
    start = 90 + span / 2
    canvas.setFont(FONT, font_size)
    for index, character in enumerate(company_name):
        angle = start - index * step if len(company_name) > 1 else 90
        radians = math.radians(angle)
        canvas.saveState()
        canvas.translate(center_x + text_radius * math.cos(radians), center_y + text_radius * math.sin(radians))
        canvas.rotate(angle - 90)
        canvas.drawCentredString(0, -font_size * 0.35, character)
        canvas.restoreState()

    _draw_star(canvas, center_x, center_y, 6 * mm)
    canvas.setFont(FONT, 8)
    canvas.drawCentredString(center_x, center_y - radius * 0.62, _("Rebate seal"))
    canvas.restoreState()


def _draw_star(canvas: Canvas, center_x: float, center_y: float, outer: float) -> None:
    inner = outer * 0.382
    path = canvas.beginPath()
    for point in range(10):
        radius = outer if point % 2 == 0 else inner
        angle = math.radians(90 + point * 36)
        x = center_x + radius * math.cos(angle)
        y = center_y + radius * math.sin(angle)
        if point == 0:
            path.moveTo(x, y)
        else:
            path.lineTo(x, y)
    path.close()
    canvas.drawPath(path, stroke=0, fill=1)


def _draw_reversed_stamp(canvas: Canvas) -> None:
    """Mark a reversed document across the page so a printout cannot be mistaken for a valid one."""
    canvas.saveState()
    canvas.setFillColor(Color(0.78, 0.06, 0.18, alpha=0.25))
    canvas.setFont(FONT, 96)
    canvas.translate(PAGE_WIDTH / 2, PAGE_HEIGHT / 2)
    canvas.rotate(30)
    canvas.drawCentredString(0, 0, _("Reversed"))
    canvas.restoreState()
