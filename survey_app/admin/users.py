"""Staff accounts: list, create, (de)activate, reset passwords; own password; audit log."""
import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user
from flask_wtf import FlaskForm
from werkzeug.security import check_password_hash, generate_password_hash
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional, Regexp, ValidationError

from survey_app.admin import bp
from survey_app.admin.access import in_scope, manager_required, require_in_scope
from survey_app.admin.forms import ConfirmForm
from survey_app.choices import choice_list
from survey_app.extensions import db
from survey_app.labels import choices
from survey_app.models import AuditLog, Role, Unit, User
from survey_app.services import audit, lockout, org

MIN_PASSWORD = 10


def strong_password(form, field):
    username = getattr(form, "username", None)
    name = username.data if username is not None else current_user.username
    if field.data and name and field.data.strip().lower() == name.strip().lower():
        raise ValidationError(_l("The password must not be the username."))


PASSWORD = [DataRequired(), Length(min=MIN_PASSWORD, max=200,
                                   message=_l("Use at least 10 characters.")), strong_password]


class UserForm(FlaskForm):
    username = StringField(_l("Username"), validators=[
        DataRequired(), Length(max=80),
        Regexp(r"^[A-Za-z0-9._-]+$", message=_l("Use letters, digits, '.', '_' or '-' only."))])
    full_name = StringField(_l("Full name"), validators=[Optional(), Length(max=200)])
    role = SelectField(_l("Role"))
    unit_id = SelectField(_l("Unit"), coerce=int)
    password = PasswordField(_l("Password"), validators=PASSWORD)


class PasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired()])
    password = PasswordField(_l("New password"), validators=PASSWORD)
    again = PasswordField(_l("New password again"), validators=[
        DataRequired(), EqualTo("password", message=_l("The two passwords differ."))])


class ResetForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=PASSWORD)


def roles_for(user):
    """Roles ``user`` may give: an admin any; a unit manager any but admin."""
    return [r for r in Role if user.role == Role.ADMIN or r != Role.ADMIN]


def user_in_scope(user_id):
    user = db.session.get(User, user_id)
    if user is None or not in_scope(user.unit):
        abort(404)
    if user.role == Role.ADMIN and current_user.role != Role.ADMIN:
        abort(403)
    return user


@bp.route("/users", methods=["GET", "POST"])
@manager_required
def list_users():
    form = UserForm()
    form.role.choices = choice_list(choices("role", roles_for(current_user)))
    form.unit_id.choices = choice_list((u.id, f"{u.code} — {u.name_vi}")
                                       for u in org.units_in_scope(current_user.unit))
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            unit = require_in_scope(db.session.get(Unit, form.unit_id.data))
            taken = db.session.scalar(sa.select(User).filter_by(username=form.username.data))
            if taken is None:
                user = User(username=form.username.data, full_name=form.full_name.data or None,
                            role=Role(form.role.data), unit=unit,
                            password_hash=generate_password_hash(form.password.data))
                db.session.add(user)
                db.session.flush()
                audit.record(current_user, "user.create", user, role=user.role.value)
                db.session.commit()
                flash(_("User created."), "ok")
                return redirect(url_for("admin.list_users"))
            form.username.errors.append(_("This username is taken."))
        status = 400
    users = db.session.scalars(sa.select(User).join(Unit, Unit.id == User.unit_id)
                               .where(Unit.path.startswith(current_user.unit.path))
                               .order_by(User.username)).all()
    return render_template("admin/users.html", users=users, form=form,
                           confirm=ConfirmForm()), status


@bp.post("/users/<int:user_id>/active")
@manager_required
def toggle_user(user_id):
    user = user_in_scope(user_id)
    ConfirmForm().validate_on_submit() or abort(400)
    if user.id == current_user.id:
        abort(400)
    user.active = not user.active
    user.end_sessions()
    audit.record(current_user, "user.activate" if user.active else "user.deactivate", user)
    db.session.commit()
    return redirect(url_for("admin.list_users"))


@bp.route("/users/<int:user_id>/password", methods=["GET", "POST"])
@manager_required
def reset_password(user_id):
    user = user_in_scope(user_id)
    form = ResetForm()
    if form.validate_on_submit():
        user.password_hash = generate_password_hash(form.password.data)
        lockout.clear(user)
        user.end_sessions()  # whoever used the old password is signed out everywhere
        audit.record(current_user, "user.reset_password", user)
        db.session.commit()
        flash(_("Password changed."), "ok")
        return redirect(url_for("admin.list_users"))
    return render_template("admin/form.html", form=form,
                           title=_("New password for %(name)s", name=user.username)), \
        400 if form.errors else 200


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = PasswordForm()
    if form.validate_on_submit():
        if not check_password_hash(current_user.password_hash, form.current.data):
            form.current.errors.append(_("The current password is wrong."))
        else:
            current_user.password_hash = generate_password_hash(form.password.data)
            current_user.end_sessions()  # the other sessions end; this one goes on below
            audit.record(current_user, "user.change_password", current_user)
            db.session.commit()
            login_user(current_user._get_current_object())
            flash(_("Password changed."), "ok")
            return redirect(url_for("admin.list_units"))
    return render_template("admin/form.html", form=form, title=_("Change my password")), \
        400 if form.errors else 200


@bp.route("/audit")
@manager_required
def list_audit():
    entries = db.session.execute(
        sa.select(AuditLog, User.username).outerjoin(User, User.id == AuditLog.user_id)
        .outerjoin(Unit, Unit.id == User.unit_id)
        # the scheduled jobs' entries (retention) have no user: administrators see them
        .where(sa.or_(Unit.path.startswith(current_user.unit.path),
                      sa.and_(AuditLog.user_id.is_(None),
                              sa.true() if current_user.role == Role.ADMIN else sa.false())))
        .order_by(AuditLog.at.desc()).limit(300)
    ).all()
    return render_template("admin/audit.html", entries=entries)
