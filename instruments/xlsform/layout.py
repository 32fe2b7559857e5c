"""The XLSForm layout hailong writes and reads: sheet, column and list names, problems.

XLSForm (https://xlsform.org) is the spreadsheet format of KoboToolbox and ODK. What those
tools have no place for goes into ``hailong::`` columns and the ``hailong_index`` sheet,
which they ignore. docs/instruments.md has the full mapping.
"""
from dataclasses import dataclass, field

from instruments.schema import SATISFACTION_LABELS, YESNO_OPTIONS, InstrumentError

SURVEY, CHOICES, SETTINGS, INDEX = "survey", "choices", "settings", "hailong_index"
OFFICIAL = "hailong_official"

VI, EN = "Vietnamese (vi)", "English (en)"
LANGUAGE_NAMES = {"vi": VI, "en": EN}

# survey sheet
TYPE, NAME, REQUIRED, MAX_LENGTH = "type", "name", "required", "hailong::max_length"
SENSITIVE = "hailong::sensitive"
# choices sheet
LIST_NAME = "list_name"
# settings sheet
FORM_TITLE, FORM_ID, VERSION, DEFAULT_LANGUAGE = "form_title", "form_id", "version", \
    "default_language"
TITLE_EN = "hailong::form_title::English (en)"
# hailong_index sheet
CODE, PARENT, LEVEL, RULE, ITEMS, WEIGHT, MAX_POINTS = (
    "code", "parent", "level", "rule", "items", "weight", "max_points")


def column(base, lang):
    """``label::Vietnamese (vi)`` and the like."""
    return f"{base}::{LANGUAGE_NAMES[lang]}"


SURVEY_COLUMNS = [TYPE, NAME, column("label", "vi"), column("label", "en"),
                  column("hint", "vi"), column("hint", "en"), REQUIRED, MAX_LENGTH, SENSITIVE]
# hailong_official sheet: which official index nodes the questionnaire measures
OFFICIAL_INDEX, OFFICIAL_CODE, OFFICIAL_NODE = "index", "official_code", "node"
OFFICIAL_COLUMNS = [OFFICIAL_INDEX, OFFICIAL_CODE, OFFICIAL_NODE]
CHOICES_COLUMNS = [LIST_NAME, NAME, column("label", "vi"), column("label", "en")]
SETTINGS_COLUMNS = [FORM_TITLE, TITLE_EN, FORM_ID, VERSION, DEFAULT_LANGUAGE]
INDEX_COLUMNS = [CODE, PARENT, column("name", "vi"), column("name", "en"), LEVEL, RULE, ITEMS,
                 WEIGHT, MAX_POINTS]

#: The answer value of "Không áp dụng", the same as the web form's (instruments.answers).
NOT_APPLICABLE = "na"
NOT_APPLICABLE_LABEL = {"vi": "Không áp dụng", "en": "Not applicable"}
SATISFACTION, SATISFACTION_NA = "satisfaction", "satisfaction_na"
YES_NO, YES_NO_NA = "yes_no", "yes_no_na"
#: The group holding the optional questions about the respondent (instrument ``profile``).
PROFILE_GROUP = "profile"
PROFILE_GROUP_LABEL = {"vi": "Thông tin về Ông/Bà (không bắt buộc)",
                       "en": "About you (optional)"}
INTRO = "intro"


def fixed_list(options, not_applicable=False):
    """[(choice name, {vi, en})] of a list whose wording hailong fixes."""
    choices = [(str(value), label) for value, label in options]
    if not_applicable:
        choices.append((NOT_APPLICABLE, NOT_APPLICABLE_LABEL))
    return choices


SCALE_LISTS = {
    SATISFACTION: ("likert5", False, fixed_list(SATISFACTION_LABELS.items())),
    SATISFACTION_NA: ("likert5", True, fixed_list(SATISFACTION_LABELS.items(), True)),
    YES_NO: ("yesno", False, fixed_list(YESNO_OPTIONS)),
    YES_NO_NA: ("yesno", True, fixed_list(YESNO_OPTIONS, True)),
}

#: XLSForm metadata rows (Kobo adds start and end to every form): not questions, skipped.
METADATA_TYPES = frozenset({
    "start", "end", "today", "deviceid", "subscriberid", "simserial", "phonenumber",
    "username", "email", "audit", "start-geopoint", "background-audio",
})
#: Survey columns with logic hailong cannot honour: a form using them is refused rather
#: than shown differently from what its author wrote.
LOGIC_COLUMNS = ("relevant", "constraint", "calculation", "choice_filter", "repeat_count",
                 "trigger")
MAX_ROWS = 3000


def N_(message):  # noqa: N802  (the gettext marker pybabel looks for; translated in the console)
    return message


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a workbook, located by sheet, Excel row and column header.

    ``message`` is an English template with ``%(name)s`` placeholders; the console
    translates it with Flask-Babel, the command line shows it as it is.
    """

    sheet: str | None
    row: int | None
    column: str | None
    message: str
    params: dict = field(default_factory=dict)

    @property
    def text(self):
        return self.message % self.params

    def __str__(self):
        where = []
        if self.sheet:
            where.append(f"sheet '{self.sheet}'")
        if self.row:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column '{self.column}'")
        return f"{', '.join(where)}: {self.text}" if where else self.text


class XLSFormError(InstrumentError):
    """A workbook that cannot become an instrument; ``problems`` says where and why."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__("; ".join(str(p) for p in self.problems[:5]))
