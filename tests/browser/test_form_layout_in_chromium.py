"""Every shipped form on a small phone: no sideways scroll, every face tappable and readable;
and the form with cookies blocked, a language switch and the Back button."""
import json
import re

import pytest
import sqlalchemy as sa

import instruments
from survey_app.extensions import db
from survey_app.models import Response
from survey_app.services import org
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, live_app, serve

pytestmark = pytest.mark.browser
SHIPPED = sorted(instruments.bundled())
THANKS = re.compile(r".*/thanks(\?.*)?$")


@pytest.fixture(scope="module")
def every_form(tmp_path_factory):
    """A live server with one service point per shipped instrument."""
    app = live_app(tmp_path_factory, "layout")
    with app.app_context():
        unit = org.create_unit("W9", "Phường Chín", "ward")
        tokens = {}
        for number, ident in enumerate(SHIPPED):
            point = org.create_service_point(unit, f"Q{number}", "Quầy một cửa", "land", ident)
            db.session.flush()
            tokens[ident] = point.current_token.token
        db.session.commit()
    server, thread, base = serve(app)
    yield {"app": app, "base": base, "tokens": tokens}
    server.shutdown()
    thread.join(timeout=5)


def phone(browser, width, **extra):
    return browser.new_context(viewport={"width": width, "height": 740}, device_scale_factor=2,
                               is_mobile=True, has_touch=True, **extra)


# For each face: bring it into view and ask which element a tap at its centre would hit.
FACES_HIT_THEMSELVES = """() => {
  const missed = [];
  for (const label of document.querySelectorAll('.faces label')) {
    label.scrollIntoView({block: 'center'});
    const r = label.getBoundingClientRect();
    const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    if (!hit || hit.closest('label') !== label) missed.push(label.htmlFor);
  }
  return missed;
}"""


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("width", [320, 360])
@pytest.mark.parametrize("ident", SHIPPED)
def test_every_form_fits_a_small_phone_and_every_face_can_be_tapped(
        browser, every_form, ident, width, lang):
    context = phone(browser, width)
    page = context.new_page()
    page.goto(f"{every_form['base']}/s/{every_form['tokens'][ident]}?lang={lang}")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.evaluate(FACES_HIT_THEMSELVES) == []
    first = next(item.code for item in instruments.get(ident).items if item.type == "likert5")
    for value in ("5", "1", "3"):  # real taps, "Very satisfied" first
        page.locator(f'label[for="{first}-{value}"]').tap()
        assert page.locator(f"#{first}-{value}").is_checked()
    context.close()


CAPTIONS = """() => [...document.querySelectorAll('.faces label span')].slice(0, 5).map(span => {
  const style = getComputedStyle(span);
  return {text: span.textContent, size: parseFloat(style.fontSize),
          lines: Math.round(span.getBoundingClientRect().height / parseFloat(style.lineHeight))};
})"""


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("width", [320, 360, 1280])
def test_face_captions_are_large_and_at_most_two_lines(browser, every_form, width, lang):
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    page.goto(f"{every_form['base']}/s/{every_form['tokens']['sipas-counter']}?lang={lang}")
    captions = page.evaluate(CAPTIONS)
    assert len(captions) == 5
    for caption in captions:
        assert caption["size"] >= 16, caption
        assert 1 <= caption["lines"] <= 2, caption
    context.close()


def stored(every_form):
    with every_form["app"].app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Response))


def answer_counter_form(page):
    for code in ("access", "procedures", "staff", "results", "overall"):
        page.locator(f'label[for="{code}-4"]').tap()
    page.locator('label[for="feedback-na"]').tap()
    page.locator('label[for="trips-1"]').tap()


@pytest.fixture
def cookies_blocked(browser, tmp_path):
    """A Chromium profile that refuses every cookie, as a citizen's browser may."""
    profile = tmp_path / "profile"
    (profile / "Default").mkdir(parents=True)
    (profile / "Default" / "Preferences").write_text(json.dumps(
        {"profile": {"default_content_setting_values": {"cookies": 2}}}))
    context = browser.browser_type.launch_persistent_context(
        str(profile), executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
        viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True,
        java_script_enabled=False)
    yield context
    context.close()


def test_a_citizen_with_cookies_blocked_switches_language_and_sends(cookies_blocked, every_form):
    page = cookies_blocked.new_page()
    page.goto(f"{every_form['base']}/s/{every_form['tokens']['sipas-counter']}")
    before = stored(every_form)
    answer_counter_form(page)
    page.locator("textarea").fill("Cán bộ nhiệt tình")
    with page.expect_navigation():
        page.get_by_role("button", name="English").tap()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("#access-4").is_checked() and page.locator("#trips-1").is_checked()
    assert page.locator("textarea").input_value() == "Cán bộ nhiệt tình"
    page.get_by_role("button", name="Send").tap()
    page.wait_for_url(THANKS)
    assert "Thank you" in page.locator("h1").inner_text()
    assert stored(every_form) == before + 1
    assert cookies_blocked.cookies() == []  # the browser really kept none


def test_back_after_the_thank_you_page_shows_the_form_as_sent(cookies_blocked, every_form):
    page = cookies_blocked.new_page()
    page.goto(f"{every_form['base']}/s/{every_form['tokens']['sipas-counter']}")
    before = stored(every_form)
    answer_counter_form(page)
    page.get_by_role("button", name="Gửi").tap()
    page.wait_for_url(THANKS)
    page.go_back()
    assert "đã được gửi" in page.locator("h1").inner_text()
    assert page.locator('input[name="client_uuid"]').count() == 0
    with page.expect_navigation():
        page.get_by_role("link", name="Đánh giá cho một lần khác").tap()
    assert page.locator('input[name="client_uuid"]').count() == 1  # a new form on request
    assert stored(every_form) == before + 1


def test_a_form_with_errors_opens_at_the_list_of_questions_to_fix(browser, every_form):
    context = phone(browser, 360, java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{every_form['base']}/s/{every_form['tokens']['sipas-2023']}")
    page.locator('label[for="pa1-4"]').tap()
    with page.expect_navigation():
        page.get_by_role("button", name="Gửi").tap()
    problems = page.locator("#problems")
    top = problems.bounding_box()["y"]
    assert 0 < top < 100 and page.evaluate("window.scrollY") > 0  # jumped there, no script
    with page.expect_navigation():
        problems.get_by_role("link").first.tap()  # the first unanswered question: pa2
    assert page.url.endswith("#q-pa2")
    assert 0 < page.locator("#q-pa2").bounding_box()["y"] < 100
    assert page.locator("#pa1-4").is_checked()
    context.close()
