"""Import responses in the console on a 360 px phone: upload -> preview -> confirm -> undo."""
from pathlib import Path

import pytest
import sqlalchemy as sa
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect
from werkzeug.security import generate_password_hash

from survey_app.extensions import db
from survey_app.models import Response, Role, Unit, User

pytestmark = pytest.mark.browser
PASSWORD = "imports-in-chromium"  # noqa: S105
SAMPLE = Path(__file__).resolve().parents[1] / "data" / "google-forms-sipas-counter.csv"


def stored(app):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Response)
                                 .where(Response.channel == "import"))


@pytest.fixture
def context_for(browser, live_server):
    app = live_server["app"]
    with app.app_context():
        if db.session.scalar(sa.select(User).filter_by(username="importer")) is None:
            unit = db.session.scalar(sa.select(Unit).filter_by(code="W1"))
            db.session.add(User(username="importer", role=Role.ANALYST, unit=unit,
                                password_hash=generate_password_hash(PASSWORD)))
            db.session.commit()
    contexts = []

    def make(width):
        context = browser.new_context(viewport={"width": width, "height": 800},
                                      device_scale_factor=2, accept_downloads=True)
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{live_server['base']}/admin/login?lang=vi")
        page.get_by_label("Tên đăng nhập").fill("importer")
        page.get_by_label("Mật khẩu").fill(PASSWORD)
        page.get_by_role("button", name="Đăng nhập").click()
        return page

    yield make
    for context in contexts:
        context.close()


def fits(page, width):
    return page.evaluate("document.documentElement.scrollWidth") <= width


def serious(page):
    return [v["id"] for v in Axe().run(page).response["violations"]
            if v["impact"] in ("serious", "critical")]


def test_upload_preview_confirm_and_undo_on_a_phone(context_for, live_server, tmp_path):
    page = context_for(360)
    page.get_by_role("link", name="Nhập dữ liệu").click()
    expect(page.get_by_role("heading", name="Nhập câu trả lời từ tệp")).to_be_visible()
    assert fits(page, 360) and serious(page) == []
    page.get_by_label("Tệp câu trả lời (.csv hoặc .xlsx)").set_input_files(str(SAMPLE))
    page.get_by_label("Cách ghép cột").select_option("google-forms-sipas-counter")
    page.get_by_role("button", name="Kiểm tra tệp").click()

    expect(page.get_by_role("alert")).to_contain_text("Dòng 14, cột")
    expect(page.get_by_role("alert")).to_contain_text("Chưa trả lời; câu hỏi này bắt buộc.")
    expect(page.get_by_text("Đã kiểm tra, chưa nhập")).to_be_visible()
    assert fits(page, 360) and serious(page) == []
    page.screenshot(path=str(tmp_path / "preview-360-vi.png"), full_page=True)
    assert stored(live_server["app"]) == 0

    button = page.get_by_role("button", name="Nhập 58 câu trả lời")
    button.click()  # the box is required: the browser refuses without it
    assert stored(live_server["app"]) == 0
    page.get_by_label("Nhập 58 dòng hợp lệ và bỏ qua 2 dòng có lỗi").check()
    button.click()
    expect(page.get_by_text("Đã nhập 58 câu trả lời.")).to_be_visible()
    assert stored(live_server["app"]) == 58
    assert fits(page, 360)
    page.screenshot(path=str(tmp_path / "imported-360-vi.png"), full_page=True)

    page.get_by_label("Có, xóa mọi câu trả lời của lần nhập này").check()
    page.get_by_role("button", name="Hoàn tác việc nhập").click()
    expect(page.get_by_text("Đã hoàn tác lần nhập: xóa 58 câu trả lời.")).to_be_visible()
    assert stored(live_server["app"]) == 0


@pytest.mark.parametrize(("width", "lang"), [(360, "en"), (1280, "vi"), (1280, "en")])
def test_the_preview_fits_in_both_languages(context_for, live_server, tmp_path, width, lang):
    page = context_for(width)
    page.goto(f"{live_server['base']}/admin/imports?lang={lang}")
    page.locator("input[type=file][name=file]").set_input_files(str(SAMPLE))
    page.locator("select[name=mapping]").select_option("google-forms-sipas-counter")
    page.locator("form[enctype] button[type=submit]").click()
    expect(page.get_by_role("alert")).to_be_visible()
    assert fits(page, width) and serious(page) == []
    page.screenshot(path=str(tmp_path / f"preview-{width}-{lang}.png"), full_page=True)
    page.locator("form[action$='/discard'] button").click()
    assert "/admin/imports" in page.url
