"""Staff: the responses behind a figure — filtered, paginated, downloadable (CSV, XLSX)."""
import csv
import io

from flask import Response as HttpResponse
from flask import abort, render_template, request, send_file
from flask_babel import gettext as _
from flask_login import current_user, login_required

from survey_app.admin import bp
from survey_app.admin.access import require_in_scope
from survey_app.extensions import db
from survey_app.labels import reader_lang
from survey_app.models import Unit
from survey_app.services import audit, drilldown, instrument_store
from survey_app.services.periods import last_twelve_months, parse_period
from survey_app.services.results import instruments_in_scope
from survey_app.services.spreadsheet import csv_row, xlsx_row

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def filters_from_args():
    return {name: request.args.get(name, "").strip()[:120] for name in drilldown.FILTERS
            if request.args.get(name, "").strip()}


@bp.route("/units/<int:unit_id>/responses")
@login_required
def list_responses(unit_id):
    unit = require_in_scope(db.session.get(Unit, unit_id))
    codes = instruments_in_scope(unit)
    code = request.args.get("instrument") or (codes[0] if codes else None)
    if codes and code not in codes:
        abort(404)
    problem = None
    try:
        period = parse_period(request.args["period"]) if request.args.get("period") \
            else last_twelve_months()
    except ValueError:
        period = last_twelve_months()
        problem = _("The period must look like 2025, 2025-Q3, 2025-H1, 2025-9M or 2025-07.")
    filters = filters_from_args()
    lang = reader_lang()
    fmt = request.args.get("format")
    listing = None
    if code and problem is None:
        try:
            if fmt in ("csv", "xlsx"):
                return download(unit, code, period, filters, fmt, lang)
            listing = drilldown.listing(unit, code, period, filters,
                                        request.args.get("page", 1, type=int), lang)
        except drilldown.BadFilter as exc:
            problem = _("This filter value is not valid: %(name)s.", name=str(exc))
    items = [(i.code, i.label(lang)) for i in instrument_store.current_version(code)[1].items
             if i.type != "text"] if code else []
    args = {k: v for k, v in request.args.items() if k not in ("page", "format", "lang")}
    return render_template("admin/responses.html", unit=unit, codes=codes, code=code,
                           period=period, filters=filters, listing=listing, problem=problem,
                           items=items, args=args), 400 if problem else 200


def download(unit, code, period, filters, fmt, lang):
    if current_user.role.value not in ("admin", "unit_manager", "analyst"):
        abort(403)
    questions = [i for i in instrument_store.current_version(code)[1].items if i.type != "text"]
    header = [_("Date"), _("Unit"), _("Service point"), _("Channel"), _("Verified"),
              _("Procedure"), *[q.label(lang) for q in questions], _("Comment")]

    def cells(row):
        answers = {question: answer for question, answer, _low in row.answers}
        return [row.submitted_at.strftime("%Y-%m-%d %H:%M"), row.unit, row.point, row.channel,
                _("yes") if row.verified else _("no"), row.procedure or "",
                *[answers.get(q.label(lang), "") for q in questions], row.comment or ""]

    rows = drilldown.all_rows(unit, code, period, filters, lang)
    audit.record(current_user, "responses.list_download", unit, instrument=code, format=fmt,
                 filters=filters, period=period.label)
    db.session.commit()
    name = f"phieu-{unit.code}-{code}-{period.label}.{fmt}"
    if fmt == "csv":
        buffer = io.StringIO()
        buffer.write("\ufeff")
        writer = csv.writer(buffer)
        writer.writerow(csv_row(header))
        writer.writerows(csv_row(cells(row)) for row in rows)
        return HttpResponse(buffer.getvalue(), mimetype="text/csv", headers={
            "Content-Disposition": f'attachment; filename="{name}"'})
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Responses behind the figures")[:31])
    sheet.append(xlsx_row(sheet, header))
    for row in rows:
        sheet.append(xlsx_row(sheet, cells(row)))
    data = io.BytesIO()
    book.save(data)
    data.seek(0)
    return send_file(data, mimetype=XLSX, as_attachment=True, download_name=name)
