"""The paper entry screen in Chromium, keyboard only, on a 360 px phone and a desktop:
digits and Tab/Enter fill a form, Enter on the last box saves it, a key that is not a
code of the box is refused, and the next form opens with the focus on its first box."""
import pytest
import sqlalchemy as sa
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect
from werkzeug.security import generate_password_hash

from survey_app.extensions import db
from survey_app.models import PaperEntry, Role, ServicePoint, User
from survey_app.services import paper
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

# sipas-counter, in the order of the screen: 6 scale items, yes/no, trips, comment, profile
KEYS = ["5", "4", "5", "3", "0", "4", "2", "1", "Nhanh gọn", "1", "2", "9"]


@pytest.fixture(scope="module")
def batch(live_server):
    from datetime import date

    app = live_server["app"]
    with app.app_context():
        point = db.session.scalar(sa.select(ServicePoint).filter_by(code="CT"))
        users = {}
        for name, width in (("typist360", 360), ("typist1200", 1200)):
            user = User(username=name, password_hash=generate_password_hash(PASSWORD),
                        role=Role.DATA_ENTRY, unit=point.unit)
            db.session.add(user)
            users[width] = name
        db.session.flush()
        made = paper.create_batch(user, point, date(2026, 3, 2), 201, 203)
        db.session.commit()
        return {"id": made.id, "users": users}


def sign_in(page, base, username):
    page.goto(f"{base}/admin/login?lang=vi")
    page.locator("#username").fill(username)
    page.locator("#password").fill(PASSWORD)
    page.locator("#password").press("Enter")
    expect(page.locator("h1")).to_be_visible()


def entries(app, serial):
    with app.app_context():
        return db.session.scalars(sa.select(PaperEntry).filter_by(serial=serial)).all()


@pytest.mark.parametrize("width", [360, 1200])
def test_a_form_typed_with_the_keyboard_alone(browser, live_server, batch, width, tmp_path):
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    base = live_server["base"]
    sign_in(page, base, batch["users"][width])
    page.goto(f"{base}/admin/paper/{batch['id']}/enter")
    expect(page.get_by_role("heading", name="Nhập phiếu giấy")).to_be_visible()
    page.screenshot(path=str(tmp_path / f"entry-{width}-empty.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    serial = int(page.locator("#serial").input_value())
    # the cursor starts in the first question's box: no mouse needed
    assert page.evaluate("document.activeElement.id") == "q_access"
    page.keyboard.type("7")  # not a code of this question: refused
    assert page.locator("#q_access").input_value() == ""
    for index, key in enumerate(KEYS):
        page.keyboard.type(key)
        if index == len(KEYS) - 1:
            break
        page.keyboard.press("Enter" if index % 2 else "Tab")  # both move on
    page.screenshot(path=str(tmp_path / f"entry-{width}-filled.png"), full_page=True)
    assert page.locator("#q_comment").input_value() == "Nhanh gọn"
    with page.expect_navigation():
        page.keyboard.press("Enter")  # Enter on the last box saves the form
    # the phone types form 201 first; the desktop, another person, types it the second time
    typing = {360: 1, 1200: 2}[width]
    assert serial == 201
    expect(page.get_by_text(f"Đã lưu phiếu số {serial} (lần nhập {typing}/2).")).to_be_visible()
    stored = [e for e in entries(live_server["app"], serial) if e.pass_no == typing]
    assert [(e.codes["access"], e.codes["feedback"], e.codes["comment"], e.codes["age_band"])
            for e in stored] == [("5", "0", "Nhanh gọn", "9")]
    # the next form is ready, its first box focused
    assert int(page.locator("#serial").input_value()) == serial + 1
    assert page.evaluate("document.activeElement.id") == "q_access"
    assert serious(Axe().run(page)) == []
    page.screenshot(path=str(tmp_path / f"entry-{width}-next.png"), full_page=True)
    # an empty box is named, and the cursor waits in it
    page.keyboard.type("5")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")  # question 2 left empty
    for key in KEYS[2:8]:
        page.keyboard.type(key)
        page.keyboard.press("Tab")
    page.keyboard.press("Tab")  # no comment
    for key in KEYS[9:11]:
        page.keyboard.type(key)
        page.keyboard.press("Tab")
    page.keyboard.type(KEYS[11])
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("#q_procedures-error")).to_contain_text("Nhập một mã")
    assert page.evaluate("document.activeElement.id") == "q_procedures"
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    page.screenshot(path=str(tmp_path / f"entry-{width}-error.png"), full_page=True)
    assert entries(live_server["app"], serial + 1) == []
    context.close()


def serious(results):
    return [(v["id"], v["help"]) for v in results.response["violations"]
            if v["impact"] in ("serious", "critical")]
