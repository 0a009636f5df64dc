"""the indexes of the inboxes (a scope's dossiers by unit and state) and of the dossier list
(latest change first)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 08:00:00

"""
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('dossier', schema=None) as batch_op:
        batch_op.create_index('ix_dossier_unit_state', ['unit_id', 'state'], unique=False)
        batch_op.create_index('ix_dossier_latest', ['updated_at', 'id'], unique=False)
        batch_op.drop_index('ix_dossier_unit_id')  # the new index leads with unit_id


def downgrade():
    with op.batch_alter_table('dossier', schema=None) as batch_op:
        batch_op.create_index('ix_dossier_unit_id', ['unit_id'], unique=False)
        batch_op.drop_index('ix_dossier_latest')
        batch_op.drop_index('ix_dossier_unit_state')
