"""Comments a moderator publishes appear on the unit's public page and widget, and only those."""
import uuid
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Comment, CommentStatus, Response, Role
from survey_app.services.feedback import PUBLIC_COMMENTS
from tests.conftest import csrf_from
from tests.public.helpers import form_post


@pytest.fixture
def ward(client, make_unit, make_service_point):
    province = make_unit(code="PROV", kind="province")
    ward = make_unit(code="W1", name_vi="Phường Một", kind="ward", parent=province)
    point = make_service_point(unit=ward)
    texts = ["Cán bộ nhiệt tình, gọi tôi 0912345678 nếu cần",
             "<script>alert(1)</script> chờ lâu",
             "Ý kiến chưa duyệt",
             "Ý kiến bị ẩn"]
    for text in texts:
        form_post(client, f"/s/{point.current_token.token}", comment=text)
    return {"province": province, "ward": ward, "point": point}


def comment_with(text):
    return db.session.scalar(sa.select(Comment).where(Comment.text.contains(text)))


def test_publishing_shows_the_comment_on_the_public_page_and_widget(
        client, login, make_user, ward):
    login(make_user(role=Role.UNIT_MANAGER, unit=ward["ward"]))
    token = csrf_from(client.get("/admin/comments").data)
    kind, script, unread, hidden = (comment_with(t) for t in
                                    ("nhiệt tình", "<script>", "chưa duyệt", "bị ẩn"))
    before = client.get("/p/W1").data.decode()
    assert "nhiệt tình" not in before
    for comment, action in ((kind, "mask"), (kind, "publish"), (script, "publish"),
                            (hidden, "publish"), (hidden, "hide")):
        assert client.post(f"/admin/comments/{comment.id}/{action}",
                           data={"csrf_token": token}).status_code == 302
    for url in ("/p/W1", "/p/W1/widget", "/p/PROV"):  # the province page shows its wards'
        html = client.get(url).data.decode()
        assert "Cán bộ nhiệt tình, gọi tôi [số điện thoại] nếu cần" in html, url
        assert "0912345678" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt; chờ lâu" in html and "<script>" not in html
        assert "chưa duyệt" not in html and "bị ẩn" not in html
    english = client.get("/p/W1?lang=en").data.decode()
    assert "What citizens said" in english and "nhiệt tình" in english  # their own words
    data = client.get("/p/W1.json").get_json()
    assert [c["text"] for c in data["comments"]] == [
        "<script>alert(1)</script> chờ lâu", "Cán bộ nhiệt tình, gọi tôi [số điện thoại] nếu cần"]


def test_personal_data_never_reaches_the_public_page(client, login, make_user, ward):
    """Published without "remove personal data": the page still masks what the console masked."""
    login(make_user(role=Role.UNIT_MANAGER, unit=ward["ward"]))
    token = csrf_from(client.get("/admin/comments").data)
    client.post(f"/admin/comments/{comment_with('nhiệt tình').id}/publish",
                data={"csrf_token": token})
    html = client.get("/p/W1").data.decode()
    assert "[số điện thoại]" in html and "0912345678" not in html


def test_newest_first_and_bounded(client, ward):
    response = db.session.scalar(sa.select(Response).limit(1))
    base = datetime(2026, 1, 1)
    template = {c.name: getattr(response, c.name) for c in Response.__table__.columns
                if c.name not in ("id", "client_uuid")}
    for i in range(PUBLIC_COMMENTS + 5):
        extra = Response(**{**template, "client_uuid": uuid.uuid4(),
                            "submitted_at": base + timedelta(days=i)})
        extra.comment = Comment(text=f"Ý kiến số {i:02d}", status=CommentStatus.PUBLISHED)
        db.session.add(extra)
    db.session.commit()
    html = client.get("/p/W1?period=2026").data.decode()
    shown = [i for i in range(PUBLIC_COMMENTS + 5) if f"Ý kiến số {i:02d}" in html]
    assert shown == list(range(5, PUBLIC_COMMENTS + 5))
    newest, oldest = html.index(f"Ý kiến số {PUBLIC_COMMENTS + 4:02d}"), html.index("Ý kiến số 05")
    assert newest < oldest
    widget = client.get("/p/W1/widget?period=2026").data.decode()
    assert widget.count("Ý kiến số") < PUBLIC_COMMENTS
