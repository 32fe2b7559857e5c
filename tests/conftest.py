"""Shared fixtures: an app per database backend, clean data per test, factories.

SQLite always; PostgreSQL too when HAILONG_TEST_DATABASE_URL is set (CI sets it). Each
backend gets a fresh database whose schema is made by the real Alembic migrations.
"""
import os
import re
import uuid
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
import time_machine
from flask.testing import FlaskClient
from flask_migrate import upgrade

from survey_app import create_app
from survey_app.config import Config
from survey_app.extensions import db, limiter
from survey_app.models import Base, Role, User
from survey_app.services import instrument_store, org

# The suite's clock. Demo data are generated over the 12 months before "now" and several
# tests name periods (2026-11, 2026-H1), so every test runs at this instant whatever the
# day it is run (time-machine moves time.time, datetime.now and date.today; tick=True lets
# it run on from there so that timeouts and rate limits still see time pass). TODAY is the
# same day in Vietnam, the app's own clock (survey_app/clock.py).
FIXED_NOW = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)  # 10:00 in Hà Nội
FIXED_TODAY = date(2026, 11, 20)

PG_URL = os.environ.get("HAILONG_TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])
TEST_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-secret",
    "HASH_KEY": "test-hash-key",
    "BASE_URL": "http://survey.test",
    "SERVER_NAME": None,
    # The test client sends a form milliseconds after showing it: without this, every
    # answer of the other tests would be held for "impossible speed".
    # tests/public/test_quarantine.py puts the real rule back.
    "QUARANTINE_MIN_SECONDS": 0,
    "TODAY": FIXED_TODAY,
    "TALLY_REFRESH_SECONDS": 0,
}
PASSWORD = "correct horse battery"  # noqa: S105


@pytest.fixture(scope="session", autouse=True)
def suite_clock():
    """Every test runs at FIXED_NOW (see above), before any app or data is made."""
    with time_machine.travel(FIXED_NOW, tick=True):
        yield FIXED_NOW


def fresh_postgres_database(name):
    """Create (or re-create) database ``name`` next to the one in PG_URL; return its URL."""
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return sa.make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(name):
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def database_url_factory(tmp_path_factory):
    """Make empty databases: ``factory(backend, label)`` -> URL; dropped at the end."""
    made = []

    def factory(backend, label):
        if backend == "sqlite":
            return f"sqlite:///{tmp_path_factory.mktemp(label) / 'hailong.db'}"
        name = f"hailong_{label}_{os.getpid()}"
        made.append(name)
        return fresh_postgres_database(name)

    yield factory
    for name in made:
        drop_postgres_database(name)


class IsolatedClient(FlaskClient):
    """Runs each request in its own app context and session, as in production.

    Without this, requests reuse the test's app context: ``g`` (the cached locale, the
    logged-in user) and the SQLAlchemy session would leak from one request to the next.
    The test's own session is rolled back afterwards so that it sees what was committed.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        db.session.rollback()
        return response


@pytest.fixture(scope="session", params=BACKENDS)
def app(request, database_url_factory):
    url = database_url_factory(request.param, "app")
    application = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    application.test_client_class = IsolatedClient
    with application.app_context():
        upgrade()
    yield application
    with application.app_context():
        db.engine.dispose()


def wipe(app):
    tables = list(reversed(Base.metadata.sorted_tables))
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                names = ", ".join(f'"{t.name}"' for t in tables)
                conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            else:
                for table in tables:
                    conn.execute(table.delete())
    instrument_store.forget_cached_versions()
    org.forget_cached_provinces()


@pytest.fixture
def ctx(app):
    """An app context over clean data with the shipped instruments stored."""
    wipe(app)
    limiter.reset()
    # a test that narrows the flood guard must not leave it narrowed for the next ones
    app.config["SUBMIT_RATE_LIMIT"] = Config.SUBMIT_RATE_LIMIT
    with app.app_context():
        instrument_store.sync_bundled()
        db.session.commit()
        yield app
        db.session.remove()


@pytest.fixture
def client(ctx):
    return ctx.test_client()


@pytest.fixture
def runner(ctx):
    return ctx.test_cli_runner()


@pytest.fixture
def demo_city(ctx):
    """``load(n_responses, seed)`` -> {code: Unit} of the demo city, committed."""
    from survey_app.models import Unit
    from survey_app.services.demo import load_demo
    from survey_app.services.results import clear_public_cache

    def load(n_responses=600, seed=4):
        clear_public_cache()
        load_demo(n_responses=n_responses, seed=seed)
        db.session.commit()
        return {unit.code: unit for unit in db.session.scalars(sa.select(Unit))}

    return load


@pytest.fixture
def make_unit(ctx):
    counter = iter(range(1, 10_000))

    def factory(code=None, name_vi=None, kind="commune", parent=None, **kw):
        n = next(counter)
        unit = org.create_unit(code or f"U{n}", name_vi or f"Xã Thử {n}", kind, parent=parent,
                               **kw)
        db.session.commit()
        return unit

    return factory


@pytest.fixture
def make_service_point(ctx, make_unit):
    counter = iter(range(1, 10_000))

    def factory(unit=None, code=None, instrument="sipas-counter", sector="certification", **kw):
        n = next(counter)
        point = org.create_service_point(unit or make_unit(), code or f"Q{n}",
                                         kw.pop("name_vi", f"Quầy {n}"), sector, instrument, **kw)
        db.session.commit()
        return point

    return factory


@pytest.fixture
def make_user(ctx, make_unit):
    from werkzeug.security import generate_password_hash

    hashed = generate_password_hash(PASSWORD)

    def factory(username=None, role=Role.ADMIN, unit=None):
        user = User(username=username or f"user{uuid.uuid4().hex[:6]}", password_hash=hashed,
                    role=role, unit=unit or make_unit(kind="province"))
        db.session.add(user)
        db.session.commit()
        return user

    return factory


CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|'
                     r'name="csrf_token" value="([^"]+)"')


def csrf_from(html):
    """The CSRF token in a rendered page."""
    if isinstance(html, bytes):
        html = html.decode("utf-8")
    match = CSRF_RE.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1) or match.group(2)


def uuid_from(html):
    if isinstance(html, bytes):
        html = html.decode("utf-8")
    return re.search(r'name="client_uuid" value="([^"]+)"', html).group(1)


@pytest.fixture
def login(client):
    def do(user, password=PASSWORD):
        page = client.get("/admin/login")
        return client.post("/admin/login", data={
            "username": user.username, "password": password, "csrf_token": csrf_from(page.data)})

    return do
