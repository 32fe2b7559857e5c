"""Migration 0009 (response imports) keeps every stored answer, comment and case, both ways.

On SQLite a table copy (Alembic's batch mode) would drop ``response`` and, with foreign
keys on, delete its answers and comments by ON DELETE CASCADE.
"""
import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from survey_app import create_app
from survey_app.extensions import db
from tests.conftest import BACKENDS, TEST_CONFIG

ROWS = (
    "INSERT INTO unit (id, code, name_vi, kind, path, created_at) "
    "VALUES (1, 'U', 'Xã', 'commune', '/1/', '2025-01-01')",
    "INSERT INTO service_point (id, unit_id, code, name_vi, sector, instrument_code, active, "
    "created_at) VALUES (1, 1, 'Q', 'Quầy', 'land', 'sipas-counter', true, '2025-01-01')",
    "INSERT INTO instrument (id, code, created_at) VALUES (1, 'sipas-counter', '2025-01-01')",
    "INSERT INTO instrument_version (id, instrument_id, version, digest, definition, created_at) "
    "VALUES (1, 1, 1, 'd', '{}', '2025-01-01')",
    "INSERT INTO response (id, client_uuid, instrument_version_id, service_point_id, unit_id, "
    "channel, verified, locale, submitted_at, weight) VALUES (1, "
    "'6f1c2b9e-0a4d-4c1e-9b7a-3d2f1e0c9b8a', 1, 1, 1, 'qr', false, 'vi', "
    "'2025-03-02 10:11:12', 1)",
    "INSERT INTO answer (response_id, item_code, value) VALUES (1, 'overall', 5)",
    "INSERT INTO answer (response_id, item_code, value) VALUES (1, 'feedback', NULL)",
    "INSERT INTO comment (id, response_id, text, status) VALUES (1, 1, 'Tốt', 'new')",
    "INSERT INTO feedback_case (id, unit_id, response_id, summary, status, deadline, created_at) "
    "VALUES (1, 1, 1, 'x', 'open', '2025-04-01', '2025-03-03')",
)


def counts(conn):
    return {table: conn.execute(sa.text(f"SELECT COUNT(*) FROM {table}")).scalar()  # noqa: S608
            for table in ("response", "answer", "comment", "feedback_case")}


@pytest.mark.parametrize("backend", BACKENDS)
def test_0009_keeps_answers_comments_and_cases(backend, database_url_factory):
    url = database_url_factory(backend, "migration9")
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade(revision="0006")
        with db.engine.begin() as conn:
            for statement in ROWS:
                conn.execute(sa.text(statement))
        upgrade(revision="0009")
        with db.engine.connect() as conn:
            assert counts(conn) == {"response": 1, "answer": 2, "comment": 1, "feedback_case": 1}
            assert conn.execute(sa.text("SELECT import_id FROM response")).scalar() is None
        downgrade(revision="0006")
        with db.engine.connect() as conn:
            assert counts(conn) == {"response": 1, "answer": 2, "comment": 1, "feedback_case": 1}
            columns = {c["name"] for c in sa.inspect(conn).get_columns("response")}
            assert "import_id" not in columns
            assert "response_import" not in sa.inspect(conn).get_table_names()
        db.engine.dispose()
