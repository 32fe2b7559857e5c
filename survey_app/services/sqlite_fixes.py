"""Make SQLite behave: real transactions (so SAVEPOINT works), foreign keys, WAL.

pysqlite starts transactions lazily and breaks SAVEPOINT; SQLAlchemy's documented
recipe hands transaction control back to SQLAlchemy.
"""
import sqlite3

from sqlalchemy import event
from sqlalchemy.engine import Engine


@event.listens_for(Engine, "connect")
def _on_connect(dbapi_connection, _record):
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        # WAL: readers never block the writer (and the reverse); kept in the file.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()


WRITE_OPTION = "hailong_write"
#: A bulk load (``hailong demo`` of a million responses): no fsync while it writes.
BULK_OPTION = "hailong_bulk"


@event.listens_for(Engine, "begin")
def _on_begin(connection):
    if connection.dialect.name == "sqlite":
        # A transaction that reads and then writes must take the write lock up front:
        # in WAL mode, upgrading a stale read snapshot fails at once ("database is
        # locked") instead of waiting for busy_timeout.
        options = connection.get_execution_options()
        if options.get(BULK_OPTION):
            # only possible outside a transaction; the setting stays with this pooled
            # connection, which the one-shot command that asked for it closes soon after
            connection.exec_driver_sql("PRAGMA synchronous = OFF")
        connection.exec_driver_sql("BEGIN IMMEDIATE" if options.get(WRITE_OPTION) else "BEGIN")


def begin_write(session):
    """Start ``session``'s transaction as a writer (SQLite: BEGIN IMMEDIATE; others: as usual).

    Call before the first query of a request that will write.
    """
    session.connection(execution_options={WRITE_OPTION: True})


def begin_bulk(session):
    """Start ``session``'s transaction as a bulk writer (SQLite: synchronous OFF, then
    BEGIN IMMEDIATE; others: as usual). Does nothing once a transaction has begun."""
    if session().get_transaction() is None:
        session.connection(execution_options={WRITE_OPTION: True, BULK_OPTION: True})
