"""Properties of the estimators beyond the R golden values."""
import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import stats

import instruments
from analysis import CIMethod, LonelyPSU, contrasts_for, estimate_indices, make_design
from analysis.compare import adjust, compare, rank_intervals
from analysis.weighting import post_stratify, rake, trim

COUNTER = contrasts_for(instruments.get("sipas-counter"))


def sample(n, seed=0, level=0.8):
    rng = np.random.default_rng(seed)
    good = rng.random((n, len(COUNTER.items))) < level
    return np.where(good, rng.choice([4, 5], size=good.shape),
                    rng.choice([1, 2, 3], size=good.shape)).astype(float)


def test_simple_share_and_tree_on_a_tiny_example():
    answers = np.array([[5, 4, 4, 2, np.nan, 5], [1, 5, 4, 4, 4, 3]], dtype=float)
    result = estimate_indices(answers, COUNTER).domains[0]
    assert result.get("access").estimate == 50
    assert result.get("feedback").estimate == 100 and result.get("feedback").n_valid == 1
    assert result.get("total").estimate == pytest.approx((50 + 100 + 100 + 50 + 100) / 5)
    assert result.get("total").points == pytest.approx(8.0)
    assert result.get("7").points == pytest.approx(2.5)
    assert result.get("access").mean_score == 3.0
    assert result.get("access").score_100 == 50.0
    assert result.get("all_satisfied").estimate == 0.0  # nobody satisfied with every item


def test_clopper_pearson_at_100_percent_uses_kish_n_with_the_designs_df():
    answers = np.full((40, len(COUNTER.items)), 5.0)
    estimate = estimate_indices(answers, COUNTER).domains[0].get("access")
    assert estimate.estimate == 100 and estimate.se == 0
    # exact binomial: lower limit of 40/40 at 95 % is (0.025)^(1/40); df = 39 = n - 1, so
    # Korn and Graubard's correction (t_{n-1}/t_df)^2 is 1
    assert_allclose(estimate.ci_low, 100 * 0.025 ** (1 / 40), rtol=1e-9)
    assert estimate.ci_high == 100
    # four PSUs of ten: df = 3, n* = 40 (t_39 / t_3)^2 (Korn & Graubard 1998)
    clustered = estimate_indices(answers, COUNTER, make_design(40, psu=np.repeat(np.arange(4), 10)))
    n_star = 40 * (stats.t.ppf(0.025, 39) / stats.t.ppf(0.025, 3)) ** 2
    low = clustered.domains[0].get("access").ci_low
    assert_allclose(low, 100 * 0.025 ** (1 / n_star), rtol=1e-9)
    assert low < estimate.ci_low  # fewer PSUs, wider


def test_a_domain_without_valid_answers_is_null_with_a_reason():
    answers = sample(30)
    answers[:10] = np.nan
    domain = np.array([0] * 10 + [1] * 20)
    result = estimate_indices(answers, COUNTER, domain=domain, domain_keys=[("A",), ("B",)])
    empty = result.domains[0].get("total")
    assert empty.estimate is None and empty.ci_low is None and empty.reason == "no valid answers"
    assert result.domains[1].get("total").estimate is not None


def test_an_item_missing_in_a_domain_drops_out_of_its_nodes():
    answers = sample(40)
    answers[:20, COUNTER.items.index("feedback")] = np.nan
    domain = np.repeat([0, 1], 20)
    result = estimate_indices(answers, COUNTER, domain=domain, domain_keys=[("A",), ("B",)])
    total = result.domains[0].get("total")
    assert [code for code, _ in total.items] == ["access", "procedures", "staff", "results"]
    assert all(a == pytest.approx(0.25) for _, a in total.items)
    assert result.domains[0].get("9").estimate is None
    assert len(result.domains[1].get("total").items) == 5


def test_domains_do_not_change_the_whole_sample_estimate():
    """Domains are subsets of one design: unweighted, each item's share in the whole sample
    is the n_valid-weighted mean of its shares in the domains, and the index tree combines
    the whole-sample items with the instrument's coefficients."""
    answers = sample(300, seed=3)
    whole = estimate_indices(answers, COUNTER).domains[0]
    domain = np.arange(300) % 3
    parts = estimate_indices(answers, COUNTER, domain=domain,
                             domain_keys=[("a",), ("b",), ("c",)]).domains
    assert sum(p.get("total").n for p in parts) == whole.get("total").n == 300
    for code in COUNTER.items:
        valid = [p.get(code).n_valid for p in parts]
        pooled = sum(n * p.get(code).estimate for n, p in zip(valid, parts, strict=True))
        assert_allclose(pooled / sum(valid), whole.get(code).estimate, rtol=1e-12, err_msg=code)
        assert sum(valid) == whole.get(code).n_valid
    row = COUNTER.matrix[COUNTER.codes.index("total")]
    items = np.array([whole.get(code).estimate for code in COUNTER.items])
    assert_allclose(whole.get("total").estimate, row @ items, rtol=1e-12)
    # and asking for domains leaves the one-domain answer as it was
    single = estimate_indices(answers, COUNTER, domain=np.zeros(300, int), domain_keys=[("all",)])
    assert_allclose(single.domains[0].get("total").estimate, whole.get("total").estimate, rtol=1e-12)
    assert_allclose(single.domains[0].get("total").se, whole.get("total").se, rtol=1e-12)


def test_wald_and_logit_agree_near_the_middle_and_differ_near_the_edge():
    answers = sample(2000, seed=5, level=0.5)
    logit = estimate_indices(answers, COUNTER).domains[0].get("access")
    wald = estimate_indices(answers, COUNTER, ci=CIMethod.WALD).domains[0].get("access")
    assert_allclose([logit.ci_low, logit.ci_high], [wald.ci_low, wald.ci_high], atol=0.05)
    skewed = estimate_indices(sample(60, seed=6, level=0.97), COUNTER).domains[0].get("access")
    assert skewed.ci_high < 100 and skewed.ci_high - skewed.estimate < skewed.estimate - skewed.ci_low


def test_lonely_psu_rules():
    answers = sample(60, seed=7)
    strata = np.repeat([0, 1, 2], 20)
    psu = np.where(strata == 2, 0, np.arange(60) % 4)
    se = {rule: estimate_indices(answers, COUNTER, make_design(60, None, strata, psu, rule))
          .domains[0].get("total").se for rule in ("adjust", "remove", "average")}
    assert se["remove"] < se["adjust"]
    assert se["average"] > se["remove"]
    with pytest.raises(ValueError, match="single PSU"):
        make_design(60, None, strata, psu, LonelyPSU.FAIL)


def test_bad_inputs_are_refused_with_row_and_column():
    answers = sample(5)
    answers[3, 2] = 7
    with pytest.raises(ValueError, match="row 4, column 'staff': 7 is not an answer 1-5"):
        estimate_indices(answers, COUNTER)
    with pytest.raises(ValueError, match="weight in row 2 is 0.0"):
        make_design(3, [1, 0, 2])
    with pytest.raises(ValueError, match="weight in row 3 is nan"):
        make_design(3, [1, 1, np.nan])
    with pytest.raises(ValueError, match="stratum is missing in row 2"):
        make_design(3, None, np.array(["a", None, "b"], dtype=object))
    with pytest.raises(ValueError, match="level must be between 0 and 1"):
        estimate_indices(sample(5), COUNTER, level=95)


def test_sixty_domains_in_one_pass_match_one_domain_at_a_time():
    answers = sample(3000, seed=9)
    domain = np.random.default_rng(1).integers(0, 60, 3000)
    keys = [(f"u{i}",) for i in range(60)]
    rng = np.random.default_rng(2)
    design = make_design(3000, rng.uniform(0.5, 2, 3000), np.arange(3000) % 5,
                         rng.integers(0, 30, 3000))
    together = estimate_indices(answers, COUNTER, design, domain, keys)
    for d in (0, 17, 59):
        alone = estimate_indices(answers, COUNTER, design, (domain == d).astype(int),
                                 [("other",), ("this",)]).domains[1].get("total")
        assert_allclose(together.domains[d].get("total").estimate, alone.estimate, rtol=1e-12)
        assert_allclose(together.domains[d].get("total").se, alone.se, rtol=1e-10)


def test_comparisons_ranks_and_adjustment():
    answers = np.vstack([sample(400, 1, 0.9), sample(400, 2, 0.6), sample(400, 3, 0.88)])
    domain = np.repeat([0, 1, 2], 400)
    keys = [("good",), ("bad",), ("good2",)]
    result = estimate_indices(answers, COUNTER, domain=domain, domain_keys=keys)
    big = compare(result, "total", ("good",), ("bad",))
    small = compare(result, "total", ("good",), ("good2",))
    assert big.difference > 20 and big.p_value < 1e-6 and big.ci_low > 0
    assert small.p_value > 0.01
    # independent domains: the difference's SE is the root of the summed variances
    se_a, se_b = (result.domains[d].get("total").se for d in (0, 1))
    assert_allclose(big.se, np.hypot(se_a, se_b), rtol=1e-6)
    holm = adjust([big, small], "holm")
    assert holm[0].p_adjusted == pytest.approx(2 * big.p_value)
    assert holm[1].p_adjusted == pytest.approx(max(2 * big.p_value, small.p_value))
    bh = adjust([small, big], "bh")
    assert bh[0].p_adjusted == pytest.approx(small.p_value)
    assert bh[1].p_adjusted == pytest.approx(min(2 * big.p_value, small.p_value))
    ranks = rank_intervals(result, "total")
    assert [r[0] for r in ranks][2] == ("bad",)
    assert ranks[2][3] == ranks[2][4] == 3  # clearly last
    assert {r[0] for r in ranks[:2]} == {("good",), ("good2",)}
    assert all(1 <= r[3] <= r[2] <= r[4] <= 2 for r in ranks[:2])


def test_weighting_helpers():
    w = np.ones(6)
    cells = np.array([0, 0, 1, 1, 1, 2])
    assert_allclose(post_stratify(w, cells, [10, 30, 5]), [5, 5, 10, 10, 10, 5])
    with pytest.raises(ValueError, match="has no respondents"):
        post_stratify(w, cells, [1, 1, 1, 1])
    sex, area = np.array([0, 0, 1, 1, 1, 1]), np.array([0, 1, 0, 1, 0, 1])
    raked = rake(w, [sex, area], [[50, 50], [40, 60]])
    assert_allclose(np.bincount(sex, raked), [50, 50])
    assert_allclose(np.bincount(area, raked), [40, 60])
    trimmed = trim(np.array([1, 1, 1, 1, 10.0]), cap=2)
    assert trimmed.max() <= 2 * trimmed.mean() + 1e-9 and trimmed.sum() == pytest.approx(14)


@pytest.mark.parametrize(("method", "theirs"), [("holm", "holm"), ("bh", "fdr_bh")])
def test_adjusted_p_values_are_statsmodels(method, theirs):
    from statsmodels.stats.multitest import multipletests

    from analysis.compare import adjust
    from analysis.results import Comparison

    rng = np.random.default_rng(3)
    for size in (1, 2, 7, 40):
        p = rng.uniform(0, 0.2, size)
        p[: size // 3] /= 50
        found = adjust([Comparison("x", ("a",), ("b",), 1.0, 1.0, 0.0, 2.0, float(v))
                        for v in p], method)
        expected = multipletests(p, method=theirs)[1]
        np.testing.assert_allclose([c.p_adjusted for c in found], expected, rtol=1e-12)
