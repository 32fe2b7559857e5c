"""Quarantined responses (held out of the indices until a manager decides), the keyed
address hash and answer digest that detect bursts and identical answers, and the day a
comment's personal data was removed by the retention command.

Revision ID: 0010
Revises: 0011
Create Date: 2026-11-27 15:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.add_column(sa.Column('quarantined', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
        batch_op.add_column(sa.Column('quarantine_reason', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('quarantine_reviewed_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('source_hash', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('answer_digest', sa.String(length=16), nullable=True))
        batch_op.create_index('ix_response_quarantined_unit', ['quarantined', 'unit_id'],
                              unique=False)

    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('redacted_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.drop_column('redacted_at')

    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.drop_index('ix_response_quarantined_unit')
        batch_op.drop_column('answer_digest')
        batch_op.drop_column('source_hash')
        batch_op.drop_column('quarantine_reviewed_at')
        batch_op.drop_column('quarantine_reason')
        batch_op.drop_column('quarantined')
