"""Numbers in the reader's language: one helper behind every template filter and chart.

Vietnamese writes 86,5 and 1.546; English 86.5 and 1,546. A page never mixes the two,
so no template formats a number with ``"%.1f"|format`` or ``round``.
"""
from flask_babel import format_decimal

DASH = "–"


def number(value, digits=1, sign=False, locale=None, trim=False):
    """``value`` with ``digits`` decimals (thousands grouped); ``sign``: "+" before gains;
    ``trim``: up to ``digits`` decimals, no trailing zeros (10 rather than 10,00).

    ``locale`` defaults to the reader's (Flask-Babel's current locale)."""
    if value is None:
        return DASH
    decimals = "." + ("#" if trim else "0") * digits if digits else ""
    pattern = f"#,##0{decimals}"
    if sign:
        pattern = f"+{pattern};-{pattern}"
    if locale is not None:
        from babel.numbers import format_decimal as babel_format

        return babel_format(value, format=pattern, locale=locale)
    return format_decimal(value, format=pattern)


def one_decimal(value):
    return number(value, 1)


def two_decimals(value):
    return number(value, 2)


def whole(value):
    return number(value, 0)


def signed(value, digits=1):
    """A difference: "+7,8" / "-3,0" (a plain minus keeps columns of numbers aligned)."""
    return number(value, digits, sign=True)


def p_value(value):
    """Three decimals, and "< 0,001" rather than a misleading "0,000"."""
    if value is None:
        return DASH
    if value < 0.001:
        return "< " + number(0.001, 3)
    return number(value, 3)


def p_text(value):
    """"p = 0,070" or "p < 0,001" (never "p = < 0,001")."""
    if value is None:
        return "p = " + DASH
    if value < 0.001:
        return "p " + p_value(value)
    return "p = " + p_value(value)


def register(app):
    app.add_template_filter(one_decimal, "pct")
    app.add_template_filter(two_decimals, "pts")
    app.add_template_filter(whole, "count")
    app.add_template_filter(signed, "signed")
    app.add_template_filter(p_value, "p_value")
    app.add_template_filter(number, "number")
