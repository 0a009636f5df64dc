"""The recognition workflows as data: states, and transitions with the role and guards of each."""
from __future__ import annotations

from dataclasses import dataclass

from criteria.text import Text

DRAFT, COMMUNE_SUBMITTED, DISTRICT_REVIEWED = "draft", "commune_submitted", "district_reviewed"
PV05_VERIFIED, RECOGNIZED = "pv05_verified", "recognized"
RETURNED, WITHDRAWN, REVOKED = "returned", "withdrawn", "revoked"

STATE_LABELS = {
    DRAFT: Text("Dự thảo", "Draft"),
    COMMUNE_SUBMITTED: Text("Xã đã gửi", "Submitted by the commune"),
    DISTRICT_REVIEWED: Text("Huyện đã thẩm định", "Reviewed by the district"),
    PV05_VERIFIED: Text("PV05 đã xác minh", "Verified by PV05"),
    RECOGNIZED: Text("Đã công nhận", "Recognized"),
    RETURNED: Text("Bị trả lại", "Returned"),
    WITHDRAWN: Text("Đã rút", "Withdrawn"),
    REVOKED: Text("Đã thu hồi", "Revoked"),
}

# Which reviewer's verdicts a guard reads: the district police, or PV05.
DISTRICT_LEVEL, PV05_LEVEL = "district", "pv05"
# The role that records each reviewer level's verdicts.
REVIEWER_ROLE = {DISTRICT_LEVEL: "district_officer", PV05_LEVEL: "pv05_officer"}
# The role that fills in and submits dossiers of each level.
SUBMITTING_ROLE = {"commune": "commune_officer", "district": "district_officer"}

# What a move does to the dossier's journey: takes it forward, sends it back for a fix, or ends
# it outside the normal course (withdrawal, revocation). A dossier waits for whoever may move it
# forward or back; nobody waits to withdraw or revoke.
FORWARD, RETURN, EXIT = "forward", "return", "exit"


@dataclass(frozen=True)
class TransitionSpec:
    trigger: str
    sources: tuple[str, ...]
    dest: str
    role: str
    guards: tuple[str, ...]
    label: Text
    kind: str = FORWARD
    # Which reviewer level's verdicts this transition clears (PV05 sending a dossier back).
    clears_verdicts: str | None = None

    def needs(self, guard: str) -> bool:
        return guard in self.guards


@dataclass(frozen=True)
class Workflow:
    name: str
    states: tuple[str, ...]
    initial: str
    transitions: tuple[TransitionSpec, ...]
    # The states in which the submitting role may change data, attestations and evidence.
    editable_states: tuple[str, ...] = (DRAFT, RETURNED)

    def transition(self, trigger: str) -> TransitionSpec:
        for spec in self.transitions:
            if spec.trigger == trigger:
                return spec
        raise KeyError(trigger)

    def triggers(self) -> tuple[str, ...]:
        return tuple(spec.trigger for spec in self.transitions)

    def from_state(self, state: str, role: str | None = None) -> list[TransitionSpec]:
        return [s for s in self.transitions if state in s.sources and (role is None or s.role == role)]

    def reviewer_level(self, state: str) -> str | None:
        """Whose verdicts are being recorded in this state."""
        if state == COMMUNE_SUBMITTED:
            return DISTRICT_LEVEL
        if state == DISTRICT_REVIEWED:
            return PV05_LEVEL
        return None

    def reviewer_role(self, state: str) -> str | None:
        """The role that records verdicts in this state, if any."""
        level = self.reviewer_level(state)
        return REVIEWER_ROLE[level] if level else None

    def roles(self) -> tuple[str, ...]:
        """The roles that move dossiers of this workflow, in the order they first act."""
        return tuple(dict.fromkeys(t.role for t in self.transitions))

    @property
    def submitting_role(self) -> str:
        return SUBMITTING_ROLE[self.name]

    def waiting_for(self, role: str) -> tuple[str, ...]:
        """The states in which a dossier waits for `role`: it may move it forward or send it back."""
        return tuple(s for s in self.states
                     if any(t.kind != EXIT for t in self.from_state(s, role)))

    def sent_by(self, role: str) -> tuple[str, ...]:
        """The states a dossier that `role` moved forward goes through while it is with others."""
        mine = set(self.waiting_for(role))
        seen: set[str] = set()
        todo = [t.dest for t in self.transitions if t.role == role and t.kind == FORWARD]
        while todo:
            state = todo.pop()
            onward = [t for t in self.from_state(state) if t.kind == FORWARD]
            if state in seen or state in mine or not onward:
                continue
            seen.add(state)
            todo += [t.dest for t in onward]
        return tuple(s for s in self.states if s in seen)


def _t(trigger, sources, dest, role, guards, vi, en, **kw) -> TransitionSpec:
    return TransitionSpec(trigger, tuple(sources), dest, role, tuple(guards), Text(vi, en), **kw)


ALL_STATES = (DRAFT, COMMUNE_SUBMITTED, DISTRICT_REVIEWED, PV05_VERIFIED, RECOGNIZED, RETURNED, WITHDRAWN, REVOKED)

_PV05_STEPS = (
    _t("verify", [DISTRICT_REVIEWED], PV05_VERIFIED, "pv05_officer", ["pv05_verdicts", "criteria_met"],
       "Xác minh", "Verify"),
    _t("recognize", [PV05_VERIFIED], RECOGNIZED, "pv05_officer", ["decision", "criteria_met"],
       "Công nhận", "Recognize"),
    _t("revoke", [RECOGNIZED], REVOKED, "pv05_officer", ["comment", "revocation"],
       "Thu hồi công nhận", "Revoke", kind=EXIT),
)

COMMUNE_WORKFLOW = Workflow(
    name="commune",
    states=ALL_STATES,
    initial=DRAFT,
    transitions=(
        _t("submit", [DRAFT, RETURNED], COMMUNE_SUBMITTED, "commune_officer", ["criteria_met"],
           "Gửi Công an huyện", "Submit to the district police"),
        _t("return_to_commune", [COMMUNE_SUBMITTED], RETURNED, "district_officer", ["comment"],
           "Trả lại xã", "Return to the commune", kind=RETURN),
        _t("approve", [COMMUNE_SUBMITTED], DISTRICT_REVIEWED, "district_officer", ["district_verdicts", "criteria_met"],
           "Thông qua, gửi PV05", "Approve and send to PV05"),
        _t("return_to_district", [DISTRICT_REVIEWED], COMMUNE_SUBMITTED, "pv05_officer", ["comment"],
           "Trả lại huyện", "Return to the district", kind=RETURN, clears_verdicts=DISTRICT_LEVEL),
        *_PV05_STEPS,
        _t("withdraw", [DRAFT, RETURNED], WITHDRAWN, "commune_officer", ["comment"], "Rút hồ sơ", "Withdraw",
           kind=EXIT),
    ),
)

# A district's own dossier: the district submits straight to PV05 (no commune_submitted).
DISTRICT_WORKFLOW = Workflow(
    name="district",
    states=tuple(s for s in ALL_STATES if s != COMMUNE_SUBMITTED),
    initial=DRAFT,
    transitions=(
        _t("submit", [DRAFT, RETURNED], DISTRICT_REVIEWED, "district_officer", ["criteria_met"],
           "Gửi PV05", "Submit to PV05"),
        _t("return_to_district", [DISTRICT_REVIEWED], RETURNED, "pv05_officer", ["comment"],
           "Trả lại huyện", "Return to the district", kind=RETURN),
        *_PV05_STEPS,
        _t("withdraw", [DRAFT, RETURNED], WITHDRAWN, "district_officer", ["comment"], "Rút hồ sơ", "Withdraw",
           kind=EXIT),
    ),
)

WORKFLOWS = {"commune": COMMUNE_WORKFLOW, "district": DISTRICT_WORKFLOW}


def workflow_for(level: str) -> Workflow:
    """The workflow of a criteria set's level ("commune" or "district")."""
    return WORKFLOWS[level]

# Every role that takes part in a workflow (and so may comment on the dossiers it sees).
ACTING_ROLES = frozenset(t.role for w in WORKFLOWS.values() for t in w.transitions)
