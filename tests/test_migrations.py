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
