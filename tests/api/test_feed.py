"""The CSV and JSON feed that Excel and Power BI read (issue 13 §5): the read-only unit key
in the query string for these endpoints only, flat tables, anonymised responses."""
import csv
import io
import json

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Response, ServicePoint, Unit
from survey_app.services import api_keys
from survey_app.services.demo import COMMENTS
from survey_app.services.periods import last_twelve_months


@pytest.fixture
def city(demo_city):
    units = demo_city(300, 8)
    _row, key = api_keys.issue(units["TPD"], "power bi")
    _row, small_key = api_keys.issue(units["P-ANHOA"], "ward")
    point = db.session.scalar(sa.select(ServicePoint).join(Unit).where(Unit.code == "P-ANHOA"))
    _row, point_key = api_keys.issue(point, "one-stop")
    db.session.commit()
    return {"key": key, "small_key": small_key, "point_key": point_key}


def read_csv(reply):
    text = reply.get_data(as_text=True)
    assert text.startswith("\ufeff")  # Excel reads the diacritics as UTF-8
    return list(csv.DictReader(io.StringIO(text[1:])))


def test_results_as_csv_with_the_key_in_the_url_match_the_api(client, city):
    reply = client.get(f"/api/v1/feed/TPD/results.csv?key={city['key']}")
    assert reply.status_code == 200 and reply.mimetype == "text/csv"
    assert reply.headers["Cache-Control"] == "no-store"
    rows = read_csv(reply)
    total = next(r for r in rows if r["code"] == "total")
    api = client.get("/api/v1/units/TPD/results",
                     headers={"Authorization": f"Bearer {city['key']}"}).get_json()
    expected = next(e for e in api["estimates"] if e["code"] == "total")
    assert float(total["estimate"]) == pytest.approx(expected["estimate"])
    assert float(total["ci_low"]) == pytest.approx(expected["ci_low"])
    assert total["period"] == api["period"] and int(total["n"]) == api["n"]
    assert "." in total["estimate"] and "," not in total["estimate"]


def test_results_by_unit_as_json_records(client, city):
    reply = client.get(f"/api/v1/feed/TPD/results.json?by=unit&key={city['key']}")
    assert reply.status_code == 200
    records = reply.get_json()
    assert isinstance(records, list) and {r["by"] for r in records} == {"unit"}
    groups = {r["group"]: r["group_name"] for r in records}
    assert groups["P-ANHOA"] == "Phường An Hòa" and len(groups) > 2
    assert all(set(r) >= {"code", "estimate", "ci_low", "ci_high", "enough_data"} for r in records)


def test_series_one_row_per_node_and_month(client, city):
    rows = read_csv(client.get(f"/api/v1/feed/TPD/series.csv?months=12&key={city['key']}"))
    nodes = {r["node"] for r in rows}
    assert "total" in nodes
    assert len(rows) == len(nodes) * len({r["period"] for r in rows})
    quarterly = client.get(f"/api/v1/feed/TPD/series.json?by=quarter&key={city['key']}")
    assert {r["by"] for r in quarterly.get_json()} == {"quarter"}


def test_responses_are_anonymised(client, city):
    period = last_twelve_months()
    reply = client.get(f"/api/v1/feed/TPD/responses.csv?key={city['key']}")
    assert reply.status_code == 200
    text = reply.get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text[1:])))
    header = set(rows[0])
    assert not header & {"id", "response_id", "submitted_at", "comment", "comment_status",
                         "procedure"}
    assert {"month", "unit", "service_point", "channel", "verified", "access", "trips"} <= header
    assert all(len(r["month"]) == 7 and r["month"][4] == "-" for r in rows)
    assert not any(comment in text for comment in COMMENTS)
    counter = db.session.scalar(
        sa.select(sa.func.count(Response.id)).join(ServicePoint)
        .where(ServicePoint.instrument_code == "sipas-counter",
               Response.submitted_at >= period.start, Response.submitted_at < period.end))
    assert len(rows) == counter
    as_json = json.loads(client.get(f"/api/v1/feed/TPD/responses.json?key={city['key']}").data)
    assert len(as_json) == counter and set(as_json[0]) == header


def test_the_key_in_the_url_only_for_the_feed_and_only_a_unit_key(client, city):
    assert client.get(f"/api/v1/units/TPD/results?key={city['key']}").status_code == 401
    assert client.get("/api/v1/feed/TPD/results.csv").status_code == 401
    assert client.get("/api/v1/feed/TPD/results.csv?key=hl_x_y").status_code == 401
    wrong = client.get(f"/api/v1/feed/TPD/results.csv?key={city['point_key']}")
    assert wrong.status_code == 403 and wrong.get_json()["error"] == "wrong_key"
    outside = client.get(f"/api/v1/feed/TPD/responses.csv?key={city['small_key']}")
    assert outside.status_code == 404
    assert client.get(f"/api/v1/feed/P-ANHOA/results.json?key={city['small_key']}").status_code == 200
    assert client.get(f"/api/v1/feed/TPD/results.xml?key={city['key']}").status_code == 404
    bad = client.get(f"/api/v1/feed/TPD/results.csv?period=Q9&key={city['key']}")
    assert bad.status_code == 400 and bad.get_json()["error"] == "invalid_parameter"
    header = client.get("/api/v1/feed/TPD/results.csv",
                        headers={"Authorization": f"Bearer {city['key']}"})
    assert header.status_code == 200


def test_a_revoked_key_stops_the_feed(client, city):
    row = api_keys.authenticate(city["key"])
    api_keys.revoke(row)
    db.session.commit()
    assert client.get(f"/api/v1/feed/TPD/results.csv?key={city['key']}").status_code == 401


def test_the_unit_keys_page_gives_the_feed_addresses(client, login, make_user, city):
    from survey_app.models import Role

    unit = db.session.scalar(sa.select(Unit).filter_by(code="TPD"))
    login(make_user(role=Role.UNIT_MANAGER, unit=unit))
    page = client.get(f"/admin/units/{unit.id}/api-keys").get_data(as_text=True)
    assert "/api/v1/feed/TPD/results.csv?key=KEY" in page
    assert "/api/v1/feed/TPD/responses.csv?key=KEY" in page
