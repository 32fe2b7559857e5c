"""Every word of the console in the reader's language: labels for codes, instrument names,
and one decimal separator per page."""
import re
from datetime import datetime

import pytest

from survey_app.formatting import number, p_value, signed
from survey_app.labels import analysis_message, label
from survey_app.models import Role, UnitKind
from survey_app.services.official import Warning
from tests.admin.helpers import add_responses


@pytest.fixture
def measured(make_unit, make_service_point):
    province = make_unit(code="PROV", name_vi="Tỉnh Thử", kind="province", name_en="Test Province")
    centre = make_unit(code="TT", name_vi="Trung tâm", kind="service_centre", parent=province)
    point = make_service_point(unit=centre, code="Q1", sector="land")
    add_responses(point, 120, datetime(2025, 7, 1), 90, seed=1, level=0.75)
    add_responses(point, 160, datetime(2026, 7, 1), 90, seed=2, level=0.85)
    return {"province": province, "centre": centre, "point": point}


def test_labels_speak_the_readers_language(app):
    with app.test_request_context("/?lang=en"):
        assert label(UnitKind.SERVICE_CENTRE) == "Public administration service centre"
        assert label("invitation", "channel") == "Dossier invitation"
        assert label(Role.COUNTER_OFFICER) == "Counter officer"
        assert label("not-a-code", "sector") == "not-a-code"
        assert signed(7.8) == "+7.8" and p_value(0.0264) == "0.026"
        assert analysis_message("too short to forecast: 4 points, need 8") == \
            "The series is too short to forecast: 4 periods, at least 8 are needed."
    with app.test_request_context("/?lang=vi"):
        assert label(UnitKind.SERVICE_CENTRE) == "Trung tâm Phục vụ hành chính công"
        assert label("verified", "verified") == "Đã xác thực (đường dẫn theo hồ sơ)"
        assert label(Role.UNIT_MANAGER) == "Lãnh đạo, quản lý đơn vị"
        assert signed(7.8) == "+7,8" and signed(-3.04) == "-3,0"
        assert p_value(0.0264) == "0,026" and p_value(0.00001) == "< 0,001"
        assert number(1546.26, 1) == "1.546,3"
        assert analysis_message("too short to forecast: 4 points, need 8") == \
            "Chuỗi số liệu quá ngắn để dự báo: 4 kỳ, cần ít nhất 8 kỳ."
        warning = Warning("SIPAS", "X", 2024, "5", "target 12 is above the maximum 10",
                          "above_max", (12.5, 10.0))
        from survey_app.labels import official_warning
        assert official_warning(warning) == "Chỉ tiêu 12,5 cao hơn điểm tối đa 10."


def point_decimals(html):
    """Numbers written with a decimal point: "84.8", "+8.1", "0.152" (not "1.546")."""
    return [m.group(0) for m in re.finditer(r"(?<![\d.,])\d+\.\d+(?![\d.,])", html)
            if len(m.group(0).split(".")[1]) != 3 or m.group(0).startswith("0.")]


def comma_decimals(html):
    return [m.group(0) for m in re.finditer(r"(?<![\d.,])\d+,\d+(?![\d.,])", html)
            if len(m.group(0).split(",")[1]) != 3 or m.group(0).startswith("0,")]


def main_part(html):
    """The page's text without its markup (SVG coordinates are not numbers a reader sees)."""
    body = html.split("<main>", 1)[1]
    body = re.sub(r"<svg.*?</svg>", "", body, flags=re.S)
    return re.sub(r"<[^>]+>", " ", body)


def test_the_vietnamese_results_page_uses_the_comma_everywhere(client, login, make_user,
                                                               measured):
    login(make_user(unit=measured["province"]))
    page = client.get(f"/admin/units/{measured['province'].id}/results?period=2026-Q3&by=channel")
    html = page.data.decode()
    assert page.status_code == 200
    text = main_part(html)
    assert "cùng kỳ năm trước" in text
    assert point_decimals(text) == []
    assert re.search(r"[+-]\d+,\d\b", text)  # the difference with the same period last year
    for word in ("Mã QR", "Máy đánh giá tại quầy", "Đường dẫn theo hồ sơ"):
        assert word in text
    assert ">qr<" not in html and ">kiosk<" not in html
    english = main_part(client.get(
        f"/admin/units/{measured['province'].id}/results?period=2026-Q3&by=channel&lang=en"
    ).data.decode())
    assert comma_decimals(english) == []
    assert re.search(r"[+-]\d+\.\d\b", english)


def test_the_english_console_uses_the_instruments_english_names(client, login, make_user,
                                                                measured):
    login(make_user(unit=measured["province"]))
    url = f"/admin/units/{measured['province'].id}/results?period=2026-Q3&lang=en"
    html = client.get(url).data.decode()
    assert "Access to the service" in html and "Tiếp cận dịch vụ" not in html
    assert "The service point (waiting area, signs, equipment) was convenient" in html
    assert "Respondents satisfied with every item" in html
    assert "How satisfied are you with the service today?" in html  # the questionnaire
    vietnamese = client.get(url.replace("lang=en", "lang=vi")).data.decode()
    assert "Tiếp cận dịch vụ" in vietnamese and "Access to the service" not in vietnamese
    assert "Đánh giá sự hài lòng khi giải quyết thủ tục hành chính" in vietnamese


def test_the_public_page_and_json_use_the_readers_language(client, measured):
    english = client.get("/p/PROV?period=2026-Q3&lang=en").data.decode()
    assert "Access to the service" in english and "Tiếp cận dịch vụ" not in english
    vietnamese = client.get("/p/PROV?period=2026-Q3&lang=vi").data.decode()
    assert "Tiếp cận dịch vụ" in vietnamese  # not the English page from the cache
    names = {e["code"]: e["name"] for e in client.get(
        "/p/PROV.json?period=2026-Q3&lang=en").get_json()["results"][0]["estimates"]}
    assert names["5"] == "Access to the service"
    assert names["all_satisfied"] == "Respondents satisfied with every item"


def test_console_lists_show_words_not_codes(client, login, make_user, measured):
    login(make_user(unit=measured["province"]))
    units = client.get("/admin/units").data.decode()
    assert "Trung tâm Phục vụ hành chính công" in units and "service_centre" not in units
    points = client.get("/admin/service-points").data.decode()
    assert "Đất đai" in points and ">land<" not in points
    assert "Đánh giá sự hài lòng khi giải quyết thủ tục hành chính" in points
    comments = client.get("/admin/comments").data.decode()
    assert "mới" in comments and ">new<" not in comments
    users = client.get("/admin/users").data.decode()
    assert "Quản trị hệ thống" in users and ">admin<" not in users
    assert 'value="counter_officer">Cán bộ một cửa<' in users
    new_unit = client.get("/admin/units/new?lang=en").data.decode()
    assert 'value="service_centre">Public administration service centre<' in new_unit
