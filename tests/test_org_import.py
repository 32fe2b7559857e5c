"""Organisation import and the 2025 two-level reform."""
import sqlalchemy as sa

from survey_app.cli import main
from survey_app.extensions import db
from survey_app.models import Procedure, ServicePoint, Unit
from survey_app.services.analysis_inputs import load_scope
from survey_app.services.org_import import import_units
from tests.public.helpers import form_post

UNITS = """code,name_vi,name_en,kind,parent_code,valid_from,valid_to,successor_code
X-A,Xã A,,commune,Q-1,,,
P,Tỉnh P,Province P,province,,,,
Q-1,Huyện 1,,district,P,2000-01-01,,
X-NEW,Xã Mới,,commune,P,2025-07-01,,
"""


def unit(code):
    return db.session.scalar(sa.select(Unit).filter_by(code=code))


def test_units_are_created_parents_first_whatever_the_order(runner, tmp_path):
    path = tmp_path / "units.csv"
    path.write_text(UNITS, encoding="utf-8")
    out = runner.invoke(main, ["import", "units", str(path)])
    assert out.exit_code == 0 and "4 new" in out.output, out.output
    assert unit("X-A").path == f"{unit('P').path}{unit('Q-1').id}/{unit('X-A').id}/"
    again = runner.invoke(main, ["import", "units", str(path)])
    assert "0 new, 4 updated" in again.output


def test_every_problem_is_reported_and_nothing_written(runner, tmp_path):
    path = tmp_path / "units.csv"
    path.write_text("code,name_vi,kind,parent_code,valid_to,successor_code\n"
                    "A,,village,NOPE,,\nB,Xã B,commune,,31/12/2025,A\n", encoding="utf-8")
    out = runner.invoke(main, ["import", "units", str(path)])
    assert out.exit_code == 1 and "nothing was imported" in out.output
    for expected in ("row 2, column 'name_vi': empty", "row 2, column 'kind': 'village'",
                     "row 2, column 'parent_code': no unit with code 'NOPE'",
                     "row 3, column 'valid_to': '31/12/2025' is not a date"):
        assert expected in out.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Unit)) == 0
    missing = tmp_path / "m.csv"
    missing.write_text("code\nA\n", encoding="utf-8")
    assert "missing column(s)" in runner.invoke(main, ["import", "units", str(missing)]).output


def test_a_field_over_the_csv_limit_is_reported_by_row(runner, tmp_path):
    for kind, header in (("units", "code,name_vi,kind,parent_code\nA,Xã A,commune,\n"),
                         ("service-points", "unit_code,code,name_vi,sector,instrument\n"),
                         ("procedures", "code,name_vi,sector\n1.1,TT,land\n")):
        path = tmp_path / f"{kind}.csv"
        path.write_text(header + '"' + "x" * 131_073 + '",B,other,\n', encoding="utf-8")
        out = runner.invoke(main, ["import", kind, str(path)])
        assert out.exit_code == 1 and "nothing was imported" in out.output, out.output
        row = header.count("\n") + 1
        assert f"row {row}" in out.output and "131072" in out.output, out.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Unit)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Procedure)) == 0


def test_the_reform_retires_a_district_and_its_responses_roll_up(ctx, client, runner, tmp_path):
    import_units(UNITS)
    db.session.commit()
    points = tmp_path / "points.csv"
    points.write_text("unit_code,code,name_vi,sector,instrument\n"
                      "X-A,CT,Quầy chứng thực,certification,sipas-counter\n"
                      "X-NEW,CT,Quầy chứng thực,certification,sipas-counter\n", encoding="utf-8")
    assert runner.invoke(main, ["import", "service-points", str(points)]).exit_code == 0
    old_point = db.session.scalar(sa.select(ServicePoint).join(Unit).where(Unit.code == "X-A"))
    old_token = old_point.current_token.token
    for _ in range(3):
        form_post(client, f"/s/{old_token}")
    reform = tmp_path / "reform.csv"
    reform.write_text("code,name_vi,kind,parent_code,valid_to,successor_code\n"
                      "Q-1,Huyện 1,district,P,2025-06-30,X-NEW\n", encoding="utf-8")
    out = runner.invoke(main, ["import", "units", str(reform)])
    assert "1 retired" in out.output, out.output
    district = unit("Q-1")
    assert district.valid_to.isoformat() == "2025-06-30" and district.successor.code == "X-NEW"
    assert unit("X-A").is_within(unit("X-NEW"))  # history kept, now under the successor
    assert client.get(f"/s/{old_token}").status_code == 410  # retired counters stop
    assert load_scope(unit("X-NEW"), "sipas-counter").n == 3  # old answers roll up


def test_procedures_and_dry_run(runner, tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("code,name_vi,sector,level\n1.001,Chứng thực bản sao,certification,4\n",
                    encoding="utf-8")
    dry = runner.invoke(main, ["import", "procedures", str(path), "--dry-run"])
    assert "dry run" in dry.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Procedure)) == 0
    runner.invoke(main, ["import", "procedures", str(path)])
    assert db.session.scalar(sa.select(Procedure.name_vi)) == "Chứng thực bản sao"
    bad = tmp_path / "b.csv"
    bad.write_text("code,name_vi,sector\nX,Y,space\n", encoding="utf-8")
    assert "'space' is not a sector" in runner.invoke(main, ["import", "procedures", str(bad)]).output
