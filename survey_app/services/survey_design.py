"""The one design behind every figure (METHODOLOGY.md §2b), for the app and for exports.

- stratum = service point (strata nest in units, so a unit's figures are the same alone
  or as a row of its parent's breakdown);
- PSU = service point x local calendar day (Asia/Ho_Chi_Minh, UTC+7 all year);
- post-stratum (cell) = service point x local calendar month, weighted to the dossiers
  the point returned that month (w = N_cell / n_cell); a cell without a known count is
  its own post-stratum with N_cell = n_cell (weight 1), and the views say "unweighted";
- the design is the whole history of the questionnaire: a unit, a period, a sector…
  is a domain of it. Periods are whole local months, so a page loads only its period's
  responses (cells and PSUs never straddle a period) plus, from one grouped query, the
  number of PSUs of each stratum over all time (the n_h of the variance formula).

Everything here is what R's ``svydesign(ids = ~psu, strata = ~stratum, weights =
~weight, nest = TRUE)`` + ``postStratify(des, ~cell, pop)`` does on an export (see
docs/methodology.md).
"""
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import sqlalchemy as sa

from analysis.design import Design
from analysis.options import LonelyPSU
from survey_app.extensions import db
from survey_app.models import CellTally, DossierCount, InstrumentVersion, PsuTally

#: Vietnam's offset from UTC (no daylight saving since 1975). Stored times are UTC.
LOCAL_OFFSET = timedelta(hours=7)


def utc_bound(local):
    """A local (Vietnam) date-time as the stored UTC instant; None stays None."""
    return None if local is None else local - LOCAL_OFFSET


def local_days(submitted):
    """Local calendar day of each stored (UTC) time, as datetime64[D]."""
    return (np.asarray(submitted, dtype="datetime64[s]")
            + np.timedelta64(7, "h")).astype("datetime64[D]")


def local_day_sql(column):
    """SQL for the local day (text YYYY-MM-DD) of a stored UTC time."""
    if db.engine.dialect.name == "sqlite":
        return sa.func.date(column, "+7 hours")
    return sa.func.to_char(column + sa.text("interval '7 hours'"), "YYYY-MM-DD")


def month_start(day):
    return date(day.year, day.month, 1)


@dataclass(frozen=True)
class Weighting:
    """What weighting applies to a set of responses (for the sentence the views show).

    ``dossiers``: dossiers of the weighted cells; ``points``: service points with
    responses; ``unweighted_points``: of those, the ones with a month without a count.
    """

    dossiers: int
    points: int
    unweighted_points: int
    cells: int
    unweighted_cells: int

    @property
    def weighted(self):
        return self.cells > self.unweighted_cells

    def to_dict(self):
        return {"dossiers": self.dossiers, "service_points": self.points,
                "unweighted_service_points": self.unweighted_points,
                "cells": self.cells, "unweighted_cells": self.unweighted_cells}


def dossier_totals(point_ids, session=None):
    """{(point id, first day of month): dossiers}. A point's month is its row without a
    procedure when there is one, else the sum of its procedures' rows."""
    if not point_ids:
        return {}
    whole, parts = {}, {}
    for point, month, procedure, count in (session or db.session).execute(
            sa.select(DossierCount.service_point_id, DossierCount.month,
                      DossierCount.procedure_code, DossierCount.count)
            .where(DossierCount.service_point_id.in_(point_ids))):
        key = (point, month)
        if procedure:
            parts[key] = parts.get(key, 0) + count
        else:
            whole[key] = count
    return {**parts, **whole}


@dataclass(frozen=True)
class Cells:
    """The design facts of a set of service points for one questionnaire."""

    psu_count: dict          # point id -> PSUs (days with responses) over all time
    responses: dict          # (point id, month date) -> responses in the cell
    dossiers: dict           # (point id, month date) -> dossiers returned (known cells)

    def population(self, point, month):
        """N of the cell: the dossiers when known, else its responses (weight 1)."""
        key = (point, month)
        return self.dossiers.get(key) or self.responses.get(key, 0)

    def weight(self, point, month):
        key = (point, month)
        n = self.responses.get(key, 0)
        known = self.dossiers.get(key)
        return known / n if known and n else 1.0


def tally_facts(point_ids, instrument_ids, session=None):
    """The design facts from the tallies: PSUs of each point over all time, responses of
    each cell, and the dossier counts (three grouped queries on small tables)."""
    session = session or db.session
    point_ids = sorted(set(int(p) for p in point_ids))
    if isinstance(instrument_ids, int):
        instrument_ids = [instrument_ids]
    if not point_ids:
        return Cells({}, {}, {})
    from survey_app.services.org import provinces_of_points  # noqa: PLC0415 - import cycle

    provinces = provinces_of_points(point_ids, session)
    psu_count = dict(session.execute(
        sa.select(PsuTally.service_point_id, sa.func.count(sa.distinct(PsuTally.day)))
        .where(PsuTally.province_id.in_(provinces), PsuTally.service_point_id.in_(point_ids),
               PsuTally.instrument_id.in_(instrument_ids))
        .group_by(PsuTally.service_point_id)).all())
    responses = {(point, month if isinstance(month, date) else date.fromisoformat(month)): int(n)
                 for point, month, n in session.execute(
                     sa.select(CellTally.service_point_id, CellTally.month,
                               sa.func.sum(CellTally.responses))
                     .where(CellTally.province_id.in_(provinces),
                            CellTally.service_point_id.in_(point_ids),
                            CellTally.instrument_id.in_(instrument_ids))
                     .group_by(CellTally.service_point_id, CellTally.month))}
    return Cells(psu_count, responses, dossier_totals(point_ids, session))


def cells_for(point_ids, version_ids, session=None):
    """The design facts of the points for the instruments of ``version_ids``. Without a
    ``session`` of the caller's, the tallies are brought up to date first; a caller with
    its own session or connection (an export stream) refreshes before opening it."""
    from survey_app.services import tally  # noqa: PLC0415 - tally uses this module

    if session is None:
        tally.refresh(limit=tally.sync_limit())
    instrument_ids = (session or db.session).scalars(
        sa.select(InstrumentVersion.instrument_id).where(InstrumentVersion.id.in_(version_ids))
        .distinct()).all()
    return tally_facts(point_ids, list(instrument_ids), session)


def weighting_of(cell_months, facts):
    """``Weighting`` of the cells ``cell_months`` [(point id, month date)]."""
    dossiers, unweighted, points, unweighted_points = 0, 0, set(), set()
    for point, month in cell_months:
        points.add(point)
        known = facts.dossiers.get((point, month))
        if known:
            dossiers += known
        else:
            unweighted += 1
            unweighted_points.add(point)
    return Weighting(int(dossiers), len(points), len(unweighted_points), len(cell_months),
                     unweighted)


@dataclass(frozen=True, eq=False)
class DesignArrays:
    """Per response: stratum, PSU and cell codes, weights, and the design itself."""

    design: Design
    cells: np.ndarray        # cell code per response (for post-stratified variance)
    weights: np.ndarray
    weighting: Weighting


def build(point_ids, submitted, facts, lonely=LonelyPSU.ADJUST):
    """The design of responses at ``point_ids`` (n,) submitted at ``submitted`` (UTC).

    Strata are the service points; PSUs their local days; ``psu_count`` is taken over the
    whole design (all time), so that a period is a domain of it, not a design of its own.
    """
    point_ids = np.asarray(point_ids, dtype=np.int64)
    days = local_days(submitted)
    n = len(point_ids)
    points, stratum = np.unique(point_ids, return_inverse=True)
    day_number = days.astype(np.int64)
    _, psu = np.unique(stratum.astype(np.int64) * 10**6 + (day_number - day_number.min()
                                                           if n else 0),
                       return_inverse=True)
    psu = psu.astype(np.int64)
    psu_stratum = np.zeros(int(psu.max()) + 1 if n else 0, dtype=np.int64)
    psu_stratum[psu] = stratum
    loaded = np.bincount(psu_stratum, minlength=len(points))
    psu_count = np.array([max(facts.psu_count.get(int(p), 0), int(k))
                          for p, k in zip(points, loaded, strict=True)], dtype=np.int64)
    months = days.astype("datetime64[M]")
    month_codes, cell_month = np.unique(months, return_inverse=True)
    cells = (stratum.astype(np.int64) * max(len(month_codes), 1) + cell_month.reshape(-1))
    unique_cells, cells = np.unique(cells, return_inverse=True)
    cell_months = []
    for code in unique_cells:
        point = int(points[code // max(len(month_codes), 1)])
        month = month_codes[code % max(len(month_codes), 1)].astype(object)
        cell_months.append((point, date(month.year, month.month, 1)))
    weight_of_cell = [facts.weight(point, month) for point, month in cell_months]
    weights = np.asarray(weight_of_cell, dtype=float)[cells] if n else np.ones(0)
    design = Design(weights, stratum.astype(np.int64), psu, psu_stratum, psu_count,
                    LonelyPSU(lonely))
    return DesignArrays(design, cells.astype(np.int64), weights, weighting_of(cell_months, facts))
