"""the indexes of the province overview: a year's dossiers of a scope, and the moves of the trail
read from the index alone

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 10:30:00

"""
from alembic import op
from sqlalchemy import text

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

MOVES = text("to_state IS NOT NULL")


def upgrade():
    with op.batch_alter_table('dossier', schema=None) as batch_op:
        batch_op.create_index('ix_dossier_year_unit', ['year', 'unit_id', 'state'], unique=False)
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.create_index('ix_audit_entry_moves', ['dossier_id', 'seq', 'at', 'from_state', 'to_state'],
                              unique=False, sqlite_where=MOVES, postgresql_where=MOVES)


def downgrade():
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_entry_moves')
    with op.batch_alter_table('dossier', schema=None) as batch_op:
        batch_op.drop_index('ix_dossier_year_unit')
