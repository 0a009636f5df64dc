"""The records each step of the process files, built from the dossier and its audit trail.

Each record reflects one audit entry (its anchor: the submission, the appraisal, the verification,
the recognition). Its fingerprint seals what it prints together with that entry's seal; the check
page rebuilds the record from the trail and compares, so a paper that was altered, or that later
steps have overtaken, says so. The documents are Vietnamese administrative papers: their fixed
words are Vietnamese whatever the reader's language.
"""
from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import asdict, dataclass
from datetime import date

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

import criteria

from ..audit import trail
from ..audit.labels import action_label, actor_names
from ..clock import VIETNAM
from ..dossiers.presenters import CHANGE_ACTIONS, criteria_views
from ..dossiers.queries import criteria_set_of, evaluate_dossier
from ..extensions import db
from ..formatting import input_value, plain_text, role_label
from ..models import AuditEntry, Dossier, Unit
from ..roles import Level
from ..units.operations import units_within
from .model import Document, Heading, Paragraph, Signer, Table, place_name

NTM_OFFICE = "Văn phòng Điều phối nông thôn mới tỉnh {province}"
STATUS_VI = {"met": "Đạt", "not_met": "Chưa đạt", "incomplete": "Chưa đủ dữ liệu"}


@dataclass(frozen=True)
class RecordKind:
    code: str  # in URLs and file names
    label: object  # for the page's buttons
    anchors: tuple[str, ...]  # the trail actions whose latest entry the record reflects
    superseded_by: tuple[str, ...]  # later actions that change what it shows
    reviewer: str | None = None  # only on routes where this level reviews (the district's appraisal)
    editable: bool = True  # also offered as .docx, for an office to edit before signing
    verdicts: str | None = None  # the level whose verdicts it shows: only those verdicts supersede it

    def on_route(self, dossier: Dossier) -> bool:
        return self.reviewer is None or self.reviewer in dossier.workflow.reviewers


KINDS = {k.code: k for k in (
    RecordKind("tu-danh-gia", _l("Self-assessment report"), ("submit",), CHANGE_ACTIONS),
    RecordKind("tham-dinh", _l("Appraisal record (district police)"), ("approve", "return_to_commune"),
               ("verdict_recorded", "return_to_district", *CHANGE_ACTIONS), reviewer="district",
               verdicts="district"),
    RecordKind("xac-minh", _l("Verification result (PV05)"), ("verify",),
               ("verdict_recorded", "return_to_district", "revoke"), verdicts="pv05"),
    RecordKind("cong-nhan", _l("Recognition summary"), ("recognize",), ("revoke",), editable=False),
)}


def _day(entry: AuditEntry) -> date:
    return entry.at.astimezone(VIETNAM).date()


@dataclass
class Record:
    """A record of one dossier (or of a batch), anchored at one audit entry."""

    kind: RecordKind
    dossier: Dossier | None
    anchor: AuditEntry
    document: Document
    later: list[AuditEntry]  # entries after the anchor that change what the record shows

    @property
    def current(self) -> bool:
        return not self.later

    def fingerprint(self) -> str:
        """HMAC of what the record prints and the seal of the entry it reflects."""
        content = {"kind": self.kind.code, "dossier": self.dossier.id if self.dossier else None,
                   "seq": self.anchor.seq, "seal": self.anchor.seal,
                   "body": [asdict(block) for block in self.document.body],
                   "signers": [asdict(s) for s in self.document.signers],
                   "summary": self.document.summary, "issuer": self.document.issuer}
        message = json.dumps(content, sort_keys=True, ensure_ascii=False, default=str).encode("utf-8")
        return hmac.new(current_app.config["AUDIT_KEY"].encode("utf-8"), b"record:" + message,
                        hashlib.sha256).hexdigest()[:32]


# --- one dossier's records --------------------------------------------------------------------


def _history(dossier: Dossier) -> list[AuditEntry]:
    return db.session.scalars(select(AuditEntry).where(AuditEntry.dossier_id == dossier.id)
                              .order_by(AuditEntry.seq)).all()


def available(dossier: Dossier, history: list[AuditEntry] | None = None) -> list[RecordKind]:
    """The records of the dossier that are current: their step happened and nothing since changed
    them. `history`: the dossier's entries in order, when the caller has them already."""
    history = _history(dossier) if history is None else history
    found = {kind.code: _anchor_and_later(kind, history) for kind in KINDS.values()
             if kind.on_route(dossier)}
    return [KINDS[code] for code, (anchor, later) in found.items() if anchor is not None and not later]


def _anchor_and_later(kind: RecordKind, history: list[AuditEntry], seq: int | None = None):
    anchors = [e for e in history if e.action in kind.anchors and (seq is None or e.seq == seq)]
    if not anchors:
        return None, []
    anchor = anchors[-1]
    later = [e for e in history if e.seq > anchor.seq and (e.action in kind.superseded_by or e.action in kind.anchors)]
    if kind.verdicts:
        later = [e for e in later if e.action != "verdict_recorded" or (e.details or {}).get("level") == kind.verdicts]
    return anchor, later


def build(kind_code: str, dossier: Dossier, seq: int | None = None) -> Record | None:
    """The record of this kind, at the given anchor entry (default: the latest); None if the step
    has not happened."""
    kind = KINDS[kind_code]
    if not kind.on_route(dossier):
        return None
    history = _history(dossier)
    anchor, later = _anchor_and_later(kind, history, seq)
    if anchor is None:
        return None
    with force_locale("vi"):
        document = BUILDERS[kind.code](dossier, anchor, [e for e in history if e.seq <= anchor.seq])
    document.seal = anchor.seal
    return Record(kind, dossier, anchor, document, later)


def _moves_table(dossier: Dossier, history: list[AuditEntry]) -> Table:
    """Who moved the dossier, when: the names and dates of every level that acted."""
    names = actor_names(history)
    rows = [[action_label(e.action, "vi"), role_label(e.role), names.get(e.actor_id, e.actor),
             e.at.astimezone(VIETNAM).strftime("%H:%M %d/%m/%Y"), str(e.seq)]
            for e in history if e.from_state is not None]
    return Table(["Bước", "Cấp thực hiện", "Người thực hiện", "Thời gian", "Nhật ký số"], rows, [22, 20, 26, 18, 12])


def _header(dossier: Dossier, level: str) -> tuple[str, str, str]:
    """(superior body, issuing body, place) for the level that issues the record."""
    unit = dossier.unit
    province = unit.province
    if level == "commune":
        superior = unit.parent.name if unit.parent else province.name
        return f"Công an {superior}".upper(), f"Công an {unit.name}".upper(), place_name(unit.name)
    if level == "district":
        district = unit if unit.level == Level.district.value else unit.parent
        return f"Công an {province.name}".upper(), f"Công an {district.name}".upper(), place_name(district.name)
    return f"Công an {province.name}".upper(), "PHÒNG PV05", place_name(province.name)


def _signer(title: str, entry: AuditEntry, names: dict[int, str], what: str) -> Signer:
    return Signer(title, names.get(entry.actor_id, entry.actor),
                  f"{what} {entry.at.astimezone(VIETNAM).strftime('%d/%m/%Y')} (nhật ký số {entry.seq})")


def _set_words(dossier: Dossier) -> str:
    cset = criteria_set_of(dossier)
    return f"{cset.name.vi} (phiên bản {dossier.criteria_set_version})"


def _self_assessment(dossier: Dossier, anchor: AuditEntry, history: list[AuditEntry]) -> Document:
    cset = criteria_set_of(dossier)
    level = dossier.level
    superior, issuer, place = _header(dossier, level)
    snapshot = {row["criterion"]: row for row in (anchor.details or {}).get("snapshot", [])}
    rows = []
    for _group, views in criteria_views(dossier, evaluate_dossier(dossier)):
        for v in views:
            figures = [f"{spec.label.vi}: {input_value(spec, dossier.values.get(spec.name))}"
                       for spec in v.inputs + [s for s, _first in v.shared]]
            if v.attestation is not None:
                figures.append(f"Cán bộ xác nhận: {'Đạt' if v.attestation.met else 'Chưa đạt'}"
                               + (f" — {v.attestation.note}" if v.attestation.note else ""))
            result = snapshot.get(v.code, {})
            rows.append([v.code, plain_text(v.criterion.text), "\n".join(figures),
                         f"{STATUS_VI.get(result.get('status'), '')}\n{result.get('reason', '')}".strip()])
    met = sum(1 for r in snapshot.values() if r.get("status") == "met")
    evidence = [[str(i), e.filename, cset.document_types[e.document_type].label.vi
                 if e.document_type in cset.document_types else e.document_type,
                 e.issued_on.strftime("%d/%m/%Y") if e.issued_on else "—", e.sha256[:12]]
                for i, e in enumerate(sorted(dossier.evidence, key=lambda e: e.id), start=1)]
    receiver = ("Công an " + dossier.unit.parent.name) if dossier.workflow.reviewers[0] == "district" else "Phòng PV05"
    names = actor_names([anchor])
    return Document(
        superior=superior, issuer=issuer, symbol="BC-CAX" if level == "commune" else "BC-CAH", place=place,
        day=_day(anchor), kind="BÁO CÁO",
        summary=f"Kết quả tự đánh giá thực hiện tiêu chí về an ninh, trật tự: {cset.name.vi}, năm {dossier.year}",
        body=[
            Paragraph(f"Căn cứ {cset.source.get('document', '')};"),
            Paragraph(f"Công an {dossier.unit.name} báo cáo kết quả tự đánh giá thực hiện {_set_words(dossier)} "
                      f"năm {dossier.year} (hồ sơ số {dossier.id}) như sau:"),
            Heading("I. Kết quả tự đánh giá từng tiêu chí"),
            Table(["Tiêu chí", "Nội dung tiêu chí (nguyên văn)", "Số liệu", "Kết quả"], rows, [8, 42, 24, 26]),
            Heading("II. Tài liệu kèm theo"),
            Table(["STT", "Tên tệp", "Loại tài liệu", "Ngày ban hành", "Mã kiểm tra"], evidence, [7, 37, 26, 13, 17])
            if evidence else Paragraph("Không có tài liệu kèm theo."),
            Heading("III. Kết luận"),
            Paragraph(f"Tự đánh giá: đạt {met}/{len(snapshot)} tiêu chí. Đề nghị {receiver} thẩm định."),
            Heading("Quá trình xử lý (theo nhật ký kiểm tra)"),
            _moves_table(dossier, history),
        ],
        signers=[_signer("TRƯỞNG CÔNG AN XÃ" if level == "commune" else "TRƯỞNG CÔNG AN HUYỆN", anchor, names, "Gửi ngày")],
        recipients=[f"{receiver} (để thẩm định);", f"Lưu: VT, {'CAX' if level == 'commune' else 'CAH'}."],
    )


def _verdict_words(verdict) -> str:
    if verdict is None:
        return "—"
    return ("Đồng ý" if verdict.agree else "Không đồng ý") + (f": {verdict.comment}" if verdict.comment else "")


def _appraisal(dossier: Dossier, anchor: AuditEntry, history: list[AuditEntry]) -> Document:
    superior, issuer, place = _header(dossier, "district")
    submitted = next(e for e in reversed(history) if e.action == "submit")
    snapshot = {row["criterion"]: row for row in (submitted.details or {}).get("snapshot", [])}
    rows = []
    for _group, views in criteria_views(dossier, evaluate_dossier(dossier)):
        for v in views:
            result = snapshot.get(v.code, {})
            rows.append([v.code, plain_text(v.criterion.text), STATUS_VI.get(result.get("status"), ""),
                         _verdict_words(v.verdicts.get("district"))])
    approved = anchor.action == "approve"
    conclusion = ("Kết luận: hồ sơ đạt yêu cầu. Công an huyện thông qua và đề nghị Phòng PV05 Công an tỉnh xác minh."
                  if approved else
                  f"Kết luận: hồ sơ chưa đạt yêu cầu, trả lại Công an xã để bổ sung, hoàn thiện: {anchor.comment}")
    names = actor_names([anchor, submitted])
    return Document(
        superior=superior, issuer=issuer, symbol="BB-CAH", place=place, day=_day(anchor), kind="BIÊN BẢN",
        summary=f"Thẩm định hồ sơ đề nghị công nhận {dossier.unit.name} đạt {criteria_set_of(dossier).name.vi} "
                f"năm {dossier.year}",
        body=[
            Paragraph(f"Ngày {_day(anchor).strftime('%d/%m/%Y')}, {issuer.title()} thẩm định hồ sơ số {dossier.id} "
                      f"của Công an {dossier.unit.name}: {_set_words(dossier)}, năm {dossier.year}."),
            Heading("I. Ý kiến thẩm định từng tiêu chí"),
            Table(["Tiêu chí", "Nội dung tiêu chí (nguyên văn)", "Xã tự đánh giá", "Ý kiến thẩm định"], rows,
                  [9, 51, 14, 26]),
            Heading("II. Kết luận"),
            Paragraph(conclusion, bold=True),
            Heading("Quá trình xử lý (theo nhật ký kiểm tra)"),
            _moves_table(dossier, history),
        ],
        signers=[_signer("ĐẠI DIỆN CÔNG AN XÃ", submitted, names, "Gửi hồ sơ ngày"),
                 _signer("ĐẠI DIỆN CÔNG AN HUYỆN", anchor, names, "Thẩm định ngày")],
        recipients=[f"Công an {dossier.unit.name};", "Phòng PV05 Công an tỉnh;", "Lưu: VT, hồ sơ."],
    )


def _verification(dossier: Dossier, anchor: AuditEntry, history: list[AuditEntry]) -> Document:
    superior, issuer, place = _header(dossier, "pv05")
    province = dossier.unit.province
    snapshot = (anchor.details or {}).get("snapshot", [])
    met = sum(1 for r in snapshot if r.get("status") == "met")
    status = {r["criterion"]: r["status"] for r in snapshot}
    rows = [[v.code, STATUS_VI.get(status.get(v.code), ""), _verdict_words(v.verdicts.get("district")),
             _verdict_words(v.verdicts.get("pv05"))]
            for _group, views in criteria_views(dossier, evaluate_dossier(dossier)) for v in views]
    names = actor_names([anchor])
    office = NTM_OFFICE.format(province=place_name(province.name))
    where = f"{dossier.unit.name} ({dossier.unit.parent.name})" if dossier.unit.parent else dossier.unit.name
    return Document(
        superior=superior, issuer=issuer, symbol="PV05", place=place, day=_day(anchor), kind="",
        summary=f"V/v xác nhận kết quả thực hiện {criteria_set_of(dossier).name.vi} năm {dossier.year} "
                f"của {dossier.unit.name}",
        body=[
            Paragraph(f"Kính gửi: {office}.", bold=True, indent=False),
            Paragraph(f"Phòng PV05 Công an tỉnh xác nhận: {where} đạt {met}/{len(snapshot)} tiêu chí của "
                      f"{_set_words(dossier)}, năm {dossier.year} (hồ sơ số {dossier.id}), cụ thể:"),
            Table(["Tiêu chí", "Kết quả", "Ý kiến Công an huyện", "Ý kiến Phòng PV05"], rows, [12, 16, 36, 36]),
            Heading("Quá trình xử lý (theo nhật ký kiểm tra)"),
            _moves_table(dossier, history),
            Paragraph(f"Phòng PV05 Công an tỉnh trân trọng đề nghị {office} tổng hợp, trình cấp có thẩm quyền "
                      "xem xét, công nhận theo quy định."),
        ],
        signers=[_signer("TRƯỞNG PHÒNG", anchor, names, "Xác minh ngày")],
        recipients=["Như trên;", f"Công an {dossier.unit.parent.name if dossier.unit.parent else dossier.unit.name};",
                    "Lưu: VT, PV05."],
    )


def _recognition(dossier: Dossier, anchor: AuditEntry, history: list[AuditEntry]) -> Document:
    superior, issuer, place = _header(dossier, "pv05")
    decision = (anchor.details or {}).get("decision") or {}
    when = date.fromisoformat(decision["date"]).strftime("%d/%m/%Y") if decision.get("date") else "—"
    names = actor_names([anchor])
    return Document(
        superior=superior, issuer=issuer, symbol="PV05", place=place, day=_day(anchor),
        kind="TÓM TẮT QUYẾT ĐỊNH CÔNG NHẬN",
        summary=f"{dossier.unit.name} đạt {criteria_set_of(dossier).name.vi} năm {dossier.year}",
        body=[
            Paragraph(f"Quyết định số {decision.get('number', '')} ngày {when} của {decision.get('authority', '')}.",
                      bold=True),
            Paragraph(f"Đơn vị được công nhận: {dossier.unit.name}"
                      + (f", {dossier.unit.parent.name}" if dossier.unit.parent else "") + "."),
            Paragraph(f"Bộ tiêu chí: {_set_words(dossier)}; năm xét: {dossier.year}; hồ sơ số {dossier.id}."),
            Paragraph(f"Căn cứ: {criteria_set_of(dossier).source.get('document', '')}."),
            Heading("Quá trình xử lý (theo nhật ký kiểm tra)"),
            _moves_table(dossier, history),
        ],
        signers=[_signer("TRƯỞNG PHÒNG", anchor, names, "Ghi nhận ngày")],
        recipients=[f"Công an {dossier.unit.name};"]
        + ([f"Công an {dossier.unit.parent.name};"] if dossier.unit.parent else []) + ["Lưu: VT, PV05."],
    )


# --- the province's verification results for a year, in one letter ----------------------------

BATCH = RecordKind("xac-minh-tinh", _l("Verification results of the year (all units)"), ("verify",),
                   ("return_to_district", "revoke"))
VERIFIED_STATES = ("pv05_verified", "recognized")


def build_batch(province: Unit, set_code: str, year: int, seq: int | None = None) -> Record | None:
    """PV05's letter to the NTM coordination office listing every unit of the province verified
    for the set and year, as of a verification entry (default: the latest)."""
    cset = criteria.default_registry().get(set_code)
    units = {u.id: u for u in units_within(province)}
    of_the_year = db.session.scalars(select(Dossier).where(
        Dossier.unit_id.in_(list(units)), Dossier.criteria_set == set_code, Dossier.year == year)
        .order_by(Dossier.id)).all()
    dossiers = [d for d in of_the_year if d.state in VERIFIED_STATES]
    if not dossiers:
        return None
    entries = db.session.scalars(select(AuditEntry).where(
        AuditEntry.dossier_id.in_([d.id for d in dossiers]), AuditEntry.action == "verify")
        .order_by(AuditEntry.seq)).all()
    verified = {e.dossier_id: e for e in entries if seq is None or e.seq <= seq}  # each one's latest
    included = [d for d in dossiers if d.id in verified]
    if not included:
        return None
    anchor = max((verified[d.id] for d in included), key=lambda e: e.seq)
    if seq is not None and anchor.seq != seq:
        return None
    later = db.session.scalars(select(AuditEntry).where(  # a unit returned or revoked since leaves the list
        AuditEntry.dossier_id.in_([d.id for d in of_the_year]), AuditEntry.seq > anchor.seq,
        AuditEntry.action.in_(BATCH.superseded_by))).all()
    names = actor_names([anchor])
    with force_locale("vi"):
        office = NTM_OFFICE.format(province=place_name(province.name))
        rows = []
        for number, d in enumerate(sorted(included, key=lambda d: (units[d.unit_id].parent_id or 0, d.unit.code)), 1):
            entry = verified[d.id]
            met = sum(1 for r in (entry.details or {}).get("snapshot", []) if r.get("status") == "met")
            decision = (f"Số {d.decision_number} ngày {d.decision_date.strftime('%d/%m/%Y')}"
                        if d.state == "recognized" and d.decision_date else "Chưa có")
            rows.append([str(number), d.unit.name, d.unit.parent.name if d.unit.parent else "",
                         f"{met}/{len(cset.criteria)}", _day(entry).strftime("%d/%m/%Y"), str(d.id), decision])
        document = Document(
            superior=f"Công an {province.name}".upper(), issuer="PHÒNG PV05", symbol="PV05",
            place=place_name(province.name), day=_day(anchor), kind="",
            summary=f"V/v xác nhận kết quả thực hiện {cset.name.vi} năm {year}",
            body=[
                Paragraph(f"Kính gửi: {office}.", bold=True, indent=False),
                Paragraph(f"Căn cứ {cset.source.get('document', '')};"),
                Paragraph(f"Phòng PV05 Công an tỉnh xác nhận {len(rows)} đơn vị sau đã được thẩm định, xác minh đạt "
                          f"{cset.name.vi} năm {year}:"),
                Table(["STT", "Đơn vị", "Huyện", "Tiêu chí đạt", "Ngày xác minh", "Hồ sơ số", "Quyết định công nhận"],
                      rows, [7, 20, 19, 10, 13, 9, 22], total=["", f"Tổng cộng: {len(rows)} đơn vị", "", "", "", "", ""]),
                Paragraph(f"Phòng PV05 Công an tỉnh trân trọng đề nghị {office} tổng hợp, trình cấp có thẩm quyền "
                          "xem xét, công nhận theo quy định."),
            ],
            signers=[_signer("TRƯỞNG PHÒNG", anchor, names, "Xác minh lần cuối ngày")],
            recipients=["Như trên;", "Công an các huyện, thị xã, thành phố;", "Lưu: VT, PV05."],
        )
    document.seal = anchor.seal
    return Record(BATCH, None, anchor, document, list(later))


BUILDERS = {"tu-danh-gia": _self_assessment, "tham-dinh": _appraisal, "xac-minh": _verification,
            "cong-nhan": _recognition}


# --- checking a printed record against the trail ----------------------------------------------


@dataclass
class CheckResult:
    status: str  # "matches", "superseded", "altered", "unknown"
    record: Record | None
    later: list[AuditEntry]


def check(kind_code: str, dossier: Dossier, seq: int, fingerprint: str) -> CheckResult:
    """Does a printed record (its kind, anchor entry and fingerprint) still match the trail?"""
    return compare(build(kind_code, dossier, seq) if kind_code in KINDS else None, fingerprint)


def check_batch(province: Unit, set_code: str, year: int, seq: int, fingerprint: str) -> CheckResult:
    known = set_code in {s.code for s in criteria.default_registry().latest()}
    return compare(build_batch(province, set_code, year, seq) if known else None, fingerprint)


def compare(record: Record | None, fingerprint: str) -> CheckResult:
    if record is None:
        return CheckResult("unknown", None, [])
    if not trail.entry_intact(record.anchor):
        return CheckResult("altered", record, record.later)
    if not hmac.compare_digest(record.fingerprint(), (fingerprint or "")[:32]):
        return CheckResult("superseded" if record.later else "altered", record, record.later)
    return CheckResult("superseded" if record.later else "matches", record, record.later)


def moves_since(dossier: Dossier, seq: int) -> list[AuditEntry]:
    return [e for e in _history(dossier) if e.seq > seq]
