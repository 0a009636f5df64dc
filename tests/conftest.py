"""Fixtures: a fresh database per test, on SQLite in memory and, when TEST_DATABASE_URL is set,
on PostgreSQL (one database per xdist worker, emptied between tests)."""
from __future__ import annotations

import contextvars
import os
import re
import sqlite3

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from workflow_app import create_app
from workflow_app.extensions import db
from workflow_app.models import User
from workflow_app.units.operations import load_units

PG_URL = os.environ.get("TEST_DATABASE_URL", "").strip()
REQUIRE_ALL = os.environ.get("REQUIRE_ALL_BACKENDS") == "1"
TEST_PASSWORD = "mat-khau-thu-nghiem"
BACKENDS = ["sqlite", "postgresql"]
_skipped_backends: set[str] = set()


def _missing(what: str, why: str):
    """Skip a case whose backend is absent, but fail it where CI demands every backend."""
    if REQUIRE_ALL:
        pytest.fail(f"{what} is required here (REQUIRE_ALL_BACKENDS=1): {why}")
    _skipped_backends.add(what)
    pytest.skip(f"{what} not available: {why}")


def pytest_terminal_summary(terminalreporter):
    if not PG_URL:
        terminalreporter.write_sep(
            "!", "TEST_DATABASE_URL is not set: every PostgreSQL case was SKIPPED", red=True, bold=True
        )


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _pg_worker_url(worker: str) -> str:
    """A database of its own for each xdist worker of this run, named with the worker's process:
    two runs on one server at once (a developer's beside CI's) would otherwise empty each other's
    tables and wait on each other's locks. A stopped run's databases are dropped by the next."""
    from workflow_app.config import normalize_database_url

    base = sa.engine.make_url(normalize_database_url(PG_URL))
    prefix = f"{base.database}_{re.sub(r'[^a-z0-9]', '', worker)}_"
    name = f"{prefix}{os.getpid()}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for (old,) in conn.execute(sa.text("SELECT datname FROM pg_database WHERE starts_with(datname, :p)"),
                                   {"p": prefix}).all():
            pid = old[len(prefix):]
            if pid.isdigit() and not _alive(int(pid)):  # this process is alive: its own is kept
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{old}" WITH (FORCE)'))
        if not conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def _drop_database(url: str) -> None:
    target = sa.engine.make_url(url)
    admin = sa.create_engine(target.set(database=sa.engine.make_url(PG_URL).database), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def pg_url(worker_id):
    if not PG_URL:
        _missing("PostgreSQL", "TEST_DATABASE_URL is not set")
    url = _pg_worker_url(worker_id)
    yield url
    _drop_database(url)


def base_config(database_url: str, upload_dir) -> dict:
    return {
        "APP_ENV": "testing",
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "AUDIT_KEY": "test-audit-key",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "UPLOAD_DIR": str(upload_dir),
    }


def migrate_schema() -> None:
    """Build the schema as production does: by running the migrations (triggers included)."""
    from flask_migrate import upgrade

    upgrade()


@pytest.fixture(scope="session")
def _pg_schema(pg_url, tmp_path_factory):
    """Migrate a new schema once per worker; tests then only empty the tables."""
    app = create_app(base_config(pg_url, tmp_path_factory.mktemp("uploads")))
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
        migrate_schema()
        db.engine.dispose()
    return pg_url


_sqlite_template: dict[str, str] = {}


def _sqlite_template_path() -> str:
    """A SQLite file migrated and holding Trà Vinh's units, made once per worker and copied into each test's database."""
    if "path" not in _sqlite_template:
        import atexit
        import shutil
        import tempfile

        folder = tempfile.mkdtemp(prefix="antt-schema-")
        atexit.register(shutil.rmtree, folder, True)
        path = os.path.join(folder, "template.sqlite3")
        app = create_app(base_config(f"sqlite:///{path}", os.path.join(os.path.dirname(path), "uploads")))
        with app.app_context():
            migrate_schema()
            load_units(["84"])
            db.session.commit()
            db.engine.dispose()
        _sqlite_template["path"] = path
    return _sqlite_template["path"]


def _empty_tables() -> None:
    """Empty every table between tests, past the audit trail's TRUNCATE guard (as its owner may)."""
    tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
    db.session.execute(sa.text("SET LOCAL session_replication_role = replica"))
    db.session.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    for table in ("map_revision", "calendar_revision"):  # as the migrations leave them
        db.session.execute(sa.text(f"INSERT INTO {table} (id, value) VALUES (1, 0)"))
    db.session.commit()


class FreshContextClient(FlaskClient):
    """Serve each request in its own application context, as in production.

    The fixture keeps an app context open for the test's own database work; without this,
    requests would share it, and with it `g` (the signed-in user, the chosen language).
    """

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture(params=BACKENDS)
def backend(request):
    return request.param


def prepare_database(backend: str) -> None:
    """A migrated schema holding Trà Vinh's units: a copy of the worker's template (SQLite), or
    the worker's migrated database with its tables emptied (PostgreSQL)."""
    if backend == "sqlite":
        template = sqlite3.connect(_sqlite_template_path())
        target = db.engine.raw_connection()
        try:
            template.backup(target.driver_connection)
        finally:
            target.close()
            template.close()
        return
    _empty_tables()
    load_units(["84"])
    db.session.commit()


@pytest.fixture
def app(request, backend, tmp_path):
    """The application on a fresh database holding Trà Vinh's units (province 84)."""
    if backend == "sqlite":
        url = "sqlite://"
    else:
        url = request.getfixturevalue("_pg_schema")
    app = create_app(base_config(url, tmp_path / "uploads"))
    app.config["BACKEND"] = backend
    app.test_client_class = FreshContextClient
    with app.app_context():
        prepare_database(backend)
        yield app
        db.session.rollback()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_user(app):
    """Factory: make_user("commune_officer", "29464") -> a saved, active user."""
    from workflow_app.admin.operations import create_user

    counter = iter(range(1, 10_000))

    def factory(role: str, unit_code: str, *, username: str | None = None, active: bool = True) -> User:
        user = create_user(
            None,
            username=username or f"{role.split('_')[0]}{next(counter)}",
            full_name=f"Cán bộ {role}",
            password=TEST_PASSWORD,
            role=role,
            unit_code=unit_code,
            active=active,
        )
        db.session.commit()
        return user

    return factory


@pytest.fixture
def login(client):
    """Sign a user in through the real login form."""

    def do(user: User, password: str = TEST_PASSWORD):
        return client.post("/login", data={"username": user.username, "password": password})

    return do


def build_dossier(unit_code: str, set_code: str, state: str = "draft", *, year: int = 2024, creator: User,
                  values: dict | None = None):
    """A dossier in any state whose data meets every criterion of its set.

    Built row by row (not through the operations), so that a test can start from any state.
    Reviewer verdicts that the state implies (district approval, PV05 verification) are all "agree".
    """
    import secrets
    from datetime import date

    import criteria
    import states
    from criteria.samples import passing_facts
    from workflow_app.models import Attestation, Dossier, Evidence, Verdict
    from workflow_app.units import revisions
    from workflow_app.units.operations import get_unit, route_of

    cset = criteria.default_registry().get(set_code)
    facts = passing_facts(cset, year)
    unit = get_unit(unit_code)
    route = route_of(unit, year).code
    dossier = Dossier(unit=unit, criteria_set=cset.code, criteria_set_version=cset.version,
                      level=cset.level, route=route, year=year, state=state, version=1,
                      values={**facts.values, **(values or {})}, created_by=creator)
    if state in ("pv05_verified", "recognized", "revoked"):
        dossier.verified_on = date(year + 1, 1, 10)
    if state in ("recognized", "revoked"):
        dossier.decision_number = "15/QĐ-CAT"
        dossier.decision_date = date(year + 1, 1, 15)
        dossier.decision_authority = "Công an tỉnh Trà Vinh"
    db.session.add(dossier)
    for code, attestation in facts.attestations.items():
        db.session.add(Attestation(dossier=dossier, criterion=code, met=attestation.met, note=attestation.note, by=creator))
    for document in facts.documents:
        db.session.add(Evidence(dossier=dossier, document_type=document.type, issued_on=document.issued_on,
                                filename=f"{document.type}.pdf", stored_name=secrets.token_hex(16),
                                content_type="application/pdf", size=10, sha256="0" * 64, uploaded_by=creator))
    # The reviewers whose step the state lies past: each reviewer approves its waiting state on.
    workflow = states.workflow_for(cset.level, route)
    path = [state for state, _level in workflow.review_states] + ["pv05_verified", "recognized", "revoked"]
    reviewed = [level for waiting, level in workflow.review_states
                if state in path and path.index(state) > path.index(waiting)]
    for level in reviewed:
        for criterion in cset.criteria:
            db.session.add(Verdict(dossier=dossier, criterion=criterion.code, level=level, agree=True, by=creator))
    revisions.advance(unit)  # as the trail does for every change: the province's overview is computed again
    db.session.commit()
    return dossier


@pytest.fixture
def make_dossier(app):
    """Factory: make_dossier("29269", "xa-ntm-19.2", "commune_submitted") -> a dossier meeting every criterion."""

    def factory(unit_code: str, set_code: str, state: str = "draft", *, year: int = 2024, values: dict | None = None):
        creator = db.session.scalar(sa.select(User).order_by(User.id).limit(1))
        if creator is None:
            from workflow_app.admin.operations import create_user

            creator = create_user(None, username="nguoitao", full_name="Người tạo", password=TEST_PASSWORD,
                                  role="admin", unit_code="84")
        return build_dossier(unit_code, set_code, state, year=year, creator=creator, values=values)

    return factory


# One user per role around Xã Mỹ Cẩm (29269), in Huyện Càng Long (844).
ROLE_UNITS = {"commune_officer": "29269", "district_officer": "844", "pv05_officer": "84", "inspector": "84",
              "admin": "84"}


@pytest.fixture
def people(make_user):
    return {role: make_user(role, unit) for role, unit in ROLE_UNITS.items()}


@pytest.fixture
def count_queries(app):
    """count(fn) -> (what fn returned, the statements it issued); count.last holds their text."""
    def count(fn):
        statements = []

        def record(_conn, _cursor, statement, *_args):
            statements.append(statement)

        sa.event.listen(db.engine, "before_cursor_execute", record)
        try:
            response = fn()
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", record)
        count.last = statements
        return response, len(statements)

    return count
