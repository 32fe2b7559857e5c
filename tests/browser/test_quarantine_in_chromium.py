"""The quarantine list, the results page's counts and the privacy page in Chromium: a
360 px phone and a desktop, Vietnamese and English; a manager releases answers."""
import os
from pathlib import Path

import pytest
import sqlalchemy as sa
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from survey_app.extensions import db
from survey_app.models import Response, Unit

pytestmark = pytest.mark.browser
SIZES = {"phone": {"width": 360, "height": 740}, "desktop": {"width": 1280, "height": 900}}
#: Screenshots to look at: HAILONG_SCREENSHOTS=dir (default: the test's tmp_path).
SHOTS = os.environ.get("HAILONG_SCREENSHOTS")


@pytest.fixture(scope="module")
def ward(demo_server):
    """An Hòa ward of the demo with 12 answers held and 3 rejected."""
    with demo_server["app"].app_context():
        unit = db.session.scalar(sa.select(Unit).filter_by(code="P-ANHOA"))
        ids = db.session.scalars(sa.select(Response.id).where(Response.unit_id == unit.id)
                                 .order_by(Response.submitted_at.desc()).limit(15)).all()
        db.session.execute(sa.update(Response).where(Response.id.in_(ids[:12]))
                           .values(quarantined=True, quarantine_reason="burst,speed"))
        db.session.execute(sa.update(Response).where(Response.id.in_(ids[12:]))
                           .values(quarantined=True, quarantine_reason="pattern",
                                   quarantine_reviewed_at=sa.func.current_timestamp()))
        db.session.commit()
        return unit.id


def serious(page):
    return [(v["id"], v["help"]) for v in Axe().run(page).response["violations"]
            if v["impact"] in ("serious", "critical")]


def look(page, name, tmp_path):
    folder = Path(SHOTS) if SHOTS else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
    return page.evaluate("document.documentElement.scrollWidth <= innerWidth")


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_quarantine_pages_fit_and_read_well(browser, demo_server, ward, size, lang,
                                                tmp_path):
    context = browser.new_context(viewport=SIZES[size])
    page = context.new_page()
    base = demo_server["base"]
    page.goto(f"{base}/admin/login?lang={lang}")
    page.locator("#username").fill("anhoa")
    page.locator("#password").fill("hailong-demo")
    page.locator("button[type=submit]").last.click()
    expect(page.locator("h1")).to_be_visible()
    problems = []
    for name, path in (("results", f"/admin/units/{ward}/results"),
                       ("quarantine", f"/admin/units/{ward}/quarantine"),
                       ("privacy", "/privacy")):
        assert page.goto(f"{base}{path}").status == 200
        if not look(page, f"{name}-{size}-{lang}", tmp_path):
            problems.append(f"{name} scrolls sideways")
        problems += [(name, *v) for v in serious(page)]
        if name == "results":
            expect(page.locator("#quarantine")).to_contain_text("12")
    context.close()
    assert problems == []


def test_a_manager_releases_two_answers(browser, demo_server, ward):
    context = browser.new_context(viewport=SIZES["phone"])
    page = context.new_page()
    base = demo_server["base"]
    page.goto(f"{base}/admin/login?lang=vi")
    page.locator("#username").fill("anhoa")
    page.locator("#password").fill("hailong-demo")
    page.locator("button[type=submit]").last.click()
    page.goto(f"{base}/admin/units/{ward}/quarantine")
    boxes = page.locator('input[name="response"]')
    held = boxes.count()
    boxes.nth(0).check()
    boxes.nth(1).check()
    page.get_by_role("button", name="Chấp nhận các phiếu đã đánh dấu").click()
    expect(page.get_by_role("status")).to_contain_text("Đã chấp nhận 2 phiếu")
    assert page.locator('input[name="response"]').count() == held - 2
    context.close()


@pytest.mark.parametrize("size", SIZES)
def test_the_form_links_to_the_privacy_notice_in_a_new_tab(browser, live_server, size,
                                                           tmp_path):
    context = browser.new_context(viewport=SIZES[size])
    page = context.new_page()
    page.goto(f"{live_server['base']}/s/{live_server['token']}")
    assert look(page, f"form-{size}", tmp_path)
    link = page.get_by_role("link", name="Bảo vệ dữ liệu cá nhân")
    with context.expect_page() as opened:
        link.click()
    notice = opened.value
    notice.wait_for_load_state()
    assert "Nghị định 13/2023/NĐ-CP" in notice.locator("main").inner_text()
    assert look(notice, f"privacy-from-form-{size}", tmp_path)
    assert page.url.startswith(f"{live_server['base']}/s/")  # the form stays open
    context.close()
