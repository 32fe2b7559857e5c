"""Checks on the cells of an uploaded table, before anything reaches the database."""
import csv
import io


def has_control_characters(text):
    """NUL and other control characters (tab allowed) or lone surrogates: PostgreSQL refuses
    NUL in text, and none of them belongs in a name or a code."""
    return any(ord(c) < 32 and c != "\t" or 0xD800 <= ord(c) <= 0xDFFF for c in text)


class UnreadableRow(ValueError):
    """A row the csv module cannot read; ``row`` counts records, the header being row 1."""

    def __init__(self, row, reason):
        super().__init__(f"row {row}: {reason}")
        self.row, self.reason = row, reason


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
        limit = csv.field_size_limit()
        reason = (f"a cell is longer than {limit} characters" if "field larger" in str(error)
                  else f"not readable as CSV ({error})")
        raise UnreadableRow(number + 1, reason) from None
    return list(names), rows
