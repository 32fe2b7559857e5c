import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Channel, Comment, Response
from survey_app.services import org, packing
from tests.public.helpers import ANSWERS, counts, form_post


def url_of(point):
    return f"/s/{point.current_token.token}"


def test_the_form_is_vietnamese_small_and_accessible(client, make_service_point):
    point = make_service_point(name_vi="Quầy chứng thực")
    page = client.get(url_of(point), follow_redirects=True)
    html = page.data.decode()
    assert page.status_code == 200
    assert '<html lang="vi">' in html
    assert "Rất hài lòng" in html and "Không áp dụng" in html and "Gửi" in html
    assert "Quầy chứng thực" in html
    assert html.count("<fieldset") >= 8 and html.count("<legend>") == html.count("<fieldset")
    assert len(page.data) < 60 * 1024
    assert "<script" not in html  # works with JavaScript off: nothing depends on it


def test_english_on_request(client, make_service_point):
    point = make_service_point()
    html = client.get(url_of(point) + "?lang=en", follow_redirects=True).data.decode()
    assert '<html lang="en">' in html and "Very satisfied" in html and "Not applicable" in html


def test_a_valid_submission_is_stored_once_with_its_answers(client, make_service_point):
    point = make_service_point()
    response, data = form_post(client, url_of(point), comment="Cán bộ nhiệt tình")
    assert response.status_code == 302 and response.location.endswith("/thanks?lang=vi")
    stored = db.session.scalar(sa.select(Response))
    assert str(stored.client_uuid) == data["client_uuid"]
    assert stored.channel == Channel.QR and stored.verified is False
    assert stored.unit_id == point.unit_id and stored.stratum == "certification"
    values = packing.values_of(stored)
    assert values["access"] == 5 and values["feedback"] is None and values["trips"] == 1
    assert "comment" not in values
    assert db.session.scalar(sa.select(Comment.text)) == "Cán bộ nhiệt tình"
    thanks = client.get(response.location)
    assert "Cảm ơn" in thanks.data.decode()


def test_a_double_tap_or_resubmission_stores_one_response(client, make_service_point):
    point = make_service_point()
    first, data = form_post(client, url_of(point))
    again = client.post(url_of(point), data=data)
    assert first.status_code == again.status_code == 302
    assert counts() == (1, 8)


def test_missing_answers_are_named_in_vietnamese_and_kept(client, make_service_point):
    point = make_service_point()
    answers = dict(ANSWERS, access="", trips="")
    response, _ = form_post(client, url_of(point), answers=answers)
    html = response.data.decode()
    assert response.status_code == 400
    assert html.count("Xin vui lòng chọn một câu trả lời.") == 2
    assert 'value="4" checked' in html  # what was answered is still ticked
    assert counts() == (0, 0)


def test_out_of_range_unknown_and_wrong_na_values_are_refused(client, make_service_point):
    point = make_service_point()
    for bad in ({"access": "7"}, {"staff": "na"}, {"trips": "x"}):
        response, _ = form_post(client, url_of(point), answers=dict(ANSWERS, **bad))
        assert response.status_code == 400, bad
    assert counts() == (0, 0)


def test_an_oversized_comment_is_refused_with_its_limit(client, make_service_point):
    point = make_service_point()
    response, _ = form_post(client, url_of(point), comment="ý" * 1001)
    assert response.status_code == 400
    assert "1000" in response.data.decode()
    assert counts() == (0, 0)


def test_a_malformed_uuid_is_refused(client, make_service_point):
    point = make_service_point()
    response, _ = form_post(client, url_of(point), client_uuid="not-a-uuid")
    assert response.status_code == 400
    assert "tải lại trang" in response.data.decode()
    assert counts() == (0, 0)


def test_an_expired_csrf_token_keeps_the_answers(client, make_service_point):
    point = make_service_point()
    response, data = form_post(client, url_of(point), csrf_token="stale")
    html = response.data.decode()
    assert response.status_code == 400
    assert "Câu trả lời của Ông/Bà vẫn được giữ" in html
    assert f'value="{data["client_uuid"]}"' in html and 'value="5" checked' in html
    assert counts() == (0, 0)
    # pressing Send again on the re-rendered page stores it
    retry, _ = form_post(client, url_of(point), page=response.data)
    assert retry.status_code == 302 and counts() == (1, 8)


def test_unknown_revoked_and_rotated_tokens_get_friendly_pages(client, make_service_point):
    point = make_service_point()
    old = point.current_token.token
    assert client.get("/s/doesnotexist").status_code == 404
    org.rotate_token(point)
    db.session.commit()
    page = client.get(f"/s/{old}")
    assert page.status_code == 410 and "không còn sử dụng" in page.data.decode()
    assert client.post(f"/s/{old}", data=ANSWERS).status_code == 410
    assert client.get(url_of(point), follow_redirects=True).status_code == 200
    org.revoke_token(point)
    db.session.commit()
    assert client.get(f"/s/{point.qr_tokens[-1].token}").status_code == 410
    assert counts() == (0, 0)


def test_the_kiosk_resets_after_each_citizen(client, make_service_point):
    point = make_service_point()
    url = f"/k/{point.current_token.token}"
    first = client.get(url + "?lang=en", follow_redirects=True)
    response, data = form_post(client, url, page=first.data)
    assert response.status_code == 302
    thanks = client.get(response.location)
    assert 'http-equiv="refresh"' in thanks.data.decode()
    following = client.get(url, follow_redirects=True)
    html = following.data.decode()
    assert '<html lang="vi">' in html  # the next citizen starts in Vietnamese
    assert data["client_uuid"] not in html and " checked" not in html
    assert db.session.scalar(sa.select(Response.channel)) == Channel.KIOSK


def test_too_many_submissions_from_one_client_get_a_friendly_429(ctx, client, make_service_point):
    ctx.config["SUBMIT_RATE_LIMIT"] = "2 per hour"
    point = make_service_point()
    try:
        assert form_post(client, url_of(point))[0].status_code == 302
        assert form_post(client, url_of(point))[0].status_code == 302
        third = form_post(client, url_of(point))[0]
    finally:
        ctx.config["SUBMIT_RATE_LIMIT"] = "20 per hour"
    assert third.status_code == 429
    assert "thử lại sau" in third.data.decode()
    assert counts()[0] == 2


def test_invalid_posts_do_not_count_against_the_rate_limit(ctx, client, make_service_point):
    ctx.config["SUBMIT_RATE_LIMIT"] = "1 per hour"
    point = make_service_point()
    try:
        for _ in range(3):
            assert form_post(client, url_of(point), answers={})[0].status_code == 400
        assert form_post(client, url_of(point))[0].status_code == 302
    finally:
        ctx.config["SUBMIT_RATE_LIMIT"] = "20 per hour"


def test_every_instrument_renders_and_accepts_a_full_answer(client, make_service_point):
    import instruments

    for ident, inst in instruments.bundled().items():
        point = make_service_point(instrument=ident)
        answers = {}
        for item in inst.items:
            if item.type == "likert5":
                answers[item.code] = "4"
            elif item.type in ("choice", "yesno"):
                answers[item.code] = str(item.options[0].value)
        response, _ = form_post(client, url_of(point), answers=answers)
        assert response.status_code == 302, (ident, response.data.decode()[:2000])


def test_racing_duplicates_store_exactly_one_response(ctx, make_service_point):
    """Eight clients post the same answers (same UUID) at once: one row, eight thank-yous."""
    import threading

    from tests.conftest import csrf_from, uuid_from

    point = make_service_point()
    url = url_of(point)
    clients = [ctx.test_client() for _ in range(8)]
    pages = [c.get(url, follow_redirects=True).data for c in clients]
    # one form sent eight times at once (its token is signed for its own UUID)
    shared = {"csrf_token": csrf_from(pages[0]), "client_uuid": uuid_from(pages[0])}
    barrier = threading.Barrier(len(clients))
    statuses = []

    def post(client, page):
        data = {**ANSWERS, **shared}
        with ctx.app_context():
            barrier.wait()
            statuses.append(client.post(url, data=data).status_code)

    threads = [threading.Thread(target=post, args=pair) for pair in zip(clients, pages, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [302] * 8
    assert counts() == (1, 8)


def test_control_characters_are_dropped_from_the_comment_and_the_answers_kept(
        client, make_service_point):
    point = make_service_point()
    response, _ = form_post(client, url_of(point), comment="Tốt\x00 lắm\x07\r\nCảm ơn\x1b")
    assert response.status_code == 302
    assert db.session.scalar(sa.select(Comment.text)) == "Tốt lắm\r\nCảm ơn"
    assert counts() == (1, 8)


@pytest.mark.parametrize("name", [*ANSWERS, "comment", "respondent_type", "sex", "age_band",
                                  "client_uuid", "csrf_token", "lang"])
def test_a_nul_byte_in_any_field_never_gives_a_500(client, make_service_point, name):
    point = make_service_point()
    response, _ = form_post(client, url_of(point), **{name: "1\x00"})
    assert response.status_code in (302, 400), response.status_code
    assert counts()[0] == (1 if response.status_code == 302 else 0)


def test_a_nul_byte_in_the_link_never_gives_a_500(client, make_service_point):
    make_service_point()
    for url in ("/s/ab%00cd", "/k/ab%00cd", "/i/ab%00cd", "/s/ab%00cd/thanks"):
        assert client.get(url).status_code == 404, url
        assert client.post(url, data=ANSWERS).status_code in (404, 405), url


def test_the_sensitive_question_may_be_skipped_or_declined(client, make_service_point):
    point = make_service_point()
    html = client.get(url_of(point), follow_redirects=True).data.decode()
    assert "Không muốn trả lời" in html
    skipped = {k: v for k, v in ANSWERS.items() if k != "extra_request"}
    assert form_post(client, url_of(point), answers=skipped)[0].status_code == 302
    declined = dict(ANSWERS, extra_request="decline")
    assert form_post(client, url_of(point), answers=declined)[0].status_code == 302
    assert counts() == (2, 14)  # 7 answers each, none for the declined question
    refused = dict(ANSWERS, access="decline")  # only sensitive questions offer it
    assert form_post(client, url_of(point), answers=refused)[0].status_code == 400
