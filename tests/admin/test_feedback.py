"""Comments moderation and feedback cases."""
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import AuditLog, CaseStatus, Comment, FeedbackCase, Role
from survey_app.services.feedback import mask_personal
from tests.conftest import csrf_from
from tests.public.helpers import ANSWERS, form_post


@pytest.mark.parametrize(("text", "masked"), [
    ("Gọi tôi 0912 345 678 nhé", "Gọi tôi [số điện thoại] nhé"),
    ("sđt +84912345678", "sđt [số điện thoại]"),
    ("CCCD 001203004567", "CCCD [số giấy tờ]"),
    ("email lan.nguyen@gmail.com", "email [email]"),
    ("Chờ 30 phút, 2 lần", "Chờ 30 phút, 2 lần"),
])
def test_personal_data_is_masked(text, masked):
    assert mask_personal(text) == masked


@pytest.fixture
def commented(client, make_unit, make_service_point):
    ward = make_unit(code="W", kind="ward")
    point = make_service_point(unit=ward)
    form_post(client, f"/s/{point.current_token.token}",
              answers=dict(ANSWERS, staff="1"), comment="Cán bộ thờ ơ, gọi 0912345678")
    return ward


def test_a_manager_moderates_and_opens_a_case(client, login, make_user, commented):
    login(make_user(role=Role.UNIT_MANAGER, unit=commented))
    page = client.get("/admin/comments")
    html = page.data.decode()
    assert "[số điện thoại]" in html and "0912345678" not in html  # masked on screen
    comment = db.session.scalar(sa.select(Comment))
    token = csrf_from(page.data)
    assert client.post(f"/admin/comments/{comment.id}/mask",
                       data={"csrf_token": token}).status_code == 302
    db.session.refresh(comment)
    assert "0912345678" not in comment.text  # removed for good
    client.post(f"/admin/comments/{comment.id}/publish", data={"csrf_token": token})
    db.session.refresh(comment)
    assert comment.status.value == "published"
    negative = client.get("/admin/comments").data.decode()  # listed as negative, in words
    assert "Công chức tiếp nhận lịch sự, hướng dẫn dễ hiểu" in negative
    reply = client.post(f"/admin/responses/{comment.response_id}/case", data={"csrf_token": token})
    case = db.session.scalar(sa.select(FeedbackCase))
    assert reply.status_code == 302 and case.status == CaseStatus.OPEN
    assert "[số điện thoại]" in case.summary
    again = client.post(f"/admin/responses/{comment.response_id}/case", data={"csrf_token": token})
    assert again.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FeedbackCase)) == 1
    actions = set(db.session.scalars(sa.select(AuditLog.action)))
    assert {"comment.mask", "comment.publish", "case.open"} <= actions


def test_cases_are_answered_and_overdue_marked(client, login, make_user, commented):
    user = make_user(role=Role.COUNTER_OFFICER, unit=commented)
    login(user)
    page = client.get("/admin/comments")
    comment = db.session.scalar(sa.select(Comment))
    client.post(f"/admin/responses/{comment.response_id}/case",
                data={"csrf_token": csrf_from(page.data)})
    case = db.session.scalar(sa.select(FeedbackCase))
    case.deadline = date.today() - timedelta(days=1)
    db.session.commit()
    assert "quá hạn" in client.get("/admin/cases").data.decode()
    form = client.get(f"/admin/cases/{case.id}")
    reply = client.post(f"/admin/cases/{case.id}", data={
        "csrf_token": csrf_from(form.data), "status": "answered", "owner_id": user.id,
        "deadline": date.today().isoformat(), "reply": "Đã nhắc nhở cán bộ."})
    assert reply.status_code == 302
    db.session.refresh(case)
    assert case.status == CaseStatus.ANSWERED and case.replied_at is not None
    assert not case.overdue
    bad = client.post(f"/admin/cases/{case.id}", data={
        "csrf_token": csrf_from(form.data), "status": "answered", "owner_id": user.id,
        "deadline": "not a date"})
    assert bad.status_code == 400


def test_viewers_read_but_do_not_moderate(client, login, make_user, commented):
    login(make_user(role=Role.VIEWER, unit=commented))
    page = client.get("/admin/comments")
    assert page.status_code == 200 and "Công khai" not in page.data.decode()
    comment = db.session.scalar(sa.select(Comment))
    token = csrf_from(page.data)
    assert client.post(f"/admin/comments/{comment.id}/hide",
                       data={"csrf_token": token}).status_code == 403
    assert client.post(f"/admin/responses/{comment.response_id}/case",
                       data={"csrf_token": token}).status_code == 403


def test_other_units_comments_are_invisible(client, login, make_user, commented, make_unit):
    login(make_user(role=Role.UNIT_MANAGER, unit=make_unit(code="ELSE")))
    html = client.get("/admin/comments").data.decode()
    assert "thờ ơ" not in html
    comment = db.session.scalar(sa.select(Comment))
    page = client.get("/admin/comments")
    assert client.post(f"/admin/comments/{comment.id}/hide",
                       data={"csrf_token": csrf_from(page.data)}).status_code == 404


def test_only_low_satisfaction_ratings_make_a_response_negative(client, login, make_user,
                                                                 make_unit, make_service_point):
    """A "No" (0) to the yes/no question or "1 trip" to the choice question is not
    dissatisfaction: only a 1-2 on a 5-level satisfaction item is."""
    from survey_app.services.feedback import negative_responses

    ward = make_unit(code="W2", kind="ward")
    url = f"/s/{make_service_point(unit=ward).current_token.token}"
    form_post(client, url, answers=dict(ANSWERS, extra_request="0", trips="1"))
    form_post(client, url, answers=dict(ANSWERS, trips="2"))
    form_post(client, url, answers=dict(ANSWERS, results="2", trips="2"))
    found = negative_responses(ward)
    assert [items for _response, items in found] == [["Kết quả đúng hẹn, chính xác"]]
    login(make_user(role=Role.UNIT_MANAGER, unit=ward))
    html = client.get("/admin/comments").data.decode()
    negative = html.split("<h2>")[-1]
    assert "Kết quả đúng hẹn" in negative and "đi lại" not in negative and "ngoài quy định" not in negative
    assert negative.count("<tr>") == 2  # the header and the one response
