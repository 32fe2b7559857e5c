"""Paper forms and the assisted form in the console: typing, reconciling, counting,
printing, and answers given on the counter's tablet."""
import shutil
import subprocess

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import AuditLog, Channel, PaperBatch, PaperEntry, Response, Role
from tests.conftest import PASSWORD, csrf_from, uuid_from
from tests.public.helpers import ANSWERS

CODES = {"access": "5", "procedures": "4", "staff": "5", "results": "3", "feedback": "0",
         "overall": "4", "extra_request": "2", "trips": "1", "comment": "Tốt",
         "respondent_type": "1", "sex": "2", "age_band": "3"}


def signed_in(app, user):
    client = app.test_client()
    page = client.get("/admin/login")
    reply = client.post("/admin/login", data={"username": user.username, "password": PASSWORD,
                                              "csrf_token": csrf_from(page.data)})
    assert reply.status_code == 302
    return client


def type_form(client, batch_id, codes, serial=None, **extra):
    page = client.get(f"/admin/paper/{batch_id}/enter")
    data = {"csrf_token": csrf_from(page.data), **{f"q_{k}": v for k, v in codes.items()},
            **extra}
    if serial is not None:
        data["serial"] = str(serial)
    else:
        data["serial"] = page.data.decode().split('id="serial" name="serial" inputmode="numeric" '
                                                  'value="')[1].split('"')[0]
    return client.post(f"/admin/paper/{batch_id}/enter", data=data)


@pytest.fixture
def staff(ctx, make_service_point, make_user):
    point = make_service_point(name_vi="Quầy Tư pháp")
    return {"point": point,
            "typist": make_user(role=Role.DATA_ENTRY, unit=point.unit),
            "officer": make_user(role=Role.COUNTER_OFFICER, unit=point.unit),
            "manager": make_user(role=Role.UNIT_MANAGER, unit=point.unit),
            "viewer": make_user(role=Role.VIEWER, unit=point.unit)}


def make_batch(client, point, first=1, last=2):
    page = client.get(f"/admin/paper/new?point={point.id}")
    assert page.status_code == 200
    reply = client.post("/admin/paper/new", data={
        "csrf_token": csrf_from(page.data), "point_id": point.id, "collected_on": "2026-03-02",
        "serial_first": first, "serial_last": last})
    assert reply.status_code == 302, reply.data.decode()
    return int(reply.headers["Location"].rstrip("/").split("/")[-1])


def test_two_typists_a_manager_and_the_results(ctx, staff):
    typist = signed_in(ctx, staff["typist"])
    officer = signed_in(ctx, staff["officer"])
    manager = signed_in(ctx, staff["manager"])
    batch_id = make_batch(typist, staff["point"])

    page = typist.get(f"/admin/paper/{batch_id}/enter")
    html = page.data.decode()
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert "paper_entry.js" in html and "<script>" not in html  # no inline script
    assert 'value="1"' in html and "autofocus" in html
    # a box left empty is named, in Vietnamese, and nothing is stored
    missing = type_form(typist, batch_id, {**CODES, "staff": ""})
    assert missing.status_code == 400
    assert "Nhập một mã" in missing.data.decode()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PaperEntry)) == 0

    assert type_form(typist, batch_id, CODES).status_code == 302
    assert type_form(typist, batch_id, CODES).status_code == 302  # next serial: 2
    assert type_form(officer, batch_id, {**CODES, "staff": "4"}).status_code == 302
    assert type_form(officer, batch_id, CODES).status_code == 302
    done = typist.get(f"/admin/paper/{batch_id}/enter").data.decode()
    assert "someone else" in done or "người khác" in done

    batch_page = manager.get(f"/admin/paper/{batch_id}").data.decode()
    assert 'id="n-matched">1<' in batch_page and 'id="n-to-reconcile">1<' in batch_page
    assert "Công chức tiếp nhận lịch sự" in batch_page  # the question whose typings differ
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Response)) == 0

    # a typist may not reconcile nor count
    token = csrf_from(typist.get(f"/admin/paper/{batch_id}").data)
    assert typist.post(f"/admin/paper/{batch_id}/count",
                       data={"csrf_token": token}).status_code == 403
    token = csrf_from(batch_page)
    early = manager.post(f"/admin/paper/{batch_id}/count", data={"csrf_token": token},
                         follow_redirects=True)
    assert "chưa thể tính" in early.data.decode() or "cannot be counted" in early.data.decode()
    assert manager.post(f"/admin/paper/{batch_id}/reconcile/1", data={
        "csrf_token": token, "pick_staff": "1"}).status_code == 302
    counted = manager.post(f"/admin/paper/{batch_id}/count", data={"csrf_token": token},
                           follow_redirects=True)
    assert counted.status_code == 200
    rows = db.session.scalars(sa.select(Response)).all()
    assert len(rows) == 2 and {r.channel for r in rows} == {Channel.PAPER}
    decision = db.session.scalar(sa.select(AuditLog).where(AuditLog.action == "paper.reconcile"))
    assert decision.detail["chosen"] == "5" and decision.user_id == staff["manager"].id
    assert db.session.get(PaperBatch, batch_id).counted_at is not None
    # the channel is a breakdown of the results
    results = manager.get(f"/admin/units/{staff['point'].unit_id}/results?by=channel&lang=vi")
    assert "Phiếu giấy" in results.data.decode()


def test_the_second_typing_of_a_form_by_the_same_person_is_a_correction(ctx, staff):
    typist = signed_in(ctx, staff["typist"])
    batch_id = make_batch(typist, staff["point"], 5, 5)
    assert type_form(typist, batch_id, CODES, serial=5).status_code == 302
    again = typist.get(f"/admin/paper/{batch_id}/enter?serial=5").data.decode()
    assert 'name="q_access" inputmode="numeric" maxlength="1" pattern="[123459]" ' \
           'data-codes="123459" value="5"' in again
    assert 'name="correcting" value="5"' in again
    # the same serial typed again by mistake does not replace the first typing
    mistake = type_form(typist, batch_id, {**CODES, "access": "2"}, serial=5)
    assert mistake.status_code == 400 and "Bạn đã nhập phiếu số 5" in mistake.data.decode()
    assert type_form(typist, batch_id, {**CODES, "access": "2"}, serial=5,
                     correcting="5").status_code == 302
    entries = db.session.scalars(sa.select(PaperEntry)).all()
    assert [(e.pass_no, e.codes["access"]) for e in entries] == [(1, "2")]


def test_viewers_do_not_type_and_other_pages_keep_scripts_out(ctx, staff):
    viewer = signed_in(ctx, staff["viewer"])
    assert viewer.get("/admin/paper").status_code == 403
    page = viewer.get("/admin/units")
    assert "script-src 'none'" in page.headers["Content-Security-Policy"]
    assert "/admin/paper" not in page.data.decode()
    script = viewer.get("/static/paper_entry.js")
    script.close()
    assert script.status_code == 200


def pdf_text(data, tmp_path):
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "forms.pdf"
    path.write_bytes(data)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    pages = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True,
                           check=True).stdout
    return text, int(pages.split("Pages:")[1].split()[0])


def test_printed_forms_one_page_per_serial(ctx, staff, tmp_path):
    viewer = signed_in(ctx, staff["viewer"])
    point = staff["point"]
    reply = viewer.get(f"/admin/service-points/{point.id}/paper.pdf?first=41&last=43")
    assert reply.status_code == 200 and reply.mimetype == "application/pdf"
    text, pages = pdf_text(reply.data, tmp_path)
    assert pages == 3
    for serial in ("000041", "000042", "000043"):
        assert serial in text
    assert "Quầy Tư pháp" in text and "Phiếu số" in text and "Không áp dụng" in text
    assert text.index("Nơi tiếp nhận hồ sơ") < text.index("Nhìn chung")  # the screen's order
    english, _ = pdf_text(viewer.get(f"/admin/service-points/{point.id}/paper.pdf?first=1&last=1"
                                     "&form_lang=en").data, tmp_path)
    assert "Form no. 000001" in english and "Not applicable" in english
    bad = viewer.get(f"/admin/service-points/{point.id}/paper.pdf?first=5&last=2")
    assert bad.status_code == 302


def test_assisted_answers_carry_their_channel(ctx, staff):
    officer = signed_in(ctx, staff["officer"])
    point = staff["point"]
    url = f"/admin/service-points/{point.id}/assisted"
    page = officer.get(url + "?lang=vi")
    assert page.status_code == 200 and "Không áp dụng" in page.data.decode()
    data = {"csrf_token": csrf_from(page.data), "client_uuid": uuid_from(page.data), **ANSWERS}
    assert officer.post(url, data=data).status_code == 400  # without the session's token
    data["staff_token"] = page.data.decode().split('name="staff_token" value="')[1].split('"')[0]
    reply = officer.post(url, data=data)
    assert reply.status_code == 302 and "/assisted/thanks" in reply.headers["Location"]
    assert officer.post(url, data=data).status_code == 302  # a double tap stores one
    rows = db.session.scalars(sa.select(Response)).all()
    assert [(r.channel, r.service_point_id, r.verified) for r in rows] == [
        (Channel.ASSISTED, point.id, False)]
    incomplete = officer.post(url, data={**data, "client_uuid": uuid_from(officer.get(url).data),
                                         "overall": ""})
    assert incomplete.status_code == 400
    assert signed_in(ctx, staff["typist"]).get(url).status_code == 403
    # analysts see the channel in every export
    export = signed_in(ctx, staff["manager"]).get(
        f"/admin/units/{point.unit_id}/export?instrument=sipas-counter&format=csv")
    lines = b"".join(export.response).decode("utf-8-sig").splitlines()
    header = lines[0].split(",")
    assert [row.split(",")[header.index("channel")] for row in lines[1:]] == ["assisted"]
