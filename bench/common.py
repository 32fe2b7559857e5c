"""Helpers shared by the benchmarks."""
import os

import sqlalchemy as sa

PG = os.environ.get("HAILONG_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def fresh_database(name):
    """Drop and create database ``name`` beside the one in HAILONG_BENCH_PG; return its URL."""
    admin = sa.create_engine(PG, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return sa.make_url(PG).set(database=name).render_as_string(hide_password=False)
