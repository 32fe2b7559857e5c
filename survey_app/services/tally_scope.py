"""A scope's tallies as the input of ``analysis.psu_sums``: the fast path of every figure.

``load(scope, code, start, end)`` reads the PSU rows of the points in ``scope``'s subtree
and period (one per service point, unit and day) and their cells' Gram matrices, and
builds the §2b design on them (``survey_design``). Its "rows" are PSUs: ``attributes`` and
``local_time`` hold one value per PSU, so domains that are functions of the PSU (unit,
service point, sector, month, quarter, any period of whole months) are estimated without
a single response row. ``None`` means the tallies cannot serve this scope (a point's day
shared by two units, or tallies still to be rebuilt): the caller loads the rows.
"""
from dataclasses import dataclass, field, replace
from datetime import date

import numpy as np
import sqlalchemy as sa
from flask import current_app
from werkzeug.exceptions import ServiceUnavailable

from analysis import contrasts_for
from analysis.design import Design
from analysis.drivers import ClusterGrams
from analysis.options import LonelyPSU
from analysis.psu_sums import PartSums, PsuSums
from survey_app.extensions import db
from survey_app.labels import reader_lang
from survey_app.models import (
    CellTally,
    Instrument,
    PartCellTally,
    PartTally,
    PsuTally,
    ServicePoint,
    TallyState,
    Unit,
)
from survey_app.services import instrument_store, org, survey_design, tally, tally_rows

#: Domains that are functions of the PSU (and so unions of cells).
PSU_DOMAINS = ("unit", "service_point", "sector", "month", "quarter")


class Rebuilding(ServiceUnavailable):
    """The scope's tallies wait for a rebuild (``hailong tally refresh``) and the scope is
    too large to read from its responses in a request: 503, try again in a few minutes."""

    retry_after = 60


def row_limit():
    """Responses a request may read one by one (``ROW_READ_LIMIT``)."""
    return current_app.config.get("ROW_READ_LIMIT", 250_000)


def stale_size(scoped):
    """Responses of the scope by its tallies as they are (before the rebuild)."""
    return sum(r[3] for r in db.session.execute(
        scoped.days(PsuTally, blob=PsuTally.responses)))


@dataclass(frozen=True, eq=False)
class TallyData:
    """What ``analysis_inputs`` needs of a scope, one row per PSU."""

    sums: PsuSums
    contrasts: object
    attributes: dict         # domain -> label per PSU
    local_time: np.ndarray   # datetime64 (P,): the PSU's local day
    weighting: object
    n: int
    rows: object = field(default=None)   # () -> ScopeData (two attributes within a day)
    drivers: object = field(default=None)  # () -> (factors, ClusterGrams) or None
    extras: object = field(default=None)   # () -> {item code: (P, EXTRA_WIDTH) counts}
    by_unit: object = field(default=None)  # () -> Parts: the PSUs, Gram rows per unit
    #: a PSU holds two units' responses (a point moved that day): its ``unit`` attribute
    #: is the first's, so a domain by unit goes through ``by_unit``
    split_days: bool = False
    parts: object = field(default=None)  # dimension -> Parts (one attribute within a day)

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
    layout = tally.cached_layout(instrument_id, instrument_code)
    stored = db.session.scalar(sa.select(TallyState.layout).where(
        TallyState.instrument_id == instrument_id))
    provinces = tuple(org.provinces_for(scope))  # one shard per province on Citus
    scoped = Scoped(instrument_id, scope.path, start, end, provinces)
    if stored != layout.digest:   # to be rebuilt (a release or a questionnaire changed)
        if limit is not None and stale_size(scoped) > row_limit():
            raise Rebuilding()
        return None   # small enough to read from the responses meanwhile
    rows = db.session.execute(scoped.days(PsuTally).order_by(
        PsuTally.service_point_id, PsuTally.day)).all()
    row_point = np.asarray([r[1] for r in rows], dtype=np.int64)
    row_days = np.asarray([tally._as_date(r[2]) for r in rows], dtype="datetime64[D]")
    psu_keys, psu_of_row = np.unique(row_point * 100_000 + row_days.astype(np.int64),
                                     return_inverse=True)
    psu_of_row = psu_of_row.reshape(-1)
    row_sums = tally_rows.decode_sums([r[3] for r in rows], layout.width)
    # a point's day split between two units (it moved that day): one PSU, two rows
    split_days = len(psu_keys) < len(rows)
    first = np.unique(psu_of_row, return_index=True)[1]
    sums = np.zeros((len(psu_keys), layout.width), dtype=np.int64)
    np.add.at(sums, psu_of_row, row_sums)
    point_id, days = row_point[first], row_days[first]
    facts = survey_design.tally_facts(sorted(set(point_id.tolist())), instrument_id)
    months = days.astype("datetime64[M]")
    design, cell, weight, weighting = psu_design(point_id, months, facts)
    cell_of = dict(zip((point_id * 10_000 + months.astype(np.int64)).tolist(), cell.tolist(),
                       strict=True))
    grams = np.zeros((len(weight), 2 * layout.k, 2 * layout.k), dtype=np.int64)
    cell_rows = db.session.execute(scoped.months(CellTally)).all()   # per cell and unit
    for row in cell_rows:
        c = cell_of.get(row[1] * 10_000 + month_number(row[2]))
        if c is not None:
            grams[c] += tally_rows.decode_grams([row[3]], layout.k)[0]
    data = TallyData(PsuSums(sums, cell, weight, grams, design), contrasts,
                     attributes_of([rows[i] for i in first], days),
                     days.astype("datetime64[s]"), weighting, int(sums[:, 0].sum()),
                     split_days=split_days)
    psu_of = dict(zip(psu_keys.tolist(), range(len(psu_keys)), strict=True))
    return replace(data, parts=lambda dimension: load_parts(
        data, scoped, layout, dimension, psu_of, cell_of),
        by_unit=lambda: unit_parts(data, (row_sums, psu_of_row, attributes_of(rows, row_days)),
                                   cell_rows, layout, cell_of),
        drivers=lambda: load_drivers(data, scoped, layout, psu_of),
        extras=lambda: load_extras(data, scoped, layout, psu_of))


def month_number(value):
    return int(np.datetime64(tally._as_date(value), "M").astype(np.int64))


def attributes_of(rows, days):
    """PSU attributes of rows (unit id, point id, day or month, blob, unit code, point code,
    sector, [value])."""
    months = days.astype("datetime64[M]")
    month_labels = np.datetime_as_string(months, unit="M")
    years = np.char.ljust(month_labels, 4).astype("U4") if len(rows) else month_labels
    quarter = (months.astype(np.int64) % 12) // 3 + 1
    points = {}   # (unit code, point code, sector) -> labels: a few distinct per scope
    for r in rows:
        points.setdefault((r[4], r[5], r[6]), None)
    labels = {key: (f"{key[0]}/{key[1]}", str(getattr(key[2], "value", key[2])))
              for key in points}
    return {
        "unit": np.asarray([r[4] for r in rows], dtype=object),
        "service_point": np.asarray([labels[(r[4], r[5], r[6])][0] for r in rows],
                                    dtype=object),
        "sector": np.asarray([labels[(r[4], r[5], r[6])][1] for r in rows], dtype=object),
        "month": month_labels.astype(object),
        "quarter": np.char.add(np.char.add(years.astype(str), "-Q"),
                               quarter.astype(str)).astype(object),
    }


@dataclass(frozen=True)
class Scoped:
    """The filters of one scope, instrument and period, for any tally table."""

    instrument_id: int
    path: str
    start: object
    end: object
    provinces: tuple

    def _select(self, table, period, blob, dimension=None):
        columns = [table.unit_id, table.service_point_id, period, blob, Unit.code,
                   ServicePoint.code, ServicePoint.sector]
        if dimension is not None:
            columns.append(table.value)
        query = (sa.select(*columns)
                 .join(Unit, Unit.id == table.unit_id)
                 .join(ServicePoint, ServicePoint.id == table.service_point_id)
                 .where(table.province_id.in_(self.provinces),
                        table.instrument_id == self.instrument_id,
                        Unit.path.startswith(self.path)))
        if dimension is not None:
            query = query.where(table.dimension == dimension)
        return query

    def days(self, table, dimension=None, blob=None):
        query = self._select(table, table.day, table.sums if blob is None else blob, dimension)
        if self.start is not None:
            query = query.where(table.day >= self.start.date())
        if self.end is not None:
            query = query.where(table.day < self.end.date())
        return query

    def months(self, table, dimension=None):
        query = self._select(table, table.month, table.gram, dimension)
        if self.start is not None:
            query = query.where(table.month >= date(self.start.year, self.start.month, 1))
        if self.end is not None:
            query = query.where(table.month < self.end.date())
        return query


@dataclass(frozen=True, eq=False)
class Parts:
    """A scope's PSUs split by one attribute: ``sums`` (PartSums without gram domains),
    the attributes of each part and of each Gram row (PSU attributes + the dimension)."""

    sums: PartSums
    attributes: dict
    gram_attributes: dict


def load_parts(data, scoped, layout, dimension, psu_of, cell_of):
    """The parts of ``data``'s PSUs by ``dimension`` (one of ``tally_rows.PART_DIMENSIONS``)."""
    rows = db.session.execute(scoped.days(PartTally, dimension)).all()
    days = np.asarray([tally._as_date(r[2]) for r in rows], dtype="datetime64[D]")
    keys = np.asarray([r[1] for r in rows], dtype=np.int64) * 100_000 + days.astype(np.int64)
    psu = np.asarray([psu_of[k] for k in keys.tolist()], dtype=np.int64)
    sums = tally_rows.decode_sums([r[3] for r in rows], layout.width)
    attributes = {**attributes_of(rows, days),
                  dimension: np.asarray([r[7] for r in rows], dtype=object)}
    grams = db.session.execute(scoped.months(PartCellTally, dimension)).all()
    gram_months = np.asarray([tally._as_date(r[2]) for r in grams], dtype="datetime64[D]")
    gram_cell = np.asarray([cell_of.get(r[1] * 10_000 + month_number(r[2]), -1) for r in grams],
                           dtype=np.int64)
    kept = gram_cell >= 0
    gram_attributes = {**attributes_of(grams, gram_months),
                       dimension: np.asarray([r[7] for r in grams], dtype=object)}
    gram_attributes = {name: values[kept] for name, values in gram_attributes.items()}
    matrices = tally_rows.decode_grams([r[3] for r, keep in zip(grams, kept, strict=True) if keep],
                                  layout.k)
    base = data.sums
    part_sums = PartSums(sums, psu, base.sums[:, 0], base.cell, base.weight, matrices,
                         gram_cell[kept], np.zeros(int(kept.sum()), dtype=np.int64), base.design)
    return Parts(part_sums, attributes, gram_attributes)


def _psu_blobs(data, scoped, blob, psu_of):
    """(PSU row of each stored row, the blobs) of one ``psu_tally`` column."""
    rows = db.session.execute(scoped.days(PsuTally, blob=blob)).all()
    days = np.asarray([tally._as_date(r[2]) for r in rows], dtype="datetime64[D]")
    keys = np.asarray([r[1] for r in rows], dtype=np.int64) * 100_000 + days.astype(np.int64)
    return np.asarray([psu_of[k] for k in keys.tolist()], dtype=np.int64), [r[3] for r in rows]


def load_extras(data, scoped, layout, psu_of):
    """{item code: (P, ``tally_rows.EXTRA_WIDTH``) int64} of ``data``'s PSUs: answers with a
    value, Σ value, answers of each value 0-9 (``tally.extra_counts``)."""
    if not layout.extras:
        return {}
    psu, blobs = _psu_blobs(data, scoped, PsuTally.extras, psu_of)
    counts = np.zeros((len(data.weights), len(layout.extras), tally_rows.EXTRA_WIDTH), np.int64)
    np.add.at(counts, psu, tally_rows.decode_extras(blobs, len(layout.extras)))
    return {code: counts[:, j] for j, (code, _slot) in enumerate(layout.extras)}


def load_drivers(data, scoped, layout, psu_of):
    """(factors [(code, name)], ``analysis.drivers.ClusterGrams``) of ``data``'s PSUs: the
    PSU's driver sums times its weight; None without an overall question."""
    if not layout.drivers:
        return None
    psu, blobs = _psu_blobs(data, scoped, PsuTally.drivers, psu_of)
    k = layout.factors
    grams = np.zeros((len(data.weights), k + 2, k + 2))
    np.add.at(grams, psu, tally_rows.decode_drivers(blobs, k))   # a split day: two rows
    counts = np.rint(grams[:, 0, 0]).astype(np.int64)
    factors = [(code, name) for code, name, level in zip(
        data.contrasts.codes, data.contrasts.names, data.contrasts.levels, strict=True)
        if level == "factor"]
    return factors, ClusterGrams(grams * data.weights[:, None, None], counts,
                                 data.attributes["service_point"])


def unit_parts(data, unit_rows, cell_rows, layout, cell_of):
    """``data``'s PSUs split by unit (``unit_rows``: the stored rows' sums, their PSU and
    attributes; one row per PSU but where a point moved that day), with the Gram rows of
    each cell kept per unit: for domains by unit when a service point changed unit within
    a month (the domain then takes part of a cell, ``analysis.psu_sums.SplitCells``)."""
    months = np.asarray([tally._as_date(r[2]) for r in cell_rows], dtype="datetime64[D]")
    gram_cell = np.asarray([cell_of.get(r[1] * 10_000 + month_number(r[2]), -1)
                            for r in cell_rows], dtype=np.int64)
    kept = gram_cell >= 0
    gram_attributes = {name: values[kept]
                       for name, values in attributes_of(cell_rows, months).items()}
    matrices = tally_rows.decode_grams([r[3] for r, keep in zip(cell_rows, kept, strict=True)
                                        if keep], layout.k)
    base = data.sums
    sums, psus, attributes = unit_rows
    part_sums = PartSums(sums, psus, base.sums[:, 0], base.cell, base.weight, matrices,
                         gram_cell[kept], np.zeros(int(kept.sum()), dtype=np.int64),
                         base.design)
    return Parts(part_sums, attributes, gram_attributes)


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
