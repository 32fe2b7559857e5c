"""Unit results in the console, the public page, the widget and the JSON endpoint."""
import pytest

from survey_app.models import Role


@pytest.fixture
def demo(demo_city):
    return demo_city(600, 4)


def test_the_dashboard_shows_indices_breakdown_and_trend(client, login, make_user, demo):
    login(make_user(role=Role.ANALYST, unit=demo["TPD"]))
    page = client.get(f"/admin/units/{demo['TPD'].id}/results?by=unit")
    html = page.data.decode()
    assert page.status_code == 200
    assert "Chỉ số hài lòng tại quầy" in html and "KTC 95%" in html
    assert html.count("<svg") >= 2  # the index chart and the trend
    assert "Phường An Hòa" in html and "Xã Tân Phú" in html  # the breakdown by unit, by name
    assert "/ 10,00" in html  # PAR points of the total


def test_dashboard_filters_and_bad_period(client, login, make_user, demo):
    login(make_user(unit=demo["TPD"]))
    base = f"/admin/units/{demo['TPD'].id}/results"
    assert client.get(base + "?instrument=health-outpatient").status_code == 200
    assert client.get(base + "?instrument=nope").status_code == 404
    bad = client.get(base + "?period=2025-Q9")
    assert bad.status_code == 400 and "Kỳ phải có dạng" in bad.data.decode()
    empty = client.get(base + "?period=2001")
    assert "Chưa có phiếu nào trong kỳ này" in empty.data.decode()


def test_the_dashboard_respects_scope(client, login, make_user, demo):
    login(make_user(role=Role.UNIT_MANAGER, unit=demo["P-ANHOA"]))
    assert client.get(f"/admin/units/{demo['P-ANHOA'].id}/results").status_code == 200
    assert client.get(f"/admin/units/{demo['X-TANPHU'].id}/results").status_code == 404
    assert client.get(f"/admin/units/{demo['TPD'].id}/results").status_code == 404


def test_the_public_page_speaks_plainly(client, demo):
    page = client.get("/p/P-ANHOA")
    html = page.data.decode()
    assert page.status_code == 200 and "hài lòng hoặc rất hài lòng" in html
    assert "khoảng tin cậy 95%" in html
    english = client.get("/p/P-ANHOA?lang=en").data.decode()
    assert "satisfied or very satisfied" in english
    assert client.get("/p/NOPE").status_code == 404
    assert client.get("/p/P-ANHOA?period=nonsense").status_code == 400


def test_small_samples_are_not_published(client, demo):
    # The school's gate has a handful of answers a quarter in the demo (fixed clock:
    # tests/conftest.py), fewer than the 30 a published estimate needs.
    data = client.get("/p/THCS-AH.json?period=2026-Q3").get_json()
    estimates = [e for result in data["results"] for e in result["estimates"]]
    small = [e for e in estimates if 0 < e["n_valid"] < 30]
    assert small and len(small) == len(estimates), estimates
    assert all(e["enough_data"] is False and "estimate" not in e for e in small)
    html = client.get("/p/THCS-AH?period=2026-Q3").data.decode()
    assert "Chưa đủ dữ liệu" in html and "Chưa có phiếu" not in html


def test_json_and_widget(client, demo):
    reply = client.get("/p/TPD.json")
    data = reply.get_json()
    assert reply.headers["Access-Control-Allow-Origin"] == "*"
    counter = next(r for r in data["results"] if r["instrument"] == "sipas-counter")
    total = next(e for e in counter["estimates"] if e["code"] == "total")
    assert total["enough_data"] is True and total["ci_low"] < total["estimate"] < total["ci_high"]
    widget = client.get("/p/TPD/widget")
    assert widget.status_code == 200 and "frame-ancestors" in widget.headers["Content-Security-Policy"]


def test_comparisons_and_ranks_on_the_dashboard(client, login, make_user, demo):
    login(make_user(unit=demo["TPD"]))
    html = client.get(f"/admin/units/{demo['TPD'].id}/results?period=2026-H1&by=unit").data.decode()
    assert "So với các kỳ trước" in html and "kỳ liền trước" in html
    assert "Thứ hạng (khoảng 95%)" in html


def test_period_comparison_matches_the_two_periods_estimates(demo):
    from survey_app.services.periods import parse_period
    from survey_app.services.results import period_comparisons, unit_results

    period = parse_period("2026-H1")
    found, *_ = period_comparisons(demo["TPD"], "sipas-counter", period)
    previous, comparison = found.other, found.comparison
    now = unit_results(demo["TPD"], "sipas-counter", period).overall.get("total").estimate
    before = unit_results(demo["TPD"], "sipas-counter", previous).overall.get("total").estimate
    assert comparison.difference == pytest.approx(now - before, rel=1e-9)
    assert comparison.ci_low < comparison.difference < comparison.ci_high


def test_breakdown_by_procedure_and_quarterly_trend(client, login, make_user, demo):
    login(make_user(unit=demo["TPD"]))
    html = client.get(f"/admin/units/{demo['TPD'].id}/results?by=procedure&trend=quarter"
                      ).data.decode()
    assert "Theo Thủ tục hành chính" in html and "Diễn biến theo quý" in html
    assert "—" in html  # open-QR responses carry no procedure


def test_forecast_drivers_and_what_if_page(client, login, make_user, demo):
    login(make_user(role=Role.ANALYST, unit=demo["TPD"]))
    base = f"/admin/units/{demo['TPD'].id}/insights"
    html = client.get(base).data.decode()
    assert "Dự báo" in html and "Yếu tố tác động đến sự hài lòng chung" in html
    assert "Công chức trực tiếp giải quyết công việc" in html  # a factor in the drivers table
    scenario = client.get(base + "?instrument=sipas-counter&factor=7&target=99").data.decode()
    assert "Chỉ số sẽ là" in scenario
    assert client.get(base + "?instrument=sipas-counter&factor=7&target=abc").status_code == 400
    assert client.get(base + "?instrument=sipas-counter&factor=nope&target=90").status_code == 400


def test_insights_for_any_node_monthly_or_quarterly_with_the_forecast_drawn(
        client, login, make_user, demo):
    login(make_user(role=Role.ANALYST, unit=demo["TPD"]))
    base = f"/admin/units/{demo['TPD'].id}/insights?instrument=sipas-counter"
    monthly = client.get(base + "&node=7").data.decode()
    assert 'value="7" selected' in monthly and 'class="forecast"' in monthly  # 12+ months
    quarterly = client.get(base + "&by=quarter").data.decode()
    assert "Diễn biến theo quý" in quarterly  # 4-5 quarters: too short, said in Vietnamese
    assert "Không dự báo" in quarterly and "kỳ trọn vẹn" in quarterly and "too short" not in quarterly
    assert client.get(base + "&node=nope").status_code == 404
    assert client.get(base + "&by=week").status_code == 400


def test_probability_of_a_year_end_target_from_the_forecast(client, login, make_user, demo):
    import re

    login(make_user(role=Role.ANALYST, unit=demo["TPD"]))
    base = f"/admin/units/{demo['TPD'].id}/insights?instrument=sipas-counter&goal="

    def chance(goal):
        html = client.get(base + goal).data.decode()
        return float(re.search(r"theo phân phối dự báo: ([\d,]+)%", html).group(1).replace(",", "."))

    assert chance("50") > chance("99")
    assert client.get(base + "abc").status_code == 400
