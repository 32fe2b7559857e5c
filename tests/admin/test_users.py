"""User management, password change, audit log."""
import sqlalchemy as sa

from survey_app.extensions import db, limiter
from survey_app.models import AuditLog, Role, User
from tests.conftest import PASSWORD, csrf_from


def test_a_manager_creates_users_in_scope_but_no_admins(client, login, make_user, make_unit):
    ward = make_unit(code="W")
    login(make_user(role=Role.UNIT_MANAGER, unit=ward))
    page = client.get("/admin/users")
    assert 'value="admin"' not in page.data.decode()
    token = csrf_from(page.data)
    made = client.post("/admin/users", data={
        "csrf_token": token, "username": "lan", "full_name": "Nguyễn Thị Lan", "role": "viewer",
        "unit_id": ward.id, "password": "một-mật-khẩu-dài"})
    assert made.status_code == 302
    assert db.session.scalar(sa.select(User).filter_by(username="lan")).role == Role.VIEWER
    admin = client.post("/admin/users", data={
        "csrf_token": token, "username": "boss", "role": "admin", "unit_id": ward.id,
        "password": "một-mật-khẩu-dài"})
    assert admin.status_code == 400
    for bad in ({"password": "short"}, {"password": "lan2lan2lan2", "username": "lan2lan2lan2"},
                {"username": "lan"}):
        data = {"csrf_token": token, "username": "lan2", "role": "viewer", "unit_id": ward.id,
                "password": "một-mật-khẩu-dài", **bad}
        assert client.post("/admin/users", data=data).status_code == 400, bad
    assert "user.create" in db.session.scalars(sa.select(AuditLog.action)).all()


def test_disable_and_reset(client, login, make_user, make_unit):
    ward = make_unit(code="W")
    staff = make_user(role=Role.VIEWER, unit=ward)
    login(make_user(role=Role.ADMIN, unit=ward))
    token = csrf_from(client.get("/admin/users").data)
    client.post(f"/admin/users/{staff.id}/active", data={"csrf_token": token})
    db.session.refresh(staff)
    assert staff.active is False
    page = client.get(f"/admin/users/{staff.id}/password")
    reply = client.post(f"/admin/users/{staff.id}/password",
                        data={"csrf_token": csrf_from(page.data), "password": "hoàn-toàn-mới-1"})
    assert reply.status_code == 302


def test_changing_ones_own_password(client, login, make_user):
    user = make_user(role=Role.VIEWER)
    login(user)
    page = client.get("/admin/password")
    token = csrf_from(page.data)
    wrong = client.post("/admin/password", data={"csrf_token": token, "current": "nope",
                                                 "password": "mật-khẩu-mới-123",
                                                 "again": "mật-khẩu-mới-123"})
    assert wrong.status_code == 400 and "Mật khẩu hiện tại không đúng" in wrong.data.decode()
    differ = client.post("/admin/password", data={"csrf_token": token, "current": PASSWORD,
                                                  "password": "mật-khẩu-mới-123", "again": "x"})
    assert differ.status_code == 400
    ok = client.post("/admin/password", data={"csrf_token": token, "current": PASSWORD,
                                              "password": "mật-khẩu-mới-123",
                                              "again": "mật-khẩu-mới-123"})
    assert ok.status_code == 302
    client.post("/admin/logout", data={"csrf_token": token})
    assert login(user).status_code == 401
    assert login(user, "mật-khẩu-mới-123").status_code == 302


def test_audit_log_lists_staff_writes(client, login, make_user, make_unit):
    ward = make_unit(code="W")
    login(make_user(role=Role.UNIT_MANAGER, unit=ward))
    token = csrf_from(client.get("/admin/users").data)
    client.post("/admin/users", data={"csrf_token": token, "username": "hoa", "role": "viewer",
                                      "unit_id": ward.id, "password": "một-mật-khẩu-dài"})
    html = client.get("/admin/audit").data.decode()
    assert "user.create" in html


def test_five_wrong_passwords_lock_the_account_until_a_manager_resets_it(
        client, login, make_user, make_unit):
    ward = make_unit(code="W")
    staff = make_user(role=Role.VIEWER, unit=ward)
    for _ in range(4):
        assert login(staff, password="sai-mật-khẩu").status_code == 401
    assert login(staff).status_code == 302  # a success clears the count
    client.post("/admin/logout", data={"csrf_token": csrf_from(client.get("/admin/units").data)})
    limiter.reset()  # the per-address limit (10/min) is another guard, tested elsewhere
    for _ in range(5):
        assert login(staff, password="sai-mật-khẩu").status_code == 401
    locked = login(staff)  # even the right password is refused while locked
    assert locked.status_code == 401 and "bị khóa" in locked.data.decode()
    assert "/admin/logout" not in locked.data.decode()
    assert "user.locked" in db.session.scalars(sa.select(AuditLog.action)).all()
    manager = make_user(role=Role.UNIT_MANAGER, unit=ward)
    login(manager)
    page = client.get(f"/admin/users/{staff.id}/password")
    client.post(f"/admin/users/{staff.id}/password",
                data={"csrf_token": csrf_from(page.data), "password": "hoàn-toàn-mới-1"})
    db.session.refresh(staff)
    assert staff.locked_until is None and staff.failed_logins == 0
