"""Ratio estimators over domains and their linearised values, streamed over row chunks.

For a ratio R_dk = sum_i w_i y_ik 1[i in d] / sum_i w_i x_ik 1[i in d], the linearised
value of respondent i is (Binder 1983; R ``svyratio``)::

    u_ik = w_i (y_ik - R_dk x_ik) / sum_j w_j x_jk 1[j in d]     (i in d; 0 outside)

Item indices use y = satisfied (answer 4-5), x = valid answer; mean scores y = the answer.
Nothing of size (rows x columns) is kept beyond one chunk: the arrays a million responses
would need cost more in memory traffic than the arithmetic.
"""
import numpy as np

from analysis.design import group_sum

SATISFIED = 4  # answers 4 and 5 ("Hài lòng", "Rất hài lòng") count as satisfied
CHUNK = 100_000


def chunks(n):
    for start in range(0, n, CHUNK):
        yield slice(start, min(start + CHUNK, n))


def measures(values):
    """Numerators y and denominators x for [satisfied | answer | all satisfied].

    ``values`` (rows, K): answers 1-5, NaN for no valid answer.
    """
    valid = ~np.isnan(values)
    answer = np.where(valid, values, 0.0)
    satisfied = answer >= SATISFIED
    any_valid = valid.any(axis=1)
    all_satisfied = any_valid & (satisfied | ~valid).all(axis=1)
    y = np.hstack([satisfied, answer, all_satisfied[:, None]]).astype(float)
    x = np.hstack([valid, valid, any_valid[:, None]]).astype(float)
    return y, x, valid, any_valid


def linearised(y, x, weights, domain, ratio, scale):
    """u = w (y - R x) / X for the rows given (R, 1/X looked up by the row's domain)."""
    u = ratio[domain]
    u *= x
    np.subtract(y, u, out=u)
    u *= scale[domain]
    u *= weights[:, None]
    return u


def post_strata_expansion(domain, cells):
    """Rows (respondent, domain) that post-stratified linearised values occupy.

    After residualising within post-strata (R ``svyrecvar``), domain d's linearised
    variable is z_i - w_i m_(cell(i), d): non-zero for every respondent whose cell holds
    members of d. Returns the respondent and domain of each such row, the (cell, domain)
    pair it draws its mean from, and each respondent's own pair.
    """
    n_domains = int(domain.max()) + 1
    pairs, own_pair = np.unique(cells * n_domains + domain, return_inverse=True)
    pair_cell = pairs // n_domains
    n_cells = int(cells.max()) + 1
    order = np.argsort(pair_cell, kind="stable")
    starts = np.searchsorted(pair_cell[order], np.arange(n_cells))
    per_respondent = np.bincount(pair_cell, minlength=n_cells)[cells]
    rows = np.repeat(np.arange(len(cells)), per_respondent)
    offsets = np.arange(len(rows)) - np.repeat(np.cumsum(per_respondent) - per_respondent,
                                               per_respondent)
    chosen = order[starts[cells[rows]] + offsets]
    return rows, (pairs % n_domains)[chosen], chosen, own_pair, pair_cell


def post_strata_means(values, weights, base_weights, domain, cells, ratio, scale, own_pair,
                      pair_cell):
    """m_(cell, d): mean of u/w over each cell, weighted by the pre-post-stratification
    weights (R's ``oldweights``), for every (cell, domain) pair."""
    n_pairs = len(pair_cell)
    sums = None
    for part in chunks(len(domain)):
        y, x, _, _ = measures(values[part])
        u = linearised(y, x, weights[part], domain[part], ratio, scale)
        u *= (base_weights[part] / weights[part])[:, None]
        block = group_sum(own_pair[part], n_pairs, u)
        sums = block if sums is None else sums + block
    cell_weight = np.bincount(cells, weights=base_weights)
    return sums / cell_weight[pair_cell][:, None]
