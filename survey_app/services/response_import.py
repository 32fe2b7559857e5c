"""Import responses from a file: check every row, then store the valid ones in bulk.

The flow is upload -> check (a preview; nothing stored) -> confirm -> store, and an
import can be undone as a whole. Every row gets a stable source id (a column such as
Kobo's ``_uuid``, else a hash of the row's non-empty cells), and the response's
``client_uuid`` is derived from it: the database's unique key on ``client_uuid`` then
makes a second import of the same rows add nothing, exactly like a citizen's double tap.

Answers are checked by ``instruments.answers.clean_item`` (the rules of every other
channel) and stored through ``services.submit`` (its row layout, bulk variant). Nothing
of a file with a bad row is stored unless the user chose to import the valid rows.
"""
import getpass
import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa

from instruments.answers import CleanAnswers, clean_item
from instruments.schema import PROFILE_FIELDS
from survey_app import clock
from survey_app.extensions import db
from survey_app.models import (
    Channel,
    FeedbackCase,
    ImportStatus,
    Response,
    ResponseImport,
    ServicePoint,
)
from survey_app.models.base import utcnow
from survey_app.services import audit, import_maps, instrument_store, org, submit
from survey_app.services.import_maps import N_, ColumnMap, normal
from survey_app.services.response_files import UnreadableFile, read_table

#: Namespace of the client UUIDs of imported rows: uuid5(namespace, instrument + source id).
IMPORT_NAMESPACE = uuid.UUID("5b0d6a36-51c3-4c1f-9d0b-6c1f1d1c2a10")
#: Problems kept with an import for its preview (all of them go to the CSV report).
KEPT_PROBLEMS = 500
EARLIEST = datetime(2000, 1, 1)
ANSWER_PROBLEMS = {
    "required": N_("No answer; the question needs one."),
    "choice": N_("'%(value)s' is not one of this question's answers."),
    "not_applicable": N_("This question has no 'not applicable' answer."),
    "too_long": N_("Longer than %(n)d characters."),
}


class ImportRefused(ValueError):
    """The import cannot go on (file-level problems, bad rows not accepted, wrong state)."""


@dataclass(frozen=True)
class Problem:
    row: int          # the spreadsheet's row number; 0: the file as a whole
    column: str       # the file's column, or "" for the row or the file
    message: str      # an English template marked with N_, translated where shown
    params: dict = field(default_factory=dict)

    def english(self):
        return self.message % self.params if self.params else self.message

    def as_list(self):
        return [self.row, self.column, self.message, self.params]


@dataclass(frozen=True)
class ReadyRow:
    row: int
    client_uuid: uuid.UUID
    submitted_at: datetime
    cleaned: object   # instruments.answers.CleanAnswers


@dataclass
class Checked:
    """What a file would import: valid rows, problems, duplicates, the mapping used."""

    mapping: ColumnMap
    columns: list = field(default_factory=list)
    total: int = 0
    ready: list = field(default_factory=list)       # ReadyRow, new and valid
    problems: list = field(default_factory=list)    # Problem
    bad_rows: int = 0
    duplicates: int = 0                             # already stored, or twice in the file
    first: datetime | None = None
    last: datetime | None = None

    @property
    def file_problems(self):
        return [p for p in self.problems if p.row == 0]

    @property
    def importable(self):
        return not self.file_problems

    @property
    def ignored_columns(self):
        return [c for c in self.columns if c and c not in self.mapping.columns
                and c not in (self.mapping.date_column, self.mapping.source_id)]


def mapping_problems(mapping, instrument, columns):
    """File-level problems of using ``mapping`` for ``instrument`` on these columns."""
    problems = []
    items = {item.code: item for item in instrument.items}
    known = set(items) | set(instrument.profile)
    if mapping.instrument and mapping.instrument != instrument.id:
        problems.append(Problem(0, "", N_("This mapping is for %(expected)s, not %(instrument)s."),
                                {"expected": mapping.instrument, "instrument": instrument.id}))
    present = set(columns)
    needed = list(mapping.columns)
    if mapping.date_column:
        needed.append(mapping.date_column)
    else:
        problems.append(Problem(0, "", N_("No column gives the date of the answers "
                                          "(submitted_at in the mapping).")))
    if mapping.source_id:
        needed.append(mapping.source_id)
    for column in needed:
        if column not in present:
            problems.append(Problem(0, column, N_("The file has no column '%(column)s'."),
                                    {"column": column}))
        elif columns.count(column) > 1:
            problems.append(Problem(0, column, N_("Two columns are named '%(column)s'."),
                                    {"column": column}))
    seen = {}
    for column, target in mapping.columns.items():
        if target not in known:
            problems.append(Problem(0, column, N_("'%(target)s' is not a question of "
                                                  "%(instrument)s."),
                                    {"target": target, "instrument": instrument.id}))
        elif target in seen:
            problems.append(Problem(0, column, N_("Question %(target)s comes from two columns: "
                                                  "'%(first)s' and '%(second)s'."),
                                    {"target": target, "first": seen[target], "second": column}))
        seen.setdefault(target, column)
    for item in items.values():
        if item.required and not item.sensitive and item.type != "text" and item.code not in seen:
            problems.append(Problem(0, "", N_("No column holds the question %(target)s "
                                              "(\"%(text)s\"), which every answer needs."),
                                    {"target": item.code, "text": item.text["vi"]}))
    return problems


class RowHasher:
    """A stable id of a row without one: its non-empty cells with their column names.

    Empty cells are left out, so a column added to the form later (empty in the old rows)
    leaves the old rows' ids unchanged; columns count by name, not by position.
    """

    def __init__(self, columns):
        named = sorted((normal(name), index) for index, name in enumerate(columns))
        self.order = [(index, f"{name}\x1f") for name, index in named]

    def __call__(self, cells):
        count, parts = len(cells), []
        for index, prefix in self.order:
            cell = cells[index] if index < count else ""
            text = cell.isoformat() if isinstance(cell, datetime) else normal(cell)
            if text:
                parts.append(prefix + text)
        return hashlib.sha256("\x1e".join(parts).encode()).hexdigest()


def client_uuid_for(instrument_code, source):
    return uuid.uuid5(IMPORT_NAMESPACE, f"{instrument_code}\x1f{source}")


NOTHING = object()  # an answer that stores no value (a declined sensitive question)


class RowChecker:
    """Turns one row's cells into checked answers, or problems (column by column).

    Each answer goes through ``instruments.answers.clean_item``, the rule of every channel;
    its verdict on a (question, value) pair is kept, since a file of 50,000 rows holds a
    few dozen distinct pairs.
    """

    def __init__(self, instrument, mapping, columns):
        self.instrument, self.mapping = instrument, mapping
        position = {name: index for index, name in enumerate(columns)}
        items = {item.code: item for item in instrument.items}
        words = import_maps.translations(instrument, mapping)
        self.fields = [(position[column], column, target, items.get(target), words.get(target))
                       for column, target in mapping.columns.items()]
        self.profile_codes = {name: {code for code, _label in PROFILE_FIELDS[name]}
                              for name in instrument.profile}
        self.verdicts = {}
        self.date_at = position[mapping.date_column]
        self.source_at = position.get(mapping.source_id) if mapping.source_id else None
        self.row_hash = RowHasher(columns)
        self.latest = datetime.combine(clock.today() + timedelta(days=2), datetime.min.time())

    def cell(self, cells, index):
        return cells[index] if index < len(cells) else ""

    def verdict(self, item, raw):
        """(value to store or NOTHING, (problem code, params) or None) of one answer."""
        key = (item.code, raw)
        found = self.verdicts.get(key)
        if found is None:
            one = CleanAnswers()
            clean_item(item, raw, one)
            found = (one.values.get(item.code, NOTHING), one.errors.get(item.code))
            self.verdicts[key] = found
        return found

    def check(self, number, cells, problems):
        """A ReadyRow, or None after adding the row's problems to ``problems``."""
        before = len(problems)
        when = self.when(number, cells, problems)
        source = self.source(number, cells, problems)
        cleaned, count = CleanAnswers(), len(cells)
        for index, column, target, item, words in self.fields:
            value = cells[index] if index < count else ""
            text = value.strip() if isinstance(value, str) else value.isoformat(" ")
            if item is not None and item.type == "text":
                clean_item(item, text, cleaned)
                if target in cleaned.errors:
                    code, params = cleaned.errors.pop(target)
                    problems.append(Problem(number, column, ANSWER_PROBLEMS[code], params))
                continue
            stored = words.get(normal(text)) if text else ""
            if stored is None:
                problems.append(Problem(number, column, ANSWER_PROBLEMS["choice"], {"value": text}))
            elif item is None:  # a profile question: a code of PROFILE_FIELDS, or nothing
                if stored and stored not in self.profile_codes[target]:
                    problems.append(Problem(number, column, ANSWER_PROBLEMS["choice"],
                                            {"value": text}))
                elif stored:
                    cleaned.profile[target] = stored
            else:
                kept, error = self.verdict(item, stored)
                if error is not None:
                    problems.append(Problem(number, column, ANSWER_PROBLEMS.get(
                        error[0], N_("Not a valid answer.")), {"value": text, **error[1]}))
                elif kept is not NOTHING:
                    cleaned.values[target] = kept
        if len(problems) > before:
            return None
        return ReadyRow(number, client_uuid_for(self.instrument.id, source), when, cleaned)

    def when(self, number, cells, problems):
        value = self.cell(cells, self.date_at)
        column = self.mapping.date_column
        if value == "" or (isinstance(value, str) and not value.strip()):
            problems.append(Problem(number, column, N_("No date.")))
            return None
        moment = import_maps.parse_when(value, self.mapping)
        if moment is None:
            problems.append(Problem(number, column, N_("'%(value)s' is not a date and time "
                                                       "(for example 27/11/2025 14:05:00)."),
                                    {"value": str(value)}))
        elif not EARLIEST <= moment < self.latest:
            problems.append(Problem(number, column, N_("The date %(value)s is before 2000 or "
                                                       "in the future."), {"value": str(value)}))
            moment = None
        return moment

    def source(self, number, cells, problems):
        if self.source_at is None:
            return "row:" + self.row_hash(cells)
        value = str(self.cell(cells, self.source_at)).strip()
        if not value:
            problems.append(Problem(number, self.mapping.source_id,
                                    N_("No id: without it a second import could not tell "
                                       "this row apart.")))
        return "id:" + value


def already_stored(uuids, province_id=None):
    """The client UUIDs among ``uuids`` stored already in ``province_id`` (where a client
    UUID is unique; None: in any province), 1,000 per query."""
    found, ordered = set(), list(uuids)
    for start in range(0, len(ordered), 1000):
        chunk = ordered[start:start + 1000]
        query = sa.select(Response.client_uuid).where(Response.client_uuid.in_(chunk))
        if province_id is not None:
            query = query.where(Response.province_id == province_id)
        found.update(db.session.scalars(query))
    return found


def check(content, file_name, instrument, mapping=None, province_id=None):
    """Read and check the whole file; store nothing.

    ``mapping`` is a ``ColumnMap`` or None (guessed from the headers). Duplicates (already
    stored, or the same source id twice in the file) are counted and left out.
    """
    try:
        table = read_table(content, file_name, mapping.sheet if mapping else None)
    except UnreadableFile as error:
        return Checked(mapping or ColumnMap("automatic", {}),
                       problems=[Problem(0, "", error.message, error.params)])
    mapping = mapping or import_maps.automatic(instrument, table.columns)
    result = Checked(mapping, columns=table.columns, total=len(table.rows))
    result.problems = mapping_problems(mapping, instrument, table.columns)
    if not table.rows:
        result.problems.append(Problem(0, "", N_("The file has no rows of answers.")))
    if result.problems:
        return result
    checker, seen = RowChecker(instrument, mapping, table.columns), set()
    for number, cells in table.rows:
        ready = checker.check(number, cells, result.problems)
        if ready is None:
            result.bad_rows += 1
        elif ready.client_uuid in seen:
            result.duplicates += 1
        else:
            seen.add(ready.client_uuid)
            result.ready.append(ready)
    stored = already_stored(seen, province_id)
    if stored:
        result.duplicates += len(stored)
        result.ready = [r for r in result.ready if r.client_uuid not in stored]
    if result.ready:
        result.first = min(r.submitted_at for r in result.ready)
        result.last = max(r.submitted_at for r in result.ready)
    return result


def store_rows(import_row, point, checked):
    """Insert the checked rows in bulk; return how many responses were new."""
    rows = []
    for ready in checked.ready:
        row = submit.response_row(point, import_row.instrument_version_id, ready.cleaned,
                                  client_uuid=ready.client_uuid, channel=Channel.IMPORT,
                                  locale="vi", submitted_at=ready.submitted_at)
        row["import_id"] = import_row.id
        rows.append(row)
    new_ids = submit.insert_new_responses(rows)
    submit.write_answers_many(org.province_of_unit(point.unit_id),
                              ((new_ids[r.client_uuid], r.cleaned) for r in checked.ready
                               if r.client_uuid in new_ids))
    return len(new_ids)


def cli_actor():
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no user name in a bare container
        return "cli"


def instrument_of(import_row):
    return instrument_store.load(import_row.instrument_version)


def saved_mapping(import_row):
    return import_maps.parse_mapping(import_row.mapping)


def record_counts(import_row, checked):
    import_row.rows_total = checked.total
    import_row.rows_valid = len(checked.ready)
    import_row.rows_invalid = checked.bad_rows
    import_row.rows_duplicate = checked.duplicates
    import_row.problems = [p.as_list() for p in checked.problems[:KEPT_PROBLEMS]]
    import_row.file_columns = list(checked.columns)
    import_row.first_answer_at, import_row.last_answer_at = checked.first, checked.last


def start(point, version_id, instrument, content, file_name, mapping=None, *, user=None,
          actor=None, checked=None):
    """Check the file and keep it as an import to preview (nothing stored); flushes.

    Returns ``(ResponseImport, Checked)``; the import keeps the file, the mapping (the
    one guessed, if none was given) and the counts. ``checked``: ``check``'s result for
    this file and mapping, when the caller checked it outside the writing transaction.
    """
    if checked is None:
        checked = check(content, file_name, instrument, mapping,
                        province_id=org.province_of_unit(point.unit_id))
    import_row = ResponseImport(
        status=ImportStatus.PREVIEW, service_point_id=point.id,
        instrument_version_id=version_id, user_id=getattr(user, "id", None),
        actor=actor or getattr(user, "username", None) or cli_actor(),
        file_name=(file_name or "file")[-255:], content=content,
        file_digest=hashlib.sha256(content).hexdigest(),
        mapping=checked.mapping.as_dict())
    record_counts(import_row, checked)
    db.session.add(import_row)
    db.session.flush()
    return import_row, checked


def confirm(import_row, *, accept_bad_rows=False, user=None, checked=None):
    """Store the valid rows of a previewed import; flushes; the caller commits.

    The file is checked again with its saved mapping (rows may have been stored since the
    preview). Raises ``ImportRefused`` when the file cannot be imported, when it has bad
    rows and ``accept_bad_rows`` is false, or when the import is not a preview any more
    (a second click, or another user, confirmed it meanwhile). ``checked``: the result
    of ``start`` in the same transaction (the command line), which needs no second check.
    """
    if checked is None:
        point = db.session.get(ServicePoint, import_row.service_point_id)
        checked = check(import_row.content, import_row.file_name, instrument_of(import_row),
                        saved_mapping(import_row), province_id=org.province_of_unit(point.unit_id))
    record_counts(import_row, checked)
    if not checked.importable:
        raise ImportRefused(checked.file_problems[0].english())
    if checked.bad_rows and not accept_bad_rows:
        raise ImportRefused(f"{checked.bad_rows} row(s) have problems; nothing was imported")
    if not checked.ready:
        raise ImportRefused("every valid row is imported already; nothing new to store")
    claimed = db.session.execute(
        sa.update(ResponseImport)
        .where(ResponseImport.id == import_row.id, ResponseImport.status == ImportStatus.PREVIEW)
        .values(status=ImportStatus.IMPORTED, imported_at=utcnow())
        .execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        raise ImportRefused("this import is not waiting for confirmation")
    import_row.rows_stored = store_rows(import_row, import_row.service_point, checked)
    db.session.flush()
    db.session.refresh(import_row, ["status", "imported_at"])
    audit.record(user, "responses.import", import_row, file=import_row.file_name,
                 point=import_row.service_point_id, stored=import_row.rows_stored,
                 left_out=checked.bad_rows, duplicates=checked.duplicates,
                 actor=getattr(user, "username", None) or import_row.actor)
    return checked


def undo(import_row, *, user=None):
    """Delete every response of an import (answers and comments with them); flushes.

    A feedback case opened from one of its comments stays, without its response.
    Returns the number of responses deleted.
    """
    claimed = db.session.execute(
        sa.update(ResponseImport)
        .where(ResponseImport.id == import_row.id, ResponseImport.status == ImportStatus.IMPORTED)
        .values(status=ImportStatus.UNDONE, undone_at=utcnow(),
                undone_by=getattr(user, "username", None) or cli_actor())
        .execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        raise ImportRefused("only an imported import can be undone")
    ids = sa.select(Response.id).where(Response.import_id == import_row.id).scalar_subquery()
    db.session.execute(sa.update(FeedbackCase).where(FeedbackCase.response_id.in_(ids))
                       .values(response_id=None).execution_options(synchronize_session=False))
    deleted = db.session.execute(sa.delete(Response).where(Response.import_id == import_row.id)
                                 .execution_options(synchronize_session=False)).rowcount
    db.session.flush()
    db.session.refresh(import_row)
    audit.record(user, "responses.import.undo", import_row, deleted=deleted,
                 file=import_row.file_name,
                 actor=getattr(user, "username", None) or import_row.undone_by)
    return deleted


def discard(import_row):
    """Drop a preview: nothing was stored; the file is not kept."""
    if import_row.status != ImportStatus.PREVIEW:
        raise ImportRefused("only a preview can be discarded")
    import_row.status = ImportStatus.DISCARDED
    import_row.content = b""
    db.session.flush()


def all_problems(import_row):
    """Every problem of an import's file with its saved mapping (for the CSV report)."""
    return check(import_row.content, import_row.file_name, instrument_of(import_row),
                 saved_mapping(import_row)).problems


def stored_problems(import_row):
    return [Problem(*entry) for entry in import_row.problems or []]

