"""Ratio estimators over domains and their linearised values (vectorised, no domain loop).

For a ratio R_dk = sum_i w_i y_ik 1[i in d] / sum_i w_i x_ik 1[i in d], the linearised
value of respondent i is (Binder 1983; R ``svyratio``)::

    u_ik = w_i (y_ik - R_dk x_ik) / sum_j w_j x_jk 1[j in d]     (i in d; 0 outside)

Item indices use y = satisfied (answer 4-5), x = valid answer, times 100.
"""
import numpy as np

from analysis.design import group_sum


def ratios(y, x, weights, domain, n_domains):
    """Domain ratios and per-respondent linearised values.

    Parameters
    ----------
    y, x : ndarray (n, m)
        Numerator and denominator variables (x is 0/1 validity for the indices).
    weights : ndarray (n,)
    domain : ndarray (n,) of int in [0, n_domains)

    Returns
    -------
    ratio : ndarray (n_domains, m), NaN where the denominator total is 0
    u : ndarray (n, m), linearised values (0 where the ratio is undefined)
    denominator : ndarray (n_domains, m), weighted denominator totals
    """
    wy = y * weights[:, None]
    wx = x * weights[:, None]
    numerator = group_sum(domain, n_domains, wy)
    denominator = group_sum(domain, n_domains, wx)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = numerator / denominator
        u = (wy - ratio[domain] * wx) / denominator[domain]
    u[~np.isfinite(u)] = 0.0
    return ratio, u, denominator


def post_stratify_rows(u, weights, domain, cells, base_weights):
    """Residualise linearised values within post-strata (R ``svyrecvar`` with postStrata).

    Each domain's linearised variable z^(d) (zero outside d) becomes
    z_i^(d) - w_i * m_c, where m_c is the mean of z_j^(d) / w_j over the cell weighted by
    the weights before post-stratification (``base_weights``), as R does. A respondent
    then carries a value for every domain present in its cell, so the rows are expanded
    to (respondent, domain) pairs.

    Returns
    -------
    rows : ndarray (r,) respondent of each row
    row_domain : ndarray (r,)
    values : ndarray (r, m)
    """
    n_cells = int(cells.max()) + 1
    n_domains = int(domain.max()) + 1
    pair = cells * n_domains + domain
    pairs, pair_of = np.unique(pair, return_inverse=True)
    cell_weight = np.bincount(cells, weights=base_weights, minlength=n_cells)
    pair_mean = group_sum(pair_of, len(pairs), u * (base_weights / weights)[:, None])
    pair_mean /= cell_weight[pairs // n_domains][:, None]
    pair_cell, pair_domain = pairs // n_domains, pairs % n_domains
    # every respondent x every domain present in its cell
    order = np.argsort(pair_cell, kind="stable")
    starts = np.searchsorted(pair_cell[order], np.arange(n_cells))
    counts = np.bincount(pair_cell, minlength=n_cells)
    per_respondent = counts[cells]
    rows = np.repeat(np.arange(len(cells)), per_respondent)
    offsets = np.arange(len(rows)) - np.repeat(np.cumsum(per_respondent) - per_respondent,
                                               per_respondent)
    chosen = order[starts[cells[rows]] + offsets]
    row_domain = pair_domain[chosen]
    values = -weights[rows, None] * pair_mean[chosen]
    own = row_domain == domain[rows]
    values[own] += u[rows[own]]
    return rows, row_domain, values
