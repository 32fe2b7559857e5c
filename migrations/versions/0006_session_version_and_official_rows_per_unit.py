"""Revocable sessions: a session version per user. Official results belong to a unit.

An official row is now unique per unit (unit, index, place, year, code) and always has a
unit. Rows imported without one (`hailong import-official` without `--unit`) were never
shown anywhere (pages, API and commands read a unit's rows only) and cannot be given an
owner: they are deleted; import the table again with `--unit`.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 12:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='1',
                                      nullable=False))

    op.execute("DELETE FROM official_result WHERE unit_id IS NULL")
    with op.batch_alter_table('official_result', schema=None) as batch_op:
        batch_op.alter_column('unit_id', existing_type=sa.INTEGER(), nullable=False)
        batch_op.drop_constraint('uq_official_result_node', type_='unique')
        batch_op.create_unique_constraint(
            'uq_official_result_unit_node', ['unit_id', 'index', 'place', 'year', 'code'])


def downgrade():
    # The old key (index, place, year, code) held one row for all units: keep the oldest.
    op.execute(
        "DELETE FROM official_result WHERE id NOT IN (SELECT MIN(id) FROM official_result "
        'GROUP BY "index", place, year, code)')
    with op.batch_alter_table('official_result', schema=None) as batch_op:
        batch_op.drop_constraint('uq_official_result_unit_node', type_='unique')
        batch_op.create_unique_constraint(
            'uq_official_result_node', ['index', 'place', 'year', 'code'])
        batch_op.alter_column('unit_id', existing_type=sa.INTEGER(), nullable=True)

    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('session_version')
