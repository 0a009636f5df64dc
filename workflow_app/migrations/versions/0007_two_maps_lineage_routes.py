"""both administrative maps with their lineage, and each dossier's review route

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 21:45:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.add_column(sa.Column('map', sa.String(length=8), nullable=False, server_default='legacy'))
        batch_op.add_column(sa.Column('valid_from', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('valid_to', sa.Date(), nullable=True))
        batch_op.drop_constraint('uq_unit_code', type_='unique')
        batch_op.create_unique_constraint(op.f('uq_unit_map'), ['map', 'code'])
        batch_op.create_index(batch_op.f('ix_unit_code'), ['code'], unique=False)
    op.create_table('unit_lineage',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('predecessor_id', sa.Integer(), nullable=False),
    sa.Column('successor_id', sa.Integer(), nullable=False),
    sa.Column('whole', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['predecessor_id'], ['unit.id'], name=op.f('fk_unit_lineage_predecessor_id_unit')),
    sa.ForeignKeyConstraint(['successor_id'], ['unit.id'], name=op.f('fk_unit_lineage_successor_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unit_lineage')),
    sa.UniqueConstraint('predecessor_id', 'successor_id', name=op.f('uq_unit_lineage_predecessor_id'))
    )
    with op.batch_alter_table('unit_lineage', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unit_lineage_predecessor_id'), ['predecessor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_unit_lineage_successor_id'), ['successor_id'], unique=False)
    with op.batch_alter_table('dossier', schema=None) as batch_op:
        batch_op.add_column(sa.Column('route', sa.String(length=24), nullable=False, server_default='via_district'))


def downgrade():
    with op.batch_alter_table('dossier', schema=None) as batch_op:
        batch_op.drop_column('route')
    op.drop_table('unit_lineage')
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unit_code'))
        batch_op.drop_constraint(op.f('uq_unit_map'), type_='unique')
        batch_op.create_unique_constraint('uq_unit_code', ['code'])
        batch_op.drop_column('valid_to')
        batch_op.drop_column('valid_from')
        batch_op.drop_column('map')
