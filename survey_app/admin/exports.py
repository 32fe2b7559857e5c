"""Staff downloads of responses (CSV streamed; XLSX, SPSS, Stata) and the codebook."""
import io
import os

from flask import Response, abort, request, send_file
from flask_babel import get_locale
from flask_login import current_user, login_required

from survey_app.admin import bp
from survey_app.admin.access import require_in_scope
from survey_app.extensions import db
from survey_app.models import Role, Unit
from survey_app.services import audit, export, instrument_store, sqlite_fixes
from survey_app.services.periods import parse_period
from survey_app.services.results import instruments_in_scope

#: Who may download raw responses (counter officers and viewers see results only).
EXPORTERS = frozenset({Role.ADMIN, Role.UNIT_MANAGER, Role.ANALYST})
MIMETYPES = {
    "csv": "text/csv", "codebook": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "sav": "application/x-spss-sav", "dta": "application/x-stata-dta",
}


@bp.route("/units/<int:unit_id>/export")
@login_required
def export_responses(unit_id):
    if current_user.role not in EXPORTERS:
        abort(403)
    unit = require_in_scope(db.session.get(Unit, unit_id))
    codes = instruments_in_scope(unit)
    code = request.args.get("instrument") or (codes[0] if codes else None)
    fmt = request.args.get("format", "csv")
    if code not in codes or fmt not in MIMETYPES:
        abort(404)
    try:
        period = parse_period(request.args["period"]) if request.args.get("period") else None
    except ValueError:
        abort(400)
    start, end = (period.start, period.end) if period else (None, None)
    instrument = instrument_store.current_version(code)[1]
    name = f"hailong-{unit.code}-{code}{'-' + period.label if period else ''}"
    if fmt == "codebook":
        record_download(unit, code, fmt)
        return Response(export.codebook_csv(instrument), mimetype=MIMETYPES[fmt], headers={
            "Content-Disposition": f'attachment; filename="{name}-codebook.csv"'})
    if fmt == "csv":
        pieces = export.stream_csv(unit.path, instrument, start, end)
        # The query runs and the first rows are read before anything is recorded: a query
        # that fails answers an error page and leaves no trace of a download in the log.
        first = next(pieces)
        record_download(unit, code, fmt)
        return Response(_send(first, pieces), mimetype=MIMETYPES[fmt],
                        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
    path, _count = export.temporary_export(unit.path, instrument, fmt, start, end)
    try:  # these formats are built whole anyway: read back, remove the file at once
        with open(path, "rb") as f:
            data = io.BytesIO(f.read())
    finally:
        os.unlink(path)
    record_download(unit, code, fmt)
    return send_file(data, mimetype=MIMETYPES[fmt], as_attachment=True,
                     download_name=f"{name}.{fmt}")


def record_download(unit, instrument_code, fmt):
    """Audit a download that is about to be sent, in a write transaction of its own.

    The export read in a transaction of its own first; ending it before writing lets
    SQLite wait for the write lock instead of failing on a stale read snapshot.
    """
    db.session.commit()
    sqlite_fixes.begin_write(db.session)
    audit.record(current_user, "responses.export", unit, instrument=instrument_code, format=fmt)
    db.session.commit()


def _send(first, pieces):
    """The first piece, then the rest; closing it (client gone) closes the export's query."""
    try:
        yield first
        yield from pieces
    finally:
        pieces.close()


@bp.route("/units/<int:unit_id>/report.<fmt>")
@login_required
def download_report(unit_id, fmt):
    from survey_app.services.reports import FORMATS, render
    from survey_app.services.reports import MIMETYPES as REPORT_TYPES

    unit = require_in_scope(db.session.get(Unit, unit_id))
    if fmt not in FORMATS:
        abort(404)
    try:
        period = parse_period(request.args.get("period", ""))
    except ValueError:
        abort(400)
    data = render(unit, period, fmt, str(get_locale() or "vi"))
    return send_file(io.BytesIO(data), mimetype=REPORT_TYPES[fmt], as_attachment=True,
                     download_name=f"bao-cao-{unit.code}-{period.label}.{fmt}")
