"""Staff: API keys — for a service point (invitations) or a unit (read-only results)."""
import sqlalchemy as sa
from flask import abort, redirect, render_template, url_for
from flask_login import current_user

from survey_app.admin import bp
from survey_app.admin.access import manager_required, require_in_scope
from survey_app.admin.forms import ApiKeyForm, ConfirmForm
from survey_app.admin.views import point_in_scope
from survey_app.extensions import db
from survey_app.models import ApiKey, Unit
from survey_app.services import api_keys, audit, links


def page_of(row):
    """The console page where ``row`` is listed."""
    if row.unit_id is not None:
        return url_for("admin.list_unit_keys", unit_id=row.unit_id)
    return url_for("admin.show_service_point", point_id=row.service_point_id)


@bp.post("/service-points/<int:point_id>/api-keys")
@manager_required
def issue_api_key(point_id):
    point = point_in_scope(point_id)
    form = ApiKeyForm()
    if not form.validate_on_submit():
        abort(400)
    row, plain = api_keys.issue(point, label=form.label.data or None)
    audit.record(current_user, "api_key.issue", row, service_point=point.code)
    db.session.commit()
    return render_template("admin/api_key.html", plain=plain, back=page_of(row))


@bp.route("/units/<int:unit_id>/api-keys", methods=["GET", "POST"])
@manager_required
def list_unit_keys(unit_id):
    """Read-only keys of a unit: reporting tools read its results through /api/v1."""
    unit = require_in_scope(db.session.get(Unit, unit_id))
    form = ApiKeyForm()
    if form.validate_on_submit():
        row, plain = api_keys.issue(unit, label=form.label.data or None)
        audit.record(current_user, "api_key.issue", row, unit=unit.code)
        db.session.commit()
        return render_template("admin/api_key.html", plain=plain, back=page_of(row))
    keys = db.session.scalars(sa.select(ApiKey).filter_by(unit_id=unit.id)
                              .order_by(ApiKey.created_at.desc())).all()
    feed = f"{links.base_url()}/api/v1/feed/{unit.code}"
    return render_template("admin/unit_keys.html", unit=unit, keys=keys, key_form=form,
                           confirm=ConfirmForm(), feed=feed), 400 if form.errors else 200


@bp.post("/api-keys/<int:key_id>/revoke")
@manager_required
def revoke_api_key(key_id):
    row = db.session.get(ApiKey, key_id) or abort(404)
    if row.unit_id is not None:
        require_in_scope(row.unit)
    else:
        point_in_scope(row.service_point_id)
    ConfirmForm().validate_on_submit() or abort(400)
    api_keys.revoke(row)
    audit.record(current_user, "api_key.revoke", row)
    db.session.commit()
    return redirect(page_of(row))
