"""Dossiers returned per service point and month: the population counter responses are
weighted to (METHODOLOGY.md §2b)."""
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey_app.models.base import Base, utcnow


class DossierCount(Base):
    """Dossiers a service point returned in a month (Vietnam's calendar month).

    ``month`` is the month's first day. ``procedure_code`` is '' for the point's whole
    month; when the one-stop software reports per procedure, one row per procedure (the
    point's month is then their sum). Sending a month again replaces all its rows.
    """

    __tablename__ = "dossier_count"
    __table_args__ = (
        sa.UniqueConstraint("service_point_id", "month", "procedure_code",
                            name="uq_dossier_count_point_month_procedure"),
        sa.CheckConstraint("count >= 0", name="count_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    service_point_id: Mapped[int] = mapped_column(sa.ForeignKey("service_point.id"), index=True)
    month: Mapped[date] = mapped_column(sa.Date)
    procedure_code: Mapped[str] = mapped_column(sa.String(40), default="", server_default="")
    count: Mapped[int]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    service_point = relationship("ServicePoint")
