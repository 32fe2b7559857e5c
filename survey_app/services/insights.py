"""Forecast, key drivers and what-if for a unit (the analyst's page)."""
from dataclasses import dataclass

from analysis.drivers import key_drivers, what_if
from analysis.forecast import forecast
from survey_app.services.analysis_inputs import analyze_scope, load_scope
from survey_app.services.periods import last_twelve_months, shifted
from survey_app.services.results import root_code


@dataclass(frozen=True)
class Insights:
    root: str
    history: list         # (label, estimate, low, high, se)
    forecast: object
    drivers: list
    drivers_problem: str | None
    analysis: object      # last 12 months, for what-if
    factors: list         # (code, name, estimate)


def unit_insights(unit, instrument_code, months=24, horizon=3):
    window = shifted(last_twelve_months(), -(months - 12), "window")
    data = load_scope(unit, instrument_code, window.start, last_twelve_months().end)
    if not len(data.weights):
        return None
    monthly = analyze_scope(data, by=("month",)).domains
    root = root_code(monthly[0])
    history = [(d.key[0], d.get(root).estimate, d.get(root).ci_low, d.get(root).ci_high,
                d.get(root).se) for d in monthly]
    complete = [h for h in history if h[1] is not None]
    result = forecast([h[1] for h in complete], [h[4] for h in complete], horizon=horizon) \
        if len(complete) == len(history) else None
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
    return Insights(root, history, result, drivers, problem, analysis, factors)


__all__ = ["Insights", "unit_insights", "what_if"]
