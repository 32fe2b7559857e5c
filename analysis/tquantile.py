"""Student's t quantiles for integer degrees of freedom, with numpy and math only.

``hailong analyze`` needs one t quantile per distinct df for its intervals; importing
scipy.special for it costs more CPU than the rest of a 200,000-response analysis but
one step. For an integer ν the two-sided mass P(|T| ≤ t) has a closed form
(Abramowitz & Stegun 1964, 26.7.3-26.7.4; θ = atan(t/√ν)):

    ν odd:  (2/π) [θ + sin θ (cos θ + (2/3) cos³θ + … + (2·4…(ν-3))/(1·3…(ν-2)) cos^(ν-2) θ)]
    ν even: sin θ [1 + (1/2) cos²θ + (1·3)/(2·4) cos⁴θ + … + (1·3…(ν-3))/(2·4…(ν-2)) cos^(ν-2) θ]

and the quantile is found by safeguarded Newton steps on it. Other df go to scipy.
``tests/analysis/test_tquantile.py`` checks it against scipy.stats.t.ppf.
"""
import math

import numpy as np


def two_sided_mass(t, nu):
    """P(|T| <= t) for Student's t with integer ``nu`` >= 1 and t >= 0."""
    theta = math.atan(t / math.sqrt(nu))
    s, c = math.sin(theta), math.cos(theta)
    if nu == 1:
        return 2 * theta / math.pi
    if nu % 2:
        j = np.arange(1, (nu - 3) // 2 + 1)
        a = np.concatenate([[1.0], np.cumprod(2 * j / (2 * j + 1))])
        total = float(np.sum(a * c ** (2 * np.arange(len(a)) + 1)))
        return 2 / math.pi * (theta + s * total)
    j = np.arange(1, (nu - 2) // 2 + 1)
    a = np.concatenate([[1.0], np.cumprod((2 * j - 1) / (2 * j))])
    return s * float(np.sum(a * c ** (2 * np.arange(len(a)))))


def density(t, nu):
    log = (math.lgamma((nu + 1) / 2) - math.lgamma(nu / 2) - 0.5 * math.log(nu * math.pi)
           - (nu + 1) / 2 * math.log1p(t * t / nu))
    return math.exp(log)


def upper_quantile(q, nu):
    """t with P(T <= t) = q, for q in (0.5, 1) and integer ``nu``."""
    level = 2 * q - 1
    low, high = 0.0, 2.0
    while two_sided_mass(high, nu) < level:
        low, high = high, 2 * high
    t = 0.5 * (low + high)
    for _ in range(100):
        gap = two_sided_mass(t, nu) - level
        if gap > 0:
            high = t
        else:
            low = t
        step = t - gap / (2 * density(t, nu))
        new = step if low < step < high else 0.5 * (low + high)
        if abs(new - t) <= 1e-15 * max(1.0, abs(t)):
            return new
        t = new
    return t


def t_quantile(q, df):
    """Quantile ``q`` of Student's t with ``df`` (a number or an array) degrees of freedom."""
    df_array = np.asarray(df, dtype=float)
    integral = np.all(df_array == np.round(df_array)) and np.all(df_array >= 1)
    values = np.unique(df_array)
    if not integral or not 0 < q < 1 or len(values) > 16:  # many df: one scipy call is cheaper
        from scipy import special

        return special.stdtrit(df_array, q)
    if q == 0.5:
        return np.zeros_like(df_array)
    values, inverse = np.unique(df_array, return_inverse=True)
    upper = np.array([upper_quantile(max(q, 1 - q), int(v)) for v in values])
    result = (upper if q > 0.5 else -upper)[inverse.reshape(df_array.shape)]
    return result if df_array.ndim else float(result)
