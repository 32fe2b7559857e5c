"""Double entry of paper questionnaires: batches, the two typings, reconciliation, counting.

Each serial of a batch is typed by two different people. A field on which the two
typings differ is settled by a manager (``decide``). When every serial is typed twice
and every difference is settled, a manager counts the batch (``count_batch``): one
response per serial, channel ``paper``, through ``services.submit.submit_response``, with
a client UUID derived from (batch, serial) so that counting twice stores nothing twice.
Before that, nothing of the batch is a response. The caller commits.
"""
import uuid
from dataclasses import dataclass, field
from datetime import datetime, time

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Channel, PaperBatch, PaperDecision, PaperEntry
from survey_app.models.base import utcnow
from survey_app.services import audit, instrument_store
from survey_app.services.paper_codes import BLANK_FIELD, check_codes, fields, raw_answers
from survey_app.services.submit import submit_response

#: A batch is a pile of forms on a desk, not a season's collection.
MAX_FORMS = 1000
#: Paper responses are dated at 10:00 in Vietnam (03:00 UTC) of the day they were filled
#: in: the day is what is known, and this hour keeps it the same day in both zones.
PAPER_HOUR_UTC = time(3, 0)
UUID_NAMESPACE = uuid.UUID("5f0c8a52-3b7e-4d7a-9a52-6b1f0d2e7c11")


class PaperProblem(ValueError):
    """A request the batch cannot take; ``code`` names it, ``params`` fill the message."""

    def __init__(self, code, **params):
        super().__init__(code)
        self.code, self.params = code, params


def instrument_of(batch):
    return instrument_store.load(batch.instrument_version)


def create_batch(user, point, collected_on, first, last, note=None):
    if first < 1 or last < first:
        raise PaperProblem("range")
    if last - first + 1 > MAX_FORMS:
        raise PaperProblem("too_many", n=MAX_FORMS)
    current = instrument_store.latest_version(point.instrument_code)
    if current is None:
        raise PaperProblem("no_instrument")
    overlap = db.session.scalar(
        sa.select(PaperBatch.id).where(
            PaperBatch.service_point_id == point.id,
            PaperBatch.instrument_version_id == current.id,
            PaperBatch.serial_first <= last, PaperBatch.serial_last >= first).limit(1))
    if overlap is not None:
        raise PaperProblem("overlap", batch=overlap)
    batch = PaperBatch(service_point_id=point.id, instrument_version_id=current.id,
                       collected_on=collected_on, serial_first=first, serial_last=last,
                       note=note, created_by=user.id)
    db.session.add(batch)
    db.session.flush()
    audit.record(user, "paper.batch_create", batch, point=point.code, first=first, last=last,
                 collected_on=collected_on.isoformat())
    return batch


def entries_of(batch):
    """{serial: {pass_no: PaperEntry}}"""
    out = {}
    for entry in db.session.scalars(sa.select(PaperEntry).where(PaperEntry.batch_id == batch.id)):
        out.setdefault(entry.serial, {})[entry.pass_no] = entry
    return out


def decisions_of(batch):
    """{(serial, field): code}"""
    rows = db.session.execute(sa.select(PaperDecision.serial, PaperDecision.field,
                                        PaperDecision.code)
                              .where(PaperDecision.batch_id == batch.id))
    return {(serial, name): code for serial, name, code in rows}


def field_names(instrument):
    return [BLANK_FIELD] + [f.name for f in fields(instrument)]


def normalised(codes, name):
    value = (codes or {}).get(name) or ""
    return " ".join(str(value).split())


def differences(instrument, first, second):
    """Field names on which two typings differ (a blank form only on that mark)."""
    return [name for name in field_names(instrument)
            if normalised(first.codes, name) != normalised(second.codes, name)]


@dataclass
class Mismatch:
    serial: int
    field: str
    first: str
    second: str
    first_user: str
    second_user: str


@dataclass
class Progress:
    total: int = 0
    not_entered: int = 0
    once: int = 0
    twice: int = 0
    matched: int = 0
    to_reconcile: int = 0
    mismatches: list = field(default_factory=list)  # Mismatch without a decision
    waiting: list = field(default_factory=list)  # serials not typed yet
    typed_once: dict = field(default_factory=dict)  # serial -> username of the one typing

    @property
    def complete(self):
        return self.total > 0 and self.matched == self.total


def unsettled(instrument, passes, decided, serial):
    """Differing fields of a form typed twice that no decision settles yet.

    Whether the form came back blank is settled first: while the typings disagree on it,
    it is the only question; a form settled as blank has nothing else to settle.
    """
    differing = [name for name in differences(instrument, passes[1], passes[2])
                 if (serial, name) not in decided]
    if BLANK_FIELD in differing:
        return [BLANK_FIELD]
    blank = decided.get((serial, BLANK_FIELD), normalised(passes[1].codes, BLANK_FIELD))
    return [] if blank == "1" else differing


def progress(batch, instrument=None):
    instrument = instrument or instrument_of(batch)
    entries, decided = entries_of(batch), decisions_of(batch)
    result = Progress(total=len(batch.serials))
    for serial in batch.serials:
        passes = entries.get(serial, {})
        if not passes:
            result.not_entered += 1
            result.waiting.append(serial)
        elif len(passes) == 1:
            result.once += 1
            result.typed_once[serial] = next(iter(passes.values())).user.username
        else:
            result.twice += 1
            open_fields = unsettled(instrument, passes, decided, serial)
            if open_fields:
                result.to_reconcile += 1
                result.mismatches.extend(
                    Mismatch(serial, name, normalised(passes[1].codes, name),
                             normalised(passes[2].codes, name), passes[1].user.username,
                             passes[2].user.username) for name in open_fields)
            else:
                result.matched += 1
    return result


def serial_ranges(serials):
    """"3–5, 8" for [3, 4, 5, 8]: a batch's missing forms in a line, however many."""
    parts, start, previous = [], None, None
    for serial in sorted(serials):
        if start is None:
            start = previous = serial
        elif serial == previous + 1:
            previous = serial
        else:
            parts.append(f"{start}–{previous}" if previous > start else str(start))
            start = previous = serial
    if start is not None:
        parts.append(f"{start}–{previous}" if previous > start else str(start))
    return ", ".join(parts)


def next_serial(batch, user):
    """The first serial ``user`` may type: not typed by them, and typed fewer than twice."""
    entries = entries_of(batch)
    for serial in batch.serials:
        passes = entries.get(serial, {})
        if len(passes) < 2 and all(e.user_id != user.id for e in passes.values()):
            return serial
    return None


def own_entry(batch, user, serial):
    return db.session.scalar(sa.select(PaperEntry).filter_by(batch_id=batch.id, serial=serial,
                                                             user_id=user.id))


def check_open(batch):
    if batch.counted_at is not None:
        raise PaperProblem("counted")


def save_entry(batch, user, serial, codes, blank=False):
    """Store one typing of form ``serial`` by ``user``; return the PaperEntry.

    Raises PaperProblem ``counted``, ``serial``, ``twice`` (two others typed it already)
    or ``invalid`` (with ``problems`` from ``paper_codes.check_codes``).
    """
    check_open(batch)
    if serial not in batch.serials:
        raise PaperProblem("serial", first=batch.serial_first, last=batch.serial_last)
    instrument = instrument_of(batch)
    if blank:
        stored = {BLANK_FIELD: "1"}
    else:
        problems = check_codes(instrument, codes)
        if problems:
            raise PaperProblem("invalid", problems=problems)
        stored = {f.name: " ".join((codes.get(f.name) or "").split()) if f.is_text
                  else (codes.get(f.name) or "").strip() for f in fields(instrument)}
    passes = entries_of(batch).get(serial, {})
    own = next((e for e in passes.values() if e.user_id == user.id), None)
    if own is None and len(passes) >= 2:
        raise PaperProblem("twice", serial=serial)
    if own is None:
        own = PaperEntry(batch_id=batch.id, serial=serial, user_id=user.id,
                         pass_no=1 if 1 not in passes else 2, codes=stored)
        db.session.add(own)
    else:  # a correction of one's own typing, before the batch is counted
        own.codes, own.entered_at = stored, utcnow()
    db.session.flush()
    return own


def allowed_codes(instrument, name):
    if name == BLANK_FIELD:
        return None
    return {f.name: f for f in fields(instrument)}[name]


def decide(batch, user, serial, name, code):
    """Settle field ``name`` of form ``serial`` to ``code`` (audited with both typings)."""
    check_open(batch)
    instrument = instrument_of(batch)
    passes = entries_of(batch).get(serial, {})
    if len(passes) < 2 or name not in differences(instrument, passes[1], passes[2]):
        raise PaperProblem("nothing_to_decide")
    if name != BLANK_FIELD and BLANK_FIELD in unsettled(instrument, passes,
                                                        decisions_of(batch), serial):
        raise PaperProblem("blank_first")
    code = " ".join((code or "").split())
    if name == BLANK_FIELD:
        if code not in ("", "1"):
            raise PaperProblem("code", codes="1")
    else:
        spec = allowed_codes(instrument, name)
        if not spec.is_text and spec.raw_of(code) is None:
            raise PaperProblem("code", codes=spec.allowed())
    row = db.session.scalar(sa.select(PaperDecision).filter_by(batch_id=batch.id, serial=serial,
                                                               field=name))
    if row is None:
        row = PaperDecision(batch_id=batch.id, serial=serial, field=name, code=code,
                            user_id=user.id)
        db.session.add(row)
    else:
        row.code, row.user_id, row.decided_at = code, user.id, utcnow()
    audit.record(user, "paper.reconcile", batch, serial=serial, field=name,
                 first=normalised(passes[1].codes, name),
                 second=normalised(passes[2].codes, name), chosen=code)
    db.session.flush()
    return row


def choose(batch, user, serial, name, pick, other=""):
    """Settle a difference by picking the first ("1") or second ("2") typing, or ``other``."""
    passes = entries_of(batch).get(serial, {})
    if pick in ("1", "2") and int(pick) in passes:
        return decide(batch, user, serial, name, normalised(passes[int(pick)].codes, name))
    return decide(batch, user, serial, name, other)


def final_codes(instrument, passes, decided, serial):
    codes = dict(passes[1].codes)
    for name in field_names(instrument):
        if (serial, name) in decided:
            codes[name] = decided[(serial, name)]
    return codes


def response_uuid(batch, serial):
    return uuid.uuid5(UUID_NAMESPACE, f"paper-batch-{batch.id}-{serial}")


def count_batch(batch, user):
    """Write the reconciled batch's forms as responses; return how many were stored.

    Raises PaperProblem ``incomplete`` while a form is typed fewer than twice or a
    difference is unsettled, and ``counted`` the second time.
    """
    check_open(batch)
    instrument = instrument_of(batch)
    state = progress(batch, instrument)
    if not state.complete:
        raise PaperProblem("incomplete", to_reconcile=state.to_reconcile,
                           missing=state.not_entered + state.once)
    entries, decided = entries_of(batch), decisions_of(batch)
    submitted_at = datetime.combine(batch.collected_on, PAPER_HOUR_UTC)
    stored = blank = 0
    for serial in batch.serials:
        codes = final_codes(instrument, entries[serial], decided, serial)
        if codes.get(BLANK_FIELD) == "1":
            blank += 1
            continue
        submit_response(batch.service_point, batch.instrument_version_id, instrument,
                        raw_answers(instrument, codes), client_uuid=response_uuid(batch, serial),
                        channel=Channel.PAPER, locale="vi", submitted_at=submitted_at,
                        allow_missing=True)
        stored += 1
    batch.counted_at, batch.counted_by = utcnow(), user.id
    audit.record(user, "paper.batch_count", batch, responses=stored, blank=blank)
    db.session.flush()
    return stored
