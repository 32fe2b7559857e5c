"""A kiosk tablet loses its network: answers are kept in the browser and stored once later.

Chromium with the network switched off and on (``context.set_offline``). The server counts
the requests it receives, so the test can tell a page the service worker kept from one the
network served.
"""
import json
import os
import re

import pytest
import sqlalchemy as sa
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from survey_app.extensions import db
from survey_app.models import Response
from survey_app.services import org
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, live_app, serve

pytestmark = pytest.mark.browser
TABLET = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2,
          "is_mobile": True, "has_touch": True, "locale": "vi-VN"}
DESKTOP = {"viewport": {"width": 1280, "height": 900}, "locale": "vi-VN"}
LIKERT = ["access", "procedures", "staff", "results", "overall"]
SW_EVENTS = "PW_EXPERIMENTAL_SERVICE_WORKER_NETWORK_EVENTS"


@pytest.fixture(scope="module")
def browser():
    """Chromium whose offline switch also cuts the service worker's network.

    Without Playwright's service-worker network events, ``set_offline`` now and then lets
    a request through the worker (microsoft/playwright#2311).
    """
    if CHROMIUM is None:
        if os.environ.get("HAILONG_REQUIRE_BROWSER"):
            pytest.fail("Chromium is required (apt-get install chromium chromium-driver)")
        pytest.skip("Chromium is not installed")
    from playwright.sync_api import sync_playwright

    before = os.environ.get(SW_EVENTS)
    os.environ[SW_EVENTS] = "1"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                                  args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()
    finally:
        if before is None:
            os.environ.pop(SW_EVENTS, None)
        else:
            os.environ[SW_EVENTS] = before


@pytest.fixture(scope="module")
def kiosk_server(tmp_path_factory):
    """A live server of its own that records every path it is asked for."""
    app = live_app(tmp_path_factory, "kiosk")
    with app.app_context():
        unit = org.create_unit("K1", "Phường Kiốt", "ward")
        point = org.create_service_point(unit, "MC", "Bộ phận Một cửa", "certification",
                                         "sipas-counter")
        db.session.commit()
        token = point.current_token.token
    seen = []
    inner = app.wsgi_app

    def recording(environ, start_response):
        seen.append(environ["PATH_INFO"])
        return inner(environ, start_response)

    app.wsgi_app = recording
    server, thread, base = serve(app)
    yield {"app": app, "base": base, "token": token, "seen": seen}
    server.shutdown()
    thread.join(timeout=5)


def unplug(context):
    """Network off: Chromium's offline mode, and every request the page or its service
    worker still makes aborted as a lost connection (offline emulation alone now and then
    lets one through a worker-controlled page: microsoft/playwright#2311)."""
    context.set_offline(True)
    context.route("**/*", lambda route: route.abort("internetdisconnected"))


def plug_in(context):
    context.unroute("**/*")
    context.set_offline(False)


def stored(server):
    with server["app"].app_context():
        return {str(row.client_uuid): row.locale for row in db.session.execute(
            sa.select(Response.client_uuid, Response.locale))}


def queue(page, server):
    return page.evaluate("key => JSON.parse(localStorage.getItem(key) || '[]')",
                         f"hailong-kiosk-queue:{server['token']}")


def ready_for_offline(page, server):
    """Wait until the service worker controls the page and keeps both forms.

    (``page.evaluate`` in a loop: ``wait_for_function`` evaluates strings, which the
    kiosk's CSP rightly forbids.)
    """
    check = """async token => {
        if (!navigator.serviceWorker.controller) return false;
        const cache = await caches.open("hailong-kiosk-v1");
        const keys = (await cache.keys()).map(r => r.url);
        return ["vi", "en"].every(l => keys.some(u => u.endsWith(`/k/${token}?lang=${l}`)))
            && keys.some(u => u.includes("/static/kiosk/kiosk.js"));
    }"""
    for _ in range(100):
        if page.evaluate(check, server["token"]):
            return
        page.wait_for_timeout(100)
    pytest.fail("the service worker did not take the kiosk in hand")


def answer(page, face="4"):
    for code in LIKERT:
        page.locator(f'label[for="{code}-{face}"]').click()
    page.locator('label[for="feedback-na"]').click()
    page.locator('label[for="extra_request-1"]').click()
    page.locator('label[for="trips-1"]').click()


def send(page):
    page.locator("#survey button[type=submit]:not([name])").click()


def next_person(page):
    page.locator("#kiosk-next").click()
    page.wait_for_load_state()
    expect(page.locator("#survey-page")).to_be_visible()


def test_answers_given_offline_are_stored_once_when_the_network_returns(browser, kiosk_server,
                                                                       tmp_path):
    context = browser.new_context(**TABLET)
    page = context.new_page()
    status = page.locator("#kiosk-status")
    before = stored(kiosk_server)
    page.goto(f"{kiosk_server['base']}/k/{kiosk_server['token']}")
    ready_for_offline(page, kiosk_server)
    expect(status).to_be_hidden()  # online, nothing waiting: nothing to say

    unplug(context)
    asked = len(kiosk_server["seen"])
    expect(status).to_have_text(re.compile(r"Mất kết nối mạng.*Số câu trả lời đang chờ gửi: 0"))
    answer(page, "5")
    send(page)
    expect(page.locator("#kiosk-thanks")).to_be_visible()
    expect(page.locator('#kiosk-thanks [data-when="kept"]')).to_be_visible()
    expect(page.locator('#kiosk-thanks [data-when="sent"]')).to_be_hidden()
    expect(status).to_contain_text("đang chờ gửi: 1")
    page.screenshot(path=str(tmp_path / "kept-360-vi.png"), full_page=True)

    # nothing of the last citizen's answers is left in the page behind the thank-you
    assert page.locator("#survey input:checked").count() == 0
    next_person(page)  # a fresh form, from the service worker's cache
    expect(page.locator("#survey input:checked")).to_have_count(0)
    answer(page, "3")
    send(page)
    expect(status).to_contain_text("đang chờ gửi: 2")

    next_person(page)
    page.reload()  # offline: the kept form again, and the kept answers are still there
    expect(page.locator("#survey-page h1")).to_contain_text("Đánh giá sự hài lòng")
    expect(status).to_contain_text("đang chờ gửi: 2")
    # a third citizen switches to English (the kept English form), answers kept on the way
    page.locator('label[for="access-2"]').click()
    page.locator("button[name=switch_lang]").click()
    page.wait_for_url(re.compile(r"lang=en"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert page.locator("#access-2").is_checked()
    expect(status).to_contain_text("Answers waiting to be sent: 2")
    send(page)  # not finished: said so on the tablet, nothing kept
    expect(page.locator("#kiosk-problems")).to_be_visible()
    expect(page.locator("#procedures-error")).to_have_text("Please choose an answer.")
    assert len(queue(page, kiosk_server)) == 2
    page.screenshot(path=str(tmp_path / "problems-360-en.png"))
    answer(page, "2")
    send(page)
    expect(status).to_contain_text("Answers waiting to be sent: 3")
    page.screenshot(path=str(tmp_path / "kept-360-en.png"), full_page=True)

    kept = {entry["uuid"]: entry["lang"] for entry in queue(page, kiosk_server)}
    assert len(kept) == 3 and sorted(kept.values()) == ["en", "vi", "vi"]
    # the server heard nothing while offline (but Chromium's own update check of the
    # worker script, which offline emulation does not cover)
    assert [path for path in kiosk_server["seen"][asked:] if path != "/k/sw.js"] == []
    assert stored(kiosk_server) == before

    plug_in(context)  # the connection returns: everything goes, once
    expect(status).to_be_hidden(timeout=15_000)
    assert queue(page, kiosk_server) == []
    now = stored(kiosk_server)
    assert {k: v for k, v in now.items() if k not in before} == kept
    context.close()


def test_a_kept_answer_sent_twice_is_stored_once(browser, kiosk_server):
    """Two tabs flush the same queue at once, and an answer comes back after it was sent."""
    context = browser.new_context(**DESKTOP)
    first = context.new_page()
    first.goto(f"{kiosk_server['base']}/k/{kiosk_server['token']}")
    ready_for_offline(first, kiosk_server)
    unplug(context)
    answer(first)
    send(first)
    expect(first.locator("#kiosk-status")).to_contain_text("đang chờ gửi: 1")
    second = context.new_page()
    second.goto(f"{kiosk_server['base']}/k/{kiosk_server['token']}")  # from the cache
    expect(second.locator("#kiosk-status")).to_contain_text("đang chờ gửi: 1")
    [entry] = queue(first, kiosk_server)
    before = stored(kiosk_server)

    plug_in(context)  # both tabs see the network return and send the same answer
    for page in (first, second):
        expect(page.locator("#kiosk-status")).to_be_hidden(timeout=15_000)
    after = stored(kiosk_server)
    assert set(after) - set(before) == {entry["uuid"]}

    # the server's reply was lost: the answer is still on the tablet and goes again
    first.evaluate("([key, entry]) => localStorage.setItem(key, JSON.stringify([entry, entry]))",
                   [f"hailong-kiosk-queue:{kiosk_server['token']}", entry])
    first.reload()
    expect(first.locator("#kiosk-status")).to_be_hidden(timeout=15_000)
    assert queue(first, kiosk_server) == []
    assert stored(kiosk_server) == after
    context.close()


def test_an_answer_given_online_goes_straight_to_the_server(browser, kiosk_server):
    context = browser.new_context(**DESKTOP)
    page = context.new_page()
    before = stored(kiosk_server)
    page.goto(f"{kiosk_server['base']}/k/{kiosk_server['token']}?lang=en")
    answer(page)
    send(page)
    expect(page.locator('#kiosk-thanks [data-when="sent"]')).to_be_visible()
    assert len(stored(kiosk_server)) == len(before) + 1
    assert queue(page, kiosk_server) == []
    page.wait_for_url(re.compile(r"lang=vi"), timeout=10_000)  # the next citizen: Vietnamese
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    context.close()


def test_the_points_budget_still_applies_to_kept_answers(browser, kiosk_server):
    """Over the rate limit a kept answer is refused (429) for now, waits and goes later."""
    app = kiosk_server["app"]
    with app.app_context():
        unit = org.create_unit("K2", "Phường Hai", "ward")
        token = org.create_service_point(unit, "MC2", "Một cửa 2", "certification",
                                         "sipas-counter").current_token.token
        db.session.commit()
    server = {**kiosk_server, "token": token}
    context = browser.new_context(**DESKTOP)
    page = context.new_page()
    before = stored(kiosk_server)
    page.goto(f"{kiosk_server['base']}/k/{token}")
    ready_for_offline(page, server)
    unplug(context)
    for _ in range(2):
        answer(page)
        send(page)
        next_person(page)
    assert len(queue(page, server)) == 2
    app.config["SUBMIT_RATE_LIMIT"] = "1 per hour"
    try:
        plug_in(context)
        expect(page.locator("#kiosk-status")).to_have_text("Số câu trả lời đang chờ gửi: 1",
                                                           timeout=15_000)
        assert len(stored(kiosk_server)) == len(before) + 1
    finally:
        app.config["SUBMIT_RATE_LIMIT"] = "1000 per hour"
    page.reload()  # (or the next retry): the budget allows it now
    expect(page.locator("#kiosk-status")).to_be_hidden(timeout=15_000)
    assert len(stored(kiosk_server)) == len(before) + 2
    context.close()


def test_a_half_filled_form_resets_after_the_idle_time(browser, kiosk_server):
    """With the script, the reset counts from the last touch (not from the page load)."""
    context = browser.new_context(**DESKTOP)
    page = context.new_page()
    page.clock.install()
    page.goto(f"{kiosk_server['base']}/k/{kiosk_server['token']}?lang=en")
    seconds = json.loads(page.locator("#kiosk-app").get_attribute("data-config"))["reset_seconds"]
    assert seconds >= 120
    page.clock.fast_forward((seconds - 20) * 1000)
    page.locator('label[for="access-2"]').click()  # a citizen is still answering
    page.clock.fast_forward((seconds - 20) * 1000)
    assert page.locator("#access-2").is_checked() and "lang=en" in page.url
    page.clock.fast_forward(30_000)  # then walks away
    page.wait_for_url(re.compile(r"lang=vi"))
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.locator("#survey input:checked")).to_have_count(0)
    context.close()


def test_chromium_finds_the_kiosk_installable(browser, kiosk_server):
    context = browser.new_context(**TABLET)
    page = context.new_page()
    page.goto(f"{kiosk_server['base']}/k/{kiosk_server['token']}")
    ready_for_offline(page, kiosk_server)
    cdp = context.new_cdp_session(page)
    manifest = cdp.send("Page.getAppManifest")
    assert manifest["errors"] == [] and manifest["url"].endswith("/manifest.webmanifest")
    errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
    # a Playwright context is an incognito profile; nothing else may stand in the way
    assert [e["errorId"] for e in errors if e["errorId"] != "in-incognito"] == []
    context.close()


def test_without_javascript_the_kiosk_works_as_before(browser, kiosk_server):
    context = browser.new_context(java_script_enabled=False, **DESKTOP)
    page = context.new_page()
    before = stored(kiosk_server)
    page.goto(f"{kiosk_server['base']}/k/{kiosk_server['token']}")
    expect(page.locator("#kiosk-status")).to_be_hidden()
    expect(page.locator("#kiosk-thanks")).to_be_hidden()
    answer(page)
    send(page)
    expect(page.locator("h1")).to_have_text("Cảm ơn Ông/Bà!")  # the server's thank-you page
    assert "/thanks" in page.url
    assert len(stored(kiosk_server)) == len(before) + 1
    context.close()


@pytest.mark.parametrize("size", ["360", "desktop"])
@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_offline_kiosk_reads_well_and_passes_axe(browser, kiosk_server, size, lang,
                                                     tmp_path):
    context = browser.new_context(**(TABLET if size == "360" else DESKTOP))
    page = context.new_page()
    axe = Axe()
    page.goto(f"{kiosk_server['base']}/k/{kiosk_server['token']}?lang={lang}")
    ready_for_offline(page, kiosk_server)
    unplug(context)
    expect(page.locator("#kiosk-status")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"]  # nothing runs off the screen
    page.screenshot(path=str(tmp_path / f"offline-{size}-{lang}.png"))
    violations = serious(axe.run(page))
    assert violations == [], json.dumps(violations)
    answer(page)
    send(page)
    expect(page.locator("#kiosk-thanks")).to_be_visible()
    page.screenshot(path=str(tmp_path / f"thanks-{size}-{lang}.png"))
    assert serious(axe.run(page)) == []
    plug_in(context)
    expect(page.locator("#kiosk-status")).to_be_hidden(timeout=15_000)
    context.close()


def serious(results):
    return [(v["id"], v["impact"], v["help"]) for v in results.response["violations"]
            if v["impact"] in ("serious", "critical")]
