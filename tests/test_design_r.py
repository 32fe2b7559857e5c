"""An analyst reproduces console figures from an export with the R lines of
docs/methodology.md (issue #11 §3): estimates to 1e-9, SEs to 1e-6 (relative).

Needs Rscript with the survey package (apt: r-base-core r-cran-survey); skipped without
(a failure with HAILONG_REQUIRE_R=1).
"""
import csv
import subprocess
from pathlib import Path

import pytest

from survey_app.extensions import db
from survey_app.services import api_keys, export, instrument_store
from survey_app.services.analysis_inputs import analyze_scope, load_scope
from survey_app.services.periods import last_twelve_months
from survey_app.services.results import root_code
from tests.r_tools import rscript

SCRIPT = Path(__file__).parent / "oracle" / "app_design.R"


def month_range(period):
    last = period.last_day
    return f"{period.start:%Y-%m}", f"{last:%Y-%m}"


def test_r_on_the_export_gives_the_api_figures(client, demo_city, tmp_path):
    r = rscript()  # skipped without R, a failure when CI requires it
    demo = demo_city(600, 4)
    city = demo["TPD"]
    _row, plain = api_keys.issue(city, "R")
    db.session.commit()
    headers = {"Authorization": f"Bearer {plain}"}
    instrument = instrument_store.current_version("sipas-counter")[1]
    export.write_file(city.path, instrument, "csv", tmp_path / "export.csv")

    period = last_twelve_months()
    first, last = month_range(period)
    api = client.get("/api/v1/units/TPD/results?instrument=sipas-counter&by=unit",
                     headers=headers).get_json()
    expected = {("TPD", e["code"]): e for e in api["estimates"]}
    for block in api["domains"]:
        for e in block["estimates"]:
            expected[(block["key"]["unit"], e["code"])] = e
    analysis = analyze_scope(load_scope(city, "sipas-counter", period.start, period.end),
                             by=("unit",))
    root = root_code(analysis.domains[0])
    whole = analyze_scope(load_scope(city, "sipas-counter", period.start, period.end))
    with (tmp_path / "domains.csv").open("w", newline="") as f, \
            (tmp_path / "coefficients.csv").open("w", newline="") as g:
        domains, coefficients = csv.writer(f), csv.writer(g)
        domains.writerow(["name", "unit", "first", "last"])
        coefficients.writerow(["name", "item", "a"])
        for name, unit, result in [("TPD", "", whole.domains[0])] + [
                (d.key[0], d.key[0], d) for d in analysis.domains]:
            domains.writerow([name, unit, first, last])
            for item, a in result.get(root).items:
                coefficients.writerow([name, item, repr(a)])
    subprocess.run([r, str(SCRIPT), str(tmp_path / "export.csv"),
                    str(tmp_path / "domains.csv"), str(tmp_path / "coefficients.csv"),
                    str(tmp_path / "r.csv")], check=True, capture_output=True, timeout=600)
    compared = 0
    with (tmp_path / "r.csv").open() as f:
        for row in csv.DictReader(f):
            code = root if row["code"] == "total" else row["code"]
            ours = expected[(row["name"], code)]
            where = f"{row['name']} {code}"
            assert ours["estimate"] == pytest.approx(float(row["estimate"]), rel=1e-9), where
            assert ours["se"] == pytest.approx(float(row["se"]), rel=1e-6), where
            compared += 1
    # the city and each unit answering sipas-counter: every item and the total
    assert compared == (1 + len(analysis.domains)) * (len(whole.domains[0].get(root).items) + 1)
    assert len(analysis.domains) >= 5
