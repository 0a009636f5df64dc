"""Guards, and explain(): which blockers keep a transition from happening, and why."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Callable, Mapping

from criteria import Evaluation
from criteria.text import Text, day

from .definitions import DISTRICT_LEVEL, PV05_LEVEL, TransitionSpec


@dataclass(frozen=True)
class Verdict:
    agree: bool
    comment: str = ""


@dataclass(frozen=True)
class Blocker:
    """One reason a transition is refused: a criterion (or None) and what is wrong."""

    criterion: str | None
    reason: Text
    field: str | None = None

    def to_dict(self, lang: str = "vi") -> dict:
        body = {"criterion": self.criterion, "reason": self.reason.get(lang)}
        if self.field:
            body["field"] = self.field
        return body


@dataclass
class GuardContext:
    """What the guards read: the dossier's evaluation and verdicts, and what the user sends."""

    evaluation: Evaluation
    verdicts: Mapping[str, Mapping[str, Verdict]] = field(default_factory=dict)  # level -> criterion -> verdict
    comment: str = ""
    decision_number: str = ""
    decision_date: date | None = None
    authority: str = ""
    verified_on: date | None = None
    today: date | None = None


def criteria_met(ctx: GuardContext) -> list[Blocker]:
    return [Blocker(r.code, r.reason) for r in ctx.evaluation.blockers()]


def _verdicts(level: str, who: Text) -> Callable[[GuardContext], list[Blocker]]:
    def guard(ctx: GuardContext) -> list[Blocker]:
        given = ctx.verdicts.get(level, {})
        blockers = []
        for code in ctx.evaluation.results:
            verdict = given.get(code)
            if verdict is None:
                blockers.append(Blocker(code, Text(f"{who.vi} chưa cho ý kiến về tiêu chí này", f"{who.en} has not given a verdict on this criterion")))
            elif not verdict.agree:
                note = f": {verdict.comment}" if verdict.comment else ""
                blockers.append(Blocker(code, Text(f"{who.vi} không đồng ý{note}", f"{who.en} disagrees{note}")))
        return blockers

    return guard


def comment(ctx: GuardContext) -> list[Blocker]:
    if ctx.comment and ctx.comment.strip():
        return []
    return [Blocker(None, Text("Cần nhập nhận xét, lý do", "A comment giving the reason is required"), "comment")]


def decision(ctx: GuardContext) -> list[Blocker]:
    blockers = []
    if not (ctx.decision_number or "").strip():
        blockers.append(Blocker(None, Text("Cần nhập số quyết định công nhận", "Enter the decision number"), "decision_number"))
    if ctx.decision_date is None:
        blockers.append(Blocker(None, Text("Cần nhập ngày quyết định", "Enter the decision date"), "decision_date"))
    elif ctx.verified_on is not None and ctx.decision_date < ctx.verified_on:
        blockers.append(Blocker(None, Text(
            f"Ngày quyết định {day(ctx.decision_date)} trước ngày PV05 xác minh {day(ctx.verified_on)}",
            f"The decision date {day(ctx.decision_date)} is before PV05's verification on {day(ctx.verified_on)}",
        ), "decision_date"))
    elif ctx.today is not None and ctx.decision_date > ctx.today:
        blockers.append(Blocker(None, Text(
            f"Ngày quyết định {day(ctx.decision_date)} chưa tới", f"The decision date {day(ctx.decision_date)} is in the future"
        ), "decision_date"))
    if not (ctx.authority or "").strip():
        blockers.append(Blocker(None, Text("Cần nhập cơ quan ban hành quyết định", "Enter the issuing authority"), "authority"))
    return blockers


def revocation(ctx: GuardContext) -> list[Blocker]:
    if (ctx.decision_number or "").strip():
        return []
    return [Blocker(None, Text("Cần nhập số quyết định thu hồi", "Enter the revocation decision number"), "decision_number")]


GUARDS: dict[str, Callable[[GuardContext], list[Blocker]]] = {
    "criteria_met": criteria_met,
    "district_verdicts": _verdicts(DISTRICT_LEVEL, Text("Công an huyện", "The district police")),
    "pv05_verdicts": _verdicts(PV05_LEVEL, Text("PV05", "PV05")),
    "comment": comment,
    "decision": decision,
    "revocation": revocation,
}
# Guards about what the user types with the action, rather than the dossier's standing.
INPUT_GUARDS = frozenset({"comment", "decision", "revocation"})


def explain(spec: TransitionSpec, ctx: GuardContext, *, include_input: bool = True) -> list[Blocker]:
    """Every blocker of the transition; without the input guards, what the dossier itself lacks."""
    blockers: list[Blocker] = []
    for name in spec.guards:
        if include_input or name not in INPUT_GUARDS:
            blockers.extend(GUARDS[name](ctx))
    return blockers
