"""Read the sheets of an uploaded workbook into rows keyed by (normalised) column header.

Language columns are recognised the way XLSForm tools do: ``label::Vietnamese (vi)``,
``label::vi`` or ``label::Vietnamese``; a plain ``label`` is in the form's default language.
"""
import io
import re
import zipfile
from dataclasses import dataclass

from openpyxl import load_workbook

from instruments.xlsform.layout import MAX_ROWS, N_, Problem, XLSFormError

_LANGS = {"vi": "vi", "vietnamese": "vi", "tiếng việt": "vi", "en": "en", "english": "en"}
_CODE_IN_PARENS = re.compile(r"\(([A-Za-z-]+)\)\s*$")
_OLE_SIGNATURE = b"\xd0\xcf\x11\xe0"  # the old binary .xls format
MAX_UNPACKED_BYTES = 20 * 2**20


def language_of(suffix):
    """'vi', 'en' or None for the part after '::' (``Vietnamese (vi)``, ``en``, ...)."""
    suffix = str(suffix or "").strip()
    match = _CODE_IN_PARENS.search(suffix)
    key = match.group(1) if match else suffix
    return _LANGS.get(key.strip().lower())


def as_text(value):
    """A cell as stripped text ('' when empty); whole numbers without '.0'."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


@dataclass
class Row:
    sheet: str
    number: int  # the Excel row number
    cells: dict  # normalised header -> value

    def text(self, key):
        return as_text(self.cells.get(key))

    def value(self, key):
        value = self.cells.get(key)
        return value.strip() if isinstance(value, str) else value


class Sheet:
    """One worksheet: ``headers`` maps normalised keys to the header as written."""

    def __init__(self, title, header, rows):
        self.title = title
        self.headers = {}
        self._positions = []
        for position, raw in enumerate(header):
            key = normalise_header(raw)
            if key and key not in self.headers:
                self.headers[key] = as_text(raw)
                self._positions.append((position, key))
        self.rows = []
        for number, values in rows:
            cells = {key: values[pos] for pos, key in self._positions if pos < len(values)}
            if any(as_text(v) for v in cells.values()):
                self.rows.append(Row(title, number, cells))

    def use_default_language(self, lang):
        """Let plain ``label``/``hint``/``name`` columns stand for ``lang``."""
        for key in ("label", "hint", "name"):
            if key in self.headers and f"{key}::{lang}" not in self.headers:
                self.headers[f"{key}::{lang}"] = self.headers[key]
                for row in self.rows:
                    if key in row.cells:
                        row.cells[f"{key}::{lang}"] = row.cells[key]

    def header(self, key, fallback=None):
        """The column header as written in the file (for messages)."""
        return self.headers.get(key, fallback or key)


def normalise_header(raw):
    text = as_text(raw)
    if not text:
        return ""
    if "::" in text:
        base, suffix = text.rsplit("::", 1)
        lang = language_of(suffix)
        if lang:
            return f"{base.strip().lower()}::{lang}"
    return re.sub(r"\s+", "_", text.lower()) if not text.startswith("$") else text


def open_workbook(data):
    """The sheets of ``data`` (bytes of an .xlsx) by lower-case title."""
    if data[:4] == _OLE_SIGNATURE:
        raise XLSFormError([Problem(None, None, None, N_(
            "This is an old Excel 97-2003 file (.xls). Open it in Excel or LibreOffice and "
            "save it as an Excel workbook (.xlsx)."))])
    not_a_workbook = XLSFormError([Problem(None, None, None, N_(
        "The file is not an Excel workbook (.xlsx)."))])
    try:
        unpacked = sum(info.file_size for info in zipfile.ZipFile(io.BytesIO(data)).infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        raise not_a_workbook from None
    if unpacked > MAX_UNPACKED_BYTES:  # a questionnaire is far smaller; this is a zip bomb
        raise XLSFormError([Problem(None, None, None, N_(
            "The workbook is too large once unpacked (more than %(mb)d MB)."),
            {"mb": MAX_UNPACKED_BYTES // 2**20})])
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # any damage inside the package: the file is unusable
        raise not_a_workbook from None
    try:
        return {ws.title.strip().lower(): _read_sheet(ws) for ws in book.worksheets}
    except XLSFormError:
        raise
    except Exception:  # a damaged sheet is only parsed when it is read
        raise not_a_workbook from None
    finally:
        book.close()


def _read_sheet(ws):
    rows = []
    for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
        if not any(as_text(v) for v in values):
            continue  # Excel keeps formatted empty rows; they are not rows of the form
        if number > MAX_ROWS + 1:
            raise XLSFormError([Problem(ws.title, number, None, N_(
                "The sheet has more than %(n)d rows."), {"n": MAX_ROWS})])
        rows.append((number, values))
    # the first non-empty row holds the column headers
    header = rows[0][1] if rows else ()
    return Sheet(ws.title.strip(), header, rows[1:])
