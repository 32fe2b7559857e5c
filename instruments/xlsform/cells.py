"""Checks of single cells shared by the sheet readers; each records a located ``Problem``."""
import re

from instruments.xlsform.layout import LANGUAGE_NAMES, N_, Problem

_INTEGER = re.compile(r"^-?\d+$")
TRUE_WORDS = {"yes", "true", "true()", "1"}
FALSE_WORDS = {"", "no", "false", "false()", "0"}


class Collector:
    """Gathers the problems of one workbook so that all of them are listed at once."""

    def __init__(self, sheets):
        self.sheets = sheets  # lower-case title -> sheets.Sheet
        self.problems = []

    def add(self, sheet, row, column, message, /, **params):
        self.problems.append(Problem(sheet, row, column, message, params))

    def at(self, row, column_key, message, /, **params):
        """A problem in ``row`` (a ``sheets.Row``) at the column ``column_key``."""
        sheet = self.sheets[row.sheet.lower()]
        self.add(sheet.title, row.number, sheet.header(column_key, _shown(column_key)), message,
                 **params)


def _shown(key):
    """A normalised key as the header a user would write (``label::vi`` -> full name)."""
    if "::" in key:
        base, lang = key.rsplit("::", 1)
        if lang in LANGUAGE_NAMES:
            return f"{base}::{LANGUAGE_NAMES[lang]}"
    return key


def as_int(value):
    """An integer from a cell (1, 1.0, '1'), or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and _INTEGER.match(value.strip()):
        return int(value.strip())
    return None


def as_number(value):
    """An int or float from a cell; a decimal comma ('1,5') is accepted. None otherwise."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return value
    text = str(value).strip().replace(",", ".")
    try:
        number = float(text)
    except ValueError:
        return None
    return int(number) if _INTEGER.match(text) else number


MISSING = {"vi": N_("The Vietnamese wording is missing."),
           "en": N_("The English wording is missing.")}


def bilingual(collect, row, base):
    """``{vi, en}`` from ``base::vi``/``base::en``; a problem for each missing language."""
    text = {lang: row.text(f"{base}::{lang}") for lang in ("vi", "en")}
    for lang in ("vi", "en"):
        if not text[lang]:
            collect.at(row, f"{base}::{lang}", MISSING[lang])
    return text


def optional_bilingual(collect, row, base):
    """``{vi, en}``, None when both are empty; one language alone is a problem."""
    text = {lang: row.text(f"{base}::{lang}") for lang in ("vi", "en")}
    if not text["vi"] and not text["en"]:
        return None
    return bilingual(collect, row, base)


def yes_no(collect, row, key):
    word = row.text(key).lower()
    if word in TRUE_WORDS:
        return True
    if word not in FALSE_WORDS:
        collect.at(row, key, N_("Write 'yes' or leave the cell empty (found '%(value)s')."),
                   value=row.text(key))
    return False
