"""Periodic reports: PDF with charts and XLSX with the tables, from the CLI and the console."""
import io
import subprocess

import pytest
from openpyxl import load_workbook

from survey_app.cli import main
from survey_app.models import Role
from survey_app.services.periods import last_twelve_months


@pytest.fixture
def demo(demo_city):
    return demo_city(500, 6)["TPD"]


def test_pdf_report_from_the_command_line(runner, demo, tmp_path):
    year = last_twelve_months().end.year
    out = runner.invoke(main, ["report", "--unit", "TPD", "--period", str(year), "-o",
                               str(tmp_path / "r.pdf")])
    assert out.exit_code == 0, out.output
    data = (tmp_path / "r.pdf").read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 20_000  # text, tables and charts
    try:
        text = subprocess.run(["pdftotext", str(tmp_path / "r.pdf"), "-"], capture_output=True,
                              text=True, check=True).stdout
    except FileNotFoundError:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    assert "Báo cáo kết quả đo lường sự hài lòng" in text and "Chỉ số chung" in text


def test_xlsx_report_from_the_console_matches_the_dashboard(client, login, make_user, demo):
    from survey_app.services.periods import parse_period
    from survey_app.services.results import unit_results

    year = str(last_twelve_months().end.year)
    login(make_user(role=Role.VIEWER, unit=demo))
    reply = client.get(f"/admin/units/{demo.id}/report.xlsx?period={year}")
    assert reply.status_code == 200
    book = load_workbook(io.BytesIO(reply.data))
    sheet = book["sipas-counter"]
    total = next(row for row in sheet.iter_rows(values_only=True) if row[0] == "total")
    expected = unit_results(demo, "sipas-counter", parse_period(year)).overall.get("total")
    assert total[3] == pytest.approx(expected.estimate) and total[4] == pytest.approx(expected.ci_low)
    assert client.get(f"/admin/units/{demo.id}/report.xlsx?period=bad").status_code == 400
    assert client.get(f"/admin/units/{demo.id}/report.doc?period={year}").status_code == 404


def test_bad_period_on_the_command_line(runner, demo, tmp_path):
    out = runner.invoke(main, ["report", "--unit", "TPD", "--period", "Q3", "-o",
                               str(tmp_path / "r.pdf")])
    assert out.exit_code == 2 and "2025-Q3" in out.output


def test_the_report_in_english(runner, demo, tmp_path):
    year = str(last_twelve_months().end.year)
    out = runner.invoke(main, ["report", "--unit", "TPD", "--period", year, "--lang", "en",
                               "-o", str(tmp_path / "r.pdf")])
    assert out.exit_code == 0, out.output
    try:
        text = subprocess.run(["pdftotext", str(tmp_path / "r.pdf"), "-"], capture_output=True,
                              text=True, check=True).stdout
    except FileNotFoundError:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    assert "Satisfaction report" in text and "Overall index" in text
    assert "Báo cáo" not in text
    runner.invoke(main, ["report", "--unit", "TPD", "--period", year, "--lang", "en",
                         "--format", "xlsx", "-o", str(tmp_path / "r.xlsx")])
    book = load_workbook(tmp_path / "r.xlsx")
    assert book["summary"]["A1"].value == "Unit"


HOSTILE_POINT = '<a href="http://evil.example/">bấm vào đây</a>'


def pdf_text(data, tmp_path):
    path = tmp_path / "r.pdf"
    path.write_bytes(data)
    try:
        return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                              check=True).stdout
    except FileNotFoundError:
        pytest.skip("pdftotext (poppler-utils) is not installed")


def rename(demo, unit_name, point_name):
    from survey_app.extensions import db
    from survey_app.services import org

    demo.name_vi = unit_name
    for point in org.service_points_in_scope(demo):
        point.name_vi = point_name
    db.session.commit()


def test_names_are_text_in_the_pdf_never_markup(demo, tmp_path):
    from PIL import Image

    from survey_app.services.reports import render

    period = last_twelve_months()
    plain = render(demo, period, "pdf")
    secret = tmp_path / "secret.png"
    Image.new("RGB", (40, 40), "red").save(secret)
    rename(demo, f'Trường <font <img src="{secret}" width="40" height="40"/>', HOSTILE_POINT)
    data = render(demo, period, "pdf")
    text = "".join(pdf_text(data, tmp_path).split())  # lines wrap anywhere
    assert f'Trường<font<imgsrc="{secret}"' in text
    assert '<ahref="http://evil.example/">bấmvàođây</a>' in text  # a point's name, as typed
    assert b"/URI" not in data  # no link was made
    assert data.count(b"/Subtype /Image") == plain.count(b"/Subtype /Image")  # nothing embedded


def test_names_never_become_formulas_in_the_xlsx_report(demo):
    from survey_app.services.reports import render

    rename(demo, '=HYPERLINK("http://evil.example/","bấm")', "@SUM(1+1)")
    book = load_workbook(io.BytesIO(render(demo, last_twelve_months(), "xlsx")))
    name = book["summary"]["B1"]
    assert name.value == '=HYPERLINK("http://evil.example/","bấm")' and name.data_type == "s"
    cells = [c for sheet in book for row in sheet.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert any(c.value == "@SUM(1+1)" for c in cells if isinstance(c.value, str))
