"""Every CSV and Excel file the application writes goes through here.

A spreadsheet runs a cell that begins with = + - @ (or a tab or carriage return, which some
programs strip first) as a formula: typed text such as a comment "=HYPERLINK(…)" must reach the
reader as text. CSV cells of that kind get a leading apostrophe; XLSX text is written as strings,
never formulas.
"""
from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from flask import Response, send_file

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def csv_cell(value):
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _spool():
    """Memory up to 8 MB, then a temporary file: a large export never sits in memory whole."""
    return tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)


def csv_download(rows: Iterable[Sequence], filename: str) -> Response:
    spool = _spool()
    text = io.TextIOWrapper(spool, encoding="utf-8-sig", newline="")  # the BOM lets Excel read UTF-8
    writer = csv.writer(text)
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])
    text.flush()
    text.detach()
    spool.seek(0)
    return send_file(spool, mimetype="text/csv; charset=utf-8", as_attachment=True, download_name=filename)


@dataclass
class Sheet:
    """A table an office files: title lines above it, Vietnamese headers in bold, the header row
    frozen, column widths set, a total row in bold."""

    name: str  # the sheet's tab (at most 31 characters)
    title: list[str]  # lines above the table: what it is, the year, the filters applied
    headers: list[str]
    rows: Iterable[Sequence]
    widths: list[int] = field(default_factory=list)  # in characters; the rest 14
    total: Sequence | None = None


def write_sheet(book, spec: Sheet) -> None:
    """One sheet of a write-only workbook: rows go to disk as they come, memory stays bounded."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    bold, title_font = Font(bold=True), Font(bold=True, size=14)
    header_fill, wrap = PatternFill("solid", fgColor="DDE6F0"), Alignment(wrap_text=True, vertical="top")
    sheet = book.create_sheet(spec.name[:31])
    for index, width in enumerate(spec.widths or [], start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = f"A{len(spec.title) + 3}"  # below the header row
    for number, line in enumerate(spec.title):
        cell = _xlsx_cell(sheet, line)
        cell.font = title_font if number == 0 else bold
        sheet.append([cell])
    sheet.append([])
    header = []
    for text in spec.headers:
        cell = _xlsx_cell(sheet, text)
        cell.font, cell.fill, cell.alignment = bold, header_fill, wrap
        header.append(cell)
    sheet.append(header)
    for row in spec.rows:
        sheet.append([_xlsx_cell(sheet, v) for v in row])
    if spec.total is not None:
        total = []
        for value in spec.total:
            cell = _xlsx_cell(sheet, value)
            cell.font = bold
            total.append(cell)
        sheet.append(total)


def xlsx_download(sheets: Sheet | list[Sheet], filename: str) -> Response:
    # loaded on first use: a worker that never exports stays small
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    for spec in sheets if isinstance(sheets, list) else [sheets]:
        write_sheet(book, spec)
    spool = _spool()
    book.save(spool)
    spool.seek(0)
    return send_file(spool, mimetype=XLSX_TYPE, as_attachment=True, download_name=filename)


def _xlsx_cell(sheet, value):
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # text, even when it looks like a formula
    return cell
