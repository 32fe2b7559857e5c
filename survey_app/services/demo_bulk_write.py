"""Writing the bulk demo's chunks: COPY on PostgreSQL, executemany on SQLite.

A chunk is a dict of numpy columns (``demo_bulk.generate_chunk``). Every value is
turned into text once (None = NULL): PostgreSQL's COPY reads text, and SQLite's column
affinity stores '12' in an INTEGER column as the integer 12, so one conversion serves
both. Rows that point at a response (comments; answers in the long format) are staged
in a temporary table by client UUID and inserted with one join, so the ids stay the
database's own.

How answers are stored is decided in one place, ``ANSWER_FORMAT``: packed in
``response.answer_codes`` (``services/packing.py``) when the model has that column,
else one ``answer`` row per item.
"""
import numpy as np
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Response
from survey_app.services.bulk_copy import copy_text

PACKED = hasattr(Response, "answer_codes")
ANSWER_FORMAT = "packed" if PACKED else "rows"
RESPONSE_COLUMNS = ("client_uuid", "province_id", "instrument_version_id", "service_point_id",
                    "unit_id",
                    "procedure_id", "channel", "verified", "locale", "respondent_type", "sex",
                    "age_band", "submitted_at", "stratum", "weight", "quarantined")
STORED_TYPES = ("likert5", "yesno", "choice")


def answer_slots(version):
    """The codes whose answers a packed string holds, in slot order (the instrument's
    slots when ``packing`` exists; else the version's own stored items, in order)."""
    if PACKED:
        from survey_app.services import packing

        return packing.slots(version.instrument_id)
    from survey_app.services import instrument_store

    return tuple(item.code for item in instrument_store.load(version).items
                 if item.type in STORED_TYPES)


def as_text(values):
    """A column as a list of str, None for NULL."""
    if values.dtype == bool:
        return np.where(values, "1", "0").tolist()
    if values.dtype.kind in "iuf":
        return values.astype(str).tolist()
    if values.dtype.kind == "M":
        return [f"{t[:10]} {t[11:]}.000000" for t in np.datetime_as_string(values, unit="s")]
    return [None if v is None else str(v) for v in values.tolist()]


def response_columns(chunk):
    """(names, lists of text) of the chunk's responses, column by column."""
    n = len(chunk["client_uuid"])
    fixed = {"weight": np.ones(n), "quarantined": np.zeros(n, dtype=bool)}
    names = list(RESPONSE_COLUMNS) + (["answer_codes"] if PACKED else [])
    return names, [as_text(chunk[name] if name in chunk else fixed[name]) for name in names]


def answer_rows(chunk, slots_of_version):
    """(client_uuid, item_code, value) rows of the long ``answer`` table, from the packed
    strings; used only while that table exists."""
    rows = []
    for uuid, version, text in zip(chunk["client_uuid"], chunk["instrument_version_id"],
                                   chunk["answer_codes"], strict=True):
        slots = slots_of_version[int(version)]
        for code, char in zip(slots, text, strict=False):
            if char != "-":
                rows.append((uuid, code, None if char == "." else str(ord(char) - 48)))
    return rows


class Writer:
    """Writes chunks through the session's own connection and transaction. Rows that
    point at a response wait in temporary tables until ``finish``."""

    def __init__(self, slots_of_version):
        self.connection = db.session.connection().connection.driver_connection
        self.slots_of_version = slots_of_version
        self.linked = {"comment": ("text", "status")}
        if not PACKED:
            self.linked["answer"] = ("item_code", "value")
        for table, columns in self.linked.items():
            self.execute(f"CREATE TEMP TABLE bulk_{table} (client_uuid {self.uuid_type}, "
                         + ", ".join(f"{c} TEXT" for c in columns) + ")")

    def write(self, chunk):
        self.insert_columns("response", *response_columns(chunk))
        commented = np.flatnonzero(chunk["comment"] != None)  # noqa: E711 - elementwise
        self.insert("bulk_comment", ("client_uuid", "text", "status"),
                    [(chunk["client_uuid"][i], chunk["comment"][i], "new") for i in commented])
        if not PACKED:
            self.insert("bulk_answer", ("client_uuid", "item_code", "value"),
                        answer_rows(chunk, self.slots_of_version))

    def finish(self):
        """Insert the staged rows with their response's id (one join per table)."""
        for table, columns in self.linked.items():
            casts = ", ".join(f"t.{c}{self.cast(table, c)}" for c in columns)
            self.execute(f"INSERT INTO {table} (province_id, response_id, "  # noqa: S608
                         f"{', '.join(columns)}) SELECT r.province_id, r.id, {casts} "
                         f"FROM bulk_{table} t "
                         "JOIN response r ON r.client_uuid = t.client_uuid")
            self.execute(f"DROP TABLE bulk_{table}")


class PostgresWriter(Writer):
    """COPY into ``response`` without its foreign keys and secondary indexes, which are
    put back by ``finish`` (PostgreSQL's advice for populating a database: checking a
    key and updating five indexes per row took 6 s per 100,000 rows, COPY alone 1 s).
    All of it inside the transaction: a failed load leaves the table as it was."""

    uuid_type = "uuid"

    def __init__(self, slots_of_version):
        super().__init__(slots_of_version)
        self.session_connection = db.session.connection()
        table = Response.__table__
        # the keys of other tables that point at response's unique keys go first, and
        # come back last
        self.dependent = [c for other in Response.metadata.sorted_tables if other is not table
                          for c in other.foreign_key_constraints if c.referred_table is table]
        self.dropped = [*self.dependent, *table.foreign_key_constraints,
                        *(c for c in table.constraints if isinstance(c, sa.UniqueConstraint))]
        self.indexes = list(table.indexes)
        for constraint in self.dropped:
            self.session_connection.execute(sa.schema.DropConstraint(constraint))
        for index in self.indexes:
            self.session_connection.execute(sa.schema.DropIndex(index))

    def finish(self):
        for index in self.indexes:
            self.session_connection.execute(sa.schema.CreateIndex(index))
        for constraint in [*self.dropped[len(self.dependent):], *self.dependent]:
            self.session_connection.execute(sa.schema.AddConstraint(constraint))
        super().finish()
        # statistics for the planner now, not at autovacuum's leisure: without them the
        # public page's published comments were read by a 0.6 s plan instead of 0.3 ms
        for table in ("response", "comment"):
            self.execute(f"ANALYZE {table}")  # noqa: S608 - fixed names

    def cast(self, table, column):
        return "::smallint" if (table, column) == ("answer", "value") else ""

    def execute(self, sql):
        with self.connection.cursor() as cursor:
            cursor.execute(sql)

    def insert(self, table, columns, rows):
        """COPY rows (tuples) of any text: each value escaped."""
        self.copy(table, columns, ["\t".join([copy_text(v) for v in row]) for row in rows])

    def insert_columns(self, table, columns, texts):
        """COPY columns of plain text (no tab, newline or backslash: codes, numbers, times)."""
        texts = [["\\N" if v is None else v for v in column] if None in column else column
                 for column in texts]
        self.copy(table, columns, list(map("\t".join, zip(*texts, strict=True))))

    def copy(self, table, columns, lines):
        names = ", ".join(f'"{c}"' for c in columns)
        with self.connection.cursor() as cursor, \
                cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
            for start in range(0, len(lines), 20_000):
                copy.write("\n".join(lines[start:start + 20_000]) + "\n")


class SqliteWriter(Writer):
    uuid_type = "TEXT"

    def cast(self, table, column):
        return ""

    def execute(self, sql):
        self.connection.execute(sql)

    def insert(self, table, columns, rows):
        names = ", ".join(f'"{c}"' for c in columns)
        marks = ", ".join("?" * len(columns))
        self.connection.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})',  # noqa: S608
                                    rows)

    def insert_columns(self, table, columns, texts):
        self.insert(table, columns, zip(*texts, strict=True))


def bulk_writer(slots_of_version=None):
    """A writer for the session's database (``slots_of_version``: {version id: slot
    codes}, needed only for the long answer format)."""
    db.session.flush()
    if db.engine.dialect.name == "sqlite":
        return SqliteWriter(slots_of_version or {})
    return PostgresWriter(slots_of_version or {})
