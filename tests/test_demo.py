"""The demo city: links on the right port, accounts printed every time, procedures for the
API example, the retired district and subtree counts in the unit list."""
import json
import re
import tomllib
from pathlib import Path

import sqlalchemy as sa

from survey_app.cli import main
from survey_app.extensions import db
from survey_app.models import Procedure, ServicePoint, Unit
from survey_app.services import api_keys

ROOT = Path(__file__).resolve().parents[1]


def test_without_a_base_url_links_follow_the_port_and_the_visitors_address(ctx, runner, client,
                                                                          monkeypatch):
    monkeypatch.setitem(ctx.config, "BASE_URL", None)
    out = runner.invoke(main, ["demo", "--responses", "0"], env={"FLASK_RUN_PORT": "5101"})
    assert out.exit_code == 0, out.output
    assert ":5000" not in out.output
    assert "http://127.0.0.1:5101/admin/" in out.output and "http://127.0.0.1:5101/s/" in out.output
    point = db.session.scalar(sa.select(ServicePoint).join(Unit).where(
        Unit.code == "P-ANHOA", ServicePoint.code == "CT"))
    _row, key = api_keys.issue(point, "một cửa")
    db.session.commit()
    reply = client.post("/api/v1/invitations", json={"dossier_code": "HS-9"},
                        headers={"Authorization": f"Bearer {key}"},
                        base_url="http://192.168.1.20:5101")
    assert reply.get_json()["url"].startswith("http://192.168.1.20:5101/i/")
    from survey_app.services.qr import survey_url

    with ctx.test_request_context("/", base_url="http://192.168.1.20:5101"):
        assert survey_url("abc") == "http://192.168.1.20:5101/s/abc"


def test_a_configured_base_url_wins_and_production_needs_one(ctx, runner, monkeypatch):
    from survey_app.config import check_production
    from survey_app.services.qr import survey_url

    with ctx.test_request_context("/", base_url="http://10.0.0.5:8000"):
        assert survey_url("abc") == "http://survey.test/s/abc"
    config = {"SECRET_KEY": "s" * 40, "HASH_KEY": "h" * 40, "SQLALCHEMY_DATABASE_URI": "postgresql://x"}
    assert any("HAILONG_BASE_URL" in p for p in check_production({**config, "BASE_URL": None}))
    assert check_production({**config, "BASE_URL": "https://khaosat.example.gov.vn"}) == []


def test_every_demo_run_prints_the_accounts_and_the_links(runner):
    for _ in range(2):
        out = runner.invoke(main, ["demo", "--responses", "0"])
        assert out.exit_code == 0, out.output
        assert "admin, analyst, anhoa, quay" in out.output and "hailong-demo" in out.output
        assert out.output.count("/s/") == 14
    assert "already loaded" in out.output


def test_the_api_example_in_the_docs_works_on_the_demo(runner, client):
    runner.invoke(main, ["demo", "--responses", "0"])
    docs = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    body = json.loads(re.search(r"invitations \\\n.*?-d '(\{.*?\})'", docs, re.S).group(1))
    point = db.session.scalar(sa.select(ServicePoint).join(Unit).where(
        Unit.code == "P-ANHOA", ServicePoint.code == "CT"))
    _row, key = api_keys.issue(point, "một cửa")
    db.session.commit()
    reply = client.post("/api/v1/invitations", json=body, headers={"Authorization": f"Bearer {key}"})
    assert reply.status_code == 201, reply.get_json()
    procedures = db.session.scalars(sa.select(Procedure)).all()
    assert len(procedures) >= 5 and all(not p.name_vi.isascii() for p in procedures)


def test_the_unit_list_counts_subtrees_and_says_retired_once(client, login, make_user, demo_city):
    units = demo_city(300, 5)
    login(make_user(unit=units["TPD"]))
    html = client.get("/admin/units").get_data(as_text=True)
    row = re.search(r'<td class="meta">TPD</td>.*?</tr>', html, re.S).group(0)
    assert re.search(r'<td class="num"[^>]*>300</td>', row)
    anhoa = re.search(r'<td class="meta">P-ANHOA</td>.*?</tr>', html, re.S).group(0)
    ward = db.session.scalar(sa.select(sa.func.count()).select_from(sa.text(
        "response JOIN unit ON unit.id = response.unit_id")).where(
        sa.text("unit.code IN ('P-ANHOA', 'THCS-AH')")))
    assert re.search(rf'<td class="num"[^>]*>{ward}</td>', anhoa)  # the ward and its school
    retired = re.search(r'<td class="meta">Q-CU</td>.*?</tr>', html, re.S).group(0)
    assert retired.count("giải thể") == 1


def test_subtree_counts_take_one_query(demo_city):
    from survey_app.services import org

    units = demo_city(100, 5)
    statements = []

    def seen(*args):
        statements.append(args[2])

    sa.event.listen(db.engine, "before_cursor_execute", seen)
    try:
        counts = org.subtree_response_counts(units["TPD"])
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", seen)
    assert len(statements) == 1
    assert counts[units["TPD"].id] == 100 and counts[units["Q-CU"].id] == 0


def test_the_package_licence_is_an_spdx_expression():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["license"] == "AGPL-3.0-or-later"
    requires = project["build-system"]["requires"]
    assert any(re.fullmatch(r"setuptools>=(\d+).*", r) and int(re.match(r"setuptools>=(\d+)", r)
               .group(1)) >= 77 for r in requires)
