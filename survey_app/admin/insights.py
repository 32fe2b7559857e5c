"""Staff: forecast, key drivers and what-if for a unit."""
from flask import abort, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from survey_app.admin import bp
from survey_app.admin.access import require_in_scope
from survey_app.charts import drivers_chart, trend_band
from survey_app.extensions import db
from survey_app.models import Unit
from survey_app.services.insights import unit_insights, what_if
from survey_app.services.results import instruments_in_scope
from survey_app.services.series import forecast_reason

MODEL_NAMES = {"ets": _l("exponential smoothing with a damped trend"),
               "ar1": _l("AR(1), reverting to the level"),
               "sarima": _l("seasonal ARIMA"),
               "naive": _l("last value")}


@bp.route("/units/<int:unit_id>/insights")
@login_required
def show_insights(unit_id):
    unit = require_in_scope(db.session.get(Unit, unit_id))
    codes = instruments_in_scope(unit)
    code = request.args.get("instrument") or (codes[0] if codes else None)
    if codes and code not in codes:
        abort(404)
    by = request.args.get("by", "month")
    if by not in ("month", "quarter"):
        abort(400)
    try:
        insights = unit_insights(unit, code, by=by, node=request.args.get("node") or None) \
            if code else None
    except KeyError:
        abort(404)
    scenario, status, what_if_problem = None, 200, None
    if insights and insights.analysis and request.args.get("factor"):
        factor = request.args["factor"]
        try:
            target = float(request.args.get("target", "").replace(",", "."))
            if not 0 <= target <= 100:
                raise ValueError
        except ValueError:
            status, what_if_problem = 400, _("Give a target between 0 and 100.")
        else:
            if factor not in {c for c, _name, _value in insights.factors}:
                status, what_if_problem = 400, _("Choose one of the factors in the list.")
            else:
                try:
                    scenario = what_if(insights.analysis, (), factor, target)
                except ValueError:   # no estimate for the factor or the total
                    status, what_if_problem = 400, _("There are not enough data for this "
                                                     "factor to compute the change.")
    chance = None
    if insights and insights.forecast is not None and insights.forecast.model \
            and request.args.get("goal"):
        try:
            goal = float(request.args["goal"].replace(",", "."))
            if not 0 <= goal <= 100:
                raise ValueError
            chance = (goal, insights.forecast.probability_at_least(
                goal, step=insights.year_end_step))
        except ValueError:
            status = 400
    trend = None
    if insights:
        points = [(h.label, h.estimate, h.ci_low, h.ci_high) for h in insights.history]
        f = insights.forecast
        future = list(zip(insights.future, f.mean, f.low, f.high,
                          strict=True)) if f is not None and f.model else []
        trend = trend_band(points, _("Monthly series and forecast") if by == "month"
                           else _("Quarterly series and forecast"), future,
                           partial=len(insights.partial), partial_note=_("incomplete"))
    return render_template("admin/insights.html", unit=unit, codes=codes, code=code,
                           model_names=MODEL_NAMES, forecast_reason=forecast_reason,
                           insights=insights, trend=trend, scenario=scenario, chance=chance,
                           what_if_problem=what_if_problem,
                           chart=drivers_chart(insights.drivers, _("Key drivers"),
                                               _("Performance (index)"),
                                               _("Importance (points)"))
                           if insights else None), status
