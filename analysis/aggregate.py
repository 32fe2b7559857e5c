"""Everything Taylor linearisation needs, from one sorted pass over the responses.

Without post-stratification or raking, the linearised value of a ratio is linear in the
response's y and x with coefficients that depend only on its domain (``linearise.py``):

    u_ik = w_i (y_ik - R_dk x_ik) / X_dk

so the total of u over a (domain, PSU) cell is (Σ w y - R Σ w x) / X over that cell, and
a node's total is the same linear combination of its items' totals. The rows are sorted
once by (domain, PSU); ``np.add.reduceat`` then gives the cell sums of w·y and w·x in one
call per block of rows, and no array of size (responses × estimates) is ever made.

The design effect needs Σ_i z_i² per domain, which is quadratic in the rows: it comes from
the domain's Gram matrix Σ w² [s, v]ᵀ[s, v] of the satisfied/valid indicators
(2K × 2K), from which Σ z² of any node follows for that domain's ratios.
"""
from dataclasses import dataclass

import numpy as np

from analysis.design import group_sum

BLOCK = 65_536  # rows per block: the float arrays of one block stay in the CPU cache levels


def answer_codes(values):
    """Answers as uint8 codes: 1-5, 0 for no valid answer (values are already checked)."""
    values = np.asarray(values)
    if values.dtype == np.uint8:
        return values
    return np.nan_to_num(values, nan=0.0).astype(np.uint8)


def checked_codes(column):
    """One item column (floats, NaN = no valid answer) as uint8 codes, and the index of its
    first value that is not an answer 1-5 (None when all are)."""
    filled = np.nan_to_num(column, nan=0.0, posinf=99.0, neginf=-99.0)
    codes = np.clip(filled, 0, 6).astype(np.uint8)
    bad = (codes != filled) | (codes > 5) | ((codes == 0) & ~np.isnan(column))
    first = int(np.argmax(bad)) if bad.any() else None
    return codes, first


def sort_order(key, size):
    """A stable order of the rows by ``key`` (0 <= key < size): a radix sort when the key
    fits 16 bits (numpy sorts those in linear time), else a merge sort."""
    if size <= 1 << 16:
        return np.argsort(key.astype(np.uint16), kind="stable")
    return np.argsort(key, kind="stable")


@dataclass(frozen=True, eq=False)
class Sums:
    """Sums by (domain, PSU) cell and by domain.

    ``cell_y``/``cell_x`` (C, 2K+1): Σ w·y and Σ w·x per cell, columns [satisfied items |
    answers | all satisfied] and [valid | valid | any valid] (``linearise.measures``);
    ``cell_domain``/``cell_psu`` (C,) the cell's domain and PSU, sorted by domain.
    ``gram`` (D, 2K, 2K): Σ w² [s, v]ᵀ [s, v]; ``all_w2``/``any_w2`` (D,): Σ w² of the
    all-satisfied and any-valid indicators; ``counts``: n_valid, sw, sw2 (D, m+1), n (D,).
    """

    cell_y: np.ndarray
    cell_x: np.ndarray
    cell_domain: np.ndarray
    cell_psu: np.ndarray
    numerator: np.ndarray
    denominator: np.ndarray
    gram: np.ndarray
    all_w2: np.ndarray
    any_w2: np.ndarray
    counts: dict


def aggregate(codes, weights, domain, psu, n_domains, n_psu, structure):
    """One pass over the rows sorted by (domain, PSU); see ``Sums``.

    Per block of rows: one (rows × 3K+2) matrix [s | answer | v | all satisfied | any
    valid] times w, summed by cell with ``np.add.reduceat``; the Gram matrix; counts of
    valid answers for the tree's nodes (an item's are its own column)."""
    n, k = codes.shape
    key = domain * n_psu + psu
    order = sort_order(key, n_domains * n_psu)
    key = key[order]
    new_cell = np.empty(n, dtype=bool)
    new_cell[:1] = True
    np.not_equal(key[1:], key[:-1], out=new_cell[1:])
    cell_of = np.cumsum(new_cell) - 1
    cells = key[new_cell]
    wide = 3 * k + 2
    sums = np.zeros((len(cells), wide))
    item_node = np.abs(structure).sum(axis=0) == 1          # columns that are single items
    item_of = np.argmax(structure, axis=0)
    nodes = np.flatnonzero(~item_node)
    node_structure = structure[:, nodes]
    n_valid_items = np.zeros((n_domains, k))
    node_counts = np.zeros((n_domains, 3, len(nodes) + 1))
    gram = np.zeros((n_domains, 2 * k, 2 * k))
    all_w2, any_w2 = np.zeros(n_domains), np.zeros(n_domains)
    bounds = np.searchsorted(key, np.arange(n_domains + 1) * n_psu)
    block = np.empty((BLOCK, wide))
    for d in range(n_domains):
        for lo in range(bounds[d], bounds[d + 1], BLOCK):
            hi = min(lo + BLOCK, bounds[d + 1])
            rows = order[lo:hi]
            c = codes[rows]
            w = weights[rows]
            w2 = w * w
            y = block[:hi - lo]
            valid = c > 0
            satisfied = c >= 4
            any_valid = valid.any(axis=1)
            y[:, :k] = satisfied
            y[:, k:2 * k] = c
            y[:, 2 * k:3 * k] = valid
            y[:, 3 * k] = any_valid & ~(valid & ~satisfied).any(axis=1)   # all satisfied
            y[:, 3 * k + 1] = any_valid
            sv = np.concatenate([y[:, :k], y[:, 2 * k:3 * k]], axis=1)
            gram[d] += (sv * w2[:, None]).T @ sv
            all_w2[d] += w2 @ y[:, 3 * k]
            any_w2[d] += w2 @ y[:, 3 * k + 1]
            n_valid_items[d] += valid.sum(axis=0)
            valid_for = np.empty((hi - lo, len(nodes) + 1))
            valid_for[:, :-1] = (y[:, 2 * k:3 * k] @ node_structure) > 0
            valid_for[:, -1] = any_valid
            node_counts[d] += np.stack([np.ones_like(w), w, w2]) @ valid_for
            y *= w[:, None]
            local = cell_of[lo:hi]
            first = np.flatnonzero(np.r_[True, local[1:] != local[:-1]])
            sums[local[first]] += np.add.reduceat(y, first, axis=0)
    cell_domain, cell_psu = cells // n_psu, cells % n_psu
    # back to the layout of linearise.measures: y = [s | answer | all], x = [v | v | any]
    cell_y = np.concatenate([sums[:, :2 * k], sums[:, 3 * k:3 * k + 1]], axis=1)
    cell_x = np.concatenate([sums[:, 2 * k:3 * k], sums[:, 2 * k:3 * k],
                             sums[:, 3 * k + 1:]], axis=1)
    numerator = group_sum(cell_domain, n_domains, cell_y)
    denominator = group_sum(cell_domain, n_domains, cell_x)
    m = structure.shape[1]
    counts = {name: np.zeros((n_domains, m + 1)) for name in ("n_valid", "sw", "sw2")}
    diagonal = np.einsum("dkk->dk", gram[:, k:, k:])
    columns = np.flatnonzero(item_node)
    for j, name in enumerate(("n_valid", "sw", "sw2")):
        items = (n_valid_items, denominator[:, :k], diagonal)[j]
        counts[name][:, columns] = items[:, item_of[columns]]
        counts[name][:, nodes] = node_counts[:, j, :-1]
        counts[name][:, m] = node_counts[:, j, -1]
    counts["n"] = np.diff(bounds)
    return Sums(cell_y, cell_x, cell_domain, cell_psu, numerator, denominator, gram, all_w2,
                any_w2, counts)


def cell_totals(sums, ratio, scale, fulls, pattern_of):
    """Linearised totals per (domain, PSU) cell of every estimate: (C, 2m+1)."""
    d = sums.cell_domain
    u = scale[d] * (sums.cell_y - ratio[d] * sums.cell_x)
    z = np.zeros((len(d), fulls[0].shape[0]))
    cell_pattern = pattern_of[d]
    for p, full in enumerate(fulls):
        chosen = cell_pattern == p
        z[chosen] = u[chosen] @ full.T
    return z


def srs_squares(sums, ratio, scale, fulls, pattern_of, m):
    """Σ_i z_i² per domain for the satisfaction columns (first m) and all-satisfied (last).

    For a node with coefficients b_k = F_k / X_k over the items, z_i = w_i Σ_k b_k (s_ik -
    R_k v_ik), so Σ z² = bᵀ (P - Q diag R - diag R Qᵀ + diag R V diag R) b with P, Q, V the
    blocks of the Gram matrix. (The mean-score columns are not needed: deff is reported
    for the satisfaction indices.)
    """
    n_domains = ratio.shape[0]
    k = sums.gram.shape[1] // 2
    out = np.zeros((n_domains, 2 * m + 1))
    p_, q_, v_ = sums.gram[:, :k, :k], sums.gram[:, :k, k:], sums.gram[:, k:, k:]
    r = ratio[:, :k]
    moment = (p_ - q_ * r[:, None, :] - r[:, :, None] * np.transpose(q_, (0, 2, 1))
              + r[:, :, None] * v_ * r[:, None, :])
    coefficient = np.stack([fulls[p][:m, :k] for p in pattern_of]) * scale[:, None, :k]
    out[:, :m] = np.einsum("drk,dkl,drl->dr", coefficient, moment, coefficient)
    ra, sa = ratio[:, 2 * k], scale[:, 2 * k]
    out[:, 2 * m] = (100 * sa) ** 2 * (sums.all_w2 * (1 - 2 * ra) + ra ** 2 * sums.any_w2)
    return out
