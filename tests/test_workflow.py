"""The operations: roles, scopes, states and guards, on both databases; each change audited."""
from datetime import date

import pytest
from sqlalchemy import func, select

from workflow_app import errors
from workflow_app.audit import trail
from workflow_app.clock import today_in_vietnam
from workflow_app.dossiers import operations as ops
from workflow_app.dossiers import queries
from workflow_app.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from workflow_app.extensions import db
from workflow_app.models import AuditEntry, Dossier, Unit, Verdict

from .test_states import (
    ALL_STATES,
    ALL_TRIGGERS,
    COMMUNE,
    COMMUNE_ROLES,
    DISTRICT,
    DISTRICT_ROLES,
)

COMMUNE_CODE, DISTRICT_CODE = "29269", "844"  # Xã Mỹ Cẩm, in Huyện Càng Long
TABLES = {"commune": (COMMUNE, COMMUNE_ROLES, "xa-ntm-19.2", COMMUNE_CODE),
          "district": (DISTRICT, DISTRICT_ROLES, "huyen-ntm-9.4", DISTRICT_CODE)}


def audit_count() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEntry))


def agree_all(dossier, level, user):
    for criterion in queries.criteria_set_of(dossier).criteria:
        db.session.add(Verdict(dossier=dossier, criterion=criterion.code, level=level, agree=True, by=user))
    db.session.commit()


def recognize_communes(district_code, set_code, codes, year=2024):
    """Bare recognized dossiers: all the district aggregates look at."""
    creator = db.session.scalar(select(ops.User).limit(1))
    for code in codes:
        unit = db.session.scalar(select(Unit).where(Unit.code == code))
        db.session.add(Dossier(unit=unit, criteria_set=set_code, criteria_set_version="2022.1", level="commune",
                               year=year, state="recognized", version=1, values={}, created_by=creator))
    db.session.commit()


def xa_of(district_code):
    return db.session.scalars(
        select(Unit.code).where(Unit.parent.has(Unit.code == district_code), Unit.type == "xa").order_by(Unit.code)
    ).all()


def full_inputs():
    return dict(comment="Nhận xét của cán bộ", decision_number="15/QĐ-CAT", decision_date=today_in_vietnam(),
                authority="Công an tỉnh Trà Vinh")


TABLE_CASES = [
    (level, state, trigger)
    for level, (_table, roles, _set, _unit) in TABLES.items()
    for state in ALL_STATES
    for trigger in ALL_TRIGGERS
    if trigger in roles and not (level == "district" and state == "commune_submitted")
]


@pytest.mark.parametrize("level, state, trigger", TABLE_CASES)
def test_state_trigger_role_table(app, people, make_dossier, level, state, trigger):
    table, roles, set_code, unit_code = TABLES[level]
    if level == "district":
        xa = xa_of(DISTRICT_CODE)
        recognize_communes(DISTRICT_CODE, "xa-ntm-19.2", xa)
        recognize_communes(DISTRICT_CODE, "xa-ntm-nc-19.2", xa[:2])
    dossier = make_dossier(unit_code, set_code, state)
    reviewer = {"commune_submitted": "district", "district_reviewed": "pv05"}.get(state)
    if reviewer and not (level == "district" and reviewer == "district"):
        agree_all(dossier, reviewer, people["pv05_officer"])
    outcomes = {}
    for role, user in people.items():
        savepoint = db.session.begin_nested()
        before = audit_count()
        try:
            ops.fire_transition(user, dossier, trigger, version=dossier.version, **full_inputs())
            outcomes[role] = dossier.state
            assert audit_count() == before + 1
        except NotFound:
            outcomes[role] = "not found"
        except PermissionDenied:
            outcomes[role] = "forbidden"
        except Conflict:
            outcomes[role] = "wrong state"
        finally:
            savepoint.rollback()
        db.session.refresh(dossier)
        assert dossier.state == state
    expected = {
        role: ("forbidden" if role != roles[trigger] else table.get((trigger, state), "wrong state")) for role in people
    }
    if level == "district":  # the district's own dossier lies outside a commune officer's scope
        expected["commune_officer"] = "not found"
    assert outcomes == expected


def test_a_commune_dossier_from_draft_to_recognized(app, people, make_dossier):
    dossier = make_dossier(COMMUNE_CODE, "xa-ntm-19.2", "draft")
    start = audit_count()
    ops.fire_transition(people["commune_officer"], dossier, "submit")
    for criterion in queries.criteria_set_of(dossier).criteria:
        ops.record_verdict(people["district_officer"], dossier, criterion.code, agree=True)
    ops.fire_transition(people["district_officer"], dossier, "approve")
    for criterion in queries.criteria_set_of(dossier).criteria:
        ops.record_verdict(people["pv05_officer"], dossier, criterion.code, agree=True, comment="Đã xác minh")
    ops.fire_transition(people["pv05_officer"], dossier, "verify")
    assert dossier.verified_on == today_in_vietnam()
    ops.fire_transition(people["pv05_officer"], dossier, "recognize", decision_number="15/QĐ-CAT",
                        decision_date=today_in_vietnam(), authority="Công an tỉnh Trà Vinh")
    db.session.commit()
    assert (dossier.state, dossier.decision_number, dossier.decision_authority) == ("recognized", "15/QĐ-CAT", "Công an tỉnh Trà Vinh")
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.seq > start).order_by(AuditEntry.seq)).all()
    moves = [(e.action, e.from_state, e.to_state, e.actor) for e in entries if e.from_state]
    assert [m[:3] for m in moves] == [("submit", "draft", "commune_submitted"), ("approve", "commune_submitted", "district_reviewed"),
                                      ("verify", "district_reviewed", "pv05_verified"), ("recognize", "pv05_verified", "recognized")]
    recognized = entries[-1]
    assert len(recognized.details["snapshot"]) == 8
    assert all(s["status"] == "met" for s in recognized.details["snapshot"])
    assert recognized.details["decision"] == {"number": "15/QĐ-CAT", "date": today_in_vietnam().isoformat(),
                                              "authority": "Công an tỉnh Trà Vinh"}
    assert trail.verify().ok


def test_refused_submit_names_blockers_and_changes_nothing(app, people, make_dossier):
    dossier = make_dossier(COMMUNE_CODE, "xa-ntm-19.2", "draft",
                           values={"social_order_crimes_prev": 40, "social_order_crimes": 39})
    before, version = audit_count(), dossier.version
    with pytest.raises(errors.GuardFailed) as refused:
        ops.fire_transition(people["commune_officer"], dossier, "submit")
    assert [b.criterion for b in refused.value.blockers] == ["I.5"]
    assert "40 → 39 (giảm 2,5%), yêu cầu giảm ít nhất 5%" in refused.value.blockers[0].reason.vi
    body = refused.value.to_dict()
    assert body["error"] == "guard_failed" and body["blockers"][0]["criterion"] == "I.5"
    db.session.rollback()
    assert (dossier.state, dossier.version, audit_count()) == ("draft", version, before)


def test_return_requires_a_comment(app, people, make_dossier):
    dossier = make_dossier(COMMUNE_CODE, "xa-ntm-19.2", "commune_submitted")
    with pytest.raises(errors.GuardFailed) as refused:
        ops.fire_transition(people["district_officer"], dossier, "return_to_commune", comment="  ")
    assert refused.value.blockers[0].field == "comment"
    ops.fire_transition(people["district_officer"], dossier, "return_to_commune", comment="Bổ sung nghị quyết")
    assert dossier.state == "returned"


def test_pv05_return_clears_the_district_verdicts(app, people, make_dossier):
    dossier = make_dossier(COMMUNE_CODE, "xa-ntm-19.2", "district_reviewed")
    agree_all(dossier, "pv05", people["pv05_officer"])
    ops.fire_transition(people["pv05_officer"], dossier, "return_to_district", comment="Huyện thẩm định lại I.5")
    db.session.commit()
    levels = db.session.scalars(select(Verdict.level).where(Verdict.dossier_id == dossier.id)).all()
    assert set(levels) == {"pv05"}
    assert dossier.state == "commune_submitted"


@pytest.mark.parametrize("state", ["commune_submitted", "district_reviewed", "pv05_verified", "recognized", "withdrawn", "revoked"])
def test_edits_refused_outside_draft_and_returned(app, people, make_dossier, state):
    dossier = make_dossier(COMMUNE_CODE, "xa-ntm-19.2", state)
    officer = people["commune_officer"]
    for attempt in (lambda: ops.update_data(officer, dossier, {"innovations": 1}),
                    lambda: ops.update_data(officer, dossier, {"cadres_disciplined": 1}),
                    lambda: ops.set_attestation(officer, dossier, "I.4", met=True, note="x")):
        with pytest.raises(Conflict, match="chỉ có thể thay đổi khi là dự thảo hoặc bị trả lại"):
            attempt()


@pytest.mark.parametrize("role", ["district_officer", "pv05_officer", "inspector", "admin"])
def test_only_the_commune_police_edit_its_dossier(app, people, make_dossier, role):
    dossier = make_dossier(COMMUNE_CODE, "xa-ntm-19.2", "draft")
    with pytest.raises(PermissionDenied):
        ops.update_data(people[role], dossier, {"cadres_disciplined": 1})


def test_update_data_validates_and_audits(app, people, make_dossier):
    dossier = make_dossier(COMMUNE_CODE, "xa-ntm-19.2", "draft")
    officer = people["commune_officer"]
    with pytest.raises(ValidationFailed) as err:
        ops.update_data(officer, dossier, {"cadres_disciplined": -1, "nope": 3, "forum_held": True})
    assert sorted(err.value.fields) == ["cadres_disciplined", "nope"]
    assert dossier.values["forum_held"] is True  # nothing of the request was applied
    version = dossier.version
    ops.update_data(officer, dossier, {"cadres_disciplined": "2", "forum_held": False}, version=version)
    db.session.commit()
    assert dossier.version == version + 1
    assert (dossier.values["cadres_disciplined"], dossier.values["forum_held"]) == (2, False)
    entry = db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
    assert entry.action == "data_updated"
    assert entry.details["changes"] == {"cadres_disciplined": [0, 2], "forum_held": [True, False]}


def test_stale_version_is_a_conflict_that_says_what_changed(app, people, make_dossier):
    dossier = make_dossier(COMMUNE_CODE, "xa-ntm-19.2", "draft")
    officer = people["commune_officer"]
    seen = dossier.version
    ops.update_data(officer, dossier, {"cadres_disciplined": 1}, version=seen)
    with pytest.raises(Conflict) as err:
        ops.update_data(officer, dossier, {"cadres_disciplined": 2}, version=seen)
    assert f"phiên bản {seen}" in err.value.message and f"phiên bản {seen + 1}" in err.value.message
    with pytest.raises(Conflict):
        ops.fire_transition(officer, dossier, "submit", version=seen)


def test_out_of_scope_dossier_is_not_found(app, make_user, make_dossier):
    other_commune = make_user("commune_officer", "29464")  # in Huyện Trà Cú
    other_district = make_user("district_officer", "849")
    dossier = make_dossier(COMMUNE_CODE, "xa-ntm-19.2", "commune_submitted")
    for user in (other_commune, other_district):
        with pytest.raises(NotFound):
            queries.get_dossier(user, dossier.id)
        with pytest.raises(NotFound):
            ops.fire_transition(user, dossier, "return_to_commune", comment="x")


def test_verdicts_only_by_the_reviewer_whose_turn_it_is(app, people, make_dossier):
    dossier = make_dossier(COMMUNE_CODE, "xa-ntm-19.2", "commune_submitted")
    with pytest.raises(PermissionDenied):
        ops.record_verdict(people["pv05_officer"], dossier, "I.1", agree=True)
    with pytest.raises(ValidationFailed) as err:
        ops.record_verdict(people["district_officer"], dossier, "I.1", agree=False, comment="")
    assert "comment" in err.value.fields
    with pytest.raises(NotFound):
        ops.record_verdict(people["district_officer"], dossier, "TC99", agree=True)
    ops.record_verdict(people["district_officer"], dossier, "I.1", agree=False, comment="Nghị quyết ban hành tháng 4")
    ops.record_verdict(people["district_officer"], dossier, "I.1", agree=True, comment="Đã bổ sung")
    db.session.commit()
    verdicts = db.session.scalars(select(Verdict).where(Verdict.dossier_id == dossier.id)).all()
    assert [(v.criterion, v.level, v.agree, v.comment) for v in verdicts] == [("I.1", "district", True, "Đã bổ sung")]


def test_attestation_rules(app, people, make_dossier):
    dossier = make_dossier(COMMUNE_CODE, "xa-ntm-19.2", "draft")
    officer = people["commune_officer"]
    with pytest.raises(ValidationFailed, match="không đánh giá bằng xác nhận"):
        ops.set_attestation(officer, dossier, "I.5", met=True)  # I.5 is judged from numbers
    with pytest.raises(ValidationFailed) as err:
        ops.set_attestation(officer, dossier, "I.4", met=False, note="")
    assert "note" in err.value.fields
    ops.set_attestation(officer, dossier, "I.4", met=False, note="Chưa rà soát đủ các ấp")
    assert queries.evaluate_dossier(dossier).results["I.4"].status == "not_met"


@pytest.mark.parametrize(
    "role, unit, set_code, year, error, field",
    [
        ("commune_officer", "29269", "xa-ntm-19.2", 2024, None, None),
        ("commune_officer", "29266", "xa-ntm-19.2", 2024, ValidationFailed, "criteria_set"),  # a thị trấn is not a xã
        ("commune_officer", "29266", "xa-dien-hinh-antt", 2024, None, None),
        ("commune_officer", "29269", "xa-ntm-19.2", 2026, ValidationFailed, "year"),  # 2021–2025 only
        ("commune_officer", "29269", "xa-ntm-19.2", "năm nay", ValidationFailed, "year"),
        ("commune_officer", "29269", "huyen-ntm-9.4", 2024, ValidationFailed, "criteria_set"),
        ("commune_officer", "29269", "no-such-set", 2024, ValidationFailed, "criteria_set"),
        ("district_officer", "844", "huyen-ntm-9.4", 2024, None, None),
        ("district_officer", "842", "huyen-ntm-9.4", 2024, ValidationFailed, "criteria_set"),  # a thành phố
        ("pv05_officer", "84", "xa-ntm-19.2", 2024, PermissionDenied, None),
    ],
)
def test_open_dossier_rules(app, make_user, role, unit, set_code, year, error, field):
    user = make_user(role, unit)
    if error is None:
        dossier = ops.open_dossier(user, criteria_set=set_code, year=year)
        # a new dossier is opened under the newest version of its set
        assert (dossier.state, dossier.version, dossier.criteria_set_version) == ("draft", 1, "2022.2" if "ntm" in set_code else "2023.2")
    else:
        with pytest.raises(error) as err:
            ops.open_dossier(user, criteria_set=set_code, year=year)
        if field:
            assert field in err.value.fields


def test_one_open_dossier_per_unit_set_and_year(app, make_user):
    officer = make_user("commune_officer", COMMUNE_CODE)
    first = ops.open_dossier(officer, criteria_set="xa-ntm-19.2", year=2024)
    with pytest.raises(Conflict, match=f"hồ sơ số {first.id}"):
        ops.open_dossier(officer, criteria_set="xa-ntm-19.2", year=2024)
    ops.fire_transition(officer, first, "withdraw", comment="Lập lại hồ sơ")
    second = ops.open_dossier(officer, criteria_set="xa-ntm-19.2", year=2024)  # a withdrawn one does not count
    assert second.id != first.id
    assert ops.open_dossier(officer, criteria_set="xa-ntm-19.2", year=2023).year == 2023


def test_failure_after_the_state_change_leaves_state_and_trail_unchanged(app, people, make_dossier, monkeypatch):
    dossier = make_dossier(COMMUNE_CODE, "xa-ntm-19.2", "draft")
    before_entries, version = audit_count(), dossier.version
    head_before = trail.head()

    def broken_append(*args, **kwargs):
        raise RuntimeError("disk full while writing the audit entry")

    monkeypatch.setattr(trail, "append", broken_append)
    with pytest.raises(RuntimeError):
        ops.fire_transition(people["commune_officer"], dossier, "submit")
    db.session.rollback()
    db.session.expire_all()
    fresh = db.session.get(Dossier, dossier.id)
    assert (fresh.state, fresh.version) == ("draft", version)
    assert audit_count() == before_entries and trail.head() == head_before


# District aggregates, live: Huyện Duyên Hải (850) has 6 xã and 1 thị trấn.
def test_district_aggregates_count_xa_only_and_follow_revocations(app, people, make_dossier, make_user):
    xa = xa_of("850")
    assert len(xa) == 6
    district = make_dossier("850", "huyen-ntm-9.4", "draft")
    recognize_communes("850", "xa-ntm-19.2", xa[:5])
    result = queries.evaluate_dossier(district).results["III.2"]
    assert result.status == "not_met" and "5/6 xã" in result.reason.vi
    commune = make_dossier(xa[5], "xa-ntm-19.2", "recognized")
    recognize_communes("850", "xa-ntm-nc-19.2", xa[:1])
    assert queries.evaluate_dossier(district).results["III.2"].status == "met"
    pv05 = people["pv05_officer"]
    ops.fire_transition(pv05, commune, "revoke", comment="Phát hiện sai phạm", decision_number="20/QĐ-CAT")
    db.session.commit()
    after = queries.evaluate_dossier(district).results["III.2"]
    assert after.status == "not_met"
    assert commune.unit.name in after.reason.vi


def test_an_advanced_recognition_counts_toward_the_hundred_percent(app, people, make_dossier):
    """5 xã recognized NTM and 1 recognized only as NTM nâng cao: 6/6 xã meet indicator 19.2."""
    xa = xa_of("850")
    recognize_communes("850", "xa-ntm-19.2", xa[:5])
    recognize_communes("850", "xa-ntm-nc-19.2", xa[5:])
    district = make_dossier("850", "huyen-ntm-9.4", "draft")
    result = queries.evaluate_dossier(district).results["III.2"]
    assert result.status == "met", result.reason.vi
    assert "6/6 xã, yêu cầu tất cả" in result.reason.vi and "1/6 xã" in result.reason.vi


def test_thi_tran_recognition_does_not_count(app, people, make_dossier):
    xa = xa_of("850")
    thi_tran = db.session.scalar(select(Unit.code).where(Unit.parent.has(Unit.code == "850"), Unit.type == "thi_tran"))
    recognize_communes("850", "xa-ntm-19.2", xa)
    recognize_communes("850", "xa-ntm-nc-19.2", [thi_tran])
    district = make_dossier("850", "huyen-ntm-9.4", "draft")
    result = queries.evaluate_dossier(district).results["III.2"]
    assert result.status == "not_met"
    assert "0/6 xã, yêu cầu ít nhất 1 (10%, làm tròn lên)" in result.reason.vi


def test_later_years_do_not_count_for_an_earlier_dossier(app, people, make_dossier):
    xa = xa_of("850")
    recognize_communes("850", "xa-ntm-19.2", xa, year=2025)
    district = make_dossier("850", "huyen-ntm-9.4", "draft", year=2024)
    assert "0/6 xã" in queries.evaluate_dossier(district).results["III.2"].reason.vi


def test_transitions_for_lists_what_the_user_may_do(app, people, make_dossier):
    dossier = make_dossier(COMMUNE_CODE, "xa-ntm-19.2", "commune_submitted")
    offered = queries.transitions_for(people["district_officer"], dossier)
    by_trigger = {t["spec"].trigger: t for t in offered}
    assert sorted(by_trigger) == ["approve", "return_to_commune"]
    assert by_trigger["return_to_commune"]["allowed"] is True
    assert by_trigger["approve"]["allowed"] is False and len(by_trigger["approve"]["blockers"]) == 8
    assert queries.transitions_for(people["inspector"], dossier) == []


def test_comments_are_audited(app, people, make_dossier):
    dossier = make_dossier(COMMUNE_CODE, "xa-ntm-19.2", "commune_submitted")
    ops.add_comment(people["district_officer"], dossier, "Đề nghị bổ sung ảnh chụp diễn đàn", criterion="I.8")
    db.session.commit()
    entry = db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
    assert (entry.action, entry.comment, entry.details) == ("comment_added", "Đề nghị bổ sung ảnh chụp diễn đàn", {"criterion": "I.8"})
    with pytest.raises(PermissionDenied):
        ops.add_comment(people["inspector"], dossier, "x")


def test_user_changes_are_audited(app, make_user):
    from workflow_app.admin.operations import update_user

    admin = make_user("admin", "84")
    user = make_user("commune_officer", COMMUNE_CODE)
    update_user(admin, user, role="district_officer", unit_code="844")
    db.session.commit()
    entry = db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
    assert (entry.action, entry.actor) == ("user_updated", admin.username)
    assert entry.details["changes"] == {"role": ["commune_officer", "district_officer"], "unit": [COMMUNE_CODE, "844"]}


def test_decision_date_is_validated(app, people, make_dossier):
    dossier = make_dossier(COMMUNE_CODE, "xa-ntm-19.2", "pv05_verified")
    with pytest.raises(ValidationFailed) as err:
        ops.fire_transition(people["pv05_officer"], dossier, "recognize", decision_number="1", decision_date="31/12/2024",
                            authority="CAT")
    assert "decision_date" in err.value.fields
    with pytest.raises(errors.GuardFailed) as refused:
        ops.fire_transition(people["pv05_officer"], dossier, "recognize", decision_number="1",
                            decision_date=date(2025, 1, 9), authority="CAT")
    assert refused.value.blockers[0].field == "decision_date"


def test_a_commune_dossier_is_evaluated_again_only_when_its_facts_change(app, people, make_dossier):
    """A commune dossier read again unchanged keeps its results (evaluated once); a changed figure,
    attestation or document date gives new results at once."""
    dossier = make_dossier(COMMUNE_CODE, "xa-ntm-19.2", "draft")
    officer = people["commune_officer"]
    first = queries.evaluate_dossier(dossier)
    assert queries.evaluate_dossier(dossier) is first and first.results["I.1"].status == "met"
    ops.update_data(officer, dossier, {"cadres_disciplined": 1})
    db.session.commit()
    assert queries.evaluate_dossier(dossier).results["I.1"].status == "not_met"
    assert "1" in queries.evaluate_dossier(dossier).results["I.1"].reason.vi
    ops.update_data(officer, dossier, {"cadres_disciplined": 0})
    db.session.commit()
    assert queries.evaluate_dossier(dossier).results["I.1"].status == "met"
    attested = next(code for code in queries.evaluate_dossier(dossier).results
                    if code in {a.criterion for a in dossier.attestations})
    ops.set_attestation(officer, dossier, attested, met=False, note="Chưa triển khai")
    db.session.commit()
    assert queries.evaluate_dossier(dossier).results[attested].status != "met"
