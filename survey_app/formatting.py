"""Template filters: numbers in the reader's locale (86,5 in Vietnamese, 86.5 in English)."""
from flask_babel import format_decimal


def one_decimal(value):
    return "–" if value is None else format_decimal(value, format="0.0")


def two_decimals(value):
    return "–" if value is None else format_decimal(value, format="0.00")


def whole(value):
    return "–" if value is None else format_decimal(value, format="#,##0")


def register(app):
    app.add_template_filter(one_decimal, "pct")
    app.add_template_filter(two_decimals, "pts")
    app.add_template_filter(whole, "count")
