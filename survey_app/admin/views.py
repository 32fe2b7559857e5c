"""Staff console views (thin: forms in, services do the work, one commit per write)."""
import functools
import secrets

import sqlalchemy as sa
from flask import (
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from survey_app.admin import bp
from survey_app.admin.access import manager_required, require_in_scope
from survey_app.admin.forms import ApiKeyForm, ConfirmForm, LoginForm, ServicePointForm, UnitForm
from survey_app.choices import choice_list
from survey_app.extensions import db, limiter
from survey_app.labels import reader_lang
from survey_app.models import ApiKey, Sector, ServicePoint, Unit, UnitKind, User
from survey_app.services import audit, lockout, org, qr


@functools.cache
def _dummy_hash():
    """Checked against when the username is unknown, so that every answer does the same
    work (the same method and cost as real hashes, whatever werkzeug's default becomes)."""
    return generate_password_hash(secrets.token_urlsafe(16))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("admin.list_units"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        user = db.session.scalar(sa.select(User).filter_by(username=form.username.data.strip()))
        right = check_password_hash(user.password_hash if user else _dummy_hash(),
                                    form.password.data)
        locked = user is not None and lockout.is_locked(user)
        if right and user.active and not locked:
            lockout.clear(user)
            db.session.commit()
            login_user(user)
            return redirect(url_for("admin.list_units"))
        if user is not None and not locked:
            lockout.failed(user)
            db.session.commit()
        # One answer for an unknown name, a wrong password and a locked account (whatever
        # the password): a different one would tell a guesser which accounts exist, or
        # that a guess made during the lock was right.
        flash(_("Wrong username or password. After %(n)d wrong passwords in a row an account "
                "is locked for %(minutes)d minutes; a manager can unlock it by setting a new "
                "password.", n=current_app.config["LOCKOUT_AFTER"],
                minutes=current_app.config["LOCKOUT_MINUTES"]), "error")
        status = 401
    elif request.method == "POST":
        status = 400
    return render_template("admin/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    current_user.end_sessions()  # a copy of this cookie must not outlive the logout
    db.session.commit()
    logout_user()
    return redirect(url_for("admin.login"))


@bp.route("/")
@login_required
def index():
    return redirect(url_for("admin.list_units"))


@bp.route("/units")
@login_required
def list_units():
    units = org.units_in_scope(current_user.unit)
    per_unit = org.subtree_response_counts(current_user.unit)
    root_depth = current_user.unit.depth
    return render_template("admin/units.html", units=units, per_unit=per_unit,
                           root_depth=root_depth)


def unit_form_choices(form, unit=None):
    candidates = [u for u in org.units_in_scope(current_user.unit)
                  if unit is None or not u.is_within(unit)]
    form.parent_id.choices = choice_list((u.id, f"{u.code} — {u.name(reader_lang())}")
                                        for u in candidates)
    if unit is not None and unit.id == current_user.unit.id:
        # One's own top unit cannot be moved out of one's scope.
        form.parent_id.choices = choice_list([(unit.parent_id or 0, "—")])


@bp.route("/units/new", methods=["GET", "POST"])
@manager_required
def create_unit():
    form = UnitForm()
    unit_form_choices(form)
    if form.validate_on_submit():
        parent = require_in_scope(db.session.get(Unit, form.parent_id.data))
        try:
            unit = org.create_unit(form.code.data.strip(), form.name_vi.data.strip(),
                                   form.kind.data, parent=parent,
                                   name_en=form.name_en.data or None)
        except IntegrityError:
            db.session.rollback()
            form.code.errors.append(_("This code is already used."))
        else:
            audit.record(current_user, "unit.create", unit, code=unit.code)
            db.session.commit()
            flash(_("Unit saved."), "ok")
            return redirect(url_for("admin.list_units"))
    return render_template("admin/form.html", form=form, title=_("New unit")), \
        400 if form.errors else 200


@bp.route("/units/<int:unit_id>/edit", methods=["GET", "POST"])
@manager_required
def edit_unit(unit_id):
    unit = require_in_scope(db.session.get(Unit, unit_id))
    form = UnitForm(obj=unit)
    unit_form_choices(form, unit)
    if request.method == "GET":
        form.parent_id.data = unit.parent_id or 0
    if form.validate_on_submit():
        unit.code, unit.name_vi = form.code.data.strip(), form.name_vi.data.strip()
        unit.name_en, unit.kind = form.name_en.data or None, UnitKind(form.kind.data)
        if unit.id != current_user.unit.id and form.parent_id.data != unit.parent_id:
            org.move_unit(unit, require_in_scope(db.session.get(Unit, form.parent_id.data)))
        try:
            db.session.flush()
        except IntegrityError:
            db.session.rollback()
            form.code.errors.append(_("This code is already used."))
        else:
            audit.record(current_user, "unit.update", unit, code=unit.code)
            db.session.commit()
            flash(_("Unit saved."), "ok")
            return redirect(url_for("admin.list_units"))
    return render_template("admin/form.html", form=form, title=unit.name_vi), \
        400 if form.errors else 200


@bp.route("/service-points")
@login_required
def list_service_points():
    points = org.service_points_in_scope(current_user.unit)
    counts = org.response_counts([p.id for p in points])
    return render_template("admin/service_points.html", points=points, counts=counts)


def point_form_choices(form):
    form.unit_id.choices = choice_list((u.id, f"{u.code} — {u.name(reader_lang())}")
                                       for u in org.units_in_scope(current_user.unit))


@bp.route("/service-points/new", methods=["GET", "POST"])
@manager_required
def create_service_point():
    form = ServicePointForm()
    point_form_choices(form)
    if request.method == "GET" and request.args.get("unit", type=int):
        form.unit_id.data = request.args.get("unit", type=int)
    if form.validate_on_submit():
        unit = require_in_scope(db.session.get(Unit, form.unit_id.data))
        try:
            point = org.create_service_point(unit, form.code.data.strip(),
                                             form.name_vi.data.strip(), form.sector.data,
                                             form.instrument_code.data,
                                             name_en=form.name_en.data or None)
        except IntegrityError:
            db.session.rollback()
            form.code.errors.append(_("This code is already used in this unit."))
        else:
            audit.record(current_user, "service_point.create", point, code=point.code)
            db.session.commit()
            return redirect(url_for("admin.show_service_point", point_id=point.id))
    return render_template("admin/form.html", form=form, title=_("New service point")), \
        400 if form.errors else 200


def point_in_scope(point_id):
    point = db.session.get(ServicePoint, point_id)
    if point is None:
        abort(404)
    require_in_scope(point.unit)
    return point


@bp.route("/service-points/<int:point_id>")
@login_required
def show_service_point(point_id):
    point = point_in_scope(point_id)
    token = point.current_token
    url = qr.survey_url(token.token) if token else None
    keys = db.session.scalars(sa.select(ApiKey).filter_by(service_point_id=point.id)).all()
    count = org.response_counts([point.id]).get(point.id, 0)
    return render_template("admin/service_point.html", point=point, url=url, keys=keys,
                           kiosk_url=qr.kiosk_url(token.token) if token else None,
                           count=count, confirm=ConfirmForm(), key_form=ApiKeyForm(),
                           qr_svg=qr.qr_svg(url) if url else None)


@bp.route("/service-points/<int:point_id>/edit", methods=["GET", "POST"])
@manager_required
def edit_service_point(point_id):
    point = point_in_scope(point_id)
    form = ServicePointForm(obj=point)
    point_form_choices(form)
    if form.validate_on_submit():
        unit = require_in_scope(db.session.get(Unit, form.unit_id.data))
        point.code, point.name_vi = form.code.data.strip(), form.name_vi.data.strip()
        point.name_en, point.sector = form.name_en.data or None, Sector(form.sector.data)
        point.instrument_code, point.unit = form.instrument_code.data, unit
        try:
            db.session.flush()
        except IntegrityError:
            db.session.rollback()
            form.code.errors.append(_("This code is already used in this unit."))
        else:
            audit.record(current_user, "service_point.update", point, code=point.code)
            db.session.commit()
            return redirect(url_for("admin.show_service_point", point_id=point.id))
    return render_template("admin/form.html", form=form, title=point.name_vi), \
        400 if form.errors else 200


@bp.post("/service-points/<int:point_id>/rotate")
@manager_required
def rotate_token(point_id):
    point = point_in_scope(point_id)
    ConfirmForm().validate_on_submit() or abort(400)
    org.rotate_token(point)
    audit.record(current_user, "service_point.rotate_token", point)
    db.session.commit()
    flash(_("A new QR code was made; the old one no longer works. Print the new poster."), "ok")
    return redirect(url_for("admin.show_service_point", point_id=point.id))


@bp.post("/service-points/<int:point_id>/revoke")
@manager_required
def revoke_token(point_id):
    point = point_in_scope(point_id)
    ConfirmForm().validate_on_submit() or abort(400)
    org.revoke_token(point)
    audit.record(current_user, "service_point.revoke_token", point)
    db.session.commit()
    flash(_("The QR code was revoked."), "ok")
    return redirect(url_for("admin.show_service_point", point_id=point.id))


@bp.route("/service-points/<int:point_id>/qr.<fmt>")
@login_required
def download_qr(point_id, fmt):
    point = point_in_scope(point_id)
    token = point.current_token or abort(404)
    url = qr.survey_url(token.token)
    if fmt == "svg":
        response = make_response(qr.qr_svg(url))
        response.mimetype = "image/svg+xml"
    elif fmt == "png":
        response = make_response(qr.qr_png(url))
        response.mimetype = "image/png"
    else:
        abort(404)
    response.headers["Content-Disposition"] = f'attachment; filename="qr-{point.code}.{fmt}"'
    return response


@bp.route("/units/<int:unit_id>/posters.pdf")
@login_required
def download_posters(unit_id):
    unit = require_in_scope(db.session.get(Unit, unit_id))
    posters = [qr.poster_for(p)
               for p in org.service_points_in_scope(unit) if p.active and p.current_token]
    if not posters:
        flash(_("This unit has no service point with a live QR code."), "error")
        return redirect(url_for("admin.list_units"))
    response = make_response(qr.posters_pdf(posters))
    response.mimetype = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="qr-{unit.code}.pdf"'
    return response
