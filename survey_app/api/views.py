"""``/api/v1``: invitations for dossiers (the results endpoints are in ``results``)."""
from importlib import resources

from flask import current_app, g, jsonify, request
from flask_babel import gettext as _

from survey_app.api import bp
from survey_app.extensions import db, limiter
from survey_app.services import api_keys, invite
from survey_app.services.qr import qr_svg


def api_error(status, code, message):
    return jsonify(error=code, message=message), status


#: Endpoints that also take the key as ``?key=``: Excel's and Power BI's "From Web" cannot
#: send a header (api/feed.py). Everywhere else a key in a URL is refused.
KEY_IN_QUERY = frozenset({"api.feed_results", "api.feed_series", "api.feed_responses"})


def presented_key():
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    key = request.headers.get("X-API-Key", "").strip()
    if not key and request.endpoint in KEY_IN_QUERY:
        key = request.args.get("key", "").strip()
    return key


@bp.get("/openapi.yaml")
def openapi_spec():
    """The OpenAPI description of this API (no key needed)."""
    return current_app.response_class(
        resources.files("survey_app.api").joinpath("openapi.yaml").read_bytes(),
        mimetype="application/yaml")


@bp.before_request
def require_api_key():
    if request.endpoint == "api.openapi_spec":
        return None
    key = api_keys.authenticate(presented_key())
    if key is None:
        return api_error(401, "unauthorized", _("Missing, wrong or revoked API key."))
    g.api_key = key
    return None


def invitation_problem_message(code):
    return {
        "dossier_missing": _("'dossier_code' is required: a non-empty string."),
        "dossier_too_long": _("'dossier_code' is longer than %(n)d characters.",
                              n=invite.DOSSIER_MAX_LENGTH),
        "dossier_invalid": _("'dossier_code' contains control characters or broken Unicode."),
        "invalid_procedure": _("'procedure_code' contains control characters or broken "
                               "Unicode."),
        "procedure_unknown": _("'procedure_code' is not in the procedure catalogue."),
        "used": _("This dossier has already been rated."),
    }[code]


@bp.post("/invitations")
@limiter.limit(lambda: current_app.config.get("API_RATE_LIMIT", "600 per minute"),
               key_func=lambda: presented_key()[:16] or "anonymous")
def create_invitation():
    """Make (or return) the one-use survey link of a dossier; see docs/api.md."""
    qr = request.args.get("qr", "svg")
    if qr not in ("svg", "none"):
        return api_error(400, "invalid_parameter", _("'%(name)s' must be one of: %(choices)s.",
                                                      name="qr", choices="svg, none"))
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return api_error(400, "invalid_json", _("The body must be a JSON object."))
    unknown = sorted(set(body) - {"dossier_code", "procedure_code", "expires_in_days"})
    if unknown:
        # echo the names back without lone surrogates (not valid UTF-8 in the reply)
        names = ", ".join(name.encode("utf-8", "replace").decode("utf-8") for name in unknown)
        return api_error(400, "unknown_field", _("Unknown field(s): %(names)s.", names=names))
    days = body.get("expires_in_days")
    if days is not None and (not isinstance(days, int) or isinstance(days, bool)
                             or not 1 <= days <= 365):
        return api_error(400, "invalid_expiry",
                         _("'expires_in_days' must be a whole number from 1 to 365."))
    procedure = body.get("procedure_code")
    if procedure is not None and not isinstance(procedure, str):
        return api_error(400, "invalid_procedure", _("'procedure_code' must be a string."))
    point = g.api_key.service_point
    if point is None:
        return api_error(403, "wrong_key", _("This key is read-only: invitations need a key "
                                             "issued for a service point."))
    if not point.active:
        return api_error(410, "service_point_inactive", _("This service point is closed."))
    try:
        invitation, created = invite.create_invitation(
            point, body.get("dossier_code"), procedure, days=days)
    except invite.InvitationProblem as problem:
        status = 409 if problem.code == "used" else 400
        return api_error(status, problem.code, invitation_problem_message(problem.code))
    url = invite.invitation_url(invitation)
    payload = {
        "url": url,
        "expires_at": invitation.expires_at.isoformat() + "Z",
        "service_point": point.code,
        "created": created,
    }
    if qr == "svg":
        payload["qr_svg"] = qr_svg(url)
    db.session.commit()
    return jsonify(payload), 201 if created else 200
