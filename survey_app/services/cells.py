"""Checks on one cell of an uploaded table, before anything reaches the database."""


def has_control_characters(text):
    """NUL and other control characters (tab allowed) or lone surrogates: PostgreSQL refuses
    NUL in text, and none of them belongs in a name or a code."""
    return any(ord(c) < 32 and c != "\t" or 0xD800 <= ord(c) <= 0xDFFF for c in text)
