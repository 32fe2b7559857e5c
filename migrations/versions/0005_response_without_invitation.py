"""A response keeps no link to its invitation (the form promises anonymity).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 12:00:00

Only ``response.verified`` stays, which is already stored; the invitation's ``used_at``
is cut to the day so that it cannot be matched with the response's ``submitted_at``.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_response_invitation_id'), type_='unique')
        batch_op.drop_constraint(batch_op.f('fk_response_invitation_id_invitation'),
                                 type_='foreignkey')
        batch_op.drop_column('invitation_id')
    invitation = sa.table('invitation', sa.column('id', sa.Integer),
                          sa.column('used_at', sa.DateTime))
    connection = op.get_bind()
    rows = connection.execute(sa.select(invitation.c.id, invitation.c.used_at)
                              .where(invitation.c.used_at.is_not(None))).all()
    for row in rows:
        day = row.used_at.replace(hour=0, minute=0, second=0, microsecond=0)
        connection.execute(invitation.update().where(invitation.c.id == row.id)
                           .values(used_at=day))


def downgrade():
    # The links are gone for good: the column comes back empty.
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.add_column(sa.Column('invitation_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_response_invitation_id_invitation'),
                                    'invitation', ['invitation_id'], ['id'])
        batch_op.create_unique_constraint(batch_op.f('uq_response_invitation_id'),
                                          ['invitation_id'])
