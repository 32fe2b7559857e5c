"""One-use survey links for dossiers, requested by the one-stop software."""
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from survey_app.extensions import db
from survey_app.models import Invitation, Procedure
from survey_app.models.base import utcnow
from survey_app.services import org
from survey_app.services.cells import has_control_characters
from survey_app.services.hashing import keyed_hash
from survey_app.services.links import base_url

DOSSIER_MAX_LENGTH = 100


class InvitationProblem(ValueError):
    """Why an invitation cannot be made or used; ``code`` names the case."""

    def __init__(self, code, message=""):
        super().__init__(message or code)
        self.code = code


def _serializer():
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="hailong-invitation")


def link_token(invitation):
    return _serializer().dumps(invitation.id)


def invitation_url(invitation):
    return f"{base_url()}/i/{link_token(invitation)}"


def dossier_hash(dossier_code):
    return keyed_hash(dossier_code.strip().upper(), "dossier")


def create_invitation(service_point, dossier_code, procedure_code=None, days=None):
    """Return ``(invitation, created)`` for a dossier at ``service_point``.

    Asking again for the same dossier returns the same unused link, so a retry by the
    one-stop software never makes two. A dossier already answered raises ``used``.
    """
    code = (dossier_code or "").strip() if isinstance(dossier_code, str) else ""
    if not code:
        raise InvitationProblem("dossier_missing")
    if len(code) > DOSSIER_MAX_LENGTH:
        raise InvitationProblem("dossier_too_long")
    # A lone surrogate (valid JSON, "\ud800") cannot be encoded for the hash or the
    # database; control characters belong in no dossier code.
    if has_control_characters(code):
        raise InvitationProblem("dossier_invalid")
    procedure_id = None
    if procedure_code:
        if has_control_characters(str(procedure_code)):
            raise InvitationProblem("invalid_procedure")
        procedure_id = db.session.scalar(
            sa.select(Procedure.id).where(Procedure.code == str(procedure_code))
        )
        if procedure_id is None:
            raise InvitationProblem("procedure_unknown")
    digest = dossier_hash(code)
    province_id = org.province_of_unit(service_point.unit_id)
    existing = db.session.scalar(
        sa.select(Invitation).filter_by(province_id=province_id,
                                        service_point_id=service_point.id, dossier_hash=digest)
    )
    now = utcnow()
    lifetime = timedelta(days=days or current_app.config["INVITATION_DAYS"])
    if existing is not None:
        if existing.used_at is not None:
            raise InvitationProblem("used")
        if existing.expires_at <= now:
            existing.expires_at = now + lifetime  # a fresh request renews an unused link
        return existing, False
    invitation = Invitation(
        province_id=province_id, service_point_id=service_point.id, dossier_hash=digest,
        procedure_id=procedure_id,
        created_at=now, expires_at=now + lifetime,
    )
    db.session.add(invitation)
    db.session.flush()
    return invitation, True


def resolve(token):
    """The invitation behind a link token, or ``InvitationProblem`` (unknown/expired/used)."""
    try:
        invitation_id = _serializer().loads(token)
    except BadSignature:
        raise InvitationProblem("unknown") from None
    invitation = db.session.get(Invitation, invitation_id) if isinstance(invitation_id, int) else None
    if invitation is None:
        raise InvitationProblem("unknown")
    if invitation.used_at is not None:
        raise InvitationProblem("used")
    if invitation.expires_at <= utcnow():
        raise InvitationProblem("expired")
    return invitation
