"""A live hailong server on loopback and a real headless Chromium (Debian's package)."""
import os
import shutil
import threading

import pytest
from flask_migrate import upgrade
from werkzeug.serving import make_server

from survey_app import create_app
from survey_app.extensions import db
from survey_app.services import instrument_store, org
from tests.conftest import TEST_CONFIG

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-quic",
                 "--no-first-run"]


def serve(app):
    """Serve ``app`` on a free loopback port in a thread; return (server, thread, base URL)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, thread, f"http://127.0.0.1:{server.server_port}"


def live_app(tmp_path_factory, name):
    url = f"sqlite:///{tmp_path_factory.mktemp(name) / 'hailong.db'}"
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url,
                      "SUBMIT_RATE_LIMIT": "1000 per hour", "LOGIN_RATE_LIMIT": "100 per minute"})
    with app.app_context():
        upgrade()
        instrument_store.sync_bundled()
        db.session.commit()
    return app


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    app = live_app(tmp_path_factory, "live")
    with app.app_context():
        unit = org.create_unit("W1", "Phường Một", "ward")
        point = org.create_service_point(unit, "CT", "Quầy chứng thực", "certification",
                                         "sipas-counter")
        db.session.commit()
        token = point.current_token.token
    server, thread, base = serve(app)
    yield {"app": app, "base": base, "token": token}
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory):
    """The demo city with a year of responses; staff password ``hailong-demo``."""
    from survey_app.services.demo import load_demo

    app = live_app(tmp_path_factory, "demo")
    with app.app_context():
        load_demo(n_responses=600, seed=8)
        db.session.commit()
    server, thread, base = serve(app)
    yield {"app": app, "base": base}
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        if os.environ.get("HAILONG_REQUIRE_BROWSER"):
            pytest.fail("Chromium is required (apt-get install chromium chromium-driver)")
        pytest.skip("Chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=CHROMIUM_ARGS)
        yield browser
        browser.close()
