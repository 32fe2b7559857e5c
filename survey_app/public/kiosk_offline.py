"""The kiosk as an installable web app that keeps answers through a dropped connection.

A tablet at the counter (``/k/<token>``) loses its Wi-Fi now and then; the citizens in
front of it should not notice. The kiosk page alone runs one small script
(``static/kiosk/kiosk.js``, allowed by its CSP: ``security.allow_own_scripts``) and a
service worker (``static/kiosk/sw.js``, served at ``/k/sw.js`` so that its scope is
``/k/``):

- the service worker keeps the last fresh kiosk form of each language and shows it when
  the network is gone (network first, so a connected kiosk always gets the live form);
- the script keeps every answer in the browser's ``localStorage`` with a client UUID of
  its own, then sends it. Sending is the ordinary kiosk ``POST`` (same validation, same
  rate-limit budget as the QR form of the point), with an anti-forgery token fetched just
  before from ``POST /k/<token>/form-token`` for that UUID, so an answer kept for days
  still validates. The UUID makes a resend (a lost reply, two tabs) store nothing twice.

Without JavaScript the kiosk works as before (server-rendered form, no offline queue).
"""
import hashlib
import json
from functools import lru_cache
from pathlib import Path

from flask import current_app, jsonify, request, url_for
from flask_babel import gettext as _

from survey_app.extensions import csrf
from survey_app.public import bp, form_token
from survey_app.security import allow_own_scripts
from survey_app.services.submit import parse_uuid

STATIC = Path(__file__).resolve().parent.parent / "static" / "kiosk"
#: Marks a fresh kiosk form (a GET), the only page the service worker keeps for offline use:
#: never a page holding a citizen's answers, never an "already sent" page.
FORM_HEADER = "X-Hailong-Kiosk-Form"
ICON_SIZES = (192, 512)


@lru_cache(maxsize=8)
def file_version(name):
    """A short digest of a static file, so a changed script gets a new URL past caches."""
    return hashlib.sha256((STATIC / name).read_bytes()).hexdigest()[:12]


def static_url(name):
    return url_for("static", filename=f"kiosk/{name}", v=file_version(name))


def page_context(token, lang):
    """What the kiosk template needs for the offline script (URLs, the page's language)."""
    return {
        "token": token,
        "lang": lang,
        "script": static_url("kiosk.js"),
        "worker": url_for("public.kiosk_service_worker"),
        "scope": url_for("public.kiosk_service_worker").rsplit("/", 1)[0] + "/",
        "manifest": url_for("public.kiosk_manifest", token=token),
        "form_token": url_for("public.kiosk_form_token", token=token),
        "pages": {code: url_for("public.take_kiosk_survey", token=token, lang=code)
                  for code in ("vi", "en")},
        "keep": [static_url("kiosk.js"), url_for("public.kiosk_manifest", token=token),
                 *(static_url(f"icon-{size}.png") for size in ICON_SIZES)],
    }


def mark_kiosk_page(response, fresh_form):
    """Allow the kiosk script on this page; mark a fresh form as fit for offline use."""
    allow_own_scripts(response)
    if fresh_form:
        response.headers[FORM_HEADER] = "1"
    return response


@bp.route("/k/sw.js")
def kiosk_service_worker():
    """The service worker, from ``/k/`` so that it may control every kiosk page."""
    response = current_app.response_class((STATIC / "sw.js").read_bytes(),
                                          mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/k/<token>/manifest.webmanifest")
def kiosk_manifest(token):
    """The web app manifest: "Add to home screen" opens this point's kiosk full screen."""
    from survey_app.public.views import current_lang, point_for_token

    point = point_for_token(token)
    lang = current_lang()
    manifest = {
        "name": f"{point.name(lang)} · hailong",
        "short_name": _("Survey"),
        "lang": lang,
        "start_url": url_for("public.take_kiosk_survey", token=token, lang="vi"),
        "scope": url_for("public.take_kiosk_survey", token=token),
        "display": "fullscreen",
        "orientation": "any",
        "background_color": "#ffffff",
        "theme_color": "#0b5cad",
        "icons": [{"src": static_url(f"icon-{size}.png"), "sizes": f"{size}x{size}",
                   "type": "image/png", "purpose": "any"} for size in ICON_SIZES],
    }
    response = current_app.response_class(json.dumps(manifest, ensure_ascii=False),
                                          mimetype="application/manifest+json")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/k/<token>/form-token", methods=["POST"])
@csrf.exempt  # it hands out the form's own token (form_token), readable by this origin only
def kiosk_form_token(token):
    """A fresh anti-forgery token for an answer kept on the tablet under its own UUID.

    It is worth no more than a freshly served form (which also carries a token for a new
    UUID); the submission itself still goes through the kiosk form's validation and its
    rate limit. A JSON body is required, so a cross-site form cannot call it without a
    CORS preflight, and no other origin can read the answer.
    """
    from survey_app.public.views import point_for_token

    point = point_for_token(token)
    body = request.get_json(silent=True) if request.is_json else None
    client_uuid = parse_uuid(body.get("client_uuid")) if isinstance(body, dict) else None
    if client_uuid is None:
        return jsonify(error="client_uuid", message=_("The form is damaged; please reload "
                                                      "the page and answer again.")), 400
    response = jsonify(csrf_token=form_token.issue(client_uuid, point.id, time_unknown=True))
    response.headers["Cache-Control"] = "no-store"
    return response
