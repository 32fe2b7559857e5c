"""Forecast, key drivers and what-if for a unit (the analyst's page)."""
from dataclasses import dataclass

from flask_babel import gettext as _

from analysis.drivers import NotEstimable, drivers_from_grams, key_drivers, what_if
from survey_app import clock
from survey_app.labels import estimate_name
from survey_app.services.analysis_inputs import analyze_scope, load_scope
from survey_app.services.periods import last_twelve_months
from survey_app.services.series import (
    forecast_points,
    future_labels,
    last_complete_label,
    steps_to_year_end,
    unit_series,
)
from survey_app.services.tally_scope import TallyData


@dataclass(frozen=True)
class Insights:
    root: str
    history: list         # series.Point of the chosen node, monthly or quarterly
    by: str
    nodes: list           # (code, name) of every node with a series
    forecast: object      # None when the series has gaps
    future: list          # labels of the forecast months
    drivers: list
    drivers_problem: str | None  # why there are no drivers, in the reader's language
    analysis: object      # last 12 months, for what-if
    factors: list         # (code, name, estimate)
    year_end: str = ""    # the last period of the year the forecast reaches ("2026-12")
    year_end_step: int = 0
    drivers_basis: tuple = ()  # (complete answers, service point-days) behind the drivers

    @property
    def partial(self):
        """The history's periods still being collected (left out of the forecast's fit)."""
        return [p for p in self.history if p.partial]


def psu_days(data):
    """Service point x local calendar day of each response: the survey's PSU
    (METHODOLOGY §2b, the same as ``services.survey_design``)."""
    return data.psu_labels


def explain_drivers_problem(problem):
    """A ``NotEstimable`` in words for the page or the API (the request's language)."""
    p = problem.params
    if problem.code == "too_few_answers":
        return _("Key drivers need at least %(need)d responses that answer every factor and "
                 "the overall question; there are %(n)d. With fewer, a factor can look "
                 "important by chance.", need=p["need"], n=p["n"])
    if problem.code == "too_few_clusters":
        return _("Key drivers need answers from at least %(need)d different days at the "
                 "service points; these come from %(n)d. Answers given on the same day are "
                 "alike, so with fewer days the uncertainty cannot be measured.",
                 need=p["need"], n=p["clusters"])
    if problem.code == "no_variation":
        return _("Every respondent gave the same kind of answer to “%(name)s”, so its effect "
                 "cannot be told apart from the others.", name=p["name"])
    return _("This questionnaire has no overall satisfaction question, so there is nothing "
             "for key drivers to explain.")


def unit_drivers(data, factors):
    """(KeyDrivers, None) or (None, (reason code, explanation)) for a loaded scope (its
    tallies, or its responses when the tallies could not serve it).

    ``factors``: {factor code: its index} shown beside each driver."""
    try:
        if isinstance(data, TallyData):   # sums per PSU, no response read
            found = data.drivers()
            if found is None:
                raise NotEstimable("no_outcome", "the instrument has no 'overall' item",
                                   outcome="overall")
            return drivers_from_grams(*found, performance=factors), None
        return key_drivers(data.answers, data.contrasts, data.weights, psu_days(data),
                           strata=data.attributes["service_point"], performance=factors), None
    except NotEstimable as problem:
        return None, (problem.code, explain_drivers_problem(problem))


def steps_to_a_year_end(last_label, by):
    """(label, steps) of the end of the current year, or of the next one from December."""
    year = int(last_label[:4])
    steps = steps_to_year_end(last_label, by, year)
    if steps == 0:
        year, steps = year + 1, steps_to_year_end(last_label, by, year + 1)
    return (f"{year}-12" if by == "month" else f"{year}-Q4"), steps


def unit_insights(unit, instrument_code, months=36, horizon=3, by="month", node=None,
                  today=None):
    """Raises KeyError for a ``node`` the questionnaire does not have. The forecast starts
    after the last complete period (the current one is its first step), goes at least
    ``horizon`` periods ahead and always to the end of the year (targets are yearly)."""
    today = today or clock.today()
    series = unit_series(unit, instrument_code, by, months, today=today)
    if not series:
        return None
    root = node or next(iter(series))
    history = series[root]
    start = last_complete_label(history) or history[-1].label
    year_end, year_end_step = steps_to_a_year_end(start, by)
    horizon = max(horizon, year_end_step)
    result = forecast_points(history, by, horizon)
    future = future_labels(start, by, horizon)
    window = last_twelve_months(today)
    recent = load_scope(unit, instrument_code, window.start, window.end)
    analysis = analyze_scope(recent) if len(recent.weights) else None
    factors = [(e.code, e.name, e.estimate) for e in analysis.domains[0].estimates
               if e.level == "factor"] if analysis else []
    drivers, problem, basis = [], None, ()
    if len(recent.weights):
        found, trouble = unit_drivers(recent, {c: v for c, _, v in factors})
        if found is not None:
            drivers, basis = list(found.drivers), (found.n, found.clusters)
        else:
            problem = trouble[1]
    names = {e.code: estimate_name(e) for e in analysis.domains[0].estimates} \
        if analysis else {}
    nodes = [(code, names.get(code, code)) for code in series]
    return Insights(root, history, by, nodes, result, future, drivers, problem, analysis,
                    factors, year_end, year_end_step, basis)


__all__ = ["Insights", "unit_drivers", "unit_insights", "what_if"]
