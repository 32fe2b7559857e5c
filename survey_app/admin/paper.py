"""Paper questionnaires in the console: batches, the entry screen, reconciliation,
printable forms; and the assisted form on the counter's tablet.

Typists (``ENTRY_ROLES``) make batches and type forms; managers settle differences and
count a batch (its forms become responses only then). Everything is scoped to the
user's units (404 outside). The entry screen is the one console page that loads a
script (``static/paper_entry.js``: Enter moves to the next box); it works without it.
"""
from functools import wraps

import sqlalchemy as sa
from flask import (
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from survey_app.admin import bp
from survey_app.admin.access import manager_required, require_in_scope
from survey_app.admin.forms import ConfirmForm
from survey_app.admin.views import point_in_scope
from survey_app.choices import choice_list
from survey_app.clock import today
from survey_app.extensions import db
from survey_app.labels import reader_lang
from survey_app.models import PaperBatch
from survey_app.models.access import ENTRY_ROLES
from survey_app.security import allow_own_scripts
from survey_app.services import instrument_store, org, paper
from survey_app.services.paper_codes import BLANK_FIELD, fields
from survey_app.services.paper_pdf import MAX_PAGES, paper_forms_pdf
from survey_app.services.submit import SubmissionInvalid

PREFIX = "q_"  # entry boxes are named q_<field>, apart from the form's own fields


def entry_role_required(view):
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if current_user.role not in ENTRY_ROLES:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


class BatchForm(FlaskForm):
    point_id = SelectField(_l("Service point"), coerce=int)
    collected_on = DateField(_l("Day the forms were filled in"), validators=[DataRequired()])
    serial_first = IntegerField(_l("First serial number"),
                                validators=[DataRequired(), NumberRange(min=1, max=10**9)])
    serial_last = IntegerField(_l("Last serial number"),
                               validators=[DataRequired(), NumberRange(min=1, max=10**9)])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=200)])


class EntryForm(FlaskForm):
    serial = IntegerField(_l("Serial number"), validators=[DataRequired(),
                                                           NumberRange(min=1, max=10**9)])
    blank = BooleanField(_l("This form came back blank or was never handed out"))


def problem_words(problem):
    code, params = problem.code, problem.params
    words = {  # lambdas: only the message of this problem is formatted
        "range": lambda: _("The last serial number must not be smaller than the first."),
        "too_many": lambda: _("A batch holds at most %(n)d forms; make several batches.",
                              **params),
        "no_instrument": lambda: _("This service point's questionnaire is not loaded."),
        "overlap": lambda: _("These serial numbers overlap batch %(batch)s of this service "
                             "point.", **params),
        "counted": lambda: _("This batch is counted already; its forms can no longer change."),
        "serial": lambda: _("This batch holds serial numbers %(first)d to %(last)d.",
                            **params),
        "twice": lambda: _("Form %(serial)d was typed twice already, by two other people.",
                           **params),
        "typed_before": lambda: _("You typed form %(serial)d before. To correct it, open it "
                                  "from the batch's page; otherwise check the serial number.",
                                  **params),
        "invalid": lambda: _("Some boxes need a change: see the boxes marked in red."),
        "nothing_to_decide": lambda: _("The two typings of this field agree: nothing to "
                                       "decide."),
        "blank_first": lambda: _("First decide whether the form came back blank."),
        "code": lambda: _("Not a code of this question; use one of %(codes)s.", **params),
        "incomplete": lambda: _("The batch cannot be counted yet: %(missing)d forms still "
                                "need typing and %(to_reconcile)d need reconciling.", **params),
    }
    return words[code]()


def code_problem_words(problem, params):
    if problem == "missing":
        return _("Type a code (%(codes)s); 9 when the paper has no answer.",
                 codes=" ".join(params["codes"]))
    if problem == "too_long":
        return _("At most %(n)d characters.", n=params["n"])
    return _("Not a code of this question; use one of %(codes)s.",
             codes=" ".join(params["codes"]))


def batch_in_scope(batch_id):
    batch = db.session.get(PaperBatch, batch_id)
    if batch is None:
        abort(404)
    require_in_scope(batch.service_point.unit)
    return batch


@bp.route("/paper")
@entry_role_required
def list_paper_batches():
    points = org.service_points_in_scope(current_user.unit)
    ids = [p.id for p in points]
    batches = db.session.scalars(
        sa.select(PaperBatch).where(PaperBatch.service_point_id.in_(ids))
        .order_by(PaperBatch.collected_on.desc(), PaperBatch.id.desc())).all() if ids else []
    return render_template("admin/paper_batches.html", batches=batches)


@bp.route("/paper/new", methods=["GET", "POST"])
@entry_role_required
def create_paper_batch():
    form = BatchForm()
    points = [p for p in org.service_points_in_scope(current_user.unit) if p.active]
    form.point_id.choices = choice_list(
        (p.id, f"{p.unit.code} · {p.code} — {p.name(reader_lang())}") for p in points)
    if request.method == "GET":
        form.point_id.data = request.args.get("point", type=int)
        form.collected_on.data = today()
    if form.validate_on_submit():
        point = point_in_scope(form.point_id.data)
        try:
            batch = paper.create_batch(current_user, point, form.collected_on.data,
                                       form.serial_first.data, form.serial_last.data,
                                       note=form.note.data or None)
        except paper.PaperProblem as problem:
            form.serial_last.errors.append(problem_words(problem))
        else:
            db.session.commit()
            flash(_("Batch saved."), "ok")
            return redirect(url_for("admin.show_paper_batch", batch_id=batch.id))
    return render_template("admin/form.html", form=form, title=_("New batch of paper forms")), \
        400 if form.errors else 200


@bp.route("/paper/<int:batch_id>")
@entry_role_required
def show_paper_batch(batch_id):
    batch = batch_in_scope(batch_id)
    instrument = paper.instrument_of(batch)
    state = paper.progress(batch, instrument)
    by_name = {f.name: f for f in fields(instrument)}
    by_serial = {}
    for mismatch in state.mismatches:
        by_serial.setdefault(mismatch.serial, []).append(mismatch)
    return render_template("admin/paper_batch.html", batch=batch, instrument=instrument,
                           state=state, by_serial=by_serial, by_name=by_name,
                           blank_field=BLANK_FIELD, confirm=ConfirmForm(),
                           next_serial=paper.next_serial(batch, current_user),
                           serial_ranges=paper.serial_ranges)


def entry_codes():
    return {name[len(PREFIX):]: value for name, value in request.form.items()
            if name.startswith(PREFIX)}


@bp.route("/paper/<int:batch_id>/enter", methods=["GET", "POST"])
@entry_role_required
def enter_paper_form(batch_id):
    batch = batch_in_scope(batch_id)
    instrument = paper.instrument_of(batch)
    form = EntryForm()
    typed, problems, status, correcting = {}, {}, 200, None
    if request.method == "GET":
        serial = request.args.get("serial", type=int) or paper.next_serial(batch, current_user)
        form.serial.data = serial
        if serial is not None:
            own = paper.own_entry(batch, current_user, serial)
            if own is not None:  # correcting one's own typing: show what was typed
                typed, correcting = own.codes, serial
                form.blank.data = own.codes.get(BLANK_FIELD) == "1"
    elif form.validate_on_submit():
        typed = entry_codes()
        try:
            if (request.form.get("correcting") != str(form.serial.data)
                    and paper.own_entry(batch, current_user, form.serial.data) is not None):
                # a mistyped serial must not silently replace another form's typing
                raise paper.PaperProblem("typed_before", serial=form.serial.data)
            entry = paper.save_entry(batch, current_user, form.serial.data, typed,
                                     blank=form.blank.data)
        except paper.PaperProblem as problem:
            db.session.rollback()
            problems = {name: code_problem_words(*p)
                        for name, p in problem.params.get("problems", {}).items()}
            flash(problem_words(problem), "error")
            status = 400
        else:
            db.session.commit()
            flash(_("Form %(serial)d saved (typing %(n)d of 2).", serial=entry.serial,
                    n=entry.pass_no), "ok")
            return redirect(url_for("admin.enter_paper_form", batch_id=batch.id))
    else:
        typed, status = entry_codes(), 400
    allow_own_scripts()
    done = batch.counted_at is not None or form.serial.data is None
    layout = fields(instrument)
    focus = next((f.name for f in layout if f.name in problems),
                 next((f.name for f in layout if not f.is_text), None))
    return render_template("admin/paper_entry.html", batch=batch, instrument=instrument,
                           form=form, fields=layout, typed=typed, focus=focus,
                           problems=problems, prefix=PREFIX, done=done,
                           correcting=correcting or request.form.get("correcting"),
                           lang=reader_lang()), status


@bp.post("/paper/<int:batch_id>/reconcile/<int:serial>")
@manager_required
def reconcile_paper_form(batch_id, serial):
    batch = batch_in_scope(batch_id)
    ConfirmForm().validate_on_submit() or abort(400)
    picks = {name[len("pick_"):]: value for name, value in request.form.items()
             if name.startswith("pick_") and value}
    try:
        for name, pick in picks.items():
            paper.choose(batch, current_user, serial, name, pick,
                         request.form.get(PREFIX + name, ""))
    except paper.PaperProblem as problem:
        db.session.rollback()
        flash(_("Form %(serial)d: %(problem)s", serial=serial, problem=problem_words(problem)),
              "error")
    else:
        db.session.commit()
        flash(_("Form %(serial)d reconciled.", serial=serial), "ok")
    return redirect(url_for("admin.show_paper_batch", batch_id=batch.id) + "#mismatches")


@bp.post("/paper/<int:batch_id>/count")
@manager_required
def count_paper_batch(batch_id):
    batch = batch_in_scope(batch_id)
    ConfirmForm().validate_on_submit() or abort(400)
    try:
        stored = paper.count_batch(batch, current_user)
    except paper.PaperProblem as problem:
        db.session.rollback()
        flash(problem_words(problem), "error")
    except SubmissionInvalid as invalid:
        db.session.rollback()
        flash(_("A form does not fit the questionnaire (%(fields)s); correct it and count "
                "again.", fields=", ".join(sorted(invalid.errors))), "error")
    else:
        db.session.commit()
        flash(_("Batch counted: %(n)d responses added to the results.", n=stored), "ok")
    return redirect(url_for("admin.show_paper_batch", batch_id=batch.id))


def pdf_response(pdf, filename):
    response = make_response(pdf)
    response.mimetype = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def pdf_lang():
    return "en" if request.args.get("form_lang") == "en" else "vi"


@bp.route("/paper/<int:batch_id>/forms.pdf")
@entry_role_required
def paper_batch_pdf(batch_id):
    batch = batch_in_scope(batch_id)
    pdf = paper_forms_pdf(batch.service_point, paper.instrument_of(batch), batch.serials,
                          pdf_lang())
    return pdf_response(pdf, f"paper-{batch.service_point.code}-{batch.serial_first}-"
                             f"{batch.serial_last}.pdf")


@bp.route("/service-points/<int:point_id>/paper.pdf")
@login_required
def paper_forms_of_point(point_id):
    """Blank forms numbered ``first``..``last`` (default: 1 to 20) for a service point."""
    point = point_in_scope(point_id)
    first = request.args.get("first", default=1, type=int)
    last = request.args.get("last", default=first + 19, type=int)
    if first < 1 or last < first or last - first + 1 > MAX_PAGES:
        flash(_("Choose serial numbers from 1, at most %(n)d forms at a time.", n=MAX_PAGES),
              "error")
        return redirect(url_for("admin.show_service_point", point_id=point.id))
    current = instrument_store.current_version(point.instrument_code) or abort(404)
    pdf = paper_forms_pdf(point, current[1], range(first, last + 1), pdf_lang())
    return pdf_response(pdf, f"paper-{point.code}-{first}-{last}.pdf")
