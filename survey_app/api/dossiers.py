"""``PUT /api/v1/dossier-counts``: dossiers returned per service point and month.

A service point's key writes its own point (``unit`` and ``service_point`` may be left
out); a unit's key writes any point of its subtree. Sending a month again replaces it.
Nothing is stored when a row is wrong; the answer names each bad row. See docs/api.md.
"""
from flask import current_app, g, jsonify, request
from flask_babel import gettext as _

from survey_app.api import bp
from survey_app.api.views import api_error, presented_key
from survey_app.extensions import db, limiter
from survey_app.services import dossiers

MAX_ROWS = 10_000


@bp.put("/dossier-counts")
@limiter.limit(lambda: current_app.config.get("API_RATE_LIMIT", "600 per minute"),
               key_func=lambda: "counts:" + presented_key()[:16])
def put_dossier_counts():
    body = request.get_json(silent=True)
    items = body.get("counts") if isinstance(body, dict) else None
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        return api_error(400, "invalid_json", _("The body must be a JSON object with a list "
                                                "'counts' of objects."))
    if len(items) > MAX_ROWS:
        return api_error(413, "too_many_rows", _("At most %(n)d rows per request.", n=MAX_ROWS))
    key = g.api_key
    scope = key.service_point or key.unit
    records = []
    for number, item in enumerate(items, start=1):
        record = dict(item)
        if key.service_point is not None:
            record.setdefault("unit", key.service_point.unit.code)
            record.setdefault("service_point", key.service_point.code)
        records.append((number, record))
    try:
        rows = dossiers.check_rows(records, scope)
    except dossiers.CountsRejected as rejected:
        return jsonify(error="invalid_rows", message=_("Nothing was stored: fix these rows."),
                       rows=[{"row": p.row, "column": p.column, "reason": p.code,
                              "message": dossiers.problem_message(p)}
                             for p in rejected.problems]), 400
    replaced, new = dossiers.store(rows, source=f"api key {key.prefix}")
    db.session.commit()
    return jsonify(stored=len(rows), months_replaced=replaced, months_new=new), 200
