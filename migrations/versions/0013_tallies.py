"""Tallies: sums per PSU and per cell, and the triggers that mark what changed.

The triggers on ``response`` write the (version, service point, local day) of every
inserted, deleted or changed response into ``tally_dirty``. On PostgreSQL they are
statement-level triggers with transition tables (one INSERT … SELECT DISTINCT per
statement: a COPY of a million rows adds one statement, not a million); SQLite has only
row-level triggers. The tallies themselves are filled by the first refresh.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-27 18:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

WATCHED = ("quarantined", "answer_codes", "service_point_id", "unit_id", "submitted_at",
           "instrument_version_id")

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION hailong_mark_tally_{name}() RETURNS trigger AS $$
BEGIN
  INSERT INTO tally_dirty (instrument_version_id, service_point_id, day)
  SELECT DISTINCT instrument_version_id, service_point_id,
         (submitted_at + interval '7 hours')::date
  FROM {table}
  ON CONFLICT DO NOTHING;
  RETURN NULL;
END $$ LANGUAGE plpgsql
"""
CHANGED = ("(SELECT o.* FROM o JOIN n USING (id) WHERE ({old}) IS DISTINCT FROM ({new}) "
           "UNION ALL SELECT n.* FROM o JOIN n USING (id) WHERE ({old}) IS DISTINCT FROM ({new}))"
           " AS changed").format(old=", ".join(f"o.{c}" for c in WATCHED),
                                 new=", ".join(f"n.{c}" for c in WATCHED))
# (name, event, transition tables, rows whose keys are dirty); an UPDATE trigger with
# transition tables cannot name columns, so it compares the watched ones itself
PG_TRIGGERS = [
    ("inserted", "AFTER INSERT", "NEW TABLE AS inserted", "inserted"),
    ("deleted", "AFTER DELETE", "OLD TABLE AS deleted", "deleted"),
    ("updated", "AFTER UPDATE", "OLD TABLE AS o NEW TABLE AS n", CHANGED),
]
SQLITE_ROW = ("INSERT OR IGNORE INTO tally_dirty (instrument_version_id, service_point_id, day) "
              "VALUES ({r}.instrument_version_id, {r}.service_point_id, "
              "date({r}.submitted_at, '+7 hours'));")


def create_triggers():
    if op.get_bind().dialect.name == "postgresql":
        for name, when, table, rows in PG_TRIGGERS:
            op.execute(PG_FUNCTION.format(name=name, table=rows))
            op.execute(f"CREATE TRIGGER response_tally_{name} {when} ON response "
                       f"REFERENCING {table} FOR EACH STATEMENT "
                       f"EXECUTE FUNCTION hailong_mark_tally_{name}()")
        return
    columns = ", ".join(WATCHED)
    op.execute("CREATE TRIGGER response_tally_inserted AFTER INSERT ON response BEGIN "
               + SQLITE_ROW.format(r="NEW") + " END")
    op.execute("CREATE TRIGGER response_tally_deleted AFTER DELETE ON response BEGIN "
               + SQLITE_ROW.format(r="OLD") + " END")
    op.execute(f"CREATE TRIGGER response_tally_updated AFTER UPDATE OF {columns} ON response "
               "BEGIN " + SQLITE_ROW.format(r="OLD") + " " + SQLITE_ROW.format(r="NEW") + " END")


def drop_triggers():
    if op.get_bind().dialect.name == "postgresql":
        for name, *_ in PG_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS response_tally_{name} ON response")
            op.execute(f"DROP FUNCTION IF EXISTS hailong_mark_tally_{name}()")
        return
    for name in ("inserted", "deleted", "updated"):
        op.execute(f"DROP TRIGGER IF EXISTS response_tally_{name}")


def upgrade():
    def key():
        return [sa.Column('instrument_id', sa.Integer(), nullable=False),
                sa.Column('service_point_id', sa.Integer(), nullable=False)]

    op.create_table(
        'psu_tally', *key(),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('responses', sa.Integer(), nullable=False),
        sa.Column('sums', sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(['instrument_id'], ['instrument.id']),
        sa.ForeignKeyConstraint(['service_point_id'], ['service_point.id']),
        sa.ForeignKeyConstraint(['unit_id'], ['unit.id']),
        sa.PrimaryKeyConstraint('instrument_id', 'service_point_id', 'day', 'unit_id'))
    op.create_table(
        'cell_tally', *key(),
        sa.Column('month', sa.Date(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('responses', sa.Integer(), nullable=False),
        sa.Column('gram', sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(['instrument_id'], ['instrument.id']),
        sa.ForeignKeyConstraint(['service_point_id'], ['service_point.id']),
        sa.ForeignKeyConstraint(['unit_id'], ['unit.id']),
        sa.PrimaryKeyConstraint('instrument_id', 'service_point_id', 'month', 'unit_id'))
    for name, period in (('part_tally', 'day'), ('part_cell_tally', 'month')):
        op.create_table(
            name, *key(),
            sa.Column(period, sa.Date(), nullable=False),
            sa.Column('unit_id', sa.Integer(), nullable=False),
            sa.Column('dimension', sa.String(length=20), nullable=False),
            sa.Column('value', sa.String(length=60), nullable=False),
            sa.Column('responses', sa.Integer(), nullable=False),
            sa.Column('sums' if period == 'day' else 'gram', sa.LargeBinary(), nullable=False),
            sa.ForeignKeyConstraint(['instrument_id'], ['instrument.id']),
            sa.ForeignKeyConstraint(['service_point_id'], ['service_point.id']),
            sa.ForeignKeyConstraint(['unit_id'], ['unit.id']),
            sa.PrimaryKeyConstraint('instrument_id', 'service_point_id', period, 'unit_id',
                                    'dimension', 'value'))
    op.create_table(
        'tally_state',
        sa.Column('instrument_id', sa.Integer(), nullable=False),
        sa.Column('layout', sa.String(length=64), nullable=False),
        sa.Column('refreshed_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['instrument_id'], ['instrument.id']),
        sa.PrimaryKeyConstraint('instrument_id'))
    op.create_table(
        'tally_dirty',
        sa.Column('instrument_version_id', sa.Integer(), nullable=False),
        sa.Column('service_point_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint('instrument_version_id', 'service_point_id', 'day'))
    create_triggers()
    # the pages' other reads over all responses: flagged answers, published comments
    op.create_index('ix_response_flagged_unit', 'response', ['unit_id', 'submitted_at'],
                    postgresql_where=sa.text("quarantine_reason IS NOT NULL"),
                    sqlite_where=sa.text("quarantine_reason IS NOT NULL"))
    op.create_index('ix_comment_published', 'comment', ['response_id'],
                    postgresql_where=sa.text("status = 'published'"),
                    sqlite_where=sa.text("status = 'published'"))
    # every response there is counts as changed: the first refresh builds the tallies
    op.execute("INSERT INTO tally_dirty (instrument_version_id, service_point_id, day) "
               "SELECT DISTINCT instrument_version_id, service_point_id, "
               + ("(submitted_at + interval '7 hours')::date"
                  if op.get_bind().dialect.name == "postgresql"
                  else "date(submitted_at, '+7 hours')") + " FROM response")


def downgrade():
    op.drop_index('ix_comment_published', table_name='comment')
    op.drop_index('ix_response_flagged_unit', table_name='response')
    drop_triggers()
    op.drop_table('tally_dirty')
    op.drop_table('tally_state')
    op.drop_table('cell_tally')
    op.drop_table('part_cell_tally')
    op.drop_table('part_tally')
    op.drop_table('psu_tally')
