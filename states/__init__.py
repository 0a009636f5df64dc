"""The recognition workflow: states, transitions, guards, on `transitions`. No Flask, no SQL."""
from .definitions import (
    ALL_STATES,
    COMMUNE_WORKFLOW,
    DISTRICT_LEVEL,
    DISTRICT_WORKFLOW,
    PV05_LEVEL,
    STATE_LABELS,
    SUBMITTING_ROLE,
    TransitionSpec,
    Workflow,
    workflow_for,
)
from .guards import INPUT_GUARDS, Blocker, GuardContext, Verdict, explain
from .machine import TransitionRefused, TriggerNotAvailable, WorkflowMachine, machine_for

__all__ = [
    "ALL_STATES", "Blocker", "COMMUNE_WORKFLOW", "DISTRICT_LEVEL", "DISTRICT_WORKFLOW", "GuardContext", "INPUT_GUARDS",
    "PV05_LEVEL", "STATE_LABELS", "SUBMITTING_ROLE", "TransitionRefused", "TransitionSpec", "TriggerNotAvailable",
    "Verdict", "Workflow", "WorkflowMachine", "explain", "machine_for", "workflow_for",
]
