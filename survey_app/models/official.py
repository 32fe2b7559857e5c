"""Published SIPAS / PAR INDEX / PAPI results and the targets set in provincial plans."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from survey_app.models.base import Base, utcnow


class OfficialResult(Base):
    """One row of an official table (a node of SIPAS, PAR INDEX or PAPI for a place and year).

    ``target_next_year`` is the plan's target for ``year + 1``. A row belongs to the unit it
    was imported for (``unit_id``): the same published table imported for two units gives
    two sets of rows, and an import for one unit never reads or writes another's.
    """

    __tablename__ = "official_result"
    __table_args__ = (
        sa.UniqueConstraint("unit_id", "index", "place", "year", "code",
                            name="uq_official_result_unit_node"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    index: Mapped[str] = mapped_column(sa.String(20))
    place: Mapped[str] = mapped_column(sa.String(200))
    year: Mapped[int]
    code: Mapped[str] = mapped_column(sa.String(40))
    level: Mapped[int]
    position: Mapped[int]
    name_vi: Mapped[str] = mapped_column(sa.Text)
    max_points: Mapped[float | None]
    result: Mapped[float | None]
    target_next_year: Mapped[float | None]
    lead_unit: Mapped[str | None] = mapped_column(sa.Text)
    source: Mapped[str | None] = mapped_column(sa.String(200))
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)
