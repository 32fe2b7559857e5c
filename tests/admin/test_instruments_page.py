"""The console's questionnaire page: versions, XLSForm download, upload of a new version."""
import io

import sqlalchemy as sa

import instruments
from instruments.xlsform import export_xlsform, import_xlsform
from survey_app.extensions import db
from survey_app.models import AuditLog, Instrument, InstrumentVersion, Role
from tests.conftest import csrf_from
from tests.instruments.xlsform_helpers import kobo_form, with_cells, workbook
from tests.public.helpers import form_post

#: The shipped version of sipas-counter (the tests store the next one).
V = instruments.get("sipas-counter").version

PAGE = "/admin/instruments"
COUNTER = export_xlsform(instruments.get("sipas-counter"))


def versions(code):
    return db.session.scalars(
        sa.select(InstrumentVersion.version).join(Instrument).where(Instrument.code == code)
        .order_by(InstrumentVersion.version)).all()


def upload(client, data, name="form.xlsx", page=PAGE, **fields):
    token = csrf_from(client.get(page).data)
    return client.post(page, data={"file": (io.BytesIO(data), name), "csrf_token": token,
                                   **fields}, content_type="multipart/form-data")


def test_the_page_lists_versions_and_downloads_each_as_xlsform(client, login, make_user):
    login(make_user(role=Role.ADMIN))
    page = client.get(PAGE).data.decode()
    assert "sipas-counter" in page and "Bảng hỏi" in page
    assert f'href="/admin/instruments/sipas-counter/{V}.xlsx"' in page
    assert '<a href="/admin/instruments">' in client.get("/admin/units").data.decode()
    download = client.get(f"/admin/instruments/sipas-counter/{V}.xlsx")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"].endswith(f'filename=sipas-counter-v{V}.xlsx')
    back = import_xlsform(download.data).instrument
    assert back.sections == instruments.get("sipas-counter").sections
    assert client.get("/admin/instruments/sipas-counter/9.xlsx").status_code == 404


def test_non_managers_see_no_link_and_may_not_upload(client, login, make_user):
    login(make_user(role=Role.ANALYST))
    units = client.get("/admin/units").data.decode()
    assert "/admin/instruments" not in units
    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, data={"csrf_token": csrf_from(units)}).status_code == 403


def test_an_upload_stores_a_new_version_and_is_audited(client, login, make_user):
    login(make_user(role=Role.ADMIN))
    response = upload(client, with_cells(COUNTER, "settings", {"D2": V + 1}))
    assert response.status_code == 302
    assert versions("sipas-counter") == [V, V + 1]
    page = client.get(PAGE).data.decode()
    assert f"Đã lưu sipas-counter phiên bản {V + 1} (9 câu hỏi)." in page
    entry = db.session.scalar(sa.select(AuditLog).where(AuditLog.action == "instrument.import"))
    assert entry.detail == {"code": "sipas-counter", "version": V + 1, "status": "new"}


def test_a_dry_run_stores_nothing(client, login, make_user):
    login(make_user(role=Role.ADMIN))
    response = upload(client, with_cells(COUNTER, "settings", {"D2": V + 1}), dry_run="y")
    assert response.status_code == 302
    assert versions("sipas-counter") == [V]
    assert f"Tệp hợp lệ: sipas-counter phiên bản {V + 1}" in client.get(PAGE).data.decode()


def test_a_kobo_form_for_a_new_questionnaire_is_stored_with_a_note_about_the_index(
        client, login, make_user):
    login(make_user(role=Role.UNIT_MANAGER))
    assert upload(client, workbook(kobo_form())).status_code == 302
    assert versions("y-kien") == [3]
    page = client.get(PAGE).data.decode()
    assert "chỉ số là trung bình của 2 câu hỏi mức độ hài lòng" in page


def test_errors_are_listed_by_sheet_row_and_column_in_both_languages(client, login, make_user):
    login(make_user(role=Role.ADMIN))
    bad = with_cells(COUNTER, "survey", {"A4": "integer", "C5": None})
    response = upload(client, bad)
    assert response.status_code == 400
    page = response.data.decode()
    assert "Tệp chưa được lưu: có 2 lỗi." in page
    assert "<strong>Trang survey, hàng 4, cột type</strong>: hailong không dùng được loại " \
           "&#39;integer&#39;" in page
    assert "<strong>Trang survey, hàng 5, cột label::Vietnamese (vi)</strong>: Thiếu nội dung " \
           "tiếng Việt." in page
    english = upload(client, bad, page=PAGE + "?lang=en").data.decode()
    assert "<strong>Sheet survey, row 5, column label::Vietnamese (vi)</strong>: The " \
           "Vietnamese wording is missing." in english
    assert versions("sipas-counter") == [V]


def test_rewording_a_version_with_responses_is_refused(client, login, make_user,
                                                       make_service_point):
    point = make_service_point(instrument="sipas-counter")
    assert form_post(client, f"/s/{point.current_token.token}")[0].status_code == 302
    login(make_user(role=Role.ADMIN, unit=point.unit))
    response = upload(client, with_cells(COUNTER, "survey", {"C4": "Nơi tiếp nhận tốt"}))
    assert response.status_code == 400
    assert f"Phiên bản {V} của sipas-counter đã có phiếu trả lời mà tệp này sửa nội dung. " \
           f"Hãy ghi số phiên bản mới (ví dụ {V + 1})" in response.data.decode()
    assert db.session.scalar(sa.select(AuditLog).where(
        AuditLog.action == "instrument.import")) is None


def test_a_manager_may_not_change_a_questionnaire_asked_outside_their_units(
        client, login, make_user, make_unit, make_service_point):
    province = make_unit(code="P", kind="province")
    own, other = make_unit(code="OWN", parent=province), make_unit(code="OTHER", parent=province)
    make_service_point(unit=own, instrument="sipas-counter")
    make_service_point(unit=other, instrument="sipas-counter")
    login(make_user(role=Role.UNIT_MANAGER, unit=own))
    response = upload(client, with_cells(COUNTER, "settings", {"D2": V + 1}))
    assert response.status_code == 403
    assert "Có điểm phục vụ ngoài đơn vị của bạn đang dùng sipas-counter" in \
        response.data.decode()
    assert versions("sipas-counter") == [V]


def test_files_that_are_not_xlsx_or_too_large_are_refused(client, login, make_user,
                                                          monkeypatch):
    from survey_app.admin import instruments as page

    # a smaller limit: the test client spools bodies over 500 KB to a file it never closes
    monkeypatch.setattr(page.SIZE_LIMIT, "max_size", 1000)
    login(make_user(role=Role.ADMIN))
    assert "Hãy chọn một tệp Excel (.xlsx)." in \
        upload(client, b"type,name", name="form.csv").data.decode()
    renamed = upload(client, b"type,name\ntext,x", name="form.xlsx")
    assert renamed.status_code == 400
    assert "Tệp không phải tệp Excel (.xlsx)." in renamed.data.decode()
    large = upload(client, b"x" * 1001)
    assert large.status_code == 400 and "Tệp lớn hơn 1 MB." in large.data.decode()


def test_an_upload_without_the_csrf_token_is_refused(client, login, make_user):
    login(make_user(role=Role.ADMIN))
    response = client.post(PAGE, data={"file": (io.BytesIO(workbook(kobo_form())), "f.xlsx")},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert versions("y-kien") == []
