"""The schema comes from migrations; they must match the models on both engines."""
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from workflow_app import create_app
from workflow_app.config import normalize_database_url
from workflow_app.extensions import db

from .conftest import PG_URL, _missing, base_config


@pytest.fixture
def empty_database_url(backend, tmp_path, worker_id):
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrated.sqlite3'}"
        return
    if not PG_URL:
        _missing("PostgreSQL", "TEST_DATABASE_URL is not set")
    base = sa.engine.make_url(normalize_database_url(PG_URL))
    name = f"{base.database}_migrations_{worker_id}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield base.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_init_db_builds_exactly_the_models_schema(empty_database_url, tmp_path):
    app = create_app(base_config(empty_database_url, tmp_path / "uploads"))
    runner = app.test_cli_runner()
    for _ in range(2):  # creating, then upgrading an up-to-date schema
        result = runner.invoke(args=["init-db"])
        assert result.exit_code == 0, result.output
    with app.app_context():
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata)
        db.engine.dispose()
    assert diff == []
