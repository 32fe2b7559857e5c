"""``/api/v1/feed/<code>/…``: flat CSV and JSON tables that Excel and Power BI read directly.

Excel's "Data → From Web" and Power BI's "Get data → Web" cannot send a header in their
basic mode, so these endpoints, and only these, also take the read-only unit key as
``?key=hl_…`` (``views.presented_key``). A key in a URL is written to proxy logs and
browser history: issue a key for the feed alone and revoke it if it leaks (docs/feed.md).

Every table is flat (one row per estimate, point or response) so that it loads without
reshaping: JSON is a plain array of records, CSV is UTF-8 with a BOM (Excel then reads
the diacritics right) and numbers with a dot. Responses are anonymised: no id, no time
(only the month), no comment, no procedure, no dossier.
"""
import csv
import io
import json

from flask import Response, jsonify, request
from flask_babel import gettext as _

from survey_app import read_replica
from survey_app.api import bp
from survey_app.api.results import (
    BadParameter,
    choice_arg,
    chosen_instrument,
    chosen_series,
    read_limit,
    readable_unit,
)
from survey_app.extensions import db
from survey_app.services import export, instrument_store, tally
from survey_app.services.analysis_inputs import analyze_scope, load_scope
from survey_app.services.periods import last_twelve_months, parse_period
from survey_app.services.results import breakdown_names, estimate_json, ordered
from survey_app.services.spreadsheet import csv_row

FORMATS = ("csv", "json")
#: Breakdowns a results feed may be split by (one row per group and estimate).
BY = ("unit", "service_point", "sector", "channel", "verified", "procedure", "month", "quarter")
RESULT_COLUMNS = ("unit", "instrument", "period", "start", "end", "by", "group", "group_name",
                  "code", "level", "name", "estimate", "ci_low", "ci_high", "n", "n_valid",
                  "enough_data")
SERIES_COLUMNS = ("unit", "instrument", "by", "node", "period", "n", "estimate", "ci_low",
                  "ci_high", "se", "partial")
#: The columns of an export row (services.export) the anonymised feed keeps, by position.
KEPT = {"unit": 2, "service_point": 3, "sector": 4, "channel": 5, "verified": 6,
        "respondent_type": 7, "sex": 8, "age_band": 9, "weight": 10, "stratum": 11, "psu": 12}
FIRST_ITEM = 13


def feed_headers(fmt, name):
    headers = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
    if fmt == "csv":
        headers["Content-Disposition"] = f'inline; filename="{name}.csv"'
    return headers


def csv_text(columns, rows):
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(columns)
    writer.writerows(csv_row(["" if v is None else v for v in row]) for row in rows)
    return buffer.getvalue()


def table_reply(fmt, columns, rows, name):
    headers = feed_headers(fmt, name)
    if fmt == "json":
        reply = jsonify([dict(zip(columns, row, strict=True)) for row in rows])
        reply.headers.update(headers)
        return reply
    return Response(csv_text(columns, rows), mimetype="text/csv", headers=headers)


def chosen_period():
    try:
        return parse_period(request.args["period"]) if request.args.get("period") \
            else last_twelve_months()
    except ValueError:
        raise BadParameter("invalid_parameter", _("'period' must look like 2025, 2025-Q3, "
                                                  "2025-H1, 2025-9M or 2025-07.")) from None


def checked_format(fmt):
    if fmt not in FORMATS:
        raise BadParameter("not_found", _("Feeds are .csv or .json."))
    return fmt


@bp.get("/feed/<code>/results.<fmt>")
@read_limit
def feed_results(code, fmt):
    """Every index node (optionally by ``by``) for a period, with CIs: one row each."""
    fmt = checked_format(fmt)
    unit = readable_unit(code)
    instrument = chosen_instrument(unit)
    period = chosen_period()
    by = choice_arg("by", "", ("", *BY)) or None
    data = load_scope(unit, instrument, period.start, period.end)
    rows = []
    if len(data.weights):
        domains = analyze_scope(data, by=(by,) if by else ()).domains
        names = breakdown_names(unit, by, [d.key[0] for d in domains], "vi") \
            if by in ("unit", "service_point", "procedure", "sector", "channel", "verified") \
            else {}
        for domain in domains:
            group = domain.key[0] if by else ""
            for e in ordered(domain):
                shown = estimate_json(e, public=False)
                rows.append((unit.code, instrument, period.label,
                             period.start.date().isoformat(), period.last_day.isoformat(),
                             by or "", group, names.get(group, group), e.code, e.level,
                             shown["name"], shown.get("estimate"), shown.get("ci_low"),
                             shown.get("ci_high"), domain.n, e.n_valid, shown["enough_data"]))
    return table_reply(fmt, RESULT_COLUMNS, rows, f"results-{unit.code}-{period.label}")


@bp.get("/feed/<code>/series.<fmt>")
@read_limit
def feed_series(code, fmt):
    """Monthly or quarterly points of every index node: one row per node and period."""
    fmt = checked_format(fmt)
    unit = readable_unit(code)
    instrument, by, series = chosen_series(unit)
    rows = [(unit.code, instrument, by, node, p.label, p.n, p.estimate, p.ci_low, p.ci_high,
             p.se, p.partial) for node, points in series.items() for p in points]
    return table_reply(fmt, SERIES_COLUMNS, rows, f"series-{unit.code}-{by}")


def anonymised(row, item_count):
    """An export row without id, time (the month stays), comment and procedure."""
    kept = [row[i] for i in KEPT.values()]
    return [f"{row[1]:%Y-%m}", *kept, *row[FIRST_ITEM:FIRST_ITEM + item_count]]


@bp.get("/feed/<code>/responses.<fmt>")
@read_limit
def feed_responses(code, fmt):
    """Anonymised responses of a period (default: the last 12 months), one row each."""
    fmt = checked_format(fmt)
    unit = readable_unit(code)
    instrument_code = chosen_instrument(unit)
    period = chosen_period()
    instrument = instrument_store.current_version(instrument_code)[1]
    items = [item.code for item in export.item_columns(instrument)]
    columns = ["month", *KEPT, *items]
    headers = feed_headers(fmt, f"responses-{unit.code}-{period.label}")
    path = unit.path

    limit = tally.sync_limit()   # read in the request: the body is sent after it

    def pieces():
        tally.refresh(limit=limit)   # the design's cell sizes come from the tallies
        # a connection of the stream's own: the body is sent after the request's session
        with read_replica.engine_for_reads(db.engine).connect() as connection:
            rows = export.iter_rows(connection, path, instrument, period.start, period.end)
            buffer = io.StringIO()
            if fmt == "csv":
                buffer.write("\ufeff")
                writer = csv.writer(buffer)
                writer.writerow(columns)
            else:
                buffer.write("[")
            for count, row in enumerate(rows):
                values = anonymised(row, len(items))
                if fmt == "csv":
                    writer.writerow(csv_row(["" if v is None else v for v in values]))
                else:
                    buffer.write(("," if count else "") + json.dumps(
                        dict(zip(columns, values, strict=True)), ensure_ascii=False))
                if count % export.CHUNK == export.CHUNK - 1:
                    yield buffer.getvalue()
                    buffer.seek(0)
                    buffer.truncate()
            if fmt == "json":
                buffer.write("]")
            yield buffer.getvalue()

    return Response(pieces(), mimetype="text/csv" if fmt == "csv" else "application/json",
                    headers=headers)
