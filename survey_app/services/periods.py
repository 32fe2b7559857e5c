"""Reporting periods as the plans use them: year, quarter, 6 and 9 months, month."""
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta


@dataclass(frozen=True)
class Period:
    label: str
    start: datetime  # inclusive
    end: datetime    # exclusive

    @property
    def last_day(self):
        return (self.end - timedelta(days=1)).date()


def _month_start(year, month):
    year += (month - 1) // 12
    month = (month - 1) % 12 + 1
    return datetime(year, month, 1)


PATTERNS = (
    (re.compile(r"^(\d{4})$"), lambda y: (1, 12)),
    (re.compile(r"^(\d{4})-Q([1-4])$"), lambda y, q: (3 * int(q) - 2, 3 * int(q))),
    (re.compile(r"^(\d{4})-H([12])$"), lambda y, h: (6 * int(h) - 5, 6 * int(h))),
    (re.compile(r"^(\d{4})-9M$"), lambda y: (1, 9)),
    (re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$"), lambda y, m: (int(m), int(m))),
)


def parse_period(text):
    """``2025``, ``2025-Q3``, ``2025-H1`` (6 months), ``2025-9M`` (9 months), ``2025-07``.

    Raises
    ------
    ValueError
        For anything else, with the accepted forms in the message.
    """
    text = (text or "").strip().upper()
    for pattern, months in PATTERNS:
        match = pattern.match(text)
        if match:
            year = int(match.group(1))
            if not 2000 <= year <= 2100:
                break
            first, last = months(*match.groups())
            return Period(text, _month_start(year, first), _month_start(year, last + 1))
    raise ValueError("period must look like 2025, 2025-Q3, 2025-H1, 2025-9M or 2025-07")


def last_twelve_months(today=None):
    today = today or date.today()
    end = _month_start(today.year, today.month + 1)
    return Period("12M", _month_start(today.year, today.month - 11), end)


def current_quarter(today=None):
    today = today or date.today()
    return parse_period(f"{today.year}-Q{(today.month - 1) // 3 + 1}")


def months_between(start, end):
    return (end.year * 12 + end.month) - (start.year * 12 + start.month)


def shifted(period, months, label):
    """``period`` moved by ``months`` (negative: earlier)."""
    start = _month_start(period.start.year, period.start.month + months)
    end = _month_start(period.end.year, period.end.month + months)
    return Period(label, start, end)


def previous_period(period):
    """The period of the same length just before ``period``."""
    return shifted(period, -months_between(period.start, period.end), "previous")


def same_period_last_year(period):
    return shifted(period, -12, "last_year")
