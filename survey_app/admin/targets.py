"""Staff view: official results, targets and where the unit stands (plans' appendices)."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired, FileSize

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


@bp.route("/units/<int:unit_id>/targets", methods=["GET", "POST"])
@login_required
def show_targets(unit_id):
    unit = require_in_scope(db.session.get(Unit, unit_id))
    form = UploadForm()
    status = 200
    if request.method == "POST":
        if not current_user.can_manage:
            abort(403)
        if form.validate_on_submit():
            try:
                rows = official.parse(form.file.data.read().decode("utf-8-sig"))
            except (official.ImportProblem, UnicodeDecodeError) as problem:
                flash(_("The file was not imported: %(problem)s", problem=str(problem)), "error")
                status = 400
            else:
                count = official.store(rows, unit)
                audit.record(current_user, "official.import", unit, rows=count)
                db.session.commit()
                flash(_("%(n)d rows imported.", n=count), "ok")
                return redirect(url_for("admin.show_targets", unit_id=unit.id))
        else:
            status = 400
    tables = tables_of(unit)
    chosen = request.args.get("table", type=int, default=0)
    rows, warnings = [], []
    if tables:
        if not 0 <= chosen < len(tables):
            abort(404)
        index, place, year = tables[chosen]
        rows = table_rows(unit, index, place, year)
        warnings = official.check(official.stored_rows(index, place, year))
    table = target_table(unit, rows)
    return render_template("admin/targets.html", unit=unit, form=form, tables=tables,
                           chosen=chosen, table=table, warnings=warnings,
                           explain_blank=explain_blank, unmapped=nothing_mapped(table)), status
