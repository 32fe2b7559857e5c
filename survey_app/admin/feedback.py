"""Staff: comments (moderation), negative answers and feedback cases."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from survey_app import clock
from survey_app.admin import bp
from survey_app.admin.access import in_scope
from survey_app.admin.forms import ConfirmForm
from survey_app.choices import choice_list
from survey_app.extensions import db
from survey_app.labels import choices
from survey_app.models import Comment, FeedbackCase, Response
from survey_app.services import audit, feedback
from survey_app.services.feedback import CASE_HANDLERS, MODERATORS

ACTIONS = ("publish", "hide", "abusive", "mask")


class CaseForm(FlaskForm):
    status = SelectField(_l("Status"), choices=choice_list(choices("case_status")))
    owner_id = SelectField(_l("Owner"), coerce=int)
    deadline = DateField(_l("Deadline"), validators=[DataRequired()])
    reply = TextAreaField(_l("Reply to the citizen"), validators=[Optional(), Length(max=4000)])

    def __init__(self, *args, kept_deadline=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.kept_deadline = kept_deadline

    def validate_deadline(self, field):
        # A case already overdue keeps its missed deadline on record while it is answered;
        # a deadline set now must be today or later.
        today = clock.today()
        if field.data < today and field.data != self.kept_deadline:
            raise ValidationError(_("The deadline cannot be before today (%(today)s).",
                                    today=today.strftime("%d/%m/%Y")))


def require(roles):
    if current_user.role not in roles:
        abort(403)


STATUSES = ("new", "published", "hidden", "abusive")


def listing_args():
    """The comments list's filter and page, as given (bad values dropped), for links back."""
    status = request.args.get("status") or None
    return {"status": status if status in STATUSES else None,
            "page": request.args.get("page", type=int)}


@bp.route("/comments")
@login_required
def list_comments():
    status = request.args.get("status") or None
    if status and status not in STATUSES:
        abort(404)
    listing = feedback.comments_page(current_user.unit, status,
                                     request.args.get("page", 1, type=int))
    return render_template("admin/comments.html", status=status, confirm=ConfirmForm(),
                           listing=listing, statuses=STATUSES,
                           negative=feedback.negative_responses(current_user.unit, 50),
                           mask=feedback.mask_personal, can_moderate=current_user.role in MODERATORS,
                           can_handle=current_user.role in CASE_HANDLERS)


@bp.post("/comments/<int:comment_id>/<action>")
@login_required
def moderate_comment(comment_id, action):
    require(MODERATORS)
    comment = db.session.get(Comment, comment_id)
    if comment is None or action not in ACTIONS or not in_scope(comment.response.service_point.unit):
        abort(404)
    ConfirmForm().validate_on_submit() or abort(400)
    feedback.moderate(comment, action)
    audit.record(current_user, f"comment.{action}", comment)
    db.session.commit()
    flash(_("Comment updated."), "ok")
    return redirect(url_for("admin.list_comments", **listing_args()))


@bp.post("/responses/<int:response_id>/case")
@login_required
def open_case(response_id):
    require(CASE_HANDLERS)
    response = db.session.get(Response, response_id)
    if response is None or not in_scope(response.service_point.unit):
        abort(404)
    ConfirmForm().validate_on_submit() or abort(400)
    case, created = feedback.open_case(response, current_user)
    if created:
        audit.record(current_user, "case.open", case, response=response.id)
    db.session.commit()
    return redirect(url_for("admin.edit_case", case_id=case.id))


@bp.route("/cases")
@login_required
def list_cases():
    cases = feedback.cases_in_scope(current_user.unit, request.args.get("open") == "1")
    return render_template("admin/cases.html", cases=cases)


@bp.route("/cases/<int:case_id>", methods=["GET", "POST"])
@login_required
def edit_case(case_id):
    case = db.session.get(FeedbackCase, case_id)
    if case is None or not in_scope(case.unit):
        abort(404)
    form = CaseForm(obj=case, kept_deadline=case.deadline)
    form.owner_id.choices = choice_list((u.id, u.full_name or u.username)
                                        for u in feedback.possible_owners(case))
    if request.method == "POST":
        require(CASE_HANDLERS)
        if form.validate_on_submit():
            feedback.update_case(case, form.status.data, form.owner_id.data, form.deadline.data,
                                 form.reply.data)
            audit.record(current_user, "case.update", case, status=form.status.data)
            db.session.commit()
            flash(_("Case saved."), "ok")
            return redirect(url_for("admin.list_cases"))
    return render_template("admin/case.html", case=case, form=form,
                           can_edit=current_user.role in CASE_HANDLERS,
                           answers=feedback.answers_in_words(case.response)
                           if case.response else [],
                           point=case.response.service_point if case.response else None), \
        400 if form.errors else 200
