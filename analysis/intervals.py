"""Confidence intervals for 0-100 indices."""
import numpy as np
from scipy import special, stats

from analysis.options import CIMethod


def clopper_pearson(p, n_eff, level):
    """Exact binomial interval on Kish's effective n (used at p = 0 or 1)."""
    alpha = 1 - level
    x = p * n_eff
    low = np.where(x > 0, stats.beta.ppf(alpha / 2, x, n_eff - x + 1), 0.0)
    high = np.where(x < n_eff, stats.beta.ppf(1 - alpha / 2, x + 1, n_eff - x), 1.0)
    return np.nan_to_num(low), np.nan_to_num(high, nan=1.0)


def intervals(estimate, se, n_eff, df, level=0.95, method=CIMethod.LOGIT):
    """Lower and upper limits (0-100) for arrays of estimates (0-100) and SEs.

    ``logit``: logit(p) ± t·se_p/(p(1-p)), as R ``svyciprop(method="logit")``; ``wald``:
    p ± t·se, clipped to 0-100. Where p is 0 or 100 (or the SE is 0), Clopper-Pearson on
    Kish's effective n. ``t`` has ``df`` degrees of freedom.

    References
    ----------
    Lumley, T. (2010). Complex Surveys, §2.4.2. Korn, E. & Graubard, B. (1998).
    Confidence intervals for proportions with small expected number of positive counts.
    """
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1 (e.g. 0.95), got {level}")
    method = CIMethod(method)
    t = stats.t.ppf(1 - (1 - level) / 2, df)
    p = np.asarray(estimate, dtype=float) / 100
    se_p = np.asarray(se, dtype=float) / 100
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == CIMethod.LOGIT:
            centre = special.logit(p)
            half = t * se_p / (p * (1 - p))
            low, high = special.expit(centre - half), special.expit(centre + half)
        else:
            low, high = np.clip(p - t * se_p, 0, 1), np.clip(p + t * se_p, 0, 1)
    edge = (p <= 0) | (p >= 1) | (se_p <= 0)
    if edge.any():
        cp_low, cp_high = clopper_pearson(np.clip(p, 0, 1), np.maximum(n_eff, 1e-12), level)
        low, high = np.where(edge, cp_low, low), np.where(edge, cp_high, high)
    return low * 100, high * 100
