from datetime import time, timedelta

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Invitation, Procedure, Response
from survey_app.services import api_keys
from tests.public.helpers import counts, form_post


@pytest.fixture
def point(make_service_point):
    return make_service_point(code="CT")


@pytest.fixture
def key(point):
    _row, plain = api_keys.issue(point, "một cửa")
    db.session.commit()
    return plain


def invite(client, key, body, **headers):
    return client.post("/api/v1/invitations", json=body,
                       headers={"Authorization": f"Bearer {key}", **headers})


def path_of(url):
    return url.removeprefix("http://survey.test")


def test_an_invitation_gives_a_one_use_link_and_qr(client, key, point):
    reply = invite(client, key, {"dossier_code": "000.00.12.H10-250101-0001"})
    assert reply.status_code == 201
    body = reply.get_json()
    assert body["url"].startswith("http://survey.test/i/") and body["created"] is True
    assert body["qr_svg"].startswith("<svg") and "<path" in body["qr_svg"]
    stored = db.session.scalar(sa.select(Invitation))
    assert "0001" not in stored.dossier_hash and len(stored.dossier_hash) == 64
    # the dossier code appears nowhere in the database
    dump = str(db.session.execute(sa.select(Invitation.__table__)).all())
    assert "H10-250101" not in dump


def test_asking_twice_returns_the_same_link(client, key):
    first = invite(client, key, {"dossier_code": "HS-1"}).get_json()
    second = invite(client, key, {"dossier_code": " hs-1 "})
    assert second.status_code == 200
    assert second.get_json()["url"] == first["url"] and second.get_json()["created"] is False


def test_the_link_is_answered_once_and_marked_verified(client, key, point):
    url = path_of(invite(client, key, {"dossier_code": "HS-2"}).get_json()["url"])
    response, _ = form_post(client, url)
    assert response.status_code == 302
    stored = db.session.scalar(sa.select(Response))
    assert stored.verified is True and stored.channel.value == "invitation"
    assert stored.service_point_id == point.id
    again = client.get(url)
    assert again.status_code == 409 and "đã được đánh giá" in again.data.decode()
    assert invite(client, key, {"dossier_code": "HS-2"}).status_code == 409
    assert counts()[0] == 1


def test_a_second_form_opened_before_the_first_was_sent_is_refused(client, key):
    url = path_of(invite(client, key, {"dossier_code": "HS-3"}).get_json()["url"])
    page_a, page_b = client.get(url).data, client.get(url).data
    assert form_post(client, url, page=page_a)[0].status_code == 302
    late = form_post(client, url, page=page_b)[0]
    assert late.status_code == 409
    assert counts()[0] == 1


def test_expired_and_forged_links(client, key):
    url = path_of(invite(client, key, {"dossier_code": "HS-4"}).get_json()["url"])
    invitation = db.session.scalar(sa.select(Invitation))
    invitation.expires_at -= timedelta(days=365)
    db.session.commit()
    assert client.get(url).status_code == 410
    assert client.get(url[:-3] + "xyz").status_code == 404
    assert client.get("/i/12").status_code == 404


def test_procedure_codes_are_checked_and_kept(client, key):
    db.session.add(Procedure(code="1.001", name_vi="Chứng thực bản sao", sector="certification"))
    db.session.commit()
    assert invite(client, key, {"dossier_code": "HS-5", "procedure_code": "9.999"}).status_code == 400
    url = path_of(invite(client, key, {"dossier_code": "HS-5", "procedure_code": "1.001"})
                  .get_json()["url"])
    form_post(client, url)
    assert db.session.scalar(sa.select(Response.procedure_id)) is not None


@pytest.mark.parametrize(("body", "error"), [
    ({}, "dossier_missing"),
    ({"dossier_code": ""}, "dossier_missing"),
    ({"dossier_code": 42}, "dossier_missing"),
    ({"dossier_code": "x" * 101}, "dossier_too_long"),
    ({"dossier_code": "A", "expires_in_days": 0}, "invalid_expiry"),
    ({"dossier_code": "A", "expires_in_days": "7"}, "invalid_expiry"),
    ({"dossier_code": "A", "colour": "red"}, "unknown_field"),
    ({"dossier_code": "A", "procedure_code": 7}, "invalid_procedure"),
    (["A"], "invalid_json"),
    # a lone surrogate cannot be encoded (hashing, the database): a named 400, not a 500
    ({"dossier_code": "\ud800"}, "dossier_invalid"),
    ({"dossier_code": "HS-\x00-1"}, "dossier_invalid"),
    ({"dossier_code": "A", "procedure_code": "1.\udfff"}, "invalid_procedure"),
])
def test_bad_requests_get_400_with_a_message(client, key, body, error):
    reply = invite(client, key, body)
    assert reply.status_code == 400
    assert reply.get_json()["error"] == error and reply.get_json()["message"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Invitation)) == 0


def test_an_unknown_field_with_broken_unicode_is_named_in_valid_json(client, key):
    reply = invite(client, key, {"dossier_code": "A", "\ud800x": 1})
    assert reply.status_code == 400 and reply.get_json()["error"] == "unknown_field"
    assert "\\ud800" not in reply.get_data(as_text=True)  # no lone surrogate in the JSON
    reply.get_data().decode("utf-8")  # and the body is valid UTF-8


def test_messages_follow_the_language_and_default_to_vietnamese(client, key):
    vi = invite(client, key, {}).get_json()["message"]
    en = client.post("/api/v1/invitations?lang=en", json={},
                     headers={"Authorization": f"Bearer {key}"}).get_json()["message"]
    assert "Thiếu" in vi and "required" in en


def test_not_json_is_refused(client, key):
    reply = client.post("/api/v1/invitations", data="dossier=1",
                        headers={"Authorization": f"Bearer {key}"})
    assert reply.status_code == 400 and reply.get_json()["error"] == "invalid_json"


def test_wrong_missing_and_revoked_keys_get_401(client, key):
    assert invite(client, "", {"dossier_code": "A"}).status_code == 401
    assert invite(client, key + "x", {"dossier_code": "A"}).status_code == 401
    assert invite(client, "hl_nope_nope", {"dossier_code": "A"}).status_code == 401
    assert client.post("/api/v1/invitations", json={"dossier_code": "A"},
                       headers={"X-API-Key": key}).status_code == 201
    api_keys.revoke(api_keys.authenticate(key))
    db.session.commit()
    reply = invite(client, key, {"dossier_code": "B"})
    assert reply.status_code == 401 and reply.is_json


def test_keys_are_stored_only_as_hashes(key):
    from survey_app.models import ApiKey

    row = db.session.scalar(sa.select(ApiKey))
    assert key not in (row.key_hash, row.prefix) and key.split("_", 2)[2] not in row.key_hash


def test_unknown_api_routes_answer_json(client, key):
    reply = client.get("/api/v1/nothing", headers={"Authorization": f"Bearer {key}"})
    assert reply.status_code == 404 and reply.is_json


def test_the_api_sets_no_cookie_and_reads_accept_language(client, key):
    reply = client.post("/api/v1/invitations", json={},
                        headers={"Authorization": f"Bearer {key}", "Accept-Language": "en-GB"})
    assert "required" in reply.get_json()["message"]
    assert "Set-Cookie" not in reply.headers


def test_an_invitation_answer_keeps_no_link_to_the_invitation(client, key):
    url = path_of(invite(client, key, {"dossier_code": "HS-LINK"}).get_json()["url"])
    assert form_post(client, url)[0].status_code == 302
    columns = {c["name"] for c in sa.inspect(db.engine).get_columns("response")}
    assert "invitation_id" not in columns
    stored = db.session.scalar(sa.select(Response))
    invitation = db.session.scalar(sa.select(Invitation))
    assert stored.verified is True and invitation.used_at is not None
    # the day it was used, not a time that would match the response's submitted_at
    assert invitation.used_at.time() == time(0, 0)
    assert invitation.used_at != stored.submitted_at


def test_a_retry_of_an_answered_invitation_with_the_same_form_lands_on_thanks(client, key):
    url = path_of(invite(client, key, {"dossier_code": "HS-RETRY"}).get_json()["url"])
    first, data = form_post(client, url)
    again = client.post(url, data=data)
    assert first.status_code == again.status_code == 302
    assert again.location == first.location
    assert counts()[0] == 1


def test_different_answers_racing_for_one_invitation_store_exactly_one(ctx, client, key):
    import threading

    from tests.conftest import csrf_from, uuid_from
    from tests.public.helpers import ANSWERS

    url = path_of(invite(client, key, {"dossier_code": "HS-RACE"}).get_json()["url"])
    clients = [ctx.test_client() for _ in range(4)]
    pages = [c.get(url, follow_redirects=True).data for c in clients]
    assert len({uuid_from(p) for p in pages}) == 4  # four different forms
    barrier = threading.Barrier(len(clients))
    statuses = []

    def post(one, page):
        data = {**ANSWERS, "csrf_token": csrf_from(page), "client_uuid": uuid_from(page)}
        with ctx.app_context():
            barrier.wait()
            statuses.append(one.post(url, data=data).status_code)

    threads = [threading.Thread(target=post, args=pair) for pair in zip(clients, pages, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [302, 409, 409, 409]
    assert counts()[0] == 1
