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
statsmodels ``WLS`` with ``cov_type="cluster"`` (what ``drivers_from_grams`` reproduces from
sums per cluster; ``tests/analysis/test_drivers.py`` compares the two).
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


@dataclass(frozen=True)
class ClusterGrams:
    """The sufficient statistics of the drivers' regression, one entry per cluster (PSU).

    ``grams`` (G, K+2, K+2): Σ w z zᵀ over the cluster's complete answers, with
    z = [1, x_1 … x_K, y] (``factor_satisfaction``); ``counts`` (G,): its complete answers;
    ``stratum`` (G,): its fixed-effect group (service point), constant within a cluster.
    The tallies keep them per service point and day (``services.tally``), so the drivers
    of any scope come without reading a response.
    """

    grams: np.ndarray
    counts: np.ndarray
    stratum: np.ndarray


def driver_z(answers, contrasts, outcome="overall"):
    """(factors [(code, name)], z (n, K+2) = [1, x, y] of complete answers, complete (n,))."""
    factors, x, y = factor_satisfaction(answers, contrasts, outcome)
    complete = ~np.isnan(x).any(axis=1) & ~np.isnan(y)
    z = np.column_stack([np.ones(int(complete.sum())), x[complete], y[complete]])
    return factors, z, complete


def grams_by_group(z, group, groups, weights=None):
    """(groups, m, m) Σ w z zᵀ per group (``group`` (n,) in 0..groups-1)."""
    m = z.shape[1]
    w = np.ones(len(z)) if weights is None else np.asarray(weights, dtype=float)
    out = np.empty((groups, m, m))
    for a in range(m):
        for b in range(a, m):
            out[:, a, b] = out[:, b, a] = np.bincount(group, weights=w * z[:, a] * z[:, b],
                                                      minlength=groups)
    return out


def cluster_grams(answers, contrasts, weights, clusters, strata=None, outcome="overall"):
    """(factors, ``ClusterGrams``) of response rows: one cluster per distinct
    (cluster, stratum) of the complete answers."""
    if outcome not in contrasts.items:
        raise NotEstimable("no_outcome", f"the instrument has no '{outcome}' item to explain",
                           outcome=outcome)
    factors, z, complete = driver_z(answers, contrasts, outcome)
    n = len(complete)
    strata = np.zeros(n, dtype=np.int64) if strata is None else np.asarray(strata)
    _, stratum_of = np.unique(strata[complete].astype(str), return_inverse=True)
    _, cluster_of = np.unique(np.asarray(clusters)[complete].astype(str), return_inverse=True)
    stratum_of, cluster_of = stratum_of.reshape(-1), cluster_of.reshape(-1)
    pairs, group = np.unique(np.column_stack([cluster_of, stratum_of]), axis=0,
                             return_inverse=True)
    group = group.reshape(-1)
    weights = np.asarray(weights, dtype=float)[complete]
    return factors, ClusterGrams(grams_by_group(z, group, len(pairs), weights),
                                 np.bincount(group, minlength=len(pairs)), pairs[:, 1])


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
    factors, grams = cluster_grams(answers, contrasts, weights, clusters, strata, outcome)
    return drivers_from_grams(factors, grams, outcome, performance, level)


def drivers_from_grams(factors, grams, outcome="overall", performance=None, level=0.95):
    """``key_drivers`` from per-cluster sums (``ClusterGrams``): the same weighted least
    squares with a fixed effect per stratum and CR1 cluster-robust standard errors as
    statsmodels' ``WLS(...).fit(cov_type="cluster", cov_kwds={"use_correction": True})``,
    from sums alone. With z = [1, x, y] and Q the map from z to the regressors of the
    cluster's stratum: XᵀWX = Σ Q H Qᵀ, XᵀWy = Σ Q H e_y, and the cluster's score
    Σ w x (y - xβ) = Q H (e_y - Qᵀβ), where H is the cluster's Σ w z zᵀ."""
    keep = grams.counts > 0
    grams_kept = grams.grams[keep]
    k = len(factors)
    _, stratum = np.unique(grams.stratum[keep], return_inverse=True)
    stratum = stratum.reshape(-1)
    strata = int(stratum.max(initial=-1)) + 1
    extra_strata = max(strata - 1, 0)
    # a fixed effect only takes its stratum's mean out: one answer each (simulations with
    # 6 and 11 counters give the same 5-6 % as one counter at the same size)
    need = MIN_ANSWERS_PER_COEFFICIENT * (k + 1) + extra_strata
    n = int(grams.counts[keep].sum())
    if n < need:
        raise NotEstimable("too_few_answers", f"too few complete answers ({n}) to estimate "
                           f"{k} drivers: need {need}", n=n, need=need)
    groups = int(keep.sum())
    if groups < MIN_CLUSTERS:
        raise NotEstimable("too_few_clusters", f"answers come from {groups} clusters "
                           f"(service point-days): need {MIN_CLUSTERS}",
                           clusters=groups, need=MIN_CLUSTERS)
    total = grams_kept.sum(axis=0)
    weight_sum, y_sum = total[0, 0], total[0, k + 1]
    if y_sum <= 1e-12 * weight_sum or y_sum >= weight_sum * (1 - 1e-12):
        raise NotEstimable("no_variation", "every respondent gave the same overall answer",
                           code=outcome, name=outcome)
    # regressors: intercept, the K factors, one fixed effect per stratum after the first
    p = k + 1 + extra_strata
    by_stratum = np.stack([np.bincount(stratum, weights=grams_kept[:, 0, c], minlength=strata)
                           for c in range(k + 2)], axis=1)   # (S, K+2): Σ w z per stratum
    xtx = np.zeros((p, p))
    xtx[:k + 1, :k + 1] = total[:k + 1, :k + 1]
    fe = np.arange(k + 1, p)
    xtx[fe, :k + 1] = by_stratum[1:, :k + 1]
    xtx[:k + 1, fe] = by_stratum[1:, :k + 1].T
    xtx[fe, fe] = by_stratum[1:, 0]
    xty = np.concatenate([total[:k + 1, k + 1], by_stratum[1:, k + 1]])
    for j, (code, name) in enumerate(factors, start=1):
        others = np.delete(np.delete(xtx, j, axis=0), j, axis=1)
        if np.linalg.matrix_rank(xtx) == np.linalg.matrix_rank(others):
            raise NotEstimable("no_variation", f"factor '{code}' does not vary within the "
                               "service points: its effect cannot be told apart",
                               code=code, name=name)
    bread = np.linalg.inv(xtx)
    beta = bread @ xty
    # each cluster's residual direction in z: e_y - Qᵀβ
    direction = np.zeros((groups, k + 2))
    direction[:, 0] = -beta[0] - np.concatenate([[0.0], beta[k + 1:]])[stratum]
    direction[:, 1:k + 1] = -beta[1:k + 1]
    direction[:, k + 1] = 1.0
    v = np.einsum("gab,gb->ga", grams_kept, direction)          # H (e_y - Qᵀβ)
    rows = bread[1:k + 1]                                        # the factors' rows
    fixed = np.vstack([np.zeros((1, k)), rows[:, k + 1:].T])     # (S, K) per stratum
    scores = v[:, :k + 1] @ rows[:, :k + 1].T + v[:, :1] * fixed[stratum]
    correction = groups / (groups - 1) * (n - 1) / (n - p)
    cov = correction * scores.T @ scores
    df = groups - 1
    t = stats.t.ppf(1 - (1 - level) / 2, df)
    drivers = []
    for j, (code, name) in enumerate(factors):
        beta_j, se = 100 * float(beta[j + 1]), 100 * float(np.sqrt(cov[j, j]))
        drivers.append(Driver(code, name, beta_j, se, beta_j - t * se, beta_j + t * se,
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
