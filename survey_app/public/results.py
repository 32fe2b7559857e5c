"""Public results of a unit: a page for its website and counter screen, a widget, JSON."""
import sqlalchemy as sa
from flask import abort, jsonify, render_template, request

import instruments
from analysis.publication import enough_data
from survey_app.extensions import db
from survey_app.models import Unit
from survey_app.public import bp
from survey_app.services.feedback import WIDGET_COMMENTS, published_comments
from survey_app.services.periods import last_twelve_months, parse_period
from survey_app.services.results import estimate_json, public_results, weighting_text


def unit_and_period(unit_code):
    unit = db.session.scalar(sa.select(Unit).where(Unit.code == unit_code))
    if unit is None:
        abort(404)
    try:
        period = parse_period(request.args["period"]) if request.args.get("period") \
            else last_twelve_months()
    except ValueError:
        abort(400)
    return unit, period


def sections(results):
    """Per instrument: its title, the root estimate and the nodes below it."""
    shown = []
    for result in results:
        title = instruments.get(result.instrument).title if result.instrument in \
            instruments.bundled() else {"vi": result.instrument, "en": result.instrument}
        nodes = [e for e in result.overall.estimates
                 if e.level not in ("item", "respondent")] if result.overall else []
        shown.append({"instrument": result.instrument, "title": title, "n": result.n,
                      "root": nodes[0] if nodes else None, "nodes": nodes[1:],
                      "weighting": weighting_text(result.weighting)})
    return shown


@bp.route("/p/<unit_code>")
def show_unit_results(unit_code):
    unit, period = unit_and_period(unit_code)
    return render_template("public/results.html", unit=unit, period=period,
                           sections=sections(public_results(unit, period)),
                           comments=published_comments(unit, period),
                           enough_data=enough_data)


@bp.route("/p/<unit_code>/widget")
def show_unit_widget(unit_code):
    unit, period = unit_and_period(unit_code)
    response = render_template("public/widget.html", unit=unit, period=period,
                               sections=sections(public_results(unit, period)),
                               comments=published_comments(unit, period, WIDGET_COMMENTS),
                               enough_data=enough_data)
    return response, 200, {"Content-Security-Policy": "frame-ancestors *"}


@bp.route("/p/<unit_code>.json")
def unit_results_json(unit_code):
    unit, period = unit_and_period(unit_code)
    payload = {
        "unit": {"code": unit.code, "name": unit.name_vi, "name_en": unit.name_en},
        "period": {"label": period.label, "start": period.start.date().isoformat(),
                   "end_exclusive": period.end.date().isoformat()},
        "rule": "estimates with fewer than 30 valid answers or a 95% CI wider than 20 points "
                "are not published (enough_data = false)",
        "results": [{"instrument": r.instrument, "responses": r.n,
                     "weighting": weighting_text(r.weighting),
                     "estimates": [estimate_json(e) for e in r.overall.estimates
                                   if e.level != "item"] if r.overall else []}
                    for r in public_results(unit, period)],
        "comments": [{"text": c.text, "date": c.date.isoformat(), "service_point": c.point_vi}
                     for c in published_comments(unit, period)],
    }
    response = jsonify(payload)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
