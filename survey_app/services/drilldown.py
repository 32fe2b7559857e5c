"""From a figure to the responses behind it: one filtered, paginated list of responses of a
unit's subtree, with their answers in words and the moderated comment.

Filters take the same keys as the console's breakdowns (``unit`` code, ``point`` as
"UNIT/POINT", ``sector``, ``procedure`` code, ``channel``, ``verified`` = verified|open,
``month`` 2026-03, ``quarter`` 2026-Q1), so a breakdown row links to its responses. Nothing
shown or exported names a dossier or a person: comments marked abusive are left out and
the others have personal data masked.
"""
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from survey_app.extensions import db
from survey_app.labels import answer_text
from survey_app.models import (
    Channel,
    CommentStatus,
    Instrument,
    InstrumentVersion,
    Procedure,
    Response,
    ServicePoint,
    Unit,
)
from survey_app.services import instrument_store, packing
from survey_app.services.feedback import mask_personal

PER_PAGE = 50
#: Rows in one download of the list.
EXPORT_LIMIT = 100_000
PROFILE = ("respondent_type", "sex", "age_band")
FILTERS = ("unit", "point", "sector", "procedure", "channel", "verified", "month", "quarter",
           "item", "answer", *PROFILE)


class BadFilter(ValueError):
    """A filter value that cannot be applied; the message names it."""


@dataclass(frozen=True)
class Listing:
    rows: list          # [Row]
    page: int
    pages: int
    total: int


@dataclass(frozen=True)
class Row:
    id: int
    submitted_at: datetime
    unit: str
    point: str
    channel: str
    verified: bool
    procedure: str | None
    answers: list       # [(question, answer, low)]
    comment: str | None


def month_bounds(text):
    try:
        start = datetime.strptime(text, "%Y-%m")
    except ValueError as exc:
        raise BadFilter("month") from exc
    end = datetime(start.year + start.month // 12, start.month % 12 + 1, 1)
    return start, end


def quarter_bounds(text):
    try:
        year, quarter = text.split("-Q")
        year, quarter = int(year), int(quarter)
        if not 1 <= quarter <= 4 or not 1900 < year < 3000:
            raise ValueError
    except ValueError as exc:
        raise BadFilter("quarter") from exc
    start = datetime(year, 3 * quarter - 2, 1)
    end = datetime(year + (quarter == 4), (3 * quarter) % 12 + 1, 1)
    return start, end


def query(scope, instrument_code, period, filters):
    """The filtered select of Response ids, newest first; raises BadFilter."""
    q = (sa.select(Response.id).join(Unit, Unit.id == Response.unit_id)
         .join(ServicePoint, ServicePoint.id == Response.service_point_id)
         .join(InstrumentVersion, InstrumentVersion.id == Response.instrument_version_id)
         .join(Instrument, Instrument.id == InstrumentVersion.instrument_id)
         .where(Unit.path.startswith(scope.path), Instrument.code == instrument_code))
    if period is not None:
        q = q.where(Response.submitted_at >= period.start, Response.submitted_at < period.end)
    f = filters
    if f.get("unit"):
        q = q.where(Unit.code == f["unit"])
    if f.get("point"):
        unit_code, _slash, point_code = f["point"].rpartition("/")
        q = q.where(ServicePoint.code == point_code)
        if unit_code:
            q = q.where(Unit.code == unit_code)
    if f.get("sector"):
        q = q.where(ServicePoint.sector == f["sector"])
    if f.get("procedure"):
        if f["procedure"] == "—":
            q = q.where(Response.procedure_id.is_(None))
        else:
            q = q.join(Procedure, Procedure.id == Response.procedure_id).where(
                Procedure.code == f["procedure"])
    if f.get("channel"):
        if f["channel"] not in {c.value for c in Channel}:
            raise BadFilter("channel")
        q = q.where(Response.channel == Channel(f["channel"]))
    if f.get("verified"):
        if f["verified"] not in ("verified", "open"):
            raise BadFilter("verified")
        q = q.where(Response.verified.is_(f["verified"] == "verified"))
    for name in PROFILE:
        if f.get(name):
            column = getattr(Response, name)
            q = q.where(column.is_(None) if f[name] == "—" else column == f[name])
    for name, bounds in (("month", month_bounds), ("quarter", quarter_bounds)):
        if f.get(name):
            start, end = bounds(f[name])
            q = q.where(Response.submitted_at >= start, Response.submitted_at < end)
    if f.get("item"):
        answer = f.get("answer") or ""
        slot = packing.slot_of(packing.slots_of_code(instrument_code), f["item"])
        if answer == "low":
            condition = packing.has_value(slot, (1, 2))
        elif answer == "na":
            condition = packing.is_not_applicable(slot)
        elif answer:
            if not answer.isdigit() or not 0 <= int(answer) <= 99:
                raise BadFilter("answer")
            condition = packing.has_value(slot, (int(answer),))
        else:  # answered at all, "không áp dụng" included
            condition = packing.is_answered(slot)
        q = q.where(condition)
    return q.order_by(Response.submitted_at.desc(), Response.id.desc())


def rows_for(ids, lang):
    """Row for each response id, in the order given."""
    responses = db.session.scalars(
        sa.select(Response).where(Response.id.in_(ids))
        .options(selectinload(Response.comment),
                 selectinload(Response.instrument_version),
                 selectinload(Response.service_point).selectinload(ServicePoint.unit))).all()
    procedures = dict(db.session.execute(sa.select(Procedure.id, Procedure.code)).all()) \
        if any(r.procedure_id for r in responses) else {}
    by_id = {r.id: r for r in responses}
    loaded = {}
    rows = []
    for response_id in ids:
        r = by_id[response_id]
        version = r.instrument_version_id
        if version not in loaded:
            loaded[version] = instrument_store.load(r.instrument_version)
        instrument = loaded[version]
        values = packing.values_of(r)
        answers = [(*answer_text(instrument, item.code, values[item.code], lang),
                    item.scored and values[item.code] is not None and values[item.code] <= 2)
                   for item in instrument.items if item.code in values and item.type != "text"]
        comment = r.comment
        text = mask_personal(comment.text) if comment is not None and \
            comment.status != CommentStatus.ABUSIVE else None
        rows.append(Row(r.id, r.submitted_at, r.service_point.unit.code,
                        r.service_point.name(lang), str(r.channel), r.verified,
                        procedures.get(r.procedure_id), answers, text))
    return rows


def listing(scope, instrument_code, period, filters, page=1, lang="vi"):
    q = query(scope, instrument_code, period, filters)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(q.order_by(None).subquery()))
    pages = max(1, -(-total // PER_PAGE))
    page = min(max(1, page), pages)
    ids = db.session.scalars(q.limit(PER_PAGE).offset((page - 1) * PER_PAGE)).all()
    return Listing(rows_for(ids, lang), page, pages, total)


def all_rows(scope, instrument_code, period, filters, lang="vi"):
    """Every row of the filtered list (up to EXPORT_LIMIT), in pages of ids."""
    ids = db.session.scalars(query(scope, instrument_code, period, filters)
                             .limit(EXPORT_LIMIT)).all()
    for start in range(0, len(ids), 2000):
        yield from rows_for(ids[start:start + 2000], lang)
