"""Survey design (weights, strata, PSUs) and Taylor-linearisation variance of totals.

The variance of a total of linearised values z over a stratified cluster design is
(METHODOLOGY.md §2; Lumley 2010, §2.2; R ``survey:::onestrat``)::

    V = sum_h c_h * sum_{j in h} (Z_hj - mean_h Z)^2,   c_h = n_h / (n_h - 1)

where Z_hj are PSU totals and n_h the number of PSUs of stratum h in the *whole* sample
(domains are estimated by zeroing z outside the domain, never by subsetting).
"""
from dataclasses import dataclass

import numpy as np

from analysis.options import LonelyPSU


def dense_codes(key):
    """(codes 0..k-1, sorted unique values) of non-negative integers, as
    ``np.unique(key, return_inverse=True)`` gives them; by counting (no sort) when the
    values are small, as label codes are."""
    key = np.asarray(key)
    if key.dtype.kind in "iu" and key.size and key.min() >= 0 and key.max() < 4 * key.size + 4096:
        present = np.bincount(key) > 0
        rank = np.cumsum(present) - 1
        return rank[key].astype(np.int64), np.flatnonzero(present)
    uniques, codes = np.unique(key, return_inverse=True)
    return codes.reshape(-1).astype(np.int64), uniques


def _codes(values, name, n):
    """Integer codes 0..k-1 for labels; ``None`` gives a single code."""
    if values is None:
        return np.zeros(n, dtype=np.int64), 1
    values = np.asarray(values)
    if values.shape != (n,):
        raise ValueError(f"{name} must have one value per response ({n}), got shape {values.shape}")
    if values.dtype.kind in "fc" and np.isnan(values).any():
        row = int(np.flatnonzero(np.isnan(values))[0])
        raise ValueError(f"{name} is missing in row {row + 1}")
    if values.dtype.kind == "O":
        missing = np.array([v is None or v == "" for v in values])
        if missing.any():
            raise ValueError(f"{name} is missing in row {int(np.flatnonzero(missing)[0]) + 1}")
        values = values.astype(str)
    codes, uniques = dense_codes(values)
    return codes, len(uniques)


@dataclass(frozen=True, eq=False)
class Design:
    """A sampling design: one row per response.

    Attributes
    ----------
    weights : ndarray of float, shape (n,)
    stratum : ndarray of int, shape (n,)   stratum code 0..H-1
    psu : ndarray of int, shape (n,)        PSU code 0..G-1, unique across strata (nested)
    psu_stratum : ndarray of int, shape (G,) stratum of each PSU
    psu_count : ndarray of int, shape (H,)   PSUs per stratum
    lonely : LonelyPSU
    """

    weights: np.ndarray
    stratum: np.ndarray
    psu: np.ndarray
    psu_stratum: np.ndarray
    psu_count: np.ndarray
    lonely: LonelyPSU

    @property
    def n(self):
        return self.weights.shape[0]

    @property
    def df(self):
        """Degrees of freedom: number of PSUs minus number of strata (R ``degf``)."""
        return max(int(self.psu_count.sum()) - int(self.psu_count.shape[0]), 1)

    def with_weights(self, weights):
        return Design(np.asarray(weights, dtype=float), self.stratum, self.psu, self.psu_stratum,
                      self.psu_count, self.lonely)


def make_design(n, weights=None, strata=None, psu=None, lonely=LonelyPSU.ADJUST):
    """Build a ``Design`` for ``n`` responses.

    Without ``psu`` each response is its own PSU; without ``strata`` there is one stratum;
    PSU labels are nested in strata (the same label in two strata is two PSUs).

    Raises
    ------
    ValueError
        For weights that are missing, not finite, zero or negative, and for missing
        stratum or PSU labels; the message names the first bad row.
    """
    if weights is None:
        w = np.ones(n)
    else:
        w = np.asarray(weights, dtype=float)
        if w.shape != (n,):
            raise ValueError(f"weights must have one value per response ({n}), got {w.shape}")
        bad = ~np.isfinite(w) | (w <= 0)
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise ValueError(f"weight in row {row + 1} is {float(w[row])!r}: weights must be positive "
                             "numbers (drop the row or give it a weight)")
    stratum, n_strata = _codes(strata, "stratum", n)
    if psu is None:
        psu_codes = np.arange(n, dtype=np.int64)
    else:
        raw, _ = _codes(psu, "psu", n)
        psu_codes, _ = dense_codes(stratum * (raw.max() + 1) + raw)
    n_psu = int(psu_codes.max()) + 1 if n else 0
    psu_stratum = np.zeros(n_psu, dtype=np.int64)
    psu_stratum[psu_codes] = stratum
    psu_count = np.bincount(psu_stratum, minlength=n_strata)
    lonely = LonelyPSU(lonely)
    if lonely == LonelyPSU.FAIL and (psu_count == 1).any():
        raise ValueError(f"{int((psu_count == 1).sum())} stratum/strata have a single PSU; "
                         "choose another lonely-PSU rule (e.g. adjust)")
    return Design(w, stratum, psu_codes, psu_stratum, psu_count, lonely)


def group_sum(keys, n_groups, values, weights=None):
    """Row sums of ``values`` (n, m) by integer ``keys`` (n,) into (n_groups, m).

    With ``weights`` (n,), the sums of ``weights * values``. One stable sort and one
    ``np.add.reduceat`` (no scipy: importing scipy.sparse costs more than the sums).
    """
    keys = np.asarray(keys, dtype=np.int64)
    values = np.asarray(values, dtype=float)
    if values.ndim == 1:
        values = values[:, None]
    if weights is not None:
        values = values * np.asarray(weights, dtype=float)[:, None]
    out = np.zeros((n_groups, values.shape[1]))
    if keys.shape[0] == 0:
        return out
    if keys.shape[0] > 1 and (keys[1:] < keys[:-1]).any():
        order = np.argsort(keys, kind="stable")
        keys, values = keys[order], values[order]
    first = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    out[keys[first]] = np.add.reduceat(values, first, axis=0)
    return out


def variance_of_totals(design, psu_totals, psu_ids, domain_of_total, n_domains):
    """Variance of domain totals from their PSU totals.

    Parameters
    ----------
    psu_totals : ndarray (C, m)
        Totals of linearised values for each (domain, PSU) combination present.
    psu_ids : ndarray (C,)
        The PSU of each combination.
    domain_of_total : ndarray (C,)
        The domain of each combination.

    Returns
    -------
    ndarray (n_domains, m)
    """
    strata = design.psu_stratum[psu_ids]
    n_strata = design.psu_count.shape[0]
    cell = domain_of_total * n_strata + strata
    sums = group_sum(cell, n_domains * n_strata, psu_totals)
    squares = group_sum(cell, n_domains * n_strata, psu_totals ** 2)
    n_h = np.tile(design.psu_count, n_domains)[:, None].astype(float)
    lonely = n_h[:, 0] == 1
    with np.errstate(divide="ignore", invalid="ignore"):
        per_cell = n_h / (n_h - 1) * (squares - sums ** 2 / n_h)
    per_cell[lonely] = squares[lonely] if design.lonely == LonelyPSU.ADJUST else 0.0
    variance = per_cell.reshape(n_domains, n_strata, -1).sum(axis=1)
    if design.lonely == LonelyPSU.AVERAGE and lonely.any():
        counted = int((design.psu_count > 1).sum())
        variance *= n_strata / max(counted, 1)
    return np.maximum(variance, 0.0)
