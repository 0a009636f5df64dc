"""The benchmarks' national data keeps the operations' invariants: generated for one province on
both maps, every dossier's trail is a course its own workflow allows, by the roles it names, and
ends in the dossier's state; the reviewers' verdicts are the levels that moved it; the chain seals."""
from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from sqlalchemy import select

from states import WORKFLOWS, workflow_for
from workflow_app import create_app
from workflow_app.audit import trail
from workflow_app.extensions import db
from workflow_app.models import AuditEntry, Dossier, Verdict

ROOT = Path(__file__).resolve().parents[1]
AUDIT_KEY = "generated-chain-key"


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """Trà Vinh's old province (84) for 2024–2025 and its 2025 province (Vĩnh Long, 86) for 2026."""
    url = f"sqlite:///{tmp_path_factory.mktemp('bench') / 'bench.db'}"
    env = {**os.environ, "DATABASE_URL": url, "AUDIT_KEY": AUDIT_KEY}
    done = subprocess.run([sys.executable, "bench/generate.py", "--provinces", "84,86", "--years", "2024-2025",
                           "--new-map-years", "2026"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "AUDIT_KEY": AUDIT_KEY, "SECRET_KEY": "x" * 32,
                      "TESTING": True}, command_line=False)
    with app.app_context():
        entries = defaultdict(list)
        for entry in db.session.scalars(select(AuditEntry).where(AuditEntry.dossier_id.is_not(None))
                                        .order_by(AuditEntry.seq)):
            entries[entry.dossier_id].append(entry)
        verdicts = defaultdict(set)
        for verdict in db.session.scalars(select(Verdict)):
            verdicts[verdict.dossier_id].add((verdict.level, verdict.by_id))
        yield {"dossiers": db.session.scalars(select(Dossier)).all(), "entries": entries, "verdicts": verdicts,
               "verify": trail.verify()}
        db.session.remove()


def test_the_generated_chain_verifies(generated):
    result = generated["verify"]
    assert result.ok, result.problem
    assert result.entries == sum(len(e) for e in generated["entries"].values()) > 1000


def test_every_trail_is_a_course_of_the_dossiers_workflow(generated):
    reached = Counter()
    for dossier in generated["dossiers"]:
        workflow = workflow_for(dossier.level, dossier.route)
        opened, *moves = [e for e in generated["entries"][dossier.id] if e.to_state]
        assert (opened.action, opened.to_state) == ("dossier_opened", "draft")
        state, reviewed = "draft", set()
        for entry in moves:
            spec = workflow.transition(entry.action)  # KeyError: a move this workflow does not have
            assert state in spec.sources and (entry.from_state, entry.to_state) == (state, spec.dest), entry.action
            assert entry.role == spec.role, (workflow.name, entry.action, entry.role)
            assert bool(entry.comment) == spec.needs("comment"), entry.action
            reviewed |= {(level, entry.actor_id) for level in workflow.reviewers if spec.needs(f"{level}_verdicts")}
            state = spec.dest
        assert dossier.state == state, dossier.id
        assert generated["verdicts"][dossier.id] == reviewed, dossier.id
        reached[(workflow.name, state)] += 1
    # Every state of the communes' workflows on both maps' routes is generated; a district's own
    # dossiers (a few dozen here) reach each state of their course, if not every way out of it.
    for name in ("commune", "commune.direct"):
        assert {s for (w, s) in reached if w == name} == set(WORKFLOWS[name].states), name
    assert {s for (w, s) in reached if w == "district"} >= {"draft", "district_reviewed", "pv05_verified",
                                                            "recognized", "returned"}


def test_a_returned_district_dossier_is_returned_to_the_district(generated):
    returns = Counter(e.action for entries in generated["entries"].values() for e in entries
                      if e.to_state == "returned" or e.action.startswith("return_to"))
    assert returns["return_to_district"] > 0 and returns["return_to_commune"] > 0
