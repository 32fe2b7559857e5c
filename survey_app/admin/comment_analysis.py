"""Staff: the words behind the numbers — frequent terms, themes, and the theme list."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from survey_app.admin import bp
from survey_app.admin.access import require_in_scope
from survey_app.admin.forms import ConfirmForm
from survey_app.extensions import db
from survey_app.labels import reader_lang
from survey_app.models import CommentTheme, Unit
from survey_app.services import audit, comment_analysis
from survey_app.services.feedback import MODERATORS
from survey_app.services.periods import last_twelve_months, parse_period


class ThemeForm(FlaskForm):
    name = StringField(_l("Theme"), validators=[DataRequired(), Length(max=80)])
    keywords = TextAreaField(
        _l("Keywords"), validators=[DataRequired(), Length(max=2000)],
        description=_l("Words or phrases separated by commas; diacritics do not matter "
                       "(\"thái độ\" also finds \"thai do\"). Write \"+tốt\" to count "
                       "\"tốt\" only when not negated (not \"không tốt\")."))


@bp.route("/units/<int:unit_id>/comments/analysis")
@login_required
def show_comment_analysis(unit_id):
    unit = require_in_scope(db.session.get(Unit, unit_id))
    status, problem = 200, None
    try:
        period = parse_period(request.args["period"]) if request.args.get("period") \
            else last_twelve_months()
    except ValueError:
        period, status = last_twelve_months(), 400
        problem = _("The period must look like 2025, 2025-Q3, 2025-H1, 2025-9M or 2025-07.")
    result = comment_analysis.analyse(unit, period, reader_lang())
    return render_template("admin/comment_analysis.html", unit=unit, period=period,
                           result=result, problem=problem,
                           can_edit=current_user.role in MODERATORS), status


def editable(unit_id):
    if current_user.role not in MODERATORS:
        abort(403)
    return require_in_scope(db.session.get(Unit, unit_id))


@bp.route("/units/<int:unit_id>/comment-themes", methods=["GET", "POST"])
@login_required
def edit_comment_themes(unit_id):
    if request.method == "POST":
        editable(unit_id)  # the role first: 403 for a reader, as on every staff route
    unit = require_in_scope(db.session.get(Unit, unit_id))
    form = ThemeForm()
    if request.method == "POST":
        if form.validate_on_submit():
            clash = db.session.scalar(db.select(CommentTheme).filter_by(
                unit_id=unit.id, name=form.name.data.strip()))
            if clash is not None:
                form.name.errors.append(_("This unit already has a theme with this name."))
            else:
                theme = comment_analysis.save_theme(unit, form.name.data, form.keywords.data)
                db.session.flush()
                audit.record(current_user, "comment_theme.add", theme, name=theme.name)
                db.session.commit()
                flash(_("Theme saved."), "ok")
                return redirect(url_for("admin.edit_comment_themes", unit_id=unit.id))
    themes, source = comment_analysis.themes_for(unit)
    return render_template("admin/comment_themes.html", unit=unit, form=form, themes=themes,
                           source=source, confirm=ConfirmForm(),
                           own={t.name: t for t in db.session.scalars(
                               db.select(CommentTheme).filter_by(unit_id=unit.id))},
                           can_edit=current_user.role in MODERATORS), \
        400 if form.errors else 200


@bp.post("/units/<int:unit_id>/comment-themes/copy")
@login_required
def copy_comment_themes(unit_id):
    unit = editable(unit_id)
    ConfirmForm().validate_on_submit() or abort(400)
    if db.session.scalar(db.select(CommentTheme).filter_by(unit_id=unit.id)) is None:
        themes = comment_analysis.copy_defaults(unit)
        audit.record(current_user, "comment_theme.copy", unit, themes=len(themes))
        db.session.commit()
    return redirect(url_for("admin.edit_comment_themes", unit_id=unit.id))


@bp.route("/comment-themes/<int:theme_id>/edit", methods=["GET", "POST"])
@login_required
def edit_comment_theme(theme_id):
    theme = db.session.get(CommentTheme, theme_id)
    if theme is None:
        abort(404)
    unit = editable(theme.unit_id)
    form = ThemeForm(obj=theme)
    if form.validate_on_submit():
        clash = db.session.scalar(db.select(CommentTheme).filter(
            CommentTheme.unit_id == unit.id, CommentTheme.name == form.name.data.strip(),
            CommentTheme.id != theme.id))
        if clash is not None:
            form.name.errors.append(_("This unit already has a theme with this name."))
        else:
            comment_analysis.save_theme(unit, form.name.data, form.keywords.data, theme)
            audit.record(current_user, "comment_theme.edit", theme, name=theme.name)
            db.session.commit()
            flash(_("Theme saved."), "ok")
            return redirect(url_for("admin.edit_comment_themes", unit_id=unit.id))
    return render_template("admin/form.html", form=form, title=_("Theme")), \
        400 if form.errors else 200


@bp.post("/comment-themes/<int:theme_id>/delete")
@login_required
def delete_comment_theme(theme_id):
    theme = db.session.get(CommentTheme, theme_id)
    if theme is None:
        abort(404)
    unit = editable(theme.unit_id)
    ConfirmForm().validate_on_submit() or abort(400)
    audit.record(current_user, "comment_theme.delete", theme, name=theme.name)
    db.session.delete(theme)
    db.session.commit()
    flash(_("Theme deleted."), "ok")
    return redirect(url_for("admin.edit_comment_themes", unit_id=unit.id))
