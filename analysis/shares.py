"""Shares and means of single questions (yes/no, counts) with design-based intervals.

The report needs "the share asked for extra money or papers" and "the number of trips",
which are not satisfaction indices. Both are ratios over the valid answers, estimated
like the item indices (METHODOLOGY.md §2): R = Σ w y / Σ w x with x = 1 for a valid
answer, linearised value u = w (y - R x) / Σ w x, variance over the design's PSUs.

R equivalents (tests/analysis/test_shares.py keeps the commands beside the values)::

    svyciprop(~I(extra == 1), subset(design, !is.na(extra)), method = "logit")
    svymean(~trips, subset(design, !is.na(trips)))
"""
from dataclasses import dataclass

import numpy as np
from scipy import stats

from analysis.design import group_sum, variance_of_totals
from analysis.intervals import intervals
from analysis.options import CIMethod


@dataclass(frozen=True)
class ShareEstimate:
    """A share (0-100) or a mean of one question, over its valid answers.

    Has the fields ``analysis.publication.enough_data`` reads, so the same publication
    rule applies to it as to an index.
    """

    estimate: float | None
    se: float | None
    ci_low: float | None
    ci_high: float | None
    n: int          # responses in the sample
    n_valid: int    # of which answered the question
    n_eff: float


def _ratio(y, x, design, x_squares=None):
    """Estimate, standard error and Kish's effective n of Σ w y / Σ w x.

    ``x_squares``: Σ x² of each row when a row sums several responses (a PSU's counts);
    each response's x is 0 or 1, so it is the row's x itself."""
    w = design.weights
    x_squares = x * x if x_squares is None else x_squares
    denominator = float(np.sum(w * x))
    if denominator <= 0:
        return None, None, 0.0
    ratio = float(np.sum(w * y)) / denominator
    u = w * (y - ratio * x) / denominator
    totals = group_sum(design.psu, int(design.psu.max()) + 1, u[:, None])
    present = np.unique(design.psu)
    variance = variance_of_totals(design, totals[present], present,
                                  np.zeros(len(present), dtype=np.int64), 1)[0, 0]
    n_eff = denominator ** 2 / float(np.sum(w * w * x_squares))
    return ratio, float(np.sqrt(variance)), n_eff


def share(values, design, yes=1, level=0.95, ci=CIMethod.LOGIT):
    """The share (0-100) of valid answers equal to ``yes``; NaN is no valid answer."""
    values = np.asarray(values, dtype=float)
    valid = ~np.isnan(values)
    y = (valid & (np.nan_to_num(values, nan=-1) == yes)).astype(float)
    return share_of_counts(y, valid.astype(float), design, len(values), level, ci)


def share_of_counts(yes, valid, design, n, level=0.95, ci=CIMethod.LOGIT, rows_sum=False):
    """``share`` from counts per row of ``design``: answers equal to the value asked for
    and answers with a value. ``rows_sum``: a row sums several responses (a PSU's
    tallies); ``n`` is the number of responses."""
    yes, valid = np.asarray(yes, dtype=float), np.asarray(valid, dtype=float)
    ratio, se, n_eff = _ratio(yes, valid, design, valid if rows_sum else None)
    if ratio is None:
        return ShareEstimate(None, None, None, None, n, 0, 0.0)
    low, high = intervals(np.array([100 * ratio]), np.array([100 * se]), np.array([n_eff]),
                          design.df, level, ci)
    return ShareEstimate(100 * ratio, 100 * se, float(low[0]), float(high[0]), n,
                         int(valid.sum()), n_eff)


def mean(values, design, level=0.95):
    """The mean of the valid answers with a t interval (``design.df`` degrees of freedom)."""
    values = np.asarray(values, dtype=float)
    valid = ~np.isnan(values)
    return mean_of_sums(np.nan_to_num(values), valid.astype(float), design, len(values),
                        level)


def mean_of_sums(total, valid, design, n, level=0.95, rows_sum=False):
    """``mean`` from Σ value and answers with a value per row of ``design`` (see
    ``share_of_counts``)."""
    total, valid = np.asarray(total, dtype=float), np.asarray(valid, dtype=float)
    ratio, se, n_eff = _ratio(total, valid, design, valid if rows_sum else None)
    if ratio is None:
        return ShareEstimate(None, None, None, None, n, 0, 0.0)
    t = stats.t.ppf(1 - (1 - level) / 2, design.df)
    return ShareEstimate(ratio, se, ratio - t * se, ratio + t * se, n, int(valid.sum()), n_eff)
