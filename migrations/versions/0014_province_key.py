"""Province key: ``province_id`` on the tables that grow with the responses (Citus-ready).

``province_id`` is the root of the answering unit's tree (the first id of ``unit.path``),
the distribution column a Citus deployment shards by (``survey_app/models/distribution.py``,
``deploy/citus/distribute.sql``, ``docs/scale.md``). Every unique key of those tables gains
it, and so do the keys between them: a client UUID is unique within a province, comment
and feedback_case point at (province_id, id) of response.

The column is added with a plain ALTER TABLE and filled with one UPDATE per province (the
same SQL on SQLite and PostgreSQL). Swapping the keys needs a table copy on SQLite
(batch mode); that is safe since ``migrations/env.py`` runs SQLite migrations with foreign
keys off and checks them afterwards (0009's warning predates that), and SQLite is the
small-data backend: PostgreSQL gets plain ALTERs, no copy. A copy drops the table's
triggers, so the tally triggers of 0013 are dropped first and recreated writing
``province_id`` into ``tally_dirty``.

Downgrade fails if one client UUID was stored in two provinces (the old key forbids it).

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-27 18:45:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

# table -> how its rows find their unit: a unit_id column, or a service point
BY_UNIT = ('response', 'psu_tally', 'cell_tally', 'part_tally', 'part_cell_tally',
           'feedback_case')
BY_POINT = ('invitation', 'tally_dirty')
TABLES = BY_UNIT + BY_POINT + ('comment',)
TALLIES = (('psu_tally', 'day'), ('cell_tally', 'month'), ('part_tally', 'day'),
           ('part_cell_tally', 'month'))
PART_KEY = {'part_tally': ('dimension', 'value'), 'part_cell_tally': ('dimension', 'value')}

WATCHED = ("quarantined", "answer_codes", "service_point_id", "unit_id", "submitted_at",
           "instrument_version_id")
PG_FUNCTION = """
CREATE OR REPLACE FUNCTION hailong_mark_tally_{name}() RETURNS trigger AS $$
BEGIN
  INSERT INTO tally_dirty ({key})
  SELECT DISTINCT {key_day}
  FROM {table}
  ON CONFLICT DO NOTHING;
  RETURN NULL;
END $$ LANGUAGE plpgsql
"""
CHANGED = ("(SELECT o.* FROM o JOIN n USING (id) WHERE ({old}) IS DISTINCT FROM ({new}) "
           "UNION ALL SELECT n.* FROM o JOIN n USING (id) WHERE ({old}) IS DISTINCT FROM ({new}))"
           " AS changed").format(old=", ".join(f"o.{c}" for c in WATCHED + ("province_id",)),
                                 new=", ".join(f"n.{c}" for c in WATCHED + ("province_id",)))
PG_TRIGGERS = [
    ("inserted", "AFTER INSERT", "NEW TABLE AS inserted", "inserted"),
    ("deleted", "AFTER DELETE", "OLD TABLE AS deleted", "deleted"),
    ("updated", "AFTER UPDATE", "OLD TABLE AS o NEW TABLE AS n", CHANGED),
]


def create_triggers(with_province):
    """The triggers of 0013, writing the province too when ``with_province``."""
    first = ("province_id",) if with_province else ()
    columns = first + ("instrument_version_id", "service_point_id", "day")
    key = ", ".join(columns)
    if op.get_bind().dialect.name == "postgresql":
        key_day = ", ".join(first + ("instrument_version_id", "service_point_id",
                                     "(submitted_at + interval '7 hours')::date"))
        for name, when, table, rows in PG_TRIGGERS:
            rows = rows if with_province else rows.replace(", o.province_id", "").replace(
                ", n.province_id", "")
            op.execute(PG_FUNCTION.format(name=name, table=rows, key=key, key_day=key_day))
            op.execute(f"CREATE TRIGGER response_tally_{name} {when} ON response "
                       f"REFERENCING {table} FOR EACH STATEMENT "
                       f"EXECUTE FUNCTION hailong_mark_tally_{name}()")
        return

    def row(r):
        values = ", ".join([f"{r}.{c}" for c in first + ("instrument_version_id",
                                                         "service_point_id")]
                           + [f"date({r}.submitted_at, '+7 hours')"])
        return f"INSERT OR IGNORE INTO tally_dirty ({key}) VALUES ({values});"

    watched = ", ".join(WATCHED + first)
    op.execute(f"CREATE TRIGGER response_tally_inserted AFTER INSERT ON response BEGIN "
               f"{row('NEW')} END")
    op.execute(f"CREATE TRIGGER response_tally_deleted AFTER DELETE ON response BEGIN "
               f"{row('OLD')} END")
    op.execute(f"CREATE TRIGGER response_tally_updated AFTER UPDATE OF {watched} ON response "
               f"BEGIN {row('OLD')} {row('NEW')} END")


def drop_triggers():
    postgresql = op.get_bind().dialect.name == "postgresql"
    for name in ("inserted", "deleted", "updated"):
        op.execute(f"DROP TRIGGER IF EXISTS response_tally_{name}"
                   + (" ON response" if postgresql else ""))
        if postgresql:
            op.execute(f"DROP FUNCTION IF EXISTS hailong_mark_tally_{name}()")


def fill_provinces():
    """One UPDATE per province and table: its units are those whose path starts with the
    province's (a root unit's path is '/<id>/')."""
    connection = op.get_bind()
    roots = connection.execute(sa.text(
        "SELECT id, path FROM unit WHERE parent_id IS NULL")).all()
    for root_id, path in roots:
        params = {"province": root_id, "prefix": f"{path}%"}
        units = "SELECT id FROM unit WHERE path LIKE :prefix"
        points = ("SELECT service_point.id FROM service_point JOIN unit "
                  "ON unit.id = service_point.unit_id WHERE unit.path LIKE :prefix")
        for table in BY_UNIT:
            connection.execute(sa.text(f"UPDATE {table} SET province_id = :province "  # noqa: S608
                                       f"WHERE unit_id IN ({units})"), params)
        for table in BY_POINT:
            connection.execute(sa.text(f"UPDATE {table} SET province_id = :province "  # noqa: S608
                                       f"WHERE service_point_id IN ({points})"), params)
    connection.execute(sa.text(
        "UPDATE comment SET province_id = (SELECT response.province_id FROM response "
        "WHERE response.id = comment.response_id)"))


def upgrade():
    drop_triggers()
    for table in TABLES:
        op.add_column(table, sa.Column('province_id', sa.Integer(), nullable=True))
    fill_provinces()

    def required(batch, table):
        batch.alter_column('province_id', existing_type=sa.Integer(), nullable=False)
        batch.create_foreign_key(f'fk_{table}_province_id_unit', 'unit', ['province_id'], ['id'])

    with op.batch_alter_table('response') as batch:
        required(batch, 'response')
        batch.drop_constraint('uq_response_client_uuid', type_='unique')
        batch.create_unique_constraint('uq_response_province_uuid', ['province_id', 'client_uuid'])
        batch.create_unique_constraint('uq_response_province_id', ['province_id', 'id'])
    with op.batch_alter_table('comment') as batch:
        required(batch, 'comment')
        batch.drop_constraint('fk_comment_response_id_response', type_='foreignkey')
        batch.drop_constraint('uq_comment_response_id', type_='unique')
        batch.create_unique_constraint('uq_comment_province_response',
                                       ['province_id', 'response_id'])
        batch.create_foreign_key('fk_comment_response', 'response', ['province_id', 'response_id'],
                                 ['province_id', 'id'], ondelete='CASCADE')
    with op.batch_alter_table('feedback_case') as batch:
        required(batch, 'feedback_case')
        batch.drop_constraint('fk_feedback_case_response_id_response', type_='foreignkey')
        batch.create_foreign_key('fk_feedback_case_response', 'response',
                                 ['province_id', 'response_id'], ['province_id', 'id'])
    with op.batch_alter_table('invitation') as batch:
        required(batch, 'invitation')
        batch.drop_constraint('uq_invitation_dossier', type_='unique')
        batch.create_unique_constraint('uq_invitation_dossier',
                                       ['province_id', 'service_point_id', 'dossier_hash'])
    for table, when in TALLIES:
        with op.batch_alter_table(table) as batch:
            required(batch, table)
            batch.drop_constraint(f'pk_{table}', type_='primary')
            batch.create_primary_key(f'pk_{table}', ['province_id', 'instrument_id',
                                                     'service_point_id', when, 'unit_id',
                                                     *PART_KEY.get(table, ())])
    with op.batch_alter_table('tally_dirty') as batch:
        required(batch, 'tally_dirty')
        batch.drop_constraint('pk_tally_dirty', type_='primary')
        batch.create_primary_key('pk_tally_dirty', ['province_id', 'instrument_version_id',
                                                    'service_point_id', 'day'])
    create_triggers(with_province=True)


def downgrade():
    drop_triggers()
    with op.batch_alter_table('tally_dirty') as batch:
        batch.drop_constraint('pk_tally_dirty', type_='primary')
        batch.create_primary_key('pk_tally_dirty', ['instrument_version_id', 'service_point_id',
                                                    'day'])
    for table, when in TALLIES:
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(f'pk_{table}', type_='primary')
            batch.create_primary_key(f'pk_{table}', ['instrument_id', 'service_point_id', when,
                                                     'unit_id', *PART_KEY.get(table, ())])
    with op.batch_alter_table('invitation') as batch:
        batch.drop_constraint('uq_invitation_dossier', type_='unique')
        batch.create_unique_constraint('uq_invitation_dossier', ['service_point_id', 'dossier_hash'])
    with op.batch_alter_table('feedback_case') as batch:
        batch.drop_constraint('fk_feedback_case_response', type_='foreignkey')
        batch.create_foreign_key('fk_feedback_case_response_id_response', 'response',
                                 ['response_id'], ['id'])
    with op.batch_alter_table('comment') as batch:
        batch.drop_constraint('fk_comment_response', type_='foreignkey')
        batch.drop_constraint('uq_comment_province_response', type_='unique')
        batch.create_unique_constraint('uq_comment_response_id', ['response_id'])
        batch.create_foreign_key('fk_comment_response_id_response', 'response', ['response_id'],
                                 ['id'], ondelete='CASCADE')
    with op.batch_alter_table('response') as batch:
        batch.drop_constraint('uq_response_province_id', type_='unique')
        batch.drop_constraint('uq_response_province_uuid', type_='unique')
        batch.create_unique_constraint('uq_response_client_uuid', ['client_uuid'])
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(f'fk_{table}_province_id_unit', type_='foreignkey')
            batch.drop_column('province_id')
    create_triggers(with_province=False)
