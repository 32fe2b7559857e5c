"""Sessions end on the server: a cookie copied before logout, a password change or reset,
or a deactivation no longer opens the console."""
import pytest

from survey_app.extensions import db
from survey_app.models import Role, User
from tests.conftest import PASSWORD, csrf_from


@pytest.fixture
def second_client(ctx):
    """Another browser (its own cookie jar) on the same app."""
    return ctx.test_client()


def sign_in(client, user, password=PASSWORD):
    page = client.get("/admin/login")
    reply = client.post("/admin/login", data={"username": user.username, "password": password,
                                              "csrf_token": csrf_from(page.data)})
    assert reply.status_code == 302, reply.data.decode()


def copy_session(source, target):
    target.set_cookie("session", source.get_cookie("session").value)


def is_signed_in(client):
    reply = client.get("/admin/units")
    if reply.status_code == 302:
        assert "/admin/login" in reply.headers["Location"]
        return False
    assert reply.status_code == 200
    return True


def test_a_cookie_copied_before_logout_is_dead_after_it(client, second_client, make_user):
    user = make_user(role=Role.VIEWER)
    sign_in(client, user)
    copy_session(client, second_client)
    assert is_signed_in(second_client)  # the copy works while the session lives
    token = csrf_from(client.get("/admin/units").data)
    assert client.post("/admin/logout", data={"csrf_token": token}).status_code == 302
    assert not is_signed_in(client)
    assert not is_signed_in(second_client)  # replaying the copied cookie
    sign_in(client, user)  # a new sign-in works as before
    assert is_signed_in(client)


def test_a_reset_by_a_manager_ends_the_users_sessions(client, second_client, make_user,
                                                       make_unit):
    ward = make_unit(code="W")
    staff = make_user(role=Role.VIEWER, unit=ward)
    sign_in(client, staff)
    assert is_signed_in(client)
    sign_in(second_client, make_user(role=Role.ADMIN, unit=ward))
    page = second_client.get(f"/admin/users/{staff.id}/password")
    reply = second_client.post(f"/admin/users/{staff.id}/password", data={
        "csrf_token": csrf_from(page.data), "password": "hoàn-toàn-mới-1"})
    assert reply.status_code == 302
    assert not is_signed_in(client)
    assert is_signed_in(second_client)  # the manager's own session goes on


def test_changing_ones_password_ends_the_other_sessions_but_not_this_one(
        client, second_client, make_user):
    user = make_user(role=Role.VIEWER)
    sign_in(client, user)
    sign_in(second_client, user)  # e.g. a forgotten session on the counter's PC
    page = client.get("/admin/password")
    reply = client.post("/admin/password", data={
        "csrf_token": csrf_from(page.data), "current": PASSWORD,
        "password": "mật-khẩu-mới-123", "again": "mật-khẩu-mới-123"})
    assert reply.status_code == 302
    assert is_signed_in(client)
    assert not is_signed_in(second_client)


def test_deactivating_an_account_ends_its_sessions(client, second_client, make_user, make_unit):
    ward = make_unit(code="W")
    staff = make_user(role=Role.VIEWER, unit=ward)
    sign_in(client, staff)
    sign_in(second_client, make_user(role=Role.ADMIN, unit=ward))
    token = csrf_from(second_client.get("/admin/users").data)
    second_client.post(f"/admin/users/{staff.id}/active", data={"csrf_token": token})
    assert db.session.get(User, staff.id).active is False
    assert not is_signed_in(client)
