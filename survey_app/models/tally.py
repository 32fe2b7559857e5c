"""Sums of the answers per PSU (service point x day) and per cell (service point x month),
kept current as responses arrive: what every index of the app is computed from
(``analysis.psu_sums``, ``services.tally``).

``tally_dirty`` is written by database triggers on ``response`` (insert, delete, and an
update of the columns a tally depends on), so no way of writing a response — the form, an
import, COPY, a quarantine decision, SQL by hand — can leave a tally stale: the next
refresh recomputes the cells those keys fall in.
"""
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from survey_app.models.base import Base, utcnow


class PsuTally(Base):
    """One PSU's sums for one questionnaire, in the layout of ``analysis.psu_sums``.

    ``sums`` holds int32 values: responses, Σ satisfied, Σ answer, Σ valid per item, all
    satisfied, any valid, and the responses valid for each estimate (items then index-tree
    nodes, in the instrument's current ``contrasts`` order; ``TallyState.layout`` names it).
    """

    __tablename__ = "psu_tally"

    #: The distribution column (``models.distribution``): the province of ``unit_id``.
    province_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"), primary_key=True)
    instrument_id: Mapped[int] = mapped_column(sa.ForeignKey("instrument.id"), primary_key=True)
    service_point_id: Mapped[int] = mapped_column(sa.ForeignKey("service_point.id"),
                                                  primary_key=True)
    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    #: The unit the responses were given to (a point's unit can change; responses keep theirs).
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"), primary_key=True)
    responses: Mapped[int]
    sums: Mapped[bytes] = mapped_column(sa.LargeBinary)
    #: The key drivers' Σ z zᵀ over complete answers, z = [1, x_1 … x_K, y] (float64,
    #: (K+2)², ``analysis.drivers.ClusterGrams``); None when the questionnaire has no
    #: overall question.
    drivers: Mapped[bytes | None] = mapped_column(sa.LargeBinary, nullable=True)
    #: Counts of the questionnaire's other stored items (yes/no, choices), int32 per item:
    #: answers with a value, Σ value, answers of each value 0-9 (``services.tally``).
    extras: Mapped[bytes | None] = mapped_column(sa.LargeBinary, nullable=True)


class CellTally(Base):
    """One post-stratum's (service point x month) Gram matrix Σ [s, v]ᵀ [s, v] (int32,
    2K x 2K) and its number of responses."""

    __tablename__ = "cell_tally"

    province_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"), primary_key=True)
    instrument_id: Mapped[int] = mapped_column(sa.ForeignKey("instrument.id"), primary_key=True)
    service_point_id: Mapped[int] = mapped_column(sa.ForeignKey("service_point.id"),
                                                  primary_key=True)
    month: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"), primary_key=True)
    responses: Mapped[int]
    gram: Mapped[bytes] = mapped_column(sa.LargeBinary)


class PartTally(Base):
    """A PSU's sums split by one attribute that varies within a day (channel, verified,
    procedure, the profile answers): one row per value present, same layout as
    ``PsuTally.sums``."""

    __tablename__ = "part_tally"

    province_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"), primary_key=True)

    instrument_id: Mapped[int] = mapped_column(sa.ForeignKey("instrument.id"), primary_key=True)
    service_point_id: Mapped[int] = mapped_column(sa.ForeignKey("service_point.id"),
                                                  primary_key=True)
    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"), primary_key=True)
    dimension: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    value: Mapped[str] = mapped_column(sa.String(60), primary_key=True)
    responses: Mapped[int]
    sums: Mapped[bytes] = mapped_column(sa.LargeBinary)


class PartCellTally(Base):
    """A cell's Gram matrix split by one attribute that varies within a day."""

    __tablename__ = "part_cell_tally"

    province_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"), primary_key=True)

    instrument_id: Mapped[int] = mapped_column(sa.ForeignKey("instrument.id"), primary_key=True)
    service_point_id: Mapped[int] = mapped_column(sa.ForeignKey("service_point.id"),
                                                  primary_key=True)
    month: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"), primary_key=True)
    dimension: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    value: Mapped[str] = mapped_column(sa.String(60), primary_key=True)
    responses: Mapped[int]
    gram: Mapped[bytes] = mapped_column(sa.LargeBinary)


class TallyState(Base):
    """Which layout an instrument's tallies are in (a digest of its items and index tree):
    a new version that changes them makes the next refresh rebuild them."""

    __tablename__ = "tally_state"

    instrument_id: Mapped[int] = mapped_column(sa.ForeignKey("instrument.id"), primary_key=True)
    layout: Mapped[str] = mapped_column(sa.String(64))
    refreshed_at: Mapped[datetime] = mapped_column(default=utcnow)


class TallyDirty(Base):
    """A (province, version, service point, local day) whose responses changed since the
    last refresh; the province is the responses' (``response.province_id``)."""

    __tablename__ = "tally_dirty"

    province_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"), primary_key=True)
    instrument_version_id: Mapped[int] = mapped_column(primary_key=True)
    service_point_id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
