import io

from flask import abort, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

import criteria

from .. import access
from ..dossiers import queries
from ..errors import Conflict, NotFound
from ..models import Dossier, User
from ..web import MAX_ID, requires
from . import bp, records, render, sheet
from .records import KINDS

CONTENT_TYPES = {"pdf": "application/pdf",
                 "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


def _dossier(dossier_id: int) -> Dossier:
    try:
        return queries.get_dossier(current_user, dossier_id)
    except NotFound:
        abort(404)


def record_of(dossier: Dossier, kind: str, fmt: str = "pdf") -> records.Record:
    """The current record of this kind, with the address that checks it; refused when its step has
    not happened, or a later step changed what it would show."""
    record = records.build(kind, dossier) if kind in KINDS else None
    if record is None or (fmt == "docx" and not record.kind.editable):
        raise NotFound(_("This dossier has no such record yet: the step that files it has not happened."))
    if not record.current:
        raise Conflict(_("This record was overtaken by a later step of the dossier: print the current one."))
    record.document.check_url = url_for("documents.check", k=kind, d=dossier.id, s=record.anchor.seq,
                                        f=record.fingerprint(), _external=True)
    return record


def send(document, fmt: str, name: str):
    data = render.pdf(document) if fmt == "pdf" else render.docx(document)
    return send_file(io.BytesIO(data), mimetype=CONTENT_TYPES[fmt], as_attachment=True, download_name=f"{name}.{fmt}")


@bp.route("/dossiers/<int:dossier_id>/records/<kind>.<any(pdf, docx):fmt>")
@login_required
def dossier_record(dossier_id: int, kind: str, fmt: str):
    dossier = _dossier(dossier_id)
    document = record_of(dossier, kind, fmt).document
    access.record(current_user, "record", dossier_id=dossier.id)
    return send(document, fmt, f"ho-so-{dossier.id}-{kind}")


def _number(raw: str | None) -> int:
    if not raw or not raw.isdigit() or len(raw) > 10 or not 0 < int(raw) <= MAX_ID:
        abort(404)
    return int(raw)


def batch_of(province, set_code: str, year: int) -> records.Record:
    record = records.build_batch(province, set_code, year) if set_code in _set_codes() else None
    if record is None:
        raise NotFound(_("No unit of the province has been verified for this set and year yet."))
    record.document.check_url = url_for("documents.check", k=records.BATCH.code, set=set_code, y=year,
                                        s=record.anchor.seq, f=record.fingerprint(), _external=True)
    return record


def _set_codes() -> set[str]:
    return {s.code for s in criteria.default_registry().latest()}


@bp.route("/reports/verified.<any(pdf, docx):fmt>")
@requires(User.can_read_province)
def batch_record(fmt: str):
    """PV05's letter to the NTM coordination office: every unit verified for a set and year."""
    set_code, year = request.args.get("set", ""), _number(request.args.get("year"))
    record = batch_of(current_user.unit.province, set_code, year)
    return send(record.document, fmt, f"xac-nhan-{set_code}-{year}")


@bp.route("/records/check")
@login_required
def check():
    """What a printed record's QR code opens: does the paper still match the trail?"""
    seq, kind = _number(request.args.get("s")), request.args.get("k", "")
    if kind == records.BATCH.code:
        if not current_user.can_read_province():
            abort(404)
        result = records.check_batch(current_user.unit.province, request.args.get("set", ""),
                                     _number(request.args.get("y")), seq, request.args.get("f", ""))
        dossier, since = None, result.later
    else:
        dossier = _dossier(_number(request.args.get("d")))
        result = records.check(kind, dossier, seq, request.args.get("f", ""))
        since = records.moves_since(dossier, seq) if result.record else []
    return render_template("documents/check.html", result=result, dossier=dossier, since=since,
                           kind=result.record.kind if result.record else None), (404 if result.status == "unknown" else 200)


@bp.route("/dossiers/<int:dossier_id>/sheet.xlsx")
@login_required
def data_sheet(dossier_id: int):
    """The data sheet to fill in offline (or to read, for those who may not change it)."""
    dossier = _dossier(dossier_id)
    access.record(current_user, "sheet", dossier_id=dossier.id)
    return send_file(io.BytesIO(sheet.write(dossier)), mimetype=sheet.XLSX, as_attachment=True,
                     download_name=f"so-lieu-ho-so-{dossier.id}.xlsx")
