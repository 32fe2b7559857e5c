"""Security headers, the production configuration check."""
import pytest

from survey_app import create_app
from survey_app.cli import main
from survey_app.config import UnsafeConfiguration


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
