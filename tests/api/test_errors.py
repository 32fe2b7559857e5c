"""Every API error answers JSON with a string code and a message in the asked language,
as docs/api.md and the OpenAPI description promise: 404, 405, 429, 500 and 503 too."""
from importlib import resources

import pytest
import yaml
from sqlalchemy.exc import OperationalError

from survey_app.extensions import db
from survey_app.services import api_keys


@pytest.fixture
def key(make_service_point):
    _row, plain = api_keys.issue(make_service_point(), "một cửa")
    db.session.commit()
    return plain


def check_error(reply, status, code):
    body = reply.get_json()
    assert reply.status_code == status and reply.is_json
    assert body["error"] == code and isinstance(body["error"], str)
    assert isinstance(body["message"], str) and body["message"]
    return body["message"]


def test_unknown_path_is_not_found_in_both_languages(client, key):
    auth = {"Authorization": f"Bearer {key}"}
    vi = check_error(client.get("/api/v1/nothing", headers=auth), 404, "not_found")
    en = check_error(client.get("/api/v1/nothing?lang=en", headers=auth), 404, "not_found")
    assert "địa chỉ" in vi and "address" in en
    # with no key at all the path is still unknown: same named 404
    check_error(client.get("/api/v1/nothing"), 404, "not_found")


def test_wrong_method_is_named_and_keeps_allow(client, key):
    reply = client.get("/api/v1/invitations", headers={"Authorization": f"Bearer {key}",
                                                       "Accept-Language": "en"})
    message = check_error(reply, 405, "method_not_allowed")
    assert "POST" in reply.headers["Allow"] and "method" in message.lower()
    check_error(client.delete("/api/v1/units/X/results"), 405, "method_not_allowed")


def test_an_unreadable_request_is_named_for_integrators(client, key, monkeypatch):
    from werkzeug.exceptions import BadRequest

    from survey_app.api import views

    def unreadable(*_args, **_kwargs):
        raise BadRequest()  # as werkzeug does for a body it cannot parse

    monkeypatch.setattr(views.invite, "create_invitation", unreadable)
    reply = client.post("/api/v1/invitations?lang=en", json={"dossier_code": "A"},
                        headers={"Authorization": f"Bearer {key}"})
    message = check_error(reply, 400, "bad_request")
    assert "openapi" in message and "go back" not in message  # not the citizen's text


def test_a_bug_answers_internal_error_without_details(client, key, monkeypatch):
    from survey_app.api import views

    def broken(*_args, **_kwargs):
        raise RuntimeError("secret detail")

    monkeypatch.setattr(views.invite, "create_invitation", broken)
    reply = client.post("/api/v1/invitations?lang=en", json={"dossier_code": "A"},
                        headers={"Authorization": f"Bearer {key}"})
    message = check_error(reply, 500, "internal_error")
    assert "secret" not in reply.get_data(as_text=True) and "sorry" in message.lower()
    vi = client.post("/api/v1/invitations", json={"dossier_code": "A"},
                     headers={"Authorization": f"Bearer {key}"})
    assert "Xin lỗi" in check_error(vi, 500, "internal_error")


def test_database_down_answers_unavailable_for_integrators(client, key, monkeypatch):
    from survey_app.api import views

    def down(*_args, **_kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(views.invite, "create_invitation", down)
    reply = client.post("/api/v1/invitations?lang=en", json={"dossier_code": "A"},
                        headers={"Authorization": f"Bearer {key}"})
    message = check_error(reply, 503, "unavailable")
    assert "Retry-After" in reply.headers and "tap" not in message  # not the citizen's text


def test_rate_limit_is_named(client, key, app):
    app.config["API_RATE_LIMIT"] = "1 per minute"
    try:
        auth = {"Authorization": f"Bearer {key}"}
        client.post("/api/v1/invitations", json={"dossier_code": "A"}, headers=auth)
        reply = client.post("/api/v1/invitations?lang=en", json={"dossier_code": "B"},
                            headers=auth)
    finally:
        app.config["API_RATE_LIMIT"] = "600 per minute"
    message = check_error(reply, 429, "too_many_requests")
    assert "answers" not in message  # the integrator's text, not the citizen's


def test_the_spec_promises_a_string_code_for_every_error():
    spec = yaml.safe_load(resources.files("survey_app.api").joinpath("openapi.yaml").read_text())
    error = spec["components"]["schemas"]["Error"]
    assert error["required"] == ["error", "message"]
    assert error["properties"]["error"]["type"] == "string"
    for name in ("not_found", "method_not_allowed", "internal_error"):
        assert name in error["properties"]["error"]["description"]
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            assert operation["responses"]["default"] == {"$ref": "#/components/responses/Error"}, \
                (method, path)
