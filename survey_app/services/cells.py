"""Checks on the cells of an uploaded table, before anything reaches the database."""
import csv
import io
import re

# Control characters but tab, and lone surrogates (one regex: a 10,000-row upload has
# 100,000 cells, too many for a loop over characters).
_FORBIDDEN = re.compile("[\x00-\x08\x0a-\x1f\ud800-\udfff]")


def has_control_characters(text):
    """NUL and other control characters (tab allowed) or lone surrogates: PostgreSQL refuses
    NUL in text, and none of them belongs in a name or a code."""
    return _FORBIDDEN.search(text) is not None


class UnreadableRow(ValueError):
    """A row the csv module cannot read; ``row`` counts records, the header being row 1.
    ``limit`` is the longest cell allowed when that is the reason, else None."""

    def __init__(self, row, reason, limit=None):
        super().__init__(f"row {row}: {reason}")
        self.row, self.reason, self.limit = row, reason, limit


def read_csv(text):
    """``(column names, [(row number, {column: value})])`` of a CSV text, data from row 2.

    The csv module refuses a cell over ``csv.field_size_limit()`` (131,072 characters)
    with ``csv.Error``; that becomes ``UnreadableRow`` naming the row, so an upload is
    refused with a reason instead of failing with a server error.
    """
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    number, rows = 0, []
    try:
        names = reader.fieldnames or []
        number = 1
        for number, row in enumerate(reader, start=2):
            rows.append((number, row))
    except csv.Error as error:
        if "field larger" in str(error):
            limit = csv.field_size_limit()
            raise UnreadableRow(number + 1, f"a cell is longer than {limit} characters",
                                limit) from None
        raise UnreadableRow(number + 1, f"not readable as CSV ({error})") from None
    return list(names), rows
