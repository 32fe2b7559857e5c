"""A citizen on a phone: open the QR link, tap the answers, send, see the thank-you page."""
import re

import pytest
import sqlalchemy as sa
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from survey_app.extensions import db
from survey_app.models import Response

pytestmark = pytest.mark.browser
PHONE = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2,
         "is_mobile": True, "has_touch": True, "locale": "vi-VN"}
LIKERT = ["access", "procedures", "staff", "results", "overall"]
THANKS = re.compile(r".*/thanks(\?.*)?$")


def stored(live_server):
    with live_server["app"].app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Response))


def answer_by_tapping(page):
    for code in LIKERT:
        page.locator(f'label[for="{code}-4"]').tap()
    page.locator('label[for="feedback-na"]').tap()
    page.get_by_text("Không", exact=True).first.tap()  # extra request: no
    page.get_by_text("1 lần", exact=True).tap()


@pytest.mark.parametrize("javascript", [True, False], ids=["js-on", "js-off"])
def test_a_citizen_answers_on_a_phone(browser, live_server, javascript, tmp_path):
    context = browser.new_context(java_script_enabled=javascript, **PHONE)
    page = context.new_page()
    before = stored(live_server)
    page.goto(f"{live_server['base']}/s/{live_server['token']}")
    assert page.locator("h1").inner_text().startswith("Đánh giá sự hài lòng")
    answer_by_tapping(page)
    assert page.locator("#access-4").is_checked()
    page.screenshot(path=str(tmp_path / "form.png"), full_page=True)
    page.get_by_role("button", name="Gửi").tap()
    page.wait_for_url(THANKS)
    assert "Cảm ơn" in page.locator("h1").inner_text()
    assert stored(live_server) == before + 1
    context.close()


def test_a_missing_answer_is_shown_and_the_rest_kept(browser, live_server):
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(f"{live_server['base']}/s/{live_server['token']}")
    for code in LIKERT[1:]:
        page.locator(f'label[for="{code}-5"]').tap()
    page.get_by_role("button", name="Gửi").tap()
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.locator("#access-error")).to_have_text("Xin vui lòng chọn một câu trả lời.")
    assert page.locator("#staff-5").is_checked()
    context.close()


def serious(results):
    return [(v["id"], v["impact"], v["help"]) for v in results.response["violations"]
            if v["impact"] in ("serious", "critical")]


def test_no_serious_accessibility_violations(browser, live_server):
    context = browser.new_context(**PHONE)
    page = context.new_page()
    axe = Axe()
    page.goto(f"{live_server['base']}/s/{live_server['token']}")
    assert serious(axe.run(page)) == []
    page.get_by_role("button", name="Gửi").tap()  # the page with error messages
    expect(page.get_by_role("alert")).to_be_visible()
    assert serious(axe.run(page)) == []
    answer_by_tapping(page)
    page.get_by_role("button", name="Gửi").tap()
    page.wait_for_url(THANKS)
    assert serious(axe.run(page)) == []
    context.close()


def test_keyboard_only_use(browser, live_server):
    context = browser.new_context(viewport={"width": 1024, "height": 768})
    page = context.new_page()
    page.goto(f"{live_server['base']}/s/{live_server['token']}?lang=en")
    page.keyboard.press("Tab")  # language link
    page.keyboard.press("Tab")  # first group of radios
    page.keyboard.press("ArrowRight")
    assert page.locator("#access-2").is_checked()
    context.close()
