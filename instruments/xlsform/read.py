"""Read an XLSForm workbook into the mapping an instrument YAML file holds, then validate it
with ``instruments.loader.parse_instrument``: every rule of the YAML format applies.

Every problem found is listed with its sheet, Excel row and column header.
"""
import re
from dataclasses import dataclass, field

from instruments.loader import CODE_RE, ID_RE, parse_instrument
from instruments.schema import PROFILE_FIELDS, PROFILE_QUESTIONS, InstrumentError
from instruments.xlsform import layout as L
from instruments.xlsform.cells import (
    MISSING,
    Collector,
    as_int,
    bilingual,
    optional_bilingual,
    yes_no,
)
from instruments.xlsform.index_sheet import default_index, read_index
from instruments.xlsform.layout import N_, Problem, XLSFormError
from instruments.xlsform.lists import ChoiceLists
from instruments.xlsform.sheets import language_of, open_workbook

_SELECT_ONE = re.compile(r"^select[_ ]one\s+(\S+)(\s+or_other)?$", re.IGNORECASE)
_GROUP = re.compile(r"^(begin|end)[_ ]group$", re.IGNORECASE)


@dataclass
class Imported:
    """An instrument read from a workbook, with notes worth telling the person importing it."""

    instrument: object
    notes: list = field(default_factory=list)


class SurveyReader:
    """Walks the survey sheet: groups become sections, questions items (see layout.py)."""

    def __init__(self, sheet, lists, collect):
        self.sheet, self.lists, self.collect = sheet, lists, collect
        self.sections, self.profile, self.intro = [], None, None
        # questions share one set of names (item codes are unique); groups have their own,
        # as a section may be named like one of its questions
        self.names, self.groups, self.item_rows, self.item_types = {}, {}, {}, {}
        self.group = None  # (raw section or "profile", its begin row)
        self.loose = None  # the section gathering questions outside any group

    def read(self):
        for row in self.sheet.rows:
            self.row(row)
        if self.group is not None:
            self.collect.at(self.group[1], L.TYPE, N_("This group is never closed (end_group)."))
        if not self.item_rows:
            self.collect.add(self.sheet.title, None, None, N_("The survey sheet has no questions."))

    def claim(self, row, name, names=None):
        """Reserve a question's (or, with ``names=self.groups``, a group's) name."""
        names = self.names if names is None else names
        if not name:
            self.collect.at(row, L.NAME, N_("The name is empty."))
            return False
        if name in names:
            self.collect.at(row, L.NAME, N_("Name '%(name)s' is already used on row %(row)d."),
                            name=name, row=names[name])
            return False
        names[name] = row.number
        return True

    def row(self, row):
        kind = " ".join(row.text(L.TYPE).split())
        if not kind:
            self.collect.at(row, L.TYPE, N_("The type is empty."))
            return
        if kind.lower() in L.METADATA_TYPES:
            return
        for column in L.LOGIC_COLUMNS:
            if row.text(column):
                self.collect.at(row, column, N_(
                    "hailong shows every question to everyone and cannot use '%(column)s'; "
                    "offer \"Không áp dụng\" (the list satisfaction_na) instead of skipping."),
                    column=column)
        group = _GROUP.match(kind)
        if group:
            (self.begin if group.group(1).lower() == "begin" else self.end)(row)
        elif kind.lower() == "note":
            self.note(row)
        elif self.group and self.group[0] == L.PROFILE_GROUP:
            self.profile_question(row, kind)
        else:
            self.question(row, kind)

    def begin(self, row):
        if self.group is not None:
            self.collect.at(row, L.TYPE, N_(
                "Groups cannot be nested: close group '%(name)s' first."),
                name=self.group[1].text(L.NAME))
            return
        name = row.text(L.NAME)
        if not self.claim(row, name, self.groups):
            name = name or f"row{row.number}"
        self.loose = None
        if name == L.PROFILE_GROUP:
            self.profile = []
            self.group = (L.PROFILE_GROUP, row)
            return
        section = {"code": name, "items": []}
        if title := optional_bilingual(self.collect, row, "label"):
            section["title"] = title
        self.sections.append(section)
        self.group = (section, row)

    def end(self, row):
        if self.group is None:
            self.collect.at(row, L.TYPE, N_("This end_group has no begin_group."))
            return
        content, begin_row = self.group
        if content != L.PROFILE_GROUP and not content["items"]:
            self.collect.at(begin_row, L.TYPE, N_("Group '%(name)s' has no questions."),
                            name=content["code"])
        self.group = None

    def note(self, row):
        name = row.text(L.NAME)
        if name != L.INTRO or self.group is not None or self.intro is not None:
            self.collect.at(row, L.TYPE, N_(
                "hailong shows one note only: the introduction, named 'intro', outside the "
                "groups."))
            return
        self.claim(row, name)
        self.intro = bilingual(self.collect, row, "label")

    def profile_question(self, row, kind):
        name = row.text(L.NAME)
        match = _SELECT_ONE.match(kind)
        if name not in PROFILE_FIELDS or not match or match.group(1) != name:
            self.collect.at(row, L.NAME, N_(
                "The group 'profile' holds hailong's questions about the respondent only: "
                "'select_one X' named X, with X one of %(fields)s."),
                fields=", ".join(PROFILE_FIELDS))
            return
        if not self.claim(row, name) or not self._list_exists(row, name):
            return
        for lang in ("vi", "en"):
            given = row.text(f"label::{lang}")
            if given and given != PROFILE_QUESTIONS[name][lang]:
                self.collect.at(row, f"label::{lang}", N_(
                    "The wording of hailong's question '%(name)s' is fixed: write "
                    "'%(expected)s' or leave the cell empty."),
                    name=name, expected=PROFILE_QUESTIONS[name][lang])
        self.lists.profile(name)
        self.profile.append(name)

    def _list_exists(self, row, name):
        if not self.lists.exists(name):
            self.collect.at(row, L.TYPE, N_(
                "List '%(list)s' is not on the choices sheet."), list=name)
            return False
        return True

    def question(self, row, kind):
        code = row.text(L.NAME)
        if self.claim(row, code) and not CODE_RE.match(code):
            self.collect.at(row, L.NAME, N_(
                "Name '%(name)s' must be lower-case letters, digits or _, start with a letter "
                "and have at most 40 characters."), name=code)
        item = {"code": code, "text": bilingual(self.collect, row, "label")}
        if not self.item_type(row, kind, item):
            self.item_types[code] = None  # already refused: no second complaint in the index
            return
        if row.text(L.SENSITIVE) and yes_no(self.collect, row, L.SENSITIVE):
            item["sensitive"] = True  # never required: "prefer not to answer" is offered
        default_required = item.get("type", "likert5") != "text" and not item.get("sensitive")
        if (required := yes_no(self.collect, row, L.REQUIRED)) != default_required:
            item["required"] = required
        if row.text(L.MAX_LENGTH):
            length = as_int(row.value(L.MAX_LENGTH))
            if length is None or length < 1:
                self.collect.at(row, L.MAX_LENGTH, N_(
                    "Write a whole number of characters, 1 or more."))
            item["max_length"] = length
        if hint := optional_bilingual(self.collect, row, "hint"):
            item["help"] = hint
        if self.group is None and self.loose is None:
            self.loose = {"items": []}  # questions outside groups: a section without title
            self.sections.append(self.loose)
        (self.loose if self.group is None else self.group[0])["items"].append(item)
        self.item_rows[code] = row
        self.item_types[code] = item.get("type", "likert5")

    def item_type(self, row, kind, item):
        """Set ``type``, ``options``, ``not_applicable`` of ``item``; False if unusable."""
        if kind.lower() == "text":
            item["type"] = "text"
            return True
        match = _SELECT_ONE.match(kind)
        if not match:
            self.collect.at(row, L.TYPE, N_(
                "Type '%(type)s' is not one hailong can use (select_one, text, note, "
                "begin_group, end_group)."), type=kind)
            return False
        list_name = match.group(1)
        if match.group(2):
            self.collect.at(row, L.TYPE, N_("'or_other' cannot be used: every answer must "
                                            "be one of the choices."))
        if not self._list_exists(row, list_name):
            return False
        if list_name in PROFILE_FIELDS:
            self.collect.at(row, L.TYPE, N_(
                "List '%(list)s' belongs to the question about the respondent; use it in the "
                "group 'profile'."), list=list_name)
            return False
        if list_name in L.SCALE_LISTS:
            kind, not_applicable, expected = L.SCALE_LISTS[list_name]
            self.lists.fixed(list_name, expected)
            if kind != "likert5":
                item["type"] = kind
        else:
            options, not_applicable = self.lists.options(list_name, row)
            item["type"], item["options"] = "choice", options
        if not_applicable:
            item["not_applicable"] = True
        return True


def read_settings(sheet, collect):
    """(id, version, title) from the first row under the settings headers."""
    if not sheet.rows:
        collect.add(sheet.title, 2, None, N_("The settings sheet has no row under its headers."))
        return None, None, None
    row = sheet.rows[0]
    id_key = L.FORM_ID if row.text(L.FORM_ID) or "id_string" not in sheet.headers else "id_string"
    ident = row.text(id_key)
    if not ID_RE.match(ident):
        collect.at(row, id_key, N_(
            "The form id must be lower-case letters, digits or '-' and start with a letter "
            "(found '%(value)s')."), value=ident)
    version = as_int(row.value(L.VERSION))
    if version is None or version < 1:
        collect.at(row, L.VERSION, N_(
            "The version must be a whole number, 1 or more (found '%(value)s'); a version "
            "that has responses cannot change, so a changed form needs a new number."),
            value=row.text(L.VERSION))
    title = {"vi": row.text(L.FORM_TITLE), "en": row.text("hailong::form_title::en")}
    for lang, key in (("vi", L.FORM_TITLE), ("en", "hailong::form_title::en")):
        if not title[lang]:
            collect.at(row, key, MISSING[lang])
    return ident, version, title


def import_xlsform(data, name="form.xlsx"):
    """An ``Imported`` instrument from the bytes of an .xlsx; ``XLSFormError`` if unusable."""
    sheets = open_workbook(data)
    collect = Collector(sheets)
    for required in (L.SURVEY, L.SETTINGS):
        if required not in sheets:
            collect.add(required, None, None, N_("The workbook has no sheet '%(sheet)s'."),
                        sheet=required)
    if collect.problems:
        raise XLSFormError(collect.problems)
    settings = sheets[L.SETTINGS]
    default = settings.rows[0].text(L.DEFAULT_LANGUAGE) if settings.rows else ""
    for sheet in sheets.values():
        sheet.use_default_language(language_of(default) or "vi")
    ident, version, title = read_settings(settings, collect)
    survey = SurveyReader(sheets[L.SURVEY], ChoiceLists(sheets.get(L.CHOICES), collect), collect)
    survey.read()
    notes, node_rows = [], {}
    if L.INDEX in sheets:
        index, node_rows = read_index(sheets[L.INDEX], collect, survey.item_types)
    else:
        scored = [code for code, kind in survey.item_types.items() if kind == "likert5"]
        index = default_index(scored)
        notes.append(Problem(L.INDEX, None, None, N_(
            "There is no sheet 'hailong_index': the index is the mean of the %(n)d "
            "satisfaction questions."), {"n": len(scored)}))
    if collect.problems:
        raise XLSFormError(collect.problems)
    raw = {"id": ident, "version": version, "title": title}
    if survey.intro:
        raw["intro"] = survey.intro
    if survey.profile:
        raw["profile"] = survey.profile
    raw["sections"] = survey.sections
    raw["index"] = index
    if L.OFFICIAL in sheets:
        official = read_official(sheets[L.OFFICIAL], collect)
        if collect.problems:
            raise XLSFormError(collect.problems)
        if official:
            raw["official"] = official
    try:
        instrument = parse_instrument(raw, where=name)
    except InstrumentError as exc:
        raise XLSFormError([locate(exc, name, sheets, survey.item_rows, node_rows)]) from None
    return Imported(instrument, notes)


def read_official(sheet, collect):
    """{index: {official code: node code}} from the ``hailong_official`` sheet."""
    mapping = {}
    for row in sheet.rows:
        index, code, node = (row.text(k) for k in L.OFFICIAL_COLUMNS)
        if not (index and code and node):
            collect.at(row, L.OFFICIAL_INDEX, N_(
                "Each row needs the index, the official code and the node it is set against."))
            continue
        mapping.setdefault(index, {})[code] = node
    return mapping


def locate(exc, name, sheets, item_rows, node_rows):
    """A loader error (worded for YAML files) placed on the row of its item or node."""
    detail = str(exc).removeprefix(f"{name}: ")
    item = re.search(r"item '([^']+)'", detail)
    node = re.search(r"index node '([^']+)'", detail)
    if node and node.group(1) in node_rows:
        row, sheet = node_rows[node.group(1)], sheets[L.INDEX]
    elif item and item.group(1) in item_rows:
        row, sheet = item_rows[item.group(1)], sheets[L.SURVEY]
    else:
        return Problem(None, None, None, N_("The questionnaire is not valid: %(detail)s"),
                       {"detail": detail})
    return Problem(sheet.title, row.number, None,
                   N_("The questionnaire is not valid: %(detail)s"), {"detail": detail})
