"""Demo data for Trà Vinh province (84): its units and one user per unit and role."""
from __future__ import annotations

import io

from sqlalchemy import func, select, update

from criteria.samples import passing_facts

from .admin.operations import create_user
from .clock import today_in_vietnam, utcnow
from .dossiers import operations as ops
from .dossiers import queries
from .extensions import db
from .models import Dossier, Notification, Unit, User, hash_password
from .roles import Level, Role
from .units.operations import NATION_CODE, get_unit, load_units, units_within

DEMO_PROVINCE = "84"
# Demo dossiers go only to this district, so every other unit starts empty.
DEMO_DISTRICT = "844"
DEMO_YEAR = 2025

# (unit code, set, state) for every demo dossier: every state and every set, in Huyện Càng Long only.
DEMO_DOSSIERS = [
    *[(code, "xa-ntm-19.2", "recognized") for code in ("29269", "29272", "29275", "29278", "29281", "29284", "29287")],
    ("29290", "xa-ntm-19.2", "pv05_verified"),
    ("29293", "xa-ntm-19.2", "district_reviewed"),
    ("29296", "xa-ntm-19.2", "commune_submitted"),
    ("29299", "xa-ntm-19.2", "returned"),
    ("29302", "xa-ntm-19.2", "draft"),
    ("29305", "xa-ntm-19.2", "revoked"),
    ("29269", "xa-ntm-nc-19.2", "recognized"),
    ("29272", "xa-ntm-nc-19.2", "commune_submitted"),
    ("29275", "xa-ntm-nc-19.2", "withdrawn"),
    ("29266", "xa-dien-hinh-antt", "district_reviewed"),
    ("29278", "xa-dien-hinh-antt", "returned"),
    ("29281", "xa-dien-hinh-antt", "draft"),
    ("844", "huyen-ntm-9.4", "draft"),
    ("844", "huyen-ntm-nc-9.1", "draft"),
]


def _demo_accounts() -> list[tuple[str, str, Role, str]]:
    """(username, full name, role, unit code) for every demo user."""
    province = get_unit(DEMO_PROVINCE)
    accounts = [
        ("admin", "Quản trị hệ thống", Role.admin, province.code),
        ("pv05", "Phòng PV05 - Công an tỉnh Trà Vinh", Role.pv05_officer, province.code),
        ("thanhtra", "Thanh tra Công an tỉnh Trà Vinh", Role.inspector, province.code),
        ("bocongan", "Cục Xây dựng phong trào bảo vệ ANTQ - Bộ Công an", Role.ministry_officer, NATION_CODE),
    ]
    for district in units_within(province, Level.district):
        accounts.append((f"huyen{district.code}", f"Công an {district.name}", Role.district_officer, district.code))
    for commune in units_within(province, Level.commune):
        accounts.append((f"xa{commune.code}", f"Công an {commune.name}", Role.commune_officer, commune.code))
    return accounts


def seed_demo(password: str) -> int:
    """Create what is missing of the demo data; return how many users were created.

    The demo dossiers are made once, when the demo district has none.
    """
    load_units([DEMO_PROVINCE])
    existing = set(db.session.execute(select(User.username)).scalars())
    created = 0
    shared_hash = hash_password(password)  # one password for every demo user: hash it once
    for username, full_name, role, unit_code in _demo_accounts():
        if username in existing:
            continue
        user = create_user(
            None,
            username=username,
            full_name=full_name,
            password=password,
            role=role,
            unit_code=unit_code,
            password_hash=shared_hash,
        )
        user.email = f"{username}@demo.invalid"  # a domain that never receives mail
        created += 1
    district = get_unit(DEMO_DISTRICT)
    has_dossiers = db.session.execute(
        select(Dossier.id).join(Unit).where((Unit.id == district.id) | (Unit.parent_id == district.id)).limit(1)
    ).first()
    if not has_dossiers:
        for unit_code, set_code, state in DEMO_DOSSIERS:
            _demo_dossier(unit_code, set_code, state)
        # Playing the demo's history told people of every move; each keeps unread only the latest
        # news of each dossier.
        latest = select(func.max(Notification.id)).group_by(Notification.user_id, Notification.dossier_id)
        db.session.execute(update(Notification).where(Notification.id.not_in(latest)).values(read_at=utcnow()))
    return created


def _user(username: str) -> User:
    return db.session.execute(select(User).where(User.username == username)).scalar_one()


def _demo_pdf(title: str) -> bytes:
    """A small, valid one-page PDF standing in for a scanned document."""
    text = title.encode("ascii", "replace")
    stream = b"BT /F1 14 Tf 60 780 Td (" + text + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = io.BytesIO(), []
    out.write(b"%PDF-1.4\n")
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def _fill(officer: User, dossier: Dossier, *, complete: bool = True) -> None:
    """Enter figures, attestations and evidence that meet every criterion (half of it when not complete)."""
    cset = queries.criteria_set_of(dossier)
    facts = passing_facts(cset, dossier.year)
    values = dict(facts.values)
    if not complete:
        values = dict(list(values.items())[: len(values) // 2])
    ops.update_data(officer, dossier, values)
    for code, attestation in facts.attestations.items():
        ops.set_attestation(officer, dossier, code, met=attestation.met, note="Đã rà soát, đối chiếu hồ sơ lưu tại đơn vị.")
    documents = facts.documents if complete else facts.documents[:1]
    for document in documents:
        label = cset.document_types[document.type].label.en
        ops.add_evidence(officer, dossier, io.BytesIO(_demo_pdf(label)), f"{document.type}-{dossier.year}.pdf",
                         document_type=document.type, issued_on=document.issued_on)


def _verdicts(reviewer: User, dossier: Dossier, comment: str = "") -> None:
    for criterion in queries.criteria_set_of(dossier).criteria:
        ops.record_verdict(reviewer, dossier, criterion.code, agree=True, comment=comment)


def _demo_dossier(unit_code: str, set_code: str, state: str) -> Dossier:
    """Walk one dossier through the real operations up to `state`, so its audit trail is genuine."""
    level = "district" if len(unit_code) == 3 else "commune"
    officer = _user(f"huyen{unit_code}" if level == "district" else f"xa{unit_code}")
    district_officer, pv05 = _user(f"huyen{DEMO_DISTRICT}"), _user("pv05")
    dossier = ops.open_dossier(officer, criteria_set=set_code, year=DEMO_YEAR)
    _fill(officer, dossier, complete=state != "draft" or level == "district")
    if state in ("draft", "withdrawn"):
        if state == "withdrawn":
            ops.fire_transition(officer, dossier, "withdraw", comment="Xã chưa đủ điều kiện nâng cao trong năm nay.")
        return dossier
    ops.fire_transition(officer, dossier, "submit")
    if state == "returned":
        first = queries.criteria_set_of(dossier).criteria[0].code
        ops.record_verdict(district_officer, dossier, first, agree=False,
                           comment="Nghị quyết của Đảng ủy chưa có chữ ký, đề nghị bổ sung bản ký.")
        ops.fire_transition(district_officer, dossier, "return_to_commune",
                            comment="Đề nghị xã bổ sung tài liệu theo nhận xét từng tiêu chí.")
        return dossier
    if state == "commune_submitted":
        return dossier
    _verdicts(district_officer, dossier, "Đạt")
    ops.fire_transition(district_officer, dossier, "approve", comment="Hồ sơ đầy đủ, đề nghị PV05 xác minh.")
    if state == "district_reviewed":
        return dossier
    _verdicts(pv05, dossier, "Đã xác minh")
    ops.fire_transition(pv05, dossier, "verify")
    if state == "pv05_verified":
        return dossier
    today = today_in_vietnam()
    ops.fire_transition(pv05, dossier, "recognize", decision_number=f"{dossier.id}/QĐ-CAT",
                        decision_date=today, authority="Giám đốc Công an tỉnh Trà Vinh")
    if state == "revoked":
        ops.fire_transition(pv05, dossier, "revoke", comment="Phát hiện vụ phạm tội nghiêm trọng chưa được báo cáo.",
                            decision_number=f"{dossier.id}/QĐ-CAT-TH")
    return dossier


def demo_logins() -> list[tuple[str, str]]:
    """The logins worth showing a newcomer: one per role, and the demo district's communes."""
    district = get_unit(DEMO_DISTRICT)
    rows = [
        ("admin", "Quản trị (admin)"),
        ("pv05", "Phòng PV05, Công an tỉnh (pv05_officer)"),
        ("thanhtra", "Thanh tra (inspector)"),
        ("bocongan", "Bộ Công an, tổng hợp toàn quốc (ministry_officer)"),
        (f"huyen{district.code}", f"Công an {district.name} (district_officer)"),
    ]
    for commune in units_within(district, Level.commune):
        rows.append((f"xa{commune.code}", f"Công an {commune.name} (commune_officer)"))
    rows.append(("huyen<mã>", "mọi huyện khác, vd. huyen849 (Huyện Trà Cú)"))
    rows.append(("xa<mã>", "mọi xã khác, vd. xa29464"))
    return rows
