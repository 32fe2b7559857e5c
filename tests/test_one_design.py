"""One design behind every figure (METHODOLOGY §2b; issue #11 §1-2)."""
from datetime import date

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import AuditLog, DossierCount
from survey_app.services import api_keys
from survey_app.services.analysis_inputs import analyze_scope, load_scope
from survey_app.services.periods import last_twelve_months
from survey_app.services.results import instruments_in_scope


@pytest.fixture
def demo(demo_city):
    return demo_city(600, 4)


def test_every_unit_equals_its_row_in_its_parents_breakdown(demo):
    period = last_twelve_months()
    compared = 0
    for unit in demo.values():
        if unit.parent is None:
            continue
        for code in instruments_in_scope(unit):
            own = load_scope(unit, code, period.start, period.end)
            if not len(own.weights):
                continue
            alone = analyze_scope(own).domains[0]
            parent = load_scope(unit.parent, code, period.start, period.end)
            rows = {d.key[0]: d for d in analyze_scope(parent, by=("unit",)).domains}
            # the parent's breakdown by unit names the unit that answered; a unit with
            # children is the sum of its own row and theirs, so compare leaf-answered units
            if {*own.attributes["unit"]} != {unit.code}:
                continue
            row = rows[unit.code]
            for mine in alone.estimates:
                theirs = row.get(mine.code)
                if mine.estimate is None:
                    assert theirs.estimate is None
                    continue
                assert theirs.estimate == pytest.approx(mine.estimate, rel=1e-12, abs=1e-12)
                assert theirs.se == pytest.approx(mine.se, rel=1e-12, abs=1e-12)
                assert theirs.ci_low == pytest.approx(mine.ci_low, rel=1e-12, abs=1e-12)
                assert theirs.df == mine.df
                compared += 1
    assert compared > 100


def test_design_is_point_by_day_and_weighted_to_dossiers(demo):
    ward = demo["P-ANHOA"]
    data = load_scope(ward, "sipas-counter", rows=True)
    design = data.design
    assert len(set(design.design.stratum)) == len(set(data.attributes["service_point"]))
    # PSUs are (point, local day): as many as distinct labels
    assert len(set(design.design.psu)) == len(set(data.psu_labels))
    # weights sum to the dossiers of each (point, month) cell
    counts = db.session.scalars(sa.select(DossierCount)).all()
    assert counts and all(c.count > 0 for c in counts)
    assert data.weighting.weighted and data.weighting.unweighted_points == 0
    assert data.weighting.dossiers == pytest.approx(design.weights.sum(), rel=1e-9)
    # responses are 5-25 % of dossiers in the demo
    assert 4 <= design.weights.min() and design.weights.max() <= 21


def test_the_uncounted_unit_is_unweighted_and_says_so(demo, client, login, make_user):
    data = load_scope(demo["X-LONGTHANH"], "sipas-counter")
    assert (data.weights == 1).all()
    assert data.weighting.unweighted_points == data.weighting.points == 1
    city = load_scope(demo["TPD"], "sipas-counter")
    assert 0 < city.weighting.unweighted_points < city.weighting.points
    login(make_user(unit=demo["TPD"]))
    html = client.get(f"/admin/units/{demo['X-LONGTHANH'].id}/results").data.decode()
    assert "Không trọng số: không có số hồ sơ của 1 trên 1 quầy" in html
    html = client.get(f"/admin/units/{demo['P-ANHOA'].id}/results?lang=en").data.decode()
    assert "Weighted to" in html and "dossiers" in html


@pytest.fixture
def unit_key(demo):
    _row, plain = api_keys.issue(demo["TPD"], "báo cáo")
    db.session.commit()
    return {"Authorization": f"Bearer {plain}"}


def test_api_results_give_se_and_domains_by(client, demo, unit_key):
    whole = client.get("/api/v1/units/P-ANHOA/results", headers=unit_key).get_json()
    assert all("se" in e and e["se"] is not None for e in whole["estimates"])
    assert whole["weighting"]["dossiers"] > 0
    parent = client.get("/api/v1/units/TPD/results?by=unit", headers=unit_key).get_json()
    block = next(b for b in parent["domains"] if b["key"] == {"unit": "P-ANHOA"})
    mine = {e["code"]: e for e in whole["estimates"]}
    for estimate in block["estimates"]:
        assert estimate["estimate"] == pytest.approx(mine[estimate["code"]]["estimate"],
                                                     rel=1e-12)
        assert estimate["se"] == pytest.approx(mine[estimate["code"]]["se"], rel=1e-12)
    for by in ("service_point", "sector", "procedure", "channel", "verified", "month",
               "quarter"):
        reply = client.get(f"/api/v1/units/TPD/results?by={by}", headers=unit_key)
        assert reply.status_code == 200, by
        assert all(set(b["key"]) == {by} for b in reply.get_json()["domains"])
    bad = client.get("/api/v1/units/TPD/results?by=colour", headers=unit_key)
    assert bad.status_code == 400


def test_put_dossier_counts_is_idempotent_and_audited(client, demo):
    point = demo["P-ANHOA"].service_points[0]
    _row, plain = api_keys.issue(point, "một cửa")
    db.session.commit()
    headers = {"Authorization": f"Bearer {plain}"}
    body = {"counts": [{"month": "2030-01", "count": 120},
                       {"month": "2030-02", "count": 90, "procedure": "1.001"},
                       {"month": "2030-02", "count": 10, "procedure": "1.002"}]}
    first = client.put("/api/v1/dossier-counts", json=body, headers=headers)
    assert first.status_code == 200 and first.get_json()["months_new"] == 2
    again = client.put("/api/v1/dossier-counts", json=body, headers=headers)
    assert again.get_json() == {"stored": 3, "months_replaced": 2, "months_new": 0}
    stored = db.session.scalars(sa.select(DossierCount).where(
        DossierCount.service_point_id == point.id,
        DossierCount.month >= date(2030, 1, 1))).all()
    assert sorted(c.count for c in stored) == [10, 90, 120]
    audits = db.session.scalars(sa.select(AuditLog).filter_by(
        action="dossier_counts.put")).all()
    assert len(audits) == 4 and audits[0].detail["month"] == "2030-01"


def test_bad_rows_are_named_and_nothing_is_stored(client, demo):
    _row, plain = api_keys.issue(demo["TPD"], "một cửa")
    db.session.commit()
    before = db.session.scalar(sa.select(sa.func.count()).select_from(DossierCount))
    reply = client.put("/api/v1/dossier-counts", headers={"Authorization": f"Bearer {plain}"},
                       json={"counts": [
                           {"unit": "P-ANHOA", "service_point": "CT", "month": "2030-01",
                            "count": 5},
                           {"unit": "P-ANHOA", "service_point": "CT", "month": "2030-13",
                            "count": -1},
                           {"unit": "NOPE", "service_point": "CT", "month": "2030-01",
                            "count": 5}]})
    assert reply.status_code == 400
    rows = reply.get_json()["rows"]
    assert [(r["row"], r["column"], r["reason"]) for r in rows] == [
        (2, "month", "bad_month"), (2, "count", "bad_count"),
        (3, "service_point", "unknown_point")]
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DossierCount)) == before


def test_console_upload_is_scoped_and_says_what_is_wrong(client, login, make_user, demo):
    from io import BytesIO

    from survey_app.models import Role
    from tests.conftest import csrf_from

    login(make_user(role=Role.UNIT_MANAGER, unit=demo["P-ANHOA"]))
    page = client.get("/admin/dossier-counts")
    assert page.status_code == 200 and "Số hồ sơ" in page.data.decode()
    token = csrf_from(page.data)
    bad = b"unit,service_point,month,count\nP-ANHOA,CT,2030-01,50\nX-TANPHU,CT,2030-01,7\n"
    reply = client.post("/admin/dossier-counts", data={
        "file": (BytesIO(bad), "counts.csv"), "csrf_token": token}, content_type="multipart/form-data")
    html = reply.data.decode()
    assert reply.status_code == 400 and "Dòng 3, cột service_point" in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DossierCount).where(
        DossierCount.month == date(2030, 1, 1))) == 0
    good = b"unit,service_point,month,count\nP-ANHOA,CT,2030-01,50\n"
    reply = client.post("/admin/dossier-counts", data={
        "file": (BytesIO(good), "counts.csv"), "csrf_token": token}, content_type="multipart/form-data")
    assert reply.status_code == 302
    assert db.session.scalar(sa.select(DossierCount.count).where(
        DossierCount.month == date(2030, 1, 1))) == 50


def test_cli_import_dry_run_and_store(app, demo, tmp_path):
    from survey_app.cli import main

    path = tmp_path / "counts.csv"
    path.write_text("unit,service_point,month,count,procedure\n"
                    "P-ANHOA,CT,2030-03,40,\nP-ANHOA,CT,2030-03,4,1.001\n", encoding="utf-8")
    runner = app.test_cli_runner()
    dry = runner.invoke(main, ["import", "dossier-counts", str(path), "--dry-run"])
    assert dry.exit_code == 0 and "dry run" in dry.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DossierCount).where(
        DossierCount.month == date(2030, 3, 1))) == 0
    done = runner.invoke(main, ["import", "dossier-counts", str(path)])
    assert done.exit_code == 0, done.output
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DossierCount).where(
        DossierCount.month == date(2030, 3, 1))) == 2
    path.write_text("unit,service_point,month,count\nP-ANHOA,CT,March,x\n", encoding="utf-8")
    bad = runner.invoke(main, ["import", "dossier-counts", str(path)])
    assert bad.exit_code != 0 and "Row 2, column month" in bad.output


def test_response_rates_of_invitations(client, demo, unit_key, login, make_user):
    from survey_app.services import invite

    point = demo["P-ANHOA"].service_points[0]
    for n in range(4):
        invite.create_invitation(point, f"HS-{n}", None)
    db.session.commit()
    rates = client.get("/api/v1/units/P-ANHOA/results", headers=unit_key).get_json()[
        "response_rates"]
    mine = [r for r in rates if r["service_point"] == point.code]
    assert sum(r["issued"] for r in mine) == 4 and all(r["answered"] == 0 for r in mine)
    assert all(r["rate"] == 0 for r in mine)
    login(make_user(unit=demo["TPD"]))
    html = client.get(f"/admin/units/{demo['P-ANHOA'].id}/results").data.decode()
    assert "Tỷ lệ trả lời lời mời" in html and f"P-ANHOA/{point.code}" in html


def test_public_page_and_json_say_the_weighting(client, demo):
    html = client.get("/p/X-LONGTHANH").data.decode()
    assert "Không trọng số: không có số hồ sơ của 1 trên 1 quầy" in html
    assert "Weighted to" in client.get("/p/P-ANHOA?lang=en").data.decode()
    data = client.get("/p/P-ANHOA.json?lang=vi").get_json()
    counter = next(r for r in data["results"] if r["instrument"] == "sipas-counter")
    assert counter["weighting"].startswith("Gia trọng theo")
