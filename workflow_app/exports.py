"""Every CSV and Excel file the application writes goes through here.

A spreadsheet runs a cell that begins with = + - @ (or a tab or carriage return, which some
programs strip first) as a formula: typed text such as a comment "=HYPERLINK(…)" must reach the
reader as text. CSV cells of that kind get a leading apostrophe; XLSX text is written as strings,
never formulas.
"""
from __future__ import annotations

import csv
import io
from typing import Iterable, Sequence

from flask import Response
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def csv_cell(value):
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_download(rows: Iterable[Sequence], filename: str) -> Response:
    buffer = io.StringIO()
    buffer.write("\ufeff")  # lets Excel read the Vietnamese text as UTF-8
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])
    return Response(buffer.getvalue(), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f"attachment; filename={filename}"})


def xlsx_download(sheet_title: str, rows: Iterable[Sequence], filename: str) -> Response:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(sheet_title[:31])
    for row in rows:
        sheet.append([_xlsx_cell(sheet, v) for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return Response(buffer.getvalue(), mimetype=XLSX_TYPE,
                    headers={"Content-Disposition": f"attachment; filename={filename}"})


def _xlsx_cell(sheet, value):
    if not isinstance(value, str):
        return value
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"  # text, even when it looks like a formula
    return cell
