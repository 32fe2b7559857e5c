"""`hailong db upgrade` on an empty database gives exactly the models' schema; downgrade works."""
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from survey_app import create_app
from survey_app.extensions import db
from survey_app.models import Base
from tests.conftest import BACKENDS, TEST_CONFIG


@pytest.mark.parametrize("backend", BACKENDS)
def test_upgrade_matches_the_models_and_downgrade_empties(backend, database_url_factory):
    url = database_url_factory(backend, "migrations")
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, Base.metadata)
        assert diff == [], diff
        downgrade(revision="base")
        with db.engine.connect() as conn:
            remaining = set(sa.inspect(conn).get_table_names()) - {"alembic_version"}
        assert remaining == set()
        upgrade()  # and up again: the chain is repeatable
        db.engine.dispose()


@pytest.mark.parametrize("backend", BACKENDS)
def test_0005_drops_the_link_from_responses_to_invitations(backend, database_url_factory):
    url = database_url_factory(backend, "migration5")
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade(revision="0004")
        with db.engine.begin() as conn:
            for statement in (
                "INSERT INTO unit (id, code, name_vi, kind, path, created_at) "
                "VALUES (1, 'U', 'Xã', 'commune', '/1/', '2025-01-01')",
                "INSERT INTO service_point (id, unit_id, code, name_vi, sector, "
                "instrument_code, active, created_at) "
                "VALUES (1, 1, 'Q', 'Quầy', 'land', 'sipas-counter', true, '2025-01-01')",
                "INSERT INTO instrument (id, code, created_at) VALUES (1, 'sipas-counter', '2025-01-01')",
                "INSERT INTO instrument_version (id, instrument_id, version, digest, definition, "
                "created_at) "
                "VALUES (1, 1, 1, 'd', '{}', '2025-01-01')",
                "INSERT INTO invitation (id, service_point_id, dossier_hash, created_at, "
                "expires_at, used_at) VALUES (7, 1, 'h', '2025-03-01', '2025-04-01', "
                "'2025-03-02 10:11:12')",
                "INSERT INTO response (id, client_uuid, instrument_version_id, service_point_id, "
                "unit_id, invitation_id, channel, verified, locale, submitted_at, weight) "
                "VALUES (1, '6f1c2b9e-0a4d-4c1e-9b7a-3d2f1e0c9b8a', 1, 1, 1, 7, 'invitation', "
                "true, 'vi', '2025-03-02 10:11:12', 1)",
                "INSERT INTO answer (response_id, item_code, value) VALUES (1, 'staff', 4)",
                "INSERT INTO comment (id, response_id, text, status) VALUES (1, 1, 'x', 'new')",
            ):
                conn.execute(sa.text(statement))
        upgrade(revision="0005")
        with db.engine.connect() as conn:
            columns = {c["name"] for c in sa.inspect(conn).get_columns("response")}
            verified = conn.execute(sa.text("SELECT verified FROM response")).scalar()
            used_at = conn.execute(sa.text("SELECT used_at FROM invitation")).scalar()
            # rebuilding ``response`` on SQLite must not cascade-delete what points at it
            kept = conn.execute(sa.text("SELECT (SELECT count(*) FROM answer), "
                                        "(SELECT count(*) FROM comment)")).one()
        assert "invitation_id" not in columns and verified
        assert tuple(kept) == (1, 1)
        assert str(used_at).startswith("2025-03-02 00:00:00")  # the day, not the time
        downgrade(revision="0004")
        db.engine.dispose()


@pytest.mark.parametrize("backend", BACKENDS)
def test_0010_leaves_every_stored_answer_counted(backend, database_url_factory):
    url = database_url_factory(backend, "migration10")
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade(revision="0006")
        with db.engine.begin() as conn:
            for statement in (
                "INSERT INTO unit (id, code, name_vi, kind, path, created_at) "
                "VALUES (1, 'U', 'Xã', 'commune', '/1/', '2025-01-01')",
                "INSERT INTO service_point (id, unit_id, code, name_vi, sector, "
                "instrument_code, active, created_at) "
                "VALUES (1, 1, 'Q', 'Quầy', 'land', 'sipas-counter', true, '2025-01-01')",
                "INSERT INTO instrument (id, code, created_at) VALUES (1, 'sipas-counter', '2025-01-01')",
                "INSERT INTO instrument_version (id, instrument_id, version, digest, definition, "
                "created_at) VALUES (1, 1, 1, 'd', '{}', '2025-01-01')",
                "INSERT INTO response (id, client_uuid, instrument_version_id, service_point_id, "
                "unit_id, channel, verified, locale, submitted_at, weight) "
                "VALUES (1, '6f1c2b9e-0a4d-4c1e-9b7a-3d2f1e0c9b8a', 1, 1, 1, 'qr', false, 'vi', "
                "'2025-03-02 10:11:12', 1)",
            ):
                conn.execute(sa.text(statement))
        upgrade(revision="0010")
        with db.engine.connect() as conn:
            held = conn.execute(sa.text("SELECT quarantined, quarantine_reason FROM response")).one()
        assert not held[0] and held[1] is None
        downgrade(revision="0006")
        db.engine.dispose()
