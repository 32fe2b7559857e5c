"""The citizen form's anti-forgery token and form id: signed values, no session cookie.

A citizen with cookies blocked must still be able to send the form, so the form does not
rely on Flask-WTF's session-bound CSRF token (staff forms keep it). The anonymous form
carries its own token instead: the client UUID and the service point, signed with the
secret key and dated. A post must bring back a token signed for its own UUID and point,
younger than ``WTF_CSRF_TIME_LIMIT``; each new response therefore needs a served form.

A form is shown at a URL of its own (``?f=<form id>``); its client UUID is derived from
the form id with a keyed hash, so that showing the URL again (the browser's Back after
the thank-you page) shows the same form, which the server recognises as sent. The UUID
itself never appears in a URL, and so never in an access log.
"""
import re
import secrets
import uuid
from datetime import UTC, datetime

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

from survey_app.models import base
from survey_app.services.hashing import keyed_hash

FORM_ID_RE = re.compile(r"[A-Za-z0-9_-]{16,40}")


def _serializer():
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="hailong-survey-form")


def issue(client_uuid, point_id, rendered_at=None, time_unknown=False):
    """The token for a form with ``client_uuid`` at service point ``point_id``, first shown
    at ``rendered_at`` (UTC; default now). A form shown again (another language, answers
    to fix) keeps its first time, so the quarantine's speed rule measures the citizen.

    ``time_unknown``: an answer an offline kiosk kept and sends now; when its form was
    shown is not known to the server (the tablet's clock is not trusted), so the speed
    rule cannot judge it. The burst and pattern rules and the rate limit still apply."""
    if time_unknown:
        return _serializer().dumps([str(client_uuid), int(point_id), None])
    rendered_at = rendered_at or base.utcnow()
    return _serializer().dumps([str(client_uuid), int(point_id),
                                round(rendered_at.replace(tzinfo=UTC).timestamp(), 3)])


def is_valid(token, client_uuid, point_id):
    """Whether ``token`` was issued for this UUID and point and has not expired."""
    if not isinstance(token, str) or not token:
        return False
    try:
        signed = _serializer().loads(token, max_age=current_app.config["WTF_CSRF_TIME_LIMIT"])
    except BadSignature:  # also SignatureExpired
        return False
    return isinstance(signed, list) and signed[:2] == [str(client_uuid), int(point_id)]


def rendered_at(token, client_uuid, point_id):
    """When the form of a genuine ``token`` for this UUID and point was first shown (UTC,
    naive), even if the token has expired; None otherwise."""
    if not isinstance(token, str) or not token or point_id is None:
        return None
    try:
        signed = _serializer().loads(token)  # no max_age: an old form is no speed problem
    except BadSignature:
        return None
    if not (isinstance(signed, list) and len(signed) == 3
            and signed[:2] == [str(client_uuid), int(point_id)]
            and isinstance(signed[2], int | float)):
        return None
    return datetime.fromtimestamp(signed[2], UTC).replace(tzinfo=None)


def new_form_id():
    return secrets.token_urlsafe(16)


def uuid_for_form(form_id):
    """The client UUID of the form shown at ``?f=form_id``, or None for a malformed id."""
    if not isinstance(form_id, str) or not FORM_ID_RE.fullmatch(form_id):
        return None
    digest = bytes.fromhex(keyed_hash(form_id, "survey-form")[:32])
    return uuid.UUID(bytes=digest, version=4)
