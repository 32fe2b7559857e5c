from datetime import date, datetime

import pytest

from survey_app.services.periods import current_quarter, last_twelve_months, parse_period


@pytest.mark.parametrize(("text", "start", "end"), [
    ("2025", datetime(2025, 1, 1), datetime(2026, 1, 1)),
    ("2025-Q3", datetime(2025, 7, 1), datetime(2025, 10, 1)),
    ("2025-q4", datetime(2025, 10, 1), datetime(2026, 1, 1)),
    ("2025-H1", datetime(2025, 1, 1), datetime(2025, 7, 1)),
    ("2025-9M", datetime(2025, 1, 1), datetime(2025, 10, 1)),
    ("2025-12", datetime(2025, 12, 1), datetime(2026, 1, 1)),
])
def test_periods(text, start, end):
    period = parse_period(text)
    assert (period.start, period.end) == (start, end)


@pytest.mark.parametrize("text", ["", "2025-Q5", "25-Q1", "2025-13", "1800", "Q3-2025"])
def test_bad_periods(text):
    with pytest.raises(ValueError, match="2025-Q3"):
        parse_period(text)


def test_rolling_periods():
    assert last_twelve_months(date(2026, 11, 23)).start == datetime(2025, 12, 1)
    assert current_quarter(date(2026, 11, 23)).label == "2026-Q4"
