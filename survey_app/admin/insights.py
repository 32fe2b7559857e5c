"""Staff: forecast, key drivers and what-if for a unit."""
from flask import abort, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from markupsafe import Markup, escape

from survey_app.admin import bp
from survey_app.admin.access import require_in_scope
from survey_app.charts import trend_band
from survey_app.extensions import db
from survey_app.models import Unit
from survey_app.services.insights import unit_insights, what_if
from survey_app.services.results import instruments_in_scope
from survey_app.services.series import forecast_reason

MODEL_NAMES = {"ets": _l("exponential smoothing with a damped trend"),
               "ar1": _l("AR(1), reverting to the level"),
               "sarima": _l("seasonal ARIMA"),
               "naive": _l("last value")}


def drivers_chart(drivers, title):
    """Importance (points) against performance (index): fix the top-left first."""
    width, height, left, bottom = 640, 320, 50, 40
    known = [d for d in drivers if d.performance is not None]
    if not known:
        return None
    top = max(5.0, max(d.ci_high for d in known) + 2)
    floor = min(0.0, min(d.ci_low for d in known) - 2)
    low_perf = min(d.performance for d in known) - 5

    def x(p):
        return left + (width - left - 10) * (p - low_perf) / max(100 - low_perf, 1e-9)

    def y(i):
        return (height - bottom - 5) * (top - i) / (top - floor) + 5

    parts = [f'<svg viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" '
             f'xmlns="http://www.w3.org/2000/svg" class="chart" width="100%"><title>'
             f'{escape(title)}</title>',
             f'<line x1="{left}" y1="{y(0):.1f}" x2="{width}" y2="{y(0):.1f}" stroke="#999"/>'
             f'<text x="{left - 4}" y="{y(0) + 4:.1f}" font-size="10" text-anchor="end">0</text>',
             f'<line x1="{left}" y1="0" x2="{left}" y2="{height - bottom}" stroke="#999"/>',
             f'<text x="{width / 2}" y="{height - 8}" font-size="11" text-anchor="middle">'
             f'{escape(_("Performance (index)"))}</text>',
             f'<text x="12" y="{(height - bottom) / 2}" font-size="11" transform="rotate(-90 12 '
             f'{(height - bottom) / 2})" text-anchor="middle">{escape(_("Importance (points)"))}'
             '</text>']
    for d in known:
        parts.append(f'<line x1="{x(d.performance):.1f}" y1="{y(d.ci_low):.1f}" '
                     f'x2="{x(d.performance):.1f}" y2="{y(d.ci_high):.1f}" stroke="#0b5cad"/>'
                     f'<circle cx="{x(d.performance):.1f}" cy="{y(d.importance):.1f}" r="5" '
                     f'fill="#0b5cad"/><text x="{x(d.performance) + 8:.1f}" '
                     f'y="{y(d.importance) + 4:.1f}" font-size="11">{escape(d.name[:30])}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text part above went through escape()


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
    scenario, status = None, 200
    if insights and insights.analysis and request.args.get("factor"):
        try:
            target = float(request.args.get("target", "").replace(",", "."))
            if not 0 <= target <= 100:
                raise ValueError
            scenario = what_if(insights.analysis, (), request.args["factor"], target)
        except (ValueError, KeyError, StopIteration):
            status = 400
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
        points = [(h.label[2:], h.estimate, h.ci_low, h.ci_high) for h in insights.history]
        f = insights.forecast
        future = list(zip((label[2:] for label in insights.future), f.mean, f.low, f.high,
                          strict=True)) if f is not None and f.model else []
        trend = trend_band(points, _("Monthly series and forecast") if by == "month"
                           else _("Quarterly series and forecast"), future,
                           partial=len(insights.partial), partial_note=_("incomplete"))
    return render_template("admin/insights.html", unit=unit, codes=codes, code=code,
                           model_names=MODEL_NAMES, forecast_reason=forecast_reason,
                           insights=insights, trend=trend, scenario=scenario, chance=chance,
                           chart=drivers_chart(insights.drivers, _("Key drivers"))
                           if insights else None), status
