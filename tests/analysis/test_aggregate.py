"""The one-pass aggregated engine gives what the row-by-row engine gives, to rounding."""
import numpy as np
import pytest
from numpy.testing import assert_allclose

import instruments
from analysis import contrasts_for, estimate_indices, make_design
from analysis.compare import compare

SERVICES = contrasts_for(instruments.get("sipas-services"))


def random_case(seed, n=3000, n_domains=7):
    rng = np.random.default_rng(seed)
    k = len(SERVICES.items)
    answers = rng.integers(1, 6, (n, k)).astype(float)
    answers[rng.random((n, k)) < 0.15] = np.nan
    domain = rng.integers(0, n_domains, n)
    answers[domain == 2, 3] = np.nan          # an item nobody answered in one domain
    answers[(domain == 4)[:, None] & (rng.random((n, k)) < 0.9)] = np.nan
    strata = rng.integers(0, 5, n)
    psu = rng.integers(0, 6, n)
    psu[strata == 4] = 0                       # a stratum with a single PSU
    design = make_design(n, rng.uniform(0.5, 3, n), strata, psu)
    return answers, design, domain, [(f"D{d}",) for d in range(n_domains)]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_aggregated_and_row_engines_agree(seed):
    answers, design, domain, keys = random_case(seed)
    fast = estimate_indices(answers, SERVICES, design, domain, keys)
    rows = estimate_indices(answers, SERVICES, design, domain, keys, engine="rows")
    compared = 0
    for a, b in zip(fast.domains, rows.domains, strict=True):
        assert a.key == b.key and a.n == b.n
        for x, y in zip(a.estimates, b.estimates, strict=True):
            assert (x.code, x.n, x.n_valid, x.items, x.reason) == (y.code, y.n, y.n_valid, y.items,
                                                                   y.reason)
            for field in ("estimate", "se", "ci_low", "ci_high", "n_eff", "deff", "mean_score",
                          "mean_score_se", "points"):
                u, v = getattr(x, field), getattr(y, field)
                if v is None:
                    assert u is None, (x.code, field)
                else:
                    assert_allclose(u, v, rtol=1e-9, atol=1e-12, err_msg=f"{x.code} {field}")
                    compared += 1
    assert compared > 500
    one = compare(fast, "II", ("D0",), ("D1",))
    other = compare(rows, "II", ("D0",), ("D1",))
    assert_allclose(one.se, other.se, rtol=1e-9)


def test_whole_sample_without_domains():
    answers, design, _, _ = random_case(9, n=800)
    fast = estimate_indices(answers, SERVICES, design).domains[0].get("II")
    rows = estimate_indices(answers, SERVICES, design, engine="rows").domains[0].get("II")
    assert_allclose([fast.estimate, fast.se, fast.deff], [rows.estimate, rows.se, rows.deff],
                    rtol=1e-10)
