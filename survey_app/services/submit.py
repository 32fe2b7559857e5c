"""Store one response: validate, deduplicate by client UUID, use an invitation once.

The write is one ``INSERT … ON CONFLICT DO NOTHING RETURNING id`` (PostgreSQL and SQLite):
the database itself refuses a second response with the same client UUID, so a double
tap, a retry or a race between two workers stores one response, without a read
beforehand. The closed answers are packed into the response row itself
(``services.packing``); only a comment needs a second insert. The caller commits.

An invitation answer keeps no link to its invitation (the form promises it is anonymous,
and the invitation holds a keyed hash of the dossier code): the response only says
``verified``. The invitation is marked used in the same transaction by a conditional
``UPDATE … WHERE used_at IS NULL``; of two different answers racing for one invitation,
only one sees a row updated, and the other is rolled back.
"""
import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from instruments.answers import clean_answers
from survey_app.extensions import db
from survey_app.models import Channel, Comment, Invitation, Response
from survey_app.models.base import utcnow
from survey_app.services import bulk_copy, org, packing, quarantine

RESPONSE = Response.__table__
COMMENT = Comment.__table__
INSERT_FOR_DIALECT = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}
#: Rows per statement of the bulk inserts (imports): few round trips, bounded memory.
BULK_ROWS = 1000


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


def find_by_uuid(client_uuid, province_id=None):
    """The id of the response with ``client_uuid`` in ``province_id`` (any province when
    None: a form's UUID is random, so it names one response anywhere)."""
    query = sa.select(Response.id).where(Response.client_uuid == client_uuid)
    if province_id is not None:
        query = query.where(Response.province_id == province_id)
    return db.session.scalars(query.limit(1)).first()


def response_row(point, version_id, cleaned, *, client_uuid, channel, locale, invitation=None,
                 submitted_at=None):
    """The column values of a response (``point``: anything with id, unit_id, sector),
    its closed answers packed in ``answer_codes``; ``province_id`` is the province of the
    point's unit (the distribution column, ``models.distribution``)."""
    return {
        "province_id": org.province_of_unit(point.unit_id),
        "client_uuid": client_uuid,
        "instrument_version_id": version_id,
        "service_point_id": point.id,
        "unit_id": point.unit_id,
        "procedure_id": invitation.procedure_id if invitation else None,
        "channel": Channel(channel),
        "verified": invitation is not None,
        "locale": locale,
        "respondent_type": cleaned.profile.get("respondent_type"),
        "sex": cleaned.profile.get("sex"),
        "age_band": cleaned.profile.get("age_band"),
        "submitted_at": submitted_at or utcnow(),
        "stratum": str(point.sector),
        "weight": 1.0,
        "answer_codes": packing.pack(packing.slots_of_version(version_id), cleaned.values),
    }


def insert_once(row):
    """Insert ``row`` into ``response`` unless a unique key exists; return the new id or None."""
    insert = INSERT_FOR_DIALECT.get(db.session.get_bind().dialect.name)
    if insert is None:  # pragma: no cover - other databases: a plain insert, errors propagate
        return db.session.execute(sa.insert(RESPONSE).values(row).returning(RESPONSE.c.id)).scalar()
    statement = insert(RESPONSE).values(row).on_conflict_do_nothing().returning(RESPONSE.c.id)
    return db.session.execute(statement).scalar()


def write_answers(response_id, cleaned, province_id):
    """The comment of a stored response (its closed answers are in its row already)."""
    if cleaned.comment:
        db.session.execute(sa.insert(COMMENT), [{"province_id": province_id,
                                                 "response_id": response_id,
                                                 "text": cleaned.comment, "status": "new"}])


def use_invitation(invitation):
    """Mark ``invitation`` used unless it already was; True when this call marked it.

    ``used_at`` keeps the day only: an exact time would match the response's
    ``submitted_at`` and tie the answers back to the dossier.
    """
    today = utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
    marked = db.session.execute(
        sa.update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.used_at.is_(None))
        .values(used_at=today)
        .execution_options(synchronize_session=False))
    return marked.rowcount == 1


def submit_response(point, version_id, instrument, raw, *, client_uuid, channel=Channel.QR,
                    locale="vi", invitation=None, submitted_at=None, allow_missing=False,
                    signals=None):
    """Validate ``raw`` and store it once; the caller commits.

    ``submitted_at`` dates an answer given earlier (a paper form: the day it was filled
    in). ``allow_missing`` accepts a required question left unanswered: a paper form
    cannot insist, and its blank is the citizen's, not a typist's (see services.paper).
    ``signals`` (``quarantine.Signals``, from the citizens' web forms) screens the answer:
    a suspicious one is stored and held in quarantine, never refused.

    Raises
    ------
    SubmissionInvalid
        When an answer is missing, out of range or unknown; nothing is written.
    InvitationUsed
        When ``invitation`` was already answered by another response; the caller must
        roll back.
    """
    cleaned = clean_answers(instrument, raw)
    if allow_missing:
        cleaned.errors = {name: problem for name, problem in cleaned.errors.items()
                          if problem[0] != "required"}
    if cleaned.errors:
        raise SubmissionInvalid(cleaned.errors)
    row = response_row(point, version_id, cleaned, client_uuid=client_uuid, channel=channel,
                       locale=locale, invitation=invitation, submitted_at=submitted_at)
    reasons = quarantine.screen(row, cleaned, signals) if signals is not None else []
    new_id = insert_once(row)
    if new_id is None:  # this client UUID was stored before: a double tap or a retry
        return Submitted(find_by_uuid(client_uuid, row["province_id"]), duplicate=True)
    if reasons:
        quarantine.hold_earlier(row, reasons)
    if invitation is not None and not use_invitation(invitation):
        raise InvitationUsed()
    write_answers(new_id, cleaned, row["province_id"])
    return Submitted(new_id, duplicate=False)


def insert_new_responses(rows):
    """Insert many ``response_row`` dicts at once; return {client_uuid: id} of the new ones.

    The bulk form of ``insert_once`` for imports: one ``INSERT … ON CONFLICT DO NOTHING
    RETURNING`` per batch of rows (SQLAlchemy's "insertmanyvalues"; on PostgreSQL a COPY
    then one such INSERT, see ``bulk_copy``), so a UUID stored before is skipped by the
    database and 50,000 rows take a few statements, not 50,000.
    """
    if not rows:
        return {}
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        return bulk_copy.insert_new_responses(RESPONSE, rows)
    insert = INSERT_FOR_DIALECT[dialect]
    statement = (insert(RESPONSE).on_conflict_do_nothing()
                 .returning(RESPONSE.c.id, RESPONSE.c.client_uuid))
    found = {}
    for start in range(0, len(rows), BULK_ROWS):
        result = db.session.execute(statement, rows[start:start + BULK_ROWS])
        found.update((client_uuid, new_id) for new_id, client_uuid in result)
    return found


def write_answers_many(province_id, pairs):
    """Comments of many responses of one province: ``pairs`` of (response id,
    CleanAnswers); the closed answers are in the response rows already."""
    comments = [{"province_id": province_id, "response_id": response_id,
                 "text": cleaned.comment, "status": "new"}
                for response_id, cleaned in pairs if cleaned.comment]
    if db.session.get_bind().dialect.name == "postgresql":
        bulk_copy.insert_rows(COMMENT, comments)
        return
    for start in range(0, len(comments), BULK_ROWS * 10):
        db.session.execute(sa.insert(COMMENT), comments[start:start + BULK_ROWS * 10])
