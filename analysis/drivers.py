"""Key drivers of overall satisfaction, and what-if on the index tree.

Drivers: a weighted linear probability model of "satisfied overall" (the ``overall`` item
at 4-5) on each factor's "satisfied" indicator (its items' answers at 4-5, averaged), with
a fixed effect per stratum (service point). A coefficient reads: at the same service
point, respondents satisfied with this factor are that many points more often satisfied
overall, the other factors held equal. Shown against the factor's index, it says what to
fix first: high importance, low performance.

Standard errors are clustered by PSU, which METHODOLOGY.md §2b defines as service point x
calendar day (citizens served at one counter on one day share the officer, the queue and
the conditions), with the CR1 small-sample correction and Student-t critical values on
G - 1 degrees of freedom (G = clusters). Clustering by service point instead gives one or
two clusters for most units: with one the variance is undefined, with two it is
degenerate and about a third of factors that drive nothing come out "significant" (see
``tests/analysis/test_drivers.py``). The service point's own level is absorbed by its
fixed effect, so days are the honest remaining cluster.

Even so, the linear probability model's t-ratios are too optimistic in small samples
(about 9 % false "significant" at 60 answers, 6-7 % at 120-180, 5-6 % from about 200 in
simulations with strong day effects). So drivers are estimated only with at least
``MIN_ANSWERS_PER_COEFFICIENT`` complete answers per coefficient (intercept and factors;
plus one per extra service point for its fixed effect) from at least ``MIN_CLUSTERS``
clusters; otherwise ``NotEstimable`` says why.

What-if: every node is a linear combination of item indices, so raising factor X to Y
moves the total by w_X (Y - X), where w_X is the total's weight on X's items. Its
uncertainty comes from the design: the linearised values of total - w_X X.

References
----------
Angrist, J. & Pischke, J.-S. (2009). Mostly Harmless Econometrics, §3.4 (linear
probability model), §8.2 (clustered standard errors).
Cameron, A. C. & Miller, D. L. (2015). A practitioner's guide to cluster-robust inference.
Journal of Human Resources 50(2), 317-372 (few clusters, CR1, t(G - 1)).
statsmodels ``WLS`` with ``cov_type="cluster"``.
"""
import warnings
from dataclasses import dataclass

import numpy as np
from scipy import stats

from analysis.design import group_sum, variance_of_totals
from analysis.linearise import SATISFIED

#: Fewer clusters than this and cluster-robust standard errors are not trusted.
MIN_CLUSTERS = 30
#: Complete answers needed per coefficient of interest (the intercept and each factor).
MIN_ANSWERS_PER_COEFFICIENT = 40


class NotEstimable(ValueError):
    """Drivers cannot be estimated; ``code`` names why and ``params`` give the numbers.

    Codes: ``no_outcome`` (outcome), ``too_few_answers`` (n, need), ``too_few_clusters``
    (clusters, need), ``no_variation`` (code, name: a factor, or the outcome, on which
    every respondent gave the same kind of answer).
    """

    def __init__(self, code, message, **params):
        super().__init__(message)
        self.code, self.params = code, params


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
class KeyDrivers:
    """The drivers, most important first, and what they were estimated from."""

    drivers: tuple
    n: int           # complete answers used
    clusters: int    # PSUs (service point x day)
    df: int          # degrees of freedom of the t critical value (clusters - 1)


@dataclass(frozen=True)
class WhatIf:
    factor: str
    target: float
    current_total: float
    total: float
    se: float
    ci_low: float
    ci_high: float


def factor_satisfaction(answers, contrasts, outcome):
    """(factors [(code, name)], x (n, K) share of each factor's items at 4-5, y (n,) 0/1)."""
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
            # respondents with no valid answer to a factor give NaN (dropped by the caller)
            warnings.simplefilter("ignore", RuntimeWarning)
            columns.append(np.nanmean(np.where(valid[:, used], satisfied[:, used], np.nan), axis=1)
                           if used.any() else np.full(len(answers), np.nan))
    return [(c, n) for c, n, _ in factors], np.column_stack(columns), satisfied[:, outcome_col]


def key_drivers(answers, contrasts, weights, clusters, strata=None, outcome="overall",
                performance=None, level=0.95):
    """Importance of each factor for overall satisfaction.

    Parameters
    ----------
    answers : array (n, K) answers 1-5 / NaN, columns ``contrasts.items``
    clusters : array (n,) PSU of each response (service point x calendar day)
    strata : array (n,), optional
        Service point of each response: one fixed effect each.
    outcome : the item code of the overall question
    performance : dict code -> factor index, optional (shown beside the importance)

    Returns
    -------
    KeyDrivers

    Raises
    ------
    NotEstimable
        Without an ``outcome`` item, with too few complete answers or clusters, or when a
        factor (or the outcome) has the same kind of answer from everyone.
    """
    import statsmodels.api as sm

    if outcome not in contrasts.items:
        raise NotEstimable("no_outcome", f"the instrument has no '{outcome}' item to explain",
                           outcome=outcome)
    factors, x, y = factor_satisfaction(answers, contrasts, outcome)
    complete = ~np.isnan(x).any(axis=1) & ~np.isnan(y)
    strata = np.zeros(len(y), dtype=np.int64) if strata is None else np.asarray(strata)
    _, stratum_codes = np.unique(strata[complete].astype(str), return_inverse=True)
    extra_strata = int(stratum_codes.max(initial=0))
    # a fixed effect only takes its stratum's mean out: one answer each (simulations with
    # 6 and 11 counters give the same 5-6 % as one counter at the same size)
    need = MIN_ANSWERS_PER_COEFFICIENT * (len(factors) + 1) + extra_strata
    n = int(complete.sum())
    if n < need:
        raise NotEstimable("too_few_answers", f"too few complete answers ({n}) to estimate "
                           f"{len(factors)} drivers: need {need}", n=n, need=need)
    _, cluster_codes = np.unique(np.asarray(clusters)[complete].astype(str), return_inverse=True)
    groups = int(cluster_codes.max()) + 1
    if groups < MIN_CLUSTERS:
        raise NotEstimable("too_few_clusters", f"answers come from {groups} clusters "
                           f"(service point-days): need {MIN_CLUSTERS}",
                           clusters=groups, need=MIN_CLUSTERS)
    y, x = y[complete], x[complete]
    fixed = (stratum_codes[:, None] == np.arange(1, extra_strata + 1)).astype(float)
    if np.ptp(y) == 0:
        raise NotEstimable("no_variation", "every respondent gave the same overall answer",
                           code=outcome, name=outcome)
    exog = np.column_stack([np.ones(n), x, fixed])
    for j, (code, name) in enumerate(factors, start=1):
        others = np.delete(exog, j, axis=1)
        if np.linalg.matrix_rank(exog) == np.linalg.matrix_rank(others):
            raise NotEstimable("no_variation", f"factor '{code}' does not vary within the "
                               "service points: its effect cannot be told apart",
                               code=code, name=name)
    fit = sm.WLS(y * 100, exog, weights=np.asarray(weights, dtype=float)[complete]).fit(
        cov_type="cluster", cov_kwds={"groups": cluster_codes, "use_correction": True,
                                      "df_correction": True}, use_t=True)
    df = groups - 1
    t = stats.t.ppf(1 - (1 - level) / 2, df)
    drivers = []
    for j, (code, name) in enumerate(factors, start=1):
        beta, se = float(fit.params[j]), float(fit.bse[j])
        drivers.append(Driver(code, name, beta, se, beta - t * se, beta + t * se,
                              (performance or {}).get(code)))
    return KeyDrivers(tuple(sorted(drivers, key=lambda d: -d.importance)), n, groups, df)


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
    df = total_estimate.df if total_estimate.df is not None else analysis.design.df
    t = stats.t.ppf(1 - (1 - level) / 2, df)
    value = total_estimate.estimate + change
    return WhatIf(factor, float(target), total_estimate.estimate, float(value), se,
                  float(value - t * se), float(value + t * se))
