"""Driver and extra sums: ``psu_tally.drivers`` (the key drivers' sufficient statistics)
and ``psu_tally.extras`` (counts of the yes/no and choice items) per PSU.

Σ z zᵀ over the PSU's complete answers, z = [1, x_1 … x_K, y] (the factors' share of
satisfied answers and the overall answer's, ``analysis.drivers``), float64 (K+2)², so the
insights page and the API's drivers read no response row; ``extras`` counts the other
stored items per value (the report's informal demands and trips), int32. Existing tallies are rebuilt
by the next ``hailong tally refresh``: the tally layout's digest names this format.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-27 22:20:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('psu_tally', sa.Column('drivers', sa.LargeBinary(), nullable=True))
    op.add_column('psu_tally', sa.Column('extras', sa.LargeBinary(), nullable=True))


def downgrade():
    with op.batch_alter_table('psu_tally') as batch_op:
        batch_op.drop_column('extras')
        batch_op.drop_column('drivers')
