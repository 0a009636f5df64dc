"""the calendars' revision: advanced by the database with every change to a province's calendar, deadlines or campaigns

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 17:00:00

A province's schedule (its days off and make-up days, its step deadlines, its campaigns) is read
on every page that marks what is overdue. Triggers advance the one row of calendar_revision with
every change to calendar_day, step_deadline or campaign, so that a schedule kept under the
revision it was read at cannot outlive a change, whatever makes it (the application, a bulk load,
psql). On SQLite, a later batch migration that copies one of these tables drops its triggers: it
must create them again (create_triggers()).
"""
import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

ADVANCE = "UPDATE calendar_revision SET value = value + 1 WHERE id = 1"
TABLES = ("calendar_day", "step_deadline", "campaign")
EVENTS = ("INSERT", "UPDATE", "DELETE")  # SQLite's triggers fire for each row, one event each


def create_triggers():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""CREATE OR REPLACE FUNCTION calendar_revision_advance() RETURNS trigger AS $$
        BEGIN
            {ADVANCE};
            RETURN NULL;
        END;
        $$ LANGUAGE plpgsql""")
        for table in TABLES:  # once per statement: a load of a year's days advances it once
            op.execute(f"CREATE TRIGGER {table}_calendar_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
                       f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION calendar_revision_advance()")
    else:
        for table in TABLES:
            for event in EVENTS:
                op.execute(f"CREATE TRIGGER {table}_{event.lower()}_calendar AFTER {event} ON {table} "
                           f"BEGIN {ADVANCE}; END")


def upgrade():
    op.create_table('calendar_revision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('value', sa.Integer(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_revision'))
    )
    op.execute("INSERT INTO calendar_revision (id, value) VALUES (1, 0)")
    create_triggers()


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_calendar_changed ON {table}")
        op.execute("DROP FUNCTION IF EXISTS calendar_revision_advance()")
    else:
        for table in TABLES:
            for event in EVENTS:
                op.execute(f"DROP TRIGGER IF EXISTS {table}_{event.lower()}_calendar")
    op.drop_table('calendar_revision')
