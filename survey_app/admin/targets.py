"""Staff view: official results, targets and where the unit stands (plans' appendices)."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired, FileSize
from wtforms import StringField
from wtforms.validators import Length, Optional

from survey_app.admin import bp
from survey_app.admin.access import require_in_scope
from survey_app.extensions import db
from survey_app.models import Unit
from survey_app.services import audit, official
from survey_app.services.targets import (
    explain_blank,
    nothing_mapped,
    table_rows,
    tables_of,
    target_table,
)


class UploadForm(FlaskForm):
    file = FileField(_l("Official results (CSV)"),
                     validators=[FileRequired(), FileSize(max_size=2 * 1024 * 1024)])
    place = StringField(_l("Place of this unit in the table (column 'place', e.g. Hà Nội)"),
                        validators=[Optional(), Length(max=200)])


def import_upload(unit, form):
    """Import the uploaded table for ``unit``; flash what happened; True when stored."""
    try:
        text = form.file.data.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        flash(_("The file was not imported: %(problem)s",
                problem=_("it is not UTF-8 text (save it as CSV UTF-8)")), "error")
        return False
    try:
        result = official.import_rows(official.parse(text), unit, form.place.data)
    except official.ImportProblem as problem:
        flash(_("The file was not imported: %(problem)s", problem=str(problem)), "error")
        return False
    audit.record(current_user, "official.import", unit, rows=result.stored,
                 place=result.place, skipped=result.skipped)
    db.session.commit()
    flash(_("%(n)d rows of %(place)s imported.", n=result.stored, place=result.place), "ok")
    if result.skipped:
        flash(_("%(n)d rows of other places were not imported: %(places)s.",
                n=sum(result.skipped.values()), places=", ".join(result.skipped)), "ok")
    return True


@bp.route("/units/<int:unit_id>/targets", methods=["GET", "POST"])
@login_required
def show_targets(unit_id):
    unit = require_in_scope(db.session.get(Unit, unit_id))
    form = UploadForm()
    status = 200
    if request.method == "POST":
        if not current_user.can_manage:
            abort(403)
        if form.validate_on_submit() and import_upload(unit, form):
            return redirect(url_for("admin.show_targets", unit_id=unit.id))
        status = 400
    elif current_user.can_manage:
        form.place.data = official.known_place(unit)
    tables = tables_of(unit)
    chosen = request.args.get("table", type=int, default=0)
    rows, warnings = [], []
    if tables:
        if not 0 <= chosen < len(tables):
            abort(404)
        index, place, year = tables[chosen]
        rows = table_rows(unit, index, place, year)
        warnings = official.check(official.stored_rows(unit, index, place, year))
    table = target_table(unit, rows)
    return render_template("admin/targets.html", unit=unit, form=form, tables=tables,
                           chosen=chosen, table=table, warnings=warnings,
                           explain_blank=explain_blank, unmapped=nothing_mapped(table)), status
