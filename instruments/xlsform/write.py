"""Write an instrument as an XLSForm workbook (survey, choices, settings, hailong_index).

Optional settings (``rule``, ``level``, ``max_length``) are written only where the
instrument file states them or they differ from the default, so that reading the
workbook back gives the very same definition (and digest) as the file.
"""
import io

from openpyxl import Workbook
from openpyxl.styles import Font

from instruments.schema import PROFILE_FIELDS, PROFILE_QUESTIONS
from instruments.xlsform import layout as L


def choice_list_name(item):
    """The choices list of a ``choice`` item: named after it, unless the name is taken."""
    reserved = set(L.SCALE_LISTS) | set(PROFILE_FIELDS)
    return f"{item.code}_choices" if item.code in reserved else item.code


def _item_row(item, raw):
    if item.type == "likert5":
        kind = "select_one " + (L.SATISFACTION_NA if item.not_applicable else L.SATISFACTION)
    elif item.type == "yesno":
        kind = "select_one " + (L.YES_NO_NA if item.not_applicable else L.YES_NO)
    elif item.type == "choice":
        kind = "select_one " + choice_list_name(item)
    else:
        kind = "text"
    help_text = item.help or {}
    max_length = item.max_length if "max_length" in raw or item.max_length != 1000 else None
    return [kind, item.code, item.text["vi"], item.text["en"], help_text.get("vi"),
            help_text.get("en"), "yes" if item.required else None, max_length,
            "yes" if item.sensitive else None]


def survey_rows(instrument):
    rows = []
    if instrument.intro.get("vi") or instrument.intro.get("en"):
        rows.append(["note", L.INTRO, instrument.intro["vi"], instrument.intro["en"]])
    raw_sections = instrument.source.get("sections") or []
    for number, section in enumerate(instrument.sections):
        raw_items = raw_sections[number].get("items") if number < len(raw_sections) else []
        title = section.title or {}
        rows.append(["begin_group", section.code, title.get("vi"), title.get("en")])
        for position, item in enumerate(section.items):
            raw = raw_items[position] if position < len(raw_items or ()) else {}
            rows.append(_item_row(item, raw))
        rows.append(["end_group"])
    if instrument.profile:
        rows.append(["begin_group", L.PROFILE_GROUP, L.PROFILE_GROUP_LABEL["vi"],
                     L.PROFILE_GROUP_LABEL["en"]])
        for name in instrument.profile:
            rows.append([f"select_one {name}", name, PROFILE_QUESTIONS[name]["vi"],
                         PROFILE_QUESTIONS[name]["en"]])
        rows.append(["end_group"])
    return rows


def choices_rows(instrument):
    lists = {}  # list name -> [(choice name, label)], in order of first use
    for item in instrument.items:
        if item.type in ("likert5", "yesno"):
            for name, (kind, not_applicable, choices) in L.SCALE_LISTS.items():
                if kind == item.type and not_applicable == item.not_applicable:
                    lists.setdefault(name, choices)
        elif item.type == "choice":
            choices = [(o.value, o.label) for o in item.options]
            if item.not_applicable:
                choices.append((L.NOT_APPLICABLE, L.NOT_APPLICABLE_LABEL))
            lists[choice_list_name(item)] = choices
    for name in instrument.profile:
        lists[name] = list(PROFILE_FIELDS[name])
    return [[list_name, value, label["vi"], label["en"]]
            for list_name, choices in lists.items() for value, label in choices]


def index_rows(instrument):
    rows = []

    def visit(node, raw, parent, weight):
        level = node.level if "level" in raw else None
        rule = node.rule if "rule" in raw or node.rule != "mean" else None
        rows.append([node.code, parent, node.name["vi"], node.name["en"], level, rule,
                     " ".join(node.items) or None, weight, node.max_points])
        raw_children = raw.get("children") or [{}] * len(node.children)
        weights = raw.get("weights") or [None] * len(node.children)
        for child, raw_child, child_weight in zip(node.children, raw_children, weights,
                                                  strict=False):
            visit(child, raw_child, node.code, child_weight)

    visit(instrument.index, instrument.source.get("index") or {}, None, None)
    return rows


def _add_sheet(book, title, columns, rows):
    sheet = book.create_sheet(title)
    for col, header in enumerate(columns, start=1):
        sheet.cell(row=1, column=col, value=header).font = Font(bold=True)
        sheet.column_dimensions[sheet.cell(row=1, column=col).column_letter].width = \
            48 if "::" in header and not header.startswith("hailong::max") else 16
    for number, values in enumerate(rows, start=2):
        for col, value in enumerate(values, start=1):
            if value is None or value == "":
                continue
            cell = sheet.cell(row=number, column=col, value=value)
            if isinstance(value, str) and value.startswith("="):
                cell.data_type = "s"  # wording, not a formula
    sheet.freeze_panes = "A2"


def export_xlsform(instrument):
    """The XLSForm workbook of ``instrument`` (an ``instruments.Instrument``) as bytes."""
    book = Workbook()
    book.remove(book.active)
    _add_sheet(book, L.SURVEY, L.SURVEY_COLUMNS, survey_rows(instrument))
    _add_sheet(book, L.CHOICES, L.CHOICES_COLUMNS, choices_rows(instrument))
    _add_sheet(book, L.SETTINGS, L.SETTINGS_COLUMNS, [[
        instrument.title["vi"], instrument.title["en"], instrument.id, instrument.version,
        L.VI]])
    _add_sheet(book, L.INDEX, L.INDEX_COLUMNS, index_rows(instrument))
    if instrument.official:
        _add_sheet(book, L.OFFICIAL, L.OFFICIAL_COLUMNS,
                   [[index, code, node] for index, codes in instrument.official.items()
                    for code, node in codes.items()])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
