"""Monthly and quarterly series of every index node of a unit, and their forecasts."""
from dataclasses import dataclass
from datetime import datetime

from analysis.forecast import forecast
from survey_app.services.analysis_inputs import analyze_scope, load_scope
from survey_app.services.periods import last_twelve_months, shifted
from survey_app.services.results import ordered

#: Points per year, for the seasonal model.
SEASON = {"month": 12, "quarter": 4}


@dataclass(frozen=True)
class Point:
    label: str                # "2025-07" or "2025-Q3"
    n: int
    estimate: float | None    # None: no response, or no valid answer, in that period
    ci_low: float | None
    ci_high: float | None
    se: float | None


def period_labels(start: datetime, end: datetime, by):
    """Every month or quarter from ``start`` up to (not including) ``end``."""
    labels, year, month = [], start.year, start.month
    while datetime(year, month, 1) < end:
        label = f"{year}-{month:02d}" if by == "month" else f"{year}-Q{(month - 1) // 3 + 1}"
        if not labels or labels[-1] != label:
            labels.append(label)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return labels


def unit_series(unit, instrument_code, by="month", months=36):
    """{node code: [Point]} over the last ``months`` months, the index tree's root first.

    Periods without responses are kept as points with no estimate, so a gap shows as a gap.
    """
    if by not in SEASON:
        raise ValueError(f"unknown frequency '{by}'; choose month or quarter")
    end = last_twelve_months().end
    window = shifted(last_twelve_months(), -(months - 12), "window")
    data = load_scope(unit, instrument_code, window.start, end)
    if not len(data.weights):
        return {}
    domains = {d.key[0]: d for d in analyze_scope(data, by=(by,)).domains}
    labels = period_labels(window.start, end, by)
    labels = labels[labels.index(min(domains)):]  # start at the first period with answers
    codes = [e.code for e in ordered(next(iter(domains.values())))]  # the root first
    series = {}
    for code in codes:
        points = []
        for label in labels:
            found = domains[label].get(code) if label in domains else None
            if found is None:
                points.append(Point(label, 0, None, None, None, None))
            else:
                points.append(Point(label, found.n, found.estimate, found.ci_low, found.ci_high,
                                    found.se))
        series[code] = points
    return series


def forecast_points(points, by="month", horizon=3):
    """The forecast of a series, or None when it has gaps (periods without an estimate)."""
    if any(p.estimate is None for p in points):
        return None
    return forecast([p.estimate for p in points], [p.se for p in points], horizon=horizon,
                    season=SEASON[by])


def forecast_json(result, last_label=None, by="month"):
    """A forecast as JSON: model, backtest accuracy, and the future points with intervals."""
    labels = future_labels(last_label, by, len(result.mean)) if last_label else \
        [None] * len(result.mean)
    return {"model": result.model, "reason": result.reason,
            "backtest": {"mae": result.backtest_mae, "coverage": result.backtest_coverage,
                         "points": result.backtest_points},
            "forecast": [{"step": i + 1, "period": label, "mean": m, "low": lo, "high": hi,
                          "sd": sd}
                         for i, (label, m, lo, hi, sd) in enumerate(zip(
                             labels, result.mean, result.low, result.high, result.sd,
                             strict=True))]}


def future_labels(last_label, by, count):
    """The ``count`` period labels after ``last_label``."""
    year = int(last_label[:4])
    index = int(last_label[5:]) if by == "month" else int(last_label[-1])
    per_year = SEASON[by]
    labels = []
    for _ in range(count):
        year, index = (year + 1, 1) if index == per_year else (year, index + 1)
        labels.append(f"{year}-{index:02d}" if by == "month" else f"{year}-Q{index}")
    return labels


def steps_to_year_end(last_label, by, year):
    """How many periods after ``last_label`` the last period of ``year`` is (0 if past)."""
    last_year = int(last_label[:4])
    index = int(last_label[5:]) if by == "month" else int(last_label[-1])
    return max(0, (year - last_year) * SEASON[by] + SEASON[by] - index)
