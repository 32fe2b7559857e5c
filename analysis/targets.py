"""Gap to a target and the probability that a target is met.

The official result of the target year (e.g. SIPAS 2025, published in 2026) differs from
the last 12 months of the unit's own survey in three ways, and a probability that the
target is met must carry all three (docs/methodology.md, "Probability that a target is
met"):
1. sampling error of the internal estimate;
2. the gap between official and internal results (different respondents, questions,
   fieldwork), estimated with its year-to-year spread by ``analysis.nowcast``;
3. time: the 12 months measured are not the target year; the index drifts in between.
Without a past year that calibrates the gap (2) no probability is given: the gap could be
several points either way, and a probability from the internal estimate alone was
overconfident.
"""
import numpy as np
from scipy import stats

#: Complete months of the internal series needed to measure its month-to-month drift.
MIN_DRIFT_MONTHS = 6


def probability_met(estimate, se, target):
    """P(true value >= target) for an estimate with a normal sampling error ``se`` only.

    This is *not* the probability that an official target is met (see the module
    docstring): use ``probability_official`` for that.
    """
    if estimate is None or se is None or target is None:
        return None
    if se <= 0:
        return float(estimate >= target)
    return float(stats.norm.sf((target - estimate) / se))


def drift_weights(months):
    """Coefficients c_s of the monthly shocks e_s in the change of a 12-month mean moved
    ``months`` months later under a random walk X_t = X_(t-1) + e_t: the change is
    (1/12) Σ_(j=0..11) (X_(L-j) - X_(-j)) = Σ_s c_s e_s."""
    shift = abs(int(months))
    if shift == 0:
        return np.zeros(0)
    shocks = np.arange(-10, shift + 1)           # e_s for s = -10 .. L
    j = np.arange(12)
    inside = (shocks[:, None] >= 1 - j[None, :]) & (shocks[:, None] <= shift - j[None, :])
    return inside.sum(axis=1) / 12.0


def drift_variance(values, ses, months):
    """Variance of the change in the 12-month mean of the internal index over ``months``
    months, from its monthly series (local-level model, method of moments).

    For a random walk observed with sampling error, var(y_t - y_(t-1)) = q + se_t² +
    se_(t-1)², so the monthly drift variance is q = max(0, mean of squared steps - mean of
    se² summed over both ends). A series that merely wobbles around a level gives q near
    0; a trending or wandering one a larger q (a random walk is the cautious choice).

    Returns None when the series has fewer than ``MIN_DRIFT_MONTHS`` points.
    """
    y = np.asarray(values, dtype=float)
    if y.size < MIN_DRIFT_MONTHS:
        return None
    se2 = np.zeros_like(y) if ses is None else np.asarray(ses, dtype=float) ** 2
    steps = np.diff(y)
    q = max(0.0, float(np.mean(steps ** 2) - np.mean(se2[1:] + se2[:-1])))
    return q * float(np.sum(drift_weights(months) ** 2))


def probability_official(nowcast, target, drift_var=0.0):
    """P(official result >= target) from a ``Nowcast`` of the official value (sampling
    error and the gap with its spread, Student-t) with the drift variance to the target
    year added."""
    if nowcast is None or target is None or drift_var is None:
        return None
    sd = float(np.sqrt(nowcast.sd ** 2 + drift_var))
    return float(stats.t.sf((target - nowcast.estimate) / sd, nowcast.df))


def forecast_probability_official(mean, sd, nowcast, target):
    """P(official result >= target) from a forecast of the internal index (``mean``, its
    predictive ``sd``) and the official/internal gap the nowcast estimated: the forecast
    moved by the gap, with the gap's own variance added (Student-t, the nowcast's df)."""
    if nowcast is None or target is None:
        return None
    total = float(np.sqrt(sd ** 2 + nowcast.gap_sd ** 2))
    return float(stats.t.sf((target - (mean + nowcast.gap)) / total, nowcast.df))
