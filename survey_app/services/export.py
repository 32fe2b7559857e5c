"""Exports of responses (one row per response) with a codebook: CSV, XLSX, SPSS, Stata.

Rows are read with one streamed query; CSV is written as it is read, so a million
responses never sit in memory. See docs/exports.md for the columns and codes:

- no answer is empty in every format; "không áp dụng" (not applicable) is ``na`` in CSV
  and XLSX, the user-missing value -1 in SPSS and the extended missing value ``.a`` in
  Stata, each labelled "Không áp dụng";
- ``submitted_at`` is a date-time (UTC) in XLSX, SPSS and Stata, ISO text in CSV;
- every stored response is exported, with ``quarantined`` (1: held out of the indices,
  services/quarantine.py) so that an analysis can leave it out as the console does;
- the comment is exported with its moderation status; e-mail addresses, phone and ID
  numbers are always masked in exports, whether or not a moderator masked them;
- the design columns (stratum, psu, cell, cell_population, weight) are those of every
  console figure (``services.survey_design``), so R or Stata reproduce them.
"""
import csv
import io
import tempfile
from pathlib import Path

import sqlalchemy as sa

from survey_app import read_replica
from survey_app.extensions import db
from survey_app.models import (
    Comment,
    Instrument,
    InstrumentVersion,
    Response,
    ServicePoint,
    Unit,
)
from survey_app.models.response import COMMENT_OF_RESPONSE
from survey_app.services import org, packing, survey_design, tally
from survey_app.services.codebook import FIXED, TRAILING, codebook_rows, item_columns
from survey_app.services.feedback import mask_personal
from survey_app.services.spreadsheet import csv_row

FORMATS = ("csv", "xlsx", "sav", "dta")
#: Rows per piece of a streamed CSV.
CHUNK = 2000
#: How "không áp dụng" is written in CSV and XLSX rows (``hailong analyze`` reads it too).
NOT_APPLICABLE = "na"


def header(instrument):
    return ([name for name, *_ in FIXED] + [item.code for item in item_columns(instrument)]
            + [name for name, *_ in TRAILING])


def rows_query(scope_path, instrument, start=None, end=None, provinces=None):
    """One row per response that answered a closed item, its answers still packed;
    ``provinces``: the province ids of the scope (``org.provinces_for``), when known."""
    query = (
        sa.select(Response.id, Response.submitted_at, Unit.code, ServicePoint.code,
                  ServicePoint.sector, Response.channel, Response.verified,
                  Response.respondent_type, Response.sex, Response.age_band,
                  ServicePoint.id, Response.quarantined, Comment.text,
                  Comment.status, Response.answer_codes)
        .join(Unit, Unit.id == Response.unit_id)
        .join(ServicePoint, ServicePoint.id == Response.service_point_id)
        .join(InstrumentVersion, InstrumentVersion.id == Response.instrument_version_id)
        .join(Instrument, Instrument.id == InstrumentVersion.instrument_id)
        .outerjoin(Comment, COMMENT_OF_RESPONSE)
        .where(Unit.path.startswith(scope_path), Instrument.code == instrument.id,
               packing.answered())
        .order_by(Response.id)
    )
    if provinces is not None:  # one shard per province on Citus
        query = query.where(Response.province_id.in_(provinces))
    if start is not None:  # periods are Vietnam's months, as in the console
        query = query.where(Response.submitted_at >= survey_design.utc_bound(start))
    if end is not None:
        query = query.where(Response.submitted_at < survey_design.utc_bound(end))
    return query


def design_facts(connection, scope_path, instrument):
    """The cells (responses and dossiers per service point x month) and PSUs of the
    questionnaire at the service points under ``scope_path``, over all time."""
    from sqlalchemy.orm import Session

    points = connection.execute(
        sa.select(ServicePoint.id).join(Unit, Unit.id == ServicePoint.unit_id)
        .where(Unit.path.startswith(scope_path))).scalars().all()
    versions = connection.execute(
        sa.select(InstrumentVersion.id).join(Instrument)
        .where(Instrument.code == instrument.id)).scalars().all()
    session = Session(bind=connection)
    try:
        return survey_design.cells_for(points, versions, session)
    finally:
        session.close()


def iter_rows(connection, scope_path, instrument, start=None, end=None):
    """Responses under the unit path ``scope_path`` as lists in ``header`` order.

    One row per response is streamed, its packed answers (``services.packing``) decoded
    here into the item columns. Only plain
    values come in (no ORM objects), so the rows can be read after the request's session
    is gone. Values keep their types (datetime, int, float); an answer "không áp dụng"
    is ``NOT_APPLICABLE``, no answer is None.
    """
    query = rows_query(scope_path, instrument, start, end,
                       provinces=org.provinces_for(scope_path, connection))
    facts = design_facts(connection, scope_path, instrument)
    positions = item_positions(connection, instrument)
    # Closed explicitly when the reader stops early: PostgreSQL's server-side cursor must
    # not outlive the stream.
    with connection.execute(query.execution_options(yield_per=20_000)) as result:
        for record in result:
            yield _typed(record, facts, positions)


def item_positions(connection, instrument):
    """The slot of each exported item in the packed answers (None: never stored)."""
    definitions = connection.execute(
        sa.select(InstrumentVersion.definition).join(Instrument)
        .where(Instrument.code == instrument.id)
        .order_by(InstrumentVersion.version)).scalars().all()
    slot = {code: i for i, code in enumerate(packing.slots_from_definitions(definitions))}
    return [slot.get(item.code) for item in item_columns(instrument)]


def _item_values(codes, positions):
    """The exported values of one response's packed answers, in column order."""
    values = []
    for position in positions:
        char = codes[position] if position is not None and position < len(codes) else "-"
        values.append(None if char == packing.NO_ANSWER else NOT_APPLICABLE
                      if char == packing.NOT_APPLICABLE else ord(char) - packing.ZERO)
    return values


def design_columns(facts, unit, point, point_id, submitted):
    """stratum, psu, cell, cell_population, weight of one response (METHODOLOGY §2b)."""
    local = submitted + survey_design.LOCAL_OFFSET
    month = local.date().replace(day=1)
    stratum = f"{unit}/{point}"
    return [stratum, f"{stratum}/{local:%Y-%m-%d}", f"{stratum}/{local:%Y-%m}",
            facts.population(point_id, month), facts.weight(point_id, month)]


def _typed(record, facts, positions):
    (number, submitted, unit, point, sector, channel, verified, respondent_type, sex,
     age_band, point_id, quarantined, comment, status, codes) = record
    return [number, submitted.replace(microsecond=0), unit, point, _text(sector),
            _text(channel), int(verified), respondent_type, sex, age_band,
            *design_columns(facts, unit, point, point_id, submitted), int(quarantined),
            *_item_values(codes, positions),
            mask_personal(comment) if comment else None, _text(status)]


def _text(value):
    """An enum column's value as plain text (an enum or, from some drivers, a string)."""
    return None if value is None else str(getattr(value, "value", value))


def csv_cells(row):
    """A row as CSV cells: ISO date-times, spreadsheet-safe text."""
    row = list(row)
    row[1] = row[1].strftime("%Y-%m-%d %H:%M:%S")
    return csv_row(row)


def stream_csv(scope_path, instrument, start=None, end=None):
    """CSV text in pieces: the header with the first rows, then every ``CHUNK`` rows.

    The rows are read on a connection of the stream's own, not the request's session:
    a streamed body is sent after Flask-SQLAlchemy has removed that session. The
    connection goes back to the pool when the stream ends or is closed (client gone).
    """
    tally.refresh(limit=tally.sync_limit())   # the design's cell sizes come from the tallies
    with read_replica.engine_for_reads(db.engine).connect() as connection:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(header(instrument))
        rows = iter_rows(connection, scope_path, instrument, start, end)
        for count, row in enumerate(rows, start=1):
            writer.writerow(csv_cells(row))
            if count % CHUNK == 0:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()


def codebook_csv(instrument):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerows(csv_row(row) for row in codebook_rows(instrument))
    return buffer.getvalue()


def write_file(scope_path, instrument, fmt, path, start=None, end=None):
    """Write an export of the responses under ``scope_path`` to ``path``; return their number."""
    from survey_app.services import export_formats

    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    path = Path(path)
    tally.refresh(limit=tally.sync_limit())   # the design's cell sizes come from the tallies
    if fmt == "csv":
        count = 0
        with db.engine.connect() as connection, path.open("w", encoding="utf-8",
                                                          newline="") as f:
            writer = csv.writer(f)
            writer.writerow(header(instrument))
            for row in iter_rows(connection, scope_path, instrument, start, end):
                writer.writerow(csv_cells(row))
                count += 1
        return count
    rows = list(iter_rows(db.session.connection(), scope_path, instrument, start, end))
    writer = {"xlsx": export_formats.write_xlsx, "sav": export_formats.write_sav,
              "dta": export_formats.write_dta}[fmt]
    writer(rows, instrument, path)
    return len(rows)


def temporary_export(scope_path, instrument, fmt, start=None, end=None):
    """Write to a temporary file (deleted by the caller); return (path, count)."""
    handle = tempfile.NamedTemporaryFile(suffix=f".{fmt}", delete=False)  # noqa: SIM115
    handle.close()
    try:
        return handle.name, write_file(scope_path, instrument, fmt, handle.name, start, end)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise
