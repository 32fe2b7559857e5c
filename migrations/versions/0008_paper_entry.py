"""Paper questionnaires typed twice: batches, entries, reconciliation decisions.

Also the role ``data_entry`` (roles are plain strings: no schema change for it).

Revision ID: 0008
Revises: 0006
Create Date: 2026-11-27 15:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'paper_batch',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('service_point_id', sa.Integer(), nullable=False),
        sa.Column('instrument_version_id', sa.Integer(), nullable=False),
        sa.Column('collected_on', sa.Date(), nullable=False),
        sa.Column('serial_first', sa.Integer(), nullable=False),
        sa.Column('serial_last', sa.Integer(), nullable=False),
        sa.Column('note', sa.String(length=200), nullable=True),
        sa.Column('created_by', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('counted_at', sa.DateTime(), nullable=True),
        sa.Column('counted_by', sa.Integer(), nullable=True),
        sa.CheckConstraint('serial_last >= serial_first',
                           name=op.f('ck_paper_batch_serial_range')),
        sa.ForeignKeyConstraint(['counted_by'], ['user_account.id'],
                                name=op.f('fk_paper_batch_counted_by_user_account')),
        sa.ForeignKeyConstraint(['created_by'], ['user_account.id'],
                                name=op.f('fk_paper_batch_created_by_user_account')),
        sa.ForeignKeyConstraint(['instrument_version_id'], ['instrument_version.id'],
                                name=op.f('fk_paper_batch_instrument_version_id_instrument_version')),
        sa.ForeignKeyConstraint(['service_point_id'], ['service_point.id'],
                                name=op.f('fk_paper_batch_service_point_id_service_point')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_paper_batch')),
    )
    with op.batch_alter_table('paper_batch', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_paper_batch_service_point_id'),
                              ['service_point_id'], unique=False)

    op.create_table(
        'paper_entry',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('batch_id', sa.Integer(), nullable=False),
        sa.Column('serial', sa.Integer(), nullable=False),
        sa.Column('pass_no', sa.SmallInteger(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('codes', sa.JSON(), nullable=False),
        sa.Column('entered_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint('pass_no IN (1, 2)', name=op.f('ck_paper_entry_pass_no')),
        sa.ForeignKeyConstraint(['batch_id'], ['paper_batch.id'],
                                name=op.f('fk_paper_entry_batch_id_paper_batch'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'],
                                name=op.f('fk_paper_entry_user_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_paper_entry')),
        sa.UniqueConstraint('batch_id', 'serial', 'pass_no', name='uq_paper_entry_pass'),
        sa.UniqueConstraint('batch_id', 'serial', 'user_id', name='uq_paper_entry_user'),
    )
    with op.batch_alter_table('paper_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_paper_entry_batch_id'), ['batch_id'], unique=False)

    op.create_table(
        'paper_decision',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('batch_id', sa.Integer(), nullable=False),
        sa.Column('serial', sa.Integer(), nullable=False),
        sa.Column('field', sa.String(length=40), nullable=False),
        sa.Column('code', sa.String(length=1000), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('decided_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['batch_id'], ['paper_batch.id'],
                                name=op.f('fk_paper_decision_batch_id_paper_batch'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'],
                                name=op.f('fk_paper_decision_user_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_paper_decision')),
        sa.UniqueConstraint('batch_id', 'serial', 'field', name='uq_paper_decision_field'),
    )
    with op.batch_alter_table('paper_decision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_paper_decision_batch_id'), ['batch_id'],
                              unique=False)


def downgrade():
    op.drop_table('paper_decision')
    op.drop_table('paper_entry')
    op.drop_table('paper_batch')
