"""The workflows on their own: every (state, trigger) pair, and each guard's blockers."""
from datetime import date

import pytest

import criteria
import states
from criteria.samples import passing_facts
from states import (
    ALL_STATES,
    GuardContext,
    TransitionRefused,
    TriggerNotAvailable,
    Verdict,
    machine_for,
)

# Written out from workflow.md, not derived from states/definitions.py.
COMMUNE = {
    ("submit", "draft"): "commune_submitted",
    ("submit", "returned"): "commune_submitted",
    ("return_to_commune", "commune_submitted"): "returned",
    ("approve", "commune_submitted"): "district_reviewed",
    ("return_to_district", "district_reviewed"): "commune_submitted",
    ("verify", "district_reviewed"): "pv05_verified",
    ("recognize", "pv05_verified"): "recognized",
    ("withdraw", "draft"): "withdrawn",
    ("withdraw", "returned"): "withdrawn",
    ("revoke", "recognized"): "revoked",
}
COMMUNE_ROLES = {
    "submit": "commune_officer", "return_to_commune": "district_officer", "approve": "district_officer",
    "return_to_district": "pv05_officer", "verify": "pv05_officer", "recognize": "pv05_officer",
    "withdraw": "commune_officer", "revoke": "pv05_officer",
}
DISTRICT = {
    ("submit", "draft"): "district_reviewed",
    ("submit", "returned"): "district_reviewed",
    ("return_to_district", "district_reviewed"): "returned",
    ("verify", "district_reviewed"): "pv05_verified",
    ("recognize", "pv05_verified"): "recognized",
    ("withdraw", "draft"): "withdrawn",
    ("withdraw", "returned"): "withdrawn",
    ("revoke", "recognized"): "revoked",
}
DISTRICT_ROLES = {
    "submit": "district_officer", "return_to_district": "pv05_officer", "verify": "pv05_officer",
    "recognize": "pv05_officer", "withdraw": "district_officer", "revoke": "pv05_officer",
}
WORKFLOWS = {"commune": (COMMUNE, COMMUNE_ROLES, "xa-ntm-19.2"), "district": (DISTRICT, DISTRICT_ROLES, "huyen-ntm-9.4")}
ROLES = ["commune_officer", "district_officer", "pv05_officer", "inspector", "admin"]
ALL_TRIGGERS = sorted(COMMUNE_ROLES)


def passing_context(set_code: str) -> GuardContext:
    """Everything every guard asks for."""
    cset = criteria.default_registry().get(set_code)
    evaluation = criteria.evaluate(cset, passing_facts(cset, 2024))
    agree = {c.code: Verdict(True) for c in cset.criteria}
    evaluation = _force_met(evaluation)
    return GuardContext(evaluation, {"district": agree, "pv05": agree}, comment="Lý do", decision_number="12/QĐ-CAT",
                        decision_date=date(2025, 2, 1), authority="Công an tỉnh", verified_on=date(2025, 1, 20))


def _force_met(evaluation):
    """District sets need other dossiers for III.2; for the bare machine, count it met."""
    results = {code: criteria.CriterionResult(code, criteria.MET, r.requirements) for code, r in evaluation.results.items()}
    return criteria.Evaluation(evaluation.set_code, evaluation.version, results)


@pytest.mark.parametrize("level", WORKFLOWS)
@pytest.mark.parametrize("state", ALL_STATES)
@pytest.mark.parametrize("trigger", ALL_TRIGGERS)
def test_every_state_and_trigger(level, state, trigger):
    table, _roles, set_code = WORKFLOWS[level]
    machine = machine_for(level)
    expected = table.get((trigger, state))
    if expected is None:
        with pytest.raises(TriggerNotAvailable):
            machine.fire(state, trigger, passing_context(set_code))
    else:
        assert machine.fire(state, trigger, passing_context(set_code)) == expected


@pytest.mark.parametrize("level", WORKFLOWS)
@pytest.mark.parametrize("state", ALL_STATES)
@pytest.mark.parametrize("role", ROLES)
def test_triggers_offered_per_state_and_role(level, state, role):
    table, roles, _set = WORKFLOWS[level]
    expected = sorted(t for (t, s) in table if s == state and roles[t] == role)
    assert sorted(spec.trigger for spec in machine_for(level).available(state, role)) == expected


def test_district_dossiers_never_pass_through_commune_submitted():
    assert "commune_submitted" not in states.DISTRICT_WORKFLOW.states


def test_the_machine_is_shared_and_left_empty():
    machine = machine_for("commune")
    assert machine is machine_for("commune")
    machine.fire("draft", "submit", passing_context("xa-ntm-19.2"))
    assert machine._machine.models == []
    assert not hasattr(machine._machine, "to_recognized")  # no auto transitions that skip the guards


def test_on_change_runs_after_the_move_and_may_abort_it():
    calls = []

    def on_change(source, dest, trigger):
        calls.append((source, dest, trigger))
        raise RuntimeError("database failed")

    with pytest.raises(RuntimeError):
        machine_for("commune").fire("draft", "submit", passing_context("xa-ntm-19.2"), on_change=on_change)
    assert calls == [("draft", "commune_submitted", "submit")]


def blockers(level, state, trigger, **changes):
    ctx = passing_context(WORKFLOWS[level][2])
    for key, value in changes.items():
        setattr(ctx, key, value)
    with pytest.raises(TransitionRefused) as refused:
        machine_for(level).fire(state, trigger, ctx)
    return [(b.criterion, b.reason.vi, b.field) for b in refused.value.blockers]


def test_submit_is_blocked_by_each_criterion_not_met():
    cset = criteria.default_registry().get("xa-ntm-19.2")
    facts = passing_facts(cset, 2024)
    facts.values = {**facts.values, "social_order_crimes_prev": 40, "social_order_crimes": 39, "forum_held": False}
    found = blockers("commune", "draft", "submit", evaluation=criteria.evaluate(cset, facts))
    assert [b[0] for b in found] == ["I.5", "I.8"]
    assert "40 → 39 (giảm 2,5%), yêu cầu giảm ít nhất 5%" in found[0][1]


def test_approve_needs_a_district_verdict_on_every_criterion():
    ctx_verdicts = {"district": {"I.1": Verdict(True), "I.2": Verdict(False, "Kế hoạch chưa ký")}}
    found = blockers("commune", "commune_submitted", "approve", verdicts=ctx_verdicts)
    assert found[0] == ("I.2", "Công an huyện không đồng ý: Kế hoạch chưa ký", None)
    assert [b[0] for b in found[1:]] == ["I.3", "I.4", "I.5", "I.6", "I.7", "I.8"]
    assert all(b[1] == "Công an huyện chưa cho ý kiến về tiêu chí này" for b in found[1:])


def test_verify_needs_pv05_verdicts():
    found = blockers("commune", "district_reviewed", "verify", verdicts={"district": {}})
    assert len(found) == 8 and found[0][1] == "PV05 chưa cho ý kiến về tiêu chí này"


@pytest.mark.parametrize("trigger, state", [("return_to_commune", "commune_submitted"), ("return_to_district", "district_reviewed"),
                                            ("withdraw", "draft")])
def test_returns_and_withdrawals_need_a_comment(trigger, state):
    assert blockers("commune", state, trigger, comment="   ") == [(None, "Cần nhập nhận xét, lý do", "comment")]


def test_recognize_needs_the_decision():
    found = blockers("commune", "pv05_verified", "recognize", decision_number="", decision_date=None, authority="")
    assert [b[2] for b in found] == ["decision_number", "decision_date", "authority"]


def test_decision_date_not_before_verification():
    found = blockers("commune", "pv05_verified", "recognize", decision_date=date(2025, 1, 19))
    assert found == [(None, "Ngày quyết định 19/01/2025 trước ngày PV05 xác minh 20/01/2025", "decision_date")]


def test_revoke_needs_comment_and_decision_number():
    found = blockers("commune", "recognized", "revoke", comment="", decision_number="")
    assert [b[2] for b in found] == ["comment", "decision_number"]


def test_explain_without_input_guards_lists_only_what_the_dossier_lacks():
    ctx = passing_context("xa-ntm-19.2")
    ctx.comment = ""
    spec = states.COMMUNE_WORKFLOW.transition("return_to_commune")
    assert states.explain(spec, ctx, include_input=False) == []
    assert len(states.explain(spec, ctx)) == 1
