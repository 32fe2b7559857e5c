"""The citizen's way through the form: language, cookies, Back, errors, kiosk, limits."""
import re

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Response
from survey_app.services import qr
from tests.conftest import csrf_from, uuid_from
from tests.public.helpers import ANSWERS, counts, form_post


def qr_url(point):
    return f"/s/{point.current_token.token}"


def kiosk_url(point):
    return f"/k/{point.current_token.token}"


def attribute(html, pattern):
    return re.search(pattern, html).group(1).replace("&amp;", "&")


def test_the_qr_and_kiosk_forms_of_a_point_share_one_budget(ctx, client, make_service_point):
    ctx.config["SUBMIT_RATE_LIMIT"] = "2 per hour"
    point, other = make_service_point(), make_service_point()
    try:
        assert form_post(client, qr_url(point))[0].status_code == 302
        assert form_post(client, kiosk_url(point))[0].status_code == 302
        assert form_post(client, kiosk_url(point))[0].status_code == 429
        assert form_post(client, qr_url(point))[0].status_code == 429
        assert form_post(client, qr_url(other))[0].status_code == 302  # its own budget
    finally:
        ctx.config["SUBMIT_RATE_LIMIT"] = "20 per hour"
    assert counts()[0] == 3


def test_switching_language_keeps_every_answer_without_javascript(client, make_service_point):
    point = make_service_point()
    html = client.get(qr_url(point), follow_redirects=True).data.decode()
    # the switch is a submit button of the form, posting to the same form in English
    button = re.search(r'<button[^>]*name="switch_lang"[^>]*>', html).group(0)
    assert 'form="survey"' in button and 'type="submit"' in button
    switch_to = attribute(button, r'formaction="([^"]+)"')
    assert "lang=en" in switch_to
    data = {"csrf_token": csrf_from(html), "client_uuid": uuid_from(html), "access": "5",
            "staff": "2", "comment": "Cán bộ nhiệt tình", "sex": "female", "switch_lang": "en"}
    switched = client.post(switch_to, data=data)
    english = switched.data.decode()
    assert switched.status_code == 200 and '<html lang="en">' in english
    assert 'id="access-5" name="access" value="5" checked' in english
    assert 'id="staff-2" name="staff" value="2" checked' in english
    assert "Cán bộ nhiệt tình" in english and 'value="female" checked' in english
    assert uuid_from(english) == data["client_uuid"]
    assert "Please choose an answer" not in english and counts() == (0, 0)
    # sending from the English page stores the answers in English
    rest = {k: v for k, v in ANSWERS.items() if k not in ("access", "staff")}
    data.pop("switch_lang")
    sent = client.post(attribute(english, r'<form id="survey"[^>]*action="([^"#]+)'),
                       data={**data, **rest, "csrf_token": csrf_from(english)})
    assert sent.status_code == 302 and "lang=en" in sent.location
    assert db.session.scalar(sa.select(Response.locale)) == "en"


def test_the_form_is_sent_with_cookies_blocked(ctx, make_service_point):
    point = make_service_point()
    no_cookies = ctx.test_client(use_cookies=False)
    response, _ = form_post(no_cookies, qr_url(point), comment="Không có cookie")
    assert response.status_code == 302, response.data.decode()[:500]
    assert counts() == (1, 8)
    english, _ = form_post(no_cookies, qr_url(point) + "?lang=en")
    thanks = no_cookies.get(english.location)
    assert '<html lang="en">' in thanks.data.decode()  # the language travels in the URL


def test_the_form_token_is_signed_for_its_own_form_and_point(ctx, client, make_service_point):
    point, other = make_service_point(), make_service_point()
    page_a = client.get(qr_url(point), follow_redirects=True).data
    page_b = client.get(qr_url(point), follow_redirects=True).data
    page_other = client.get(qr_url(other), follow_redirects=True).data
    for token in (csrf_from(page_b), csrf_from(page_other), "forged"):
        refused, _ = form_post(client, qr_url(point), page=page_a, csrf_token=token)
        assert refused.status_code == 400
        assert "Câu trả lời của Ông/Bà vẫn được giữ" in refused.data.decode()
    ctx.config["WTF_CSRF_TIME_LIMIT"] = -1  # every token has expired
    try:
        expired, _ = form_post(client, qr_url(point), page=page_a)
    finally:
        ctx.config["WTF_CSRF_TIME_LIMIT"] = 24 * 3600
    assert expired.status_code == 400 and counts() == (0, 0)
    assert form_post(client, qr_url(point), page=expired.data)[0].status_code == 302


def test_staff_forms_keep_the_session_token(client, make_user):
    user = make_user()
    refused = client.post("/admin/login", data={"username": user.username, "password": "x"})
    assert refused.status_code == 400


def test_back_after_thank_you_shows_the_form_as_sent_not_a_fresh_one(client, make_service_point):
    point = make_service_point()
    opened = client.get(qr_url(point))
    assert opened.status_code == 302 and "f=" in opened.location  # the form's own URL
    form_url = opened.location
    page = client.get(form_url)
    assert page.headers["Cache-Control"] == "no-store"
    assert uuid_from(client.get(form_url).data) == uuid_from(page.data)  # same form again
    assert uuid_from(page.data) not in form_url  # the UUID is not in URLs (nor access logs)
    sent, _ = form_post(client, form_url, page=page.data)
    assert sent.status_code == 302
    back = client.get(form_url)
    html = back.data.decode()
    assert back.status_code == 200 and "đã được gửi" in html
    assert 'name="client_uuid"' not in html and "/s/" in attribute(html, r'class="button" href="([^"]+)"')
    # Back to a page that was a post (a language switch, a page with errors) and "resubmit"
    for repost in ({"switch_lang": "en"}, {"access": ""}):
        again = client.post(form_url, data={"csrf_token": csrf_from(page.data),
                                             "client_uuid": uuid_from(page.data), **repost})
        assert again.status_code == 200 and "đã được gửi" in again.data.decode()
    assert counts() == (1, 8)


def test_errors_are_listed_on_top_with_links_and_the_page_jumps_there(client, make_service_point):
    point = make_service_point()
    page = client.get(qr_url(point), follow_redirects=True).data.decode()
    assert attribute(page, r'<form id="survey"[^>]*action="([^"]+)"').endswith("#problems")
    response, _ = form_post(client, qr_url(point), answers=dict(ANSWERS, access="", trips="x"),
                            age_band="200")
    html = response.data.decode()
    assert response.status_code == 400
    assert "Còn câu chưa trả lời" in html and "trả lời lại" not in html
    summary = html[html.index('id="problems"'):html.index("</div>", html.index('id="problems"'))]
    assert re.findall(r'href="#(q-[a-z_]+)"', summary) == ["q-access", "q-trips", "q-age_band"]
    for anchor in ("q-access", "q-trips", "q-age_band"):
        assert f'id="{anchor}"' in html
    assert "<details open>" in html  # the "about you" part holds an error: it is open


def test_the_about_you_part_opens_when_it_holds_an_answer(client, make_service_point):
    point = make_service_point()
    response, _ = form_post(client, qr_url(point), answers=dict(ANSWERS, access=""), sex="male")
    assert response.status_code == 400 and "<details open>" in response.data.decode()
    closed, _ = form_post(client, qr_url(point), answers=dict(ANSWERS, access=""))
    assert "<details>" in closed.data.decode()


def test_the_time_promised_follows_the_number_of_questions(client, make_service_point):
    short, long = make_service_point(), make_service_point(instrument="sipas-2023")
    assert "khoảng 1 phút" in client.get(qr_url(short), follow_redirects=True).data.decode()
    assert "khoảng 5 phút" in client.get(qr_url(long), follow_redirects=True).data.decode()
    english = client.get(qr_url(long) + "?lang=en", follow_redirects=True).data.decode()
    assert "about 5 minutes" in english
    assert qr.poster_for(short).minutes == 1 and qr.poster_for(long).minutes == 5
    assert qr.poster_wording(5) == (
        "Phiếu không ghi tên, chỉ mất khoảng 5 phút.",
        "Scan to tell us how satisfied you are (about 5 minutes, anonymous).")


def test_the_kiosk_thanks_in_the_citizens_language_then_returns_to_vietnamese(
        client, make_service_point):
    point = make_service_point()
    sent, _ = form_post(client, kiosk_url(point) + "?lang=en")
    thanks = client.get(sent.location).data.decode()
    assert '<html lang="en">' in thanks and "Thank you" in thanks
    next_person = attribute(thanks, r'http-equiv="refresh" content="\d+;url=([^"]+)"')
    assert "lang=vi" in next_person
    fresh = client.get(next_person, follow_redirects=True).data.decode()
    assert '<html lang="vi">' in fresh and " checked" not in fresh


def test_a_half_filled_kiosk_form_resets_itself(ctx, client, make_service_point):
    point, long = make_service_point(), make_service_point(instrument="sipas-2023")
    kiosk = client.get(kiosk_url(point) + "?lang=en", follow_redirects=True).data.decode()
    refresh = attribute(kiosk, r'<meta http-equiv="refresh" content="([^"]+)"')
    assert refresh == f"300;url={kiosk_url(point)}?lang=vi"
    # the error page of a half-filled form resets too
    half, _ = form_post(client, kiosk_url(point), answers={"access": "5"}, comment="riêng tư")
    assert 'http-equiv="refresh" content="300;' in half.data.decode()
    ctx.config["KIOSK_RESET_MINUTES"] = 3
    try:
        # never shorter than twice the questionnaire's time (2 x 5 minutes)
        page = client.get(kiosk_url(long), follow_redirects=True).data.decode()
        assert 'http-equiv="refresh" content="600;' in page
        page = client.get(kiosk_url(point), follow_redirects=True).data.decode()
        assert 'http-equiv="refresh" content="180;' in page
    finally:
        ctx.config["KIOSK_RESET_MINUTES"] = 5
    # the QR form on a citizen's own phone never resets
    assert "refresh" not in client.get(qr_url(point), follow_redirects=True).data.decode()


def test_the_kiosk_link_is_on_the_console_and_in_the_demo_output(client, runner, make_user,
                                                                  login, make_service_point):
    from survey_app.cli import main

    point = make_service_point()
    login(make_user(unit=point.unit))
    page = client.get(f"/admin/service-points/{point.id}").data.decode()
    assert f"http://survey.test/k/{point.current_token.token}" in page
    demo = runner.invoke(main, ["demo", "--responses", "0"])
    assert demo.exit_code == 0, demo.output
    kiosk_links = re.findall(r"kiosk: http://survey\.test/k/[\w-]+", demo.output)
    assert len(kiosk_links) == demo.output.count("http://survey.test/s/") > 0


def test_every_form_stays_small_blank_and_with_every_error(client, make_service_point):
    import instruments

    for ident in instruments.bundled():
        point = make_service_point(instrument=ident)
        for lang in ("vi", "en"):
            blank = client.get(qr_url(point) + f"?lang={lang}", follow_redirects=True)
            assert len(blank.data) < 60 * 1024, (ident, lang, len(blank.data))
            errors, _ = form_post(client, qr_url(point) + f"?lang={lang}", answers={})
            assert errors.status_code == 400
            assert len(errors.data) < 60 * 1024, (ident, lang, len(errors.data))
            assert "<script" not in errors.data.decode()
