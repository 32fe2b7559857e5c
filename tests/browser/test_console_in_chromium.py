"""Staff journeys in a real Chromium: sign in, dashboard, filter, report, feedback case."""
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from survey_app.services.periods import last_twelve_months

pytestmark = pytest.mark.browser


@pytest.fixture
def page(browser, demo_server):
    context = browser.new_context(viewport={"width": 1200, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.goto(f"{demo_server['base']}/admin/login")
    page.get_by_label("Tên đăng nhập").fill("admin")
    page.get_by_label("Mật khẩu").fill("hailong-demo")
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("heading", name="Đơn vị")).to_be_visible()
    yield page
    context.close()


def serious(results):
    return [(v["id"], v["help"]) for v in results.response["violations"]
            if v["impact"] in ("serious", "critical")]


def test_dashboard_filter_and_report(page, demo_server):
    page.get_by_role("row", name="Thành phố Demo").get_by_role("link", name="Kết quả").click()
    expect(page.get_by_role("heading", name="Kết quả: Thành phố Demo")).to_be_visible()
    expect(page.locator("svg.chart").first).to_be_visible()
    year = str(last_twelve_months().end.year)
    page.get_by_label("Kỳ", exact=True).fill(year)
    page.get_by_label("Phân tích theo").select_option("service_point")
    page.get_by_role("button", name="Xem").click()
    expect(page.get_by_role("heading", name="Theo Quầy/điểm phục vụ", exact=True)).to_be_visible()
    expect(page.get_by_text("So với các kỳ trước")).to_be_visible()
    assert serious(Axe().run(page)) == []
    with page.expect_download() as download:
        page.get_by_role("link", name="PDF").last.click()
    assert download.value.suggested_filename == f"bao-cao-TPD-{year}.pdf"
    with open(download.value.path(), "rb") as f:
        assert f.read(4) == b"%PDF"


def test_open_and_answer_a_feedback_case(page):
    page.get_by_role("link", name="Góp ý").first.click()
    expect(page.get_by_role("heading", name="Góp ý", exact=True)).to_be_visible()
    assert serious(Axe().run(page)) == []
    page.get_by_role("button", name="Mở phản ánh").first.click()
    expect(page.get_by_role("heading", name="Phản ánh #")).to_be_visible()
    page.get_by_label("Trạng thái").select_option("answered")
    page.get_by_label("Trả lời người dân").fill("Đã nhắc nhở cán bộ và bổ sung ghế chờ.")
    page.get_by_role("button", name="Lưu").click()
    expect(page.get_by_text("Đã lưu phản ánh.")).to_be_visible()
    expect(page.get_by_role("cell", name="đã trả lời").first).to_be_visible()
