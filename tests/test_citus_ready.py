"""The schema is ready for Citus, distributed by province (issue #11 §5).

Citus cannot be installed here; what can be checked is what it would refuse: a unique
key or a key between distributed tables without the distribution column, a table that is
neither distributed nor reference, a reference table pointing at a distributed one. The
models are checked, and so is the migrated database (both backends).
"""
import uuid

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Base, Comment, Response, distribution
from survey_app.models.distribution import DISTRIBUTED, DISTRIBUTION_COLUMN, REFERENCE
from survey_app.services import org
from survey_app.services.submit import submit_response

KEY = DISTRIBUTION_COLUMN


def test_every_table_is_distributed_or_reference():
    tables = set(Base.metadata.tables)
    assert DISTRIBUTED.isdisjoint(REFERENCE)
    assert tables == DISTRIBUTED | REFERENCE, tables ^ (DISTRIBUTED | REFERENCE)


def unique_keys(table):
    keys = [tuple(c.name for c in constraint.columns) for constraint in table.constraints
            if isinstance(constraint, sa.UniqueConstraint)]
    keys += [tuple(c.name for c in index.columns) for index in table.indexes if index.unique]
    return keys


@pytest.mark.parametrize("name", sorted(DISTRIBUTED))
def test_distributed_models_key_on_the_province(name):
    table = Base.metadata.tables[name]
    column = table.c[KEY]
    assert not column.nullable
    assert {fk.column.table.name for fk in column.foreign_keys} >= {"unit"}
    for key in unique_keys(table):
        assert KEY in key, (name, key)
    for fk in table.foreign_key_constraints:
        if fk.referred_table.name in DISTRIBUTED:
            assert KEY in fk.column_keys, (name, fk.name)
            assert KEY in [e.column.name for e in fk.elements], (name, fk.name)


def test_reference_tables_point_at_no_distributed_table():
    for name in REFERENCE:
        for fk in Base.metadata.tables[name].foreign_key_constraints:
            assert fk.referred_table.name not in DISTRIBUTED, (name, fk.name)


def test_the_migrated_database_keeps_the_rules(ctx):
    inspector = sa.inspect(db.engine)
    assert set(inspector.get_table_names()) - {"alembic_version"} == DISTRIBUTED | REFERENCE
    for name in DISTRIBUTED:
        columns = {c["name"]: c for c in inspector.get_columns(name)}
        assert columns[KEY]["nullable"] is False, name
        uniques = [u["column_names"] for u in inspector.get_unique_constraints(name)]
        uniques += [i["column_names"] for i in inspector.get_indexes(name) if i["unique"]]
        for key in uniques:
            assert KEY in key, (name, key)
        pk = inspector.get_pk_constraint(name)["constrained_columns"]
        assert pk == ["id"] or KEY in pk, (name, pk)
        for fk in inspector.get_foreign_keys(name):
            if fk["referred_table"] in DISTRIBUTED:
                assert KEY in fk["constrained_columns"], (name, fk)
            if fk["constrained_columns"] == [KEY]:
                assert fk["referred_table"] == "unit", (name, fk)
    for name in REFERENCE:
        for fk in inspector.get_foreign_keys(name):
            assert fk["referred_table"] not in DISTRIBUTED, (name, fk)
    assert {"uq_response_province_uuid", "uq_response_province_id"} <= {
        u["name"] for u in inspector.get_unique_constraints("response")}


@pytest.fixture
def two_provinces(ctx, make_unit, make_service_point):
    """A point in a commune of province A, and one in province B."""
    a, b = make_unit(kind="province"), make_unit(kind="province")
    commune = make_unit(parent=a)
    return a, b, make_service_point(unit=commune), make_service_point(unit=b)


def answer(point, client_uuid, comment=""):
    from survey_app.services import instrument_store  # noqa: PLC0415

    version = instrument_store.latest_version(point.instrument_code)
    instrument = instrument_store.load(version)
    raw = {item.code: "4" for item in instrument.items if item.type == "likert5"}
    raw.update({item.code: "0" for item in instrument.items if item.type == "yesno"})
    text_items = [item.code for item in instrument.items if item.type == "text"]
    if comment and text_items:
        raw[text_items[0]] = comment
    done = submit_response(point, version.id, instrument, raw, client_uuid=client_uuid,
                           allow_missing=True)
    db.session.commit()
    return done


def test_a_submission_is_stored_in_its_units_province(two_provinces):
    a, _b, in_a, _in_b = two_provinces
    assert org.province_of(in_a.unit) == a.id
    done = answer(in_a, uuid.uuid4(), comment="Cán bộ nhiệt tình")
    response = db.session.get(Response, done.response_id)
    assert response.province_id == a.id
    assert response.unit_id != a.id
    comment = db.session.scalar(sa.select(Comment).where(Comment.response_id == response.id))
    assert comment is not None and comment.province_id == a.id


def test_one_client_uuid_is_one_response_per_province(two_provinces):
    _a, _b, in_a, in_b = two_provinces
    same = uuid.uuid4()
    first, again = answer(in_a, same), answer(in_a, same)
    assert not first.duplicate and again.duplicate
    assert again.response_id == first.response_id
    elsewhere = answer(in_b, same)
    assert not elsewhere.duplicate and elsewhere.response_id != first.response_id
    stored = db.session.execute(sa.select(Response.province_id, sa.func.count())
                                .where(Response.client_uuid == same)
                                .group_by(Response.province_id)).all()
    assert sorted(n for _p, n in stored) == [1, 1]


def test_an_orm_response_without_province_takes_its_units(two_provinces):
    _a, b, _in_a, in_b = two_provinces
    distribution.forget_cached_provinces()
    row = Response(client_uuid=uuid.uuid4(), instrument_version_id=1, service_point_id=in_b.id,
                   unit_id=in_b.unit_id, channel="qr")
    from survey_app.services import instrument_store  # noqa: PLC0415

    row.instrument_version_id = instrument_store.latest_version(in_b.instrument_code).id
    db.session.add(row)
    db.session.commit()
    assert row.province_id == b.id


def test_the_demo_fills_the_province(demo_city):
    units = demo_city(n_responses=200)
    rows = db.session.execute(sa.select(Response.province_id, Response.unit_id)).all()
    assert len(rows) == 200
    by_id = {unit.id: unit for unit in units.values()}
    assert all(province == org.province_of(by_id[unit]) for province, unit in rows)
    comments = db.session.execute(sa.select(Comment.province_id, Response.province_id)
                                  .join(Response, Response.id == Comment.response_id)).all()
    assert comments and all(c == r for c, r in comments)


def test_the_tally_keys_carry_the_province(two_provinces):
    from survey_app.models import PsuTally, TallyDirty  # noqa: PLC0415
    from survey_app.services import tally  # noqa: PLC0415

    a, b, in_a, in_b = two_provinces
    answer(in_a, uuid.uuid4())
    answer(in_b, uuid.uuid4())
    dirty = set(db.session.scalars(sa.select(TallyDirty.province_id)))
    assert dirty == {a.id, b.id}
    tally.refresh(force=True)
    db.session.commit()
    stored = set(db.session.execute(sa.select(PsuTally.province_id, PsuTally.service_point_id)))
    assert stored == {(a.id, in_a.id), (b.id, in_b.id)}


def test_an_import_fills_the_province_and_dedupes_within_it(runner, make_unit,
                                                            make_service_point):
    from survey_app.cli import main  # noqa: PLC0415
    from tests.test_response_import import GOOGLE  # noqa: PLC0415

    a, b = make_unit(kind="province"), make_unit(kind="province")
    make_service_point(unit=make_unit(parent=a), code="PA")
    make_service_point(unit=b, code="PB")

    def run(point):
        out = runner.invoke(main, ["import", "responses", str(GOOGLE), "--point", point,
                                   "--instrument", "sipas-counter", "--map",
                                   "google-forms-sipas-counter", "--valid-rows"])
        assert out.exit_code == 0, out.output
        return out.output

    assert "58 responses stored" in run("PA")
    assert "58 responses stored" in run("PB")  # the same source ids, another province
    assert "0 valid and new, 58 already imported or repeated" in run("PA")
    counts = dict(db.session.execute(sa.select(Response.province_id, sa.func.count())
                                     .group_by(Response.province_id)).all())
    assert counts == {a.id: 58, b.id: 58}
    comments = db.session.execute(sa.select(Comment.province_id, Response.province_id)
                                  .join(Response, Response.id == Comment.response_id)).all()
    assert all(c == r for c, r in comments)
