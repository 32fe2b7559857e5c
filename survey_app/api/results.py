"""``/api/v1/units/<code>/…``: results, series, forecasts and drivers (read-only unit keys).

A key issued for a unit reads that unit and every unit below it; other units answer 404,
as if they did not exist. Every number comes with its interval; see docs/api.md.
"""
import sqlalchemy as sa
from flask import current_app, g, jsonify, request
from flask_babel import gettext as _

from analysis.drivers import what_if
from survey_app import clock
from survey_app.api import bp
from survey_app.api.views import api_error, presented_key
from survey_app.extensions import db, limiter
from survey_app.models import Unit
from survey_app.services import dossiers
from survey_app.services.analysis_inputs import DOMAINS, analyze_scope, load_scope
from survey_app.services.insights import unit_drivers
from survey_app.services.official import INDICES
from survey_app.services.periods import last_twelve_months, parse_period
from survey_app.services.results import (
    estimate_json,
    instruments_in_scope,
    ordered,
    weighting_text,
)
from survey_app.services.series import (
    SEASON,
    forecast_json,
    forecast_points,
    last_complete_label,
    unit_series,
)
from survey_app.services.targets import table_rows, tables_of, target_json, target_table

#: Analyses are heavier than invitations: a lower limit per key.
read_limit = limiter.limit(lambda: current_app.config.get("API_READ_RATE_LIMIT", "120 per minute"),
                           key_func=lambda: "read:" + presented_key()[:16])


class BadParameter(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code, self.message = code, message


@bp.errorhandler(BadParameter)
def bad_parameter(problem):
    status = {"not_found": 404, "wrong_key": 403}.get(problem.code, 400)
    return api_error(status, problem.code, problem.message)


def number_arg(name, default, low, high, kind=int):
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = kind(raw)
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        raise BadParameter("invalid_parameter", _("'%(name)s' must be a number from %(low)s to "
                                                  "%(high)s.", name=name, low=low, high=high))
    return value


def choice_arg(name, default, choices):
    value = request.args.get(name) or default
    if value not in choices:
        raise BadParameter("invalid_parameter", _("'%(name)s' must be one of: %(choices)s.",
                                                  name=name, choices=", ".join(choices)))
    return value


def readable_unit(code):
    """The unit ``code`` if the presented key may read it."""
    scope = g.api_key.unit
    if scope is None:
        raise BadParameter("wrong_key", _("This key makes invitations; reading results needs "
                                          "a key issued for a unit."))
    unit = db.session.scalar(sa.select(Unit).filter_by(code=code))
    if unit is None or not unit.is_within(scope):
        raise BadParameter("not_found", _("No such unit for this key."))
    return unit


def chosen_instrument(unit):
    codes = instruments_in_scope(unit)
    if not codes:
        raise BadParameter("not_found", _("This unit has no service points yet."))
    return choice_arg("instrument", codes[0], codes)


def point_json(point):
    return {"period": point.label, "n": point.n, "estimate": point.estimate,
            "ci_low": point.ci_low, "ci_high": point.ci_high, "se": point.se,
            "partial": point.partial}


@bp.get("/units/<code>/results")
@read_limit
def unit_results_json(code):
    """Every index node for a period (default: the last 12 months), with CIs."""
    unit = readable_unit(code)
    instrument = chosen_instrument(unit)
    try:
        period = parse_period(request.args["period"]) if request.args.get("period") \
            else last_twelve_months()
    except ValueError:
        raise BadParameter("invalid_parameter", _("'period' must look like 2025, 2025-Q3, "
                                                  "2025-H1, 2025-9M or 2025-07.")) from None
    by = request.args.get("by") or None
    if by is not None:
        choice_arg("by", None, DOMAINS)
    data = load_scope(unit, instrument, period.start, period.end)
    overall = analyze_scope(data).domains[0] if len(data.weights) else None
    payload = {"unit": unit.code, "instrument": instrument, "period": period.label,
               "start": period.start.date().isoformat(), "end": period.last_day.isoformat(),
               "n": data.n,
               "weighting": weighting_json(data.weighting),
               "estimates": [estimate_json(e, public=False) for e in ordered(overall)]
               if overall else [],
               "response_rates": dossiers.response_rates(unit, period.start, period.end)}
    if by is not None:
        blocks = analyze_scope(data, by=(by,)).domains if len(data.weights) else ()
        payload["by"] = by
        payload["domains"] = [{"key": {by: d.key[0]}, "n": d.n,
                               "estimates": [estimate_json(e, public=False) for e in ordered(d)]}
                              for d in blocks]
    return jsonify(payload)


def weighting_json(weighting):
    """What weighting applies, as data and as the sentence the console shows."""
    if weighting is None:
        return None
    return {**weighting.to_dict(), "text": weighting_text(weighting)}


def chosen_series(unit):
    instrument = chosen_instrument(unit)
    by = choice_arg("by", "month", tuple(SEASON))
    months = number_arg("months", 36, 12, 120)
    return instrument, by, unit_series(unit, instrument, by, months)


@bp.get("/units/<code>/series")
@read_limit
def unit_series_json(code):
    """Monthly or quarterly points of every node (or of ``node``), with CIs."""
    unit = readable_unit(code)
    instrument, by, series = chosen_series(unit)
    if request.args.get("node"):
        node = choice_arg("node", None, tuple(series) or ("total",))
        series = {node: series[node]}
    return jsonify(unit=unit.code, instrument=instrument, by=by,
                   series={node: [point_json(p) for p in points]
                           for node, points in series.items()})


@bp.get("/units/<code>/forecast")
@read_limit
def unit_forecast_json(code):
    """The forecast of one node's series, its backtest accuracy and P(target met)."""
    unit = readable_unit(code)
    instrument, by, series = chosen_series(unit)
    horizon = number_arg("horizon", 3, 1, 24)
    target = number_arg("target", None, 0, 100, float)
    if not series:
        raise BadParameter("no_data", _("No responses for this unit and questionnaire."))
    node = choice_arg("node", next(iter(series)), tuple(series))
    points = series[node]
    result = forecast_points(points, by, horizon)
    if result is None:
        return api_error(422, "series_has_gaps", _("Some periods have no valid answers: the "
                                                   "series has gaps and is not forecast."))
    payload = forecast_json(result, last_complete_label(points), by)
    if target is not None:
        payload["target"] = target
        payload["probability_target_met"] = result.probability_at_least(target)
    return jsonify(unit=unit.code, instrument=instrument, node=node, by=by,
                   history=[point_json(p) for p in points], **payload)


@bp.get("/units/<code>/drivers")
@read_limit
def unit_drivers_json(code):
    """Key drivers of overall satisfaction (last 12 months); optional what-if."""
    unit = readable_unit(code)
    instrument = chosen_instrument(unit)
    target = number_arg("target", None, 0, 100, float)
    period = last_twelve_months(clock.today())
    data = load_scope(unit, instrument, period.start, period.end)
    if not len(data.weights):
        raise BadParameter("no_data", _("No responses for this unit and questionnaire."))
    analysis = analyze_scope(data)
    factors = {e.code: e.estimate for e in analysis.domains[0].estimates if e.level == "factor"}
    found, problem = unit_drivers(data, factors)
    if found is None:
        reason, message = problem
        return jsonify(error="not_estimable", reason=reason, message=message), 422
    payload = {"unit": unit.code, "instrument": instrument, "period": period.label,
               "n": found.n, "clusters": found.clusters, "df": found.df,
               "drivers": [{"code": d.code, "name": d.name, "importance": d.importance,
                            "se": d.se, "ci_low": d.ci_low, "ci_high": d.ci_high,
                            "performance": d.performance} for d in found.drivers]}
    if request.args.get("factor"):
        factor = choice_arg("factor", None, tuple(factors))
        if target is None:
            raise BadParameter("invalid_parameter", _("'target' is required with 'factor'."))
        scenario = what_if(analysis, (), factor, target)
        payload["what_if"] = {"factor": factor, "target": target,
                              "current_total": scenario.current_total, "total": scenario.total,
                              "se": scenario.se, "ci_low": scenario.ci_low,
                              "ci_high": scenario.ci_high}
    return jsonify(payload)


@bp.get("/units/<code>/targets")
@read_limit
def unit_targets_json(code):
    """An official table of the unit (default: the newest) with internal estimates, the
    nowcast of the next official value, the forecast to December and P(target met)."""
    unit = readable_unit(code)
    tables = tables_of(unit)
    wanted_index = request.args.get("index")
    wanted_year = number_arg("year", None, 1990, 2100)
    if wanted_index is not None:
        choice_arg("index", None, INDICES)
    chosen = [t for t in tables if (wanted_index is None or t[0] == wanted_index)
              and (wanted_year is None or t[2] == wanted_year)]
    if not chosen:
        raise BadParameter("not_found", _("No official results of that kind are attached to "
                                          "this unit."))
    index, place, year = chosen[0]
    rows = target_table(unit, table_rows(unit, index, place, year))
    return jsonify(unit=unit.code, index=index, place=place, year=year,
                   tables=[{"index": i, "place": p, "year": y} for i, p, y in tables],
                   rows=[target_json(t) for t in rows])
