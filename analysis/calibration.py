"""Variance after raking: residuals of the linearised values on the calibration margins.

R's ``calibrate(design, ~m1 + m2, population, calfun = "raking")`` stores the QR of the
margins' indicator matrix X (scaled by the square root of the pre-calibration weights
w0), and ``svyrecvar`` replaces every linearised value z_i by

    z*_i = w_i (z_i / w_i - X_i β),   β = (Xᵀ W0 X)⁻ Xᵀ W0 (z / w)

(a weighted least-squares residual; w = g·w0 are the raked weights), before summing by
PSU. This module computes the pieces from group sums, never an (n × domains) matrix: the
PSU totals of z* are Z_j - A_j β with A_j the PSU's totals of w per category.

References
----------
Deville, J.-C. & Särndal, C.-E. (1992). Calibration estimators in survey sampling. JASA
87(418). Lumley, T. (2010). Complex Surveys, §7.3-7.4; R ``survey:::svyrecvar``.
"""
import numpy as np


def category_index(margins):
    """One column per category of every margin: (codes with offsets per margin, C)."""
    offsets = np.cumsum([0] + [int(m.max()) + 1 for m in margins])
    return [m + offsets[i] for i, m in enumerate(margins)], int(offsets[-1])


def cross_product(columns, n_columns, weights):
    """Xᵀ diag(weights) X for the indicator matrix whose columns ``columns`` index."""
    out = np.zeros((n_columns, n_columns))
    for a in columns:
        for b in columns:
            out += np.bincount(a * n_columns + b, weights=weights,
                               minlength=n_columns * n_columns).reshape(n_columns, n_columns)
    return out


def per_category(columns, n_columns, keys, n_keys, values):
    """Σ values by (key, category) for every margin: (n_keys, C, m)."""
    out = np.zeros((n_keys * n_columns, values.shape[1]))
    for a in columns:
        index = keys * n_columns + a
        for j in range(values.shape[1]):
            out[:, j] += np.bincount(index, weights=values[:, j], minlength=n_keys * n_columns)
    return out.reshape(n_keys, n_columns, values.shape[1])


class Calibration:
    """What the raking residuals need, built once per analysis."""

    def __init__(self, margins, weights, base_weights, psu, n_psu):
        self.columns, self.size = category_index(margins)
        self.weights = np.asarray(weights, dtype=float)
        self.inverse_g = np.asarray(base_weights, dtype=float) / self.weights
        self.pinv = np.linalg.pinv(cross_product(self.columns, self.size, base_weights))
        self.w2 = cross_product(self.columns, self.size, self.weights ** 2)
        self.category_total = sum(np.bincount(a, weights=self.weights, minlength=self.size)
                                  for a in self.columns)
        self.psu_category = np.zeros((n_psu, self.size))
        for a in self.columns:
            self.psu_category += np.bincount(psu * self.size + a, weights=self.weights,
                                             minlength=n_psu * self.size).reshape(n_psu, self.size)

    def sums(self, rows, row_domain, n_domains, z):
        """Per (domain, category) sums of z/g (for β) and of z·w (for the SRS variance)."""
        cols = [a[rows] for a in self.columns]
        xz = per_category(cols, self.size, row_domain, n_domains, z * self.inverse_g[rows, None])
        zw = per_category(cols, self.size, row_domain, n_domains, z * self.weights[rows, None])
        return xz, zw

    def adjust(self, dense_totals, xz, zw, srs_sums, srs_squares):
        """Residualised PSU totals (D, G, m) and SRS sums, in place; returns β."""
        beta = np.einsum("kc,dcm->dkm", self.pinv, xz)
        dense_totals -= np.einsum("gc,dcm->dgm", self.psu_category, beta)
        srs_sums -= np.einsum("c,dcm->dm", self.category_total, beta)
        srs_squares += (-2 * np.einsum("dcm,dcm->dm", zw, beta)
                        + np.einsum("dcm,ck,dkm->dm", beta, self.w2, beta))
        return beta
