"""Schemathesis against the OpenAPI document, as each role: no 500, every response as described.

Hypothesis draws requests for every operation from the document; each is sent as each role
(token creation, without a token). A bounded number of examples keeps the suite quick.
"""
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from workflow_app.api import tokens
from workflow_app.extensions import db

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
ROLES = ["commune_officer", "district_officer", "pv05_officer", "inspector", "admin"]
EXAMPLES = 8
OPERATIONS = 24  # every operation of the OpenAPI document: the test below fails when one is added


@pytest.fixture
def role_tokens(app, people, make_dossier):
    make_dossier("29269", "xa-ntm-19.2", "draft")  # something to find: dossiers 1 and 2, in two states
    make_dossier("29272", "xa-ntm-19.2", "commune_submitted")
    found = {}
    for role in ROLES:
        found[role], _row = tokens.issue_token(people[role].username, "mat-khau-thu-nghiem", "127.0.0.1")
    db.session.commit()
    return found


def operations(app):
    return [result.ok() for result in schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app).get_all_operations()]


def test_every_operation_is_fuzzed(app):
    assert len(operations(app)) == OPERATIONS


@pytest.mark.parametrize("index", range(OPERATIONS))
def test_api_fuzz(app, role_tokens, index):
    operation = operations(app)[index]
    anonymous = operation.path == "/api/v1/tokens" and operation.method.upper() == "POST"

    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True,
              database=None)
    def run(case):
        if anonymous:
            case.call_and_validate(checks=CHECKS)
            return
        for token in role_tokens.values():
            case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)

    run()
