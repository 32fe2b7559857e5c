"""Packed answers: one string column on ``response`` replaces the ``answer`` table.

One ``answer`` row per item per response (~21 rows each) cannot hold 10 million responses
in ~5 GB (issue #11 §4); one character per item on the response row can. The format is
``survey_app/services/packing.py``'s; the slot rule is copied here (a migration must not
import code that may change later): an instrument's slots are the codes of its likert5,
yesno and choice items over its versions in version order, each at its first appearance;
value v is chr(48 + v), '.' not applicable, '-' no answer, trailing '-' stripped.

The column is added with a plain ALTER TABLE (never a table copy: on SQLite that would
delete every comment through ON DELETE CASCADE, see 0009), filled in batches of responses,
then ``answer`` is dropped. The downgrade recreates ``answer`` and unpacks.

Revision ID: 0012
Revises: 0009
Create Date: 2026-11-27 18:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0009'
branch_labels = None
depends_on = None

BATCH = 5000
STORED_TYPES = ('likert5', 'yesno', 'choice')

metadata = sa.MetaData()
response = sa.Table('response', metadata,
                    sa.Column('id', sa.Integer, primary_key=True),
                    sa.Column('instrument_version_id', sa.Integer),
                    sa.Column('answer_codes', sa.String(200)))
answer = sa.Table('answer', metadata,
                  sa.Column('response_id', sa.Integer),
                  sa.Column('item_code', sa.String(40)),
                  sa.Column('value', sa.SmallInteger))
version = sa.Table('instrument_version', metadata,
                   sa.Column('id', sa.Integer, primary_key=True),
                   sa.Column('instrument_id', sa.Integer),
                   sa.Column('version', sa.Integer),
                   sa.Column('definition', sa.JSON))


def slots_by_version(connection):
    """{version id: slot codes of its instrument} from the stored definitions."""
    rows = connection.execute(sa.select(version.c.id, version.c.instrument_id,
                                        version.c.definition)
                              .order_by(version.c.instrument_id, version.c.version)).all()
    codes, instrument_of = {}, {}
    for version_id, instrument_id, definition in rows:
        slots = codes.setdefault(instrument_id, [])
        for section in (definition or {}).get('sections', ()):
            for item in section.get('items', ()):
                if item.get('type', 'likert5') in STORED_TYPES and item['code'] not in slots:
                    slots.append(item['code'])
        instrument_of[version_id] = instrument_id
    return {version_id: codes[instrument_id] for version_id, instrument_id in instrument_of.items()}


def pack(slots, values, response_id):
    chars = ['-'] * len(slots)
    for code, value in values.items():
        if code not in slots:
            raise ValueError(f"response {response_id}: item '{code}' is in no version of its "
                             "instrument; it cannot be packed")
        if value is not None and not 0 <= value <= 78:
            raise ValueError(f"response {response_id}: value {value} of '{code}' does not "
                             "fit one character (0-78)")
        chars[slots.index(code)] = '.' if value is None else chr(48 + value)
    return ''.join(chars).rstrip('-')


def batches(connection):
    """Response ids in ascending batches of ``BATCH``."""
    last = 0
    while True:
        rows = connection.execute(sa.select(response.c.id, response.c.instrument_version_id)
                                  .where(response.c.id > last).order_by(response.c.id)
                                  .limit(BATCH)).all()
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def upgrade():
    op.add_column('response', sa.Column('answer_codes', sa.String(length=200),
                                        server_default='', nullable=False))
    connection = op.get_bind()
    slots = slots_by_version(connection)
    for rows in batches(connection):
        values = {}
        for response_id, code, value in connection.execute(
                sa.select(answer.c.response_id, answer.c.item_code, answer.c.value)
                .where(answer.c.response_id.between(rows[0][0], rows[-1][0]))):
            values.setdefault(response_id, {})[code] = value
        updates = [{'rid': rid, 'codes': pack(slots[vid], values[rid], rid)}
                   for rid, vid in rows if rid in values]
        if updates:
            connection.execute(response.update().where(response.c.id == sa.bindparam('rid'))
                               .values(answer_codes=sa.bindparam('codes')), updates)
    op.drop_table('answer')


def downgrade():
    op.create_table('answer',
    sa.Column('response_id', sa.Integer(), nullable=False),
    sa.Column('item_code', sa.String(length=40), nullable=False),
    sa.Column('value', sa.SmallInteger(), nullable=True),
    sa.ForeignKeyConstraint(['response_id'], ['response.id'], name=op.f('fk_answer_response_id_response'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('response_id', 'item_code', name=op.f('pk_answer'))
    )
    connection = op.get_bind()
    slots = slots_by_version(connection)
    for rows in batches(connection):
        packed = dict(connection.execute(
            sa.select(response.c.id, response.c.answer_codes)
            .where(response.c.id.between(rows[0][0], rows[-1][0]))).all())
        inserts = [{'response_id': rid, 'item_code': code,
                    'value': None if char == '.' else ord(char) - 48}
                   for rid, vid in rows
                   for code, char in zip(slots[vid], packed[rid] or '', strict=False)
                   if char != '-']
        if inserts:
            connection.execute(answer.insert(), inserts)
    op.drop_column('response', 'answer_codes')
