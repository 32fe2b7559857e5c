"""Weighting: post-stratification to known counts, raking to margins, trimming.

References
----------
Lumley, T. (2010). Complex Surveys, ch. 7 (post-stratification, raking).
Kish, L. (1992). Weighting for unequal P_i. Journal of Official Statistics 8(2).
"""
import numpy as np


def post_stratify(weights, cells, population):
    """Weights scaled so that each cell's weights sum to its known count.

    Parameters
    ----------
    weights : ndarray (n,)
    cells : ndarray (n,) of int, cell code of each response
    population : ndarray (n_cells,), known count (e.g. dossiers returned) per cell

    Raises
    ------
    ValueError
        When a cell has no respondents (its count cannot be carried by anyone) or a
        count is not positive.
    """
    population = np.asarray(population, dtype=float)
    if (population <= 0).any() or not np.isfinite(population).all():
        raise ValueError("population counts must be positive numbers")
    totals = np.bincount(cells, weights=weights, minlength=len(population))
    empty = np.flatnonzero(totals == 0)
    if empty.size:
        raise ValueError(f"population cell {int(empty[0]) + 1} has no respondents: merge it "
                         "with a neighbouring cell")
    return weights * population[cells] / totals[cells]


def rake(weights, margins, targets, max_iter=200, tol=1e-12):
    """Iterative proportional fitting of weights to several margins (raking).

    Parameters
    ----------
    margins : list of ndarray (n,) of int, a category code per response per margin
    targets : list of ndarray, known totals per category of each margin

    The result is the raking calibration of R ``calibrate(..., calfun = "raking")``: the
    weights w·exp(Xλ) whose totals match every margin. ``estimate_indices(margins=...)``
    gives its variance as R does (residuals of the linearised values on the margins).

    Raises
    ------
    ValueError
        When a category has no respondents, the margins' totals disagree, or the fit does
        not converge.
    """
    w = np.asarray(weights, dtype=float).copy()
    grand = None
    for margin, target in zip(margins, targets, strict=True):
        target = np.asarray(target, dtype=float)
        if np.bincount(margin, minlength=len(target)).min() == 0:
            raise ValueError("a raking category has no respondents")
        if grand is not None and not np.isclose(target.sum(), grand, rtol=1e-9):
            raise ValueError(f"the margins' totals disagree ({grand:g} vs {target.sum():g}): "
                             "every margin must add up to the same population")
        grand = target.sum()
    for _ in range(max_iter):
        change = 0.0
        for margin, target in zip(margins, targets, strict=True):
            totals = np.bincount(margin, weights=w, minlength=len(target))
            factor = np.asarray(target, dtype=float) / totals
            change = max(change, float(np.abs(factor - 1).max()))
            w *= factor[margin]
        if change < tol:
            return w
    raise ValueError(f"raking did not converge in {max_iter} iterations: some combinations of "
                     "categories may have no respondents (merge categories)")


def trim(weights, cap, max_iter=100):
    """Cap weights at ``cap`` times the mean weight, spreading the excess over the rest.

    The total of the weights is kept; repeated until no weight exceeds the cap. Trim the
    design (base) weights, then post-stratify or rake: trimming calibrated weights would
    undo the calibration.

    Raises
    ------
    ValueError
        When ``max_iter`` rounds still leave a weight above the cap.
    """
    if cap <= 1:
        raise ValueError("the cap is a multiple of the mean weight and must exceed 1")
    w = np.asarray(weights, dtype=float).copy()
    total = w.sum()
    limit = cap * total / len(w)
    for _ in range(max_iter):
        over = w > limit * (1 + 1e-12)
        if not over.any():
            return w
        excess = (w[over] - limit).sum()
        w[over] = limit
        w[~over] += excess * w[~over] / w[~over].sum()
    raise ValueError(f"trimming at {cap:g} times the mean weight did not converge in {max_iter} "
                     f"rounds ({int((w > limit * (1 + 1e-12)).sum())} weights still above "
                     f"{limit:g}): choose a larger cap")
