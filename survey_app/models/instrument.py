"""Questionnaires as stored: an instrument and its frozen versions."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey_app.models.base import Base, utcnow


class Instrument(Base):
    __tablename__ = "instrument"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(60), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    versions: Mapped[list["InstrumentVersion"]] = relationship(
        back_populates="instrument", order_by="InstrumentVersion.version"
    )

    @property
    def latest(self):
        return self.versions[-1] if self.versions else None


class InstrumentVersion(Base):
    """One wording of an instrument. ``definition`` is the validated YAML as JSON.

    A version that has responses is frozen: changing its wording needs a new version
    number (``instruments.sync`` refuses otherwise).
    """

    __tablename__ = "instrument_version"
    __table_args__ = (
        sa.UniqueConstraint("instrument_id", "version", name="uq_instrument_version_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    instrument_id: Mapped[int] = mapped_column(sa.ForeignKey("instrument.id"), index=True)
    version: Mapped[int]
    digest: Mapped[str] = mapped_column(sa.String(64))
    definition: Mapped[dict] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    instrument: Mapped[Instrument] = relationship(back_populates="versions")
