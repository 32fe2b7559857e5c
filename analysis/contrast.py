"""The difference between two indices of the same domain (e.g. two factors).

"The highest factor" is a claim about a difference; the report states it as significant
only when this test says so. Both indices are linearised over the same respondents, so
their covariance is taken into account (R ``svycontrast`` on the two item ratios).
"""
import numpy as np
from scipy import stats

from analysis.compare import _domain_index
from analysis.design import group_sum, variance_of_totals
from analysis.results import Comparison


def compare_codes(analysis, key, code_a, code_b):
    """Index ``code_a`` minus ``code_b`` in the domain ``key``, with CI and p-value."""
    for code in (code_a, code_b):
        if code not in analysis.codes:
            raise ValueError(f"unknown index '{code}' (known: {', '.join(analysis.codes)})")
    a, b = analysis.codes.index(code_a), analysis.codes.index(code_b)
    d = _domain_index(analysis, key)
    difference = analysis.estimate[d, a] - analysis.estimate[d, b]
    if np.isnan(difference):
        return Comparison(code_a, (code_a,), (code_b,), None, None, None, None, None)
    rows = analysis.psu_domain == d
    values = analysis.psu_totals[rows, a] - analysis.psu_totals[rows, b]
    ids = analysis.psu_ids[rows]
    totals = group_sum(ids, int(analysis.psu_ids.max()) + 1, values[:, None])
    present = np.unique(ids)
    variance = variance_of_totals(analysis.design, totals[present], present,
                                  np.zeros(len(present), dtype=np.int64), 1)[0, 0]
    se = float(np.sqrt(variance))
    t = stats.t.ppf(1 - (1 - analysis.level) / 2, analysis.design.df)
    p_value = float(2 * stats.t.sf(abs(difference) / se, analysis.design.df)) if se > 0 else None
    return Comparison(code_a, (code_a,), (code_b,), float(difference), se,
                      float(difference - t * se), float(difference + t * se), p_value)
