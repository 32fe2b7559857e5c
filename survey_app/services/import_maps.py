"""Column mappings: which file column holds which question, and what its words mean.

A mapping is a small YAML file (or the JSON kept with an import, so the same mapping
serves the next export of the same form)::

    name: google-forms-sipas-counter
    instrument: sipas-counter          # optional: refused for another questionnaire
    sheet: Sheet1                      # XLSX only (default: the first sheet)
    submitted_at: {column: "Dấu thời gian", format: "%d/%m/%Y %H:%M:%S",
                   timezone: Asia/Ho_Chi_Minh}
    source_id: _uuid                   # a column with a stable id; none: a hash of the row
    columns: {"Giới tính": sex, "Thái độ của công chức": staff}
    labels: {"Rất tốt": 5}             # extra answer words for every question
    answers: {trips: {"Một lần": 1}}   # extra answer words for one question

The questionnaire's own words need no mapping: the five satisfaction labels, "Không áp
dụng", "Không muốn trả lời", option and profile labels (Vietnamese and English) and the
stored values (1-5, option values, profile codes) are always understood. Matching
ignores case, spacing and Unicode composition (Excel on Windows may write decomposed
Vietnamese).
"""
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from instruments.answers import DECLINED, NOT_APPLICABLE
from instruments.schema import PROFILE_FIELDS, PROFILE_QUESTIONS, SATISFACTION_LABELS

READY_MADE_DIR = Path(__file__).resolve().parents[1] / "import_maps"
DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
NOT_APPLICABLE_WORDS = ("Không áp dụng", "Not applicable", "KAD", "N/A")
DECLINED_WORDS = ("Không muốn trả lời", "Prefer not to answer")
#: Header names taken as the date of the answer, or as a stable id, when no mapping says.
DATE_COLUMNS = ("dấu thời gian", "timestamp", "_submission_time", "submitted_at",
                "thời gian", "ngày trả lời", "ngày")
UTC_DATE_COLUMNS = ("_submission_time",)  # KoboToolbox writes the server's time in UTC
SOURCE_ID_COLUMNS = ("_uuid", "meta/instanceid", "instanceid", "client_uuid", "source_id")
#: Date layouts tried in turn when the mapping gives none (never month-first: 03/04 is
#: 3 April in Vietnam, and guessing would put answers in the wrong month).
DATE_FORMATS = ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y", "%d-%m-%Y %H:%M:%S",
                "%d-%m-%Y", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d")
KEYS = {"name", "instrument", "sheet", "submitted_at", "source_id", "columns", "labels",
        "answers"}
_DIRECTIVES = {"d": r"(?P<d>\d{1,2})", "m": r"(?P<m>\d{1,2})", "Y": r"(?P<Y>\d{4})",
               "H": r"(?P<H>\d{1,2})", "M": r"(?P<M>\d{1,2})", "S": r"(?P<S>\d{1,2})"}
_NUMBERING = re.compile(r"^(câu|question|q|c)?\s*\d+[a-z]?\s*[.):/-]\s*", re.IGNORECASE)


def N_(text):  # noqa: N802  (marks text for translation; translated where it is shown)
    return text


class MappingError(ValueError):
    """A mapping file that cannot be used; ``problems`` are (message, params) pairs."""

    def __init__(self, problems):
        super().__init__("; ".join(m % p if p else m for m, p in problems))
        self.problems = problems


@lru_cache(maxsize=65536)
def _normal_text(text):
    text = " ".join(text.split())
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return text.casefold()


def normal(text):
    """``text`` for comparison: NFC, case-folded, spaces collapsed.

    Cached: a file of 50,000 rows holds a few dozen distinct answers.
    """
    return _normal_text(text if isinstance(text, str) else str(text))


@dataclass(frozen=True)
class ColumnMap:
    name: str
    columns: dict                      # file column -> item code or profile field
    date_column: str | None = None
    date_format: str | None = None
    timezone: str = DEFAULT_TIMEZONE
    source_id: str | None = None
    instrument: str | None = None
    sheet: str | None = None
    labels: dict = field(default_factory=dict)    # label -> value, every question
    answers: dict = field(default_factory=dict)   # target -> {label -> value}

    def as_dict(self):
        """The mapping as saved with an import and written as YAML."""
        data = {"name": self.name}
        if self.instrument:
            data["instrument"] = self.instrument
        if self.sheet:
            data["sheet"] = self.sheet
        if self.date_column:
            data["submitted_at"] = {"column": self.date_column, "timezone": self.timezone}
            if self.date_format:
                data["submitted_at"]["format"] = self.date_format
        data["source_id"] = self.source_id
        data["columns"] = dict(self.columns)
        if self.labels:
            data["labels"] = dict(self.labels)
        if self.answers:
            data["answers"] = {k: dict(v) for k, v in self.answers.items()}
        return data

    def as_yaml(self):
        return yaml.safe_dump(self.as_dict(), allow_unicode=True, sort_keys=False)


def _text_map(value, key, problems):
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        problems.append((N_("'%(key)s' must map texts to values."), {"key": key}))
        return {}
    return {k: ("" if v is None else str(v)) for k, v in value.items()}


def parse_mapping(data, name=None):
    """A ``ColumnMap`` from a parsed YAML/JSON mapping.

    Raises
    ------
    MappingError
        Naming every key that is wrong (unknown keys, wrong types, an unknown time zone
        or a date format that is not one).
    """
    problems = []
    if not isinstance(data, dict):
        raise MappingError([(N_("A mapping is a YAML mapping with 'columns'."), {})])
    for key in sorted(set(data) - KEYS):
        problems.append((N_("Unknown key '%(key)s' (allowed: %(allowed)s)."),
                         {"key": key, "allowed": ", ".join(sorted(KEYS))}))
    columns = _text_map(data.get("columns"), "columns", problems)
    if not columns:
        problems.append((N_("The mapping names no column ('columns')."), {}))
    when = data.get("submitted_at") or {}
    if isinstance(when, str):
        when = {"column": when}
    if not isinstance(when, dict):
        problems.append((N_("'submitted_at' must name a column."), {}))
        when = {}
    zone = str(when.get("timezone") or DEFAULT_TIMEZONE)
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append((N_("Unknown time zone '%(zone)s'."), {"zone": zone}))
    date_format = when.get("format")
    if date_format is not None and "%" not in str(date_format):
        problems.append((N_("'%(format)s' is not a date format such as %%d/%%m/%%Y %%H:%%M:%%S."),
                         {"format": date_format}))
    answers = {}
    raw_answers = data.get("answers") or {}
    if not isinstance(raw_answers, dict):
        problems.append((N_("'answers' must map question codes to their words."), {}))
        raw_answers = {}
    for target, words in raw_answers.items():
        answers[str(target)] = _text_map(words, f"answers: {target}", problems)
    labels = _text_map(data.get("labels"), "labels", problems)
    if problems:
        raise MappingError(problems)
    source = data.get("source_id")
    return ColumnMap(
        name=str(data.get("name") or name or "mapping"), columns=columns,
        date_column=str(when["column"]) if when.get("column") else None,
        date_format=str(date_format) if date_format else None, timezone=zone,
        source_id=str(source) if source else None,
        instrument=str(data["instrument"]) if data.get("instrument") else None,
        sheet=str(data["sheet"]) if data.get("sheet") else None,
        labels=labels, answers=answers)


def load_yaml(text, name=None):
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise MappingError([(N_("The mapping is not valid YAML: %(reason)s"),
                             {"reason": str(error).splitlines()[0]})]) from None
    return parse_mapping(data, name)


def ready_made():
    """The shipped mappings by name (Google Forms, KoboToolbox), from ``import_maps/``."""
    return {path.stem: load_yaml(path.read_text(encoding="utf-8"), path.stem)
            for path in sorted(READY_MADE_DIR.glob("*.yaml"))}


def header_forms(header):
    """The ways a header may name a question: itself, without numbering, the part in
    brackets (a Google Forms grid: "Question [Row]"), the last part of a Kobo group path."""
    text = normal(header)
    forms = {text, _NUMBERING.sub("", text)}
    bracket = re.search(r"\[(.+)\]\s*$", text)
    if bracket:
        forms.add(_NUMBERING.sub("", bracket.group(1).strip()))
    if "/" in text:
        forms.add(text.rsplit("/", 1)[1].strip())
    return forms


def automatic(instrument, headers):
    """Guess a mapping from the headers: item codes, the questions' wording (Vietnamese or
    English), profile questions, a date column and an id column by their usual names."""
    names = {}
    for item in instrument.items:
        for key in (item.code, item.text.get("vi", ""), item.text.get("en", "")):
            names.setdefault(normal(key), item.code)
    for field_name in instrument.profile:
        for key in (field_name, *PROFILE_QUESTIONS[field_name].values()):
            names.setdefault(normal(key), field_name)
    columns, taken = {}, set()
    for header in headers:
        target = next((names[f] for f in header_forms(header) if f in names), None)
        if target and target not in taken:
            columns[header] = target
            taken.add(target)
    normals = {normal(h): h for h in headers}
    date_column = next((normals[n] for n in DATE_COLUMNS if n in normals), None)
    source = next((normals[n] for n in SOURCE_ID_COLUMNS if n in normals), None)
    zone = "UTC" if date_column and normal(date_column) in UTC_DATE_COLUMNS else DEFAULT_TIMEZONE
    return ColumnMap(name="automatic", columns=columns, date_column=date_column,
                     timezone=zone, source_id=source, instrument=instrument.id)


def choice_words(instrument, target):
    """{normalised word: stored value} that the questionnaire itself gives ``target``."""
    words = {}
    if target in PROFILE_FIELDS:
        for code, label in PROFILE_FIELDS[target]:
            words.update({normal(code): code, **{normal(t): code for t in label.values()}})
        return words
    item = {i.code: i for i in instrument.items}[target]
    if item.type == "likert5":
        for value, label in SATISFACTION_LABELS.items():
            words.update({normal(value): str(value), **{normal(t): str(value)
                                                        for t in label.values()}})
    for option in item.options:
        words.update({normal(option.value): str(option.value),
                      **{normal(t): str(option.value) for t in option.label.values()}})
    words.update({normal(w): NOT_APPLICABLE for w in (*NOT_APPLICABLE_WORDS, NOT_APPLICABLE)})
    if item.sensitive:
        words.update({normal(w): DECLINED for w in (*DECLINED_WORDS, DECLINED)})
    return words


def translations(instrument, mapping):
    """{target: {normalised word: value}} for every mapped choice question and profile field:
    the questionnaire's words, then the mapping's ``labels``, then its ``answers``."""
    items = {item.code: item for item in instrument.items}
    result = {}
    for target in set(mapping.columns.values()):
        if target not in PROFILE_FIELDS and (target not in items or items[target].type == "text"):
            continue
        words = choice_words(instrument, target)
        words.update({normal(k): v for k, v in mapping.labels.items()})
        words.update({normal(k): v for k, v in mapping.answers.get(target, {}).items()})
        result[target] = words
    return result


@lru_cache(maxsize=64)
def layout_pattern(layout):
    """A regex for a date layout made of %d %m %Y %H %M %S and literal text, else None.

    ``datetime.strptime`` takes ~100 µs a call (locale checks); 50,000 rows need faster.
    """
    parts, rest = [], layout
    while rest:
        if rest.startswith("%"):
            directive = rest[1:2]
            if directive == "%":
                parts.append("%")
            elif directive in _DIRECTIVES and _DIRECTIVES[directive] not in parts:
                parts.append(_DIRECTIVES[directive])
            else:
                return None
            rest = rest[2:]
        else:
            parts.append(re.escape(rest[0]))
            rest = rest[1:]
    return re.compile("".join(parts) + r"\Z")


def parse_layout(text, layout):
    """``text`` read with ``layout`` (a strptime format), or None."""
    pattern = layout_pattern(layout)
    if pattern is None:
        try:
            return datetime.strptime(text, layout)  # noqa: DTZ007 (zone applied by caller)
        except ValueError:
            return None
    match = pattern.match(text)
    if match is None:
        return None
    found = {k: int(v) for k, v in match.groupdict().items()}
    try:
        return datetime(found.get("Y", 1900), found.get("m", 1), found.get("d", 1),  # noqa: DTZ001
                        found.get("H", 0), found.get("M", 0), found.get("S", 0))
    except ValueError:  # 31/02/2025
        return None


def parse_when(value, mapping):
    """The UTC time (naive, as stored) of a date cell, or None when it is not a date.

    Text in the mapping's ``format``, else ISO 8601 (with or without an offset) or a
    day-first layout; a time without an offset is in the mapping's time zone.
    """
    if isinstance(value, datetime):
        moment = value
    else:
        text = str(value).strip()
        moment = None
        if not mapping.date_format:
            try:
                moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
            except ValueError:
                moment = None
        for layout in () if moment is not None else (mapping.date_format,) if mapping.date_format \
                else DATE_FORMATS:
            moment = parse_layout(text, layout)
            if moment is not None:
                break
        if moment is None:
            return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(mapping.timezone))
    return moment.astimezone(UTC).replace(tzinfo=None)
