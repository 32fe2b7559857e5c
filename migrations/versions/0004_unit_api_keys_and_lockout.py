"""Read-only API keys for a unit; login lockout counters.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 02:52:51.998087

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('api_key', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unit_id', sa.Integer(), nullable=True))
        batch_op.alter_column('service_point_id',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.create_index(batch_op.f('ix_api_key_unit_id'), ['unit_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_api_key_unit_id_unit'), 'unit', ['unit_id'], ['id'])
        batch_op.create_check_constraint(
            'one_scope', '(service_point_id IS NULL) <> (unit_id IS NULL)')

    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('failed_logins', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('locked_until', sa.DateTime(), nullable=True))



def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('locked_until')
        batch_op.drop_column('failed_logins')

    op.execute("DELETE FROM api_key WHERE unit_id IS NOT NULL")
    with op.batch_alter_table('api_key', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_api_key_one_scope'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_api_key_unit_id_unit'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_api_key_unit_id'))
        batch_op.alter_column('service_point_id',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.drop_column('unit_id')

