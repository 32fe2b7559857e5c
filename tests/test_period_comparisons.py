"""This period against the previous one and last year: n of both sides, and no verdict
when either side fails the publication rule (n_valid < 30 or a CI wider than 20 points)."""
from datetime import datetime, timedelta

import pytest

from survey_app.models import Role
from survey_app.services.periods import parse_period
from survey_app.services.results import period_comparisons
from tests.responses import add_responses


@pytest.fixture
def ward(make_unit, make_service_point):
    unit = make_unit(code="W-SO-SANH", kind="ward")
    return unit, make_service_point(unit=unit)


def mixed(point, start, count, satisfied_share, days=80):
    """``count`` responses of which ``satisfied_share`` rate everything 5, the rest 2."""
    good = round(count * satisfied_share)
    add_responses(point, start, good, 5, days)
    add_responses(point, start + timedelta(hours=1), count - good, 2, days)


def test_a_tiny_earlier_period_shows_its_n_and_gets_no_verdict(ward):
    unit, point = ward
    mixed(point, datetime(2025, 4, 1), 200, 0.9)       # 2025-Q2: 200 responses, ~90 %
    add_responses(point, datetime(2025, 1, 5), 6, 1)   # 2025-Q1: 6 responses, all 1s
    (found,) = period_comparisons(unit, "sipas-counter", parse_period("2025-Q2"))
    # (no responses a year earlier: no row for it)
    assert found.other.label == "previous"
    assert (found.current.n, found.earlier.n) == (200, 6)
    assert found.comparison.difference > 80  # huge, and its p-value tiny ...
    assert found.comparison.p_value < 0.001
    assert found.enough_data is False and found.significant is None  # ... but no verdict
    assert found.comparison.p_adjusted is None


def test_two_large_periods_get_a_holm_adjusted_verdict(ward):
    unit, point = ward
    mixed(point, datetime(2025, 4, 1), 300, 0.92)      # 2025-Q2
    mixed(point, datetime(2025, 1, 1), 300, 0.80)      # 2025-Q1
    mixed(point, datetime(2024, 4, 1), 300, 0.91)      # 2024-Q2
    previous, last_year = period_comparisons(unit, "sipas-counter", parse_period("2025-Q2"))
    assert previous.enough_data and last_year.enough_data
    assert (previous.current.n, previous.earlier.n, last_year.earlier.n) == (300, 300, 300)
    assert previous.significant is True and last_year.significant is False
    assert previous.comparison.p_adjusted >= previous.comparison.p_value  # Holm


def test_the_dashboard_shows_both_n_and_withholds_the_verdict(client, login, make_user, ward):
    unit, point = ward
    mixed(point, datetime(2025, 4, 1), 200, 0.9)
    add_responses(point, datetime(2025, 1, 5), 6, 1)
    login(make_user(role=Role.ANALYST, unit=unit))
    html = client.get(f"/admin/units/{unit.id}/results?period=2025-Q2").data.decode()
    table = html.split("So với các kỳ trước")[1].split("</table>")[0]
    assert "200 / 6" in table
    assert "chưa đủ dữ liệu để kết luận" in table and "có ý nghĩa thống kê" not in table
    english = client.get(f"/admin/units/{unit.id}/results?period=2025-Q2&lang=en").data.decode()
    assert "not enough data for a verdict" in english and "200 / 6" in english
