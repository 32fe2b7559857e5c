"""Questionnaires as XLSForm workbooks (KoboToolbox, ODK): export and import.

``export_xlsform(instrument)`` gives the bytes of an .xlsx; ``import_xlsform(data)`` reads
one back into an ``Instrument`` through the same validation as the YAML files, or raises
``XLSFormError`` whose ``problems`` name the sheet, row and column of every mistake.
No Flask here: the command line and the console both call these.
"""
from instruments.xlsform.layout import Problem, XLSFormError
from instruments.xlsform.read import Imported, import_xlsform
from instruments.xlsform.write import export_xlsform

__all__ = ["Imported", "Problem", "XLSFormError", "export_xlsform", "import_xlsform"]
