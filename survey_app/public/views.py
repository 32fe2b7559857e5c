"""Routes a citizen reaches by QR code, kiosk or invitation link."""
import re

from flask import (
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _

from survey_app.extensions import csrf, db, limiter
from survey_app.models import Channel
from survey_app.public import bp
from survey_app.public.forms import make_survey_form
from survey_app.services import instrument_store, invite, org
from survey_app.services.hashing import client_key
from survey_app.services.submit import InvitationUsed, parse_uuid, submit_response

TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{1,40}")


def current_lang():
    return str(get_locale() or "vi")


def message_page(title, text, status):
    return make_response(render_template("public/message.html", title=title, text=text), status)


def per_client_and_point():
    token = (request.view_args or {}).get("token", "")
    return f"{client_key()}|{request.endpoint}|{token}"


def only_accepted(response):
    """Count only accepted submissions (a redirect) against the rate limit."""
    return response.status_code == 302


def point_for_token(token):
    """The live service point of a QR token; a friendly 404/410 page otherwise."""
    # QR tokens are URL-safe base64; anything else (a NUL byte PostgreSQL refuses, an
    # overlong path) is simply unknown, without a query.
    row = org.token_lookup(token) if TOKEN_RE.fullmatch(token) else None
    if row is None:
        abort(message_page(_("This QR code is not known"),
                           _("Please check the code at the counter, or ask the officer."), 404))
    if row.revoked_at is not None or not row.service_point.active:
        abort(message_page(_("This QR code is no longer in use"),
                           _("The counter has a new code. Please scan the code now on display."),
                           410))
    return row.service_point


def version_for(point):
    """``(version id, instrument)`` of the point's questionnaire, or a friendly 503."""
    current = instrument_store.current_version(point.instrument_code)
    if current is None:
        current_app.logger.error("instrument %s is not loaded", point.instrument_code)
        abort(message_page(_("The survey is not available"),
                           _("Please try again later or tell the officer."), 503))
    return current


def run_survey(point, channel, thanks_url, invitation=None):
    version_id, instrument = version_for(point)
    lang = current_lang()
    form = make_survey_form(instrument, lang)
    status, notice = 200, None
    if request.method == "POST":
        if form.validate():
            try:
                submit_response(point, version_id, instrument, form.raw_answers(),
                                client_uuid=parse_uuid(form.client_uuid.data), channel=channel,
                                locale=lang, invitation=invitation)
            except InvitationUsed:
                db.session.rollback()
                return used_invitation_page()
            db.session.commit()
            return redirect(thanks_url)
        status = 400
        if form.csrf_failed:
            notice = _("The page was open for a long time. Your answers are kept: "
                       "please press \"Send\" again.")
        else:
            notice = _("Some answers need attention. They are marked below.")
    return render_template("public/survey.html", form=form, instrument=instrument, point=point,
                           lang=lang, notice=notice, kiosk=channel == Channel.KIOSK), status


def used_invitation_page():
    return message_page(_("This dossier has already been rated"),
                        _("Thank you: your answers were received before."), 409)


@bp.route("/")
def home():
    return render_template("public/home.html")


@bp.route("/s/<token>", methods=["GET", "POST"])
@csrf.exempt  # SurveyForm checks CSRF itself, so that a stale token keeps the answers
@limiter.limit(lambda: current_app.config["SUBMIT_RATE_LIMIT"], key_func=per_client_and_point,
               methods=["POST"], deduct_when=only_accepted)
def take_survey(token):
    point = point_for_token(token)
    return run_survey(point, Channel.QR, url_for("public.thank_you", token=token))


@bp.route("/s/<token>/thanks")
def thank_you(token):
    point = point_for_token(token)
    return render_template("public/thanks.html", point=point, again_url=None)


@bp.route("/k/<token>", methods=["GET", "POST"])
@csrf.exempt
@limiter.limit(lambda: current_app.config.get("KIOSK_RATE_LIMIT", "240 per hour"),
               key_func=per_client_and_point, methods=["POST"], deduct_when=only_accepted)
def take_kiosk_survey(token):
    point = point_for_token(token)
    return run_survey(point, Channel.KIOSK, url_for("public.kiosk_thank_you", token=token))


@bp.route("/k/<token>/thanks")
def kiosk_thank_you(token):
    point = point_for_token(token)
    session.pop("lang", None)  # the next citizen starts in the default language
    return render_template("public/thanks.html", point=point,
                           again_url=url_for("public.take_kiosk_survey", token=token))


@bp.route("/i/<token>", methods=["GET", "POST"])
@csrf.exempt
@limiter.limit(lambda: current_app.config["SUBMIT_RATE_LIMIT"], key_func=per_client_and_point,
               methods=["POST"], deduct_when=only_accepted)
def take_invited_survey(token):
    try:
        invitation = invite.resolve(token)
    except invite.InvitationProblem as problem:
        if problem.code == "used":
            return used_invitation_page()
        if problem.code == "expired":
            return message_page(_("This link has expired"),
                                _("Thank you for your interest. The time to answer has passed."),
                                410)
        return message_page(_("This link is not valid"),
                            _("Please check the link you received."), 404)
    return run_survey(invitation.service_point, Channel.INVITATION,
                      url_for("public.invited_thank_you"), invitation=invitation)


@bp.route("/i/thanks")
def invited_thank_you():
    return render_template("public/thanks.html", point=None, again_url=None)
