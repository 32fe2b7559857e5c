"""Monthly and quarterly series of every index node of a unit, and their forecasts.

The current month (or quarter) is still being collected: its point is kept, marked
``partial``, but never fitted, since one more response would move the forecast. The
forecast starts from the last complete period, so its first step is the current one.
"""
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _

from analysis.forecast import MIN_POINTS, forecast
from survey_app import clock
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
    partial: bool = False     # the current period, still being collected


def period_labels(start: datetime, end: datetime, by):
    """Every month or quarter from ``start`` up to (not including) ``end``."""
    labels, year, month = [], start.year, start.month
    while datetime(year, month, 1) < end:
        label = f"{year}-{month:02d}" if by == "month" else f"{year}-Q{(month - 1) // 3 + 1}"
        if not labels or labels[-1] != label:
            labels.append(label)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return labels


def period_label(day, by):
    return f"{day.year}-{day.month:02d}" if by == "month" else \
        f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def unit_series(unit, instrument_code, by="month", months=36, today=None):
    """{node code: [Point]} over the last ``months`` months, the index tree's root first.

    Periods without responses are kept as points with no estimate, so a gap shows as a gap.
    The period holding ``today`` (default: ``clock.today()``) is marked ``partial``.
    """
    if by not in SEASON:
        raise ValueError(f"unknown frequency '{by}'; choose month or quarter")
    today = today or clock.today()
    end = last_twelve_months(today).end
    window = shifted(last_twelve_months(today), -(months - 12), "window")
    data = load_scope(unit, instrument_code, window.start, end)
    if not len(data.weights):
        return {}
    domains = {d.key[0]: d for d in analyze_scope(data, by=(by,)).domains}
    labels = period_labels(window.start, end, by)
    labels = labels[labels.index(min(domains)):]  # start at the first period with answers
    current = period_label(today, by)
    codes = [e.code for e in ordered(next(iter(domains.values())))]  # the root first
    series = {}
    for code in codes:
        points = []
        for label in labels:
            found = domains[label].get(code) if label in domains else None
            if found is None:
                points.append(Point(label, 0, None, None, None, None, label == current))
            else:
                points.append(Point(label, found.n, found.estimate, found.ci_low, found.ci_high,
                                    found.se, label == current))
        series[code] = points
    return series


def complete_points(points):
    """The series without its trailing partial period(s)."""
    points = list(points)
    while points and points[-1].partial:
        points.pop()
    return points


#: A first period with fewer responses than this share of the series' median is taken
#: for one in which collection started (mid-month): it is not fitted.
THIN_START = 0.25


def without_thin_start(points):
    """The series without leading periods that hold a small fraction of a usual period's
    responses: a survey that started late in its first month gives that month a handful
    of answers and a very wide interval, which would drive the model's choice (a single
    response made "last value" win and widened the December interval to 65-100 %)."""
    points = list(points)
    counts = sorted(p.n for p in points)
    if not counts:
        return points
    usual = counts[len(counts) // 2]
    while len(points) > 1 and points[0].n < THIN_START * usual:
        points.pop(0)
    return points


def forecast_points(points, by="month", horizon=3):
    """The forecast from the complete periods of a series, ``horizon`` periods after the
    last complete one (so the current, partial period is the first one forecast); None
    when the complete periods have gaps (periods without an estimate). Leading periods in
    which collection only started are left out (``without_thin_start``)."""
    fitted = without_thin_start(complete_points(points))
    if any(p.estimate is None for p in fitted):
        return None
    return forecast([p.estimate for p in fitted], [p.se for p in fitted], horizon=horizon,
                    season=SEASON[by])


def last_complete_label(points):
    """The label the forecast starts after (None when no period is complete yet)."""
    fitted = complete_points(points)
    return fitted[-1].label if fitted else None


def forecast_reason(result):
    """Why ``result`` (a Forecast without a model) has no forecast, in the reader's language."""
    if result.reason_code == "too_short":
        return _("the series has %(n)d complete periods; a forecast needs at least %(need)d.",
                 n=result.series_points, need=MIN_POINTS)
    return _("no model could be fitted to this series.")


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
    for _step in range(count):
        year, index = (year + 1, 1) if index == per_year else (year, index + 1)
        labels.append(f"{year}-{index:02d}" if by == "month" else f"{year}-Q{index}")
    return labels


def steps_to_year_end(last_label, by, year):
    """How many periods after ``last_label`` the last period of ``year`` is (0 if past)."""
    last_year = int(last_label[:4])
    index = int(last_label[5:]) if by == "month" else int(last_label[-1])
    return max(0, (year - last_year) * SEASON[by] + SEASON[by] - index)
