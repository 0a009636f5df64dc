"""One shared `transitions` Machine per workflow; a dossier is attached for one call only."""
from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Callable

from transitions import Machine, MachineError

from .definitions import (
    DEFAULT_ROUTE,
    WORKFLOWS,
    TransitionSpec,
    Workflow,
    workflow_for,
)
from .guards import GUARDS, Blocker, GuardContext, explain


class TransitionRefused(Exception):
    """The guards refused the trigger; `blockers` say why."""

    def __init__(self, trigger: str, blockers: list[Blocker]):
        super().__init__(f"{trigger}: " + "; ".join(b.reason.en for b in blockers))
        self.trigger = trigger
        self.blockers = blockers


class TriggerNotAvailable(Exception):
    """No such trigger from this state (or not for this role)."""


class _Subject:
    """The object the machine moves: a state, the guards' context, and what to do on change."""

    def __init__(self, ctx: GuardContext, on_change: Callable[[str, str, str], None] | None):
        self.ctx = ctx
        self.on_change = on_change
        self.state: str | None = None


def _condition(guard_name: str):
    def condition(event) -> bool:
        return not GUARDS[guard_name](event.model.ctx)  # exactly True or False

    condition.__name__ = f"guard_{guard_name}"
    return condition


def _after_state_change(event) -> None:
    subject = event.model
    if subject.on_change is not None:
        subject.on_change(event.transition.source, event.transition.dest, event.event.name)


class WorkflowMachine:
    def __init__(self, workflow: Workflow):
        self.workflow = workflow
        self._lock = threading.Lock()
        self._machine = Machine(
            model=None,
            states=list(workflow.states),
            transitions=[
                {
                    "trigger": spec.trigger,
                    "source": list(spec.sources),
                    "dest": spec.dest,
                    "conditions": [_condition(name) for name in spec.guards],
                }
                for spec in workflow.transitions
            ],
            initial=None,
            auto_transitions=False,
            send_event=True,
            after_state_change=_after_state_change,
        )

    @contextmanager
    def _attached(self, subject: _Subject, state: str):
        # The machine's list of models is shared between threads; the trigger itself only
        # touches its own model, so the lock covers attaching and detaching, not the
        # callbacks (which wait on the database).
        with self._lock:
            self._machine.add_model(subject, initial=state)
        try:
            yield subject
        finally:
            with self._lock:
                self._machine.remove_model(subject)

    def available(self, state: str, role: str | None = None) -> list[TransitionSpec]:
        return self.workflow.from_state(state, role)

    def blockers(self, state: str, trigger: str, ctx: GuardContext, *, include_input: bool = True) -> list[Blocker]:
        return explain(self._spec(state, trigger), ctx, include_input=include_input)

    def fire(
        self,
        state: str,
        trigger: str,
        ctx: GuardContext,
        on_change: Callable[[str, str, str], None] | None = None,
    ) -> str:
        """Move from `state` by `trigger`; return the new state or raise with the blockers.

        `on_change(source, dest, trigger)` runs after the change, inside the caller's transaction:
        if it raises, the caller rolls back (the machine does not undo anything).
        """
        spec = self._spec(state, trigger)
        blockers = explain(spec, ctx)
        if blockers:
            raise TransitionRefused(trigger, blockers)
        subject = _Subject(ctx, on_change)
        with self._attached(subject, state):
            try:
                moved = subject.trigger(trigger)
            except MachineError as exc:
                raise TriggerNotAvailable(str(exc)) from None
        if moved is not True:  # a guard changed its mind between explain() and the machine
            raise TransitionRefused(trigger, explain(spec, ctx))
        return subject.state

    def _spec(self, state: str, trigger: str) -> TransitionSpec:
        try:
            spec = self.workflow.transition(trigger)
        except KeyError:
            raise TriggerNotAvailable(f"unknown trigger {trigger!r}") from None
        if state not in spec.sources:
            raise TriggerNotAvailable(f"{trigger!r} is not possible from state {state!r}")
        return spec


MACHINES = {name: WorkflowMachine(workflow) for name, workflow in WORKFLOWS.items()}


def machine_for(level: str, route: str = DEFAULT_ROUTE) -> WorkflowMachine:
    return MACHINES[workflow_for(level, route).name]
