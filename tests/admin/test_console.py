import io
import re

import pytest
import sqlalchemy as sa
from PIL import Image

from survey_app.extensions import db
from survey_app.models import AuditLog, Role, ServicePoint, Unit
from tests.conftest import csrf_from
from tests.public.helpers import form_post


@pytest.fixture
def tree(make_unit, make_service_point):
    """A province with two communes, each with a counter."""
    province = make_unit(code="P", name_vi="Tỉnh Thử", kind="province")
    east = make_unit(code="EAST", name_vi="Xã Đông", parent=province)
    west = make_unit(code="WEST", name_vi="Xã Tây", parent=province)
    return {
        "province": province, "east": east, "west": west,
        "east_point": make_service_point(unit=east, code="CT", name_vi="Quầy Đông"),
        "west_point": make_service_point(unit=west, code="CT", name_vi="Quầy Tây"),
    }


def test_login_refuses_a_wrong_password_and_accepts_the_right_one(client, login, make_user):
    user = make_user()
    assert login(user, "wrong").status_code == 401
    assert client.get("/admin/units").status_code == 302  # still signed out
    assert login(user).status_code == 302
    assert client.get("/admin/units").status_code == 200


def test_an_inactive_user_cannot_sign_in(login, make_user):
    user = make_user()
    user.active = False
    db.session.commit()
    assert login(user).status_code == 401


def test_staff_see_only_their_own_subtree(client, login, make_user, tree):
    login(make_user(role=Role.UNIT_MANAGER, unit=tree["east"]))
    html = client.get("/admin/service-points").data.decode()
    assert "Quầy Đông" in html and "Quầy Tây" not in html
    units = client.get("/admin/units").data.decode()
    assert "Xã Đông" in units and "Xã Tây" not in units and "Tỉnh Thử" not in units
    west = tree["west_point"].id
    for url in (f"/admin/service-points/{west}", f"/admin/service-points/{west}/qr.png",
                f"/admin/service-points/{west}/edit", f"/admin/units/{tree['west'].id}/edit",
                f"/admin/units/{tree['west'].id}/posters.pdf"):
        assert client.get(url).status_code == 404, url


def test_response_counts_per_service_point(client, login, make_user, tree):
    form_post(client, f"/s/{tree['east_point'].current_token.token}")
    login(make_user(unit=tree["province"]))
    html = client.get("/admin/service-points").data.decode()
    assert 'data-point="CT">1</td>' in html
    assert 'data-point="CT">0</td>' in html


def test_viewers_and_analysts_cannot_change_anything(client, login, make_user, tree):
    login(make_user(role=Role.VIEWER, unit=tree["province"]))
    point = tree["east_point"].id
    assert client.get("/admin/units/new").status_code == 403
    assert client.get("/admin/service-points/new").status_code == 403
    token = csrf_from(client.get(f"/admin/service-points/{point}").data) \
        if b"csrf_token" in client.get(f"/admin/service-points/{point}").data else "x"
    assert client.post(f"/admin/service-points/{point}/rotate",
                       data={"csrf_token": token}).status_code == 403


def test_a_manager_creates_a_unit_and_a_service_point(client, login, make_user, tree):
    login(make_user(role=Role.UNIT_MANAGER, unit=tree["province"]))
    page = client.get("/admin/units/new")
    reply = client.post("/admin/units/new", data={
        "csrf_token": csrf_from(page.data), "code": "NORTH", "name_vi": "Xã Bắc",
        "kind": "commune", "parent_id": tree["province"].id})
    assert reply.status_code == 302
    north = db.session.scalar(sa.select(Unit).filter_by(code="NORTH"))
    assert north.path == f"{tree['province'].path}{north.id}/"
    page = client.get(f"/admin/service-points/new?unit={north.id}")
    reply = client.post("/admin/service-points/new", data={
        "csrf_token": csrf_from(page.data), "code": "CT", "name_vi": "Quầy chứng thực",
        "sector": "certification", "instrument_code": "sipas-counter", "unit_id": north.id})
    assert reply.status_code == 302
    point = db.session.scalar(sa.select(ServicePoint).filter_by(unit_id=north.id))
    assert point.current_token is not None
    actions = db.session.scalars(sa.select(AuditLog.action)).all()
    assert actions == ["unit.create", "service_point.create"]


def test_bad_unit_input_is_explained_not_crashed(client, login, make_user, tree):
    login(make_user(unit=tree["province"]))
    page = client.get("/admin/units/new")
    reply = client.post("/admin/units/new", data={
        "csrf_token": csrf_from(page.data), "code": "EAST", "name_vi": "Trùng mã",
        "kind": "commune", "parent_id": tree["province"].id})
    assert reply.status_code == 400 and "Mã này đã được dùng" in reply.data.decode()
    reply = client.post("/admin/units/new", data={
        "csrf_token": csrf_from(page.data), "code": "có dấu", "name_vi": "",
        "kind": "nonsense", "parent_id": "abc"})
    assert reply.status_code == 400


def test_a_manager_cannot_place_a_unit_outside_their_scope(client, login, make_user, tree):
    login(make_user(role=Role.UNIT_MANAGER, unit=tree["east"]))
    page = client.get("/admin/units/new")
    reply = client.post("/admin/units/new", data={
        "csrf_token": csrf_from(page.data), "code": "X", "name_vi": "Xã X",
        "kind": "commune", "parent_id": tree["west"].id})
    assert reply.status_code == 400  # not among the choices
    assert db.session.scalar(sa.select(Unit).filter_by(code="X")) is None


def test_rotating_and_revoking_the_qr_token(client, login, make_user, tree):
    point = tree["east_point"]
    old = point.current_token.token
    login(make_user(unit=tree["province"]))
    page = client.get(f"/admin/service-points/{point.id}")
    assert client.post(f"/admin/service-points/{point.id}/rotate",
                       data={"csrf_token": csrf_from(page.data)}).status_code == 302
    db.session.refresh(point)
    new = point.current_token.token
    assert new != old
    assert client.get(f"/s/{old}").status_code == 410
    assert client.get(f"/s/{new}", follow_redirects=True).status_code == 200
    assert client.post(f"/admin/service-points/{point.id}/revoke",
                       data={"csrf_token": csrf_from(page.data)}).status_code == 302
    assert client.get(f"/s/{new}").status_code == 410


def test_posts_without_csrf_are_refused(client, login, make_user, tree):
    login(make_user(unit=tree["province"]))
    point = tree["east_point"]
    reply = client.post(f"/admin/service-points/{point.id}/rotate")
    assert reply.status_code == 400
    assert db.session.get(ServicePoint, point.id).current_token.token == \
        point.current_token.token


def test_qr_downloads(client, login, make_user, tree):
    login(make_user(unit=tree["province"]))
    point = tree["east_point"]
    png = client.get(f"/admin/service-points/{point.id}/qr.png")
    assert png.mimetype == "image/png"
    with Image.open(io.BytesIO(png.data)) as image:
        assert image.size[0] >= 200
    svg = client.get(f"/admin/service-points/{point.id}/qr.svg")
    assert svg.mimetype == "image/svg+xml" and b"<path" in svg.data
    pdf = client.get(f"/admin/units/{tree['province'].id}/posters.pdf")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    # one poster page per service point in the province (two); "/Pages" is the page tree
    assert len(re.findall(rb"/Type\s*/Page\b", pdf.data)) == 2
    assert client.get(f"/admin/service-points/{point.id}/qr.gif").status_code == 404


def test_api_keys_are_shown_once(client, login, make_user, tree):
    login(make_user(unit=tree["province"]))
    point = tree["east_point"]
    page = client.get(f"/admin/service-points/{point.id}")
    reply = client.post(f"/admin/service-points/{point.id}/api-keys",
                        data={"csrf_token": csrf_from(page.data), "label": "Một cửa"})
    html = reply.data.decode()
    assert reply.status_code == 200 and "hl_" in html
    plain = html.split('<code class="key">')[1].split("</code>")[0]
    detail = client.get(f"/admin/service-points/{point.id}").data.decode()
    assert plain not in detail and plain.split("_", 2)[1] in detail
    assert client.post("/api/v1/invitations", json={"dossier_code": "A"},
                       headers={"Authorization": f"Bearer {plain}"}).status_code == 201


def test_login_is_rate_limited(ctx, client, make_user):
    ctx.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    user = make_user()
    try:
        page = client.get("/admin/login")
        statuses = [client.post("/admin/login", data={
            "csrf_token": csrf_from(page.data), "username": user.username,
            "password": "wrong"}).status_code for _ in range(4)]
    finally:
        ctx.config["LOGIN_RATE_LIMIT"] = "10 per minute"
    assert statuses == [401, 401, 401, 429]


def test_console_speaks_english_on_request(client, login, make_user, tree):
    login(make_user(unit=tree["province"]))
    assert "Đơn vị" in client.get("/admin/units").data.decode()
    assert "Units" in client.get("/admin/units?lang=en").data.decode()
