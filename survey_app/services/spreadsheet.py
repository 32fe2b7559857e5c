"""Cells of the CSV and XLSX files we write, made safe to open in a spreadsheet.

Text from citizens, staff or imports (a unit name, a comment, a stratum) that starts with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read by Excel and LibreOffice as
a formula: ``=HYPERLINK(…)`` would become a live link (OWASP "CSV injection"). In CSV such
text gets a leading apostrophe; in XLSX every text is written as a string cell, which is
never run, so the text stays exactly as it was. Numbers, dates and booleans are unchanged.
"""
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value):
    """``value`` for a CSV cell: text that could start a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_row(values):
    return [csv_cell(value) for value in values]


def xlsx_cell(sheet, value, number_format=None):
    """An openpyxl cell for ``sheet`` (write-only or not) that is never a formula.

    Control characters that XLSX cannot hold are dropped instead of failing the file.
    """
    text = isinstance(value, str)
    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value) if text else value)
    if text:
        cell.data_type = "s"  # openpyxl would make "=…" a formula and "#N/A" an error
    if number_format:
        cell.number_format = number_format
    return cell


def xlsx_row(sheet, values, formats=None):
    """Cells for ``sheet.append``; ``formats`` maps a column index to a number format."""
    formats = formats or {}
    return [xlsx_cell(sheet, value, formats.get(index)) for index, value in enumerate(values)]
