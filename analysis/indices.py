"""Satisfaction indices with design-based standard errors, by domain.

Implements METHODOLOGY.md §2: item index P_k = 100·Σw s / Σw v (a ratio), every higher
index a linear combination a·P, variance by Taylor linearisation over the design,
domains estimated as domains of the full design (R ``svyby``), logit or Wald intervals.
"""
from dataclasses import dataclass

import numpy as np

from analysis.aggregate import aggregate, answer_codes, cell_totals, srs_squares
from analysis.calibration import Calibration
from analysis.design import Design, group_sum, make_design, variance_of_totals
from analysis.intervals import ZERO_SE, intervals
from analysis.linearise import (
    chunks,
    linearised,
    measures,
    post_strata_expansion,
    post_strata_means,
)
from analysis.options import CIMethod
from analysis.results import DomainResult, IndexEstimate
from analysis.tree import renormalised


@dataclass(frozen=True, eq=False)
class Analysis:
    """Every estimate for every domain, plus what comparisons need."""

    domains: tuple           # DomainResult per domain
    design: Design
    codes: tuple
    estimate: np.ndarray     # (D, M) satisfaction estimates, 0-100
    psu_totals: np.ndarray   # (C, M) linearised PSU totals per (domain, PSU)
    psu_ids: np.ndarray      # (C,)
    psu_domain: np.ndarray   # (C,)
    ci: CIMethod
    level: float
    domain_psus: np.ndarray = None  # (P, 2) distinct (domain, PSU) pairs of the members


def check_answers(answers, items):
    """Answers as floats: 1-5, NaN for no valid answer; ValueError naming row and column.

    uint8 codes (0 = no valid answer, ``analysis.table.answer_matrix``) are returned as
    they are, once checked."""
    if isinstance(answers, np.ndarray) and answers.dtype == np.uint8:
        if answers.ndim != 2 or answers.shape[1] != len(items):
            raise ValueError(f"answers must have one column per scored item ({len(items)}), "
                             f"got shape {answers.shape}")
        if answers.size and answers.max() > 5:
            row, col = (int(i) for i in np.argwhere(answers > 5)[0])
            raise ValueError(f"row {row + 1}, column '{items[col]}': {answers[row, col]} is not "
                             "an answer 1-5")
        return answers
    values = np.asarray(answers, dtype=float)
    if values.ndim != 2 or values.shape[1] != len(items):
        raise ValueError(f"answers must have one column per scored item ({len(items)}), "
                         f"got shape {values.shape}")
    with np.errstate(invalid="ignore"):
        bad = ((values < 1) | (values > 5) | (values != np.round(values))) & ~np.isnan(values)
    if bad.any():
        row, col = (int(i) for i in np.argwhere(bad)[0])
        raise ValueError(f"row {row + 1}, column '{items[col]}': {values[row, col]:g} is not "
                         "an answer 1-5 (leave it empty for no valid answer)")
    return values


def estimate_indices(answers, contrasts, design=None, domain=None, domain_keys=None,
                     cells=None, base_weights=None, margins=None, ci=CIMethod.LOGIT, level=0.95,
                     engine="auto"):
    """Every item index and index-tree node, in every domain, with its uncertainty.

    Parameters
    ----------
    answers : array (n, K)
        One row per response, one column per scored item (``contrasts.items``); values
        1-5, NaN where there is no valid answer ("không áp dụng" or blank).
    contrasts : analysis.tree.Contrasts
    design : Design, optional
        Default: equal weights, one stratum, each response its own PSU.
    domain : array (n,) of int, optional
        Domain code 0..D-1 of each response; ``domain_keys[d]`` labels domain d.
    cells : array (n,) of int, optional
        Post-strata, when ``design.weights`` were post-stratified to known counts: the
        variance then uses residuals within cells (R ``postStratify``).
    base_weights : array (n,), optional
        The weights before post-stratification or raking (default: all 1).
    margins : list of arrays (n,) of int, optional
        Raking: the category code of each response in each margin, when
        ``design.weights`` were raked to known margins (``analysis.weighting.rake``); the
        variance then uses residuals on the margins, as R ``calibrate(calfun="raking")``.
    ci : CIMethod
    level : float
    engine : "auto" or "rows"
        "auto" aggregates by (domain, PSU) in one sorted pass when the weights are neither
        post-stratified nor raked, and goes row by row otherwise; "rows" always goes row
        by row (the tests compare the two).

    Returns
    -------
    Analysis

    References
    ----------
    Binder, D. (1983). On the variances of asymptotically normal estimators from complex
    surveys. Lumley, T. (2010). Complex Surveys: A Guide to Analysis Using R, ch. 2-3, 7.
    """
    values = check_answers(answers, contrasts.items)
    n = values.shape[0]
    design = design or make_design(n)
    if domain is None:
        domain, domain_keys = np.zeros(n, dtype=np.int64), [()]
    domain = np.asarray(domain, dtype=np.int64)
    n_domains = len(domain_keys)
    w = design.weights
    m = len(contrasts.codes)
    structure = (np.abs(np.nan_to_num(contrasts.matrix)) > 0).T.astype(float)

    n_psu = int(design.psu.max()) + 1
    aggregated = cells is None and margins is None and engine != "rows"
    if values.dtype == np.uint8 and not aggregated:  # the row path works on floats
        values = np.where(values == 0, np.nan, values.astype(float))
    if aggregated:  # one sorted pass gives every sum (analysis.aggregate)
        sums = aggregate(answer_codes(values), w, domain, design.psu, n_domains, n_psu,
                         structure)
        numerator, denominator, counts = sums.numerator, sums.denominator, sums.counts
    else:
        numerator, denominator, counts = domain_sums(values, w, domain, n_domains, structure, m)
    ratio_safe, scale, estimate, coefficients, fulls, pattern_of = contrast_estimates(
        contrasts, numerator, denominator)

    if aggregated:
        psu_totals = cell_totals(sums, ratio_safe, scale, fulls, pattern_of)
        psu_ids, psu_domain = sums.cell_psu, sums.cell_domain
        srs_sums = group_sum(psu_domain, n_domains, psu_totals)
        squares = srs_squares(sums, ratio_safe, scale, fulls, pattern_of, m)
    else:
        psu_totals, psu_ids, psu_domain, srs_sums, squares = linearised_totals(
            values, design, domain, n_domains, n_psu, cells, base_weights, margins,
            ratio_safe, scale, fulls, pattern_of, m)
    variance = variance_of_totals(design, psu_totals, psu_ids, psu_domain, n_domains)
    members = np.unique(domain * n_psu + design.psu)
    domain_psus = np.column_stack([members // n_psu, members % n_psu])
    df = domain_df(design, domain_psus, n_domains)
    # deff: against the same values as a simple random sample (each row its own PSU)
    srs_variance = n / (n - 1) * (squares - srs_sums ** 2 / n) if n > 1 else squares
    return assemble(contrasts, design, domain_keys, estimate, variance, srs_variance, counts,
                    coefficients, pattern_of, ci, level,
                    (psu_totals[:, list(range(m)) + [2 * m]], psu_ids, psu_domain), df,
                    domain_psus)


def contrast_estimates(contrasts, numerator, denominator):
    """Ratios of every domain and the contrasts over [satisfaction items | mean items |
    all-satisfied], one coefficient set per pattern of items available in a domain (usually
    one or two patterns; never one per domain).

    Returns (ratio with NaN as 0, 1/denominator with 0 where undefined, estimate (D, 2m+1),
    coefficients per pattern, full contrast matrices per pattern, pattern of each domain).
    """
    k, m = len(contrasts.items), len(contrasts.codes)
    n_domains = numerator.shape[0]
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = numerator / denominator
        scale = 1.0 / denominator
    scale[~np.isfinite(scale)] = 0.0
    ratio_safe = np.nan_to_num(ratio)
    available = denominator[:, :k] > 0
    patterns, pattern_of = np.unique(available, axis=0, return_inverse=True)
    pattern_of = pattern_of.reshape(-1)
    estimate = np.full((n_domains, 2 * m + 1), np.nan)
    coefficients, fulls = [], []
    for p, pattern in enumerate(patterns):
        a = renormalised(contrasts.matrix, pattern)
        coefficients.append(a)
        full = np.zeros((2 * m + 1, 2 * k + 1))
        full[:m, :k] = 100 * np.nan_to_num(a)
        full[m:2 * m, k:2 * k] = np.nan_to_num(a)
        full[2 * m, 2 * k] = 100.0
        fulls.append(full)
        in_pattern = pattern_of == p
        estimate[in_pattern] = ratio_safe[in_pattern] @ full.T
        undefined = np.flatnonzero(np.isnan(a[:, 0]))
        estimate[np.ix_(in_pattern, np.concatenate([undefined, m + undefined]))] = np.nan
    estimate[denominator[:, 2 * k] <= 0, 2 * m] = np.nan
    return ratio_safe, scale, estimate, coefficients, fulls, pattern_of


def domain_sums(values, w, domain, n_domains, structure, m):
    """Pass 1 of the row path: domain totals of numerators and denominators, and counts."""
    k = values.shape[1]
    numerator = np.zeros((n_domains, 2 * k + 1))
    denominator = np.zeros((n_domains, 2 * k + 1))
    counts = {name: np.zeros((n_domains, m + 1)) for name in ("n_valid", "sw", "sw2")}
    for part in chunks(len(domain)):
        y, x, valid, any_valid = measures(values[part])
        numerator += group_sum(domain[part], n_domains, y, w[part])
        denominator += group_sum(domain[part], n_domains, x, w[part])
        valid_for = np.hstack([(valid @ structure) > 0, any_valid[:, None]]).astype(float)
        counts["n_valid"] += group_sum(domain[part], n_domains, valid_for)
        counts["sw"] += group_sum(domain[part], n_domains, valid_for, w[part])
        counts["sw2"] += group_sum(domain[part], n_domains, valid_for, w[part] ** 2)
    counts["n"] = np.bincount(domain, minlength=n_domains)
    return numerator, denominator, counts


def linearised_totals(values, design, domain, n_domains, n_psu, cells, base_weights, margins,
                      ratio_safe, scale, fulls, pattern_of, m):
    """Pass 2 of the row path (post-stratified or raked weights, whose residuals reach
    beyond the domain): linearised values straight into (domain, PSU) totals and SRS sums."""
    n = len(domain)
    w = design.weights
    if cells is None:
        rows, row_domain, chosen, pair_means = np.arange(n), domain, None, None
    else:
        cells = np.asarray(cells, dtype=np.int64)
        base = np.ones(n) if base_weights is None else np.asarray(base_weights, dtype=float)
        rows, row_domain, chosen, own_pair, pair_cell = post_strata_expansion(domain, cells)
        pair_means = post_strata_means(values, w, base, domain, cells, ratio_safe, scale,
                                       own_pair, pair_cell)
    n_psu = int(design.psu.max()) + 1
    combos, combo_of = np.unique(row_domain * n_psu + design.psu[rows], return_inverse=True)
    width = 2 * m + 1
    psu_totals = np.zeros((len(combos), width))
    srs_sums, srs_squares = np.zeros((n_domains, width)), np.zeros((n_domains, width))
    calibration = None
    if margins is not None:
        if cells is not None:
            raise ValueError("post-stratify or rake, not both")
        base = np.ones(n) if base_weights is None else np.asarray(base_weights, dtype=float)
        calibration = Calibration(margins, w, base, design.psu, n_psu)
        xz = np.zeros((n_domains, calibration.size, width))
        zw = np.zeros((n_domains, calibration.size, width))
    row_pattern = pattern_of[row_domain]
    for part in chunks(len(rows)):
        who = rows[part]
        y, x, _, _ = measures(values[who])
        u = linearised(y, x, w[who], domain[who], ratio_safe, scale)
        if pair_means is not None:
            own = row_domain[part] == domain[who]
            u[~own] = 0.0
            u -= w[who][:, None] * pair_means[chosen[part]]
        z = np.empty((len(who), width))
        for p, full in enumerate(fulls):
            selected = row_pattern[part] == p
            z[selected] = u[selected] @ full.T
        psu_totals += group_sum(combo_of[part], len(combos), z)
        srs_sums += group_sum(row_domain[part], n_domains, z)
        if calibration is not None:
            part_xz, part_zw = calibration.sums(who, row_domain[part], n_domains, z)
            xz += part_xz
            zw += part_zw
        z *= z
        srs_squares += group_sum(row_domain[part], n_domains, z)
    if calibration is not None:
        dense = np.zeros((n_domains * n_psu, width))
        dense[combos] = psu_totals
        dense = dense.reshape(n_domains, n_psu, width)
        calibration.adjust(dense, xz, zw, srs_sums, srs_squares)
        combos, psu_totals = np.arange(n_domains * n_psu), dense.reshape(-1, width)
    psu_ids, psu_domain = combos % n_psu, combos // n_psu
    return psu_totals, psu_ids, psu_domain, srs_sums, srs_squares


def domain_df(design, domain_psus, n_domains):
    """Degrees of freedom of each domain: PSUs with a member of the domain minus the
    strata they lie in (R ``degf(subset(design, domain))``; METHODOLOGY.md §2), at least 1.

    ``domain_psus``: the distinct (domain, PSU) pairs of the domain's members."""
    domains, psus = domain_psus[:, 0], domain_psus[:, 1]
    n_psus = np.bincount(domains, minlength=n_domains)
    strata = np.unique(domains * design.psu_count.shape[0] + design.psu_stratum[psus])
    n_strata = np.bincount(strata // design.psu_count.shape[0], minlength=n_domains)
    return np.maximum(n_psus - n_strata, 1)


def assemble(contrasts, design, keys, estimate, variance, srs_variance, counts, coefficients,
             pattern_of, ci, level, totals, df, domain_psus):
    """Turn the arrays into frozen results (the only per-domain loop: building objects)."""
    m = len(contrasts.codes)
    sat = list(range(m)) + [2 * m]
    se = np.sqrt(variance)
    with np.errstate(divide="ignore", invalid="ignore"):
        n_eff = counts["sw"] ** 2 / counts["sw2"]
        deff = variance[:, sat] / srs_variance[:, sat]
    n_eff = np.nan_to_num(n_eff)
    low, high = intervals(np.nan_to_num(estimate[:, sat]), se[:, sat], n_eff,
                          np.asarray(df, dtype=float)[:, None], level, ci, n=counts["n_valid"])
    codes = (*contrasts.codes, "all_satisfied")
    levels = (*contrasts.levels, "respondent")
    names = (*contrasts.names, "all items satisfied")
    maxima = (*contrasts.max_points, None)
    domains = []
    pooled = [[tuple((contrasts.items[j], float(a[r, j])) for j in np.flatnonzero(np.nan_to_num(a[r])))
               for r in range(m)] for a in coefficients]
    for d, key in enumerate(keys):
        items_of = pooled[pattern_of[d]]
        rows = []
        for r, code in enumerate(codes):
            col = sat[r]
            value = estimate[d, col]
            defined = not np.isnan(value)
            mean_col = m + r if r < m else None
            items = () if r == m else items_of[r]
            rows.append(IndexEstimate(
                code=code, level=levels[r], name=names[r],
                estimate=float(value) if defined else None,
                se=float(se[d, col]) if defined else None,
                ci_low=float(low[d, r]) if defined else None,
                ci_high=float(high[d, r]) if defined else None,
                n=int(counts["n"][d]), n_valid=int(counts["n_valid"][d, r]),
                n_eff=float(n_eff[d, r]),
                deff=(float(deff[d, r]) if defined and np.isfinite(deff[d, r])
                      and se[d, col] > 100 * ZERO_SE else None),
                items=items,
                mean_score=float(estimate[d, mean_col]) if defined and mean_col else None,
                mean_score_se=float(se[d, mean_col]) if defined and mean_col else None,
                points=float(maxima[r] * value / 100) if defined and maxima[r] else None,
                max_points=maxima[r],
                reason=None if defined else ("no respondents in this domain"
                                             if counts["n"][d] == 0 else "no valid answers"),
                df=int(df[d]),
            ))
        domains.append(DomainResult(tuple(key), int(counts["n"][d]), tuple(rows)))
    psu_totals, psu_ids, psu_domain = totals
    return Analysis(tuple(domains), design, codes, estimate[:, sat], psu_totals, psu_ids,
                    psu_domain, CIMethod(ci), level, domain_psus)
