"""Sign-in answers: a locked account cannot be told from an unknown name or a wrong
password (same status, same message, the same password-hash work)."""
import re

import pytest
import sqlalchemy as sa

from survey_app.admin import views
from survey_app.extensions import db, limiter
from survey_app.models import Role, User
from tests.conftest import PASSWORD

FLASH = re.compile(r'<p class="flash error"[^>]*>(.*?)</p>', re.S)


def flash_of(reply):
    return FLASH.findall(reply.data.decode())


@pytest.fixture
def hashes_checked(monkeypatch):
    """The (method of the) hashes the login view checks a password against."""
    seen = []
    real = views.check_password_hash

    def spy(hashed, password):
        seen.append(hashed.split("$", 1)[0])
        return real(hashed, password)

    monkeypatch.setattr(views, "check_password_hash", spy)
    return seen


def test_a_locked_account_answers_like_an_unknown_name(client, login, make_user, make_unit,
                                                       hashes_checked):
    staff = make_user(role=Role.VIEWER, unit=make_unit(code="W"))
    for _ in range(5):
        assert login(staff, password="sai-mật-khẩu").status_code == 401
    assert db.session.get(User, staff.id).locked_until is not None
    limiter.reset()
    hashes_checked.clear()
    ghost = User(username="khong-co-ai", password_hash="x")  # never stored
    answers = {
        "locked, right password": login(staff),
        "locked, wrong password": login(staff, password="sai-mật-khẩu"),
        "unknown name": login(ghost, password=PASSWORD),
        "unknown name, other password": login(ghost, password="sai-mật-khẩu"),
    }
    statuses = {name: reply.status_code for name, reply in answers.items()}
    assert set(statuses.values()) == {401}, statuses
    messages = {name: tuple(flash_of(reply)) for name, reply in answers.items()}
    assert len(set(messages.values())) == 1, messages
    (text,) = next(iter(messages.values()))
    assert "Sai tên đăng nhập hoặc mật khẩu" in text and "khóa" in text
    # the same work for every answer: one check against a hash of the same kind and cost
    assert len(hashes_checked) == 4 and len(set(hashes_checked)) == 1, hashes_checked
    assert "user.locked" in db.session.scalars(sa.select(sa.text("action FROM audit_log"))).all()


def test_a_deactivated_account_answers_like_a_wrong_password(client, login, make_user):
    staff = make_user(role=Role.VIEWER)
    staff.active = False
    db.session.commit()
    reply = login(staff)
    assert reply.status_code == 401 and "Sai tên đăng nhập" in flash_of(reply)[0]
