"""Migration 0012 packs the ``answer`` rows into ``response.answer_codes`` and back."""
import json

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from survey_app import create_app
from survey_app.extensions import db
from tests.conftest import BACKENDS, TEST_CONFIG

# version 1 asks a, note (text), b; version 2 drops a and adds c (yes/no) before b
V1 = {"sections": [{"items": [{"code": "a"}, {"code": "note", "type": "text"},
                              {"code": "b", "type": "choice"}]}]}
V2 = {"sections": [{"items": [{"code": "c", "type": "yesno"}, {"code": "b"}]}]}
ANSWERS = {  # response id -> version id, {item: value}; slots are a, b, c
    1: (1, {"a": 5, "b": 3}),
    2: (1, {"b": None}),
    3: (2, {"c": 0}),
    4: (2, {}),
    5: (2, {"b": 1, "c": 1}),
}
PACKED = {1: "53", 2: "-.", 3: "--0", 4: "", 5: "-11"}


def setup_rows(conn):
    for statement in (
        "INSERT INTO unit (id, code, name_vi, kind, path, created_at) "
        "VALUES (1, 'U', 'Xã', 'commune', '/1/', '2025-01-01')",
        "INSERT INTO service_point (id, unit_id, code, name_vi, sector, instrument_code, active, "
        "created_at) VALUES (1, 1, 'Q', 'Quầy', 'land', 'x', true, '2025-01-01')",
        "INSERT INTO instrument (id, code, created_at) VALUES (1, 'x', '2025-01-01')",
    ):
        conn.execute(sa.text(statement))
    for number, definition in ((1, V1), (2, V2)):
        conn.execute(sa.text(
            "INSERT INTO instrument_version (id, instrument_id, version, digest, definition, "
            "created_at) VALUES (:n, 1, :n, 'd', :definition, '2025-01-01')"),
            {"n": number, "definition": json.dumps(definition)})
    for response_id, (version_id, values) in ANSWERS.items():
        conn.execute(sa.text(
            "INSERT INTO response (id, client_uuid, instrument_version_id, service_point_id, "
            "unit_id, channel, verified, locale, submitted_at, weight) VALUES (:id, :uuid, :v, "
            "1, 1, 'qr', false, 'vi', '2025-03-02 10:11:12', 1)"),
            {"id": response_id, "uuid": f"6f1c2b9e-0a4d-4c1e-9b7a-3d2f1e0c9b8{response_id}",
             "v": version_id})
        for code, value in values.items():
            conn.execute(sa.text("INSERT INTO answer (response_id, item_code, value) "
                                 "VALUES (:r, :c, :v)"), {"r": response_id, "c": code, "v": value})
    conn.execute(sa.text("INSERT INTO comment (id, response_id, text, status) "
                         "VALUES (1, 1, 'Tốt', 'new')"))


def answer_rows(conn):
    rows = conn.execute(sa.text("SELECT response_id, item_code, value FROM answer")).all()
    found = {}
    for response_id, code, value in rows:
        found.setdefault(response_id, {})[code] = value
    return found


@pytest.mark.parametrize("backend", BACKENDS)
def test_0012_packs_the_answers_and_unpacks_them_back(backend, database_url_factory):
    url = database_url_factory(backend, "migration12")
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade(revision="0009")
        with db.engine.begin() as conn:
            setup_rows(conn)
        upgrade(revision="0012")
        with db.engine.connect() as conn:
            packed = dict(conn.execute(sa.text("SELECT id, answer_codes FROM response")).all())
            assert packed == PACKED
            assert "answer" not in sa.inspect(conn).get_table_names()
            assert conn.execute(sa.text("SELECT count(*) FROM comment")).scalar() == 1
        downgrade(revision="0009")
        with db.engine.connect() as conn:
            assert answer_rows(conn) == {k: v for k, (_, v) in ANSWERS.items() if v}
            columns = {c["name"] for c in sa.inspect(conn).get_columns("response")}
            assert "answer_codes" not in columns
            assert conn.execute(sa.text("SELECT count(*) FROM comment")).scalar() == 1
        db.engine.dispose()


@pytest.mark.parametrize("backend", BACKENDS)
def test_0012_refuses_a_value_that_does_not_fit(backend, database_url_factory):
    url = database_url_factory(backend, "migration12big")
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade(revision="0009")
        with db.engine.begin() as conn:
            setup_rows(conn)
            conn.execute(sa.text("UPDATE answer SET value = 200 WHERE response_id = 1 "
                                 "AND item_code = 'a'"))
        with pytest.raises(ValueError, match="value 200 of 'a'"):
            upgrade(revision="0012")
        db.engine.dispose()
