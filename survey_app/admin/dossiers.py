"""Staff upload of dossier counts (CSV): unit managers for their subtree, admins for all.

The same checks as the API and ``hailong import dossier-counts``: nothing is stored when a
row is wrong, and each bad row is named with its column and reason (in Vietnamese by
default).
"""
import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired, FileSize
from wtforms import BooleanField

from survey_app.admin import bp
from survey_app.admin.access import manager_required
from survey_app.extensions import db
from survey_app.models import DossierCount, ServicePoint, Unit
from survey_app.services import dossiers
from survey_app.services.cells import UnreadableRow

MAX_UPLOAD = 2 * 1024 * 1024


class DossierUploadForm(FlaskForm):
    file = FileField(_l("Dossier counts (.csv)"), validators=[
        FileRequired(), FileAllowed(["csv"], _l("Choose a CSV file (.csv).")),
        FileSize(max_size=MAX_UPLOAD, message=_l("The file is larger than 2 MB."))])
    dry_run = BooleanField(_l("Only check the file; store nothing"))


def upload(form):
    """(problems, status): check every row, store all or nothing."""
    try:
        text = form.file.data.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        return [_("The file is not UTF-8 text: save it as “CSV UTF-8”.")], 400
    try:
        rows = dossiers.check_rows(dossiers.read_csv_rows(text), current_user.unit)
    except UnreadableRow as problem:
        return [_("Row %(row)d: %(reason)s", row=problem.row, reason=problem.reason)], 400
    except dossiers.CountsRejected as rejected:
        return [dossiers.problem_message(p) for p in rejected.problems], 400
    months = len({(r.point.id, r.month) for r in rows})
    if form.dry_run.data:
        flash(_("The file is valid: %(rows)d rows for %(months)d service point-months. "
                "Nothing was stored.", rows=len(rows), months=months), "ok")
        return [], 302
    replaced, new = dossiers.store(rows, current_user, source="console")
    db.session.commit()
    flash(_("Stored %(rows)d rows: %(new)d new service point-months, %(replaced)d "
            "replaced.", rows=len(rows), new=new, replaced=replaced), "ok")
    return [], 302


def recent_counts(unit, limit=60):
    return db.session.execute(
        sa.select(Unit.code, ServicePoint.code, DossierCount.month,
                  DossierCount.procedure_code, DossierCount.count, DossierCount.updated_at)
        .join(ServicePoint, ServicePoint.id == DossierCount.service_point_id)
        .join(Unit, Unit.id == ServicePoint.unit_id)
        .where(Unit.path.startswith(unit.path))
        .order_by(DossierCount.month.desc(), Unit.code, ServicePoint.code,
                  DossierCount.procedure_code)
        .limit(limit)).all()


@bp.route("/dossier-counts", methods=["GET", "POST"])
@manager_required
def dossier_counts():
    form = DossierUploadForm()
    problems, status = [], 200
    if request.method == "POST":
        if form.validate_on_submit():
            problems, status = upload(form)
            if status == 302:
                return redirect(url_for("admin.dossier_counts"))
        else:
            status = 400
    return render_template("admin/dossier_counts.html", form=form, problems=problems,
                           counts=recent_counts(current_user.unit)), status
