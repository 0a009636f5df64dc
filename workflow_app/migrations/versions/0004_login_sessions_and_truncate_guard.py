"""login sessions; the audit trail refuses TRUNCATE, its head refuses DELETE

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 16:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('login_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_login_session_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_session')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_login_session_key_hash'))
    )
    with op.batch_alter_table('login_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_session_user_id'), ['user_id'], unique=False)
    # Row triggers do not see TRUNCATE; a statement trigger refuses it (SQLite has no TRUNCATE:
    # its DELETE trigger already covers "DELETE FROM audit_entry").
    # The head row (the chain's last seq and seal, which verify holds the chain against) is
    # updated with every entry and never deleted.
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON audit_entry "
                   "FOR EACH STATEMENT EXECUTE FUNCTION audit_entry_append_only()")
        op.execute("""CREATE OR REPLACE FUNCTION audit_head_kept() RETURNS trigger AS $$
        BEGIN
            RAISE EXCEPTION 'the audit trail''s head is never deleted';
        END;
        $$ LANGUAGE plpgsql""")
        op.execute("CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head "
                   "FOR EACH ROW EXECUTE FUNCTION audit_head_kept()")
        op.execute("CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_head "
                   "FOR EACH STATEMENT EXECUTE FUNCTION audit_head_kept()")
    else:
        op.execute("CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head "
                   "BEGIN SELECT RAISE(ABORT, 'the audit trail''s head is never deleted'); END")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_entry_no_truncate ON audit_entry")
        op.execute("DROP TRIGGER IF EXISTS audit_head_no_delete ON audit_head")
        op.execute("DROP TRIGGER IF EXISTS audit_head_no_truncate ON audit_head")
        op.execute("DROP FUNCTION IF EXISTS audit_head_kept()")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_head_no_delete")
    with op.batch_alter_table('login_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_session_user_id'))
    op.drop_table('login_session')
