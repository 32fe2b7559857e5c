"""The suite runs at one fixed instant, so no test depends on the day it is run
(issue #10 item 35). To run tests "on another day":
``.venv/bin/python tests/on_another_day.py 2028-03-15 -q tests/test_results.py``
"""
import time
from datetime import UTC, date, datetime, timedelta

from survey_app import clock
from survey_app.services.periods import parse_period
from tests.conftest import FIXED_NOW, FIXED_TODAY


def test_python_and_the_app_see_the_fixed_instant(ctx):
    assert abs(datetime.now(UTC) - FIXED_NOW) < timedelta(hours=1)
    assert abs(time.time() - FIXED_NOW.timestamp()) < 3600
    assert date.today() == FIXED_TODAY and clock.today() == FIXED_TODAY


def test_demo_data_end_at_the_fixed_instant(demo_city):
    """The months that tests name (2026-11, 2026-H1) hold demo data."""
    import sqlalchemy as sa

    from survey_app.extensions import db
    from survey_app.models import Response

    demo_city(200, 3)
    first, last = db.session.execute(sa.select(sa.func.min(Response.submitted_at),
                                               sa.func.max(Response.submitted_at))).one()
    assert last <= FIXED_NOW.replace(tzinfo=None) and last.date() >= date(2026, 11, 1)
    assert first.date() >= date(2025, 11, 19)
    november = parse_period("2026-11")
    assert november.start <= last < november.end
