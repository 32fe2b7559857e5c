"""Read a file of responses (CSV or XLSX) into a header and numbered rows of cells.

Row numbers are those a spreadsheet shows (the header is row 1), so a report saying
"row 17" points at the row the user sees. Cells are text, or ``datetime`` for an Excel
date cell; whole numbers stored as floats by Excel (``5.0``) become ``"5"``.
"""
import csv
import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

#: More rows than this are refused: split the file (a province's year is well below it).
MAX_ROWS = 200_000


class UnreadableFile(ValueError):
    """The file cannot be read as a table; ``message``/``params`` word it (N_ templates)."""

    def __init__(self, message, **params):
        super().__init__(message % params if params else message)
        self.message, self.params = message, params


def N_(text):  # noqa: N802  (marks text for translation; translated where it is shown)
    return text


@dataclass
class Table:
    columns: list          # header texts, stripped, in file order
    rows: list             # [(row number, [cells])]
    sheet: str | None = None


def cell_text(value):
    """A cell as text (or ``datetime``); None and empty strings become ``""``."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime.combine(value, time())
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def sniff_delimiter(first_line):
    """Excel in some locales writes ``;`` or tab; Google Forms and Kobo write ``,``."""
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def read_csv_table(content):
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UnreadableFile(N_("The file is not UTF-8 text. Save it as 'CSV UTF-8' and "
                                "upload it again.")) from None
    delimiter = sniff_delimiter(text.split("\n", 1)[0])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows, number = [], 1
    try:
        header = next(reader, None)
        for number, cells in enumerate(reader, start=2):
            if any(cell.strip() for cell in cells):
                rows.append((number, cells))
            if len(rows) > MAX_ROWS:
                raise UnreadableFile(N_("The file has more than %(n)d rows; split it."),
                                     n=MAX_ROWS)
    except csv.Error as error:
        raise UnreadableFile(N_("Row %(row)d cannot be read as CSV (%(reason)s)."),
                             row=number + 1, reason=str(error)) from None
    if header is None:
        raise UnreadableFile(N_("The file is empty."))
    return Table([h.strip() for h in header], rows)


def read_xlsx_table(content, sheet=None):
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise UnreadableFile(N_("The file is not an Excel workbook (.xlsx).")) from None
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise UnreadableFile(N_("The workbook has no sheet '%(sheet)s' (it has: %(sheets)s)."),
                                 sheet=sheet, sheets=", ".join(book.sheetnames))
        chosen = book[sheet] if sheet is not None else book.worksheets[0]
        values = chosen.iter_rows(values_only=True)
        header = next(values, None)
        if header is None:
            raise UnreadableFile(N_("The file is empty."))
        rows = []
        for number, cells in enumerate(values, start=2):
            texts = [cell_text(value) for value in cells]
            if any(t if isinstance(t, datetime) else t.strip() for t in texts):
                rows.append((number, texts))
            if len(rows) > MAX_ROWS:
                raise UnreadableFile(N_("The file has more than %(n)d rows; split it."),
                                     n=MAX_ROWS)
        columns = [str(cell_text(h)).strip() for h in header]
        while columns and not columns[-1]:  # openpyxl pads to the sheet's widest row
            columns.pop()
        return Table(columns, rows, chosen.title)
    finally:
        book.close()


def is_xlsx(file_name, content):
    return file_name.lower().endswith(".xlsx") or content[:4] == b"PK\x03\x04"


def read_table(content, file_name, sheet=None):
    """The table in ``content`` (bytes of a CSV or an XLSX file, told by name or magic).

    Raises
    ------
    UnreadableFile
        When it is neither, is empty, or has more than ``MAX_ROWS`` rows.
    """
    if is_xlsx(file_name, content):
        return read_xlsx_table(content, sheet)
    return read_csv_table(content)
