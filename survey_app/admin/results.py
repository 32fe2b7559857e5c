"""Staff view of a unit's results: indices with CIs, breakdowns, trend."""
from datetime import timedelta

from flask import abort, render_template, request
from flask_babel import gettext as _
from flask_login import login_required

from analysis.publication import enough_data
from survey_app.admin import bp
from survey_app.admin.access import require_in_scope
from survey_app.charts import caterpillar, index_bars, trend_band
from survey_app.extensions import db
from survey_app.labels import estimate_name, reader_lang
from survey_app.models import Unit
from survey_app.services import dashboard, quarantine
from survey_app.services.dossiers import response_rates
from survey_app.services.periods import Period, last_twelve_months, parse_period
from survey_app.services.results import (
    breakdown_names,
    instruments_in_scope,
    ordered,
    period_comparisons,
    root_code,
    unit_results,
    weighting_text,
)

BREAKDOWNS = ("unit", "service_point", "sector", "procedure", "channel", "verified",
              "respondent_type", "sex", "age_band")


def breakdown_label(by):
    return {
        "unit": _("Unit"), "service_point": _("Service point"), "sector": _("Sector"),
        "procedure": _("Procedure"),
        "channel": _("Channel"), "verified": _("Verified or open QR"),
        "respondent_type": _("Individual or organisation"), "sex": _("Sex"),
        "age_band": _("Age band"),
    }[by]


def trend_window(period, trend_by="month"):
    """12 months (or 3 years by quarter) ending with the period."""
    days = 3 * 365 if trend_by == "quarter" else 365
    start = min(period.start, (period.end - timedelta(days=days)).replace(day=1))
    return Period("trend", start, period.end)


@bp.route("/units/<int:unit_id>/results")
@login_required
def show_unit_results(unit_id):
    unit = require_in_scope(db.session.get(Unit, unit_id))
    codes = instruments_in_scope(unit)
    status, problem = 200, None
    code = request.args.get("instrument") or (codes[0] if codes else None)
    if codes and code not in codes:
        abort(404)
    try:
        period = parse_period(request.args["period"]) if request.args.get("period") \
            else last_twelve_months()
    except ValueError:
        period, status = last_twelve_months(), 400
        problem = _("The period must look like 2025, 2025-Q3, 2025-H1, 2025-9M or 2025-07.")
    by = request.args.get("by") if request.args.get("by") in BREAKDOWNS else None
    trend_by = "quarter" if request.args.get("trend") == "quarter" else "month"
    lang = reader_lang()
    results = unit_results(unit, code, period, by, trend_window(period, trend_by),
                           trend_by, lang) if code else None
    bars = trend = chart = None
    comparisons = period_comparisons(unit, code, period) if code else []
    ranked_by, ranked, target, rate = None, [], None, None
    if results and results.overall:
        ranked_by = dashboard.rank_by(unit, by)
        ranked_results = results if ranked_by == by else \
            unit_results(unit, code, period, ranked_by, None, trend_by, lang)
        ranked = dashboard.ranking(ranked_results, breakdown_names(
            unit, ranked_by, [d.key[0] for d in ranked_results.breakdown], lang))
        if len(ranked) > 1:
            chart = caterpillar(
                [(r.name, r.estimate, r.ci_low, r.ci_high, r.publishable,
                  f"{r.rank} ({r.rank_low}–{r.rank_high})" if r.rank else "–")
                 for r in ranked], _("Ranking with %(level)s%% confidence intervals", level=95))
        else:
            ranked = []
        target = dashboard.headline_target(unit, code)
        rate = dashboard.response_rate(unit, period)
    if results and results.overall:
        bars = index_bars([(estimate_name(e), e.estimate, e.ci_low, e.ci_high, enough_data(e))
                           for e in ordered(results.overall) if e.level != "respondent"],
                          _("Indices with %(level)s%% confidence intervals", level=95))
        root = root_code(results.overall)
        trend = trend_band([(d.key[0], d.get(root).estimate, d.get(root).ci_low,
                             d.get(root).ci_high) for d in results.trend],
                           _("Quarterly trend") if trend_by == "quarter" else _("Monthly trend"))
    held = quarantine.counts(unit, period.start, period.end)
    return render_template("admin/results.html", unit=unit, codes=codes, code=code, held=held,
                           period=period, by=by, results=results, bars=bars, trend=trend,
                           breakdowns=[(b, breakdown_label(b)) for b in BREAKDOWNS],
                           problem=problem, enough_data=enough_data, ordered=ordered,
                           comparisons=comparisons, trend_by=trend_by, caterpillar=chart,
                           ranking=ranked, ranked_by=ranked_by, target=target, rate=rate,
                           weighting=weighting_text(results.weighting) if results else "",
                           rates=response_rates(unit, period.start, period.end),
                           key_names=breakdown_names(unit, by, [d.key[0] for d in
                                                                results.breakdown], lang)
                           if results and by else {},
                           root=root_code(results.overall) if results and results.overall
                           else None), status
