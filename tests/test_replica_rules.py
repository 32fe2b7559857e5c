"""The rules of the read replica that need no replica: what may go to it, how its lag is
bounded, SQLite ignoring it, and where it is documented (tests/test_replica.py runs a
real streaming replica)."""
import time
from pathlib import Path

import sqlalchemy as sa
from flask_migrate import upgrade

from survey_app import create_app, read_replica
from survey_app.cli import main
from survey_app.config import Config
from survey_app.extensions import db
from survey_app.services import instrument_store
from tests.conftest import TEST_CONFIG

ROOT = Path(__file__).resolve().parents[1]


def test_sqlite_ignores_the_read_replica(tmp_path):
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'h.db'}",
                      "READ_DATABASE_URL": "postgresql+psycopg://hailong@127.0.0.1:1/hailong"})
    assert read_replica.EXTENSION not in app.extensions
    with app.app_context():
        upgrade()
        instrument_store.sync_bundled()
        db.session.commit()
    assert app.test_client().get("/p/NOPE.json").status_code == 404
    out = app.test_cli_runner().invoke(main, ["check-config"])
    assert "read replica: ignored on this database" in out.output
    assert "with SQLite every read goes to the one database file" in out.output
    with app.app_context():
        db.engine.dispose()


def test_only_plain_selects_may_go_to_the_replica():
    table = sa.table("t", sa.column("a"))
    assert read_replica.plain_select(sa.select(table))
    assert read_replica.plain_select(sa.union(sa.select(table), sa.select(table)))
    for kept_on_primary in (sa.select(table).with_for_update(), sa.insert(table),
                            sa.update(table), sa.delete(table), sa.text("SELECT 1"),
                            sa.text("INSERT INTO t VALUES (1) RETURNING a").columns(table.c.a)):
        assert not read_replica.plain_select(kept_on_primary), kept_on_primary
    assert read_replica.writes(sa.insert(table)) and read_replica.writes(sa.text("delete from t"))
    assert not read_replica.writes(sa.text(" select 1")) and not read_replica.writes(sa.select(table))


def test_the_replica_settings_are_documented():
    root = ROOT
    readme = (root / "README.md").read_text()
    guide = (root / "docs" / "deploy.md").read_text()
    template = (root / "deploy" / "hailong.env.example").read_text()
    for name in ("READ_DATABASE_URL", "READ_MAX_LAG_SECONDS", "READ_CHECK_SECONDS"):
        assert f"HAILONG_{name}" in readme and f"HAILONG_{name}" in guide, name
        assert hasattr(Config, name), name
    assert "\nHAILONG_READ_DATABASE_URL=\n" in template  # empty: no replica
    for step in ("pg_basebackup", "-R -X stream", "pg_stat_replication", "replay_lag",
                 "hot_standby_feedback", "check-config"):
        assert step in guide, step


def test_the_lag_is_the_tightest_bound_known():
    now = time.monotonic()
    positions = [(now - 10, read_replica.lsn_number("0/64")), (now - 3, 200), (now, 0x1_0000_0000)]
    # replayed up to 200 (0/C8): at most about 3 s old, although its last commit is 50 s old
    assert 3 <= read_replica.upper_bound(positions, "0/C8", 50.0) < 4
    assert read_replica.upper_bound(positions, "1/0", 50.0) < 1  # replayed everything
    assert read_replica.upper_bound(positions, "0/10", 50.0) == 50.0  # only the commit age
    assert read_replica.upper_bound(positions, "0/10", None) is None
