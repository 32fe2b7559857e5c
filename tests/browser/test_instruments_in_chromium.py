"""The questionnaire page on a 360 px phone: download an XLSForm, upload a new version."""
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect
from werkzeug.security import generate_password_hash

import instruments
from survey_app.extensions import db
from survey_app.models import Role, Unit, User
from tests.instruments.xlsform_helpers import with_cells

#: The shipped version of sipas-counter (the test uploads the next one).
V = instruments.get("sipas-counter").version

pytestmark = pytest.mark.browser
PASSWORD = "xlsform-in-chromium"  # noqa: S105


@pytest.fixture
def page(browser, live_server):
    app = live_server["app"]
    with app.app_context():
        if db.session.query(User).filter_by(username="forms").first() is None:
            unit = db.session.query(Unit).filter_by(code="W1").one()
            db.session.add(User(username="forms", role=Role.ADMIN, unit=unit,
                                password_hash=generate_password_hash(PASSWORD)))
            db.session.commit()
    context = browser.new_context(viewport={"width": 360, "height": 740},
                                  device_scale_factor=2, accept_downloads=True)
    page = context.new_page()
    page.goto(f"{live_server['base']}/admin/login")
    page.get_by_label("Tên đăng nhập").fill("forms")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    yield page
    context.close()


def fits(page):
    return page.evaluate("document.documentElement.scrollWidth") <= 360


def test_download_and_upload_a_questionnaire_on_a_phone(page, tmp_path):
    page.get_by_role("link", name="Bảng hỏi").click()
    expect(page.get_by_role("heading", name="Bảng hỏi", exact=True)).to_be_visible()
    assert fits(page)
    assert [v for v in Axe().run(page).response["violations"]
            if v["impact"] in ("serious", "critical")] == []
    section = page.locator("section", has=page.get_by_role("heading", name="sipas-counter"))
    with page.expect_download() as download:
        section.get_by_role("link", name="XLSForm").first.click()
    assert download.value.suggested_filename == f"sipas-counter-v{V}.xlsx"
    with open(download.value.path(), "rb") as f:
        exported = f.read()

    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(with_cells(exported, "survey", {"A4": "integer"}))
    page.get_by_label("Tệp XLSForm (.xlsx)").set_input_files(str(bad))
    page.get_by_role("button", name="Tải lên").click()
    expect(page.get_by_role("alert")).to_contain_text("Trang survey, hàng 4, cột type")
    assert fits(page)

    good = tmp_path / "v2.xlsx"
    good.write_bytes(with_cells(exported, "settings", {"D2": V + 1}))
    page.get_by_label("Tệp XLSForm (.xlsx)").set_input_files(str(good))
    page.get_by_role("button", name="Tải lên").click()
    expect(page.get_by_text(f"Đã lưu sipas-counter phiên bản {V + 1}")).to_be_visible()
    expect(section.get_by_role("link", name="XLSForm")).to_have_count(2)
