"""Nowcast of the next official index (e.g. SIPAS) from the internal index.

With only a few official years, a regression slope cannot be estimated honestly, so the
model is: official_t = internal_t + gap + e_t, e_t ~ N(0, s²). The gap is the mean of the
past differences; s² combines their spread with a weakly informative prior (``prior_sd``
points, worth ``prior_years`` years), so one or two official years give a wide interval
and more years a narrower one. The internal estimate's own sampling error is added.

The predictive distribution of the next official value is Student-t with
(years - 1 + prior_years) degrees of freedom (Gelman et al., Bayesian Data Analysis,
3rd ed., §3.3, normal model with a scaled-inverse-chi² prior on the variance).
"""
from dataclasses import dataclass

import numpy as np
from scipy import stats


@dataclass(frozen=True)
class Nowcast:
    estimate: float
    low: float
    high: float
    sd: float
    df: float
    gap: float
    years: int
    gap_sd: float = 0.0   # predictive SD of next year's gap alone (no sampling error)

    def probability_at_least(self, target):
        return float(stats.t.sf((target - self.estimate) / self.sd, self.df))


def nowcast(official, internal, current, current_se, prior_sd=3.0, prior_years=2.0,
            level=0.95):
    """Predict the next official value.

    Parameters
    ----------
    official, internal : sequences of the same past years' official and internal values
    current, current_se : the internal estimate for the year to predict, and its SE

    Raises
    ------
    ValueError
        Without at least one past year with both values.
    """
    official = np.asarray(official, dtype=float)
    internal = np.asarray(internal, dtype=float)
    if official.shape != internal.shape or official.size == 0:
        raise ValueError("give at least one past year with both an official and an internal value")
    gaps = official - internal
    k = gaps.size
    gap = float(gaps.mean())
    sample_ss = float(((gaps - gap) ** 2).sum())
    df = (k - 1) + prior_years
    s2 = (sample_ss + prior_years * prior_sd ** 2) / df
    variance = s2 * (1 + 1 / k) + current_se ** 2
    sd = float(np.sqrt(variance))
    estimate = float(current + gap)
    t = stats.t.ppf(1 - (1 - level) / 2, df)
    return Nowcast(estimate, estimate - t * sd, estimate + t * sd, sd, df, gap, k,
                   float(np.sqrt(s2 * (1 + 1 / k))))
