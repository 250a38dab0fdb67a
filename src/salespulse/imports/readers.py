"""Read a CSV or XLSX file into a ``Table``: one header row and numbered data rows.

Sales sheets are made for people, so the reader also removes what people put
around the data. It skips merged title rows and note rows above the header, and a
"单位：万元" note among them sets ``amount_scale``. It joins two-row merged headers
into "group/sub" names and skips subtotal rows (小计/合计) and formula cells. Every removal is
kept in ``Table.notes`` so the report can show it.

CSV encodings are detected in this order: byte-order mark, strict UTF-8, strict
GB18030 (a superset of the GBK that Chinese Excel writes), and charset-normalizer
only when all of those fail. A file that decodes as UTF-8 is never read as GBK.
UTF-8 and GB18030 are checked over the whole file, streamed in chunks, because a
sheet can be plain ASCII for thousands of rows before its first Chinese value.
"""

from __future__ import annotations

import codecs
import csv
import re
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from salespulse.core.errors import DomainError
from salespulse.imports.normalize import TEN_THOUSAND, normalize_text

# Bytes read to recognise the file type; charset-normalizer also guesses from these.
SNIFF_BYTES = 256 * 1024
# Chunk size for checking that a whole file decodes in one encoding.
DECODE_CHUNK_BYTES = 1024 * 1024
# A sheet larger than this is not a sales sheet; reject it before holding it in memory.
MAX_ROWS = 100_000
# csv's default field limit (128 KiB) also stops a file of junk without line breaks.
MAX_FIELD_CHARS = 128 * 1024

BINARY_SIGNATURES = {
    b"\x89PNG": "PNG",
    b"\xff\xd8\xff": "JPEG",
    b"GIF8": "GIF",
    b"%PDF": "PDF",
    b"\xd0\xcf\x11\xe0": "XLS/DOC",
    b"Rar!": "RAR",
    b"\x1f\x8b": "GZIP",
    b"7z\xbc\xaf": "7Z",
}
ZIP_SIGNATURE = b"PK\x03\x04"
UNIT_NOTE = re.compile(r"单位\s*[:：]\s*(?P<unit>万元|万|元)")
SUBTOTAL = re.compile(r"^(?:小计|合计|总计|累计|total|subtotal)[:：]?$", re.IGNORECASE)


@dataclass(frozen=True)
class SheetRow:
    """One data row; ``number`` is the row number the user sees in Excel (1-based).

    ``extra`` contains the non-empty CSV cells beyond the header's width. Their values
    have probably shifted (an unquoted comma), so the importer rejects the row.
    """

    number: int
    cells: list[object]
    extra: tuple[object, ...] = ()


@dataclass(frozen=True)
class CellNote:
    row: int
    column: str
    value: str
    message: str


@dataclass
class Table:
    file_name: str
    headers: list[str]
    rows: list[SheetRow]
    notes: list[CellNote] = field(default_factory=list)
    amount_scale: Decimal = Decimal(1)
    encoding: str | None = None
    sheet: str | None = None


class FileProblem(DomainError):
    """A file that cannot be read at all; nothing from it is imported."""

    def __init__(self, code: str, message: str, **params) -> None:
        super().__init__(code, message, field="file", params=params)


@dataclass
class _Grid:
    """Cell values by row, plus which cells came from merged ranges."""

    rows: list[list[object]]
    numbers: list[int]
    across: set[tuple[int, int]] = field(default_factory=set)  # cells of merges spanning columns
    down: set[tuple[int, int]] = field(default_factory=set)  # cells of merges spanning rows
    formulas: dict[tuple[int, int], str] = field(default_factory=dict)
    # CSV rows are as wide as their header; an XLSX column without a header gets a letter.
    from_csv: bool = False


def read_table(path: Path, *, file_name: str | None = None, sheet: str | None = None) -> Table:
    """Read ``path`` (CSV or XLSX, recognised by content) into a Table."""
    name = file_name or path.name
    size = path.stat().st_size
    if size == 0:
        raise FileProblem("empty_file", _("File %(file)s is empty.") % {"file": name}, file=name)
    with path.open("rb") as handle:
        head = handle.read(SNIFF_BYTES)

    if head.startswith(ZIP_SIGNATURE):
        grid, sheet_name = _read_xlsx(path, name, sheet)
        encoding = None
    else:
        _reject_binary(head, name)
        encoding = detect_encoding(head, complete=size <= len(head), file_name=name, path=path)
        grid = _read_csv(path, name, encoding)
        sheet_name = None

    table = _layout(grid, name)
    table.encoding = encoding
    table.sheet = sheet_name
    return table


def _reject_binary(head: bytes, name: str) -> None:
    for signature, label in BINARY_SIGNATURES.items():
        if head.startswith(signature):
            raise FileProblem(
                "binary_file",
                _(
                    "File %(file)s is a %(type)s file, not a CSV or XLSX sheet; export the sheet as CSV or XLSX and upload that."
                )
                % {"file": name, "type": label},
                file=name,
            )
    if b"\x00" in head and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise FileProblem(
            "binary_file",
            _(
                "File %(file)s contains binary data, not text; export the sheet as CSV or XLSX and upload that."
            )
            % {"file": name},
            file=name,
        )


def detect_encoding(
    head: bytes, *, complete: bool, file_name: str = "", path: Path | None = None
) -> str:
    """Return the codec name for ``head``, the first bytes of a text file.

    ``complete`` is True when ``head`` is the whole file. Otherwise a multi-byte
    character cut off at the end of ``head`` does not rule an encoding out, and
    when ``path`` is given the rest of the file must decode as well.
    """
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    for encoding in ("utf-8", "gb18030"):
        decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
        try:
            decoder.decode(head, final=complete)
        except UnicodeDecodeError:
            continue
        if complete or path is None or _decodes_whole_file(path, encoding):
            return encoding

    from charset_normalizer import from_bytes

    best = from_bytes(head).best()
    if best is None:
        raise FileProblem(
            "unknown_encoding",
            _(
                'The text encoding of file %(file)s is not recognised; save it as "CSV UTF-8" in Excel and try again.'
            )
            % {"file": file_name},
            file=file_name,
        )
    return best.encoding


def _decodes_whole_file(path: Path, encoding: str) -> bool:
    """Return True if every byte of ``path`` decodes strictly in ``encoding``; memory stays bounded."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(DECODE_CHUNK_BYTES), b""):
                decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _read_csv(path: Path, name: str, encoding: str) -> _Grid:
    csv.field_size_limit(MAX_FIELD_CHARS)
    rows: list[list[object]] = []
    try:
        with path.open("r", encoding=encoding, errors="strict", newline="") as handle:
            sample = handle.read(8192)
            handle.seek(0)
            try:
                dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(
                    sample, delimiters=",\t;|"
                )
            except csv.Error:
                dialect = csv.excel
            for record in csv.reader(handle, dialect):
                rows.append(list(record))
                if len(rows) > MAX_ROWS:
                    raise _too_many_rows(name)
    except UnicodeDecodeError as error:
        raise FileProblem(
            "invalid_encoding",
            _(
                'File %(file)s is not consistently encoded as %(encoding)s (invalid bytes after row %(row)s); save it again as "CSV UTF-8".'
            )
            % {"file": name, "encoding": encoding, "row": len(rows)},
            file=name,
        ) from error
    except csv.Error as error:
        raise FileProblem(
            "invalid_csv",
            _(
                "File %(file)s is not a readable CSV sheet near row %(row)s (a cell is too long or quotes are unbalanced)."
            )
            % {"file": name, "row": len(rows) + 1},
            file=name,
        ) from error
    return _Grid(rows=rows, numbers=list(range(1, len(rows) + 1)), from_csv=True)


def _too_many_rows(name: str) -> FileProblem:
    return FileProblem(
        "too_many_rows",
        _("File %(file)s has more than %(max)s rows; split it into smaller files.")
        % {"file": name, "max": MAX_ROWS},
        file=name,
    )


def _read_xlsx(path: Path, name: str, sheet: str | None) -> tuple[_Grid, str]:
    # Merged ranges are only available outside read-only mode, so the workbook is
    # loaded whole. TODO: large workbooks use a lot of memory this way; read values
    # with python-calamine and only the merged ranges with openpyxl.
    try:
        workbook = load_workbook(path, data_only=False)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise FileProblem(
            "invalid_xlsx",
            _(
                "File %(file)s is not a readable Excel workbook (.xlsx); open it in Excel and save it as .xlsx again."
            )
            % {"file": name},
            file=name,
        ) from error
    if sheet is not None and sheet not in workbook.sheetnames:
        raise FileProblem(
            "sheet_not_found",
            _("Workbook %(file)s has no sheet named %(sheet)s; its sheets are: %(sheets)s.")
            % {"file": name, "sheet": sheet, "sheets": "、".join(workbook.sheetnames)},
            file=name,
        )
    worksheet = workbook[sheet] if sheet is not None else workbook.worksheets[0]
    if worksheet.max_row > MAX_ROWS:
        raise _too_many_rows(name)

    grid = _Grid(rows=[], numbers=[])
    for index, row in enumerate(worksheet.iter_rows(min_row=1)):
        values: list[object] = []
        for column, cell in enumerate(row):
            if cell.data_type == "f":
                grid.formulas[(index, column)] = str(cell.value)
                values.append(None)
            else:
                values.append(cell.value)
        grid.rows.append(values)
        grid.numbers.append(index + 1)

    for merged in worksheet.merged_cells.ranges:
        top_value = grid.rows[merged.min_row - 1][merged.min_col - 1]
        for row_index in range(merged.min_row - 1, merged.max_row):
            for column in range(merged.min_col - 1, merged.max_col):
                grid.rows[row_index][column] = top_value
                if merged.max_col > merged.min_col:
                    grid.across.add((row_index, column))
                if merged.max_row > merged.min_row:
                    grid.down.add((row_index, column))
    return grid, worksheet.title


def _distinct_values(row: list[object]) -> list[str]:
    seen: list[str] = []
    for value in row:
        text = normalize_text(value)
        if text and text not in seen:
            seen.append(text)
    return seen


def _layout(grid: _Grid, name: str) -> Table:
    """Find the header row, build column names, and keep the data rows."""
    notes: list[CellNote] = []
    scale = Decimal(1)
    # Title and note rows hold one value (often merged across the table); the header is
    # the first row with several. A one-column sheet has its header in the first row.
    non_empty = [i for i, row in enumerate(grid.rows) if _distinct_values(row)]
    if not non_empty:
        raise FileProblem(
            "no_header", _("File %(file)s has no header row.") % {"file": name}, file=name
        )
    index = next((i for i in non_empty if len(_distinct_values(grid.rows[i])) > 1), non_empty[0])
    for title_row in grid.rows[:index]:
        for text in _distinct_values(title_row):
            unit = UNIT_NOTE.search(text)
            if unit and unit["unit"].startswith("万"):
                scale = TEN_THOUSAND

    header = grid.rows[index]
    two_rows = any(
        (index, column) in grid.across for column in range(len(header))
    ) and index + 1 < len(grid.rows)
    if grid.from_csv:
        width = len(header)
    else:
        width = max(len(row) for row in grid.rows[index:]) if grid.rows else 0
    headers = []
    for column in range(width):
        top = normalize_text(header[column] if column < len(header) else None)
        sub = (
            normalize_text(grid.rows[index + 1][column])
            if two_rows and column < len(grid.rows[index + 1])
            else ""
        )
        if two_rows and (index, column) in grid.down:
            sub = ""
        if top and sub and (index, column) in grid.across:
            headers.append(f"{top}/{sub}")
        else:
            headers.append(sub or top or get_column_letter(column + 1))
    first_data = index + (2 if two_rows else 1)

    rows: list[SheetRow] = []
    for row_index in range(first_data, len(grid.rows)):
        cells = list(grid.rows[row_index][:width]) + [None] * (width - len(grid.rows[row_index]))
        extra = tuple(cell for cell in grid.rows[row_index][width:] if normalize_text(cell))
        number = grid.numbers[row_index]
        formulas = {column: text for (r, column), text in grid.formulas.items() if r == row_index}
        if not _distinct_values(cells) and not formulas and not extra:
            continue
        subtotal = next(
            (
                normalize_text(c)
                for c in cells
                if SUBTOTAL.match(normalize_text(c).replace(" ", ""))
            ),
            None,
        )
        if subtotal:
            notes.append(CellNote(number, "", subtotal, _("Subtotal row skipped.")))
            continue
        for column, text in sorted(formulas.items()):
            notes.append(
                CellNote(
                    number,
                    headers[column],
                    text,
                    _("Formula cell skipped; enter the value itself."),
                )
            )
        rows.append(SheetRow(number=number, cells=cells, extra=extra))
    return Table(file_name=name, headers=headers, rows=rows, notes=notes, amount_scale=scale)
