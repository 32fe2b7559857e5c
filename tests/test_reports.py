"""Periodic reports: PDF with charts and XLSX with the tables, from the CLI and the console."""
import io
import itertools
import re
import subprocess
from datetime import datetime
from html import unescape as html_unescape

import pytest
import sqlalchemy as sa
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
    assert book.worksheets[0]["A1"].value == "Unit"


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
    name = book.worksheets[0]["B1"]
    assert name.value == '=HYPERLINK("http://evil.example/","bấm")' and name.data_type == "s"
    cells = [c for sheet in book for row in sheet.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert any(c.value == "@SUM(1+1)" for c in cells if isinstance(c.value, str))


WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)'
                  r'</word>')


def pdf_pages(path):
    """The words of each page with their boxes (pdftotext -bbox)."""
    try:
        html = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True,
                              text=True, check=True).stdout
    except FileNotFoundError:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    return [[(float(a), float(b), float(c), float(d), html_unescape(t))
             for a, b, c, d, t in WORD.findall(page)] for page in html.split("<page ")[1:]]


def overlapping(words, tolerance=0.5):
    return [(w[4], v[4]) for w, v in itertools.combinations(words, 2)
            if min(w[2], v[2]) - max(w[0], v[0]) > tolerance
            and min(w[3], v[3]) - max(w[1], v[1]) > tolerance]


def bottom_line(words, footer=800):
    """The last line of text above the page footer."""
    words = [w for w in words if w[3] < footer]
    bottom = max(w[3] for w in words)
    return " ".join(w[4] for w in sorted(words) if w[3] > bottom - 2)


@pytest.fixture
def fixed_demo(ctx):
    """The demo city with 2,000 responses over the 12 months before 1 January 2026."""
    from survey_app.extensions import db
    from survey_app.models import Unit
    from survey_app.services.demo import load_demo

    load_demo(2000, 2025, end=datetime(2026, 1, 1))
    db.session.commit()
    return db.session.scalar(sa.select(Unit).filter_by(code="TPD"))


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_pdf_layout_no_overlaps_no_orphan_headings_no_double_percent(fixed_demo, tmp_path, lang,
                                                                     monkeypatch):
    from matplotlib.axes import Axes

    import instruments
    from survey_app.services.periods import parse_period
    from survey_app.services.reports import render

    axis_labels = []
    monkeypatch.setattr(Axes, "set_xlabel", lambda _ax, label, **_kw: axis_labels.append(label))
    path = tmp_path / "r.pdf"
    path.write_bytes(render(fixed_demo, parse_period("2025"), "pdf", lang))
    pages = pdf_pages(path)
    text = " ".join(w[4] for words in pages for w in words)
    assert "%%" not in text and "95%" in text
    assert axis_labels and all("%%" not in label and "95%" in label for label in axis_labels)
    headings = {instruments.get(code).title[lang] for code in instruments.bundled()}
    headings.add("Theo quầy/điểm phục vụ" if lang == "vi" else "By service point")
    for number, words in enumerate(pages, start=1):
        assert overlapping(words) == [], f"page {number}"
        assert bottom_line(words) not in headings, f"page {number} ends with a heading"


@pytest.fixture
def twelve_responses(make_service_point):
    import numpy as np

    from survey_app.extensions import db
    from survey_app.services.demo import generate_responses

    point = make_service_point()
    generate_responses([point], 12, np.random.default_rng(3), end=datetime(2025, 12, 31))
    db.session.commit()
    return point.unit


def test_a_small_sample_carries_the_not_enough_data_caveat(twelve_responses, tmp_path):
    from survey_app.services.periods import parse_period
    from survey_app.services.reports import render

    for lang, words in (("vi", "Chưa đủ dữ liệu: dưới 30 câu trả lời hợp lệ"),
                        ("en", "Not enough data: fewer than 30 valid answers")):
        text = " ".join(pdf_text(render(twelve_responses, parse_period("2025"), "pdf", lang),
                                 tmp_path).split())
        assert "12 " in text and words in text
    book = load_workbook(io.BytesIO(render(twelve_responses, parse_period("2025"), "xlsx")))
    row = [c.value for c in book.worksheets[0][5]]
    assert row[-2] == "không"
    assert row[-1].startswith("Không trọng số: không có số hồ sơ")  # no counts were sent


def test_xlsx_report_has_number_formats_and_dates(twelve_responses):
    from survey_app.services.periods import parse_period
    from survey_app.services.reports import render

    book = load_workbook(io.BytesIO(render(twelve_responses, parse_period("2025-Q4"), "xlsx")))
    assert book.worksheets[0]["C2"].value == datetime(2025, 10, 1)
    assert book.worksheets[0]["C2"].is_date and book.worksheets[0]["D2"].value == datetime(2025, 12, 31)
    sheet = book["sipas-counter"]
    total = next(row for row in sheet.iter_rows() if row[0].value == "total")
    assert [total[k].number_format for k in (3, 4, 5)] == ["0.0"] * 3
    assert total[8].number_format == "0.00" and total[9].number_format == "0.00"


def test_differences_are_written_in_the_readers_number_format(fixed_demo, tmp_path):
    from survey_app.services.periods import parse_period
    from survey_app.services.reports import render

    vi = " ".join(pdf_text(render(fixed_demo, parse_period("2025-Q4"), "pdf", "vi"),
                           tmp_path).split())
    assert re.search(r"So với kỳ liền trước \(\d+ và \d+ phiếu\): [+-]\d+,\d điểm "
                     r"\(KTC 95%: -?\d+,\d … -?\d+,\d;", vi), vi


def test_a_p_value_is_written_p_equals_or_p_less_than(ctx):
    """The report once said "p = < 0,001"."""
    from survey_app.formatting import p_text

    assert p_text(0.0004).startswith("p < 0") and "=" not in p_text(0.0004)
    assert p_text(0.07).startswith("p = 0") and "<" not in p_text(0.07)
