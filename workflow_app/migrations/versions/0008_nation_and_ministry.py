"""the nation above the provinces, the ministry's readers attached to it, and the indexes of the
national overview

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 01:00:00

"""
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

LEVELS = "'province', 'district', 'commune'"
ROLES = "'commune_officer', 'district_officer', 'pv05_officer', 'inspector', 'admin'"


def upgrade():
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_unit_level'), type_='check')
        batch_op.create_check_constraint('level', f"level IN ('nation', {LEVELS})")
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_user_account_role'), type_='check')
        batch_op.create_check_constraint('role', f"role IN ({ROLES}, 'ministry_officer')")
    with op.batch_alter_table('dossier', schema=None) as batch_op:
        batch_op.create_index('ix_dossier_year_state', ['year', 'state', 'unit_id'], unique=False)
        batch_op.create_index('ix_dossier_recognitions', ['state', 'year', 'unit_id', 'criteria_set'], unique=False)


def downgrade():
    with op.batch_alter_table('dossier', schema=None) as batch_op:
        batch_op.drop_index('ix_dossier_recognitions')
        batch_op.drop_index('ix_dossier_year_state')
    op.execute("DELETE FROM user_account WHERE role = 'ministry_officer'")
    op.execute("DELETE FROM unit WHERE level = 'nation'")
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_user_account_role'), type_='check')
        batch_op.create_check_constraint('role', f"role IN ({ROLES})")
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_unit_level'), type_='check')
        batch_op.create_check_constraint('level', f"level IN ({LEVELS})")
