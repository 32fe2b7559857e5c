"""Key drivers recover known effects, say "not significant" at the nominal rate under the
null, and refuse (with a reason) when the data cannot support them; what-if follows the
tree's arithmetic."""
import numpy as np
import pytest
from scipy import stats

import instruments
from analysis import contrasts_for, estimate_indices, make_design
from analysis.drivers import MIN_CLUSTERS, NotEstimable, key_drivers, what_if

COUNTER = contrasts_for(instruments.get("sipas-counter"))


def simulated(n, rng, effects):
    """Factor satisfaction drawn at random; overall satisfaction driven by ``effects``."""
    items = list(COUNTER.items)
    answers = np.full((n, len(items)), np.nan)
    sat = {}
    for code in ("access", "procedures", "staff", "results", "feedback"):
        sat[code] = rng.random(n) < 0.75
        answers[:, items.index(code)] = np.where(sat[code], rng.integers(4, 6, n), rng.integers(1, 4, n))
    p = 0.15 + sum(effects[c] * sat[c] for c in effects)
    overall = rng.random(n) < p
    answers[:, items.index("overall")] = np.where(overall, rng.integers(4, 6, n), rng.integers(1, 4, n))
    return answers


def test_drivers_recover_the_simulated_effects():
    rng = np.random.default_rng(11)
    effects = {"access": 0.05, "procedures": 0.10, "staff": 0.40, "results": 0.20, "feedback": 0.0}
    answers = simulated(6000, rng, effects)
    clusters = rng.integers(0, 60, len(answers))
    drivers = key_drivers(answers, COUNTER, np.ones(len(answers)), clusters).drivers
    by_code = {d.code: d for d in drivers}
    item_of = {"5": "access", "6": "procedures", "7": "staff", "8": "results", "9": "feedback"}
    for code, item in item_of.items():
        assert by_code[code].ci_low - 1 < 100 * effects[item] < by_code[code].ci_high + 1, code
    assert drivers[0].code == "7"  # civil servants matter most, as simulated


def test_drivers_need_an_outcome_and_enough_answers():
    rng = np.random.default_rng(1)
    with pytest.raises(NotEstimable, match="too few complete answers") as problem:
        key_drivers(simulated(10, rng, {"staff": 0.5}), COUNTER, np.ones(10), np.arange(10))
    assert problem.value.code == "too_few_answers" and problem.value.params["n"] == 10
    sipas = contrasts_for(instruments.get("sipas-2023"))
    with pytest.raises(NotEstimable, match="no 'overall' item"):
        key_drivers(np.full((5, len(sipas.items)), 4.0), sipas, np.ones(5), np.zeros(5))


def clustered_null(rng, points=1, days=150, per_day=1.0, spread=0.6, day_effect=0.8):
    """Answers at ``points`` service points over ``days`` days where overall satisfaction
    does NOT depend on any factor: every factor and the overall answer get their own
    independent service-point and day effects (so answers cluster by day, as at a real
    counter, but no factor drives anything). Returns (answers, service point, PSU)."""
    counts = rng.poisson(per_day, (points, days))
    point = np.repeat(np.arange(points), counts.sum(axis=1))
    day = np.concatenate([np.repeat(np.arange(days), counts[p]) for p in range(points)])
    n = len(point)

    def satisfied(base):
        level = base + rng.normal(0, spread, points)[point] + \
            rng.normal(0, day_effect, (points, days))[point, day]
        return rng.random(n) < 1 / (1 + np.exp(-level))

    items = list(COUNTER.items)
    answers = np.full((n, len(items)), np.nan)
    for code, base in (("access", 1.2), ("procedures", 1.2), ("staff", 1.2), ("results", 1.2),
                       ("feedback", 1.2), ("overall", 1.5)):
        good = satisfied(base)
        answers[:, items.index(code)] = np.where(good, rng.integers(4, 6, n), rng.integers(1, 4, n))
    return answers, point, point * 1000 + day


def test_one_service_point_gives_drivers_clustered_by_day():
    rng = np.random.default_rng(21)
    answers, point, psu = clustered_null(rng, points=1, days=300, per_day=1.2)
    result = key_drivers(answers, COUNTER, np.ones(len(answers)), psu, strata=point)
    assert result.clusters == len(np.unique(psu)) > MIN_CLUSTERS
    assert result.df == result.clusters - 1 and len(result.drivers) == 5
    assert all(d.ci_low < d.importance < d.ci_high for d in result.drivers)


def test_one_service_point_on_a_few_days_is_refused_with_the_reason():
    rng = np.random.default_rng(22)
    answers, point, psu = clustered_null(rng, points=1, days=12, per_day=40)
    with pytest.raises(NotEstimable) as problem:
        key_drivers(answers, COUNTER, np.ones(len(answers)), psu, strata=point)
    assert problem.value.code == "too_few_clusters"
    assert problem.value.params == {"clusters": len(np.unique(psu)), "need": MIN_CLUSTERS}


def test_two_service_points_find_a_real_driver_and_keep_honest_intervals():
    """Two counters of very different quality (the X-TANPHU case): the counters' levels go
    into their fixed effects and the days are the clusters, so a real effect is found and
    the null factors get intervals as wide as the data allow, not the near-zero widths
    that clustering on two service points produced."""
    rng = np.random.default_rng(23)
    answers, point, psu = clustered_null(rng, points=2, days=200, per_day=1.5, spread=1.5)
    items = list(COUNTER.items)
    staff = answers[:, items.index("staff")] >= 4
    lifted = staff & (rng.random(len(staff)) < 0.5)  # satisfied staff: half are lifted to 4-5
    answers[lifted, items.index("overall")] = 5
    result = key_drivers(answers, COUNTER, np.ones(len(answers)), psu, strata=point)
    by_code = {d.code: d for d in result.drivers}
    assert by_code["7"].ci_low > 10 and result.drivers[0].code == "7"
    n = result.n
    for code in ("5", "6", "8", "9"):  # no effect: intervals at least as wide as iid ones
        iid_se = 100 * 0.5 / np.sqrt(n * 0.75 * 0.25)  # outcome SD / (sqrt(n) SD of x), roughly
        assert by_code[code].ci_high - by_code[code].ci_low > 0.5 * 2 * 1.96 * iid_se, code


def test_false_significance_under_the_null_is_near_five_percent():
    """400 simulated units where no factor drives overall satisfaction, at about the size
    the rule just allows (two counters, ~260 complete answers over ~190 counter-days; 241
    needed: the few smaller ones are refused, as they would be on the page). A driver is
    "significant" when its 95 % interval excludes 0; that should happen 5 % of the time.
    Clustering on the two service points (the old rule, normal critical values) is run on
    the same data for contrast: it cried "significant" for about a third of the factors."""
    import statsmodels.api as sm

    rng = np.random.default_rng(2026)
    ours, old, refused = [], [], 0
    for _ in range(400):
        answers, point, psu = clustered_null(rng, points=2, days=130, per_day=1.0)
        try:
            result = key_drivers(answers, COUNTER, np.ones(len(answers)), psu, strata=point)
        except NotEstimable as problem:
            refused += problem.code == "too_few_answers"
            continue
        ours += [d.ci_low > 0 or d.ci_high < 0 for d in result.drivers]
        satisfied = np.where(np.isnan(answers), np.nan, answers >= 4)
        x, y = satisfied[:, :5], satisfied[:, 5]
        fit = sm.OLS(100 * y, sm.add_constant(x)).fit(cov_type="cluster",
                                                      cov_kwds={"groups": point})
        old += list(np.abs(fit.params[1:]) > stats.norm.ppf(0.975) * fit.bse[1:])
    assert len(ours) == 5 * (400 - refused) and refused < 100
    assert 0.03 <= np.mean(ours) <= 0.07, np.mean(ours)
    assert np.mean(old) > 0.2, np.mean(old)


def test_what_if_moves_the_total_by_the_factor_weight():
    rng = np.random.default_rng(5)
    answers = simulated(800, rng, {"staff": 0.5})
    design = make_design(len(answers), None, None, rng.integers(0, 40, len(answers)))
    analysis = estimate_indices(answers, COUNTER, design)
    domain = analysis.domains[0]
    result = what_if(analysis, (), "7", 95.0)
    expected = domain.get("total").estimate + 0.2 * (95.0 - domain.get("7").estimate)
    assert result.total == pytest.approx(expected)
    assert result.ci_low < result.total < result.ci_high
    # fixing one of five factors leaves less uncertainty than the total itself carries
    assert 0 < result.se < domain.get("total").se


def test_sums_per_cluster_give_statsmodels_cluster_robust_fit():
    """``key_drivers`` works from sums per cluster (what the tallies keep): its
    coefficients and CR1 standard errors equal statsmodels' WLS with a dummy per service
    point and cluster-robust covariance, fitted here on the rows themselves."""
    import statsmodels.api as sm

    rng = np.random.default_rng(404)
    answers, point, psu = clustered_null(rng, points=4, days=120, per_day=1.6, spread=1.0)
    items = list(COUNTER.items)
    staff = answers[:, items.index("staff")] >= 4
    answers[staff & (rng.random(len(staff)) < 0.4), items.index("overall")] = 5
    answers[rng.random(len(answers)) < 0.05, items.index("access")] = np.nan  # incomplete
    weights = rng.uniform(0.5, 3.0, 4)[point]  # one weight per counter, as post-strata give
    result = key_drivers(answers, COUNTER, weights, psu, strata=point)

    satisfied = np.where(np.isnan(answers), np.nan, answers >= 4)
    x, y = satisfied[:, :5], satisfied[:, 5]   # access … feedback, overall (one item each)
    complete = ~np.isnan(x).any(axis=1) & ~np.isnan(y)
    dummies = (point[complete, None] == np.arange(1, 4)).astype(float)
    exog = np.column_stack([np.ones(complete.sum()), x[complete], dummies])
    _, groups = np.unique(psu[complete], return_inverse=True)
    fit = sm.WLS(100 * y[complete], exog, weights=weights[complete]).fit(
        cov_type="cluster", cov_kwds={"groups": groups, "use_correction": True,
                                      "df_correction": True}, use_t=True)
    by_code = {d.code: d for d in result.drivers}
    for j, code in enumerate(("5", "6", "7", "8", "9"), start=1):
        assert by_code[code].importance == pytest.approx(fit.params[j], abs=1e-9)
        assert by_code[code].se == pytest.approx(fit.bse[j], rel=1e-9)
    assert result.n == complete.sum() and result.clusters == groups.max() + 1
