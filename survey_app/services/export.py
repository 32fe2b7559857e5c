"""Exports of responses (one row per response) with a codebook: CSV, XLSX, SPSS, Stata.

Rows are read with one streamed query; CSV is written as it is read, so a million
responses never sit in memory. Free-text comments are not exported (they may hold
personal data; they are moderated in the console). "Không áp dụng" and no answer are
both empty.
"""
import csv
import io
import tempfile
from pathlib import Path

import sqlalchemy as sa

from instruments.schema import SATISFACTION_LABELS
from survey_app.extensions import db
from survey_app.models import Answer, Instrument, InstrumentVersion, Response, ServicePoint, Unit
from survey_app.services.spreadsheet import csv_row, xlsx_row

FORMATS = ("csv", "xlsx", "sav", "dta")
#: Rows per piece of a streamed CSV.
CHUNK = 2000
FIXED = [
    ("response", "Mã phiếu / Response number"),
    ("submitted_at", "Thời điểm gửi / Submitted at"),
    ("unit", "Đơn vị / Unit"),
    ("service_point", "Quầy, điểm phục vụ / Service point"),
    ("sector", "Lĩnh vực / Sector"),
    ("channel", "Kênh / Channel"),
    ("verified", "Có xác thực hồ sơ / Verified invitation (1 = yes)"),
    ("respondent_type", "Đối tượng / Respondent type"),
    ("sex", "Giới tính / Sex"),
    ("age_band", "Nhóm tuổi / Age band"),
    ("weight", "Trọng số / Weight"),
    ("stratum", "Tầng / Stratum"),
    ("psu", "Đơn vị mẫu bậc 1 / PSU"),
]


def item_columns(instrument):
    return [item for item in instrument.items if item.type != "text"]


def value_labels(item, lang="vi"):
    if item.type == "likert5":
        return {v: label[lang] for v, label in SATISFACTION_LABELS.items()}
    return {o.value: o.label[lang] for o in item.options}


def codebook_rows(instrument):
    rows = [(name, label, "", "") for name, label in FIXED]
    for item in item_columns(instrument):
        labels = "; ".join(f"{v}={t}" for v, t in value_labels(item).items())
        rows.append((item.code, item.text["vi"], item.text["en"], labels))
    return rows


def codebook_csv(instrument):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["variable", "label_vi", "label_en", "values"])
    writer.writerows(csv_row(row) for row in codebook_rows(instrument))
    writer.writerow(["", "Ô trống = không trả lời hoặc không áp dụng",
                     "Empty = no answer or not applicable", ""])
    return buffer.getvalue()


def iter_rows(connection, scope_path, instrument, start=None, end=None):
    """Responses under the unit path ``scope_path`` as lists in ``header`` order.

    The database pivots the answers (one ``max(CASE …)`` column per item, grouped by
    response), so one row per response is streamed instead of one per answer. Only plain
    values come in (no ORM objects), so the rows can be read after the request's session
    is gone.
    """
    pivot = [sa.func.max(sa.case((Answer.item_code == item.code, Answer.value))).label(item.code)
             for item in item_columns(instrument)]
    query = (
        sa.select(Response.id, Response.submitted_at, Unit.code, ServicePoint.code,
                  Response.stratum, Response.channel, Response.verified,
                  Response.respondent_type, Response.sex, Response.age_band, Response.weight,
                  Response.psu, *pivot)
        .join(Answer, Answer.response_id == Response.id)
        .join(Unit, Unit.id == Response.unit_id)
        .join(ServicePoint, ServicePoint.id == Response.service_point_id)
        .join(InstrumentVersion, InstrumentVersion.id == Response.instrument_version_id)
        .join(Instrument, Instrument.id == InstrumentVersion.instrument_id)
        .where(Unit.path.startswith(scope_path), Instrument.code == instrument.id)
        .group_by(Response.id, Unit.code, ServicePoint.code)
        .order_by(Response.id)
    )
    if start is not None:
        query = query.where(Response.submitted_at >= start)
    if end is not None:
        query = query.where(Response.submitted_at < end)
    for record in connection.execute(query.execution_options(yield_per=20_000)):
        yield [record[0], record[1].strftime("%Y-%m-%d %H:%M:%S"), record[2], record[3],
               record[4], str(record[5]), int(record[6]), record[7], record[8], record[9],
               record[10], record[4], record[11], *record[12:]]


def header(instrument):
    return [name for name, _ in FIXED] + [item.code for item in item_columns(instrument)]


def stream_csv(scope_path, instrument, start=None, end=None):
    """CSV text in pieces: the header with the first rows, then every ``CHUNK`` rows.

    The rows are read on a connection of the stream's own, not the request's session:
    a streamed body is sent after Flask-SQLAlchemy has removed that session. The
    connection goes back to the pool when the stream ends or is closed (client gone).
    """
    with db.engine.connect() as connection:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(header(instrument))
        rows = iter_rows(connection, scope_path, instrument, start, end)
        for count, row in enumerate(rows, start=1):
            writer.writerow(csv_row(row))
            if count % CHUNK == 0:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()


def write_file(scope_path, instrument, fmt, path, start=None, end=None):
    """Write an export of the responses under ``scope_path`` to ``path``; return their number."""
    path = Path(path)
    if fmt == "csv":
        count = 0
        with path.open("w", encoding="utf-8", newline="") as f:
            for piece in stream_csv(scope_path, instrument, start, end):
                f.write(piece)
                count += piece.count("\n")
        return count - 1
    rows = list(iter_rows(db.session.connection(), scope_path, instrument, start, end))
    columns = header(instrument)
    if fmt == "xlsx":
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet("responses")
        sheet.append(xlsx_row(sheet, columns))
        for row in rows:
            sheet.append(xlsx_row(sheet, row))
        codes = book.create_sheet("codebook")
        codes.append(xlsx_row(codes, ["variable", "label_vi", "label_en", "values"]))
        for row in codebook_rows(instrument):
            codes.append(xlsx_row(codes, row))
        book.save(path)
        return len(rows)
    import pandas as pd
    import pyreadstat

    frame = pd.DataFrame(rows, columns=columns)
    for item in item_columns(instrument):
        frame[item.code] = pd.to_numeric(frame[item.code]).astype("float64")
    for name in ("respondent_type", "sex", "age_band", "psu"):
        frame[name] = frame[name].fillna("").astype(str)
    labels = {name: label for name, label in FIXED}
    labels.update({item.code: item.text["vi"][:80] for item in item_columns(instrument)})
    value_sets = {item.code: value_labels(item) for item in item_columns(instrument)}
    if fmt == "sav":
        pyreadstat.write_sav(frame, path, column_labels=labels,
                             variable_value_labels=value_sets, file_label=instrument.id)
    elif fmt == "dta":
        labels = {k: v[:80] for k, v in labels.items()}
        pyreadstat.write_dta(frame, path, column_labels=labels,
                             variable_value_labels=value_sets, file_label=instrument.id[:80])
    else:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
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
