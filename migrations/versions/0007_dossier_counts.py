"""Dossier counts per service point and month (the population for post-stratification).

Revision ID: 0007
Revises: 0010
Create Date: 2026-11-27 15:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'dossier_count',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('service_point_id', sa.Integer(), nullable=False),
        sa.Column('month', sa.Date(), nullable=False),
        sa.Column('procedure_code', sa.String(length=40), server_default='', nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint('count >= 0', name=op.f('ck_dossier_count_count_not_negative')),
        sa.ForeignKeyConstraint(['service_point_id'], ['service_point.id'],
                                name=op.f('fk_dossier_count_service_point_id_service_point')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_dossier_count')),
        sa.UniqueConstraint('service_point_id', 'month', 'procedure_code',
                            name='uq_dossier_count_point_month_procedure'),
    )
    with op.batch_alter_table('dossier_count', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dossier_count_service_point_id'),
                              ['service_point_id'], unique=False)


def downgrade():
    with op.batch_alter_table('dossier_count', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dossier_count_service_point_id'))
    op.drop_table('dossier_count')
