"""The nowcast is honest: wide with few official years, and covers as advertised."""
import numpy as np
import pytest

from analysis.nowcast import nowcast


def test_one_year_is_wide_and_more_years_narrow_it():
    one = nowcast([86.5], [84.0], current=85.0, current_se=0.8)
    assert one.estimate == pytest.approx(87.5)
    five = nowcast([80.1, 82.0, 84.3, 86.5, 86.0], [78.0, 80.2, 82.0, 84.4, 83.9],
                   current=85.0, current_se=0.8)
    assert five.high - five.low < one.high - one.low
    assert five.estimate == pytest.approx(85.0 + np.mean([2.1, 1.8, 2.3, 2.1, 2.1]))
    assert 0 < five.probability_at_least(88) < 0.5 < five.probability_at_least(86)


@pytest.mark.xfail(strict=True, reason="the nowcast's 95 % intervals over-cover (99.75 % of 400 "
                   "simulated years, 99.95 % of 2,000): too wide; issue #10 item 36, left to "
                   "the helper fixing the forecast and nowcast variance")
def test_coverage_on_simulated_official_years():
    rng = np.random.default_rng(42)
    hits = []
    for _ in range(400):
        k = int(rng.integers(2, 6))
        gap, spread = rng.normal(2, 1), 1.5
        internal = rng.uniform(75, 90, k + 1)
        official = internal + gap + rng.normal(0, spread, k + 1)
        result = nowcast(official[:-1], internal[:-1], internal[-1], current_se=0.0)
        hits.append(result.low <= official[-1] <= result.high)
    # 95 % intervals: 400 draws give a binomial SD of 1.1 points, so an honest interval
    # lands in [92.5 %, 97.5 %]; above that the intervals are wider than they say.
    assert 0.925 <= np.mean(hits) <= 0.975


def test_bad_history_is_refused():
    with pytest.raises(ValueError, match="at least one past year"):
        nowcast([], [], 85, 1)
    with pytest.raises(ValueError, match="at least one past year"):
        nowcast([80, 81], [79], 85, 1)


def test_drift_of_a_twelve_month_mean_matches_a_simulated_random_walk():
    from analysis.targets import drift_variance, drift_weights

    # a year later: shocks weigh 1/12 .. 12/12 .. 1/12
    assert np.sum(drift_weights(12) ** 2) == pytest.approx((2 * sum(i * i for i in range(1, 12))
                                                            + 144) / 144)
    rng = np.random.default_rng(5)
    walks = np.cumsum(rng.normal(0, 0.7, (20000, 30)), axis=1)
    change = walks[:, 17:29].mean(axis=1) - walks[:, 10:22].mean(axis=1)  # 7 months later
    assert np.var(change) == pytest.approx(0.49 * np.sum(drift_weights(7) ** 2), rel=0.05)
    # the moment estimate of the monthly drift takes the sampling error out of the steps
    y = np.cumsum(rng.normal(0, 0.7, 400)) + rng.normal(0, 1.0, 400)
    assert drift_variance(y, np.full(400, 1.0), 1) == pytest.approx(0.49 / 12 ** 2 * 12,
                                                                     rel=0.35)
    assert drift_variance(y[:5], None, 3) is None  # too few months to say


def test_probability_of_the_official_result_carries_gap_and_time():
    from analysis.targets import forecast_probability_official, probability_official

    now = nowcast([86.5, 85.0], [84.0, 83.0], current=85.0, current_se=0.5)
    assert probability_official(None, 88.0) is None  # no calibration: none at all
    sure = probability_official(now, 80.0)
    later = probability_official(now, 80.0, drift_var=25.0)
    assert 0.5 < later < sure < 1  # time makes it less certain, never more
    assert probability_official(now, 88.0) == pytest.approx(now.probability_at_least(88.0))
    # the December forecast is moved by the gap (+2.25) and widened by its spread
    p = forecast_probability_official(86.0, 1.0, now, 88.0)
    without_gap = 1 - 0.9599408  # P(N(86, 1) >= 88)
    assert p > without_gap
    assert now.gap_sd < now.sd and now.gap == pytest.approx(2.25)
