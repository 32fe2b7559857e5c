"""Key drivers of overall satisfaction, and what-if on the index tree.

Drivers: a weighted linear probability model of "satisfied overall" (the ``overall`` item
at 4-5) on each factor's "satisfied" indicator (its items' answers at 4-5, averaged),
with standard errors clustered by service point. A coefficient reads: respondents
satisfied with this factor are that many points more often satisfied overall, the other
factors held equal. Shown against the factor's index, it says what to fix first:
high importance, low performance.

What-if: every node is a linear combination of item indices, so raising factor X to Y
moves the total by w_X (Y - X), where w_X is the total's weight on X's items. Its
uncertainty comes from the design: the linearised values of total - w_X X.

References
----------
Angrist, J. & Pischke, J.-S. (2009). Mostly Harmless Econometrics, §3.4 (linear
probability model), §8.2 (clustered standard errors). statsmodels ``WLS`` with
``cov_type="cluster"``.
"""
import warnings
from dataclasses import dataclass

import numpy as np
from scipy import stats

from analysis.design import group_sum, variance_of_totals
from analysis.linearise import SATISFIED


@dataclass(frozen=True)
class Driver:
    code: str
    name: str
    importance: float      # points of overall satisfaction
    se: float
    ci_low: float
    ci_high: float
    performance: float | None  # the factor's index


@dataclass(frozen=True)
class WhatIf:
    factor: str
    target: float
    current_total: float
    total: float
    se: float
    ci_low: float
    ci_high: float


def key_drivers(answers, contrasts, weights, clusters, outcome="overall", performance=None,
                level=0.95):
    """Importance of each factor for overall satisfaction.

    Parameters
    ----------
    answers : array (n, K) answers 1-5 / NaN, columns ``contrasts.items``
    clusters : array (n,) service point (or PSU) of each response
    outcome : the item code of the overall question
    performance : dict code -> factor index, optional (shown beside the importance)

    Raises
    ------
    ValueError
        When the instrument has no ``outcome`` item, or too few complete answers.
    """
    import statsmodels.api as sm

    if outcome not in contrasts.items:
        raise ValueError(f"the instrument has no '{outcome}' item to explain")
    factors = [(c, n, contrasts.matrix[r]) for r, (c, n, lv) in
               enumerate(zip(contrasts.codes, contrasts.names, contrasts.levels, strict=True))
               if lv == "factor"]
    outcome_col = contrasts.items.index(outcome)
    valid = ~np.isnan(answers)
    satisfied = np.where(valid, answers >= SATISFIED, np.nan)
    columns = []
    for _code, _name, row in factors:
        used = (row > 0) & (np.arange(len(row)) != outcome_col)
        with warnings.catch_warnings():
            # respondents with no valid answer to a factor give NaN (dropped just below)
            warnings.simplefilter("ignore", RuntimeWarning)
            columns.append(np.nanmean(np.where(valid[:, used], satisfied[:, used], np.nan), axis=1)
                           if used.any() else np.full(len(answers), np.nan))
    x = np.column_stack(columns)
    y = satisfied[:, outcome_col]
    complete = ~np.isnan(x).any(axis=1) & ~np.isnan(y)
    if complete.sum() < 5 * (len(factors) + 1):
        raise ValueError(f"too few complete answers ({int(complete.sum())}) to estimate "
                         f"{len(factors)} drivers")
    _, cluster_codes = np.unique(np.asarray(clusters)[complete].astype(str), return_inverse=True)
    model = sm.WLS(y[complete] * 100, sm.add_constant(x[complete]), weights=weights[complete])
    fit = model.fit(cov_type="cluster", cov_kwds={"groups": cluster_codes})
    z = stats.norm.ppf(1 - (1 - level) / 2)
    drivers = []
    for j, (code, name, _row) in enumerate(factors, start=1):
        beta, se = float(fit.params[j]), float(fit.bse[j])
        drivers.append(Driver(code, name, beta, se, beta - z * se, beta + z * se,
                              (performance or {}).get(code)))
    return sorted(drivers, key=lambda d: -d.importance)


def what_if(analysis, key, factor, target, total=None, level=0.95):
    """The total if ``factor`` reached ``target`` (0-100), other items unchanged."""
    d = next(i for i, dom in enumerate(analysis.domains) if dom.key == tuple(key))
    domain = analysis.domains[d]
    total = total or next(e.code for e in domain.estimates if e.level == "total")
    total_estimate, factor_estimate = domain.get(total), domain.get(factor)
    if total_estimate.estimate is None or factor_estimate.estimate is None:
        raise ValueError(f"no estimate for '{total}' or '{factor}' in this domain")
    factor_items = {code for code, _ in factor_estimate.items}
    weight = sum(a for code, a in total_estimate.items if code in factor_items)
    change = weight * (target - factor_estimate.estimate)
    m_total, m_factor = analysis.codes.index(total), analysis.codes.index(factor)
    keep = analysis.psu_domain == d
    values = analysis.psu_totals[keep, m_total] - weight * analysis.psu_totals[keep, m_factor]
    psus = analysis.psu_ids[keep]
    totals = group_sum(psus, int(analysis.psu_ids.max()) + 1, values[:, None])
    present = np.flatnonzero(np.abs(totals[:, 0]) > 0)
    variance = variance_of_totals(analysis.design, totals[present], present,
                                  np.zeros(len(present), dtype=np.int64), 1)[0, 0]
    se = float(np.sqrt(variance))
    t = stats.t.ppf(1 - (1 - level) / 2, analysis.design.df)
    value = total_estimate.estimate + change
    return WhatIf(factor, float(target), total_estimate.estimate, float(value), se,
                  float(value - t * se), float(value + t * se))
