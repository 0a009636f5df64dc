"""the map's revision: advanced by the database with every change to the unit tree or its lineage

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 14:00:00

A scope (the units a user's unit reaches down its tree and back along the lineage, their ids and
codes) depends on the units' parents and codes and on the lineage alone. Triggers advance the one
row of map_revision with every INSERT, DELETE or UPDATE OF parent_id, code on unit, and every
change to unit_lineage, so that a scope kept under the revision it was read at cannot outlive a
change to the map, whatever makes it (the application, a bulk load, COPY, psql). On SQLite, a
later batch migration that copies the unit or unit_lineage table drops their triggers: it must
create them again (create_triggers()).
"""
import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

ADVANCE = "UPDATE map_revision SET value = value + 1 WHERE id = 1"
# (trigger, table, event) on SQLite, whose triggers fire for each row.
SQLITE_TRIGGERS = (
    ("unit_added", "unit", "INSERT"),
    ("unit_removed", "unit", "DELETE"),
    ("unit_moved", "unit", "UPDATE OF parent_id, code"),
    ("lineage_added", "unit_lineage", "INSERT"),
    ("lineage_removed", "unit_lineage", "DELETE"),
    ("lineage_changed", "unit_lineage", "UPDATE"),
)


def create_triggers():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""CREATE OR REPLACE FUNCTION map_revision_advance() RETURNS trigger AS $$
        BEGIN
            {ADVANCE};
            RETURN NULL;
        END;
        $$ LANGUAGE plpgsql""")
        # Once per statement: a load of ten thousand units advances the revision once.
        op.execute("CREATE TRIGGER unit_map_changed AFTER INSERT OR DELETE OR UPDATE OF parent_id, code ON unit "
                   "FOR EACH STATEMENT EXECUTE FUNCTION map_revision_advance()")
        op.execute("CREATE TRIGGER unit_map_truncated AFTER TRUNCATE ON unit "
                   "FOR EACH STATEMENT EXECUTE FUNCTION map_revision_advance()")
        op.execute("CREATE TRIGGER lineage_map_changed AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON unit_lineage "
                   "FOR EACH STATEMENT EXECUTE FUNCTION map_revision_advance()")
    else:
        for name, table, event in SQLITE_TRIGGERS:
            op.execute(f"CREATE TRIGGER {name} AFTER {event} ON {table} BEGIN {ADVANCE}; END")


def upgrade():
    op.create_table('map_revision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('value', sa.Integer(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_map_revision'))
    )
    op.execute("INSERT INTO map_revision (id, value) VALUES (1, 0)")
    create_triggers()


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS unit_map_changed ON unit")
        op.execute("DROP TRIGGER IF EXISTS unit_map_truncated ON unit")
        op.execute("DROP TRIGGER IF EXISTS lineage_map_changed ON unit_lineage")
        op.execute("DROP FUNCTION IF EXISTS map_revision_advance()")
    else:
        for name, _table, _event in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table('map_revision')
