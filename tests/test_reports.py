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
