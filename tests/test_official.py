"""Official results: import of the shared table, consistency warnings, bad input."""
from pathlib import Path

import pytest

from survey_app.services import official

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "official_results.csv"
HEADER = "index,place,year,code,level,name_vi,max,result,target_next_year,lead_unit,source\n"


@pytest.mark.skipif(not SHARED.exists(), reason="shared/ is not beside the checkout")
def test_the_shared_table_imports_and_hanoi_sipas_is_consistent():
    rows = official.parse(SHARED.read_text(encoding="utf-8"))
    assert len(rows) == 162
    warnings = official.check(rows)
    sipas = [w for w in warnings if w.index == "SIPAS" and w.place == "Hà Nội"]
    assert sipas == []  # total 86.50 = mean(86.51, 86.49)
    assert any(w.index == "PAR_INDEX" for w in warnings)  # the plans' known inconsistencies


def test_sums_targets_and_maxima_are_checked():
    rows = official.parse(HEADER + (
        "PAPI,X,2024,total,0,Total,80,40,50,,\n"
        "PAPI,X,2024,1,1,D1,10,5,11,,\n"       # target above max
        "PAPI,X,2024,1.1,2,S1,5,2,1.5,,\n"     # target below result
        "PAPI,X,2024,1.2,2,S2,5,2.5,3,,\n"     # children: result 4.5 vs 5
        "PAPI,X,2024,2,1,D2,10,30,12,,\n"))
    messages = {(w.code, w.message.split()[0]) for w in official.check(rows)}
    assert ("1", "target") in messages
    assert ("1.1", "target") in messages
    assert ("1", "result") in messages          # 5 vs 2 + 2.5
    assert ("total", "maximum") in messages     # 80 vs 20


def test_sipas_total_is_the_mean_of_its_aspects():
    rows = official.parse(HEADER + "SIPAS,Y,2024,total,0,T,100,80,,,\n"
                                   "SIPAS,Y,2024,I,1,A,100,70,,,\nSIPAS,Y,2024,II,1,B,100,80,,,\n")
    assert [w.message.split()[0] for w in official.check(rows)] == ["result"]


@pytest.mark.parametrize(("text", "message"), [
    ("index,place\n", "missing column(s): year"),
    (HEADER + "SIPAS,X,2024,total,0,T,100,8o,,,\n", "line 2, column 'result': '8o' is not a number"),
    (HEADER + "CPI,X,2024,total,0,T,100,80,,,\n", "line 2, column 'index': 'CPI' is not one of"),
    (HEADER + "SIPAS,X,year,total,0,T,100,80,,,\n", "line 2: 'year' and 'level' must be whole"),
])
def test_bad_files_name_the_line(text, message):
    with pytest.raises(official.ImportProblem, match=message.replace("(", r"\(").replace(")", r"\)")):
        official.parse(text)


HUGE = "x" * 131_073  # one more than the csv module's field limit


def test_a_field_over_the_csv_limit_names_its_line():
    text = HEADER + "SIPAS,X,2024,I,1,A,100,80,,,\n" + f"SIPAS,X,2024,II,1,\"{HUGE}\",100,80,,,\n"
    with pytest.raises(official.ImportProblem, match="line 3"):
        official.parse(text)


def test_a_field_over_the_csv_limit_is_refused_in_the_console(client, login, make_user,
                                                                make_unit):
    import io

    import sqlalchemy as sa

    from survey_app.extensions import db
    from survey_app.models import OfficialResult, Role
    from tests.conftest import csrf_from

    unit = make_unit(kind="province", name_vi="Hà Nội")
    login(make_user(role=Role.UNIT_MANAGER, unit=unit))
    page = client.get(f"/admin/units/{unit.id}/targets")
    text = HEADER + f"SIPAS,Hà Nội,2024,total,0,\"{HUGE}\",100,80,,,\n"
    reply = client.post(f"/admin/units/{unit.id}/targets", data={
        "csrf_token": csrf_from(page.data), "file": (io.BytesIO(text.encode()), "big.csv")},
        content_type="multipart/form-data")
    assert reply.status_code == 400
    assert "2" in reply.data.decode() and "131072" in reply.data.decode().replace(".", "")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OfficialResult)) == 0


def test_import_from_the_console_and_the_target_table(client, login, make_user, make_unit,
                                                      make_service_point):
    import io

    from survey_app.models import Role
    from tests.conftest import csrf_from
    from tests.public.helpers import form_post

    city = make_unit(code="HN", name_vi="Hà Nội", kind="province")
    point = make_service_point(unit=city)
    for _ in range(3):
        form_post(client, f"/s/{point.current_token.token}")
    login(make_user(role=Role.UNIT_MANAGER, unit=city))
    page = client.get(f"/admin/units/{city.id}/targets")
    assert "Đơn vị chưa có kết quả chính thức nào" in page.data.decode()
    text = HEADER + ("SIPAS,Hà Nội,2024,II,1,Dịch vụ,100,86.49,88.00,TTPVHCC,x\n"
                     "SIPAS,Hà Nội,2024,5,2,Tiếp cận,100,86.34,120,TTPVHCC,x\n")
    reply = client.post(f"/admin/units/{city.id}/targets", data={
        "csrf_token": csrf_from(page.data), "file": (io.BytesIO(text.encode()), "sipas.csv")},
        content_type="multipart/form-data")
    assert reply.status_code == 302
    html = client.get(f"/admin/units/{city.id}/targets").data.decode()
    assert "86,49" in html and "88,00" in html and "TTPVHCC" in html
    assert "Chỉ tiêu 120 cao hơn điểm tối đa 100." in html  # flagged, in Vietnamese
    assert "Xác suất đạt chỉ tiêu" in html


def test_bad_uploads_and_viewers(client, login, make_user, make_unit):
    import io

    from survey_app.models import Role
    from tests.conftest import csrf_from

    unit = make_unit(kind="province")
    login(make_user(role=Role.UNIT_MANAGER, unit=unit))
    page = client.get(f"/admin/units/{unit.id}/targets")
    reply = client.post(f"/admin/units/{unit.id}/targets", data={
        "csrf_token": csrf_from(page.data),
        "file": (io.BytesIO(b"index,place\nSIPAS,X\n"), "bad.csv")},
        content_type="multipart/form-data")
    assert reply.status_code == 400 and "Chưa nhập được tệp" in reply.data.decode()
    client.post("/admin/logout", data={"csrf_token": csrf_from(page.data)})
    login(make_user(role=Role.VIEWER, unit=unit))
    page = client.get(f"/admin/units/{unit.id}/targets")
    assert "Nhập kết quả chính thức" not in page.data.decode()
    reply = client.post(f"/admin/units/{unit.id}/targets", data={
        "csrf_token": csrf_from(page.data), "file": (io.BytesIO(b""), "x.csv")},
        content_type="multipart/form-data")
    assert reply.status_code == 403


def test_probability_of_meeting_a_target():
    from analysis.targets import probability_met

    assert probability_met(86.0, 1.0, 88.0) == pytest.approx(0.0227501, rel=1e-5)
    assert probability_met(88.0, 2.0, 88.0) == pytest.approx(0.5)
    assert probability_met(90.0, 1.0, 88.0) == pytest.approx(0.9772499, rel=1e-5)
    assert probability_met(90.0, 0.0, 88.0) == 1.0 and probability_met(80.0, 0.0, 88.0) == 0.0
    assert probability_met(None, 1.0, 88.0) is None


def test_cli_import(runner, make_unit, tmp_path):
    from survey_app.cli import main

    make_unit(code="HN", kind="province")
    path = tmp_path / "o.csv"
    path.write_text(HEADER + "PAPI,X,2024,total,0,T,80,40,30,,\n", encoding="utf-8")
    out = runner.invoke(main, ["import-official", str(path), "--unit", "HN", "--place", "X"])
    assert out.exit_code == 0 and "1 rows imported for HN (X)" in out.output
    assert "below the last result" in out.output
    path.write_text("garbage", encoding="utf-8")
    out = runner.invoke(main, ["import-official", str(path), "--unit", "HN"])
    assert out.exit_code == 1 and "missing column(s)" in out.output


def test_targets_through_the_api_and_the_command_line(client, runner, ctx):
    import json
    from datetime import date

    import sqlalchemy as sa

    from survey_app.cli import main
    from survey_app.extensions import db
    from survey_app.models import Unit
    from survey_app.services import api_keys
    from survey_app.services.demo import load_demo

    load_demo(n_responses=400, seed=4)
    city = db.session.scalar(sa.select(Unit).filter_by(code="TPD"))
    year = date.today().year - 1
    official.store(official.parse(HEADER + f"SIPAS,TP,{year},II,1,Dịch vụ,100,80.00,99.00,,x\n"
                                           f"SIPAS,TP,{year},5,2,Tiếp cận,100,81.00,90.00,,x\n"),
                   city)
    _row, plain = api_keys.issue(city)
    db.session.commit()
    headers = {"Authorization": f"Bearer {plain}"}
    body = client.get(f"/api/v1/units/TPD/targets?index=SIPAS&year={year}", headers=headers).get_json()
    assert [r["code"] for r in body["rows"]] == ["II", "5"]
    first = body["rows"][0]
    assert first["nowcast"]["years"] == 1 and 0 <= first["probability_target_met"] <= 1
    assert first["internal"]["ci_low"] < first["internal"]["estimate"] < first["internal"]["ci_high"]
    assert body["rows"][1]["forecast"] is None  # forecasts only for the headline index
    assert client.get("/api/v1/units/TPD/targets?index=PAPI", headers=headers).status_code == 404
    assert client.get("/api/v1/units/TPD/targets?year=abc", headers=headers).status_code == 400
    out = runner.invoke(main, ["targets", "--unit", "TPD"])
    assert json.loads(out.output)["rows"][0]["nowcast"] == first["nowcast"]
    assert runner.invoke(main, ["targets", "--unit", "TPD", "--index", "PAPI"]).exit_code == 1
