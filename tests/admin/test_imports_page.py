"""The console's imports of responses: upload -> preview -> confirm, undo, scope, roles."""
import io
import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import AuditLog, ImportStatus, Response, ResponseImport, Role
from survey_app.services import import_maps, response_import
from tests.conftest import csrf_from

DATA = Path(__file__).resolve().parents[1] / "data"
GOOGLE = (DATA / "google-forms-sipas-counter.csv").read_bytes()
KOBO = (DATA / "kobo-sipas-services.xlsx").read_bytes()
PAGE = "/admin/imports"
OVERALL = "Nhìn chung, Ông/Bà có hài lòng với việc giải quyết thủ tục hôm nay không?"


def upload(client, content, name, point, mapping="auto", instrument="", mapping_file=None):
    token = csrf_from(client.get(PAGE).data)
    data = {"file": (io.BytesIO(content), name), "csrf_token": token, "point_id": str(point.id),
            "instrument": instrument, "mapping": mapping}
    if mapping_file is not None:
        data["mapping_file"] = (io.BytesIO(mapping_file), "map.yaml")
    return client.post(PAGE, data=data, content_type="multipart/form-data")


def stored():
    return db.session.scalar(sa.select(sa.func.count()).select_from(Response))


def setup_ward(make_unit, make_service_point):
    ward = make_unit(code="W1", kind="ward")
    return ward, make_service_point(unit=ward, code="CT")


def test_upload_preview_confirm_and_undo_in_vietnamese(client, login, make_user, make_unit,
                                                      make_service_point):
    ward, point = setup_ward(make_unit, make_service_point)
    login(make_user(role=Role.ANALYST, unit=ward))
    assert f'href="{PAGE}"' in client.get("/admin/units").data.decode()
    response = upload(client, GOOGLE, "google.csv", point, "google-forms-sipas-counter")
    assert response.status_code == 302
    preview_url = response.headers["Location"]
    page = client.get(preview_url).data.decode()
    assert "Đã kiểm tra, chưa nhập" in page
    assert f"Dòng 14, cột &#39;{OVERALL}&#39;" in page
    assert "Chưa trả lời; câu hỏi này bắt buộc." in page
    assert "Nhập 58 dòng hợp lệ và bỏ qua 2 dòng có lỗi" in page
    assert "2025-10-01 09:47" in page  # the first answer, in Vietnam's time as in the file
    assert "Lĩnh vực thủ tục đã giải quyết" in page  # a column left out, named
    assert stored() == 0

    the_import = db.session.scalar(sa.select(ResponseImport))
    confirm = f"/admin/imports/{the_import.id}/confirm"
    token = csrf_from(page)
    refused = client.post(confirm, data={"csrf_token": token})
    assert refused.status_code == 302 and stored() == 0
    assert "Một số dòng có lỗi" in client.get(preview_url).data.decode()
    done = client.post(confirm, data={"csrf_token": token, "accept_bad_rows": "y"})
    assert done.status_code == 302
    assert stored() == 58
    page = client.get(preview_url).data.decode()
    assert "Đã nhập 58 câu trả lời." in page and "Hoàn tác việc nhập" in page
    again = client.post(confirm, data={"csrf_token": token, "accept_bad_rows": "y"})
    assert again.status_code == 302 and stored() == 58  # a second click stores nothing

    problems = client.get(f"/admin/imports/{the_import.id}/problems.csv")
    text = problems.data.decode("utf-8-sig")
    assert problems.status_code == 200 and "Dòng,Cột,Lỗi" in text.splitlines()[0]
    assert f"14,{OVERALL}" in text or f'14,"{OVERALL}"' in text
    mapping = client.get(f"/admin/imports/{the_import.id}/mapping.yaml")
    assert import_maps.load_yaml(mapping.data.decode()).columns == \
        import_maps.ready_made()["google-forms-sipas-counter"].columns

    undo = f"/admin/imports/{the_import.id}/undo"
    assert client.post(undo, data={"csrf_token": token}).status_code == 302 and stored() == 58
    assert client.post(undo, data={"csrf_token": token, "sure": "y"}).status_code == 302
    assert stored() == 0
    db.session.expire_all()
    assert db.session.get(ResponseImport, the_import.id).status == ImportStatus.UNDONE
    assert db.session.scalars(sa.select(AuditLog.action).order_by(AuditLog.id)).all() == \
        ["responses.import", "responses.import.undo"]
    assert "Đã hoàn tác" in client.get(PAGE).data.decode()


def test_a_second_upload_of_the_same_file_has_nothing_new(client, login, make_user, make_unit,
                                                          make_service_point):
    ward = make_unit(code="W1", kind="ward")
    point = make_service_point(unit=ward, code="DV", instrument="sipas-services", sector="land")
    login(make_user(role=Role.UNIT_MANAGER, unit=ward))
    first = upload(client, KOBO, "kobo.xlsx", point, "kobo-sipas-services")
    token = csrf_from(client.get(first.headers["Location"]).data)
    first_id = int(first.headers["Location"].rsplit("/", 1)[1])
    client.post(f"/admin/imports/{first_id}/confirm", data={"csrf_token": token})
    assert stored() == 40
    second = upload(client, KOBO, "kobo.xlsx", point, f"import:{first_id}")
    page = client.get(second.headers["Location"]).data.decode()
    assert "Không có gì mới để nhập" in page and "/confirm" not in page
    second_id = int(second.headers["Location"].rsplit("/", 1)[1])
    discard = client.post(f"/admin/imports/{second_id}/discard", data={"csrf_token": token})
    assert discard.status_code == 302 and stored() == 40
    assert client.get(second.headers["Location"]).status_code == 404


def test_the_english_page_and_a_mapping_file(client, login, make_user, make_unit,
                                             make_service_point):
    ward, point = setup_ward(make_unit, make_service_point)
    login(make_user(role=Role.ADMIN, unit=ward))
    client.get(f"{PAGE}?lang=en")
    bad = upload(client, GOOGLE, "google.csv", point, "upload", mapping_file=b"columns: [a")
    assert bad.status_code == 400 and "The mapping is not valid YAML" in bad.data.decode()
    own = import_maps.ready_made()["google-forms-sipas-counter"].as_dict()
    own["name"] = "our-form"
    response = upload(client, GOOGLE, "google.csv", point, "upload",
                      mapping_file=import_maps.parse_mapping(own).as_yaml().encode())
    page = client.get(response.headers["Location"]).data.decode()
    assert "our-form" in page
    assert f"Row 14, column &#39;{OVERALL}&#39;</strong>: No answer; the question needs one." \
        in page
    assert "Import the 58 valid rows and leave out the 2 rows with problems" in page


def test_a_file_that_does_not_fit_is_previewed_with_its_problems(client, login, make_user,
                                                                 make_unit, make_service_point):
    ward, point = setup_ward(make_unit, make_service_point)
    login(make_user(role=Role.UNIT_MANAGER, unit=ward))
    response = upload(client, KOBO, "kobo.xlsx", point)  # the counter asks sipas-counter
    page = client.get(response.headers["Location"]).data.decode()
    assert "Không có cột nào chứa câu hỏi access" in page
    assert "/confirm" not in page
    not_a_table = upload(client, b"\x00\x01", "x.txt", point)
    assert not_a_table.status_code == 400  # only .csv and .xlsx


def test_a_large_file_is_accepted_above_the_app_wide_limit(client, login, make_user, make_unit,
                                                          make_service_point):
    ward, point = setup_ward(make_unit, make_service_point)
    login(make_user(role=Role.ANALYST, unit=ward))
    header, *rows = GOOGLE.decode("utf-8").splitlines()
    body = [r for number, r in enumerate(rows, start=2) if number not in (14, 37)]
    big = "\n".join([header] + body * 200).encode("utf-8")
    assert len(big) > 2 * 1024 * 1024
    # encoded here, in memory: the test client would spool it to a temporary file that it
    # never closes (a ResourceWarning, an error under -W error)
    from werkzeug.datastructures import FileStorage
    from werkzeug.test import encode_multipart

    boundary, body = encode_multipart({
        "file": FileStorage(io.BytesIO(big), "big.csv"), "point_id": str(point.id),
        "csrf_token": csrf_from(client.get(PAGE).data), "instrument": "",
        "mapping": "google-forms-sipas-counter"})
    response = client.post(PAGE, data=body,
                           content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 302
    the_import = db.session.scalar(sa.select(ResponseImport))
    assert the_import.rows_total == 58 * 200 and the_import.rows_valid == 58
    assert the_import.rows_duplicate == 58 * 199  # the same rows again: one id each


def test_roles_and_scope(client, login, make_user, make_unit, make_service_point):
    province = make_unit(code="P", kind="province")
    own = make_unit(code="OWN", parent=province)
    other = make_unit(code="OTHER", parent=province)
    own_point = make_service_point(unit=own, code="CT")
    other_point = make_service_point(unit=other, code="CT2")
    login(make_user(role=Role.ADMIN, unit=province))
    theirs = upload(client, GOOGLE, "g.csv", other_point, "google-forms-sipas-counter")
    other_url = theirs.headers["Location"]
    client.post("/admin/logout", data={"csrf_token": csrf_from(client.get(PAGE).data)})

    login(make_user(role=Role.UNIT_MANAGER, unit=own))
    page = client.get(PAGE).data.decode()
    assert "OWN/CT" in page and "OTHER/CT2" not in page and "g.csv" not in page
    assert client.get(other_url).status_code == 404
    assert upload(client, GOOGLE, "g.csv", other_point).status_code == 400  # not a choice
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ResponseImport)) == 1
    token = csrf_from(page)
    assert client.post(f"{other_url}/confirm", data={"csrf_token": token,
                                                     "accept_bad_rows": "y"}).status_code == 404
    assert stored() == 0
    no_token = client.post(PAGE, data={"file": (io.BytesIO(GOOGLE), "g.csv"),
                                       "point_id": str(own_point.id), "instrument": "",
                                       "mapping": "auto"}, content_type="multipart/form-data")
    assert no_token.status_code == 400  # the upload is exempt from CSRFProtect, not its form
    assert upload(client, GOOGLE, "g.csv", own_point).status_code == 302

    client.post("/admin/logout", data={"csrf_token": token})
    for role in (Role.COUNTER_OFFICER, Role.VIEWER):
        login(make_user(role=role, unit=own))
        assert f'href="{PAGE}"' not in client.get("/admin/units").data.decode()
        assert client.get(PAGE).status_code == 403
        client.post("/admin/logout", data={"csrf_token": csrf_from(
            client.get("/admin/units").data)})


def test_on_sqlite_the_check_leaves_the_database_free_for_citizens(
        client, login, make_user, make_unit, make_service_point, monkeypatch):
    """Checking a large file takes seconds: meanwhile another writer (a citizen's answer)
    must get SQLite's write lock at once."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL has no database-wide write lock")
    original, writes = response_import.check, []

    def check_while_someone_writes(*args, **kwargs):
        other = sqlite3.connect(db.engine.url.database, timeout=0.2, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # "database is locked" if the request held it
        other.execute("ROLLBACK")
        other.close()
        writes.append(True)
        return original(*args, **kwargs)

    ward, point = setup_ward(make_unit, make_service_point)
    login(make_user(role=Role.ANALYST, unit=ward))
    monkeypatch.setattr(response_import, "check", check_while_someone_writes)
    response = upload(client, KOBO, "kobo.xlsx", point, "kobo-sipas-services",
                      instrument="sipas-services")
    assert response.status_code == 302 and writes == [True]
    token = csrf_from(client.get(response.headers["Location"]).data)
    the_import = db.session.scalar(sa.select(ResponseImport))
    client.post(f"/admin/imports/{the_import.id}/confirm", data={"csrf_token": token})
    assert writes == [True, True] and stored() == 40
