"""`hailong paper-forms`: the printed forms of a service point from the command line."""
import shutil
import subprocess

import pytest

from survey_app.cli import main


def test_paper_forms_from_the_command_line(runner, make_unit, make_service_point, tmp_path):
    unit = make_unit(code="PX")
    make_service_point(unit=unit, code="TP", name_vi="Quầy Tư pháp")
    out = runner.invoke(main, ["paper-forms", "--unit", "PX", "--point", "TP", "--first", "9",
                               "--last", "11", "-o", str(tmp_path / "f.pdf")])
    assert out.exit_code == 0, out.output
    assert "3 forms (sipas-counter)" in out.output
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    text = subprocess.run(["pdftotext", str(tmp_path / "f.pdf"), "-"], capture_output=True,
                          text=True, check=True).stdout
    pages = [p for p in text.split("\f") if p.strip()]
    assert [("Phiếu số 0000" + s) in p for p, s in zip(pages, ("09", "10", "11"),
                                                          strict=True)] == [True] * 3
    english = runner.invoke(main, ["paper-forms", "--unit", "PX", "--point", "TP", "--last",
                                   "1", "--lang", "en", "-o", str(tmp_path / "e.pdf")])
    assert english.exit_code == 0
    text = subprocess.run(["pdftotext", str(tmp_path / "e.pdf"), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "Form no. 000001" in text and "Circle one number" in text


def test_paper_forms_refuse_a_wrong_point_or_range(runner, make_unit, make_service_point,
                                                   tmp_path):
    make_service_point(unit=make_unit(code="PX"), code="TP")
    unknown = runner.invoke(main, ["paper-forms", "--unit", "PX", "--point", "XX", "--last",
                                   "2", "-o", str(tmp_path / "f.pdf")])
    assert unknown.exit_code == 2 and "no service point 'XX'" in unknown.output
    backwards = runner.invoke(main, ["paper-forms", "--unit", "PX", "--point", "TP", "--first",
                                     "5", "--last", "2", "-o", str(tmp_path / "f.pdf")])
    assert backwards.exit_code == 2 and not (tmp_path / "f.pdf").exists()
