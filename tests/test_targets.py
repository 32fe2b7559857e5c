"""The targets page: each official row against the questionnaire node that mirrors it, the
nowcast, the forecast to December, and a reason for every blank cell (fixed clock)."""
import json
from datetime import date, datetime

import numpy as np
import pytest

from survey_app import clock
from survey_app.extensions import db
from survey_app.models import Role
from survey_app.services import api_keys, official
from survey_app.services.demo import generate_responses
from survey_app.services.periods import last_twelve_months, parse_period
from survey_app.services.results import unit_results
from survey_app.services.targets import explain_blank, table_rows, target_table

TODAY = date(2025, 11, 14)
NOW = datetime(2025, 11, 14, 9, 30)
HEADER = "index,place,year,code,level,name_vi,max,result,target_next_year,lead_unit,source\n"
REASONS = [("no_mapping", {"index": "SIPAS", "code": "1"}),
           ("no_responses", {"instrument": "sipas-services"}),
           ("no_valid", {"instrument": "sipas-services", "node": "9"}),
           ("no_calibration", {"years": "2024", "instrument": "sipas-services"}),
           ("not_headline", {"instrument": "sipas-services"}),
           ("past", {"year": 2024}), ("too_far", {"year": 2027, "months": 26, "max": 18}),
           ("gaps", {}), ("too_short", {"n": 5, "need": 8}), ("no_model", {}),
           ("drift_short", {"n": 4, "need": 6})]


@pytest.fixture
def city(ctx, monkeypatch, make_unit, make_service_point):
    """A city with a counter form and the full service form, a year of responses up to
    the fixed clock (14/11/2024-14/11/2025), and SIPAS tables for 2024 and 2023."""
    monkeypatch.setattr(clock, "today", lambda: TODAY)
    unit = make_unit(code="TP", kind="province")
    counter = make_service_point(unit=unit, code="Q1", instrument="sipas-counter")
    services = make_service_point(unit=unit, code="DV", instrument="sipas-services", sector="land")
    generate_responses([counter, services], 1200, np.random.default_rng(8), end=NOW)
    official.store(official.parse(HEADER + "SIPAS,TP,2024,II,1,Dịch vụ,100,80.00,99.00,,x\n"
                                           "SIPAS,TP,2024,5,2,Tiếp cận,100,81.00,90.00,,x\n"
                                           "SIPAS,TP,2024,1,2,Giải trình,100,82.00,90.00,,x\n"
                                           "SIPAS,TP,2023,II,1,Dịch vụ,100,79.00,85.00,,x\n"
                                           "PAR_INDEX,TP,2024,8.1.3,3,Công chức,2.5,2.1,2.4,,x\n"),
                   unit)
    db.session.commit()
    return unit


def rows_of(unit, index="SIPAS", year=2024):
    return {t.row.code: t for t in target_table(unit, table_rows(unit, index, "TP", year))}


def test_sipas_ii_is_set_against_the_service_form_not_the_counter_total(city):
    rows = rows_of(city)
    assert rows["II"].source == "sipas-services:II"  # was sipas-counter:total
    assert rows["5"].source == "sipas-services:5"    # 4 criteria beat the counter's 1 question
    expected = unit_results(city, "sipas-services", last_twelve_months(TODAY)).overall.get("II")
    assert rows["II"].estimate == pytest.approx(expected.estimate, rel=1e-12)
    points = rows_of(city, "PAR_INDEX")["8.1.3"]
    staff = unit_results(city, "sipas-services", last_twelve_months(TODAY)).overall.get("7")
    assert points.source == "sipas-services:7"
    assert points.estimate == pytest.approx(2.5 * staff.estimate / 100, rel=1e-12)


def test_the_nowcast_and_the_december_forecast_of_the_headline(city):
    row = rows_of(city)["II"]
    then = unit_results(city, "sipas-services", parse_period("2024")).overall.get("II")
    now = unit_results(city, "sipas-services", last_twelve_months(TODAY)).overall.get("II")
    # one past year: official = internal + gap, the gap taken from that year
    assert row.nowcast.years == 1
    assert row.nowcast.estimate == pytest.approx(now.estimate + 80.0 - then.estimate, abs=1e-9)
    assert row.nowcast.high - row.nowcast.low > 15  # one year: wide on purpose
    # P(target met) carries the nowcast (sampling error, the gap and its spread) and the
    # drift from the last 12 months to 2025: never more certain than the nowcast alone
    assert 0 < row.probability and row.probability >= row.nowcast.probability_at_least(99.0)
    month, mean, low, high, p = row.forecast  # from October (the last complete month)
    assert month == "2025-12" and low < mean < high and 0 <= p <= 1
    assert row.blanks == {}


def test_every_blank_cell_says_why(city):
    rows = rows_of(city)
    assert rows["1"].estimate is None
    assert rows["1"].blanks == dict.fromkeys(("internal", "nowcast", "forecast"),
                                             ("no_mapping", {"index": "SIPAS", "code": "1"}))
    assert rows["5"].forecast is None and rows["5"].blanks["forecast"][0] == "not_headline"
    old = rows_of(city, year=2023)["II"]  # the 2024 official result: December 2024 is past
    assert old.forecast is None and old.blanks["forecast"] == ("past", {"year": 2024})
    assert old.nowcast is None and old.blanks["nowcast"][0] == "no_calibration"  # 2023: none
    # without a year to calibrate the official/internal gap on, no probability, and why
    assert old.probability is None and old.blanks["probability"][0] == "no_calibration"


@pytest.mark.parametrize("reason", REASONS, ids=[code for code, _ in REASONS])
def test_every_reason_reads_in_both_languages(app, reason):
    with app.test_request_context("/admin/?lang=vi"):
        vietnamese = explain_blank(reason)
    with app.test_request_context("/admin/?lang=en"):
        english = explain_blank(reason)
    assert vietnamese and english and vietnamese != english


def test_the_page_shows_sources_and_reasons_in_both_languages(client, login, make_user, city):
    login(make_user(role=Role.ANALYST, unit=city))
    html = client.get(f"/admin/units/{city.id}/targets?table=1").data.decode()  # SIPAS 2024
    assert "sipas-services:II" in html and "sipas-counter:total" not in html
    assert "Không có phiếu khảo sát nào của đơn vị đo SIPAS 1." in html
    assert "Chỉ dự báo chỉ số chung của sipas-services." in html
    english = client.get(f"/admin/units/{city.id}/targets?table=1&lang=en").data.decode()
    assert "No questionnaire of this unit measures SIPAS 1." in english
    past = client.get(f"/admin/units/{city.id}/targets?table=2&lang=en").data.decode()
    assert "December 2024 has passed." in past


def test_the_api_and_the_command_line_give_the_reasons(client, runner, city):
    from survey_app.cli import main

    _row, plain = api_keys.issue(city)
    db.session.commit()
    body = client.get("/api/v1/units/TP/targets?index=SIPAS&year=2024",
                      headers={"Authorization": f"Bearer {plain}"}).get_json()
    rows = {r["code"]: r for r in body["rows"]}
    assert rows["II"]["internal"]["source"] == "sipas-services:II"
    assert rows["II"]["blank"] == {} and rows["II"]["forecast"]["period"] == "2025-12"
    assert rows["1"]["blank"]["internal"]["reason"] == "no_mapping"
    assert rows["1"]["blank"]["internal"]["message"] == \
        "Không có phiếu khảo sát nào của đơn vị đo SIPAS 1."
    assert rows["5"]["blank"]["forecast"]["reason"] == "not_headline"
    out = runner.invoke(main, ["targets", "--unit", "TP", "--index", "SIPAS", "--year", "2024"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["rows"][0]["nowcast"] == rows["II"]["nowcast"]
