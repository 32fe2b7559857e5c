"""Raking (``--rake``) and Korn-Graubard intervals against R's survey package.

Golden values: ``Rscript tests/oracle/golden_calibration.R`` (the R commands are written
beside each output in that script). R reads the hand-written margins file
tests/oracle/data/margins.csv itself and builds its own population vector.
"""
import json

import numpy as np
import pytest
from click.testing import CliRunner
from numpy.testing import assert_allclose

from analysis import estimate_indices
from analysis.table import prepare, read_table
from hailong_cli import main
from tests.analysis.oracle import ORACLE, contrasts, golden

PLAIN = ORACLE / "data" / "plain.csv"
MARGINS = ORACLE / "data" / "margins.csv"


def raked(by=()):
    prepared = prepare(read_table(PLAIN), contrasts().items, weight="w", strata="stratum",
                       psu="psu", by=by, margins=read_table(MARGINS))
    return prepared, estimate_indices(prepared.answers, contrasts(), prepared.design,
                                      prepared.domain, prepared.domain_keys,
                                      base_weights=prepared.base_weights,
                                      margins=prepared.margins)


@pytest.mark.parametrize(("name", "by"), [("raked", ()), ("raked_domains", ("unit",))])
def test_raked_estimates_and_standard_errors_match_r_calibrate(name, by):
    prepared, analysis = raked(by)
    weights = prepared.design.weights
    frame = read_table(PLAIN)
    assert_allclose(weights[frame["unit"].to_numpy() == "U4"].sum(), 900, rtol=1e-10)
    assert_allclose(weights[frame["stratum"].to_numpy() == "S3"].sum(), 1700, rtol=1e-10)
    by_key = {d.key: d for d in analysis.domains}
    rows = golden(name)
    assert len(rows) == (13 if not by else 4 * 13)
    for row in rows:
        ours = by_key[(row["domain"],) if row["domain"] else ()].get(row["code"])
        where = f"{name} {row['domain']} {row['code']}"
        assert_allclose(ours.estimate, float(row["estimate"]), rtol=1e-9, err_msg=where)
        assert_allclose(ours.se, float(row["se"]), rtol=1e-6, err_msg=where)


def test_raking_shrinks_the_se_of_what_the_margins_explain():
    """Treating raked weights as fixed (the old way) gives a different, larger SE for the
    share of a unit-driven index: calibration residuals take out the margins' part."""
    prepared, analysis = raked()
    fixed = estimate_indices(prepared.answers, contrasts(), prepared.design)
    assert analysis.domains[0].get("total").estimate == pytest.approx(
        fixed.domains[0].get("total").estimate, rel=1e-12)
    assert analysis.domains[0].get("total").se != pytest.approx(fixed.domains[0].get("total").se,
                                                               rel=1e-6)


def test_korn_graubard_intervals_match_r_svyciprop_beta():
    """R's svyciprop(method = "beta") on subset(design, v_k == 1) uses that subset's df and
    row count; given the same df and n, hailong's formula gives R's limits."""
    from analysis.intervals import intervals

    prepared = prepare(read_table(PLAIN), contrasts().items, weight="w", strata="stratum",
                       psu="psu")
    analysis = estimate_indices(prepared.answers, contrasts(), prepared.design, ci="beta")
    whole = analysis.domains[0]
    for row in golden("beta"):
        ours = whole.get(row["code"])
        assert ours.n_valid == int(row["n"])
        low, high = intervals(ours.estimate, ours.se, ours.n_eff, int(row["df"]), method="beta",
                              n=ours.n_valid)
        assert_allclose([low, high], [float(row["ci_low"]), float(row["ci_high"])], rtol=1e-6,
                        err_msg=row["code"])
        if int(row["df"]) == prepared.design.df:  # the analysis' own limits, same df
            assert_allclose([ours.ci_low, ours.ci_high], [low, high], rtol=1e-12)


def test_rake_option_of_the_command(tmp_path):
    out = CliRunner().invoke(main, ["analyze", str(PLAIN), "--instrument", str(ORACLE / "oracle.yaml"),
                                    "--weight", "w", "--strata", "stratum", "--psu", "psu",
                                    "--rake", str(MARGINS)])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["design"]["raked"] is True
    total = next(e for e in data["domains"][0]["estimates"] if e["code"] == "total")
    r = next(row for row in golden("raked") if row["code"] == "total")
    assert total["estimate"] == pytest.approx(float(r["estimate"]), rel=1e-9)
    assert total["se"] == pytest.approx(float(r["se"]), rel=1e-6)
    bad = tmp_path / "bad.csv"
    bad.write_text("margin,category,count\nunit,U1,10\nunit,U2,10\nunit,U3,10\n", encoding="utf-8")
    refused = CliRunner().invoke(main, ["analyze", str(PLAIN), "--instrument",
                                        str(ORACLE / "oracle.yaml"), "--rake", str(bad)])
    assert refused.exit_code == 1 and "'U4' is not a category of margin 'unit'" in refused.output
    uneven = tmp_path / "uneven.csv"
    uneven.write_text(MARGINS.read_text(encoding="utf-8").replace("S5,1400", "S5,1000"),
                      encoding="utf-8")
    refused = CliRunner().invoke(main, ["analyze", str(PLAIN), "--instrument",
                                        str(ORACLE / "oracle.yaml"), "--rake", str(uneven)])
    assert refused.exit_code == 1 and "totals disagree" in refused.output
    both = CliRunner().invoke(main, ["analyze", str(PLAIN), "--instrument",
                                     str(ORACLE / "oracle.yaml"), "--rake", str(MARGINS),
                                     "--population", str(ORACLE / "data" / "population.csv")])
    assert both.exit_code == 2 and "not both" in both.output


def test_trim_comes_before_post_stratification_so_the_counts_hold(tmp_path):
    population = read_table(ORACLE / "data" / "population.csv")
    frame = read_table(PLAIN)
    prepared = prepare(frame, contrasts().items, weight="w", population=population, trim_cap=1.5)
    counts = dict(zip(population["cell"], population["Freq"].astype(float), strict=True))
    cells = frame["cell"].to_numpy()
    for cell, count in counts.items():
        assert_allclose(prepared.design.weights[cells == cell].sum(), count, rtol=1e-12)
    base = prepared.base_weights
    assert base.max() <= 1.5 * base.mean() * (1 + 1e-9)  # the base weights were trimmed
    assert_allclose(base.sum(), frame["w"].astype(float).sum(), rtol=1e-12)


def test_trimming_that_does_not_converge_says_so():
    from analysis.weighting import trim

    weights = np.array([1.0] * 20 + [50.0, 60.0])
    with pytest.raises(ValueError, match="did not converge in 1 rounds"):
        trim(weights, cap=2, max_iter=1)
    assert trim(weights, cap=2).max() <= 2 * weights.mean() * (1 + 1e-9)
