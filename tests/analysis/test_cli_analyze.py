"""`hailong analyze` end to end on CSV files, with no database."""
import csv
import json

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from survey_app.cli import main
from tests.analysis.oracle import ORACLE, golden

PLAIN = str(ORACLE / "data" / "plain.csv")
ORACLE_YAML = str(ORACLE / "oracle.yaml")


def run(*args):
    return CliRunner().invoke(main, ["analyze", *args], catch_exceptions=False)


def test_json_has_every_node_with_its_fields_and_matches_r():
    out = run(PLAIN, "--instrument", ORACLE_YAML, "--weight", "w", "--strata", "stratum",
              "--psu", "psu", "--by", "unit")
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["by"] == ["unit"] and data["design"]["df"] == 16
    domain = next(d for d in data["domains"] if d["key"] == {"unit": "U2"})
    total = next(e for e in domain["estimates"] if e["code"] == "total")
    for field in ("code", "level", "estimate", "se", "ci_low", "ci_high", "n", "n_valid",
                  "n_eff", "items", "points", "max_points"):
        assert field in total
    assert total["max_points"] == 10 and total["points"] == pytest.approx(total["estimate"] / 10)
    assert {i["code"] for i in total["items"]} == {"q1", "q2", "q3", "q4", "q5", "q6", "q7"}
    r = next(row for row in golden("domains") if row["domain"] == "U2" and row["code"] == "total")
    assert total["estimate"] == pytest.approx(float(r["estimate"]), rel=1e-9)
    assert total["se"] == pytest.approx(float(r["se"]), rel=1e-6)


def test_csv_and_xlsx_outputs(tmp_path):
    out = run(PLAIN, "--instrument", ORACLE_YAML, "--format", "csv", "-o", str(tmp_path / "a.csv"))
    assert out.exit_code == 0
    with (tmp_path / "a.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 13 and rows[0]["code"] == "q1"
    run(PLAIN, "--instrument", ORACLE_YAML, "--by", "unit", "--format", "xlsx",
        "-o", str(tmp_path / "a.xlsx"))
    sheet = load_workbook(tmp_path / "a.xlsx").active
    assert sheet.max_row == 1 + 4 * 13 and sheet.cell(1, 1).value == "unit"


def test_post_stratification_from_a_population_file():
    out = run(PLAIN, "--instrument", ORACLE_YAML, "--weight", "w", "--population",
              str(ORACLE / "data" / "population.csv"))
    total = next(e for e in json.loads(out.output)["domains"][0]["estimates"]
                 if e["code"] == "total")
    r = next(row for row in golden("poststratified") if row["code"] == "total")
    assert total["se"] == pytest.approx(float(r["se"]), rel=1e-6)


def test_template_and_instrument_listing(tmp_path):
    out = run("--instrument", "sipas-counter", "--template", "-o", str(tmp_path / "t.csv"))
    assert out.exit_code == 0
    assert (tmp_path / "t.csv").read_text() == "access,procedures,staff,results,feedback,overall\n"


def write(tmp_path, text, name="r.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(("text", "extra", "message"), [
    ("q1,q2\n1,2\n", (), "missing item column(s): q3, q4, q5, q6, q7"),
    ("q1,q2,q3,q4,q5,q6,q7\n1,2,3,4,5,6,\n", (), "row 1, column 'q6': 6 is not an answer 1-5"),
    ("q1,q2,q3,q4,q5,q6,q7\n1,2,3,4,5,x,\n", (), "row 1, column 'q6': 'x' is not an answer"),
    ("q1,q2,q3,q4,q5,q6,q7,w\n1,2,3,4,5,5,,0\n", ("--weight", "w"),
     "row 1, column 'w': '0' is not a positive number"),
    ("q1,q2,q3,q4,q5,q6,q7,w\n1,2,3,4,5,5,,\n", ("--weight", "w"),
     "row 1, column 'w': '' is not a positive number"),
    ("q1,q2,q3,q4,q5,q6,q7\n1,2,3,4,5,5,\n", ("--weight", "w"), "missing weight column(s): w"),
    ("q1,q2,q3,q4,q5,q6,q7,s\n1,2,3,4,5,5,,\n", ("--strata", "s"), "row 1, column 's' is empty"),
    ("q1,q2,q3,q4,q5,q6,q7\n", (), "the table has no responses"),
])
def test_bad_input_names_row_and_column(tmp_path, text, extra, message):
    out = CliRunner().invoke(main, ["analyze", write(tmp_path, text), "--instrument",
                                    ORACLE_YAML, *extra])
    assert out.exit_code == 1
    assert message in out.output


def test_population_problems(tmp_path):
    data = write(tmp_path, "q1,q2,q3,q4,q5,q6,q7,cell\n1,2,3,4,5,5,,a\n4,4,4,4,4,4,4,b\n")
    no_one = write(tmp_path, "cell,count\na,10\nb,20\nc,5\n", "p1.csv")
    out = CliRunner().invoke(main, ["analyze", data, "--instrument", ORACLE_YAML,
                                    "--population", no_one])
    assert "population cell ('c',) has no respondents" in out.output
    missing = write(tmp_path, "cell,count\na,10\n", "p2.csv")
    out = CliRunner().invoke(main, ["analyze", data, "--instrument", ORACLE_YAML,
                                    "--population", missing])
    assert "row 2: cell ('b',) is not in the population file" in out.output


def test_unknown_instrument_and_missing_file(tmp_path):
    out = CliRunner().invoke(main, ["analyze", PLAIN, "--instrument", "nope"])
    assert out.exit_code == 2 and "unknown instrument 'nope'" in out.output
    out = CliRunner().invoke(main, ["analyze", str(tmp_path / "none.csv"), "--instrument",
                                    ORACLE_YAML])
    assert out.exit_code == 2 and "does not exist" in out.output


def test_a_domain_without_valid_answers_is_null_in_json_not_nan(tmp_path):
    data = write(tmp_path, "q1,q2,q3,q4,q5,q6,q7,unit\n"
                           "4,4,4,4,4,4,4,A\n5,2,4,4,1,4,,A\n,,,,,,,B\n")
    out = run(data, "--instrument", ORACLE_YAML, "--by", "unit")
    assert "NaN" not in out.output
    b = next(d for d in json.loads(out.output)["domains"] if d["key"] == {"unit": "B"})
    total = next(e for e in b["estimates"] if e["code"] == "total")
    assert total["estimate"] is None and total["reason"] == "no valid answers"


def test_domain_labels_never_become_formulas(tmp_path):
    text = ("q1,q2,q3,q4,q5,q6,q7,unit\n" + "4,4,4,4,4,4,4,=HYPERLINK(\"http://evil.example/\")\n" * 3
            + "5,5,5,5,5,5,5,-1\n" * 3)
    data = write(tmp_path, text)
    run(data, "--instrument", ORACLE_YAML, "--by", "unit", "--format", "csv",
        "-o", str(tmp_path / "a.csv"))
    with (tmp_path / "a.csv").open(encoding="utf-8") as f:
        units = {row["unit"] for row in csv.DictReader(f)}
    assert units == {"'=HYPERLINK(\"http://evil.example/\")", "'-1"}
    run(data, "--instrument", ORACLE_YAML, "--by", "unit", "--format", "xlsx",
        "-o", str(tmp_path / "a.xlsx"))
    cells = [c for row in load_workbook(tmp_path / "a.xlsx").active.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert any(c.value == '=HYPERLINK("http://evil.example/")' for c in cells)
    estimates = [c for c in cells if c.column_letter == "E" and c.row > 1]  # numbers stay numbers
    assert estimates and all(c.data_type == "n" for c in estimates if c.value is not None)
