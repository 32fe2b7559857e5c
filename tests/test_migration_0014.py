"""Migration 0014 fills ``province_id`` from the unit paths, keeps the rows, and back."""
import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from survey_app import create_app
from survey_app.extensions import db
from tests.conftest import BACKENDS, TEST_CONFIG

# two provinces: 1 with commune 2 below it, and 3; one point in 2, one in 3
ROWS = (
    "INSERT INTO unit (id, code, name_vi, kind, path, created_at) VALUES "
    "(1, 'P1', 'Tỉnh 1', 'province', '/1/', '2025-01-01'), "
    "(3, 'P3', 'Tỉnh 3', 'province', '/3/', '2025-01-01')",
    "INSERT INTO unit (id, code, name_vi, kind, parent_id, path, created_at) "
    "VALUES (2, 'X2', 'Xã 2', 'commune', 1, '/1/2/', '2025-01-01')",
    "INSERT INTO service_point (id, unit_id, code, name_vi, sector, instrument_code, active, "
    "created_at) VALUES (1, 2, 'Q', 'Quầy', 'land', 'x', true, '2025-01-01'), "
    "(2, 3, 'Q', 'Quầy', 'land', 'x', true, '2025-01-01')",
    "INSERT INTO instrument (id, code, created_at) VALUES (1, 'x', '2025-01-01')",
    "INSERT INTO instrument_version (id, instrument_id, version, digest, definition, "
    "created_at) VALUES (1, 1, 1, 'd', '{}', '2025-01-01')",
    "INSERT INTO response (id, client_uuid, instrument_version_id, service_point_id, unit_id, "
    "channel, verified, locale, submitted_at, weight, answer_codes) VALUES "
    "(1, '6f1c2b9e-0a4d-4c1e-9b7a-3d2f1e0c9b81', 1, 1, 2, 'qr', false, 'vi', "
    "'2025-03-02 10:11:12', 1, '4'), "
    "(2, '6f1c2b9e-0a4d-4c1e-9b7a-3d2f1e0c9b82', 1, 2, 3, 'qr', false, 'vi', "
    "'2025-03-02 10:11:12', 1, '5')",
    "INSERT INTO comment (id, response_id, text, status) VALUES (1, 2, 'Tốt', 'new')",
    "INSERT INTO invitation (id, service_point_id, dossier_hash, created_at, expires_at) "
    "VALUES (1, 1, 'h', '2025-03-01', '2025-04-01')",
    "INSERT INTO feedback_case (id, unit_id, response_id, summary, status, deadline, "
    "created_at) VALUES (1, 2, 1, 's', 'open', '2025-04-01', '2025-03-03')",
)


def provinces(conn, table, key="id"):
    return dict(conn.execute(sa.text(f"SELECT {key}, province_id FROM {table}")).all())  # noqa: S608


@pytest.mark.parametrize("backend", BACKENDS)
def test_0014_fills_the_province_and_the_triggers_write_it(backend, database_url_factory):
    url = database_url_factory(backend, "migration14")
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade(revision="0013")
        with db.engine.begin() as conn:
            for statement in ROWS:
                conn.execute(sa.text(statement))
        upgrade(revision="0014")
        with db.engine.begin() as conn:
            assert provinces(conn, "response") == {1: 1, 2: 3}
            assert provinces(conn, "comment") == {1: 3}
            assert provinces(conn, "invitation") == {1: 1}
            assert provinces(conn, "feedback_case") == {1: 1}
            assert sorted(conn.execute(sa.text(
                "SELECT province_id, service_point_id FROM tally_dirty")).all()) == [(1, 1), (3, 2)]
            conn.execute(sa.text("DELETE FROM tally_dirty"))
            conn.execute(sa.text("UPDATE response SET answer_codes = '3' WHERE id = 2"))
            assert conn.execute(sa.text(
                "SELECT province_id, service_point_id FROM tally_dirty")).all() == [(3, 2)]
            # the same client UUID in the other province is a second response
            conn.execute(sa.text(
                "INSERT INTO response (id, province_id, client_uuid, instrument_version_id, "
                "service_point_id, unit_id, channel, verified, locale, submitted_at, weight, "
                "answer_codes) VALUES (3, 3, '6f1c2b9e-0a4d-4c1e-9b7a-3d2f1e0c9b81', 1, 2, 3, "
                "'qr', false, 'vi', '2025-03-02 10:11:12', 1, '')"))
            conn.execute(sa.text("DELETE FROM response WHERE id = 3"))
        downgrade(revision="0013")
        with db.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM response")).scalar() == 2
            assert conn.execute(sa.text("SELECT response_id FROM comment")).all() == [(2,)]
            columns = {c["name"] for c in sa.inspect(conn).get_columns("response")}
        assert "province_id" not in columns
        db.engine.dispose()
