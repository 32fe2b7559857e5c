"""Feedback cases: answers in words, owners who can act on the case, deadlines not in the past."""
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Comment, FeedbackCase, Role
from tests.conftest import csrf_from
from tests.public.helpers import ANSWERS, form_post

TODAY = date(2026, 3, 10)


@pytest.fixture
def fixed_today(ctx, monkeypatch):
    monkeypatch.setitem(ctx.config, "TODAY", TODAY)
    return TODAY


@pytest.fixture
def case_setup(client, login, make_user, make_unit, make_service_point, fixed_today):
    """A ward under a province, a case opened by the ward's manager on a negative answer."""
    province = make_unit(code="PROV", kind="province")
    ward = make_unit(code="W", kind="ward", parent=province)
    neighbour = make_unit(code="N", kind="ward", parent=province)
    point = make_service_point(unit=ward)
    form_post(client, f"/s/{point.current_token.token}",
              answers=dict(ANSWERS, access="1", extra_request="1"), comment="Chờ lâu")
    manager = make_user(username="manager", role=Role.UNIT_MANAGER, unit=ward)
    login(manager)
    page = client.get("/admin/comments")
    comment = db.session.scalar(sa.select(Comment))
    client.post(f"/admin/responses/{comment.response_id}/case",
                data={"csrf_token": csrf_from(page.data)})
    case = db.session.scalar(sa.select(FeedbackCase))
    return {"case": case, "manager": manager, "ward": ward, "province": province,
            "neighbour": neighbour}


def test_a_new_case_is_due_two_weeks_from_the_fixed_today(case_setup):
    assert case_setup["case"].deadline == TODAY + timedelta(days=14)


def test_the_case_shows_answers_in_words_in_the_readers_language(client, case_setup):
    url = f"/admin/cases/{case_setup['case'].id}"
    html = client.get(url).data.decode()
    assert "access=1" not in html and "extra_request=1" not in html
    assert "Nơi tiếp nhận hồ sơ (chỗ ngồi chờ, chỉ dẫn, thiết bị) thuận tiện" in html
    assert '<dd class="error">Rất không hài lòng</dd>' in html  # access = 1, marked
    assert "Không áp dụng" in html               # feedback: not applicable
    assert "Có ai yêu cầu Ông/Bà nộp thêm giấy tờ" in html
    assert "1 lần" in html                       # trips = 1
    english = client.get(url + "?lang=en").data.decode()
    assert "The service point (waiting area, signs, equipment) was convenient" in english
    assert "Very dissatisfied" in english and "Not applicable" in english
    assert "Did anyone ask you for documents or money beyond the rules?" in english
    assert "Rất không hài lòng" not in english


def test_only_staff_who_can_edit_the_case_are_offered_as_owner(client, make_user, case_setup):
    case = case_setup["case"]
    officer = make_user(username="officer", role=Role.COUNTER_OFFICER, unit=case_setup["ward"])
    boss = make_user(username="boss", role=Role.UNIT_MANAGER, unit=case_setup["province"])
    viewer = make_user(username="viewer", role=Role.VIEWER, unit=case_setup["ward"])
    analyst = make_user(username="analyst", role=Role.ANALYST, unit=case_setup["province"])
    stranger = make_user(username="stranger", role=Role.COUNTER_OFFICER,
                         unit=case_setup["neighbour"])
    gone = make_user(username="gone", role=Role.COUNTER_OFFICER, unit=case_setup["ward"])
    gone.active = False
    db.session.commit()
    page = client.get(f"/admin/cases/{case.id}")
    html = page.data.decode()
    for user in (case_setup["manager"], officer, boss):
        assert f'value="{user.id}"' in html, user.username
    for user in (viewer, analyst, stranger, gone):
        assert f'value="{user.id}"' not in html, user.username
    refused = client.post(f"/admin/cases/{case.id}", data={
        "csrf_token": csrf_from(page.data), "status": "in_progress", "owner_id": viewer.id,
        "deadline": TODAY.isoformat()})
    assert refused.status_code == 400
    db.session.refresh(case)
    assert case.owner_id == case_setup["manager"].id
    accepted = client.post(f"/admin/cases/{case.id}", data={
        "csrf_token": csrf_from(page.data), "status": "in_progress", "owner_id": officer.id,
        "deadline": TODAY.isoformat()})
    assert accepted.status_code == 302
    db.session.refresh(case)
    assert case.owner_id == officer.id


def test_a_deadline_before_today_is_refused_with_a_message(client, case_setup):
    case = case_setup["case"]
    page = client.get(f"/admin/cases/{case.id}")
    data = {"csrf_token": csrf_from(page.data), "status": "in_progress",
            "owner_id": case_setup["manager"].id}
    refused = client.post(f"/admin/cases/{case.id}",
                          data={**data, "deadline": (TODAY - timedelta(days=1)).isoformat()})
    assert refused.status_code == 400
    assert "Hạn xử lý không được trước hôm nay (10/03/2026)." in refused.data.decode()
    db.session.refresh(case)
    assert case.deadline == TODAY + timedelta(days=14)
    english = client.post(f"/admin/cases/{case.id}?lang=en",
                          data={**data, "deadline": "2026-01-01"})
    assert "The deadline cannot be before today (10/03/2026)." in english.data.decode()
    assert client.post(f"/admin/cases/{case.id}",
                       data={**data, "deadline": TODAY.isoformat()}).status_code == 302


def test_an_overdue_case_can_be_answered_keeping_its_deadline(client, case_setup):
    case = case_setup["case"]
    case.deadline = TODAY - timedelta(days=3)
    db.session.commit()
    assert case.overdue
    page = client.get(f"/admin/cases/{case.id}")
    reply = client.post(f"/admin/cases/{case.id}", data={
        "csrf_token": csrf_from(page.data), "status": "answered",
        "owner_id": case_setup["manager"].id, "deadline": case.deadline.isoformat(),
        "reply": "Đã xử lý."})
    assert reply.status_code == 302  # the missed deadline stays on record, unchanged
    db.session.refresh(case)
    assert case.deadline == TODAY - timedelta(days=3) and not case.overdue
