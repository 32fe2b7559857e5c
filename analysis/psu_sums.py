"""Every index of a post-stratified design from sums per PSU, without the response rows.

When the weight is constant within a post-stratum (cell) and every PSU lies in one cell
(METHODOLOGY.md §2b: PSU = service point x day, cell = service point x month), Taylor
linearisation needs only, per PSU p, the unweighted sums

    n_p, Y_p = Σ [satisfied_k | answer_k | all satisfied], X_p = Σ [valid_k | valid_k | any],
    and the responses valid for each estimate (for n, n_eff),

and, per cell c, the Gram matrix G_c = Σ [s, v]ᵀ [s, v] of the satisfied/valid indicators
(only for the design effect). With a_p = (Y_p - R_d X_p) / X_d the unweighted linearised
sum of a PSU in domain d, the post-stratified residual total of the PSU is

    w_c (a_p - n_p m_c),   m_c = Σ_{p in c} a_p / n_c

(R ``svyrecvar`` with ``postStrata``: residuals of the weighted cell means, base weights 1),
and Σ_i z_i² over a cell is w_c² F (S M_c S - n_c m_c m_cᵀ) Fᵀ with M_c from G_c — the
same numbers as ``indices.estimate_indices(..., cells=...)`` row by row, which the tests
check. Domains must be unions of cells (units, service points, sectors, months, quarters,
periods of whole months); ``SplitCells`` says when they are not.

The app stores these sums per PSU and cell as responses arrive (``survey_app.services.
tally``), so a page reads a few thousand PSU rows instead of a million responses.
"""
from dataclasses import dataclass

import numpy as np

from analysis.design import Design, group_sum, variance_of_totals
from analysis.indices import Analysis, assemble, contrast_estimates, domain_df
from analysis.linearise import SATISFIED, measures
from analysis.options import CIMethod


class SplitCells(ValueError):
    """A domain takes part of a cell: the PSU sums cannot give its variance."""


def structure_of(contrasts):
    """(K, m) 0/1: which items each estimate uses."""
    return (np.abs(np.nan_to_num(contrasts.matrix)) > 0).T.astype(float)


def sums_width(k, m):
    """Length of one PSU's sum vector: n, s (K), answer (K), v (K), all, any, valid_for (m+1)."""
    return 3 * k + 3 + m + 1


def row_sums(values, group, n_groups, structure):
    """The sum vectors of ``values`` (n, K: 1-5, NaN for no valid answer) by ``group``:
    int64 (n_groups, ``sums_width``)."""
    k = values.shape[1]
    y, x, valid, any_valid = measures(values)
    valid_for = np.hstack([(valid @ structure) > 0, any_valid[:, None]])
    columns = np.hstack([np.ones((len(values), 1)), y[:, :2 * k], valid, y[:, 2 * k:],
                         any_valid[:, None], valid_for])
    return np.rint(group_sum(group, n_groups, columns)).astype(np.int64)


def gram(values, group, n_groups):
    """Σ [s, v]ᵀ [s, v] per group: int64 (n_groups, 2K, 2K)."""
    valid = ~np.isnan(values)
    satisfied = np.where(valid, values, 0) >= SATISFIED
    sv = np.hstack([satisfied, valid]).astype(float)
    out = np.zeros((n_groups, sv.shape[1], sv.shape[1]))
    group = np.asarray(group, dtype=np.int64)
    order = np.argsort(group, kind="stable")
    bounds = np.searchsorted(group[order], np.arange(n_groups + 1))
    for g in range(n_groups):
        rows = sv[order[bounds[g]:bounds[g + 1]]]
        if len(rows):
            out[g] = rows.T @ rows
    return np.rint(out).astype(np.int64)


@dataclass(frozen=True, eq=False)
class PsuSums:
    """A loaded set of PSUs (rows p) and their cells (c).

    ``sums`` (P, ``sums_width``) as ``row_sums``; ``cell`` (P,) 0..C-1; ``weight`` (C,) the
    post-stratified weight of each cell; ``grams`` (C, 2K, 2K) as ``gram``; ``design``: a
    ``Design`` whose PSUs are the rows (``psu_stratum`` (P,), ``psu_count`` over the whole
    design).
    """

    sums: np.ndarray
    cell: np.ndarray
    weight: np.ndarray
    grams: np.ndarray
    design: Design

    @property
    def n(self):
        return int(self.sums[:, 0].sum())


def split(sums, k, m):
    n = sums[:, 0].astype(float)
    s, answer, v = (sums[:, 1 + j * k:1 + (j + 1) * k].astype(float) for j in range(3))
    all_satisfied = sums[:, 3 * k + 1].astype(float)
    any_valid = sums[:, 3 * k + 2].astype(float)
    valid_for = sums[:, 3 * k + 3:].astype(float)
    y = np.hstack([s, answer, all_satisfied[:, None]])
    x = np.hstack([v, v, any_valid[:, None]])
    return n, y, x, valid_for


def estimate_from_psus(data, contrasts, domain, keys, ci=CIMethod.LOGIT, level=0.95):
    """``indices.estimate_indices`` with ``cells`` for domains that are unions of cells.

    ``domain`` (P,): the domain of each PSU row. Raises ``SplitCells`` when a cell's PSUs
    fall in different domains.
    """
    domain = np.asarray(domain, dtype=np.int64)
    cell_domain = np.full(len(data.weight), -1)
    cell_domain[data.cell] = domain
    if (cell_domain[data.cell] != domain).any():
        raise SplitCells("a domain takes part of a post-stratum")
    present = np.flatnonzero(cell_domain >= 0)
    parts = PartSums(data.sums, np.arange(len(domain)), data.sums[:, 0], data.cell, data.weight,
                     data.grams[present], present, cell_domain[present], data.design)
    return estimate_from_parts(parts, contrasts, domain, keys, ci, level)


@dataclass(frozen=True, eq=False)
class PartSums:
    """Sums of parts of PSUs: each part row is the responses of one PSU in one domain.

    ``sums`` (R, ``sums_width``) and ``psu`` (R,) per part; ``psu_n`` (P,) the responses of
    each PSU (all its parts) and ``psu_cell`` (P,); ``weight`` (C,); ``grams`` (G, 2K, 2K)
    the Gram matrices of the responses of cell ``gram_cell`` (G,) in domain ``gram_domain``
    (G,) (rows with the same pair are added); ``design`` over the PSUs.
    """

    sums: np.ndarray
    psu: np.ndarray
    psu_n: np.ndarray
    psu_cell: np.ndarray
    weight: np.ndarray
    grams: np.ndarray
    gram_cell: np.ndarray
    gram_domain: np.ndarray
    design: Design


def estimate_from_parts(data, contrasts, domain, keys, ci=CIMethod.LOGIT, level=0.95):
    """``indices.estimate_indices`` with ``cells`` from sums of parts of PSUs, for any
    domains (``domain`` (R,): the domain of each part).

    After post-stratification the linearised total of PSU p in domain d is
    w_c (a_pd - n_p m_cd), m_cd = Σ_{p in c} a_pd / n_c: every PSU of a cell where d has
    members carries a residual, members or not (R ``svyrecvar`` with ``postStrata``).
    """
    k, m = len(contrasts.items), len(contrasts.codes)
    domain = np.asarray(domain, dtype=np.int64)
    n_domains, n_cells = len(keys), len(data.weight)
    n_psu = len(data.psu_n)
    n, y, x, valid_for = split(data.sums, k, m)
    part_cell = data.psu_cell[data.psu]
    w = data.weight[part_cell]
    numerator = group_sum(domain, n_domains, y, w)
    denominator = group_sum(domain, n_domains, x, w)
    counts = {"n_valid": group_sum(domain, n_domains, valid_for),
              "sw": group_sum(domain, n_domains, valid_for, w),
              "sw2": group_sum(domain, n_domains, valid_for, w * w),
              "n": np.rint(np.bincount(domain, weights=n, minlength=n_domains)).astype(np.int64)}
    ratio, scale, estimate, coefficients, fulls, pattern_of = contrast_estimates(
        contrasts, numerator, denominator)

    a = (y - ratio[domain] * x) * scale[domain]
    psu_n = np.asarray(data.psu_n, dtype=float)
    n_cell = np.bincount(data.psu_cell, weights=psu_n, minlength=n_cells)
    pairs, pair_of = np.unique(part_cell * n_domains + domain, return_inverse=True)
    pair_of = pair_of.reshape(-1)
    pair_cell, pair_domain = pairs // n_domains, pairs % n_domains
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.nan_to_num(group_sum(pair_of, len(pairs), a) / n_cell[pair_cell][:, None])

    # every PSU of each (cell, domain) pair: its share a_pd (0 without members) and n_p
    by_cell = np.argsort(data.psu_cell, kind="stable")
    starts = np.searchsorted(data.psu_cell[by_cell], np.arange(n_cells + 1))
    size = starts[pair_cell + 1] - starts[pair_cell]
    combo_pair = np.repeat(np.arange(len(pairs)), size)
    offset = np.arange(len(combo_pair)) - np.repeat(np.cumsum(size) - size, size)
    combo_psu = by_cell[starts[pair_cell][combo_pair] + offset]
    combo_domain = pair_domain[combo_pair]
    share = np.zeros((len(combo_pair), a.shape[1]))
    combo_key = combo_domain * n_psu + combo_psu
    order = np.argsort(combo_key, kind="stable")
    found = np.searchsorted(combo_key[order], domain * n_psu + data.psu)
    np.add.at(share, order[found], a)
    u = data.weight[pair_cell][combo_pair][:, None] * (
        share - psu_n[combo_psu][:, None] * mean[combo_pair])
    psu_totals = np.zeros((len(combo_pair), 2 * m + 1))
    combo_pattern = pattern_of[combo_domain]
    for p, full in enumerate(fulls):
        chosen = combo_pattern == p
        psu_totals[chosen] = u[chosen] @ full.T
    variance = variance_of_totals(data.design, psu_totals, combo_psu, combo_domain, n_domains)
    members = np.unique(domain[n > 0] * n_psu + data.psu[n > 0])
    domain_psus = np.column_stack([members // n_psu, members % n_psu])
    df = domain_df(data.design, domain_psus, n_domains)

    squares = pair_squares(data, pairs, n_domains, n_cell, mean, ratio, scale, fulls,
                           pattern_of, k, m, y, x, pair_of)
    srs_sums = group_sum(combo_domain, n_domains, psu_totals)
    total = float(psu_n.sum())
    srs_variance = (total / (total - 1) * (squares - srs_sums ** 2 / total) if total > 1
                    else squares)
    sat = list(range(m)) + [2 * m]
    return assemble(contrasts, data.design, keys, estimate, variance, srs_variance, counts,
                    coefficients, pattern_of, ci, level,
                    (psu_totals[:, sat], combo_psu, combo_domain), df, domain_psus)


def pair_squares(data, pairs, n_domains, n_cell, mean, ratio, scale, fulls, pattern_of, k, m,
                 y, x, pair_of):
    """Σ_i z_i² per domain for the satisfaction columns and all-satisfied (the deff): per
    (cell, domain) pair, w² F (S M S - n_c m mᵀ) Fᵀ with M from the pair's Gram matrix."""
    out = np.zeros((n_domains, 2 * m + 1))
    if not len(pairs):
        return out
    gram_pair = np.searchsorted(pairs, data.gram_cell * n_domains + data.gram_domain)
    known = (gram_pair < len(pairs)) & (pairs[np.minimum(gram_pair, len(pairs) - 1)]
                                        == data.gram_cell * n_domains + data.gram_domain)
    g = np.zeros((len(pairs), 2 * k, 2 * k))
    np.add.at(g, gram_pair[known], data.grams[known].astype(float))
    cell, d = pairs // n_domains, pairs % n_domains
    p_, q_, v_ = g[:, :k, :k], g[:, :k, k:], g[:, k:, k:]
    r, s = ratio[d, :k], scale[d, :k]
    moment = (p_ - q_ * r[:, None, :] - r[:, :, None] * np.transpose(q_, (0, 2, 1))
              + r[:, :, None] * v_ * r[:, None, :])
    moment = moment * s[:, :, None] * s[:, None, :]
    mc = mean[:, :k]
    moment -= n_cell[cell][:, None, None] * mc[:, :, None] * mc[:, None, :]
    coefficient = np.stack([fulls[p][:m, :k] for p in pattern_of[d]])
    w2 = data.weight[cell] ** 2
    per_pair = np.einsum("crk,ckl,crl->cr", coefficient, moment, coefficient) * w2[:, None]
    out[:, :m] = group_sum(d, n_domains, per_pair)
    pair_y = group_sum(pair_of, len(pairs), y[:, 2 * k:])[:, 0]
    pair_x = group_sum(pair_of, len(pairs), x[:, 2 * k:])[:, 0]
    ra, sa_ = ratio[d, 2 * k], scale[d, 2 * k]
    all_sq = (100 ** 2 * w2 * (sa_ ** 2 * (pair_y * (1 - 2 * ra) + ra ** 2 * pair_x)
                               - n_cell[cell] * mean[:, 2 * k] ** 2))
    out[:, 2 * m] = np.bincount(d, weights=all_sq, minlength=n_domains)
    return out


__all__ = ["Analysis", "PartSums", "PsuSums", "SplitCells", "estimate_from_parts",
           "estimate_from_psus", "gram", "row_sums", "structure_of", "sums_width"]
