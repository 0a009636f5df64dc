"""The recognition workflows as data: states, and transitions with the role and guards of each."""
from __future__ import annotations

from dataclasses import dataclass

from criteria.text import Text

from .routes import load_routes

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
    level: str = "commune"  # the level of unit that files the dossiers
    route: str = "via_district"  # which levels review them (routes.json)
    # The state in which each reviewer level records its verdicts.
    review_states: tuple[tuple[str, str], ...] = ()

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
        return dict(self.review_states).get(state)

    @property
    def reviewers(self) -> tuple[str, ...]:
        """The reviewer levels, in the order the dossier reaches them."""
        return tuple(level for _state, level in self.review_states)

    def reviewer_role(self, state: str) -> str | None:
        """The role that records verdicts in this state, if any."""
        level = self.reviewer_level(state)
        return REVIEWER_ROLE[level] if level else None

    def roles(self) -> tuple[str, ...]:
        """The roles that move dossiers of this workflow, in the order they first act."""
        return tuple(dict.fromkeys(t.role for t in self.transitions))

    @property
    def submitting_role(self) -> str:
        return SUBMITTING_ROLE[self.level]

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

# The state a dossier enters when its filer sends it (a district's own dossier is already
# "reviewed by the district"), and the state it waits in after each reviewer level approves it.
SUBMITTED_STATE = {"commune": COMMUNE_SUBMITTED, "district": DISTRICT_REVIEWED}
APPROVED_STATE = {DISTRICT_LEVEL: DISTRICT_REVIEWED, PV05_LEVEL: PV05_VERIFIED}
# Who each level is, in the labels of the moves towards and back to it.
LEVEL_NAMES = {
    "commune": Text("xã", "the commune"),
    DISTRICT_LEVEL: Text("Công an huyện", "the district police"),
    PV05_LEVEL: Text("PV05", "PV05"),
}
_RETURN_NAMES = {"commune": Text("xã", "commune"), "district": Text("huyện", "district")}
_SUBMITTED_TO = {
    DISTRICT_LEVEL: Text("Gửi Công an huyện", "Submit to the district police"),
    PV05_LEVEL: Text("Gửi PV05", "Submit to PV05"),
}


def build_workflow(level: str, route: str, reviewers: tuple[str, ...]) -> Workflow:
    """The workflow of dossiers filed by `level` and reviewed by `reviewers` in turn (the last
    one is PV05, which verifies and records the recognition).

    The filer submits to the first reviewer; each reviewer approves it on to the next or sends it
    back one step (to the filer, who may then correct it, or to the reviewer before, whose verdicts
    are cleared); PV05 verifies, recognizes and revokes; the filer withdraws a draft or a returned one.
    """
    if not reviewers or reviewers[-1] != PV05_LEVEL or len(set(reviewers)) != len(reviewers):
        raise ValueError(f"route {route!r}: the reviewers must end with PV05, each once: {reviewers}")
    if level in reviewers:
        raise ValueError(f"route {route!r}: a {level} does not review its own dossier")
    filer = SUBMITTING_ROLE[level]
    waiting = [SUBMITTED_STATE[level]] + [APPROVED_STATE[r] for r in reviewers[:-1]]
    transitions = [_t("submit", [DRAFT, RETURNED], waiting[0], filer, ["criteria_met"],
                      _SUBMITTED_TO[reviewers[0]].vi, _SUBMITTED_TO[reviewers[0]].en)]
    for i, reviewer in enumerate(reviewers):
        role, state = REVIEWER_ROLE[reviewer], waiting[i]
        back_to = level if i == 0 else reviewers[i - 1]
        name = _RETURN_NAMES[back_to]
        transitions.append(_t(
            f"return_to_{back_to}", [state], RETURNED if i == 0 else waiting[i - 1], role, ["comment"],
            f"Trả lại {name.vi}", f"Return to the {name.en}", kind=RETURN,
            clears_verdicts=None if i == 0 else back_to))
        if reviewer == PV05_LEVEL:
            transitions.append(_t("verify", [state], PV05_VERIFIED, role, ["pv05_verdicts", "criteria_met"],
                                  "Xác minh", "Verify"))
        else:
            following = LEVEL_NAMES[reviewers[i + 1]]
            transitions.append(_t("approve", [state], waiting[i + 1], role, [f"{reviewer}_verdicts", "criteria_met"],
                                  f"Thông qua, gửi {following.vi}", f"Approve and send to {following.en}"))
    transitions += [
        _t("recognize", [PV05_VERIFIED], RECOGNIZED, REVIEWER_ROLE[PV05_LEVEL], ["decision", "criteria_met"],
           "Công nhận", "Recognize"),
        _t("revoke", [RECOGNIZED], REVOKED, REVIEWER_ROLE[PV05_LEVEL], ["comment", "revocation"],
           "Thu hồi công nhận", "Revoke", kind=EXIT),
        _t("withdraw", [DRAFT, RETURNED], WITHDRAWN, filer, ["comment"], "Rút hồ sơ", "Withdraw", kind=EXIT),
    ]
    used = {DRAFT, RETURNED, WITHDRAWN, PV05_VERIFIED, RECOGNIZED, REVOKED, *waiting}
    return Workflow(
        name=level if route == DEFAULT_ROUTE else f"{level}.{route}",
        states=tuple(s for s in ALL_STATES if s in used),
        initial=DRAFT,
        transitions=tuple(transitions),
        level=level,
        route=route,
        review_states=tuple(zip(waiting, reviewers)),
    )


DEFAULT_ROUTE = "via_district"
ROUTES = load_routes()

# One workflow per level and route, generated from routes.json: "commune" and "district" are the
# source documents' route, "commune.direct" the route without district police.
WORKFLOWS = {
    w.name: w
    for route in ROUTES.routes.values()
    for level in SUBMITTING_ROLE
    if route.files_on(level)
    for w in [build_workflow(level, route.code, route.reviewers_of(level))]
}
COMMUNE_WORKFLOW, DISTRICT_WORKFLOW = WORKFLOWS["commune"], WORKFLOWS["district"]


def workflow_for(level: str, route: str = DEFAULT_ROUTE) -> Workflow:
    """The workflow of a criteria set's level ("commune" or "district") on a route."""
    return WORKFLOWS[level if route == DEFAULT_ROUTE else f"{level}.{route}"]

# Every role that takes part in a workflow (and so may comment on the dossiers it sees).
ACTING_ROLES = frozenset(t.role for w in WORKFLOWS.values() for t in w.transitions)
