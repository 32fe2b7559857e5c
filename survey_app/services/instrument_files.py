"""Questionnaires in and out as XLSForm workbooks, for the command line and the console.

A workbook becomes a stored instrument version through ``instrument_store.store``: a
version that already has responses keeps its wording, so a changed form needs a new
version number (settings sheet, column ``version``).
"""
from dataclasses import dataclass, field

import sqlalchemy as sa

from instruments import xlsform
from survey_app.extensions import db
from survey_app.models import Instrument, InstrumentVersion, Response, ServicePoint, Unit
from survey_app.services import instrument_store
from survey_app.services.instrument_store import FrozenInstrumentError


class VersionHasResponses(FrozenInstrumentError):
    """The workbook rewords a version that citizens have already answered."""

    def __init__(self, code, version, next_version):
        self.code, self.version, self.next_version = code, version, next_version
        super().__init__(
            f"version {version} of '{code}' already has responses and this file changes its "
            f"wording: write a new number (e.g. {next_version}) in the settings sheet, "
            "column 'version', and import it again")


@dataclass
class Outcome:
    instrument: object
    status: str  # "new", "updated" (no responses yet) or "unchanged"
    version: InstrumentVersion | None  # None after a dry run of a new version
    newest: int  # the newest stored version number of this instrument afterwards
    notes: list = field(default_factory=list)


def same_questionnaire(a, b):
    """Whether two instruments ask the same things the same way and score them alike.

    Compared on the parsed structure, not the digest of the raw file: a YAML file may hold
    keys the loader ignores, which an XLSForm cannot carry.
    """
    def parts(inst):
        return (inst.id, inst.version, inst.title, inst.intro, inst.sections, inst.profile,
                inst.index)

    return parts(a) == parts(b)


def stored_version(code, number):
    return db.session.scalar(
        sa.select(InstrumentVersion).join(Instrument)
        .where(Instrument.code == code, InstrumentVersion.version == number))


def plan(instrument):
    """("new" | "updated" | "unchanged", the stored row or None); refuses a frozen change."""
    row = stored_version(instrument.id, instrument.version)
    if row is None:
        return "new", None
    if same_questionnaire(instrument_store.load(row), instrument):
        return "unchanged", row
    if instrument_store.has_responses(row):
        newest = instrument_store.latest_version(instrument.id).version
        raise VersionHasResponses(instrument.id, instrument.version, newest + 1)
    return "updated", row


def store_imported(imported, dry_run=False):
    """Store an ``xlsform.Imported`` as an instrument version (flushes, does not commit).

    Raises ``VersionHasResponses``; nothing is written then, nor on a dry run.
    """
    instrument = imported.instrument
    status, row = plan(instrument)
    if status != "unchanged" and not dry_run:
        row = instrument_store.store(instrument)
        instrument_store.forget_cached_versions()
    latest = instrument_store.latest_version(instrument.id)
    newest = max(latest.version if latest else 0, instrument.version)
    return Outcome(instrument, status, row, newest, imported.notes)


def import_workbook(data, name="form.xlsx", dry_run=False):
    """Read an XLSForm and store it; raises ``xlsform.XLSFormError`` (problems with sheet,
    row and column) or ``VersionHasResponses``."""
    return store_imported(xlsform.import_xlsform(data, name), dry_run)


def workbook_of(row):
    """The XLSForm (bytes of an .xlsx) of a stored version."""
    return xlsform.export_xlsform(instrument_store.load(row))


def used_outside(code, unit):
    """Whether a service point outside ``unit``'s subtree asks this questionnaire: a new
    version changes their form too, so only someone above them may upload it."""
    return db.session.scalar(sa.select(sa.exists().where(
        ServicePoint.instrument_code == code, ServicePoint.unit_id == Unit.id,
        sa.not_(Unit.path.startswith(unit.path)))))


@dataclass
class VersionLine:
    row: InstrumentVersion
    title: dict
    questions: int
    responses: int


def catalogue():
    """{instrument code: [VersionLine, newest first]} with response counts (two queries)."""
    counts = dict(db.session.execute(
        sa.select(Response.instrument_version_id, sa.func.count())
        .group_by(Response.instrument_version_id)).all())
    versions = db.session.execute(
        sa.select(InstrumentVersion, Instrument.code).join(Instrument)
        .order_by(Instrument.code, InstrumentVersion.version.desc())).all()
    lines = {}
    for row, code in versions:
        definition = row.definition or {}
        questions = sum(len(s.get("items") or ()) for s in definition.get("sections") or ())
        lines.setdefault(code, []).append(VersionLine(
            row, definition.get("title") or {}, questions, counts.get(row.id, 0)))
    return lines
