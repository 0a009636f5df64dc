import io

from flask import abort, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..dossiers import queries
from ..errors import Conflict, NotFound
from ..models import Dossier
from ..web import MAX_ID
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
    return send(record_of(dossier, kind, fmt).document, fmt, f"ho-so-{dossier.id}-{kind}")


def _number(raw: str | None) -> int:
    if not raw or not raw.isdigit() or len(raw) > 10 or not 0 < int(raw) <= MAX_ID:
        abort(404)
    return int(raw)


@bp.route("/records/check")
@login_required
def check():
    """What a printed record's QR code opens: does the paper still match the trail?"""
    dossier = _dossier(_number(request.args.get("d")))
    seq = _number(request.args.get("s"))
    kind = request.args.get("k", "")
    result = records.check(kind, dossier, seq, request.args.get("f", ""))
    since = records.moves_since(dossier, seq) if result.record else []
    return render_template("documents/check.html", result=result, dossier=dossier, since=since,
                           kind=KINDS.get(kind)), (404 if result.status == "unknown" else 200)


@bp.route("/dossiers/<int:dossier_id>/sheet.xlsx")
@login_required
def data_sheet(dossier_id: int):
    """The data sheet to fill in offline (or to read, for those who may not change it)."""
    dossier = _dossier(dossier_id)
    return send_file(io.BytesIO(sheet.write(dossier)), mimetype=sheet.XLSX, as_attachment=True,
                     download_name=f"so-lieu-ho-so-{dossier.id}.xlsx")
