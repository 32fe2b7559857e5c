"""A scope's tallies as the input of ``analysis.psu_sums``: the fast path of every figure.

``load(scope, code, start, end)`` reads the PSU rows of the points in ``scope``'s subtree
and period (one per service point, unit and day) and their cells' Gram matrices, and
builds the §2b design on them (``survey_design``). Its "rows" are PSUs: ``attributes`` and
``local_time`` hold one value per PSU, so domains that are functions of the PSU (unit,
service point, sector, month, quarter, any period of whole months) are estimated without
a single response row. ``None`` means the tallies cannot serve this scope (a point's day
shared by two units, or tallies still to be rebuilt): the caller loads the rows.
"""
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import sqlalchemy as sa

from analysis import contrasts_for
from analysis.design import Design
from analysis.options import LonelyPSU
from analysis.psu_sums import PsuSums
from survey_app.extensions import db
from survey_app.labels import reader_lang
from survey_app.models import CellTally, Instrument, PsuTally, ServicePoint, TallyState, Unit
from survey_app.services import instrument_store, org, survey_design, tally

#: Domains that are functions of the PSU (and so unions of cells).
PSU_DOMAINS = ("unit", "service_point", "sector", "month", "quarter")


@dataclass(frozen=True, eq=False)
class TallyData:
    """What ``analysis_inputs`` needs of a scope, one row per PSU."""

    sums: PsuSums
    contrasts: object
    attributes: dict         # domain -> label per PSU
    local_time: np.ndarray   # datetime64 (P,): the PSU's local day
    weighting: object
    n: int
    rows: object = field(default=None)   # () -> ScopeData, for domains within a PSU

    @property
    def weights(self):
        """One weight per PSU (its cell's); ``n`` is the number of responses."""
        return self.sums.weight[self.sums.cell]


def load(scope, instrument_code, start=None, end=None, lang=None, limit=None):
    """The tallies of ``scope``'s subtree from ``start`` to ``end`` (local, whole months),
    or None when they cannot serve it."""
    tally.refresh(limit=limit)
    instrument_id = db.session.scalar(sa.select(Instrument.id).where(
        Instrument.code == instrument_code))
    current = instrument_store.current_version(instrument_code)
    if current is None or instrument_id is None:
        raise ValueError(f"instrument '{instrument_code}' is not loaded")
    contrasts = contrasts_for(current[1], lang or reader_lang())
    layout = tally.Layout(instrument_id, instrument_code)
    stored = db.session.scalar(sa.select(TallyState.layout).where(
        TallyState.instrument_id == instrument_id))
    if stored != layout.digest:
        return None
    provinces = org.provinces_for(scope)  # one shard per province on Citus
    query = (sa.select(PsuTally.unit_id, PsuTally.service_point_id, PsuTally.day,
                       PsuTally.sums, Unit.code, ServicePoint.code, ServicePoint.sector)
             .join(Unit, Unit.id == PsuTally.unit_id)
             .join(ServicePoint, ServicePoint.id == PsuTally.service_point_id)
             .where(PsuTally.province_id.in_(provinces), PsuTally.instrument_id == instrument_id,
                    Unit.path.startswith(scope.path)))
    cells = (sa.select(CellTally.service_point_id, CellTally.month, CellTally.gram)
             .join(Unit, Unit.id == CellTally.unit_id)
             .where(CellTally.province_id.in_(provinces),
                    CellTally.instrument_id == instrument_id, Unit.path.startswith(scope.path)))
    if start is not None:
        query = query.where(PsuTally.day >= start.date())
        cells = cells.where(CellTally.month >= date(start.year, start.month, 1))
    if end is not None:
        query = query.where(PsuTally.day < end.date())
        cells = cells.where(CellTally.month < end.date())
    rows = db.session.execute(query.order_by(PsuTally.service_point_id, PsuTally.day)).all()
    point_id = np.asarray([r[1] for r in rows], dtype=np.int64)
    days = np.asarray([tally._as_date(r[2]) for r in rows], dtype="datetime64[D]")
    if len(np.unique(point_id * 100_000 + days.astype(np.int64))) != len(rows):
        return None   # a point's day split between units: the rows know which is which
    sums = tally.decode_sums([r[3] for r in rows], layout.width)
    facts = survey_design.tally_facts(sorted(set(point_id.tolist())), instrument_id)
    months = days.astype("datetime64[M]")
    design, cell, weight, weighting = psu_design(point_id, months, facts)
    grams = np.zeros((len(weight), 2 * layout.k, 2 * layout.k), dtype=np.int64)
    cell_index = {key: c for c, key in enumerate(zip(point_id.tolist(), months.tolist(),
                                                     strict=True))}
    cell_index = {key: cell[c] for key, c in cell_index.items()}
    for point, month, blob in db.session.execute(cells):
        c = cell_index.get((point, np.datetime64(tally._as_date(month), "M").astype(object)))
        if c is not None:
            grams[c] += tally.decode_grams([blob], layout.k)[0]
    unit = np.asarray([r[4] for r in rows], dtype=object)
    local = days.astype(object)
    attributes = {
        "unit": unit,
        "service_point": np.asarray([f"{r[4]}/{r[5]}" for r in rows], dtype=object),
        "sector": np.asarray([str(getattr(r[6], "value", r[6])) for r in rows], dtype=object),
        "month": np.asarray([f"{d:%Y-%m}" for d in local], dtype=object),
        "quarter": np.asarray([f"{d.year}-Q{(d.month - 1) // 3 + 1}" for d in local],
                              dtype=object),
    }
    return TallyData(PsuSums(sums, cell, weight, grams, design), contrasts, attributes,
                     days.astype("datetime64[s]"), weighting, int(sums[:, 0].sum()))


def psu_design(point_id, months, facts):
    """The §2b design on PSU rows: strata = points, PSUs = the rows, cells = point x month
    (as ``survey_design.build`` does on response rows)."""
    points, stratum = np.unique(point_id, return_inverse=True)
    stratum = stratum.reshape(-1).astype(np.int64)
    loaded = np.bincount(stratum, minlength=len(points))
    psu_count = np.array([max(facts.psu_count.get(int(p), 0), int(k))
                          for p, k in zip(points, loaded, strict=True)], dtype=np.int64)
    keys = point_id * 10_000 + months.astype(np.int64)
    unique_cells, cell = np.unique(keys, return_inverse=True)
    cell = cell.reshape(-1).astype(np.int64)
    cell_months = [(int(key // 10_000), np.datetime64(int(key % 10_000), "M").astype(object))
                   for key in unique_cells.tolist()]
    weight = np.asarray([facts.weight(p, m) for p, m in cell_months], dtype=float)
    weighting = survey_design.weighting_of(cell_months, facts)
    design = Design(weight[cell], stratum, np.arange(len(point_id)), stratum, psu_count,
                    LonelyPSU.ADJUST)
    return design, cell, weight, weighting
