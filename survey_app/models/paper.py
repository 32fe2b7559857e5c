"""Paper questionnaires typed in twice (double entry, as EpiData and CSPro do).

A batch is a pile of paper forms of one service point, one questionnaire version and one
day, numbered ``serial_first``..``serial_last``. Each serial is typed twice by two
different people (``PaperEntry``, pass 1 and 2); the fields where the two differ are
settled by a manager (``PaperDecision``). Until the batch is counted (``counted_at``),
its forms are not responses: they live only in these tables and no result sees them.
Counting writes one ``response`` per serial with channel ``paper``.
"""
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey_app.models.base import Base, utcnow


class PaperBatch(Base):
    __tablename__ = "paper_batch"
    __table_args__ = (
        sa.CheckConstraint("serial_last >= serial_first", name="serial_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    service_point_id: Mapped[int] = mapped_column(sa.ForeignKey("service_point.id"), index=True)
    instrument_version_id: Mapped[int] = mapped_column(sa.ForeignKey("instrument_version.id"))
    #: The day the citizens filled in the forms; becomes the responses' date.
    collected_on: Mapped[date]
    serial_first: Mapped[int]
    serial_last: Mapped[int]
    note: Mapped[str | None] = mapped_column(sa.String(200))
    created_by: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Set when a manager counted the reconciled batch: its forms are responses from then on.
    counted_at: Mapped[datetime | None]
    counted_by: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    service_point = relationship("ServicePoint")
    instrument_version = relationship("InstrumentVersion")

    @property
    def serials(self):
        return range(self.serial_first, self.serial_last + 1)


class PaperEntry(Base):
    """One typing of one paper form: ``codes`` maps field name to the code typed."""

    __tablename__ = "paper_entry"
    __table_args__ = (
        sa.UniqueConstraint("batch_id", "serial", "pass_no", name="uq_paper_entry_pass"),
        sa.UniqueConstraint("batch_id", "serial", "user_id", name="uq_paper_entry_user"),
        sa.CheckConstraint("pass_no IN (1, 2)", name="pass_no"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(sa.ForeignKey("paper_batch.id", ondelete="CASCADE"),
                                          index=True)
    serial: Mapped[int]
    pass_no: Mapped[int] = mapped_column(sa.SmallInteger)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    codes: Mapped[dict] = mapped_column(sa.JSON)
    entered_at: Mapped[datetime] = mapped_column(default=utcnow)

    user = relationship("User")


class PaperDecision(Base):
    """A manager's choice for a field on which the two typings of a form differ."""

    __tablename__ = "paper_decision"
    __table_args__ = (
        sa.UniqueConstraint("batch_id", "serial", "field", name="uq_paper_decision_field"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(sa.ForeignKey("paper_batch.id", ondelete="CASCADE"),
                                          index=True)
    serial: Mapped[int]
    field: Mapped[str] = mapped_column(sa.String(40))
    code: Mapped[str] = mapped_column(sa.String(1000))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)
