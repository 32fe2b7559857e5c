"""Today's date where the service runs (a deadline "today" is Vietnam's today, not UTC's).

Tests and demos fix it with ``app.config["TODAY"] = date(...)``, so nothing that compares
with today depends on the day the tests run.
"""
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context


def today() -> date:
    if not has_app_context():
        return date.today()
    fixed = current_app.config.get("TODAY")
    if fixed is not None:
        return fixed
    zone = current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "Asia/Ho_Chi_Minh"
    return datetime.now(ZoneInfo(zone)).date()
