"""Twenty officers act on one dossier at the same moment: exactly one wins, the trail stays whole."""
import threading

import pytest
from sqlalchemy import func, select

from workflow_app import create_app
from workflow_app.audit import trail
from workflow_app.dossiers import operations as ops
from workflow_app.dossiers import queries
from workflow_app.errors import Conflict
from workflow_app.extensions import db
from workflow_app.models import AuditEntry, Dossier, User, Verdict
from workflow_app.transaction import unit_of_work

from .conftest import base_config, build_dossier, prepare_database

THREADS = 20


@pytest.fixture
def threaded_app(backend, tmp_path, request):
    """An app whose connections are real and separate per thread (not one shared in-memory DB)."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'concurrency.sqlite3'}"
    else:
        url = request.getfixturevalue("_pg_schema")
    config = base_config(url, tmp_path / "uploads")
    config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_size": THREADS + 5, "max_overflow": 0}
    app = create_app(config)
    with app.app_context():
        prepare_database(backend)
    yield app
    with app.app_context():
        db.engine.dispose()


def race(app, dossier_id, user_id, version, triggers):
    """Every thread loads the dossier, waits for the others, then fires its trigger."""
    barrier = threading.Barrier(len(triggers))
    outcomes = [None] * len(triggers)

    def worker(i, trigger):
        with app.app_context():
            try:
                user = db.session.get(User, user_id)
                dossier = db.session.get(Dossier, dossier_id)
                barrier.wait(timeout=30)
                with unit_of_work():
                    ops.fire_transition(user, dossier, trigger, version=version, comment=f"Nhận xét {i}")
                outcomes[i] = "won"
            except Conflict:
                outcomes[i] = "conflict"
            except Exception as exc:  # recorded, so the assertion shows it
                outcomes[i] = f"error: {exc!r}"
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(i, t)) for i, t in enumerate(triggers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return outcomes


def test_twenty_conflicting_transitions_one_winner(threaded_app, make_dossier_in):
    dossier_id, user_id, version = make_dossier_in(threaded_app)
    with threaded_app.app_context():
        entries_before = db.session.scalar(select(func.count()).select_from(AuditEntry))
    triggers = ["approve" if i % 2 else "return_to_commune" for i in range(THREADS)]
    outcomes = race(threaded_app, dossier_id, user_id, version, triggers)
    assert sorted(outcomes).count("won") == 1, outcomes
    assert outcomes.count("conflict") == THREADS - 1, outcomes
    with threaded_app.app_context():
        dossier = db.session.get(Dossier, dossier_id)
        winner = triggers[outcomes.index("won")]
        assert dossier.state == {"approve": "district_reviewed", "return_to_commune": "returned"}[winner]
        assert dossier.version == version + 1
        moves = db.session.scalars(select(AuditEntry).where(AuditEntry.from_state.is_not(None))).all()
        assert [(m.action, m.to_state) for m in moves] == [(winner, dossier.state)]
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == entries_before + 1
        assert trail.verify().ok


def test_concurrent_appends_on_different_dossiers_keep_one_chain(threaded_app, make_dossier_in):
    """Different dossiers do not conflict, but their audit entries must not fork the chain."""
    dossiers = [make_dossier_in(threaded_app, commune=code) for code in ("29269", "29272", "29275", "29278")]
    outcomes = []
    threads = []
    barrier = threading.Barrier(len(dossiers))

    def worker(dossier_id, user_id, version):
        with threaded_app.app_context():
            try:
                user, dossier = db.session.get(User, user_id), db.session.get(Dossier, dossier_id)
                barrier.wait(timeout=30)
                for attempt in range(20):  # SQLite lets one writer at a time: the others retry
                    try:
                        with unit_of_work():
                            ops.fire_transition(user, dossier, "return_to_commune", version=version, comment="Bổ sung")
                        outcomes.append("won")
                        return
                    except Conflict:
                        db.session.expire_all()
                        dossier = db.session.get(Dossier, dossier_id)
                        if dossier.state != "commune_submitted":
                            outcomes.append("lost")
                            return
                outcomes.append("gave up")
            finally:
                db.session.remove()

    for args in dossiers:
        threads.append(threading.Thread(target=worker, args=args))
        threads[-1].start()
    for t in threads:
        t.join(timeout=60)
    assert outcomes == ["won"] * len(dossiers)
    with threaded_app.app_context():
        seqs = db.session.scalars(select(AuditEntry.seq).order_by(AuditEntry.seq)).all()
        assert seqs == list(range(1, len(seqs) + 1))
        assert trail.verify().ok


@pytest.fixture
def make_dossier_in():
    """A commune_submitted dossier with every district verdict 'agree', and its district officer."""
    from workflow_app.admin.operations import create_user

    def factory(app, commune="29269"):
        with app.app_context():
            officer = db.session.scalar(select(User).where(User.username == "huyen844"))
            if officer is None:
                officer = create_user(None, username="huyen844", full_name="Công an huyện", password="mat-khau-123",
                                      role="district_officer", unit_code="844")
            dossier = build_dossier(commune, "xa-dien-hinh-antt", "commune_submitted", creator=officer)
            for criterion in queries.criteria_set_of(dossier).criteria:
                db.session.add(Verdict(dossier=dossier, criterion=criterion.code, level="district", agree=True, by=officer))
            db.session.commit()
            return dossier.id, officer.id, dossier.version

    return factory


def test_parallel_guesses_check_at_most_five_passwords(threaded_app):
    """40 wrong passwords at once for one name: each attempt is counted before its password is checked.

    The throttle's clock stands still, so that this tests the counting alone: a writer that waits
    for SQLite's lock must not see a second pass and be let through for that.
    """
    from unittest import mock

    from workflow_app.admin.operations import create_user
    from workflow_app.auth import operations
    from workflow_app.auth.operations import authenticate
    from workflow_app.clock import utcnow
    from workflow_app.errors import RateLimited, Unauthorized

    with threaded_app.app_context():
        create_user(None, username="thanhtra", full_name="Thanh tra", password="mat-khau-thu-nghiem",
                    role="inspector", unit_code="84")
        db.session.commit()
    checked, lock = [], threading.Lock()
    real = User.check_password

    def counting(user, password):
        with lock:
            checked.append(password)
        return real(user, password)

    barrier = threading.Barrier(40)
    outcomes = [None] * 40

    def worker(i):
        with threaded_app.app_context():
            try:
                barrier.wait(timeout=30)
                authenticate("thanhtra", f"doan-{i}", "10.0.0.9")
            except RateLimited:
                outcomes[i] = "slowed"
            except Unauthorized:
                outcomes[i] = "wrong"
            except Exception as exc:  # recorded, so the assertion shows it
                outcomes[i] = f"error: {exc!r}"
            finally:
                db.session.remove()

    now = utcnow()
    with mock.patch.object(User, "check_password", counting), mock.patch.object(operations, "utcnow", lambda: now):
        threads = [threading.Thread(target=worker, args=(i,)) for i in range(40)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=90)
    assert len(checked) <= 5, outcomes
    assert outcomes.count("wrong") == len(checked) and outcomes.count("slowed") == 40 - len(checked), outcomes
