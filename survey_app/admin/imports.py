"""Staff view: import responses from a file (upload -> preview -> confirm), undo an import.

Unit managers and analysts (and admins) import for the service points of their own
units; an import outside them answers 404. The upload is checked and kept as a preview
(nothing stored); the confirmation checks it again and stores it. A file with bad rows
is stored only when the user ticks "import the valid rows".
"""
import csv
import io
from datetime import UTC
from functools import wraps
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Response as HttpResponse
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired, FileSize
from wtforms import BooleanField, SelectField

from instruments.schema import PROFILE_QUESTIONS
from survey_app.admin import bp
from survey_app.admin.access import require_in_scope
from survey_app.extensions import csrf, db
from survey_app.labels import reader_lang
from survey_app.models import (
    ImportStatus,
    Instrument,
    ResponseImport,
    Role,
    ServicePoint,
    Unit,
)
from survey_app.services import (
    import_maps,
    instrument_store,
    org,
    response_import,
    sqlite_fixes,
)
from survey_app.services.spreadsheet import csv_row

#: Roles that may import responses (and undo their imports).
IMPORTING_ROLES = frozenset({Role.ADMIN, Role.UNIT_MANAGER, Role.ANALYST})
#: A year of a district's answers from Google Forms is a few MB; the app-wide request
#: limit (MAX_CONTENT_LENGTH, 2 MB) is raised for this upload only.
MAX_IMPORT_BYTES = 32 * 1024 * 1024
#: Problems listed on the page (all of them are in the CSV report).
SHOWN_PROBLEMS = 200
STATUSES = {
    ImportStatus.PREVIEW: _l("Checked, not imported yet"),
    ImportStatus.IMPORTED: _l("Imported"),
    ImportStatus.UNDONE: _l("Undone"),
    ImportStatus.DISCARDED: _l("Discarded"),
}
READY_MADE_LABELS = {
    "google-forms-sipas-counter": _l("Google Forms (CSV): counter form, sipas-counter"),
    "kobo-sipas-services": _l("KoboToolbox (XLSX): SIPAS services, sipas-services"),
}


def importer_required(view):
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if current_user.role not in IMPORTING_ROLES:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


class ImportUploadForm(FlaskForm):
    file = FileField(_l("File of responses (.csv or .xlsx)"), validators=[
        FileRequired(), FileAllowed(["csv", "xlsx"], _l("Choose a CSV or an Excel (.xlsx) file.")),
        FileSize(max_size=MAX_IMPORT_BYTES, message=_l("The file is larger than 32 MB."))])
    point_id = SelectField(_l("Service point where the answers were given"), coerce=int)
    instrument = SelectField(_l("Questionnaire"))
    mapping = SelectField(_l("Column mapping"))
    mapping_file = FileField(_l("Your own mapping (.yaml), if chosen above"), validators=[
        FileAllowed(["yaml", "yml"], _l("Choose a YAML file (.yaml)."))])


class ConfirmImportForm(FlaskForm):
    accept_bad_rows = BooleanField(_l("Import the valid rows and leave out the rows with "
                                      "problems"))


class UndoImportForm(FlaskForm):
    sure = BooleanField(_l("Yes, delete every response of this import"))


def points_in_scope():
    return list(org.service_points_in_scope(current_user.unit))


def imports_in_scope():
    return db.session.scalars(
        sa.select(ResponseImport).join(ServicePoint).join(Unit)
        .where(Unit.path.startswith(current_user.unit.path))
        .where(ResponseImport.status != ImportStatus.DISCARDED)
        .order_by(ResponseImport.id.desc()).limit(100)).all()


def fill_choices(form):
    lang = reader_lang()
    form.point_id.choices = [(p.id, f"{p.unit.name(lang)} · {p.name(lang)} ({p.unit.code}/{p.code})")
                             for p in points_in_scope()]
    codes = db.session.scalars(sa.select(Instrument.code).order_by(Instrument.code)).all()
    form.instrument.choices = [("", _("The service point's questionnaire"))] + [(c, c) for c in codes]
    mappings = [("auto", _("Guess from the column names"))]
    mappings += [(name, str(READY_MADE_LABELS.get(name, name))) for name in import_maps.ready_made()]
    mappings += [(f"import:{row.id}", _("As import %(id)d (%(file)s)", id=row.id, file=row.file_name))
                 for row in imports_in_scope() if row.status != ImportStatus.PREVIEW][:20]
    mappings.append(("upload", _("My mapping file (below)")))
    form.mapping.choices = mappings


def chosen_mapping(form):
    """The ColumnMap the form asks for, or None to guess; raises MappingError."""
    choice = form.mapping.data
    if choice == "auto":
        return None
    if choice == "upload":
        if not form.mapping_file.data:
            raise import_maps.MappingError([(import_maps.N_("Choose your mapping file."), {})])
        text = form.mapping_file.data.read().decode("utf-8", errors="replace")
        form.mapping_file.data.close()
        return import_maps.load_yaml(text, form.mapping_file.data.filename)
    if choice.startswith("import:"):
        row = db.session.get(ResponseImport, int(choice[7:]))
        if row is None or not row.service_point.unit.is_within(current_user.unit):
            abort(404)
        return import_maps.parse_mapping(row.mapping)
    return import_maps.ready_made()[choice]


def worded(message, params):
    return _(message, **params) if params else _(message)


def place(problem):
    if problem.row and problem.column:
        return _("Row %(row)d, column '%(column)s'", row=problem.row, column=problem.column)
    if problem.row:
        return _("Row %(row)d", row=problem.row)
    if problem.column:
        return _("File, column '%(column)s'", column=problem.column)
    return _("File")


@bp.route("/imports", methods=["GET", "POST"])
@csrf.exempt  # the form checks its own CSRF token, after the larger size limit is set
@importer_required
def list_imports():
    request.max_content_length = MAX_IMPORT_BYTES
    form = ImportUploadForm()
    fill_choices(form)
    problems, status = [], 200
    if request.method == "POST":
        if form.validate_on_submit():
            outcome = start_import(form)
            if isinstance(outcome, ResponseImport):
                return redirect(url_for("admin.show_import", import_id=outcome.id))
            problems, status = outcome, 400
        else:
            status = 400
    return render_template("admin/imports.html", form=form, problems=problems,
                           imports=imports_in_scope(), statuses=STATUSES), status


def start_import(form):
    """Check the upload and keep it as a preview: the ResponseImport, or problems."""
    point = require_in_scope_point(form.point_id.data)
    code = form.instrument.data or point.instrument_code
    current = instrument_store.current_version(code)
    if current is None:
        return [_("The questionnaire %(code)s is not loaded.", code=code)]
    try:
        mapping = chosen_mapping(form)
    except import_maps.MappingError as error:
        return [worded(message, params) for message, params in error.problems]
    upload = form.file.data
    content = upload.read()
    upload.close()  # a large upload is a temporary file: closed now, not by the garbage collector
    checked = outside_the_write_lock(
        lambda: response_import.check(content, upload.filename, current[1], mapping))
    import_row, _checked = response_import.start(
        point, current[0], current[1], content, upload.filename, mapping, user=current_user,
        checked=checked)
    db.session.commit()
    return import_row


def outside_the_write_lock(work):
    """Run ``work`` (reads only) outside the request's writing transaction, then start a
    writing one again. On SQLite a POST holds the database's write lock from its first
    query (``sqlite_fixes``); checking 50,000 rows takes seconds, during which citizens'
    answers would wait for the lock. The check's reads end before the write begins, so
    the write never upgrades a stale snapshot."""
    db.session.commit()
    try:
        return work()
    finally:
        db.session.rollback()
        sqlite_fixes.begin_write(db.session)


def require_in_scope_point(point_id):
    point = db.session.get(ServicePoint, point_id)
    if point is None:
        abort(404)
    require_in_scope(point.unit)
    return point


def import_in_scope(import_id):
    row = db.session.get(ResponseImport, import_id)
    if row is None or row.status == ImportStatus.DISCARDED:
        abort(404)
    require_in_scope(row.service_point.unit)
    return row


def mapping_lines(row):
    """(file column, question code, question wording) of the saved mapping."""
    instrument = response_import.instrument_of(row)
    lang = reader_lang()
    wording = {item.code: item.label(lang) for item in instrument.items}
    wording.update({name: PROFILE_QUESTIONS[name][lang] for name in instrument.profile})
    return [(column, target, wording.get(target, "")) for column, target in row.mapping["columns"].items()]


def local_dates(row):
    """The first and last answer's date in Vietnam's time, or None."""
    if row.first_answer_at is None:
        return None
    zone = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "Asia/Ho_Chi_Minh")
    return tuple(moment.replace(tzinfo=UTC).astimezone(zone).strftime("%Y-%m-%d %H:%M")
                 for moment in (row.first_answer_at, row.last_answer_at))


@bp.route("/imports/<int:import_id>")
@importer_required
def show_import(import_id):
    row = import_in_scope(import_id)
    mapping = row.mapping
    used = set(mapping["columns"]) | {mapping.get("source_id"),
                                      (mapping.get("submitted_at") or {}).get("column")}
    ignored = [c for c in row.file_columns or [] if c and c not in used]
    problems = [(place(p), worded(p.message, p.params))
                for p in response_import.stored_problems(row)[:SHOWN_PROBLEMS]]
    file_level = any(p.row == 0 for p in response_import.stored_problems(row))
    return render_template(
        "admin/import.html", row=row, mapping=mapping, lines=mapping_lines(row), ignored=ignored,
        problems=problems, more_problems=len(row.problems or []) > SHOWN_PROBLEMS,
        importable=not file_level and row.rows_valid > 0, statuses=STATUSES,
        dates=local_dates(row),
        confirm_form=ConfirmImportForm(), undo_form=UndoImportForm(), discard_form=FlaskForm())


@bp.route("/imports/<int:import_id>/confirm", methods=["POST"])
@importer_required
def confirm_import(import_id):
    row = import_in_scope(import_id)
    form = ConfirmImportForm()
    if not form.validate_on_submit():
        abort(400)
    if row.rows_invalid and not form.accept_bad_rows.data:
        flash(_("Some rows have problems: tick \"Import the valid rows\" to import the others, "
                "or correct the file and upload it again."), "error")
        return redirect(url_for("admin.show_import", import_id=row.id))
    checked = outside_the_write_lock(lambda: response_import.check(
        row.content, row.file_name, response_import.instrument_of(row),
        response_import.saved_mapping(row)))
    try:
        response_import.confirm(row, accept_bad_rows=form.accept_bad_rows.data, user=current_user,
                                checked=checked)
    except response_import.ImportRefused:
        db.session.rollback()
        row = import_in_scope(import_id)
        flash(_("Nothing was imported: the file or the data changed since the preview. Look at "
                "the counts again."), "error")
        return redirect(url_for("admin.show_import", import_id=row.id))
    db.session.commit()
    flash(_("%(n)d responses imported.", n=row.rows_stored), "ok")
    return redirect(url_for("admin.show_import", import_id=row.id))


@bp.route("/imports/<int:import_id>/undo", methods=["POST"])
@importer_required
def undo_import(import_id):
    row = import_in_scope(import_id)
    form = UndoImportForm()
    if not form.validate_on_submit():
        abort(400)
    if not form.sure.data:
        flash(_("Tick the box to confirm that every response of this import is deleted."), "error")
        return redirect(url_for("admin.show_import", import_id=row.id))
    try:
        deleted = response_import.undo(row, user=current_user)
    except response_import.ImportRefused:
        db.session.rollback()
        abort(409)
    db.session.commit()
    flash(_("Import undone: %(n)d responses deleted.", n=deleted), "ok")
    return redirect(url_for("admin.show_import", import_id=row.id))


@bp.route("/imports/<int:import_id>/discard", methods=["POST"])
@importer_required
def discard_import(import_id):
    row = import_in_scope(import_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    try:
        response_import.discard(row)
    except response_import.ImportRefused:
        db.session.rollback()
        abort(409)
    db.session.commit()
    flash(_("The preview was discarded; nothing was imported."), "ok")
    return redirect(url_for("admin.list_imports"))


@bp.route("/imports/<int:import_id>/problems.csv")
@importer_required
def download_import_problems(import_id):
    """Every problem of the file (not only those on the page), in the reader's language."""
    row = import_in_scope(import_id)
    problems = (response_import.all_problems(row) if row.content
                else response_import.stored_problems(row))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("Row"), _("Column"), _("Problem")])
    for problem in problems:
        writer.writerow(csv_row([problem.row or "", problem.column,
                                 worded(problem.message, problem.params)]))
    return HttpResponse("\ufeff" + out.getvalue(), mimetype="text/csv", headers={
        "Content-Disposition": f"attachment; filename=import-{row.id}-problems.csv"})


@bp.route("/imports/<int:import_id>/mapping.yaml")
@importer_required
def download_import_mapping(import_id):
    """The mapping, to edit and use again (here or with ``hailong import responses --map``)."""
    row = import_in_scope(import_id)
    text = response_import.saved_mapping(row).as_yaml()
    return HttpResponse(text, mimetype="application/yaml", headers={
        "Content-Disposition": f"attachment; filename=import-{row.id}-mapping.yaml"})
