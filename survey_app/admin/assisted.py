"""The assisted form: a counter officer opens the citizen form for their service point on
the counter's tablet (signed in), hands the tablet over or reads the questions aloud.

The questions, validation and storage are the citizen form's (``public.forms``,
``services.submit``); only the channel differs: ``assisted``, a breakdown of the results
and a column of every export, so that analysts can compare answers given with help to
those given alone.
"""
from functools import wraps

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf.csrf import validate_csrf

from survey_app.admin import bp
from survey_app.admin.views import point_in_scope
from survey_app.extensions import csrf, db
from survey_app.labels import reader_lang
from survey_app.models import Channel
from survey_app.models.access import ASSIST_ROLES
from survey_app.public.forms import make_survey_form
from survey_app.services import instrument_store, org
from survey_app.services.submit import find_by_uuid, parse_uuid, submit_response

OTHER_LANG = {"vi": "en", "en": "vi"}


def assist_role_required(view):
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if current_user.role not in ASSIST_ROLES:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def page(point, instrument, form, lang, status=200, notice=None):
    here = url_for("admin.assisted_survey", point_id=point.id, lang=lang)
    other = OTHER_LANG[lang]
    response = render_template(
        "public/survey.html", form=form, instrument=instrument, point=point, lang=lang,
        notice=notice, kiosk=False, form_token=form.fresh_token(), action=here + "#problems",
        switch_lang=other,
        switch_action=url_for("admin.assisted_survey", point_id=point.id, lang=other),
        reset_seconds=None, reset_url=here, assisted=True)
    return response, status, {"Cache-Control": "no-store"}


@bp.route("/service-points/<int:point_id>/assisted", methods=["GET", "POST"])
@csrf.exempt  # the form's own token is the citizen form's; the session's is checked below
@assist_role_required
def assisted_survey(point_id):
    point = point_in_scope(point_id)
    if request.method == "POST":
        try:
            validate_csrf(request.form.get("staff_token"))
        except ValueError:  # wtforms' ValidationError: missing, expired or forged
            abort(400)
    current = instrument_store.current_version(point.instrument_code)
    if current is None or not point.active:
        abort(404)
    version_id, instrument = current
    lang = reader_lang()
    form = make_survey_form(instrument, lang, point.id)
    if request.method == "GET" or "switch_lang" in request.form:
        return page(point, instrument, form, lang)
    if form.validate():
        submit_response(point, version_id, instrument, form.raw_answers(),
                        client_uuid=parse_uuid(form.client_uuid.data),
                        channel=Channel.ASSISTED, locale=lang)
        db.session.commit()
        return redirect(url_for("admin.assisted_thanks", point_id=point.id, lang=lang))
    if find_by_uuid(parse_uuid(form.client_uuid.data),
                    org.province_of_unit(point.unit_id)) is not None:
        return redirect(url_for("admin.assisted_thanks", point_id=point.id, lang=lang))
    notice = _("Some questions are not answered yet or need a change: "
               "see the boxes marked in red below.")
    return page(point, instrument, form, lang, status=400, notice=notice)


@bp.route("/service-points/<int:point_id>/assisted/thanks")
@assist_role_required
def assisted_thanks(point_id):
    point = point_in_scope(point_id)
    return render_template("public/thanks.html", point=point, lang=reader_lang(),
                           again_url=url_for("admin.assisted_survey", point_id=point.id,
                                             lang="vi"))
