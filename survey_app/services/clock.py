"""Today's date for the analyses, in one place so that tests can fix the clock.

Call it as ``clock.today()`` (not ``from clock import today``) so that a test's
``monkeypatch.setattr(clock, "today", ...)`` reaches every caller."""
from datetime import date


def today():
    return date.today()
