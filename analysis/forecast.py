"""Forecasts of an index series, the model chosen by rolling-origin backtest.

Each point of a series is an estimate with its own standard error (sampling error). The
models are fitted to those published estimates, so the innovation variance they estimate
(statsmodels' ETS ``var_pred_mean``, SARIMAX's ``se_mean``, the naive model's mean squared
step) already contains the sampling error of the points: the prediction interval is the
model's alone and covers the next *published* value. Every forecast
reports its backtest accuracy (MAE, interval coverage).

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
MODELS = ("ets", "ar1", "sarima", "naive")


@dataclass(frozen=True)
class Forecast:
    model: str | None
    mean: tuple               # per step ahead, 0-100
    low: tuple
    high: tuple
    sd: tuple                 # predictive SD of the next published value (the model's)
    backtest_mae: float | None
    backtest_coverage: float | None
    backtest_points: int
    reason: str | None = None
    reason_code: str | None = None  # "too_short" or "no_model" when ``model`` is None
    series_points: int = 0          # points the forecast was fitted on

    def probability_at_least(self, target, step=None):
        """P(the value ``step`` periods ahead (default: the last) is >= ``target``)."""
        if self.model is None:
            return None
        i = (len(self.mean) if step is None else step) - 1
        return float(stats.norm.sf((target - self.mean[i]) / self.sd[i]))


def seasonal_fits(n, season):
    """Whether a seasonal model can be fitted to ``n`` points: two full seasons and some."""
    return bool(season) and n >= 2 * season + 2


def _fit_predict(model, y, horizon, season=None, start=None):
    """Mean and model variance of the next ``horizon`` points from ``model`` fitted to ``y``,
    and the fitted parameters (SARIMAX only; ``start`` warm-starts the optimiser)."""
    if model == "naive":
        resid = np.diff(y)
        sigma2 = float(np.mean(resid ** 2)) if len(resid) else 0.0
        steps = np.arange(1, horizon + 1)
        return np.full(horizon, y[-1]), sigma2 * steps, None
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
                    np.asarray(prediction.var_pred_mean, dtype=float), None)
        from statsmodels.tsa.statespace.sarimax import SARIMAX

        seasonal = (1, 0, 0, season) if model == "sarima" else (0, 0, 0, 0)
        result = SARIMAX(y, order=(1, 0, 0), seasonal_order=seasonal, trend="c").fit(
            start_params=start, disp=False, cov_type="none")
        prediction = result.get_forecast(horizon)
        return (np.asarray(prediction.predicted_mean), np.asarray(prediction.se_mean) ** 2,
                result.params)


def backtest(model, y, level, min_train=MIN_POINTS - 2, season=None):
    """One-step-ahead errors, interval hits and squared errors relative to the model's
    variance (e²/v), from every origin after ``min_train``.

    The model is refitted at every origin on the data before it only; the previous
    origin's estimates start the optimiser (a warm start, no look-ahead)."""
    z = stats.norm.ppf(1 - (1 - level) / 2)
    errors, hits, ratios = [], [], []
    params = None
    for origin in range(min_train, len(y)):
        mean, var, params = _fit_predict(model, y[:origin], 1, season, params)
        error = abs(y[origin] - mean[0])
        errors.append(error)
        hits.append(error <= z * np.sqrt(var[0]))
        ratios.append(error ** 2 / var[0] if var[0] > 0 else np.inf)
    return np.asarray(errors), np.asarray(hits), np.asarray(ratios)


def forecast(values, se=None, horizon=3, level=0.95, models=MODELS, season=None):
    """Forecast the next ``horizon`` points of an index series (0-100).

    Parameters
    ----------
    values : array of float
        The series, oldest first (monthly or quarterly estimates).
    se : array of float, optional
        Standard error of each point (sampling error). Not added to the prediction
        variance (the fitted models' innovations contain it already); kept so that
        callers pass what they have, and checked for length.
    models : tuple of "ets" (damped-trend exponential smoothing), "ar1" (AR(1) with a
        constant, which reverts to the series' level), "sarima" (SARIMAX(1,0,0)(1,0,0)
        with period ``season``) and "naive" (last value)
    season : int, optional
        Points per year (12 monthly, 4 quarterly). "sarima" competes only when the series
        has two full seasons and two more points; then every model is backtested from the
        same origins (after two seasons), so their errors are comparable.

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
                        reason=f"too short to forecast: {len(y)} points, need {MIN_POINTS}",
                        reason_code="too_short", series_points=len(y))
    unknown = set(models) - set(MODELS)
    if unknown:
        raise ValueError(f"unknown model(s) {sorted(unknown)}; choose from {', '.join(MODELS)}")
    if se is not None and len(se) != len(y):
        raise ValueError(f"give one standard error per point ({len(y)}), got {len(se)}")
    min_train = MIN_POINTS - 2
    if "sarima" in models and seasonal_fits(len(y), season):
        min_train = max(min_train, 2 * season)
    else:
        models = tuple(m for m in models if m != "sarima") or ("naive",)
    scores = {}
    for model in models:
        try:
            errors, hits, ratios = backtest(model, y, level, min_train, season)
        except (np.linalg.LinAlgError, ValueError):
            continue  # the optimiser failed on some origin: this model does not compete
        if np.isfinite(errors).all() and np.isfinite(ratios).all():
            scores[model] = (float(errors.mean()), float(hits.mean()), len(errors),
                             max(1.0, float(ratios.mean())))
    if not scores:
        return Forecast(None, (), (), (), (), None, None, 0,
                        reason="no model could be fitted to this series",
                        reason_code="no_model", series_points=len(y))
    best = min(scores, key=lambda m: scores[m][0])
    mean, model_var, _params = _fit_predict(best, y, horizon, season)
    mae, coverage, points, inflation = scores[best]
    sd = np.sqrt(inflation * model_var)
    z = stats.norm.ppf(1 - (1 - level) / 2)
    return Forecast(best, tuple(mean), tuple(np.clip(mean - z * sd, 0, 100)),
                    tuple(np.clip(mean + z * sd, 0, 100)), tuple(sd), mae, coverage, points,
                    series_points=len(y))
