"""Forecasts of an index series, the model chosen by rolling-origin backtest.

Each point of a series is an estimate with its own standard error (sampling error). The
prediction interval of a future point adds that sampling variance to the model's
forecast variance, so it covers the next *published* value, which will carry sampling
error too. Every forecast reports its backtest accuracy (MAE, interval coverage).

References
----------
Hyndman, R. & Athanasopoulos, G. (2021). Forecasting: Principles and Practice, 3rd ed.,
§5.10 (time series cross-validation), ch. 8 (exponential smoothing), ch. 9 (ARIMA).
statsmodels: ``tsa.exponential_smoothing.ets.ETSModel``, ``tsa.statespace.SARIMAX``.
"""
import warnings
from dataclasses import dataclass

import numpy as np
from scipy import stats

MIN_POINTS = 8
MODELS = ("ets", "ar1", "naive")


@dataclass(frozen=True)
class Forecast:
    model: str | None
    mean: tuple               # per step ahead, 0-100
    low: tuple
    high: tuple
    sd: tuple                 # total predictive SD (model + sampling)
    backtest_mae: float | None
    backtest_coverage: float | None
    backtest_points: int
    reason: str | None = None

    def probability_at_least(self, target, step=None):
        """P(the value ``step`` periods ahead (default: the last) is >= ``target``)."""
        if self.model is None:
            return None
        i = (len(self.mean) if step is None else step) - 1
        return float(stats.norm.sf((target - self.mean[i]) / self.sd[i]))


def _fit_predict(model, y, horizon):
    """Mean and model variance of the next ``horizon`` points from ``model`` fitted to ``y``."""
    if model == "naive":
        resid = np.diff(y)
        sigma2 = float(np.mean(resid ** 2)) if len(resid) else 0.0
        steps = np.arange(1, horizon + 1)
        return np.full(horizon, y[-1]), sigma2 * steps
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence chatter on short series
        if model == "ets":
            import pandas as pd
            from statsmodels.tsa.exponential_smoothing.ets import ETSModel

            # statsmodels' ETS prediction needs an indexed series, not a bare array
            result = ETSModel(pd.Series(y), error="add", trend="add",
                              damped_trend=True).fit(disp=False)
            prediction = result.get_prediction(start=len(y), end=len(y) + horizon - 1)
            return (np.asarray(prediction.predicted_mean, dtype=float),
                    np.asarray(prediction.var_pred_mean, dtype=float))
        from statsmodels.tsa.statespace.sarimax import SARIMAX

        result = SARIMAX(y, order=(1, 0, 0), trend="c").fit(disp=False)
        prediction = result.get_forecast(horizon)
        return np.asarray(prediction.predicted_mean), np.asarray(prediction.se_mean) ** 2


def backtest(model, y, sampling_var, level, min_train=MIN_POINTS - 2):
    """One-step-ahead errors and interval hits from every origin after ``min_train``."""
    z = stats.norm.ppf(1 - (1 - level) / 2)
    errors, hits = [], []
    for origin in range(min_train, len(y)):
        mean, var = _fit_predict(model, y[:origin], 1)
        sd = np.sqrt(var[0] + np.mean(sampling_var[max(0, origin - 6):origin]))
        errors.append(abs(y[origin] - mean[0]))
        hits.append(abs(y[origin] - mean[0]) <= z * sd)
    return np.asarray(errors), np.asarray(hits)


def forecast(values, se=None, horizon=3, level=0.95, models=MODELS):
    """Forecast the next ``horizon`` points of an index series (0-100).

    Parameters
    ----------
    values : array of float
        The series, oldest first (monthly or quarterly estimates).
    se : array of float, optional
        Standard error of each point (sampling error); default 0.
    models : tuple of "ets" (damped-trend exponential smoothing), "ar1" (AR(1) with a
        constant, which reverts to the series' level) and "naive" (last value)

    Returns
    -------
    Forecast
        With ``model`` None and a ``reason`` when the series is too short.
    """
    y = np.asarray(values, dtype=float)
    if np.isnan(y).any():
        raise ValueError("the series has gaps (missing points): fill or shorten it first")
    if len(y) < MIN_POINTS:
        return Forecast(None, (), (), (), (), None, None, 0,
                        reason=f"too short to forecast: {len(y)} points, need {MIN_POINTS}")
    unknown = set(models) - set(MODELS)
    if unknown:
        raise ValueError(f"unknown model(s) {sorted(unknown)}; choose from {', '.join(MODELS)}")
    sampling_var = np.zeros(len(y)) if se is None else np.asarray(se, dtype=float) ** 2
    scores = {}
    for model in models:
        errors, hits = backtest(model, y, sampling_var, level)
        scores[model] = (float(errors.mean()), float(hits.mean()), len(errors))
    best = min(scores, key=lambda m: scores[m][0])
    mean, model_var = _fit_predict(best, y, horizon)
    sd = np.sqrt(model_var + np.mean(sampling_var[-6:]))
    z = stats.norm.ppf(1 - (1 - level) / 2)
    mae, coverage, points = scores[best]
    return Forecast(best, tuple(mean), tuple(np.clip(mean - z * sd, 0, 100)),
                    tuple(np.clip(mean + z * sd, 0, 100)), tuple(sd), mae, coverage, points)
