"""Tallies: the sums per PSU and per cell every index is computed from, kept current.

A page never reads the responses of its scope: it reads the ``psu_tally`` rows of its
points and period (one per service point and day) and the ``cell_tally`` rows of their
months, and ``analysis.psu_sums`` gives the same figures the row-by-row engine gives.

Freshness: triggers on ``response`` write what changed into ``tally_dirty``;
``refresh()`` recomputes the cells (service point x month) those keys fall in, in its own
transaction on the primary. Pages call it before reading, at most every
``TALLY_REFRESH_SECONDS`` per process (so a new answer shows within that time plus the
replica's lag), and only when at most ``TALLY_SYNC_LIMIT`` keys wait: a bigger backlog
(after a bulk load) is left to ``hailong tally refresh`` (the deploy's timer runs it
every minute), so no request starts a long computation.
"""
import hashlib
import threading
import time
from collections import defaultdict
from contextlib import nullcontext
from datetime import date

import numpy as np
import sqlalchemy as sa
import sqlalchemy.orm
from flask import current_app, has_request_context
from sqlalchemy.dialects import postgresql, sqlite

from analysis import contrasts_for
from analysis.psu_sums import structure_of, sums_width
from survey_app.extensions import db
from survey_app.models import (
    CellTally,
    Instrument,
    InstrumentVersion,
    PartCellTally,
    PartTally,
    Procedure,
    PsuTally,
    Response,
    TallyDirty,
    TallyState,
)
from survey_app.models.base import utcnow
from survey_app.services import instrument_store, packing
from survey_app.services.tally_rows import DRIVERS_OUTCOME, write

#: What the tallies hold; part of every layout's digest, so a new format rebuilds them
#: (2: ``psu_tally.drivers`` and ``psu_tally.extras``).
FORMAT = 2
#: pg_advisory_xact_lock key of the refresh: one refresher at a time per database.
LOCK_KEY = 0x686C7461
#: Months read at once when a point's tallies are rebuilt (bounded memory).
MONTHS_PER_READ = 3
INSERT_FOR_DIALECT = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}

_last_refresh = {}
#: ``Session.info`` key: this transaction has written (a refresh must then run inside it).
WROTE = "hailong_tally_wrote"
_lock = threading.Lock()


class Layout:
    """An instrument's current items and index tree, and where each item is packed."""

    def __init__(self, instrument_id, code):
        current = instrument_store.current_version(code)
        if current is None:
            raise ValueError(f"instrument '{code}' is not loaded")
        self.instrument_id = instrument_id
        self.contrasts = contrasts_for(current[1])
        self.structure = structure_of(self.contrasts)
        slots = packing.slots(instrument_id)
        self.positions = [packing.slot_of(slots, item) for item in self.contrasts.items]
        digest = hashlib.sha256(repr((FORMAT, self.contrasts.items, self.contrasts.codes,
                                      slots)).encode())
        digest.update(np.ascontiguousarray(self.contrasts.matrix, dtype=float).tobytes())
        self.digest = digest.hexdigest()
        self.k, self.m = len(self.contrasts.items), len(self.contrasts.codes)
        self.width = sums_width(self.k, self.m)
        #: the drivers' regressors and outcome are tallied when there is an overall item
        self.drivers = DRIVERS_OUTCOME in self.contrasts.items
        self.factors = sum(level == "factor" for level in self.contrasts.levels)
        #: the other stored items (yes/no, choices: the report's informal demands and
        #: trips), counted per value: [(code, slot)]
        self.extras = [(code, slot) for slot, code in enumerate(slots)
                       if code not in self.contrasts.items]
        self.version_ids = db.session.scalars(
            sa.select(InstrumentVersion.id).where(InstrumentVersion.instrument_id == instrument_id)
        ).all()


_layouts = {}


def cached_layout(instrument_id, code):
    """``Layout`` of the instrument's current version, computed once per version."""
    current = instrument_store.current_version(code)
    key = (str(db.engine.url), instrument_id, current[0] if current else None)
    if key not in _layouts:
        _layouts[key] = Layout(instrument_id, code)
    return _layouts[key]


def forget():
    """Drop the cached layouts (versions were stored or changed)."""
    _layouts.clear()


def layout_for(instrument_id):
    code = db.session.scalar(sa.select(Instrument.code).where(Instrument.id == instrument_id))
    return Layout(instrument_id, code)


#: More changed (point, day) keys than this are a backlog whatever their size.
MAX_SYNC_KEYS = 5000


def backlog(connection):
    """Responses a refresh would read again: those already counted in the changed cells
    (a new cell counts its new keys only), or infinity past ``MAX_SYNC_KEYS`` keys."""
    keys = connection.execute(sa.select(TallyDirty.service_point_id, TallyDirty.day)
                              .limit(MAX_SYNC_KEYS + 1)).all()
    if len(keys) > MAX_SYNC_KEYS:
        return float("inf")
    months = {(point, date(_as_date(day).year, _as_date(day).month, 1)) for point, day in keys}
    counted = connection.execute(
        sa.select(CellTally.service_point_id, CellTally.month, sa.func.sum(CellTally.responses))
        .where(CellTally.service_point_id.in_({point for point, _ in months}))
        .group_by(CellTally.service_point_id, CellTally.month)).all()
    return len(keys) + sum(int(n) for point, month, n in counted
                           if (point, _as_date(month)) in months)


def pending(connection=None):
    """Keys waiting to be counted."""
    query = sa.select(sa.func.count()).select_from(TallyDirty)
    return (connection or db.session).scalar(query)


def refresh(limit=None, force=False):
    """Recompute the cells with changed responses; rebuild an instrument whose layout
    changed. Returns the number of cells recomputed, or None when skipped: refreshed less
    than ``TALLY_REFRESH_SECONDS`` ago in this process, or more work waits than ``limit``
    responses to read again (the responses already counted in the changed cells; a
    rebuild or more than ``MAX_SYNC_KEYS`` changed days count as too much).
    """
    key = str(db.engine.url)
    now = time.monotonic()
    every = current_app.config.get("TALLY_REFRESH_SECONDS", 20)
    if not force and now - _last_refresh.get(key, -1e9) < every:
        return None
    with _lock:
        _last_refresh[key] = now
        inside = wrote()
        with (nullcontext(db.session.connection()) if inside else db.engine.connect()) as look:
            layouts, stale = check_layouts(look)
            if not stale and look.scalar(sa.select(TallyDirty.day).limit(1)) is None:
                return 0   # the usual case: nothing changed since the last refresh
        with (nullcontext(db.session.connection()) if inside else db.engine.begin()) as connection:
            if connection.dialect.name == "postgresql" and not locked(connection, limit):
                return None   # a page does not wait for another refresh (the timer's rebuild)
            layouts, stale = check_layouts(connection)
            if limit is not None and (stale or backlog(connection) > limit):
                return None   # a backlog: left to `hailong tally refresh`, nothing changed
            for layout in stale:
                rebuild(connection, layout)
            dirty = connection.execute(sa.delete(TallyDirty).returning(
                TallyDirty.province_id, TallyDirty.instrument_version_id,
                TallyDirty.service_point_id, TallyDirty.day)).all()
            instrument_of = {v: layout.instrument_id for layout in layouts.values()
                             for v in layout.version_ids}
            cells = defaultdict(set)
            for province_id, version_id, point_id, day in dirty:
                if version_id in instrument_of:
                    day = _as_date(day)
                    cells[(instrument_of[version_id], province_id, point_id)].add(
                        date(day.year, day.month, 1))
            for (instrument_id, province_id, point_id), months in sorted(cells.items()):
                recompute(connection, layouts[instrument_id], province_id, point_id,
                          sorted(months))
        done = sum(len(m) for m in cells.values())
        if done and not inside:
            see_new_tallies()
        return done


def locked(connection, limit):
    """Take the refresh's lock for this transaction: the command waits for it; a page
    (``limit`` set) only tries, so it never waits minutes behind a rebuild or a bulk
    load's backlog and reads the tallies as they are."""
    if limit is None:
        connection.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": LOCK_KEY})
        return True
    return bool(connection.scalar(sa.text("SELECT pg_try_advisory_xact_lock(:k)"),
                                  {"k": LOCK_KEY}))


def sync_limit():
    """How much counting a request may do before it reads the tallies (``refresh``'s
    ``limit``): less for anonymous pages; None outside requests (the CLI does it all)."""
    if not has_request_context():
        return None
    from flask_login import current_user  # noqa: PLC0415

    signed_in = getattr(current_user, "is_authenticated", False)
    return current_app.config.get("TALLY_SYNC_LIMIT" if signed_in else "TALLY_PUBLIC_SYNC_LIMIT",
                                  20_000)


def see_new_tallies():
    """On SQLite a transaction reads one snapshot: a session that read before the refresh
    committed would not see the new tallies. Its transaction only read (else the refresh
    ran inside it), so ending it loses nothing. (PostgreSQL reads each statement afresh.)"""
    session = db.session
    if session.get_bind().dialect.name == "sqlite" and session().in_transaction():
        session.rollback()


def wrote():
    """Whether the caller's transaction has written: the refresh then runs inside it (a
    second connection would wait for its locks, and would not see its rows); else in its
    own transaction on the primary, committed at once. Pending objects are flushed."""
    session = db.session
    if session.new or session.dirty or session.deleted:
        session.flush()
    return bool(session.info.get(WROTE))


@sa.event.listens_for(sa.orm.Session, "after_flush")
def _flushed(session, _context):
    session.info[WROTE] = True


@sa.event.listens_for(sa.orm.Session, "do_orm_execute")
def _executed(state):
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[WROTE] = True


@sa.event.listens_for(sa.orm.Session, "after_transaction_end")
def _ended(session, transaction):
    if transaction.parent is None:
        session.info.pop(WROTE, None)


def check_layouts(connection):
    """Every instrument's layout, and those whose stored layout differs (or is missing)."""
    layouts, stale = {}, []
    states = dict(connection.execute(sa.select(TallyState.instrument_id, TallyState.layout)).all())
    for instrument_id, code in db.session.execute(sa.select(Instrument.id, Instrument.code)):
        if instrument_store.current_version(code) is None:
            continue
        layout = cached_layout(instrument_id, code)
        layouts[instrument_id] = layout
        if states.get(instrument_id) != layout.digest:
            stale.append(layout)
    return layouts, stale


def rebuild(connection, layout):
    """Drop an instrument's tallies and mark all its responses changed."""
    instrument_id = layout.instrument_id
    for table in (PsuTally, CellTally, PartTally, PartCellTally):
        connection.execute(sa.delete(table).where(table.instrument_id == instrument_id))
    mark_all(connection, layout.version_ids)
    connection.execute(sa.delete(TallyState).where(TallyState.instrument_id == instrument_id))
    connection.execute(sa.insert(TallyState).values(
        instrument_id=instrument_id, layout=layout.digest, refreshed_at=utcnow()))


def local_day_sql(column, dialect):
    if dialect == "sqlite":
        return sa.func.date(column, "+7 hours")
    return sa.cast(column + sa.text("interval '7 hours'"), sa.Date)


def mark_all(connection, version_ids):
    """Mark every response of these versions changed (a rebuild)."""
    if not version_ids:
        return
    dialect = connection.dialect.name
    day = local_day_sql(Response.submitted_at, dialect)
    keys = (sa.select(Response.province_id, Response.instrument_version_id,
                      Response.service_point_id, day)
            .where(Response.instrument_version_id.in_(version_ids)).distinct())
    insert = INSERT_FOR_DIALECT[dialect](TallyDirty).from_select(
        ["province_id", "instrument_version_id", "service_point_id", "day"], keys)
    connection.execute(insert.on_conflict_do_nothing())


def _as_date(value):
    return date.fromisoformat(value[:10]) if isinstance(value, str) else value


def month_after(month):
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)




def recompute(connection, layout, province_id, point_id, months):
    """The tallies of one point in ``months`` (first days), from its responses in
    ``province_id`` (a point's responses stay in the province they were given in, so
    each province's tallies are recomputed on its own shard)."""
    from survey_app.services.survey_design import utc_bound  # noqa: PLC0415 - import cycle

    for start in range(0, len(months), MONTHS_PER_READ):
        chosen = months[start:start + MONTHS_PER_READ]
        first, last = chosen[0], month_after(chosen[-1])
        rows = connection.execute(
            sa.select(Response.unit_id, Response.submitted_at, Response.answer_codes,
                      Response.channel, Response.verified, Procedure.code,
                      Response.respondent_type, Response.sex, Response.age_band)
            .outerjoin(Procedure, Procedure.id == Response.procedure_id)
            .where(Response.province_id == province_id, Response.service_point_id == point_id,
                   Response.instrument_version_id.in_(layout.version_ids),
                   Response.quarantined.is_(False), Response.answer_codes != "",
                   Response.submitted_at >= utc_bound(_midnight(first)),
                   Response.submitted_at < utc_bound(_midnight(last)))).all()
        for table, column in ((PsuTally, PsuTally.day), (CellTally, CellTally.month),
                              (PartTally, PartTally.day), (PartCellTally, PartCellTally.month)):
            for month in chosen:
                connection.execute(sa.delete(table).where(
                    table.province_id == province_id,
                    table.instrument_id == layout.instrument_id,
                    table.service_point_id == point_id,
                    column >= month, column < month_after(month)))
        if rows:
            write(connection, layout, (province_id, point_id), rows, set(chosen))


def _midnight(day):
    from datetime import datetime  # noqa: PLC0415

    return datetime(day.year, day.month, day.day)
