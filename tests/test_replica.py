"""Reads from a real PostgreSQL streaming replica (HAILONG_READ_DATABASE_URL).

The module's fixture migrates a fresh database on the local PostgreSQL, then copies the
whole cluster with ``deploy/pg-replica.sh start`` (pg_basebackup -R -X stream, a hot
standby on a free port): the schema is in the copy, and every later row reaches the
replica by streaming replication. Which engine ran which statement is recorded with
SQLAlchemy events. Skipped only without HAILONG_TEST_DATABASE_URL; a cluster that refuses
replication connections fails the tests with what to change.
"""
import logging
import os
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from werkzeug.serving import make_server

from survey_app import create_app, read_replica
from survey_app.cli import main
from survey_app.extensions import db, limiter
from survey_app.models import AuditLog, Instrument, InstrumentVersion, Response, ServicePoint, Unit
from survey_app.services import api_keys
from survey_app.services.demo import DEMO_PASSWORD, load_demo
from survey_app.services.results import clear_public_cache
from tests.conftest import (
    PG_URL,
    TEST_CONFIG,
    IsolatedClient,
    csrf_from,
    drop_postgres_database,
    fresh_postgres_database,
    wipe,
)
from tests.public.helpers import form_post

SCRIPT = Path(__file__).resolve().parents[1] / "deploy" / "pg-replica.sh"
DEMO_RESPONSES = 120


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class ReplicaServer:
    directory: str
    port: int
    primary_url: str
    url: str
    env: dict

    def run(self, *args):
        result = subprocess.run([str(SCRIPT), *args], env=self.env, capture_output=True,
                                text=True, timeout=240, check=False)
        assert result.returncode == 0, result.stderr
        return result.stdout

    def stop(self):
        self.run("stop", self.directory)

    def start(self):
        self.run("start", self.directory, str(self.port))


@pytest.fixture(scope="module")
def replica_server():
    if not PG_URL:
        pytest.skip("HAILONG_TEST_DATABASE_URL is not set")
    name = f"hailong_replica_{os.getpid()}"
    primary_url = fresh_postgres_database(name)
    migrating = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": primary_url})
    with migrating.app_context():
        upgrade()  # before the copy, so that the replica starts with the schema
        db.engine.dispose()
    pg = sa.make_url(PG_URL)
    env = {**os.environ, "PGHOST": pg.host or "127.0.0.1", "PGPORT": str(pg.port or 5432),
           "PGUSER": pg.username or "postgres"}
    # under /tmp, not pytest's tmp_path: the postgres user must be able to reach it
    directory, port = tempfile.mkdtemp(prefix="hailong-replica-"), free_port()
    url = sa.make_url(primary_url).set(host="127.0.0.1", port=port)
    try:
        started = subprocess.run([str(SCRIPT), "start", directory, str(port)], env=env,
                                 capture_output=True, text=True, timeout=240, check=False)
        if started.returncode:
            pytest.fail("could not start a streaming replica of the local PostgreSQL:\n"
                        + started.stderr)
        yield ReplicaServer(directory, port, primary_url,
                            url.render_as_string(hide_password=False), env)
    finally:
        subprocess.run([str(SCRIPT), "destroy", directory], env=env, timeout=120, check=False)
        drop_postgres_database(name)


@pytest.fixture(scope="module")
def replica_app(replica_server):
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": replica_server.primary_url,
                      "READ_DATABASE_URL": replica_server.url})
    app.test_client_class = IsolatedClient
    yield app
    with app.app_context():
        db.engine.dispose()
    app.extensions[read_replica.EXTENSION].engine.dispose()


def replica_of(app):
    return app.extensions[read_replica.EXTENSION]


def on_replica(app, sql, **params):
    with replica_of(app).engine.connect() as conn:
        return conn.execute(sa.text(sql), params).scalar()


def wait_on_replica(app, sql, expected, seconds=30, **params):
    """Poll the replica until ``sql`` gives ``expected`` (replication takes a moment)."""
    deadline = time.monotonic() + seconds
    while (value := on_replica(app, sql, **params)) != expected:
        assert time.monotonic() < deadline, f"replica still has {value!r}, not {expected!r}"
        time.sleep(0.1)


class Statements:
    """The SQL each engine ran since the last ``clear()``."""

    def __init__(self, engines):
        self.engines, self.seen, self.recorders = engines, {name: [] for name in engines}, []
        for name, engine in engines.items():
            record = self._recorder(name)
            sa.event.listen(engine, "before_cursor_execute", record)
            self.recorders.append((name, record))

    def _recorder(self, name):
        def record(_conn, _cursor, statement, *_args):
            self.seen[name].append(" ".join(statement.split()))
        return record

    def clear(self):
        for statements in self.seen.values():
            statements.clear()

    def reading(self, name, table):
        return [s for s in self.seen[name] if s.startswith("SELECT") and f"FROM {table}" in s]

    def writes(self, name):
        return [s for s in self.seen[name] if s.split(" ", 1)[0] in ("INSERT", "UPDATE", "DELETE")]

    def close(self):
        for name, record in self.recorders:
            sa.event.remove(self.engines[name], "before_cursor_execute", record)


@pytest.fixture
def city(replica_app, replica_server):
    """The demo city on the primary, replicated; the replica checked and in use."""
    if not replica_of(replica_app).usable:  # a test that stopped it has started it again
        with replica_app.app_context():
            replica_of(replica_app).check_now(db.engine)
    wipe(replica_app)
    limiter.reset()
    clear_public_cache()
    with replica_app.app_context():
        load_demo(n_responses=DEMO_RESPONSES, seed=4)
        db.session.commit()
        wait_on_replica(replica_app, "SELECT count(*) FROM response", DEMO_RESPONSES)
        assert "answers" in replica_of(replica_app).check_now(db.engine)
        yield {unit.code: unit for unit in db.session.scalars(sa.select(Unit))}
        db.session.remove()


@pytest.fixture
def statements(replica_app, city):
    with replica_app.app_context():
        recorder = Statements({"primary": db.engine, "replica": replica_of(replica_app).engine})
    yield recorder
    recorder.close()


@pytest.fixture
def staff(replica_app, city):
    """A client logged in as the demo admin, its read-your-writes window forgotten."""
    client = replica_app.test_client()
    page = client.get("/admin/login")
    client.post("/admin/login", data={"username": "admin", "password": DEMO_PASSWORD,
                                      "csrf_token": csrf_from(page.data)})
    forget_writes(client)
    return client


def forget_writes(client):
    with client.session_transaction() as session:
        session.pop(read_replica.WROTE_AT, None)


def test_console_api_and_public_reads_are_served_by_the_replica(replica_app, city, statements,
                                                                 staff):
    tpd = city["TPD"]
    with replica_app.app_context():
        _row, key = api_keys.issue(tpd)
        db.session.commit()
    statements.clear()
    # the figures come from the tallies (services/tally.py), read on the replica
    assert staff.get(f"/admin/units/{tpd.id}/results").status_code == 200
    assert statements.reading("replica", "psu_tally") and statements.reading("replica", "unit")
    assert not statements.reading("primary", "response")
    # the logged-in user is read from the primary: a deactivated account stops at once
    assert statements.reading("primary", "user_account")
    assert not statements.reading("replica", "user_account")

    statements.clear()
    api = replica_app.test_client().get("/api/v1/units/TPD/results",
                                        headers={"Authorization": f"Bearer {key}"})
    assert api.status_code == 200, api.json
    assert statements.reading("replica", "psu_tally") and not statements.reading("primary", "response")
    assert statements.reading("primary", "api_key") and not statements.reading("replica", "api_key")

    statements.clear()
    public = replica_app.test_client().get("/p/TPD.json")
    assert public.status_code == 200 and public.json["results"]
    assert statements.reading("replica", "psu_tally") and not statements.reading("primary", "response")
    assert statements.writes("replica") == []


def test_a_submission_goes_to_the_primary_and_reaches_the_replica(replica_app, city, statements):
    with replica_app.app_context():
        point = db.session.scalars(sa.select(ServicePoint).order_by(ServicePoint.id)).first()
        url = f"/s/{point.current_token.token}"
    client = replica_app.test_client()
    statements.clear()
    sent, data = form_post(client, url)
    assert sent.status_code == 302
    # the citizen's form and submission never touch the replica
    assert statements.seen["replica"] == []
    assert any(s.startswith("INSERT INTO response") for s in statements.writes("primary"))
    with replica_app.app_context():
        stored = db.session.scalar(sa.select(sa.func.count()).select_from(Response)
                                   .where(Response.client_uuid == data["client_uuid"]))
    assert stored == 1
    wait_on_replica(replica_app, "SELECT count(*) FROM response WHERE client_uuid = :u", 1,
                    u=data["client_uuid"])


def test_a_get_that_writes_an_audit_entry_works_with_the_replica_on(replica_app, city, statements,
                                                                   staff):
    tpd = city["TPD"]
    statements.clear()
    export = staff.get(f"/admin/units/{tpd.id}/export?format=csv&instrument=sipas-counter")
    assert export.status_code == 200
    with replica_app.app_context():
        stored = db.session.scalar(
            sa.select(sa.func.count()).select_from(Response).join(InstrumentVersion)
            .join(Instrument).where(Instrument.code == "sipas-counter"))
    assert len(export.data.decode("utf-8-sig").strip().splitlines()) == stored + 1 > 1
    assert any(s.startswith("INSERT INTO audit_log") for s in statements.writes("primary"))
    assert statements.writes("replica") == []
    # the rows of the export itself were read from the replica, after the audit commit
    assert statements.reading("replica", "response")
    with replica_app.app_context():
        assert db.session.scalar(sa.select(AuditLog.action)) == "responses.export"
    with staff.session_transaction() as session:
        assert read_replica.WROTE_AT in session  # this browser now reads its own writes


def test_after_a_staff_post_the_next_pages_read_the_primary(replica_app, city, statements, staff):
    with replica_app.app_context():
        point = db.session.scalars(sa.select(ServicePoint).order_by(ServicePoint.id)).first()
        old_token = point.current_token.token
    page = staff.get(f"/admin/service-points/{point.id}")
    assert old_token in page.data.decode()
    on_replica(replica_app, "SELECT pg_wal_replay_pause()")  # the replica falls behind
    try:
        rotated = staff.post(f"/admin/service-points/{point.id}/rotate",
                             data={"csrf_token": csrf_from(page.data)})
        assert rotated.status_code == 302
        with replica_app.app_context():
            new_token = db.session.get(ServicePoint, point.id).current_token.token
        assert new_token != old_token
        statements.clear()
        after = staff.get(rotated.headers["Location"]).data.decode()
        assert new_token in after and old_token not in after
        assert statements.seen["replica"] == []
        # another staff member, who saved nothing, reads the (paused) replica meanwhile
        other = replica_app.test_client()
        with other.session_transaction() as session:
            with staff.session_transaction() as logged_in:
                session.update({k: v for k, v in logged_in.items() if k != read_replica.WROTE_AT})
        assert old_token in other.get(f"/admin/service-points/{point.id}").data.decode()
    finally:
        on_replica(replica_app, "SELECT pg_wal_replay_resume()")
    wait_on_replica(replica_app, "SELECT count(*) FROM qr_token WHERE token = :t", 1, t=new_token)
    forget_writes(staff)
    statements.clear()
    assert new_token in staff.get(f"/admin/service-points/{point.id}").data.decode()
    assert statements.reading("replica", "qr_token")


def test_a_replica_that_lags_too_much_is_not_used(replica_app, city, statements, staff):
    replica = replica_of(replica_app)
    on_replica(replica_app, "SELECT pg_wal_replay_pause()")
    try:
        with replica_app.app_context():
            load_demo_again = sa.update(Unit).where(Unit.code == "TPD").values(name_en="Demo")
            db.session.execute(load_demo_again)
            db.session.commit()
            time.sleep(1.2)
            replica.max_lag = 1.0
            assert "lags" in replica.check_now(db.engine) and not replica.usable
        statements.clear()
        assert staff.get(f"/admin/units/{city['TPD'].id}/results").status_code == 200
        assert statements.reading("primary", "response") and statements.seen["replica"] == []
    finally:
        replica.max_lag = 30.0
        on_replica(replica_app, "SELECT pg_wal_replay_resume()")
    with replica_app.app_context():
        wait_on_replica(replica_app, "SELECT count(*) FROM unit WHERE name_en = 'Demo'", 1)
        assert "answers" in replica.check_now(db.engine) and replica.usable


def test_pages_answer_from_the_primary_when_the_replica_is_down(replica_app, replica_server, city,
                                                                statements, staff, caplog):
    replica = replica_of(replica_app)
    attempts = []

    def count_attempt(*_args):
        attempts.append(1)

    sa.event.listen(replica.engine, "do_connect", count_attempt)
    clear_public_cache()
    pages = [f"/admin/units/{city['TPD'].id}/results", "/p/TPD", "/p/TPD.json"]
    for page in pages:  # warm: these pages have pooled replica connections now
        assert staff.get(page).status_code == 200
    assert statements.reading("replica", "response")
    replica_server.stop()
    try:
        clear_public_cache()
        statements.clear()
        attempts.clear()
        with caplog.at_level(logging.WARNING):
            for page in pages * 2:
                assert staff.get(page).status_code == 200, page
        assert statements.reading("primary", "response")
        assert not replica.usable and "does not answer" in replica.status
        # one failed connection marks it down; the later pages do not try again
        assert 1 <= len(attempts) <= 2
        warnings = [r for r in caplog.records if "read replica not used" in r.getMessage()]
        assert len(warnings) == 1
    finally:
        sa.event.remove(replica.engine, "do_connect", count_attempt)
        replica_server.start()
    with replica_app.app_context():
        assert "answers" in replica.check_now(db.engine)


def test_the_smoke_check_reads_through_the_replica_then_survives_its_stop(
        replica_app, replica_server, city):
    with replica_app.app_context():
        _row, key = api_keys.issue(db.session.scalar(sa.select(Unit).filter_by(code="TPD")))
        db.session.commit()
    wait_on_replica(replica_app, "SELECT count(*) FROM api_key", 1)
    server = make_server("127.0.0.1", free_port(), replica_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        out = replica_server.run("check", replica_server.directory,
                                 f"http://127.0.0.1:{server.server_port}/api/v1/units/TPD/results",
                                 "-H", f"Authorization: Bearer {key}")
        assert "served by the replica" in out and "still answers 200" in out
    finally:
        server.shutdown()
        replica_server.start()


def test_a_cluster_that_refuses_replication_says_what_to_change(replica_server):
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    role = f"hailong_norepl_{os.getpid()}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE ROLE "{role}" LOGIN'))
    try:
        refused = subprocess.run(
            [str(SCRIPT), "start", tempfile.gettempdir() + f"/{role}", "1"],
            env={**replica_server.env, "PGUSER": role}, capture_output=True, text=True,
            timeout=60, check=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP ROLE "{role}"'))
        admin.dispose()
    assert refused.returncode == 2
    assert "refuses replication connections" in refused.stderr
    assert f"host replication {role} 127.0.0.1/32 trust" in refused.stderr
    assert not Path(tempfile.gettempdir(), role).exists()


def test_check_config_reports_the_replica_and_its_lag(replica_app, city):
    runner = replica_app.test_cli_runner()
    out = runner.invoke(main, ["check-config"])
    assert out.exit_code == 0, out.output
    assert "read replica: postgresql+psycopg://" in out.output
    assert "answers, lag" in out.output and "reads go to it" in out.output


def test_check_config_says_a_replica_is_down_without_refusing(replica_server):
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": replica_server.primary_url,
                      "READ_DATABASE_URL": sa.make_url(replica_server.url).set(port=free_port())
                      .render_as_string(hide_password=False)})
    out = app.test_cli_runner().invoke(main, ["check-config"])
    assert out.exit_code == 0, out.output
    assert "does not answer" in out.output and "reads go to the primary" in out.output
    with app.app_context():
        db.engine.dispose()
