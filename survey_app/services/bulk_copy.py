"""PostgreSQL bulk writes with COPY, in the session's own transaction.

An ``INSERT … VALUES`` of many rows binds every value through Python; on PostgreSQL,
50,000 responses and 400,000 answers took over a minute that way. ``COPY`` streams the
rows in one protocol exchange: responses go through a temporary table so that the
final ``INSERT … SELECT … ON CONFLICT DO NOTHING RETURNING`` still lets the unique
client UUID skip rows stored before (or by a concurrent import); answers and comments
of new responses cannot conflict and are copied straight into their tables.
"""
import enum
import re
from datetime import datetime

from survey_app.extensions import db

_SPECIAL = re.compile(r"[\\\t\n\r]")
_ESCAPES = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"}


def copy_text(value):
    """``value`` in COPY's text format: NULL as \\N, special characters escaped, an enum
    member as its stored value (psycopg's own adapters would write an enum's name)."""
    kind = type(value)
    if kind is int or kind is float:
        return str(value)
    if value is None:
        return "\\N"
    if kind is bool:
        return "t" if value else "f"
    if isinstance(value, enum.Enum):
        value = value.value
    elif isinstance(value, datetime):
        return value.isoformat(" ")
    text = str(value)
    return _SPECIAL.sub(lambda m: _ESCAPES[m.group()], text) if _SPECIAL.search(text) else text


def driver_connection():
    """The psycopg connection under the session, inside the session's transaction."""
    return db.session.connection().connection.driver_connection


def copy_rows(cursor, table, columns, rows):
    """COPY ``rows`` (dicts) into ``table``, written as text by us: psycopg's per-value
    adaptation (``write_row``) costs several times more for 400,000 answers."""
    names = ", ".join(f'"{c}"' for c in columns)
    with cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
        for start in range(0, len(rows), 10_000):
            copy.write("".join("\t".join([copy_text(row[c]) for c in columns]) + "\n"
                               for row in rows[start:start + 10_000]))


def insert_new_responses(table, rows):
    """Insert ``rows`` (dicts) into ``table`` unless their unique key exists; return
    {client_uuid: id} of the rows inserted."""
    columns = list(rows[0])
    names = ", ".join(f'"{c}"' for c in columns)
    with driver_connection().cursor() as cursor:
        cursor.execute(f'CREATE TEMP TABLE hailong_bulk ON COMMIT DROP AS '  # noqa: S608
                       f'SELECT {names} FROM "{table.name}" WITH NO DATA')
        copy_rows(cursor, "hailong_bulk", columns, rows)
        cursor.execute(f'INSERT INTO "{table.name}" ({names}) SELECT {names} '  # noqa: S608
                       'FROM hailong_bulk ON CONFLICT DO NOTHING RETURNING client_uuid, id')
        found = dict(cursor.fetchall())
        cursor.execute("DROP TABLE hailong_bulk")
    return found


def insert_rows(table, rows):
    """Copy ``rows`` (dicts with the same keys) into ``table``."""
    if rows:
        with driver_connection().cursor() as cursor:
            copy_rows(cursor, table.name, list(rows[0]), rows)
