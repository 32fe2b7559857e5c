"""Staff view: the questionnaires and their versions, as XLSForm downloads and uploads.

Units author forms in KoboToolbox or ODK (XLSForm); a workbook uploaded here becomes a
new version. A version citizens have answered keeps its wording (a new number is needed),
and someone whose units do not cover every service point asking a questionnaire may not
change it for the others.
"""
import io

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired, FileSize
from wtforms import BooleanField

from instruments import xlsform
from survey_app.admin import bp
from survey_app.admin.access import manager_required
from survey_app.extensions import db
from survey_app.services import audit, instrument_files
from survey_app.services.instrument_files import VersionHasResponses

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: A questionnaire workbook is a few dozen KB; a larger upload is not one.
MAX_UPLOAD = 1024 * 1024


SIZE_LIMIT = FileSize(max_size=MAX_UPLOAD, message=_l("The file is larger than 1 MB."))


class InstrumentUploadForm(FlaskForm):
    file = FileField(_l("XLSForm workbook (.xlsx)"), validators=[
        FileRequired(), FileAllowed(["xlsx"], _l("Choose an Excel workbook (.xlsx).")),
        SIZE_LIMIT])
    dry_run = BooleanField(_l("Only check the file; store nothing"))


def where(problem):
    """The place of a problem in the user's language."""
    if problem.sheet and problem.row and problem.column:
        return _("Sheet %(sheet)s, row %(row)d, column %(column)s",
                 sheet=problem.sheet, row=problem.row, column=problem.column)
    if problem.sheet and problem.row:
        return _("Sheet %(sheet)s, row %(row)d", sheet=problem.sheet, row=problem.row)
    if problem.sheet and problem.column:
        return _("Sheet %(sheet)s, column %(column)s", sheet=problem.sheet,
                 column=problem.column)
    if problem.sheet:
        return _("Sheet %(sheet)s", sheet=problem.sheet)
    return ""


def worded(problem):
    """(place, message) of an ``xlsform.Problem``, translated (templates marked in
    instruments/xlsform with N_)."""
    return where(problem), _(problem.message, **problem.params)


def stored_message(outcome, dry_run):
    inst, n = outcome.instrument, len(outcome.instrument.items)
    if dry_run:
        message = _("The file is valid: %(code)s version %(version)d, %(n)d questions. "
                    "Nothing was stored.", code=inst.id, version=inst.version, n=n)
    elif outcome.status == "new":
        message = _("Stored %(code)s version %(version)d (%(n)d questions).",
                    code=inst.id, version=inst.version, n=n)
    elif outcome.status == "updated":
        message = _("Replaced the wording of %(code)s version %(version)d; it had no "
                    "responses yet.", code=inst.id, version=inst.version)
    else:
        message = _("%(code)s version %(version)d is already stored with this wording; "
                    "nothing changed.", code=inst.id, version=inst.version)
    if outcome.newest > inst.version:
        message += " " + _("Version %(newest)d stays the one the service points ask.",
                           newest=outcome.newest)
    return message


def upload(form):
    """Check and store the uploaded workbook: (problems as (place, message), HTTP status)."""
    try:
        imported = xlsform.import_xlsform(form.file.data.read(), form.file.data.filename)
    except xlsform.XLSFormError as exc:
        return [worded(p) for p in exc.problems], 400
    code = imported.instrument.id
    if instrument_files.used_outside(code, current_user.unit):
        return [("", _("Service points outside your units ask %(code)s; an administrator "
                       "whose units cover them all must upload its new versions.",
                       code=code))], 403
    try:
        outcome = instrument_files.store_imported(imported, dry_run=form.dry_run.data)
    except VersionHasResponses as exc:
        db.session.rollback()
        return [(_("Sheet %(sheet)s, column %(column)s", sheet="settings", column="version"),
                 _("Version %(version)d of %(code)s already has responses and this file "
                   "changes its wording. Write a new number (for example %(next)d) and upload "
                   "it again.", version=exc.version, code=exc.code, next=exc.next_version))], 400
    for note in outcome.notes:
        flash(worded(note)[1], "ok")
    if form.dry_run.data:
        db.session.rollback()
    elif outcome.status != "unchanged":
        audit.record(current_user, "instrument.import", outcome.version, code=code,
                     version=outcome.instrument.version, status=outcome.status)
        db.session.commit()
    flash(stored_message(outcome, form.dry_run.data), "ok")
    return [], 302


@bp.route("/instruments", methods=["GET", "POST"])
@manager_required
def list_instruments():
    form = InstrumentUploadForm()
    problems, status = [], 200
    if request.method == "POST":
        if form.validate_on_submit():
            problems, status = upload(form)
            if status == 302:
                return redirect(url_for("admin.list_instruments"))
        else:
            status = 400
    return render_template("admin/instruments.html", form=form, problems=problems,
                           catalogue=instrument_files.catalogue()), status


@bp.route("/instruments/<code>/<int:version>.xlsx")
@manager_required
def download_instrument(code, version):
    row = instrument_files.stored_version(code, version)
    if row is None:
        abort(404)
    return send_file(io.BytesIO(instrument_files.workbook_of(row)), mimetype=XLSX,
                     as_attachment=True, download_name=f"{code}-v{version}.xlsx")
