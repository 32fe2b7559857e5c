"""Error pages: friendly HTML in the visitor's language, JSON under /api/. Never a stack trace."""
from flask import jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.http import HTTP_STATUS_CODES

from survey_app.extensions import db


def describe(status):
    texts = {
        400: (_("The request could not be understood"),
              _("Please go back, reload the page and try again.")),
        401: (_("Please sign in"), _("This page needs a staff account.")),
        403: (_("Not allowed"), _("Your account may not see or change this.")),
        404: (_("Page not found"), _("Please check the address.")),
        405: (_("Not allowed"), _("This page cannot be used that way.")),
        409: (_("Already done"), _("This was done before; nothing was changed.")),
        410: (_("No longer available"), _("This page or code is no longer in use.")),
        413: (_("Too large"), _("What you sent is too large.")),
        429: (_("Too many attempts"),
              _("You have sent many answers from this device in a short time. "
                "Please try again later.")),
        503: (_("Temporarily unavailable"), _("Please try again in a few minutes.")),
    }
    return texts.get(status, (_("Something went wrong"),
                              _("We are sorry. Please try again in a few minutes.")))


#: The string code of an API error body (docs/api.md, openapi.yaml ``Error``).
API_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
             405: "method_not_allowed", 409: "conflict", 410: "gone", 413: "too_large",
             429: "too_many_requests", 500: "internal_error", 503: "unavailable"}


def api_code(status):
    """``not_found`` for 404; an unlisted status takes its HTTP reason in snake case."""
    return API_CODES.get(status) or HTTP_STATUS_CODES.get(status, "error").lower() \
        .replace(" ", "_").replace("-", "_").replace("'", "")


def describe_for_api(status):
    """Texts for integrators where the citizen's wording would mislead them."""
    texts = {
        400: _("The request could not be read; check its body and parameters against "
               "/api/v1/openapi.yaml."),
        404: _("No such address in this API; see /api/v1/openapi.yaml."),
        405: _("This address does not take that method; the Allow header lists those it "
               "takes."),
        429: _("Too many requests with this key; wait a moment and send again."),
        503: _("The database is unavailable; nothing was stored. Send the request again "
               "in a few seconds."),
    }
    return texts.get(status)


def wants_json():
    return request.path.startswith("/api/")


def render_error(status, title=None, text=None):
    default_title, default_text = describe(status)
    title, text = title or default_title, text or default_text
    if wants_json():
        return jsonify(error=api_code(status), message=describe_for_api(status) or text), status
    return render_template("public/message.html", title=title, text=text), status


def register(app):
    from survey_app.services.tally_scope import Rebuilding  # noqa: PLC0415 - the CLI starts lean

    @app.errorhandler(CSRFError)
    def csrf_error(_exc):
        return render_error(400, _("The form expired"),
                            _("Please go back, reload the page and try again."))

    @app.errorhandler(Rebuilding)
    def tallies_rebuilding(_exc):
        text = _("The figures are being recomputed after an update. Please try again in a "
                 "few minutes.")
        if wants_json():
            body = jsonify(error=api_code(503), message=text), 503
        else:
            body = render_error(503, _("Temporarily unavailable"), text)
        return (*body, {"Retry-After": str(Rebuilding.retry_after)})

    @app.errorhandler(HTTPException)
    def http_error(exc):
        if exc.response is not None:  # a view aborted with a ready page
            return exc.response
        body, status = render_error(exc.code or 500)
        # keep the exception's own headers: Allow on 405, Retry-After on 429/503
        return body, status, [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"]

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def database_unavailable(exc):
        # The database restarting or unreachable: nothing was stored, so say "send again"
        # (a retried submission keeps its UUID and is stored once).
        db.session.rollback()
        app.logger.warning("database unavailable: %s", exc.__class__.__name__)
        body, status = render_error(503) if wants_json() else render_error(
            503, _("Temporarily unavailable"),
            _("Your answers were not received yet. Please go back and "
              "tap Send again in a moment; nothing will be counted twice."))
        return body, status, {"Retry-After": "5"}

    @app.errorhandler(Exception)
    def unexpected(exc):
        db.session.rollback()
        app.logger.exception("unhandled error", exc_info=exc)
        return render_error(InternalServerError.code)
