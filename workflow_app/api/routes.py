"""Endpoints of /api/v1. Each calls the same operations as the web UI, under the same rules."""
from __future__ import annotations

import io

from flask import g, jsonify, request, send_file
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import aliased, contains_eager, joinedload

import criteria

from .. import access
from ..audit import trail
from ..audit.queries import AuditFilter, audit_page
from ..documents import routes as documents
from ..documents import sheet as data_sheet
from ..dossiers import evidence as storage
from ..dossiers import operations as ops
from ..dossiers import queries
from ..errors import BadRequest, NotFound, PermissionDenied, Unauthorized
from ..extensions import csrf, db
from ..formatting import official_text, plain_text
from ..i18n import language, tr
from ..models import Dossier, Unit
from ..transaction import unit_of_work
from ..units.operations import among, get_unit, lineage_of, scope_of, units_within
from ..units.reform import MAPS
from ..web import Fetched
from . import bp
from . import tokens as token_ops
from .schemas import BODIES, COMPONENTS, EVIDENCE_UPLOAD, STATES, TRIGGERS, obj, ref
from .spec import declare, openapi

csrf.exempt(bp)


def authenticate():
    header = request.headers.get("Authorization", "")
    scheme, _sep, token = header.partition(" ")
    found = token_ops.user_for(token.strip()) if scheme.lower() == "bearer" and token.strip() else None
    if found is None:
        raise Unauthorized(_("A valid token is required: Authorization: Bearer <token>."))
    g.api_token = found[1]
    return found[0]


endpoint = declare(bp, COMPONENTS, authenticate)


def iso(value):
    return value.isoformat() if value is not None else None


# --- tokens and the caller ----------------------------------------------------------------------


@endpoint("/tokens", "POST", "Get a token for a username and password", auth=False, body=BODIES["token"],
          success=201, response=ref("Token"), errors=(400, 401, 403, 422, 429), tag="auth")
def create_token(body):
    with unit_of_work():
        token, row = token_ops.issue_token(body.get("username", ""), body.get("password", ""), request.remote_addr or "")
    return jsonify({"token": token, "expires_at": iso(row.expires_at)}), 201


@endpoint("/tokens/current", "DELETE", "Revoke the token in use", success=204, errors=(), tag="auth")
def revoke_token():
    with unit_of_work():
        token_ops.revoke(g.api_token)
    return "", 204


@endpoint("/me", "GET", "Who the token belongs to", response=ref("Me"), errors=(), tag="auth")
def me():
    user = g.api_user
    return jsonify({"username": user.username, "full_name": user.full_name, "role": user.role, "unit_code": user.unit.code})


# --- reference data ---------------------------------------------------------------------------


@endpoint("/units", "GET", "Units: within the caller's scope, or one map's units as reference data",
          query={"map": {"type": "string", "enum": ["legacy", "2025"],
                         "description": "Any unit of this map (reference data for every signed-in user); "
                                        "without it, the units within the caller's scope."},
                 "level": {"type": "string", "enum": ["province", "district", "commune"]},
                 "parent": {"type": "string", "maxLength": 8}},
          response={"type": "array", "items": ref("Unit")}, errors=(400,), tag="reference")
def list_units(query):
    if "map" in query:
        statement = select(Unit).options(joinedload(Unit.parent)).where(Unit.map == query["map"])
        if "level" in query:
            statement = statement.where(Unit.level == query["level"])
        if "parent" in query:
            parent = aliased(Unit)
            statement = statement.join(parent, Unit.parent_id == parent.id).where(
                parent.map == query["map"], parent.code == query["parent"])
        units = list(db.session.execute(statement.order_by(Unit.code)).scalars())
    else:
        units = units_within(g.api_user.unit)
        if "level" in query:
            units = [u for u in units if u.level == query["level"]]
        if "parent" in query:
            units = [u for u in units if u.parent is not None and u.parent.code == query["parent"]]
    before, after = lineage_of(units)
    return jsonify([_unit_json(u, before[u.id], after[u.id]) for u in units])


@endpoint("/units/<map_name>/<code>", "GET", "One unit of a map, with the units it was formed from and what it became",
          response=ref("Unit"), errors=(404,), tag="reference")
def get_unit_entry(map_name: str, code: str):
    unit = get_unit(code, map_name if map_name in MAPS else "-")
    before, after = lineage_of([unit])
    return jsonify(_unit_json(unit, before[unit.id], after[unit.id]))


def _unit_json(u: Unit, before, after) -> dict:
    def link(ln) -> dict:
        return {"map": ln.unit.map, "code": ln.unit.code, "name": ln.unit.name, "level": ln.unit.level,
                "whole": ln.whole}

    return {"map": u.map, "code": u.code, "name": u.name, "type": u.type, "level": u.level,
            "parent_code": u.parent.code if u.parent else None,
            "valid_from": u.valid_from.isoformat() if u.valid_from else None,
            "valid_to": u.valid_to.isoformat() if u.valid_to else None,
            "predecessors": [link(ln) for ln in before], "successors": [link(ln) for ln in after]}


@endpoint("/criteria-sets", "GET", "The criteria sets in force (newest version of each)",
          response={"type": "array", "items": ref("CriteriaSetSummary")}, errors=(), tag="reference")
def list_criteria_sets():
    return jsonify([{"code": s.code, "name": tr(s.name), "level": s.level, "version": s.version,
                     "criteria_count": len(s.criteria)} for s in criteria.default_registry().latest()])


@endpoint("/criteria-sets/<code>", "GET", "One criteria set: criteria, requirements, data sheet",
          response=ref("CriteriaSet"), errors=(404,), tag="reference")
def get_criteria_set(code):
    try:
        cset = criteria.default_registry().get(code)
    except criteria.UnknownCriteriaSet:
        raise NotFound(_("No criteria set %(code)s.", code=code)) from None
    return jsonify({
        "code": cset.code, "name": tr(cset.name), "version": cset.version, "level": cset.level, "source": cset.source,
        "groups": [{"code": grp.code, "title": tr(grp.title)} for grp in cset.groups],
        "criteria": [{"code": c.code, "group": c.group, "text": plain_text(c.text), "text_html": str(official_text(c.text)),
                      "requirements": [r.to_dict() for r in c.requirements]}
                     for c in cset.criteria],
        "inputs": [{"name": i.name, "type": i.type, "label": tr(i.label),
                    **({"help": tr(i.help)} if i.help else {}), **({"levels": list(i.scale.levels)} if i.scale else {})}
                   for i in cset.inputs.values()],
    })


# --- dossiers --------------------------------------------------------------------------------


def dossier_json(dossier: Dossier, children: queries.Children | None = None, evaluation=None) -> dict:
    """A dossier as the API gives it; `children` when the caller read them (queries.children_of(),
    as a list does for its page; a move, as it left them), otherwise read here, as they stand in
    the database; `evaluation` when the caller has it (a move), otherwise evaluated here."""
    if children is None:
        children = queries.children_of([dossier.id])[dossier.id]
    if evaluation is None:
        evaluation = queries.evaluate_dossier(dossier, children)
    cset = queries.criteria_set_of(dossier)
    attestations = {a.criterion: a for a in children.attestations}
    verdicts: dict[str, list] = {}
    for v in children.verdicts:
        verdicts.setdefault(v.criterion, []).append({"level": v.level, "agree": v.agree, "comment": v.comment})
    lang = language()
    return {
        "id": dossier.id, "unit_code": dossier.unit.code, "unit_name": dossier.unit.name,
        "criteria_set": dossier.criteria_set, "criteria_set_version": dossier.criteria_set_version,
        "year": dossier.year, "state": dossier.state, "version": dossier.version, "values": dossier.values or {},
        "decision": {"number": dossier.decision_number, "date": iso(dossier.decision_date),
                     "authority": dossier.decision_authority, "revocation_number": dossier.revocation_number},
        "criteria": [{
            "code": c.code, "group": c.group, "status": evaluation.results[c.code].status,
            "reason": evaluation.results[c.code].reason.get(lang),
            "attestation": ({"met": attestations[c.code].met, "note": attestations[c.code].note}
                            if c.code in attestations else None),
            "verdicts": verdicts.get(c.code, []),
        } for c in cset.criteria],
        "evidence": [evidence_json(e) for e in children.evidence],
        "transitions": [{"trigger": t["spec"].trigger, "allowed": t["allowed"],
                         "blockers": [b.to_dict(lang) for b in t["blockers"]]}
                        for t in queries.transitions_for(g.api_user, dossier, evaluation, children.verdicts)],
        "history": [{"seq": m.seq, "at": iso(m.at), "actor": m.actor, "action": m.action, "from_state": m.from_state,
                     "to_state": m.to_state, "comment": m.comment} for m in children.history],
    }


def evidence_json(e) -> dict:
    return {"id": e.id, "filename": e.filename, "size": e.size, "sha256": e.sha256, "document_type": e.document_type,
            "issued_on": iso(e.issued_on), "criterion": e.criterion}


def _dossier(dossier_id: int) -> Dossier:
    return queries.get_dossier(g.api_user, dossier_id)


@endpoint("/dossiers", "POST", "Open a dossier for the caller's unit", body=BODIES["open"], success=201,
          response=ref("Dossier"))
def open_dossier(body):
    with unit_of_work():
        dossier = ops.open_dossier(g.api_user, criteria_set=body["criteria_set"], year=body["year"],
                                   unit_code=body.get("unit_code"))
    return jsonify(dossier_json(dossier)), 201


@endpoint("/dossiers", "GET", "Dossiers the caller may see",
          query={"state": {"type": "string", "enum": STATES}, "unit_code": {"type": "string", "maxLength": 8},
                 "criteria_set": {"type": "string", "maxLength": 40},
                 "year": {"type": "integer", "minimum": 2000, "maximum": 2100},
                 "page": {"type": "integer", "minimum": 1, "maximum": 100000},
                 "per_page": {"type": "integer", "minimum": 1, "maximum": 100}},
          response=ref("DossierPage"), errors=(400,))
def list_dossiers(query):
    stmt = (select(Dossier).join(Unit, Dossier.unit_id == Unit.id)
            .options(contains_eager(Dossier.unit))  # each dossier's unit with the rows, not a statement more
            .where(among(Dossier.unit_id, scope_of(g.api_user))))
    if "state" in query:
        stmt = stmt.where(Dossier.state == query["state"])
    if "unit_code" in query:
        stmt = stmt.where(Unit.code == query["unit_code"])
    if "criteria_set" in query:
        stmt = stmt.where(Dossier.criteria_set == query["criteria_set"])
    if "year" in query:
        stmt = stmt.where(Dossier.year == query["year"])
    page = db.paginate(stmt.order_by(Dossier.id), page=query.get("page", 1), per_page=query.get("per_page", 20),
                       error_out=False)
    children = queries.children_of([d.id for d in page.items])  # one statement for the page, not one per dossier
    return jsonify({"items": [dossier_json(d, children[d.id]) for d in page.items], "total": page.total,
                    "page": page.page, "per_page": page.per_page})


@endpoint("/dossiers/<int:dossier_id>", "GET", "One dossier, with every criterion's result and the possible moves",
          response=ref("Dossier"), errors=(404,))
def get_dossier(dossier_id):
    dossier = _dossier(dossier_id)
    access.record(g.api_user, "view", dossier_id=dossier.id, channel="api")
    return jsonify(dossier_json(dossier))


@endpoint("/dossiers/<int:dossier_id>/data", "PATCH", "Change values of the data sheet", body=BODIES["data"],
          response=ref("Dossier"))
def patch_data(dossier_id, body):
    dossier = _dossier(dossier_id)
    with unit_of_work():
        ops.update_data(g.api_user, dossier, body["values"], version=body.get("version"))
    return jsonify(dossier_json(dossier))


@endpoint("/dossiers/<int:dossier_id>/criteria/<code>/attestation", "PUT", "Attest a criterion met or not",
          body=BODIES["attestation"], response=ref("Dossier"))
def put_attestation(dossier_id, code, body):
    dossier = _dossier(dossier_id)
    with unit_of_work():
        ops.set_attestation(g.api_user, dossier, code, met=body["met"], note=body.get("note", ""),
                            version=body.get("version"))
    return jsonify(dossier_json(dossier))


@endpoint("/dossiers/<int:dossier_id>/criteria/<code>/verdict", "PUT", "Record the reviewer's verdict on a criterion",
          body=BODIES["verdict"], response=ref("Dossier"))
def put_verdict(dossier_id, code, body):
    dossier = _dossier(dossier_id)
    with unit_of_work():
        ops.record_verdict(g.api_user, dossier, code, agree=body["agree"], comment=body.get("comment", ""),
                           version=body.get("version"))
    return jsonify(dossier_json(dossier))


@endpoint("/dossiers/<int:dossier_id>/evidence", "POST", "Attach an evidence file (multipart)",
          multipart=EVIDENCE_UPLOAD, success=201, response=ref("Evidence"), errors=(400, 401, 403, 404, 409, 413, 422))
def post_evidence(dossier_id):
    dossier = _dossier(dossier_id)
    upload = request.files.get("file")
    with unit_of_work():
        row = ops.add_evidence(
            g.api_user, dossier, upload.stream if upload else None, upload.filename if upload else "",
            document_type=request.form.get("document_type"), issued_on=request.form.get("issued_on"),
            criterion=request.form.get("criterion") or None, version=request.form.get("version"),
        )
    return jsonify(evidence_json(row)), 201


@endpoint("/dossiers/<int:dossier_id>/evidence/<int:evidence_id>", "GET", "Download an evidence file",
          file_response=True, errors=(404,))
def get_evidence(dossier_id, evidence_id):
    row = queries.get_evidence(g.api_user, _dossier(dossier_id), evidence_id)
    access.record(g.api_user, "download", dossier_id=row.dossier_id, evidence_id=row.id, channel="api")
    return storage.download(row)


@endpoint("/dossiers/<int:dossier_id>/evidence/<int:evidence_id>", "PATCH",
          "Correct an evidence file's document type or issue date (null clears the date)",
          body=BODIES["evidence"], response=ref("Evidence"))
def patch_evidence(dossier_id, evidence_id, body):
    dossier = _dossier(dossier_id)
    row = queries.get_evidence(g.api_user, dossier, evidence_id)
    with unit_of_work():
        ops.update_evidence(g.api_user, dossier, row, document_type=body.get("document_type"),
                            issued_on=body.get("issued_on", row.issued_on), version=body.get("version"))
    return jsonify(evidence_json(row))


@endpoint("/dossiers/<int:dossier_id>/evidence/<int:evidence_id>", "DELETE", "Remove an evidence file",
          success=204, errors=(400, 403, 404, 409, 422))
def delete_evidence(dossier_id, evidence_id):
    dossier = _dossier(dossier_id)
    row = queries.get_evidence(g.api_user, dossier, evidence_id)
    with unit_of_work():
        ops.remove_evidence(g.api_user, dossier, row, version=request.args.get("version"))
    return "", 204


@endpoint("/dossiers/<int:dossier_id>/records/<kind>", "GET",
          "A record the dossier has filed (tu-danh-gia, tham-dinh, xac-minh, cong-nhan), as PDF or .docx",
          query={"format": {"type": "string", "enum": ["pdf", "docx"]}}, file_response=True, errors=(400, 404, 409))
def get_record(dossier_id, kind, query):
    dossier = _dossier(dossier_id)
    fmt = query.get("format", "pdf")
    document = documents.record_of(dossier, kind, fmt).document
    access.record(g.api_user, "record", dossier_id=dossier.id, channel="api")
    return documents.send(document, fmt, f"ho-so-{dossier.id}-{kind}")


@endpoint("/dossiers/<int:dossier_id>/sheet", "GET", "The data sheet as Excel (.xlsx), to fill in offline",
          file_response=True, errors=(404,))
def get_sheet(dossier_id):
    dossier = _dossier(dossier_id)
    access.record(g.api_user, "sheet", dossier_id=dossier.id, channel="api")
    return send_file(io.BytesIO(data_sheet.write(dossier)), mimetype=data_sheet.XLSX, as_attachment=True,
                     download_name=f"so-lieu-ho-so-{dossier.id}.xlsx")


@endpoint("/dossiers/<int:dossier_id>/sheet", "PUT",
          "Save the figures of a filled-in data sheet: all or none; errors are named by cell (E12)",
          multipart=obj({"file": {"type": "string", "format": "binary"}}, required=["file"]),
          response=ref("Dossier"), errors=(400, 403, 404, 409, 413, 422))
def put_sheet(dossier_id):
    dossier = _dossier(dossier_id)
    upload = request.files.get("file")
    with unit_of_work():
        data_sheet.import_sheet(g.api_user, dossier, upload.stream if upload else None)
    return jsonify(dossier_json(dossier))


@endpoint("/dossiers/<int:dossier_id>/transitions/<trigger>", "POST",
          "Move the dossier (submit, approve, verify, recognize, return, withdraw, revoke)",
          body=BODIES["transition"], response=ref("Dossier"))
def post_transition(dossier_id, trigger, body):
    dossier = _dossier(dossier_id)
    if trigger not in TRIGGERS:
        raise NotFound(_("There is no action %(trigger)s.", trigger=trigger), field="trigger")
    with unit_of_work(keep_loaded=True):  # the answer is the dossier as moved: not read again
        moved = ops.fire_transition(g.api_user, dossier, trigger, version=body.get("version"),
                                    comment=body.get("comment", ""), decision_number=body.get("decision_number", ""),
                                    decision_date=body.get("decision_date"), authority=body.get("authority", ""))
    return jsonify(dossier_json(dossier, moved.children, moved.evaluation))


@endpoint("/reports/verified", "GET",
          "PV05's letter for a year: every unit of the province verified for a set (PDF or .docx)",
          query={"set": {"type": "string", "maxLength": 40}, "year": {"type": "integer", "minimum": 2000, "maximum": 2100},
                 "format": {"type": "string", "enum": ["pdf", "docx"]}},
          file_response=True, errors=(400, 403, 404), tag="reports")
def get_verified_letter(query):
    if not g.api_user.can_read_province():
        raise PermissionDenied(_("Only inspectors, PV05 and administrators read the province's reports."))
    if "year" not in query or "set" not in query:
        raise BadRequest(_("Give the set and the year."), field="year" if "year" not in query else "set")
    fmt = query.get("format", "pdf")
    record = documents.batch_of(g.api_user.unit.province, query["set"], query["year"])
    return documents.send(record.document, fmt, f"xac-nhan-{query['set']}-{query['year']}")


# --- the audit trail -------------------------------------------------------------------------


def _audit_reader():
    if not g.api_user.can_read_province():
        raise PermissionDenied(_("Only inspectors, PV05 and administrators read the audit trail."))


@endpoint("/audit", "GET", "The audit trail within the caller's scope, newest first",
          query={"dossier_id": {"type": "integer", "minimum": 1}, "unit_code": {"type": "string", "maxLength": 8},
                 "actor": {"type": "string", "maxLength": 64}, "action": {"type": "string", "maxLength": 40},
                 "since": {"type": "string", "format": "date"}, "until": {"type": "string", "format": "date"},
                 "page": {"type": "integer", "minimum": 1, "maximum": 100000},
                 "per_page": {"type": "integer", "minimum": 1, "maximum": 500}},
          response=ref("AuditPage"), errors=(400, 403), tag="audit")
def list_audit(query):
    _audit_reader()
    f = AuditFilter(unit=query.get("unit_code", ""), dossier_id=query.get("dossier_id"), actor=query.get("actor", ""),
                    action=query.get("action", ""), since=query.get("since"), until=query.get("until"))
    page = Fetched(page=query.get("page", 1), per_page=query.get("per_page", 50), max_per_page=None, error_out=False,
                   fetch=lambda number, size: audit_page(g.api_user, f, number, size))
    return jsonify({"items": [{
        "seq": e.seq, "at": trail._timestamp(e.at), "actor": e.actor, "role": e.role, "dossier_id": e.dossier_id,
        "unit_code": e.unit_code, "action": e.action, "from_state": e.from_state, "to_state": e.to_state,
        "comment": e.comment, "snapshot": (e.details or {}).get("snapshot"), "hash": e.seal, "prev_hash": e.prev_seal,
    } for e in page.items], "total": page.total, "page": page.page, "per_page": page.per_page})


@endpoint("/audit/verify", "GET", "Walk the whole chain; name the first entry that fails", response=ref("AuditVerify"),
          errors=(403,), tag="audit")
def verify_audit():
    _audit_reader()
    result = trail.verify()
    return jsonify({"ok": result.ok, "entries": result.entries, "first_bad_seq": result.first_bad_seq})


@bp.route("/openapi.json")
def openapi_document():
    return jsonify(openapi(COMPONENTS, bp.url_prefix, storage.CONTENT_TYPES))

