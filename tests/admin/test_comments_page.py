"""The comments page: 50 at a time with the status filter kept, small whatever the volume."""
import re
from datetime import datetime

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Comment, CommentStatus, Role
from tests.admin.helpers import add_responses
from tests.conftest import csrf_from


@pytest.fixture
def busy_ward(make_unit, make_service_point):
    ward = make_unit(code="W", kind="ward")
    point = make_service_point(unit=ward)
    add_responses(point, 130, datetime(2026, 1, 1), 60, seed=3, comment_every=1)
    for comment in db.session.scalars(sa.select(Comment).limit(60)):
        comment.status = CommentStatus.HIDDEN
    db.session.commit()
    return ward


def shown(html):
    return re.findall(r"Góp ý \d+", html)


def test_comments_come_fifty_to_a_page_with_the_filter_kept(client, login, make_user,
                                                            busy_ward):
    login(make_user(role=Role.UNIT_MANAGER, unit=busy_ward))
    first = client.get("/admin/comments").data.decode()
    assert len(shown(first)) == 50 and "1/3" in first
    assert 'href="/admin/comments?page=2"' in first
    third = client.get("/admin/comments?page=3").data.decode()
    assert len(shown(third)) == 30
    assert not set(shown(first)) & set(shown(third))
    hidden = client.get("/admin/comments?status=hidden").data.decode()
    assert len(shown(hidden)) == 50 and "1/2" in hidden
    assert 'href="/admin/comments?status=hidden&amp;page=2"' in hidden
    assert len(shown(client.get("/admin/comments?status=hidden&page=2").data.decode())) == 10
    for page in ("0", "-1", "abc", "999"):  # odd pages show the nearest real one, no error
        assert client.get(f"/admin/comments?page={page}").status_code == 200
    assert len(first.encode()) < 120_000


def test_moderating_returns_to_the_same_page_and_filter(client, login, make_user, busy_ward):
    login(make_user(role=Role.UNIT_MANAGER, unit=busy_ward))
    page = client.get("/admin/comments?status=hidden&page=2")
    comment = db.session.scalar(sa.select(Comment).where(Comment.status == CommentStatus.HIDDEN))
    reply = client.post(f"/admin/comments/{comment.id}/publish?status=hidden&page=2",
                        data={"csrf_token": csrf_from(page.data)})
    assert reply.status_code == 302
    assert reply.headers["Location"].endswith("/admin/comments?status=hidden&page=2")


def test_only_dissatisfied_answers_count_as_negative(client, login, make_user, make_unit,
                                                     make_service_point):
    """A "No" to a yes/no question or "2 trips" is stored as 0 or 2, not as dissatisfaction."""
    from survey_app.models import Response
    from tests.public.helpers import ANSWERS, form_post

    ward = make_unit(code="W2", kind="ward")
    point = make_service_point(unit=ward)
    form_post(client, f"/s/{point.current_token.token}",
              answers=dict(ANSWERS, extra_request="0", trips="2"))
    form_post(client, f"/s/{point.current_token.token}", answers=dict(ANSWERS, staff="2"))
    content, unhappy = db.session.scalars(sa.select(Response).order_by(Response.id)).all()
    login(make_user(role=Role.UNIT_MANAGER, unit=ward))
    html = client.get("/admin/comments").data.decode()
    assert f"/admin/responses/{content.id}/case" not in html
    assert f"/admin/responses/{unhappy.id}/case" in html
