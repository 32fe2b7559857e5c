"""Routes a citizen reaches by QR code, kiosk or invitation link.

Every survey page works without JavaScript and without cookies: the language travels in
the URL (``?lang=``), the anti-forgery token in the form (``form_token``). The QR and
kiosk forms live at a URL of their own (``?f=<form id>``) so that the browser's Back after
the thank-you page shows that same form again, recognised as sent, not a fresh one.
"""
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
from survey_app.public import bp, form_token, kiosk_offline
from survey_app.public.forms import make_survey_form
from survey_app.services import instrument_store, invite, org
from survey_app.services.hashing import client_key
from survey_app.services.quarantine import Signals
from survey_app.services.submit import InvitationUsed, find_by_uuid, parse_uuid, submit_response

TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{1,40}")
OTHER_LANG = {"vi": "en", "en": "vi"}


def current_lang():
    return str(get_locale() or "vi")


def message_page(title, text, status, link=None):
    """A plain page; ``link`` is an optional ``(url, label)`` button."""
    return make_response(render_template("public/message.html", title=title, text=text,
                                         link=link), status)


def per_client_and_point():
    token = (request.view_args or {}).get("token", "")
    return f"{client_key()}|{token}"


def per_client_and_link():
    token = (request.view_args or {}).get("token", "")
    return f"{client_key()}|{request.endpoint}|{token}"


def only_accepted(response):
    """Count only accepted submissions (a redirect) against the rate limit."""
    return response.status_code == 302


# A flood guard only (far above a counter's real rate; suspicious answers are stored and
# quarantined, never refused): one budget per device and service point, which the QR form
# and the kiosk form of a point (same token) draw on together, so the kiosk route is no
# way round it.
submit_limit = limiter.shared_limit(
    lambda: current_app.config["SUBMIT_RATE_LIMIT"], scope="survey-submit",
    key_func=per_client_and_point, methods=["POST"], deduct_when=only_accepted)


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


def here(**changes):
    """This page's URL with ``changes`` to its query (``f``, ``lang``)."""
    args = {"f": request.args.get("f"), "lang": current_lang(), **changes}
    return url_for(request.endpoint, **(request.view_args or {}),
                   **{k: v for k, v in args.items() if v})


def survey_page(point, instrument, form, status=200, notice=None, kiosk=False):
    lang = current_lang()
    reset_seconds = None
    if kiosk:  # the next citizen must not find the last one's half-filled form
        reset_seconds = 60 * max(current_app.config["KIOSK_RESET_MINUTES"],
                                 2 * instrument.minutes_to_answer)
    response = make_response(render_template(
        "public/survey.html", form=form, instrument=instrument, point=point, lang=lang,
        notice=notice, kiosk=kiosk, form_token=form.fresh_token(),
        action=here() + "#problems", switch_lang=OTHER_LANG[lang],
        switch_action=here(lang=OTHER_LANG[lang]), reset_seconds=reset_seconds,
        reset_url=url_for(request.endpoint, token=request.view_args["token"], lang="vi"),
        kiosk_app=kiosk_offline.page_context(request.view_args["token"], lang) if kiosk else None),
        status)
    if kiosk:  # its script keeps answers through a dropped connection
        kiosk_offline.mark_kiosk_page(response, fresh_form=request.method == "GET")
    # Back after the thank-you page must ask the server again (which knows it was sent).
    response.headers["Cache-Control"] = "no-store"
    return response


def run_survey(point, channel, thanks_url, invitation=None, client_uuid=None):
    version_id, instrument = version_for(point)
    lang = current_lang()
    form = make_survey_form(instrument, lang, point.id, client_uuid=client_uuid)
    kiosk = channel == Channel.KIOSK
    if request.method == "GET":
        return survey_page(point, instrument, form, kiosk=kiosk)
    if "switch_lang" in request.form:
        # the language button re-renders the form in the other language, answers kept;
        # after Back and "resubmit" from the thank-you page, it says the form was sent
        if find_by_uuid(parse_uuid(form.client_uuid.data),
                    org.province_of_unit(point.unit_id)) is not None:
            return already_sent_page(request.view_args["token"])
        return survey_page(point, instrument, form, kiosk=kiosk)
    if form.validate():
        try:
            submit_response(point, version_id, instrument, form.raw_answers(),
                            client_uuid=parse_uuid(form.client_uuid.data), channel=channel,
                            locale=lang, invitation=invitation,
                            signals=Signals(client_key(), form.rendered_at))
        except InvitationUsed:
            db.session.rollback()
            return used_invitation_page()
        db.session.commit()
        return redirect(thanks_url)
    if find_by_uuid(parse_uuid(form.client_uuid.data),
                    org.province_of_unit(point.unit_id)) is not None:
        return already_sent_page(request.view_args["token"])
    if form.csrf_failed:
        notice = _("The page was open for a long time. Your answers are kept: "
                   "please press \"Send\" again.")
    else:
        notice = _("Some questions are not answered yet or need a change: "
                   "see the boxes marked in red below.")
    return survey_page(point, instrument, form, status=400, notice=notice, kiosk=kiosk)


def form_of_this_url(token):
    """The client UUID of the form at this URL, or a response: a redirect to a new form's
    URL, or "already sent" when this form's answers were stored (Back after thank-you)."""
    client_uuid = form_token.uuid_for_form(request.args.get("f"))
    if client_uuid is None:
        return None, redirect(here(f=form_token.new_form_id()))
    if find_by_uuid(client_uuid) is not None:
        return None, already_sent_page(token)
    return client_uuid, None


def already_sent_page(token):
    """This form's answers are stored: say so, and offer a new form (never the old one)."""
    if request.endpoint == "public.take_invited_survey":
        return used_invitation_page()
    kiosk = request.endpoint == "public.take_kiosk_survey"
    new_form = url_for(request.endpoint, token=token, lang="vi" if kiosk else current_lang())
    return message_page(
        _("Your answers were already sent"),
        _("Thank you. This form was sent before and is not stored twice."), 200,
        link=(new_form, _("Next person") if kiosk else _("Answer about another visit")))


def take_point_survey(token, channel, thanks_endpoint):
    point = point_for_token(token)
    client_uuid = None
    if request.method == "GET":
        client_uuid, page = form_of_this_url(token)
        if page is not None:
            return page
    return run_survey(point, channel, url_for(thanks_endpoint, token=token, lang=current_lang()),
                      client_uuid=client_uuid)


def used_invitation_page():
    return message_page(_("This dossier has already been rated"),
                        _("Thank you: your answers were received before."), 409)


@bp.route("/")
def home():
    return render_template("public/home.html")


@bp.route("/s/<token>", methods=["GET", "POST"])
@csrf.exempt  # SurveyForm checks its own token, so that it works without a session cookie
@submit_limit
def take_survey(token):
    return take_point_survey(token, Channel.QR, "public.thank_you")


@bp.route("/s/<token>/thanks")
def thank_you(token):
    point = point_for_token(token)
    return render_template("public/thanks.html", point=point, again_url=None)


@bp.route("/k/<token>", methods=["GET", "POST"])
@csrf.exempt
@submit_limit
def take_kiosk_survey(token):
    return take_point_survey(token, Channel.KIOSK, "public.kiosk_thank_you")


@bp.route("/k/<token>/thanks")
def kiosk_thank_you(token):
    point = point_for_token(token)
    page = render_template("public/thanks.html", point=point,
                           again_url=url_for("public.take_kiosk_survey", token=token, lang="vi"))
    # Shown in the citizen's language (``?lang=``), then forgotten: the next citizen
    # starts in Vietnamese.
    session.pop("lang", None)
    return page


@bp.route("/i/<token>", methods=["GET", "POST"])
@csrf.exempt
@limiter.limit(lambda: current_app.config["SUBMIT_RATE_LIMIT"], key_func=per_client_and_link,
               methods=["POST"], deduct_when=only_accepted)
def take_invited_survey(token):
    thanks_url = url_for("public.invited_thank_you", lang=current_lang())
    try:
        invitation = invite.resolve(token)
    except invite.InvitationProblem as problem:
        if problem.code == "used":
            sent = parse_uuid(request.form.get("client_uuid")) if request.method == "POST" else None
            if sent is not None and find_by_uuid(sent) is not None:
                return redirect(thanks_url)  # a double tap or a retry of the answer stored
            return used_invitation_page()
        if problem.code == "expired":
            return message_page(_("This link has expired"),
                                _("Thank you for your interest. The time to answer has passed."),
                                410)
        return message_page(_("This link is not valid"),
                            _("Please check the link you received."), 404)
    return run_survey(invitation.service_point, Channel.INVITATION, thanks_url,
                      invitation=invitation)


@bp.route("/i/thanks")
def invited_thank_you():
    return render_template("public/thanks.html", point=None, again_url=None)
