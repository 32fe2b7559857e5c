"""What R is given is independent of the code it checks, and R cannot be skipped in CI
(issue #10 item 37)."""
import csv
import shutil
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose

import analysis
import analysis.tree
import instruments
from tests.oracle import make_data
from tests.r_tools import rscript

ROOT = Path(__file__).resolve().parents[2]
ORACLE = ROOT / "tests" / "oracle"


def hand_contrasts(path=ORACLE / "data" / "contrasts.csv"):
    lines = [line for line in path.read_text(encoding="utf-8").splitlines()
             if not line.startswith("#")]
    rows = list(csv.reader(lines))
    return rows[0][1:], {row[0]: [float(x) for x in row[1:]] for row in rows[1:]}


def test_the_tree_rules_give_the_coefficients_written_by_hand():
    items, hand = hand_contrasts()
    ours = analysis.contrasts_for(instruments.load_file(ORACLE / "oracle.yaml"))
    assert list(ours.items) == items and set(ours.codes) == set(hand)
    for code, row in zip(ours.codes, ours.matrix, strict=True):
        assert_allclose(row, hand[code], rtol=1e-15, atol=1e-15, err_msg=code)
    assert all(abs(sum(row) - 1) < 1e-12 for row in hand.values())


def test_the_data_for_r_do_not_come_from_the_tree_code(tmp_path, monkeypatch):
    """A mistake in the tree rules must not be copied into R's input."""
    def broken(*_args, **_kwargs):
        raise AssertionError("contrasts_for must not write R's input")

    for module in (analysis, analysis.tree, make_data):
        monkeypatch.setattr(module, "contrasts_for", broken, raising=False)
    make_data.main(tmp_path, seeds=(1, 2), sizes=(50, 40))
    assert (tmp_path / "data" / "contrasts.csv").read_bytes() == \
        (ORACLE / "data" / "contrasts.csv").read_bytes()
    _items, hand = hand_contrasts(tmp_path / "data" / "contrasts.csv")
    assert np.isclose(hand["B"][2:5], 1 / 3).all()


def test_without_rscript_r_tests_skip_locally_and_fail_when_r_is_required(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda _name: None)
    monkeypatch.delenv("HAILONG_REQUIRE_R", raising=False)
    with pytest.raises(pytest.skip.Exception):
        rscript()
    monkeypatch.setenv("HAILONG_REQUIRE_R", "1")
    with pytest.raises(pytest.fail.Exception, match="Rscript is required"):
        rscript()


def test_ci_requires_r_and_no_test_skips_r_on_its_own():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "export HAILONG_REQUIRE_R=1" in ci and "export HAILONG_REQUIRE_BROWSER=1" in ci
    own_checks = [path.relative_to(ROOT) for path in (ROOT / "tests").rglob("*.py")
                  if path.name not in ("r_tools.py", "test_oracle_inputs.py")
                  and 'which("Rscript")' in path.read_text(encoding="utf-8")]
    assert own_checks == [], "use tests.r_tools.rscript() so that CI cannot skip R"
