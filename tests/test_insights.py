"""Forecasts, key drivers and what-if of a unit: console page, API and command line, on a
fixed clock (the analyses' "today" is ``survey_app.clock.today``)."""
from datetime import date, datetime

import numpy as np
import pytest

from survey_app import clock
from survey_app.extensions import db
from survey_app.models import Role
from survey_app.services import api_keys
from survey_app.services.demo import generate_responses
from survey_app.services.series import forecast_points, unit_series
from tests.responses import add_responses

TODAY = date(2025, 11, 14)  # mid-month: November 2025 is the current, incomplete month
NOW = datetime(2025, 11, 14, 9, 30)


@pytest.fixture
def fixed_clock(monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: TODAY)
    return TODAY


@pytest.fixture
def one_point_unit(ctx, fixed_clock, make_unit, make_service_point):
    """A commune with a single counter and a year of responses up to the fixed clock."""
    def make(n, seed=1, code="X-MOT"):
        unit = make_unit(code=code, kind="commune")
        point = make_service_point(unit=unit, code="CT")
        generate_responses([point], n, np.random.default_rng(seed), end=NOW)
        db.session.commit()
        unit.point = point
        return unit

    return make


def key_for(unit):
    _row, plain = api_keys.issue(unit, "test")
    db.session.commit()
    return {"Authorization": f"Bearer {plain}"}


def test_a_small_one_counter_unit_says_why_there_are_no_drivers(client, login, make_user,
                                                                 one_point_unit):
    unit = one_point_unit(150)
    login(make_user(role=Role.ANALYST, unit=unit))
    page = client.get(f"/admin/units/{unit.id}/insights")
    html = page.data.decode()
    assert page.status_code == 200  # was a ZeroDivisionError: one service point, one cluster
    assert "Chưa ước lượng yếu tố tác động" in html and "ít nhất 240 phiếu" in html
    english = client.get(f"/admin/units/{unit.id}/insights?lang=en").data.decode()
    assert "Key drivers need at least 240 responses" in english


def test_a_large_one_counter_unit_gets_drivers_clustered_by_day(client, login, make_user,
                                                                 one_point_unit):
    unit = one_point_unit(700)
    login(make_user(role=Role.ANALYST, unit=unit))
    html = client.get(f"/admin/units/{unit.id}/insights").data.decode()
    assert "Công chức trực tiếp giải quyết công việc" in html and "lượt ngày – điểm phục vụ" in html
    body = client.get(f"/api/v1/units/{unit.code}/drivers", headers=key_for(unit)).get_json()
    assert body["clusters"] > 30 and body["df"] == body["clusters"] - 1
    assert len(body["drivers"]) == 5 and body["n"] >= 240


def test_the_api_names_and_translates_why_drivers_are_not_estimated(client, one_point_unit):
    unit = one_point_unit(150)
    headers = key_for(unit)
    reply = client.get(f"/api/v1/units/{unit.code}/drivers", headers=headers)
    body = reply.get_json()
    assert reply.status_code == 422  # was 500
    assert body["error"] == "not_estimable" and body["reason"] == "too_few_answers"
    assert body["message"].startswith("Cần ít nhất 240 phiếu")
    english = client.get(f"/api/v1/units/{unit.code}/drivers",
                         headers={**headers, "Accept-Language": "en"}).get_json()
    assert english["message"].startswith("Key drivers need at least 240 responses")


def test_every_demo_unit_answers_insights_and_drivers_without_an_error(client, login, make_user,
                                                                       demo_city):
    """The demo's units with one or two service points, or one per questionnaire, used to
    answer 500 (BV-DK, THCS-AH, SO-NNMT, X-LONGTHANH, ...)."""
    units = demo_city(600, 4)
    login(make_user(role=Role.ADMIN, unit=units["TPD"]))
    headers = key_for(units["TPD"])
    for code in ("X-LONGTHANH", "P-ANHOA"):  # one and two service points
        assert client.get(f"/admin/units/{units[code].id}/insights").status_code == 200, code
    for code in ("SO-NNMT", "X-LONGTHANH", "BV-DK", "THCS-AH", "P-ANHOA"):
        reply = client.get(f"/api/v1/units/{code}/drivers", headers=headers)
        assert reply.status_code in (200, 422), code
        if reply.status_code == 422:
            assert reply.get_json()["reason"] in ("too_few_answers", "too_few_clusters")
    page = client.get(f"/admin/units/{units['TPD'].id}/insights?instrument=sipas-services")
    assert page.status_code == 200


def test_the_current_month_is_marked_partial_and_does_not_move_the_forecast(one_point_unit):
    """One more response in the current month moved TPD's forecast from 88.0 to 87.3: the
    incomplete month is now shown (marked) but not fitted."""
    unit = one_point_unit(400)
    total = unit_series(unit, "sipas-counter", "month")["total"]
    assert total[-1].label == "2025-11" and total[-1].partial
    assert not any(p.partial for p in total[:-1])
    before = forecast_points(total, "month", 3)
    add_responses(unit.point, datetime(2025, 11, 13, 8), 1, 1)  # one very unhappy citizen
    again = unit_series(unit, "sipas-counter", "month")["total"]
    after = forecast_points(again, "month", 3)
    assert again[-1].n == total[-1].n + 1 and again[-1].estimate < total[-1].estimate
    assert before.model is not None and after.mean == before.mean
    assert after.series_points == len(total) - 1


def test_the_page_and_the_api_forecast_the_current_month_and_mark_it(client, login, make_user,
                                                                     one_point_unit):
    unit = one_point_unit(400)
    login(make_user(role=Role.ANALYST, unit=unit))
    html = client.get(f"/admin/units/{unit.id}/insights").data.decode()
    assert 'class="partial"' in html and "chưa trọn kỳ" in html
    assert "2025-11 đang được thu thập" in html
    first_forecast_row = html.split("Khoảng dự báo 95%")[1].split("<tr><td>")[1]
    assert first_forecast_row.startswith("2025-11</td>")
    body = client.get(f"/api/v1/units/{unit.code}/forecast", headers=key_for(unit)).get_json()
    assert body["history"][-1]["period"] == "2025-11" and body["history"][-1]["partial"]
    assert body["forecast"][0]["period"] == "2025-11"


def test_the_forecast_command_defaults_to_the_units_own_questionnaire(runner, fixed_clock,
                                                                      make_unit,
                                                                      make_service_point):
    """`hailong forecast --unit BV-DK` said "no responses": it asked for sipas-counter."""
    import json

    from survey_app.cli import main

    hospital = make_unit(code="BV-THU", kind="hospital")
    point = make_service_point(unit=hospital, code="KKB", instrument="health-outpatient",
                               sector="health")
    generate_responses([point], 300, np.random.default_rng(3), end=NOW)
    db.session.commit()
    out = runner.invoke(main, ["forecast", "--unit", "BV-THU"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["instrument"] == "health-outpatient" and data["model"] is not None
    assert data["forecast"][0]["period"] == "2025-11"  # the current month, forecast
    assert data["partial_periods_not_fitted"] == ["2025-11"]
    other = runner.invoke(main, ["forecast", "--unit", "BV-THU", "--instrument", "sipas-counter"])
    assert other.exit_code == 1 and "no responses" in other.output


def test_a_month_in_which_collection_only_started_is_not_fitted():
    """A survey that started on the 28th gives its first month one answer (index 50, CI
    0-100); fitted, it made "last value" win and widened the December interval to 65-100."""
    from survey_app.services.series import Point, without_thin_start

    rng = np.random.default_rng(3)
    months = [f"{2024 + (m + 10) // 12}-{(m + 10) % 12 + 1:02d}" for m in range(24)]
    values = 80 + np.cumsum(rng.normal(0, 0.6, 24))
    points = [Point(label, 120, float(v), float(v) - 5, float(v) + 5, 2.5)
              for label, v in zip(months, values, strict=True)]
    started = [Point(months[0], 1, 50.0, 0.0, 100.0, 50.0), *points[1:]]
    assert without_thin_start(started) == points[1:]
    assert without_thin_start(points) == points  # a usual first month is kept
    kept = forecast_points(started, "month", 3)
    assert kept.series_points == 23
    assert kept.mean == forecast_points(points[1:], "month", 3).mean
    # a series that is thin all along keeps its periods
    small = [Point(p.label, 3, p.estimate, p.ci_low, p.ci_high, p.se) for p in points]
    assert without_thin_start(small) == small


def test_what_if_names_what_is_wrong_and_keeps_the_chosen_index(client, login, make_user,
                                                                 one_point_unit):
    unit = one_point_unit(400)
    login(make_user(role=Role.ANALYST, unit=unit))
    page = f"/admin/units/{unit.id}/insights"
    wrong_factor = client.get(f"{page}?factor=99&target=90")
    assert wrong_factor.status_code == 400
    assert "Hãy chọn một yếu tố trong danh sách." in wrong_factor.data.decode()
    wrong_target = client.get(f"{page}?factor=7&target=150&lang=en")
    assert wrong_target.status_code == 400
    assert "Give a target between 0 and 100." in wrong_target.data.decode()
    what_if_form = client.get(f"{page}?node=7&by=quarter&lang=en").data.decode() \
        .split("<h2>What if</h2>")[1]
    assert 'name="node" value="7"' in what_if_form and 'name="by" value="quarter"' in what_if_form
    named = client.get(f"{page}?lang=vi").data.decode()
    assert "all items satisfied" not in named  # the all-satisfied share is named in Vietnamese
