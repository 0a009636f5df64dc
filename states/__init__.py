"""The recognition workflow: states, transitions, guards, on `transitions`. No Flask, no SQL."""
from .definitions import (
    ACTING_ROLES,
    ALL_STATES,
    COMMUNE_WORKFLOW,
    DEFAULT_ROUTE,
    DISTRICT_LEVEL,
    DISTRICT_WORKFLOW,
    EXIT,
    FORWARD,
    PV05_LEVEL,
    RETURN,
    REVIEWER_ROLE,
    ROUTES,
    STATE_LABELS,
    SUBMITTING_ROLE,
    WORKFLOWS,
    TransitionSpec,
    Workflow,
    workflow_for,
)
from .guards import INPUT_GUARDS, Blocker, GuardContext, Verdict, explain
from .machine import (
    TransitionRefused,
    TriggerNotAvailable,
    WorkflowMachine,
    machine_for,
)
from .routes import ROUTES_FILE, Route, RouteTable, load_routes

__all__ = [
    "ACTING_ROLES", "ALL_STATES", "DEFAULT_ROUTE", "ROUTES", "ROUTES_FILE", "Route", "RouteTable", "load_routes", "EXIT", "FORWARD", "RETURN", "REVIEWER_ROLE", "Blocker", "COMMUNE_WORKFLOW", "DISTRICT_LEVEL", "DISTRICT_WORKFLOW", "GuardContext", "INPUT_GUARDS",
    "PV05_LEVEL", "STATE_LABELS", "SUBMITTING_ROLE", "TransitionRefused", "TransitionSpec", "TriggerNotAvailable",
    "Verdict", "WORKFLOWS", "Workflow", "WorkflowMachine", "explain", "machine_for", "workflow_for",
]
