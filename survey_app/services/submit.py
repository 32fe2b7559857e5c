"""Store one response: validate, deduplicate by client UUID and invitation, write atomically."""
import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from instruments.answers import clean_answers
from survey_app.extensions import db
from survey_app.models import Answer, Channel, Comment, Response
from survey_app.models.base import utcnow


class SubmissionInvalid(ValueError):
    """The answers do not fit the instrument; ``errors`` maps field to (problem, params)."""

    def __init__(self, errors):
        super().__init__(f"invalid answers: {sorted(errors)}")
        self.errors = errors


class InvitationUsed(RuntimeError):
    """The dossier invitation was already answered with another response."""


@dataclass(frozen=True)
class Submitted:
    response_id: int
    duplicate: bool  # True when this UUID had been stored before: nothing new was written


def parse_uuid(value):
    """A ``uuid.UUID`` from text, or None when it is not one."""
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        return None


def find_by_uuid(client_uuid):
    return db.session.scalar(sa.select(Response.id).where(Response.client_uuid == client_uuid))


def build_response(service_point, version, cleaned, *, client_uuid, channel, locale,
                   invitation=None, procedure_id=None, submitted_at=None):
    response = Response(
        client_uuid=client_uuid,
        instrument_version_id=version.id,
        service_point_id=service_point.id,
        unit_id=service_point.unit_id,
        procedure_id=procedure_id,
        invitation_id=invitation.id if invitation else None,
        channel=channel,
        verified=invitation is not None,
        locale=locale,
        respondent_type=cleaned.profile.get("respondent_type"),
        sex=cleaned.profile.get("sex"),
        age_band=cleaned.profile.get("age_band"),
        submitted_at=submitted_at or utcnow(),
        stratum=str(service_point.sector),
        weight=1.0,
    )
    response.answers = [Answer(item_code=c, value=v) for c, v in cleaned.values.items()]
    if cleaned.comment:
        response.comment = Comment(text=cleaned.comment)
    return response


def submit_response(service_point, version, instrument, raw, *, client_uuid, channel=Channel.QR,
                    locale="vi", invitation=None):
    """Validate ``raw`` and store it once.

    Runs in a SAVEPOINT so that a concurrent duplicate (same UUID, or the same invitation)
    leaves the session usable; the caller commits.

    Raises
    ------
    SubmissionInvalid
        When an answer is missing, out of range or unknown; nothing is written.
    InvitationUsed
        When ``invitation`` was already answered by another response.
    """
    existing = find_by_uuid(client_uuid)
    if existing is not None:
        return Submitted(existing, duplicate=True)
    if invitation is not None and invitation.used_at is not None:
        raise InvitationUsed()
    cleaned = clean_answers(instrument, raw)
    if cleaned.errors:
        raise SubmissionInvalid(cleaned.errors)
    response = build_response(
        service_point, version, cleaned, client_uuid=client_uuid, channel=channel,
        locale=locale, invitation=invitation,
        procedure_id=invitation.procedure_id if invitation else None,
    )
    try:
        with db.session.begin_nested():
            db.session.add(response)
            if invitation is not None:
                invitation.used_at = response.submitted_at
            db.session.flush()
    except IntegrityError:
        existing = find_by_uuid(client_uuid)
        if existing is not None:
            return Submitted(existing, duplicate=True)
        if invitation is not None:
            raise InvitationUsed() from None
        raise
    return Submitted(response.id, duplicate=False)
