"""Imports of responses: the import (who, when, file, mapping, counts) and its responses.

The new column of ``response`` is added with a plain ALTER TABLE, never by copying the
table (batch mode): on SQLite, with foreign keys on, dropping the old ``response`` table
would delete every answer through ON DELETE CASCADE.

Revision ID: 0009
Revises: 0007
Create Date: 2026-11-27 14:52:48.509118

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('response_import',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('preview', 'imported', 'undone', 'discarded', name='importstatus', native_enum=False, length=20), nullable=False),
    sa.Column('service_point_id', sa.Integer(), nullable=False),
    sa.Column('instrument_version_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('actor', sa.String(length=120), nullable=False),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('file_digest', sa.String(length=64), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('mapping', sa.JSON(), nullable=False),
    sa.Column('file_columns', sa.JSON(), nullable=True),
    sa.Column('rows_total', sa.Integer(), nullable=False),
    sa.Column('rows_valid', sa.Integer(), nullable=False),
    sa.Column('rows_invalid', sa.Integer(), nullable=False),
    sa.Column('rows_duplicate', sa.Integer(), nullable=False),
    sa.Column('rows_stored', sa.Integer(), nullable=False),
    sa.Column('problems', sa.JSON(), nullable=True),
    sa.Column('first_answer_at', sa.DateTime(), nullable=True),
    sa.Column('last_answer_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('imported_at', sa.DateTime(), nullable=True),
    sa.Column('undone_at', sa.DateTime(), nullable=True),
    sa.Column('undone_by', sa.String(length=120), nullable=True),
    sa.ForeignKeyConstraint(['instrument_version_id'], ['instrument_version.id'], name=op.f('fk_response_import_instrument_version_id_instrument_version')),
    sa.ForeignKeyConstraint(['service_point_id'], ['service_point.id'], name=op.f('fk_response_import_service_point_id_service_point')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_response_import_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_response_import'))
    )
    with op.batch_alter_table('response_import', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_response_import_service_point_id'), ['service_point_id'], unique=False)

    if op.get_bind().dialect.name == 'sqlite':
        op.execute('ALTER TABLE response ADD COLUMN import_id INTEGER '
                   'CONSTRAINT fk_response_import_id_response_import '
                   'REFERENCES response_import (id)')
    else:
        op.add_column('response', sa.Column('import_id', sa.Integer(), nullable=True))
        op.create_foreign_key(op.f('fk_response_import_id_response_import'), 'response',
                              'response_import', ['import_id'], ['id'])
    op.create_index(op.f('ix_response_import_id'), 'response', ['import_id'], unique=False)



def downgrade():
    op.drop_index(op.f('ix_response_import_id'), table_name='response')
    if op.get_bind().dialect.name == 'sqlite':
        drop_column_on_sqlite()
    else:
        op.drop_constraint(op.f('fk_response_import_id_response_import'), 'response',
                           type_='foreignkey')
        op.drop_column('response', 'import_id')

    with op.batch_alter_table('response_import', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_response_import_service_point_id'))

    op.drop_table('response_import')


def tables_pointing_at_response(connection):
    """(table, column, on delete) of every foreign key to ``response``."""
    tables = connection.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE type = 'table'").scalars().all()
    for table in tables:
        for key in connection.exec_driver_sql(f"PRAGMA foreign_key_list('{table}')"):
            if key[2] == 'response':
                yield table, key[3], key[6]


def drop_column_on_sqlite():
    """SQLite cannot drop a column with a REFERENCES clause: the table is copied without it.

    Dropping the old table deletes its rows first: ON DELETE CASCADE would take every
    answer and comment with them, and a plain reference (a feedback case) would stay
    broken. The rows are kept aside (the references cleared) and put back once the copy
    bears the old name; ``defer_foreign_keys`` checks the keys at the commit.
    """
    connection = op.get_bind()
    op.execute('PRAGMA defer_foreign_keys = ON')
    pointing = list(tables_pointing_at_response(connection))
    for table, column, on_delete in pointing:
        if on_delete == 'CASCADE':
            op.execute(f'CREATE TEMP TABLE keep_{table} AS SELECT * FROM "{table}"')
        else:
            op.execute(f'CREATE TEMP TABLE keep_{table} AS SELECT rowid AS row_id, "{column}" '
                       f'AS ref FROM "{table}" WHERE "{column}" IS NOT NULL')
            op.execute(f'UPDATE "{table}" SET "{column}" = NULL')
    with op.batch_alter_table('response', recreate='always') as batch_op:
        batch_op.drop_column('import_id')
    for table, column, on_delete in pointing:
        if on_delete == 'CASCADE':
            op.execute(f'DELETE FROM "{table}"')
            op.execute(f'INSERT INTO "{table}" SELECT * FROM keep_{table}')
        else:
            op.execute(f'UPDATE "{table}" SET "{column}" = (SELECT ref FROM keep_{table} '
                       f'WHERE row_id = "{table}".rowid) '
                       f'WHERE rowid IN (SELECT row_id FROM keep_{table})')
        op.execute(f'DROP TABLE keep_{table}')
