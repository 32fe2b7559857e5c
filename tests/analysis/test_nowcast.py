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
