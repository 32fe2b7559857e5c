"""Shares and means of single questions, and the difference of two indices of one domain,
against R ``survey`` on tests/analysis/shares_data.csv (80 rows, 2 strata, 16 PSUs).

The golden values come from these R commands::

    library(survey)
    d <- read.csv("shares_data.csv")
    des <- svydesign(ids=~psu, strata=~stratum, weights=~w, data=d, nest=TRUE)
    p <- svyciprop(~I(extra == 1), subset(des, !is.na(extra)), method="logit")
    coef(p); SE(p); confint(p)
    m <- svymean(~trips, subset(des, !is.na(trips))); coef(m); SE(m); confint(m, df=degf(des))
    d$sa <- as.numeric(d$a >= 4); d$sb <- as.numeric(!is.na(d$b) & d$b >= 4)
    d$va <- 1; d$vb <- as.numeric(!is.na(d$b))
    des <- svydesign(ids=~psu, strata=~stratum, weights=~w, data=d, nest=TRUE)
    r <- svyratio(~sa+sb, ~va+vb, des, covmat=TRUE); cv <- vcov(r); est <- coef(r)
    100*(est[1]-est[4]); 100*sqrt(cv[1,1]+cv[4,4]-2*cv[1,4])
"""
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis import estimate_indices, make_design
from analysis.contrast import compare_codes
from analysis.shares import mean, share
from analysis.tree import Contrasts

DATA = Path(__file__).with_name("shares_data.csv")


@pytest.fixture(scope="module")
def frame():
    return pd.read_csv(DATA)


@pytest.fixture(scope="module")
def design(frame):
    return make_design(len(frame), frame["w"].to_numpy(), frame["stratum"].to_numpy(dtype=object),
                       frame["psu"].to_numpy(dtype=object))


def test_share_of_yes_matches_r_svyciprop(frame, design):
    found = share(frame["extra"].to_numpy(dtype=float), design)
    assert found.estimate == pytest.approx(18.6733593534, abs=1e-8)
    assert found.se == pytest.approx(5.7261858742, rel=1e-6)
    assert found.ci_low == pytest.approx(9.2785506395, rel=1e-6)
    assert found.ci_high == pytest.approx(34.0141641423, rel=1e-6)
    assert found.n == 80 and found.n_valid == int(frame["extra"].notna().sum())


def test_mean_number_of_trips_matches_r_svymean(frame, design):
    found = mean(frame["trips"].to_numpy(dtype=float), design)
    assert found.estimate == pytest.approx(1.549561620431, abs=1e-9)
    assert found.se == pytest.approx(0.090475859170, rel=1e-6)
    assert found.ci_low == pytest.approx(1.355510202104, rel=1e-6)
    assert found.ci_high == pytest.approx(1.743613038758, rel=1e-6)


def test_no_valid_answer_gives_no_number(design):
    found = share(np.full(design.n, np.nan), design)
    assert found.estimate is None and found.ci_low is None and found.n_valid == 0


def test_difference_of_two_items_in_one_domain_matches_r(frame, design):
    contrasts = Contrasts(("a", "b"), ("a", "b"), ("item", "item"), ("a", "b"), (None, None),
                          np.eye(2))
    answers = frame[["a", "b"]].to_numpy(dtype=float)
    analysis = estimate_indices(answers, contrasts, design)
    found = compare_codes(analysis, (), "a", "b")
    assert found.difference == pytest.approx(5.904262210626, abs=1e-8)
    assert found.se == pytest.approx(8.129457043900, rel=1e-6)
    assert found.p_value == pytest.approx(0.479634533642, rel=1e-5)
    assert compare_codes(analysis, (), "a", "a").difference == 0
