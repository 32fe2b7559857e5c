"""Forecast, key drivers and what-if for a unit (the analyst's page)."""
from dataclasses import dataclass

from analysis.drivers import key_drivers, what_if
from survey_app.services.analysis_inputs import analyze_scope, load_scope
from survey_app.services.periods import last_twelve_months
from survey_app.services.series import (
    forecast_points,
    future_labels,
    steps_to_year_end,
    unit_series,
)


@dataclass(frozen=True)
class Insights:
    root: str
    history: list         # series.Point of the chosen node, monthly or quarterly
    by: str
    nodes: list           # (code, name) of every node with a series
    forecast: object      # None when the series has gaps
    future: list          # labels of the forecast months
    drivers: list
    drivers_problem: str | None
    analysis: object      # last 12 months, for what-if
    factors: list         # (code, name, estimate)
    year_end: str = ""    # the last period of the year the forecast reaches ("2026-12")
    year_end_step: int = 0


def steps_to_a_year_end(last_label, by):
    """(label, steps) of the end of the current year, or of the next one from December."""
    year = int(last_label[:4])
    steps = steps_to_year_end(last_label, by, year)
    if steps == 0:
        year, steps = year + 1, steps_to_year_end(last_label, by, year + 1)
    return (f"{year}-12" if by == "month" else f"{year}-Q4"), steps


def unit_insights(unit, instrument_code, months=36, horizon=3, by="month", node=None):
    """Raises KeyError for a ``node`` the questionnaire does not have. The forecast goes at
    least ``horizon`` periods ahead and always to the end of the year (targets are yearly)."""
    series = unit_series(unit, instrument_code, by, months)
    if not series:
        return None
    root = node or next(iter(series))
    history = series[root]
    year_end, year_end_step = steps_to_a_year_end(history[-1].label, by)
    horizon = max(horizon, year_end_step)
    result = forecast_points(history, by, horizon)
    future = future_labels(history[-1].label, by, horizon)
    recent = load_scope(unit, instrument_code, last_twelve_months().start,
                        last_twelve_months().end)
    analysis = analyze_scope(recent) if len(recent.weights) else None
    factors = [(e.code, e.name, e.estimate) for e in analysis.domains[0].estimates
               if e.level == "factor"] if analysis else []
    drivers, problem = [], None
    try:
        drivers = key_drivers(recent.answers, recent.contrasts, recent.weights,
                              recent.attributes["service_point"],
                              performance={c: v for c, _, v in factors})
    except ValueError as exc:
        problem = str(exc)
    names = {e.code: e.name for e in analysis.domains[0].estimates} if analysis else {}
    nodes = [(code, names.get(code, code)) for code in series]
    return Insights(root, history, by, nodes, result, future, drivers, problem, analysis,
                    factors, year_end, year_end_step)


__all__ = ["Insights", "unit_insights", "what_if"]
