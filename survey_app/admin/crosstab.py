"""Staff: a two-way table of the main index (e.g. sector × age band), each cell with its
confidence interval and the publication rule."""
from flask import abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from analysis.publication import enough_data
from instruments.schema import PROFILE_FIELDS
from survey_app.admin import bp
from survey_app.admin.access import require_in_scope
from survey_app.admin.results import BREAKDOWNS, breakdown_label
from survey_app.extensions import db
from survey_app.formatting import whole
from survey_app.labels import reader_lang
from survey_app.models import Unit
from survey_app.services.analysis_inputs import analyze_scope, load_scope
from survey_app.services.periods import last_twelve_months, parse_period
from survey_app.services.results import breakdown_names, instruments_in_scope, root_code
from survey_app.services.tally_scope import PSU_DOMAINS, TallyData, row_limit

AXES = BREAKDOWNS + ("month", "quarter")


def axis_label(name):
    return {"month": _("Month"), "quarter": _("Quarter")}.get(name) or breakdown_label(name)


@bp.route("/units/<int:unit_id>/crosstab")
@login_required
def show_crosstab(unit_id):
    unit = require_in_scope(db.session.get(Unit, unit_id))
    codes = instruments_in_scope(unit)
    code = request.args.get("instrument") or (codes[0] if codes else None)
    if codes and code not in codes:
        abort(404)
    rows = request.args.get("rows") or "sector"
    cols = request.args.get("cols") or "age_band"
    problem = None
    if rows not in AXES or cols not in AXES or rows == cols:
        problem = _("Choose two different breakdowns.")
    try:
        period = parse_period(request.args["period"]) if request.args.get("period") \
            else last_twelve_months()
    except ValueError:
        period = last_twelve_months()
        problem = _("The period must look like 2025, 2025-Q3, 2025-H1, 2025-9M or 2025-07.")
    table = None
    lang = reader_lang()
    if code and problem is None:
        data = load_scope(unit, code, period.start, period.end, lang)
        problem = too_many_rows(data, rows, cols)
        if len(data.weights) and problem is None:
            table = cross(unit, data, rows, cols, lang)
    def link(row=None, col=None):
        """The responses behind a cell, a margin or the total."""
        extra = {}
        for axis, key in ((rows, row), (cols, col)):
            if key is not None:
                extra["point" if axis == "service_point" else axis] = key
        return url_for("admin.list_responses", unit_id=unit.id, instrument=code,
                       period=request.args.get("period") or None, **extra)

    return render_template("admin/crosstab.html", unit=unit, codes=codes, code=code, link=link,
                           period=period, rows=rows, cols=cols, table=table, problem=problem,
                           axes=[(a, axis_label(a)) for a in AXES], axis_label=axis_label,
                           enough_data=enough_data), 400 if problem else 200


def too_many_rows(data, rows, cols):
    """Why a table of two attributes that vary within a day is not computed for this
    scope (it would read more than ``ROW_READ_LIMIT`` responses), or None."""
    limit = row_limit()
    if not isinstance(data, TallyData) or rows in PSU_DOMAINS or cols in PSU_DOMAINS \
            or data.n <= limit:
        return None
    return _("A table of %(rows)s by %(cols)s is computed from every single response, and "
             "this unit and period hold %(n)s responses (at most %(limit)s). Choose a "
             "smaller unit or a shorter period, or cross one of the two with unit, service "
             "point, sector, month or quarter.", rows=axis_label(rows), cols=axis_label(cols),
             n=whole(data.n), limit=whole(limit))


def names_for(unit, axis, keys, lang):
    if axis in ("month", "quarter"):
        return {k: k for k in keys}
    return breakdown_names(unit, axis, keys, lang)


def ordered_keys(axis, keys):
    """Profile answers in questionnaire order ("not answered" last), others sorted."""
    if axis in PROFILE_FIELDS:
        order = [code for code, _words in PROFILE_FIELDS[axis]] + ["—"]
        return sorted(keys, key=lambda k: (order.index(k) if k in order else len(order), k))
    return sorted(keys)


def cross(unit, data, rows, cols, lang):
    """{"root": name, "rows": [(key, name)], "cols": [...], "cells": {(r, c): (estimate, n)},
    "margins": {...}} from one design, the cells as domains of it."""
    both = analyze_scope(data, by=(rows, cols))
    root = root_code(both.domains[0])
    cells = {d.key: (d.get(root), d.n) for d in both.domains}
    row_totals = {d.key[0]: (d.get(root), d.n) for d in analyze_scope(data, by=(rows,)).domains}
    col_totals = {d.key[0]: (d.get(root), d.n) for d in analyze_scope(data, by=(cols,)).domains}
    row_keys, col_keys = ordered_keys(rows, row_totals), ordered_keys(cols, col_totals)
    row_names = names_for(unit, rows, row_keys, lang)
    col_names = names_for(unit, cols, col_keys, lang)
    overall = analyze_scope(data).domains[0]
    return {"root": overall.get(root), "rows": [(k, row_names[k]) for k in row_keys],
            "cols": [(k, col_names[k]) for k in col_keys], "cells": cells,
            "row_totals": row_totals, "col_totals": col_totals,
            "total": (overall.get(root), data.n)}
