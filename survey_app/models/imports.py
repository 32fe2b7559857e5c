"""Imports of responses from files (Google Forms, KoboToolbox, any CSV or XLSX).

An import is uploaded, previewed, then confirmed; its responses carry its id, so it can
be undone as a whole. The file and the column mapping are kept with it: the mapping can
be used again for the next export of the same form, and the file shows what came in.
"""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey_app.models.base import Base, StrEnum, str_enum, utcnow


class ImportStatus(StrEnum):
    PREVIEW = "preview"      # uploaded and checked; nothing stored yet
    IMPORTED = "imported"    # its responses are stored
    UNDONE = "undone"        # its responses were deleted again
    DISCARDED = "discarded"  # the preview was dropped without storing anything


class ResponseImport(Base):
    """One file of responses for one service point and questionnaire version.

    ``actor`` names who ran it (a username, or ``cli:<system user>`` for the command,
    which has no staff account); the counts are those of the last check or store.
    """

    __tablename__ = "response_import"

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[ImportStatus] = mapped_column(str_enum(ImportStatus),
                                                 default=ImportStatus.PREVIEW)
    service_point_id: Mapped[int] = mapped_column(sa.ForeignKey("service_point.id"), index=True)
    instrument_version_id: Mapped[int] = mapped_column(sa.ForeignKey("instrument_version.id"))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    actor: Mapped[str] = mapped_column(sa.String(120))
    file_name: Mapped[str] = mapped_column(sa.String(255))
    file_digest: Mapped[str] = mapped_column(sa.String(64))
    content: Mapped[bytes] = mapped_column(sa.LargeBinary)
    mapping: Mapped[dict] = mapped_column(sa.JSON)
    #: The file's header, to show which columns the mapping leaves out.
    file_columns: Mapped[list | None] = mapped_column(sa.JSON)
    rows_total: Mapped[int] = mapped_column(default=0)
    rows_valid: Mapped[int] = mapped_column(default=0)
    rows_invalid: Mapped[int] = mapped_column(default=0)
    rows_duplicate: Mapped[int] = mapped_column(default=0)
    rows_stored: Mapped[int] = mapped_column(default=0)
    #: The first problems found (row, column, message code, parameters), for the preview.
    problems: Mapped[list | None] = mapped_column(sa.JSON)
    #: The earliest and latest date of the valid rows (UTC), to check the date format.
    first_answer_at: Mapped[datetime | None]
    last_answer_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    imported_at: Mapped[datetime | None]
    undone_at: Mapped[datetime | None]
    undone_by: Mapped[str | None] = mapped_column(sa.String(120))

    service_point = relationship("ServicePoint")
    instrument_version = relationship("InstrumentVersion")
    user = relationship("User")
