"""the province's calendar and deadlines, notifications with their e-mail outbox, the access log

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 19:40:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email', sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column('email_enabled', sa.Boolean(), nullable=False, server_default=sa.true()))
        batch_op.add_column(sa.Column('language', sa.String(length=2), nullable=False, server_default='vi'))
    with op.batch_alter_table('dossier', schema=None) as batch_op:
        batch_op.add_column(sa.Column('due_on', sa.Date(), nullable=True))
        batch_op.create_index(batch_op.f('ix_dossier_due_on'), ['due_on'], unique=False)
    op.create_table('calendar_day',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('province_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('working', sa.Boolean(), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['province_id'], ['unit.id'], name=op.f('fk_calendar_day_province_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_day')),
    sa.UniqueConstraint('province_id', 'day', name=op.f('uq_calendar_day_province_id'))
    )
    op.create_table('step_deadline',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('province_id', sa.Integer(), nullable=False),
    sa.Column('criteria_set', sa.String(length=40), nullable=False),
    sa.Column('state', sa.String(length=24), nullable=False),
    sa.Column('working_days', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['province_id'], ['unit.id'], name=op.f('fk_step_deadline_province_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_step_deadline')),
    sa.UniqueConstraint('province_id', 'criteria_set', 'state', name=op.f('uq_step_deadline_province_id'))
    )
    op.create_table('campaign',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('province_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('opens_on', sa.Date(), nullable=True),
    sa.Column('submit_by', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['province_id'], ['unit.id'], name=op.f('fk_campaign_province_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign')),
    sa.UniqueConstraint('province_id', 'year', name=op.f('uq_campaign_province_id'))
    )
    op.create_table('notification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('dossier_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('link', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('email_state', sa.String(length=12), nullable=False),
    sa.Column('email_to', sa.String(length=254), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossier.id'], name=op.f('fk_notification_dossier_id_dossier')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_notification_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification'))
    )
    op.create_index('ix_notification_outbox', 'notification', ['email_state', 'next_attempt_at'], unique=False)
    op.create_index('ix_notification_unread', 'notification', ['user_id', 'read_at'], unique=False)
    op.create_table('access_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=32), nullable=False),
    sa.Column('dossier_id', sa.Integer(), nullable=True),
    sa.Column('evidence_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossier.id'], name=op.f('fk_access_log_dossier_id_dossier')),
    sa.ForeignKeyConstraint(['evidence_id'], ['evidence.id'], name=op.f('fk_access_log_evidence_id_evidence')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_access_log_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_access_log'))
    )
    op.create_index(op.f('ix_access_log_at'), 'access_log', ['at'], unique=False)
    op.create_index(op.f('ix_access_log_dossier_id'), 'access_log', ['dossier_id'], unique=False)
    # The access log is append-only like the audit trail, except that the purge removes old rows.
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""CREATE OR REPLACE FUNCTION access_log_no_update() RETURNS trigger AS $$
        BEGIN
            RAISE EXCEPTION 'the access log is append-only';
        END; $$ LANGUAGE plpgsql""")
        op.execute("CREATE TRIGGER access_log_no_update BEFORE UPDATE ON access_log "
                   "FOR EACH ROW EXECUTE FUNCTION access_log_no_update()")
    else:
        op.execute("CREATE TRIGGER access_log_no_update BEFORE UPDATE ON access_log "
                   "BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS access_log_no_update ON access_log")
        op.execute("DROP FUNCTION IF EXISTS access_log_no_update()")
    op.drop_index(op.f('ix_access_log_dossier_id'), table_name='access_log')
    op.drop_index(op.f('ix_access_log_at'), table_name='access_log')
    op.drop_table('access_log')
    op.drop_index('ix_notification_unread', table_name='notification')
    op.drop_index('ix_notification_outbox', table_name='notification')
    op.drop_table('notification')
    op.drop_table('campaign')
    op.drop_table('step_deadline')
    op.drop_table('calendar_day')
    with op.batch_alter_table('dossier', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dossier_due_on'))
        batch_op.drop_column('due_on')
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('language')
        batch_op.drop_column('email_enabled')
        batch_op.drop_column('email')
