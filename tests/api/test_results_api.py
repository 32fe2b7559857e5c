"""Read-only unit keys: results, series, forecasts and drivers as JSON."""
import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import ServicePoint, Unit
from survey_app.services import api_keys
from survey_app.services.periods import last_twelve_months
from survey_app.services.results import unit_results


@pytest.fixture
def demo(demo_city):
    return demo_city(600, 4)


def key_for(scope):
    _row, plain = api_keys.issue(scope, "báo cáo")
    db.session.commit()
    return {"Authorization": f"Bearer {plain}"}


def test_a_unit_key_reads_its_subtree_and_nothing_else(client, demo):
    ward = key_for(demo["P-ANHOA"])
    assert client.get("/api/v1/units/P-ANHOA/results", headers=ward).status_code == 200
    outside = client.get("/api/v1/units/TPD/results", headers=ward)
    assert outside.status_code == 404 and outside.get_json()["error"] == "not_found"
    assert client.get("/api/v1/units/NOPE/results", headers=ward).status_code == 404
    assert client.get("/api/v1/units/P-ANHOA/results").status_code == 401
    city = key_for(demo["TPD"])
    assert client.get("/api/v1/units/P-ANHOA/results", headers=city).status_code == 200


def test_keys_do_only_what_they_were_issued_for(client, demo):
    point = db.session.scalar(sa.select(ServicePoint).join(Unit).where(Unit.code == "P-ANHOA"))
    invitations = key_for(point)
    reply = client.get("/api/v1/units/P-ANHOA/results", headers=invitations)
    assert reply.status_code == 403 and reply.get_json()["error"] == "wrong_key"
    reading = key_for(demo["P-ANHOA"])
    reply = client.post("/api/v1/invitations", json={"dossier_code": "A-1"}, headers=reading)
    assert reply.status_code == 403


def test_results_match_the_console_estimates(client, demo):
    body = client.get("/api/v1/units/TPD/results?instrument=sipas-counter",
                      headers=key_for(demo["TPD"])).get_json()
    total = next(e for e in body["estimates"] if e["code"] == "total")
    expected = unit_results(demo["TPD"], "sipas-counter", last_twelve_months()).overall.get("total")
    assert total["estimate"] == pytest.approx(expected.estimate, abs=0.005)
    assert total["ci_low"] < total["estimate"] < total["ci_high"]
    assert body["n"] == expected.n


def test_series_and_forecast_with_target_probability(client, demo):
    headers = key_for(demo["TPD"])
    series = client.get("/api/v1/units/TPD/series?instrument=sipas-counter&node=total",
                        headers=headers).get_json()["series"]["total"]
    assert len(series) >= 12
    assert all(p["ci_low"] <= p["estimate"] <= p["ci_high"] for p in series)
    body = client.get("/api/v1/units/TPD/forecast?instrument=sipas-counter&horizon=2&target=80",
                      headers=headers).get_json()
    assert body["model"] in ("ets", "ar1", "naive") and len(body["forecast"]) == 2
    current = body["history"][-1]  # the month being collected is forecast, not fitted
    assert current["partial"] and not any(p["partial"] for p in body["history"][:-1])
    assert body["forecast"][0]["period"] == current["period"]
    assert 0 <= body["probability_target_met"] <= 1 and body["backtest"]["points"] > 0
    higher = client.get("/api/v1/units/TPD/forecast?instrument=sipas-counter&horizon=2&target=99",
                        headers=headers).get_json()
    assert higher["probability_target_met"] < body["probability_target_met"]


@pytest.mark.parametrize("query", ["horizon=0", "horizon=abc", "target=120", "by=week",
                                   "node=nope", "months=5", "instrument=other"])
def test_bad_parameters_are_named(client, demo, query):
    reply = client.get(f"/api/v1/units/TPD/forecast?{query}", headers=key_for(demo["TPD"]))
    assert reply.status_code == 400
    assert query.split("=")[0] in reply.get_json()["message"]


def test_drivers_and_what_if(client, demo):
    headers = key_for(demo["TPD"])
    body = client.get("/api/v1/units/TPD/drivers?instrument=sipas-counter&factor=7&target=99",
                      headers=headers).get_json()
    assert {d["code"] for d in body["drivers"]} >= {"7"}
    scenario = body["what_if"]
    assert scenario["ci_low"] < scenario["total"] < scenario["ci_high"]
    assert scenario["total"] > scenario["current_total"]
    bad = client.get("/api/v1/units/TPD/drivers?instrument=sipas-counter&factor=7",
                     headers=headers)
    assert bad.status_code == 400 and "target" in bad.get_json()["message"]


def test_english_messages_on_request(client, demo):
    reply = client.get("/api/v1/units/TPD/forecast?horizon=0",
                       headers={**key_for(demo["TPD"]), "Accept-Language": "en"})
    assert reply.get_json()["message"] == "'horizon' must be a number from 1 to 24."


def test_the_command_line_issues_a_read_only_key(runner, demo):
    from survey_app.cli import main

    out = runner.invoke(main, ["create-api-key", "--unit", "P-ANHOA", "--label", "BI"])
    assert out.exit_code == 0
    row = api_keys.authenticate(out.output.strip())
    assert row.unit_id == demo["P-ANHOA"].id and row.service_point_id is None


def test_a_manager_issues_and_revokes_a_unit_key_in_the_console(client, login, make_user, demo):
    from survey_app.models import Role
    from tests.conftest import csrf_from

    login(make_user(role=Role.UNIT_MANAGER, unit=demo["P-ANHOA"]))
    page = client.get(f"/admin/units/{demo['P-ANHOA'].id}/api-keys")
    made = client.post(f"/admin/units/{demo['P-ANHOA'].id}/api-keys",
                       data={"csrf_token": csrf_from(page.data), "label": "cổng dữ liệu"})
    plain = made.data.decode().split('<code class="key">')[1].split("</code>")[0]
    headers = {"Authorization": f"Bearer {plain}"}
    assert client.get("/api/v1/units/P-ANHOA/results", headers=headers).status_code == 200
    listing = client.get(f"/admin/units/{demo['P-ANHOA'].id}/api-keys")
    key_id = listing.data.decode().split("/admin/api-keys/")[1].split("/")[0]
    client.post(f"/admin/api-keys/{key_id}/revoke", data={"csrf_token": csrf_from(listing.data)})
    assert client.get("/api/v1/units/P-ANHOA/results", headers=headers).status_code == 401
