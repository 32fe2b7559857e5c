"""Official results belong to the unit they were imported for: a unit manager cannot take
over or overwrite another unit's rows, a table of another place needs that place named,
and a large import reads the existing rows in one query."""
import io

import pytest
import sqlalchemy as sa

from survey_app.cli import main
from survey_app.extensions import db
from survey_app.models import AuditLog, OfficialResult, Role
from survey_app.services import official
from tests.conftest import BACKENDS, TEST_CONFIG, csrf_from

HEADER = "index,place,year,code,level,name_vi,max,result,target_next_year,lead_unit,source\n"
HANOI = ("SIPAS,Hà Nội,2024,total,0,CHỈ SỐ HÀI LÒNG CHUNG,100,86.50,88.00,,x\n"
         "SIPAS,Hà Nội,2024,I,1,Chính sách,100,86.51,88.00,,x\n"
         "SIPAS,Hà Nội,2024,II,1,Dịch vụ,100,86.49,88.00,,x\n")
CANTHO = "SIPAS,Cần Thơ,2022,total,0,Chỉ số hài lòng (%),100,79.10,,,y\n"


def upload(client, unit, text, place=None):
    # the CSRF token belongs to the session: take it from a page the user may open
    page = client.get("/admin/password")
    data = {"file": (io.BytesIO(text.encode()), "official.csv"), "csrf_token": csrf_from(page.data)}
    if place is not None:
        data["place"] = place
    return client.post(f"/admin/units/{unit.id}/targets", data=data,
                       content_type="multipart/form-data")


def rows_of(unit):
    return {(r.place, r.code): (r.result, r.target_next_year) for r in db.session.scalars(
        sa.select(OfficialResult).where(OfficialResult.unit_id == unit.id))}


def sign_in(client, user):
    from tests.conftest import PASSWORD

    page = client.get("/admin/login")
    client.post("/admin/login", data={"username": user.username, "password": PASSWORD,
                                      "csrf_token": csrf_from(page.data)})


def test_a_unit_manager_cannot_take_over_or_overwrite_another_units_rows(
        ctx, make_user, make_unit):
    city = make_unit(code="TPD", name_vi="Thành phố Demo", kind="province")
    ward = make_unit(code="P-ANHOA", name_vi="Phường An Hòa", kind="ward", parent=city)
    admin_client, manager_client = ctx.test_client(), ctx.test_client()
    sign_in(admin_client, make_user(role=Role.ADMIN, unit=city))
    sign_in(manager_client, make_user(role=Role.UNIT_MANAGER, unit=ward))
    assert upload(admin_client, city, HEADER + HANOI, place="Hà Nội").status_code == 302
    genuine = rows_of(city)
    assert genuine[("Hà Nội", "total")] == (86.50, 88.00)

    forged = HEADER + HANOI.replace("86.50,88.00", "99.00,99.50")
    # the ward's manager cannot reach the city's page at all ...
    assert upload(manager_client, city, forged, place="Hà Nội").status_code == 404
    # ... and an upload on the ward's own page makes the ward's rows, nobody else's
    assert upload(manager_client, ward, forged, place="Hà Nội").status_code == 302
    assert rows_of(city) == genuine
    assert rows_of(ward)[("Hà Nội", "total")] == (99.00, 99.50)
    # the admin imports again for the city: the ward's rows stay the ward's
    again = HEADER + HANOI.replace("86.50,88.00", "87.00,89.00")
    assert upload(admin_client, city, again).status_code == 302  # place known from before
    assert rows_of(city)[("Hà Nội", "total")] == (87.00, 89.00)
    assert rows_of(ward)[("Hà Nội", "total")] == (99.00, 99.50)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OfficialResult)) == 6
    details = db.session.scalars(sa.select(AuditLog.detail)
                                 .where(AuditLog.action == "official.import")).all()
    assert [d["place"] for d in details] == ["Hà Nội"] * 3


def test_a_table_of_another_place_needs_that_place_named(client, login, make_user, make_unit):
    unit = make_unit(code="HN", name_vi="UBND Thành phố Hà Nội", kind="province")
    login(make_user(role=Role.UNIT_MANAGER, unit=unit))
    # only Cần Thơ rows for a Hà Nội unit: refused, naming the place found
    reply = upload(client, unit, HEADER + CANTHO)
    html = reply.data.decode()
    assert reply.status_code == 400 and "Cần Thơ" in html and "Chưa nhập được tệp" in html
    assert rows_of(unit) == {}
    # the shared table mixes places: the unit's place (from its name) is imported, alone
    reply = upload(client, unit, HEADER + HANOI + CANTHO)
    assert reply.status_code == 302
    assert set(rows_of(unit)) == {("Hà Nội", "total"), ("Hà Nội", "I"), ("Hà Nội", "II")}
    html = client.get(reply.headers["Location"]).data.decode()
    assert "Cần Thơ" in html  # the page says which rows were left out
    # now the unit's place is known: a Cần Thơ table is refused naming both places
    reply = upload(client, unit, HEADER + CANTHO)
    html = reply.data.decode()
    assert reply.status_code == 400 and "Hà Nội" in html and "Cần Thơ" in html
    assert ("Cần Thơ", "total") not in rows_of(unit)
    # a place typed at upload is an explicit choice (any case, any Unicode form)
    reply = upload(client, unit, HEADER + HANOI + CANTHO, place="CẦN THƠ")
    assert reply.status_code == 302
    assert rows_of(unit)[("Cần Thơ", "total")] == (79.10, None)
    # a typed place absent from the file is refused with the places the file has
    reply = upload(client, unit, HEADER + HANOI, place="Đà Nẵng")
    assert reply.status_code == 400 and "Đà Nẵng" in reply.data.decode()


def test_without_a_known_place_the_upload_asks_for_it(client, login, make_user, make_unit):
    unit = make_unit(code="SO-NV", name_vi="Sở Nội vụ", kind="department")
    login(make_user(role=Role.UNIT_MANAGER, unit=unit))
    reply = upload(client, unit, HEADER + HANOI)
    assert reply.status_code == 400 and "Hà Nội" in reply.data.decode()
    assert rows_of(unit) == {}
    assert upload(client, unit, HEADER + HANOI, place="Hà Nội").status_code == 302
    form = client.get(f"/admin/units/{unit.id}/targets").data.decode()
    assert 'value="Hà Nội"' in form  # the next upload starts from the known place


def test_a_place_in_the_units_names_counts_as_whole_words(make_unit):
    city = make_unit(code="HN", name_vi="Thành phố Hà Nội", kind="province")
    ward = make_unit(code="AD", name_vi="Phường Anh Dũng", kind="ward", parent=city)
    rows = official.parse(HEADER + HANOI + CANTHO + "PAPI,An,2024,total,0,T,80,40,,,z\n")
    assert official.choose_place(ward, rows) == "Hà Nội"  # from the city above it
    with pytest.raises(official.ImportProblem, match=r": Cần Thơ, An\.$"):  # none is taken
        official.choose_place(ward, [r for r in rows if r["place"] != "Hà Nội"])


def test_two_units_import_the_same_table_from_the_command_line(runner, make_unit, tmp_path):
    first = make_unit(code="A", name_vi="Tỉnh A")
    second = make_unit(code="B", name_vi="Tỉnh B")
    path = tmp_path / "o.csv"
    path.write_text(HEADER + HANOI + CANTHO, encoding="utf-8")
    out = runner.invoke(main, ["import-official", str(path), "--unit", "A"])
    assert out.exit_code == 1 and "Hà Nội, Cần Thơ" in out.output  # which place?
    out = runner.invoke(main, ["import-official", str(path), "--unit", "A", "--place", "Hà Nội"])
    assert out.exit_code == 0, out.output
    assert "3 rows imported for A (Hà Nội)" in out.output
    assert "left out: 1 rows of Cần Thơ" in out.output
    path.write_text(HEADER + HANOI.replace("86.50", "10.00"), encoding="utf-8")
    out = runner.invoke(main, ["import-official", str(path), "--unit", "B", "--place", "Hà Nội"])
    assert out.exit_code == 0, out.output
    assert rows_of(first)[("Hà Nội", "total")] == (86.50, 88.00)
    assert rows_of(second)[("Hà Nội", "total")] == (10.00, 88.00)
    assert runner.invoke(main, ["import-official", str(path)]).exit_code == 2  # --unit needed


def test_the_same_node_twice_in_a_file_is_refused():
    with pytest.raises(official.ImportProblem, match="line 5: SIPAS Hà Nội 2024 'I' is already "
                                                     "on line 3"):
        official.parse(HEADER + HANOI + "SIPAS,Hà Nội,2024,I,1,Lặp lại,100,1,,,x\n")


def test_a_large_import_reads_the_existing_rows_in_one_query(ctx, make_unit):
    unit = make_unit(code="HN", name_vi="Hà Nội")
    lines = "".join(f"PAPI,Hà Nội,{1990 + k % 100},{k},1,N{k},10,5,6,,x\n" for k in range(3000))
    rows = official.parse(HEADER + lines)
    assert unit.id  # loaded before counting
    statements = []

    def count(_conn, _cursor, statement, _parameters, _context, _executemany):
        statements.append(statement.split()[0].upper())

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        official.store(rows, unit)
        db.session.flush()
        first = list(statements)
        statements.clear()
        official.store([{**row, "result": 7.0} for row in rows], unit)  # all updates now
        db.session.flush()
        second = list(statements)
        statements.clear()
        official.store([{**row, "result": 7.0} for row in rows], unit)  # nothing changed
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    db.session.commit()
    assert first.count("SELECT") == 1 and second.count("SELECT") == 1, (first, second)
    assert "INSERT" in first and "UPDATE" in second and statements == ["SELECT"]
    statements = second
    # bulk statements: a handful of batched INSERTs/UPDATEs, not 3,000 of them
    assert len(first) < 30 and len(statements) < 30, (len(first), len(statements))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OfficialResult)) == 3000
    assert set(db.session.scalars(sa.select(OfficialResult.result))) == {7.0}


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_migration_keeps_the_units_rows_and_drops_the_ownerless(backend,
                                                                    database_url_factory):
    from flask_migrate import downgrade, upgrade

    from survey_app import create_app

    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI":
                      database_url_factory(backend, "official_migration")})
    insert = sa.text(
        'INSERT INTO official_result ("index", place, year, code, level, position, name_vi, '
        "unit_id, imported_at) VALUES ('SIPAS', 'Hà Nội', 2024, :code, 0, 2, 'T', :unit, "
        "'2025-01-01')")
    with app.app_context():
        upgrade(revision="0004")
        with db.engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO unit (id, code, name_vi, kind, path, created_at) "
                                 "VALUES (1, 'HN', 'Hà Nội', 'province', '/1/', '2025-01-01'), "
                                 "(2, 'X', 'Xã', 'commune', '/1/2/', '2025-01-01')"))
            conn.execute(insert, {"code": "total", "unit": 1})
            conn.execute(insert, {"code": "I", "unit": None})  # imported without --unit
        upgrade()
        with db.engine.begin() as conn:
            kept = conn.execute(sa.text("SELECT code, unit_id FROM official_result")).all()
            assert kept == [("total", 1)]
            conn.execute(insert, {"code": "total", "unit": 2})  # now allowed: another unit
        downgrade(revision="0004")  # the old key holds one row per node: the oldest stays
        with db.engine.begin() as conn:
            kept = conn.execute(sa.text("SELECT code, unit_id FROM official_result")).all()
        assert kept == [("total", 1)]
        db.engine.dispose()
