"""analysis.tquantile against scipy.stats.t.ppf."""
import numpy as np
import pytest
from scipy import stats

from analysis.tquantile import t_quantile


@pytest.mark.parametrize("df", [1, 2, 3, 4, 5, 9, 16, 30, 101, 1000, 25_000, 400_001])
@pytest.mark.parametrize("q", [0.0005, 0.005, 0.025, 0.05, 0.95, 0.975, 0.995, 0.9995])
def test_integer_df_matches_scipy(df, q):
    assert t_quantile(q, df) == pytest.approx(stats.t.ppf(q, df), rel=1e-11, abs=1e-13)


def test_arrays_and_other_df():
    df = np.array([[3, 16], [16, 40]])
    np.testing.assert_allclose(t_quantile(0.975, df), stats.t.ppf(0.975, df), rtol=1e-11)
    assert t_quantile(0.975, 7.5) == pytest.approx(stats.t.ppf(0.975, 7.5), rel=1e-10)
    assert t_quantile(0.5, 12) == 0
