"""The kiosk's offline parts on the server: CSP, manifest, service worker, tokens for kept answers.

The browser side (answers kept while the network is off, sent once when it returns) is in
tests/browser/test_kiosk_offline_in_chromium.py.
"""
import json
import uuid

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Channel, Response
from tests.public.helpers import ANSWERS, counts, form_post


def kiosk_url(point):
    return f"/k/{point.current_token.token}"


def kept_answer_post(client, point, client_uuid, answers=ANSWERS, lang="vi"):
    """What kiosk.js does for one kept answer: a token for its UUID, then the form POST."""
    issued = client.post(f"{kiosk_url(point)}/form-token", json={"client_uuid": str(client_uuid)})
    assert issued.status_code == 200 and issued.headers["Cache-Control"] == "no-store"
    data = {**answers, "csrf_token": issued.get_json()["csrf_token"],
            "client_uuid": str(client_uuid)}
    return client.post(f"{kiosk_url(point)}?lang={lang}", data=data)


def test_only_the_kiosk_page_may_run_a_script(client, make_service_point):
    point = make_service_point()
    kiosk = client.get(kiosk_url(point), follow_redirects=True)
    csp = kiosk.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "worker-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    html = kiosk.data.decode()
    assert '<script src="/static/kiosk/kiosk.js?v=' in html
    assert f'rel="manifest" href="/k/{point.current_token.token}/manifest.webmanifest"' in html
    qr = client.get(f"/s/{point.current_token.token}", follow_redirects=True)
    assert "script-src 'none'" in qr.headers["Content-Security-Policy"]
    assert "<script" not in qr.data.decode() and "manifest" not in qr.data.decode()
    # nothing else opens up: the kiosk's thank-you page and the console stay script-free
    for path in (f"{kiosk_url(point)}/thanks", "/admin/login", "/"):
        assert "script-src 'none'" in client.get(path).headers["Content-Security-Policy"], path


def test_only_a_fresh_kiosk_form_is_marked_for_offline_use(client, make_service_point):
    point = make_service_point()
    fresh = client.get(kiosk_url(point), follow_redirects=True)
    assert fresh.headers["X-Hailong-Kiosk-Form"] == "1"
    # a page holding a citizen's answers (with errors) is never kept on the tablet
    with_errors, _ = form_post(client, kiosk_url(point), answers={"access": "5"})
    assert with_errors.status_code == 400 and "X-Hailong-Kiosk-Form" not in with_errors.headers
    sent = client.get(kiosk_url(point), follow_redirects=True)
    response, _ = form_post(client, kiosk_url(point), page=sent.data)
    assert response.status_code == 302
    again = client.get(f"{kiosk_url(point)}?f={sent.request.args['f']}")
    assert "X-Hailong-Kiosk-Form" not in again.headers  # "already sent"


def test_the_service_worker_is_served_for_the_kiosk_path(client):
    worker = client.get("/k/sw.js")
    assert worker.status_code == 200
    assert worker.mimetype == "text/javascript"
    assert worker.headers["Cache-Control"] == "no-cache"
    assert b"X-Hailong-Kiosk-Form" in worker.data


def test_the_manifest_makes_the_kiosk_installable(client, make_service_point):
    point = make_service_point(name_vi="Quầy chứng thực")
    token = point.current_token.token
    response = client.get(f"/k/{token}/manifest.webmanifest")
    assert response.status_code == 200 and response.mimetype == "application/manifest+json"
    manifest = json.loads(response.data)
    assert manifest["name"] == "Quầy chứng thực · hailong"
    assert manifest["start_url"] == f"/k/{token}?lang=vi"
    assert manifest["scope"] == f"/k/{token}"
    assert manifest["display"] == "fullscreen"
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert sizes == {"192x192", "512x512"}
    for icon in manifest["icons"]:
        image = client.get(icon["src"])
        assert image.status_code == 200 and image.data.startswith(b"\x89PNG")
        image.close()
    assert client.get("/k/NOPE/manifest.webmanifest").status_code == 404


def test_a_kept_answer_is_stored_once_however_often_it_is_sent(client, make_service_point):
    point = make_service_point()
    kept = uuid.uuid4()  # made by the tablet, not by the server
    first = kept_answer_post(client, point, kept, lang="en")
    assert first.status_code == 302 and "/thanks" in first.location
    # the reply was lost, or a second tab sent it too: a new token, the same UUID
    assert kept_answer_post(client, point, kept).status_code == 302
    assert counts() == (1, len(ANSWERS))  # one response, its answers once
    stored = db.session.execute(sa.select(Response.client_uuid, Response.channel,
                                          Response.locale)).one()
    assert stored == (kept, Channel.KIOSK, "en")


def test_a_token_is_for_one_answer_at_one_point(client, make_service_point):
    point, other = make_service_point(), make_service_point()
    issued = client.post(f"{kiosk_url(other)}/form-token", json={"client_uuid": str(uuid.uuid4())})
    data = {**ANSWERS, "csrf_token": issued.get_json()["csrf_token"],
            "client_uuid": str(uuid.uuid4())}
    assert client.post(kiosk_url(point), data=data).status_code == 400
    assert client.post(kiosk_url(other), data=data).status_code == 400  # another UUID
    assert counts() == (0, 0)


def test_a_token_needs_a_uuid_in_json(client, make_service_point):
    point = make_service_point()
    url = f"{kiosk_url(point)}/form-token"
    assert client.post(url, json={"client_uuid": "not-a-uuid"}).status_code == 400
    assert client.post(url, json=["x"]).status_code == 400
    # a cross-site form cannot send JSON without a CORS preflight
    assert client.post(url, data={"client_uuid": str(uuid.uuid4())}).status_code == 400
    assert client.get(url).status_code == 405
    assert client.post("/k/NOPE/form-token", json={"client_uuid": str(uuid.uuid4())}).status_code == 404


def test_kept_answers_draw_on_the_points_budget(ctx, client, make_service_point):
    ctx.config["SUBMIT_RATE_LIMIT"] = "2 per hour"
    point = make_service_point()
    try:
        assert kept_answer_post(client, point, uuid.uuid4()).status_code == 302
        assert form_post(client, f"/s/{point.current_token.token}")[0].status_code == 302
        late = kept_answer_post(client, point, uuid.uuid4())
        qr = form_post(client, f"/s/{point.current_token.token}")[0]
    finally:
        ctx.config["SUBMIT_RATE_LIMIT"] = "20 per hour"
    assert late.status_code == 429 and qr.status_code == 429  # kiosk.js keeps it and retries
    assert counts()[0] == 2


def test_a_kept_answer_is_not_held_for_speed(ctx, client, make_service_point, monkeypatch):
    """An answer an offline kiosk kept gets its token just before it is sent: the server
    cannot know when its form was shown, so the speed rule does not judge it (a fresh
    form sent within a second still is held)."""
    from survey_app.config import Config

    monkeypatch.setitem(ctx.config, "QUARANTINE_MIN_SECONDS", Config.QUARANTINE_MIN_SECONDS)
    point = make_service_point()
    assert kept_answer_post(client, point, uuid.uuid4()).status_code == 302
    sent, _data = form_post(client, kiosk_url(point))
    assert sent.status_code == 302
    rows = db.session.execute(sa.select(Response.quarantined, Response.quarantine_reason)
                              .order_by(Response.id)).all()
    assert [tuple(r) for r in rows] == [(False, None), (True, "speed")]
