"""The workflow drawn by transitions' diagram support, as Mermaid text, current state highlighted."""
from __future__ import annotations

import threading
from functools import lru_cache

from transitions import State
from transitions.extensions import GraphMachine

from .definitions import STATE_LABELS, WORKFLOWS

_lock = threading.Lock()


class _Subject:
    pass


class _LabelledState(State):
    """A state that carries the label the diagram shows (the markup reads `label`)."""

    def __init__(self, *args, label: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.label = label or self.name


class _LabelledGraphMachine(GraphMachine):
    state_cls = _LabelledState


@lru_cache(maxsize=None)
def _machine(workflow_name: str, lang: str) -> _LabelledGraphMachine:
    workflow = WORKFLOWS[workflow_name]
    return _LabelledGraphMachine(
        model=None,
        states=[{"name": s, "label": STATE_LABELS[s].get(lang)} for s in workflow.states],
        transitions=[
            {"trigger": t.trigger, "source": list(t.sources), "dest": t.dest, "label": t.label.get(lang)}
            for t in workflow.transitions
        ],
        initial=None,
        auto_transitions=False,
        graph_engine="mermaid",
        show_conditions=False,
        title="",
    )


def mermaid(workflow_name: str, state: str, lang: str = "vi") -> str:
    """Mermaid source of the workflow with `state` highlighted."""
    machine = _machine(workflow_name, lang)
    subject = _Subject()
    with _lock:  # one shared machine: attach, draw, detach
        machine.add_model(subject, initial=state)
        try:
            return subject.get_graph().draw(None)
        finally:
            machine.remove_model(subject)
