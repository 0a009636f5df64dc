"""the map's revision moves with a unit's name too: what is kept under it shows names

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 17:30:00

Kept under the map's revision since 0012: the scopes (ids and codes). Now also the dossier list's
districts to filter by and the units a unit was formed from, which show names: a unit renamed,
whoever renames it, advances the revision as a unit moved does.
"""
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

ADVANCE = "UPDATE map_revision SET value = value + 1 WHERE id = 1"


def _unit_trigger(columns: str) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS unit_map_changed ON unit")
        op.execute(f"CREATE TRIGGER unit_map_changed AFTER INSERT OR DELETE OR UPDATE OF {columns} ON unit "
                   "FOR EACH STATEMENT EXECUTE FUNCTION map_revision_advance()")
    else:
        op.execute("DROP TRIGGER IF EXISTS unit_moved")
        op.execute(f"CREATE TRIGGER unit_moved AFTER UPDATE OF {columns} ON unit BEGIN {ADVANCE}; END")


def upgrade():
    _unit_trigger("parent_id, code, name")


def downgrade():
    _unit_trigger("parent_id, code")
