"""What citizens answered: one response with its closed answers packed, and its comment."""
import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey_app.models import distribution
from survey_app.models.base import Base, StrEnum, str_enum, utcnow


class Channel(StrEnum):
    QR = "qr"
    KIOSK = "kiosk"
    ASSISTED = "assisted"
    INVITATION = "invitation"
    PAPER = "paper"
    IMPORT = "import"


class Response(Base):
    """One submitted questionnaire.

    ``client_uuid`` is generated when the form is served and makes a resubmission
    (double tap, retry after a lost connection) store one response, not two.
    ``verified`` is true only for answers through a one-use dossier invitation; nothing
    links the response to that invitation (whose dossier code could name the citizen).
    ``stratum``, ``psu`` and ``weight`` are the design fields used by ``analysis``.
    ``quarantined`` answers are stored but left out of every index until a manager
    releases them (``services/quarantine.py``); ``source_hash`` (a keyed hash of the
    address whose key changes daily, cleared by ``hailong retention run``) and
    ``answer_digest`` let bursts and identical answers be counted without keeping either.
    ``answer_codes`` holds the closed answers, one character per item of the instrument
    (``services/packing.py``): one row per response keeps 10 million of them in a few GB.
    ``province_id`` is the distribution column (``models.distribution``): the root of
    ``unit_id``'s tree, in every unique key so that a Citus shard can enforce it alone;
    a client UUID is unique within a province.
    """

    __tablename__ = "response"
    __table_args__ = (
        sa.Index("ix_response_unit_submitted", "unit_id", "submitted_at"),
        sa.Index("ix_response_service_point_submitted", "service_point_id", "submitted_at"),
        sa.Index("ix_response_quarantined_unit", "quarantined", "unit_id"),
        # the few responses ever flagged (the console's quarantine counts on every page)
        sa.Index("ix_response_flagged_unit", "unit_id", "submitted_at",
                 postgresql_where=sa.text("quarantine_reason IS NOT NULL"),
                 sqlite_where=sa.text("quarantine_reason IS NOT NULL")),
        sa.UniqueConstraint("province_id", "client_uuid", name="uq_response_province_uuid"),
        # the target of comment's and feedback_case's (province_id, response_id) keys
        sa.UniqueConstraint("province_id", "id", name="uq_response_province_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    province_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"))
    client_uuid: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    instrument_version_id: Mapped[int] = mapped_column(sa.ForeignKey("instrument_version.id"))
    service_point_id: Mapped[int] = mapped_column(sa.ForeignKey("service_point.id"))
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"))
    procedure_id: Mapped[int | None] = mapped_column(sa.ForeignKey("procedure.id"))
    channel: Mapped[Channel] = mapped_column(str_enum(Channel))
    verified: Mapped[bool] = mapped_column(default=False)
    locale: Mapped[str] = mapped_column(sa.String(5), default="vi")
    respondent_type: Mapped[str | None] = mapped_column(sa.String(20))
    sex: Mapped[str | None] = mapped_column(sa.String(10))
    age_band: Mapped[str | None] = mapped_column(sa.String(10))
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    stratum: Mapped[str | None] = mapped_column(sa.String(60))
    psu: Mapped[str | None] = mapped_column(sa.String(60))
    weight: Mapped[float] = mapped_column(sa.Float, default=1.0)
    quarantined: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    #: Why it was held ("burst", "pattern", "speed", comma-separated); kept after a decision.
    quarantine_reason: Mapped[str | None] = mapped_column(sa.String(40))
    #: When a manager released or rejected it (None: never flagged, or still waiting).
    quarantine_reviewed_at: Mapped[datetime | None]
    source_hash: Mapped[str | None] = mapped_column(sa.String(20))
    answer_digest: Mapped[str | None] = mapped_column(sa.String(16))
    #: The file import that brought this response in (channel ``import``), else None.
    import_id: Mapped[int | None] = mapped_column(sa.ForeignKey("response_import.id"),
                                                  index=True)

    #: The closed answers packed (``services.packing``): '' when none was answered.
    answer_codes: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    comment: Mapped["Comment | None"] = relationship(
        back_populates="response", cascade="all, delete-orphan"
    )
    service_point = relationship("ServicePoint")
    instrument_version = relationship("InstrumentVersion")


class CommentStatus(StrEnum):
    NEW = "new"
    PUBLISHED = "published"
    HIDDEN = "hidden"
    ABUSIVE = "abusive"


class Comment(Base):
    """Free text, kept apart from the answers so that it can be moderated.

    It lives in its response's province (same ``province_id``, the key to the response
    includes it) so that a Citus shard holds a response and its comment together.
    """

    __tablename__ = "comment"
    __table_args__ = (
        # the public pages list the newest published comments
        sa.Index("ix_comment_published", "response_id",
                 postgresql_where=sa.text("status = 'published'"),
                 sqlite_where=sa.text("status = 'published'")),
        sa.ForeignKeyConstraint(["province_id", "response_id"],
                                ["response.province_id", "response.id"],
                                name="fk_comment_response", ondelete="CASCADE"),
        sa.UniqueConstraint("province_id", "response_id", name="uq_comment_province_response"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    province_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"))
    response_id: Mapped[int]
    text: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[CommentStatus] = mapped_column(
        str_enum(CommentStatus), default=CommentStatus.NEW
    )
    #: When ``hailong retention run`` removed its personal data (None: not yet).
    redacted_at: Mapped[datetime | None]

    response: Mapped[Response] = relationship(back_populates="comment")


#: The join of a comment to its response, on the province too: on Citus a join of two
#: distributed tables must include the distribution column to stay on one shard.
COMMENT_OF_RESPONSE = sa.and_(Comment.province_id == Response.province_id,
                              Comment.response_id == Response.id)

sa.event.listen(Response, "before_insert", distribution.fill_province_from_unit)
sa.event.listen(Comment, "before_insert", distribution.fill_province_from_response)
