"""The dossier's data sheet in Excel, both ways: downloaded with every input (its criterion, label,
allowed values as drop-down lists, last year's figures), filled in offline, and read back. A sheet
read back is checked exactly as the form is (the same operation); each error names its cell, and
nothing is saved unless every cell is valid."""
from __future__ import annotations

import io
import zipfile
import zlib
from typing import Any, BinaryIO

from flask_babel import gettext as _
from sqlalchemy import select

from ..dossiers import evidence as files
from ..dossiers import operations as ops
from ..dossiers.presenters import criteria_views
from ..dossiers.queries import criteria_set_of, evaluate_dossier
from ..errors import ValidationFailed
from ..extensions import db
from ..formatting import plain_text
from ..i18n import tr
from ..models import Dossier, User

SHEET, CRITERIA, META = "So lieu", "Tieu chi", "_ho_so"
FIRST_ROW = 6  # the inputs start here, under the title lines and the header row
NAME, VALUE = "A", "E"
YES, NO = "Có", "Không"
PREVIOUS_SUFFIX = "_prev"  # "social_order_crimes_prev" is last year's "social_order_crimes"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _inputs(dossier: Dossier):
    """(input, the criterion that first asks for it), in the order of the document."""
    for _group, views in criteria_views(dossier, evaluate_dossier(dossier)):
        for view in views:
            for spec in view.inputs:
                yield spec, view


def last_year(dossier: Dossier) -> dict[str, Any]:
    """The figures of the unit's dossier of the same set for the year before (its latest), if any."""
    values = db.session.scalar(
        select(Dossier.values).where(Dossier.unit_id == dossier.unit_id, Dossier.criteria_set == dossier.criteria_set,
                                     Dossier.year == dossier.year - 1).order_by(Dossier.id.desc()).limit(1))
    return values or {}


def _shown(spec, value) -> Any:
    if value is None:
        return None
    if spec.type == "yes_no":
        return YES if value else NO
    if spec.type == "rating":
        return tr(spec.scale.label(value)) if value in spec.scale.levels else value
    return value


def _how(spec) -> str:
    if spec.type == "yes_no":
        return _("Choose Có or Không")
    if spec.type == "rating":
        return _("Choose one: %(levels)s", levels="; ".join(tr(spec.scale.label(level)) for level in spec.scale.levels))
    if spec.type == "percent":
        return _("A number from 0 to 100")
    if spec.type == "date":
        return _("A date")
    return _("A whole number, 0 or more")


def write(dossier: Dossier) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill, Protection
    from openpyxl.worksheet.datavalidation import DataValidation

    cset = criteria_set_of(dossier)
    before = last_year(dossier)
    values = dossier.values or {}
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET
    sheet["A1"] = _("Data sheet: %(unit)s, %(set)s, year %(year)d", unit=dossier.unit.name, set=tr(cset.name),
                    year=dossier.year)
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A2"] = _("Dossier no. %(id)d, criteria set version %(version)s.", id=dossier.id,
                    version=dossier.criteria_set_version)
    sheet["A3"] = _("Fill in column E only, then upload this file on the dossier's page. Leave a cell empty to "
                    "clear the value. Column F shows last year's figures.")
    sheet["A3"].font = Font(italic=True)
    headers = [_("Field code"), _("Criterion"), _("What to enter"), _("How"), _("Value"),
               _("Year %(year)d (for reference)", year=dossier.year - 1)]
    for column, text in enumerate(headers, start=1):
        cell = sheet.cell(FIRST_ROW - 1, column, text)
        cell.font, cell.fill = Font(bold=True), PatternFill("solid", fgColor="DDE6F0")
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for letter, width in zip("ABCDEF", (30, 12, 60, 28, 18, 16)):
        sheet.column_dimensions[letter].width = width
    lists: dict[str, DataValidation] = {}
    row = FIRST_ROW
    for spec, view in _inputs(dossier):
        value = values.get(spec.name)
        if value is None and spec.name.endswith(PREVIOUS_SUFFIX):
            value = before.get(spec.name[: -len(PREVIOUS_SUFFIX)])  # last year's figure, filled in
        label = tr(spec.label) + (f"\n({tr(spec.help)})" if spec.help else "")
        cells = [spec.name, view.code, label, _how(spec), _shown(spec, value), _shown(spec, before.get(spec.name))]
        for column, content in enumerate(cells, start=1):
            cell = sheet.cell(row, column, content)
            if isinstance(content, str):
                cell.data_type = "s"  # typed text stays text
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.cell(row, 5).protection = Protection(locked=False)
        sheet.cell(row, 5).fill = PatternFill("solid", fgColor="FFF8D6")
        if spec.type in ("yes_no", "rating"):
            choices = [YES, NO] if spec.type == "yes_no" else [tr(spec.scale.label(level)) for level in spec.scale.levels]
            key = ",".join(choices)
            if key not in lists:
                lists[key] = DataValidation(type="list", formula1='"' + key + '"', allow_blank=True,
                                            error=_("Choose from the list."), showErrorMessage=True)
                sheet.add_data_validation(lists[key])
            lists[key].add(sheet.cell(row, 5))
        elif spec.type in ("count", "percent"):
            rule = DataValidation(type="whole" if spec.type == "count" else "decimal", operator="between",
                                  formula1="0", formula2=str(int(spec.upper_bound or 10**9)), allow_blank=True,
                                  error=_how(spec), showErrorMessage=True)
            sheet.add_data_validation(rule)
            rule.add(sheet.cell(row, 5))
        row += 1
    sheet.freeze_panes = f"A{FIRST_ROW}"
    sheet.protection.sheet = True  # only column E can be typed in (no password: it guards against slips)
    texts = book.create_sheet(CRITERIA)
    texts.append([_("Criterion"), _("Official text")])
    texts.column_dimensions["A"].width, texts.column_dimensions["B"].width = 10, 110
    for criterion in cset.criteria:
        texts.append([criterion.code, plain_text(criterion.text)])
        texts.cell(texts.max_row, 2).alignment = Alignment(wrap_text=True, vertical="top")
    texts.protection.sheet = True
    meta = book.create_sheet(META)
    meta["A1"], meta["B1"] = "dossier", dossier.id
    meta["A2"], meta["B2"] = "criteria_set", f"{dossier.criteria_set}@{dossier.criteria_set_version}"
    meta.sheet_state = "hidden"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _raw(spec, cell_value) -> Any:
    """A cell as the form would send it."""
    if isinstance(cell_value, str):
        text = cell_value.strip()
        if spec.type == "yes_no":
            return {YES.lower(): "yes", NO.lower(): "no"}.get(text.lower(), text)
        if spec.type == "rating":
            by_label = {tr(spec.scale.label(level)).lower(): level for level in spec.scale.levels}
            by_label |= {spec.scale.label(level).vi.lower(): level for level in spec.scale.levels}
            return by_label.get(text.lower(), text)
        return text
    if isinstance(cell_value, float) and cell_value.is_integer() and spec.type == "count":
        return int(cell_value)
    if hasattr(cell_value, "date") and spec.type == "date":
        return cell_value.date()
    return cell_value


def read(dossier: Dossier, content: bytes) -> tuple[dict[str, Any], dict[str, str]]:
    """(values by input name, cell of each input name) from a filled-in sheet; a sheet of another
    dossier, or a cell that names no input, is refused with its cell."""
    from openpyxl import load_workbook

    try:
        if files.sniff(content) != XLSX:
            raise files.UnsupportedFile
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (files.UnsupportedFile, zipfile.BadZipFile, KeyError, OSError, EOFError, zlib.error, ValueError):
        raise ValidationFailed(_("This is not the Excel data sheet of a dossier (.xlsx)."), field="file") from None
    try:
        if SHEET not in book.sheetnames or META not in book.sheetnames:
            raise ValidationFailed(_("This is not the Excel data sheet of a dossier (.xlsx)."), field="file")
        meta = {row[0]: row[1] for row in book[META].iter_rows(min_row=1, max_row=2, max_col=2, values_only=True)}
        if meta.get("dossier") != dossier.id:
            raise ValidationFailed(_("This sheet belongs to dossier no. %(other)s, not to this one (no. %(id)d): "
                                     "nothing was saved.", other=meta.get("dossier"), id=dossier.id), field="file")
        if meta.get("criteria_set") != f"{dossier.criteria_set}@{dossier.criteria_set_version}":
            raise ValidationFailed(_("This sheet was made for another criteria set: nothing was saved."), field="file")
        cset = criteria_set_of(dossier)
        values, cells, problems = {}, {}, {}
        for number, row in enumerate(book[SHEET].iter_rows(min_row=FIRST_ROW, max_col=5, values_only=True),
                                     start=FIRST_ROW):
            name, value = (row[0] if row else None), (row[4] if len(row) > 4 else None)
            if name is None and value is None:
                continue
            spec = cset.inputs.get(name) if isinstance(name, str) else None
            if spec is None:
                problems[f"{NAME}{number}"] = _("this row names no field of the criteria set; do not change column A")
                continue
            values[spec.name], cells[spec.name] = _raw(spec, value), f"{VALUE}{number}"
    finally:
        book.close()
    if problems:
        raise ValidationFailed(_("The sheet has %(n)d cell(s) to fix: nothing was saved.", n=len(problems)),
                               fields=problems)
    return values, cells


def import_sheet(actor: User, dossier: Dossier, stream: BinaryIO | None) -> int:
    """Save the figures of a filled-in sheet, all or none; return how many changed."""
    ops.check_editable(actor, dossier)  # before reading anything
    if stream is None:
        raise ValidationFailed(_("Choose the filled-in Excel file."), field="file")
    values, cells = read(dossier, ops.read_upload(stream))
    before = dict(dossier.values or {})
    try:
        ops.update_data(actor, dossier, values)
    except ValidationFailed as refused:
        by_cell = {cells.get(name, name): message for name, message in refused.fields.items()}
        raise ValidationFailed(_("The sheet has %(n)d cell(s) to fix: nothing was saved.", n=len(by_cell)),
                               fields=by_cell) from None
    after = dossier.values or {}
    return sum(1 for name in set(before) | set(after) if before.get(name) != after.get(name))
