"""No 5xx anywhere (issue #10 item 34): every demo role follows every link and GET form it
can reach from /admin/ (every unit x questionnaire x period the forms offer, see
tests/crawler.py), anyone follows the public pages, and a unit's API key reads every API
GET of every unit; on the demo city with an empty unit added, and on a database holding
only an empty unit. Runs on SQLite and, with HAILONG_TEST_DATABASE_URL, on PostgreSQL.

Run alone: ``.venv/bin/pytest -q tests/test_crawl.py`` (a few minutes). A failure prints
each URL with its traceback.
"""
import re
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from survey_app.extensions import db
from survey_app.models import Role, ServicePoint, Unit, User
from survey_app.services import api_keys, org
from survey_app.services.demo import DEMO_PASSWORD, DEMO_USERS
from tests.conftest import csrf_from
from tests.crawler import PERIODS, Crawler

# Known 5xx, left for the lead to fix: (endpoint, URL regex) -> why, with the traceback in
# the report of issue #10. Remove an entry once it is fixed. (The one 5xx found so far, the
# API's results of a period in which a node has no valid answer, is fixed.)
KNOWN_5XX = {
}

API_ENDPOINTS = ("results", "series", "forecast", "drivers", "targets")


def known(failure):
    return any(failure.endpoint == endpoint and re.search(pattern, failure.url)
               for endpoint, pattern in KNOWN_5XX)


def check(crawlers):
    failures = [f for c in crawlers for f in c.failures]
    unexpected = [f for f in failures if not known(f)]
    assert not unexpected, f"{len(unexpected)} 5xx:\n\n" + "\n\n".join(map(str, unexpected[:15]))
    return failures


def add_empty_unit(parent=None, code="X-TRONG"):
    """A commune with no service point and no response, and its manager ``trong``."""
    unit = org.create_unit(code, "Xã Trống", "commune", parent=parent)
    db.session.add(User(username="trong", password_hash=generate_password_hash(DEMO_PASSWORD),
                        role=Role.UNIT_MANAGER, unit=unit))
    db.session.commit()
    return unit


def sign_in(client, username):
    page = client.get("/admin/login")
    reply = client.post("/admin/login", data={"username": username, "password": DEMO_PASSWORD,
                                              "csrf_token": csrf_from(page.data)})
    assert reply.status_code == 302, f"{username} could not sign in"


def crawl_console(app, username, budget):
    client = app.test_client()
    sign_in(client, username)
    return Crawler(app, client, username, budget=budget).crawl(["/admin/"])


def crawl_public(app):
    starts = ["/", "/i/thanks", "/s/nope", "/k/nope", "/i/nope", "/p/NOPE"]
    for unit in db.session.scalars(sa.select(Unit)):
        starts += [f"/p/{unit.code}", f"/p/{unit.code}/widget", f"/p/{unit.code}.json"]
        starts += [f"/p/{unit.code}?" + urlencode({"period": p}) for p in PERIODS]
        starts += [f"/p/{unit.code}.json?" + urlencode({"period": p}) for p in PERIODS]
    for point in db.session.scalars(sa.select(ServicePoint)):
        token = point.current_token.token
        starts += [f"/s/{token}", f"/k/{token}", f"/s/{token}/thanks", f"/k/{token}/thanks",
                   f"/s/{token}?lang=en"]
        _row, key = api_keys.issue(point, "crawler")
        db.session.commit()
        reply = app.test_client().post("/api/v1/invitations", json={"dossier_code": "HS-1"},
                                       headers={"Authorization": f"Bearer {key}"})
        assert reply.status_code == 201, reply.get_json()
        starts.append(reply.get_json()["url"].split("survey.test", 1)[-1])
    return Crawler(app, app.test_client(), "public").crawl(starts)


def api_urls(client, headers, code):
    """Every API GET for unit ``code``: each questionnaire, period, node, factor, target."""
    urls = [f"/api/v1/units/{code}/{name}" for name in API_ENDPOINTS]
    first = client.get(urls[0], headers=headers).get_json() or {}
    instruments = [r.get("instrument") for r in first.get("results", [])] or [None]
    for instrument in instruments:
        base = {"instrument": instrument} if instrument else {}
        for name in API_ENDPOINTS:
            urls.append(f"/api/v1/units/{code}/{name}?" + urlencode(base))
        urls += [f"/api/v1/units/{code}/results?" + urlencode({**base, "period": p})
                 for p in PERIODS]
        for by in ("month", "quarter"):
            urls += [f"/api/v1/units/{code}/{name}?" + urlencode({**base, "by": by})
                     for name in ("series", "forecast")]
        series = client.get(f"/api/v1/units/{code}/series?" + urlencode(base),
                            headers=headers).get_json() or {}
        nodes = list(series.get("series") or {})[:4]
        urls += [f"/api/v1/units/{code}/forecast?" + urlencode({**base, "node": n,
                                                                 "target": 90, "horizon": 12})
                 for n in nodes]
        drivers = client.get(f"/api/v1/units/{code}/drivers?" + urlencode(base),
                             headers=headers).get_json() or {}
        factors = [f.get("code") for f in drivers.get("factors", []) if isinstance(f, dict)]
        urls += [f"/api/v1/units/{code}/drivers?" + urlencode({**base, "factor": f,
                                                                "target": 95})
                 for f in factors[:3]]
    return urls


def crawl_api(app, scope):
    _row, key = api_keys.issue(scope, "crawler")
    db.session.commit()
    headers = {"Authorization": f"Bearer {key}"}
    client = app.test_client()
    crawler = Crawler(app, client, f"api key of {scope.code}", headers)
    crawler.get("/api/v1/openapi.yaml")
    for unit in db.session.scalars(sa.select(Unit)):
        for url in dict.fromkeys(api_urls(client, headers, unit.code)):
            crawler.get(url)
    return crawler


@pytest.fixture
def fast_api(ctx, monkeypatch):
    monkeypatch.setitem(ctx.config, "API_READ_RATE_LIMIT", "100000 per minute")
    return ctx


ROLES = [username for username, _role, _unit in DEMO_USERS] + ["trong"]


@pytest.mark.parametrize("username", ROLES)
def test_every_console_page_of_the_demo_answers_without_a_server_error(ctx, demo_city,
                                                                      username):
    units = demo_city(300, 6)
    add_empty_unit(units["TPD"])
    app = ctx
    # The administrator tries every unit x questionnaire x period (and each other choice)
    # the forms offer; the other roles reach every page and link with fewer variants.
    crawler = crawl_console(app, username, 40 if username == "admin" else 3)
    check([crawler])
    assert crawler.visited > (200 if username in ("admin", "analyst") else 30), crawler.visited
    results = [u for u in crawler.seen if re.match(r"/admin/units/\d+/results", u)]
    if username == "admin":  # every unit's dashboard, with and without the periods offered
        assert {int(re.match(r"/admin/units/(\d+)", u).group(1)) for u in results} >= \
            {u.id for u in units.values() if u.valid_to is None}
        assert any("period=2026-Q4" in u for u in results)


def test_public_pages_and_the_api_of_the_demo_answer_without_a_server_error(demo_city, fast_api):
    units = demo_city(300, 6)
    empty = add_empty_unit(units["TPD"])
    app = fast_api
    crawlers = [crawl_public(app), crawl_api(app, units["TPD"]), crawl_api(app, empty)]
    check(crawlers)
    assert crawlers[0].visited > 100 and crawlers[1].visited > 300


def test_a_database_with_only_an_empty_unit_answers_without_a_server_error(ctx, fast_api):
    unit = org.create_unit("TRONG", "Tỉnh Trống", "province")
    db.session.add(User(username="admin", password_hash=generate_password_hash(DEMO_PASSWORD),
                        role=Role.ADMIN, unit=unit))
    db.session.commit()
    crawlers = [crawl_console(ctx, "admin", 40), crawl_public(ctx), crawl_api(ctx, unit)]
    check(crawlers)
    assert crawlers[0].visited > 20

