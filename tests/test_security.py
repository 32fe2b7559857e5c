"""Security headers, the production configuration check."""
import pytest

from survey_app import create_app
from survey_app.cli import main
from survey_app.config import UnsafeConfiguration
from survey_app.extensions import db


def test_every_page_has_security_headers(client, make_service_point):
    point = make_service_point()
    for path in (f"/s/{point.current_token.token}", "/admin/login", "/p/NOPE", "/"):
        headers = client.get(path).headers
        assert "script-src 'none'" in headers["Content-Security-Policy"], path
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert headers["X-Frame-Options"] == "DENY" and headers["X-Content-Type-Options"] == "nosniff"


def test_the_widget_alone_may_be_framed(client, make_unit):
    unit = make_unit(code="W")
    headers = client.get(f"/p/{unit.code}/widget").headers
    assert "frame-ancestors *" in headers["Content-Security-Policy"]
    assert "script-src 'none'" in headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in headers


def test_production_refuses_default_secrets(monkeypatch):
    monkeypatch.delenv("HAILONG_ALLOW_SQLITE", raising=False)
    with pytest.raises(UnsafeConfiguration, match="HAILONG_SECRET_KEY"):
        create_app({"ENV_NAME": "production", "SECRET_KEY": "dev-only-change-me",
                    "SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_check_config_command(runner, ctx):
    out = runner.invoke(main, ["check-config"])
    # the test app runs with a test secret and no production flag: fit, but says so
    assert "environment: development" in out.output
    ctx.config.update(ENV_NAME="production", DEBUG=True)
    try:
        bad = runner.invoke(main, ["check-config"])
    finally:
        ctx.config.update(ENV_NAME="development", DEBUG=False)
    assert bad.exit_code == 1 and "debug mode is on" in bad.output


def test_rate_limit_keys_hold_no_raw_address(ctx):
    from survey_app.services.hashing import client_key

    with ctx.test_request_context("/", environ_base={"REMOTE_ADDR": "203.0.113.7"}):
        key = client_key()
    assert "203.0.113.7" not in key and len(key) == 20
    with ctx.test_request_context("/", environ_base={"REMOTE_ADDR": "203.0.113.8"}):
        assert client_key() != key


def test_several_workers_need_shared_rate_limits(monkeypatch):
    from survey_app.config import check_production

    config = {"SECRET_KEY": "s" * 40, "HASH_KEY": "h" * 40, "SQLALCHEMY_DATABASE_URI": "postgresql://x",
              "RATELIMIT_STORAGE_URI": "memory://", "BASE_URL": "https://khaosat.example.gov.vn"}
    monkeypatch.setenv("HAILONG_WORKERS", "3")
    assert any("in-memory rate limits" in p for p in check_production(config))
    assert check_production({**config, "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379"}) == []


def test_behind_a_proxy_the_client_address_comes_from_nginx(monkeypatch):
    from survey_app.services.hashing import client_key

    app = create_app({"TESTING": True, "SECRET_KEY": "t", "SQLALCHEMY_DATABASE_URI": "sqlite://",
                      "PROXY_COUNT": 1})
    seen = {}

    @app.get("/whoami")
    def whoami():
        from flask import request

        seen["addr"], seen["key"] = request.remote_addr, client_key()
        return "ok"

    app.test_client().get("/whoami", headers={"X-Forwarded-For": "203.0.113.9"},
                          environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert seen["addr"] == "203.0.113.9"


def test_demo_accounts_are_refused_in_production(runner, ctx):
    ctx.config.update(ENV_NAME="production")
    try:
        out = runner.invoke(main, ["demo", "--responses", "0"])
    finally:
        ctx.config.update(ENV_NAME="development")
    assert out.exit_code == 1 and "known password" in out.output


def test_a_database_outage_asks_to_send_again_and_stores_nothing(client, make_service_point,
                                                                 monkeypatch):
    import sqlalchemy as sa

    from survey_app.models import Response
    from tests.public.helpers import form_post

    point = make_service_point()

    def down(*args, **kwargs):
        raise sa.exc.OperationalError("INSERT", {}, Exception("server closed the connection"))

    monkeypatch.setattr("survey_app.public.views.submit_response", down)
    reply, data = form_post(client, f"/s/{point.current_token.token}")
    assert reply.status_code == 503 and "Retry-After" in reply.headers
    assert "Gửi lại" in reply.data.decode() or "bấm Gửi" in reply.data.decode()
    monkeypatch.undo()
    again = client.post(f"/s/{point.current_token.token}", data=data)  # the same UUID
    assert again.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Response)) == 1
