"""Confidence intervals for 0-100 indices.

scipy is imported only for the beta quantiles of Clopper-Pearson (at 0 % or 100 %, or
``--ci beta``): importing scipy.special costs more CPU than the rest of ``hailong analyze``
on 200,000 responses but one step. The t quantiles of the usual intervals come from
``analysis.tquantile`` (integer df).
"""
import numpy as np

from analysis.options import CIMethod
from analysis.tquantile import t_quantile

#: Standard errors (as proportions) at or below this are zero.
ZERO_SE = 1e-10


def clopper_pearson(p, n_star, level):
    """Exact binomial (beta) limits for x = p·n* successes out of n* (any real n* > 0).

    At x = 0 the upper limit is 1 - (α/2)^(1/n*), at x = n* the lower one (α/2)^(1/n*)
    (the beta quantiles in closed form); scipy is imported only for 0 < x < n*."""
    alpha = 1 - level
    p = np.asarray(p, dtype=float)
    n_star = np.broadcast_to(np.asarray(n_star, dtype=float), p.shape)
    x = p * n_star
    low, high = np.zeros(p.shape), np.ones(p.shape)
    with np.errstate(invalid="ignore", divide="ignore"):
        none, every = x <= 0, x >= n_star
        high[none] = 1 - (alpha / 2) ** (1 / n_star[none])
        low[every] = (alpha / 2) ** (1 / n_star[every])
        inside = ~none & ~every
        if inside.any():
            from scipy import special

            xi, ni = x[inside], n_star[inside]
            low[inside] = special.betaincinv(xi, ni - xi + 1, alpha / 2)
            high[inside] = special.betaincinv(xi + 1, ni - xi, 1 - alpha / 2)
    return np.nan_to_num(low), np.nan_to_num(high, nan=1.0)


def korn_graubard_n(n_eff, n, df, level):
    """Effective sample size with the design's degrees of freedom (Korn & Graubard 1998):
    n* = n_eff · (t_{n-1} / t_df)², never more than n_eff (df <= n - 1)."""
    alpha = 1 - level
    n = np.maximum(np.asarray(n, dtype=float), 2.0)
    ratio = t_quantile(alpha / 2, n - 1) / t_quantile(alpha / 2, np.minimum(df, n - 1))
    return np.asarray(n_eff, dtype=float) * ratio ** 2


def intervals(estimate, se, n_eff, df, level=0.95, method=CIMethod.LOGIT, n=None):
    """Lower and upper limits (0-100) for arrays of estimates (0-100) and SEs.

    ``logit``: logit(p) ± t·se_p/(p(1-p)), as R ``svyciprop(method="logit")``; ``wald``:
    p ± t·se, clipped to 0-100; ``beta``: Korn-Graubard, Clopper-Pearson on the design's
    effective sample size p(1-p)/se_p² times (t_{n-1}/t_df)², as R
    ``svyciprop(method="beta")``. ``t`` has ``df`` degrees of freedom; ``n`` is the number
    of respondents behind each estimate (its valid answers).

    Where p is 0 or 100, or the SE is 0, no method can use the SE (there is no variance to
    measure the design effect with): all use Clopper-Pearson on Kish's effective n (the
    loss from unequal weights, ``n_eff``) with Korn and Graubard's degrees-of-freedom
    correction, n* = n_eff·(t_{n-1}/t_df)². Clustering cannot be measured at 0 % or 100 %;
    the df correction widens the interval the more, the fewer PSUs the design has.

    References
    ----------
    Korn, E. L. & Graubard, B. I. (1998). Confidence intervals for proportions with small
    expected number of positive counts estimated from survey data. Survey Methodology
    24(2), 193-201. Lumley, T. (2010). Complex Surveys, §2.4.2 (``svyciprop``).
    """
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1 (e.g. 0.95), got {level}")
    method = CIMethod(method)
    p = np.asarray(estimate, dtype=float) / 100
    se_p = np.asarray(se, dtype=float) / 100
    n = np.maximum(np.asarray(n_eff, dtype=float), 1.0) if n is None else np.asarray(n, float)
    t = t_quantile(1 - (1 - level) / 2, df)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if method == CIMethod.LOGIT:
            centre = np.log(p / (1 - p))
            half = t * se_p / (p * (1 - p))
            low, high = 1 / (1 + np.exp(half - centre)), 1 / (1 + np.exp(-centre - half))
        elif method == CIMethod.WALD:
            low, high = np.clip(p - t * se_p, 0, 1), np.clip(p + t * se_p, 0, 1)
        else:
            design_n = p * (1 - p) / se_p ** 2
            low, high = clopper_pearson(np.clip(p, 0, 1),
                                        korn_graubard_n(design_n, n, df, level), level)
    # an SE within rounding of 0 is 0 (a post-stratum that is a single PSU has none: the
    # arithmetic leaves ~1e-17, which must not give a zero-width interval)
    edge = (p <= 0) | (p >= 1) | (se_p <= ZERO_SE)
    if edge.any():  # only the edge cells (few): t quantiles per distinct n are cheap
        n_eff, n, df = (np.broadcast_to(np.asarray(a, dtype=float), p.shape)
                        for a in (n_eff, n, df))
        n_star = korn_graubard_n(np.maximum(n_eff[edge], 1e-12), n[edge], df[edge], level)
        cp_low, cp_high = clopper_pearson(np.clip(p[edge], 0, 1), np.maximum(n_star, 1e-12),
                                          level)
        low, high = np.array(low, dtype=float), np.array(high, dtype=float)
        low[edge], high[edge] = cp_low, cp_high
    return low * 100, high * 100
