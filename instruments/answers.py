"""Check one respondent's raw answers against an instrument.

The same rules serve the web form, kiosk, invitations, paper entry and imports, so a
value is accepted or refused the same way everywhere. Problems are returned as codes
(``required``, ``choice``, ``not_applicable``, ``too_long``, ``unknown``) with
parameters; the caller words them in the respondent's language.
"""
import re
from dataclasses import dataclass, field

from instruments.schema import PROFILE_FIELDS, SATISFACTION_LABELS

NOT_APPLICABLE = "na"
#: The answer "Không muốn trả lời / Prefer not to answer" of a sensitive item: stored as
#: no answer at all, like a skipped optional question.
DECLINED = "decline"
# C0/C1 control characters other than tab and line breaks: a pasted NUL byte cannot be
# stored by PostgreSQL, and none of them means anything in a comment.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def without_control_characters(text):
    return CONTROL_CHARACTERS.sub("", text)


@dataclass
class CleanAnswers:
    values: dict = field(default_factory=dict)  # item code -> int, or None for "not applicable"
    comment: str | None = None
    profile: dict = field(default_factory=dict)
    errors: dict = field(default_factory=dict)  # field name -> (problem, params)


def allowed_values(item):
    if item.type == "likert5":
        return set(SATISFACTION_LABELS)
    return item.valid_values()


def _as_int(value):
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = str(value).strip()
    # ASCII digits only: str.isdigit() accepts "²" and other digits int() refuses
    if text.lstrip("-").isascii() and text.lstrip("-").isdigit():
        return int(text)
    return None


def clean_item(item, raw, result):
    blank = raw is None or (isinstance(raw, str) and not raw.strip())
    if item.type == "text":
        text = "" if blank else without_control_characters(str(raw)).strip()
        if len(text) > item.max_length:
            result.errors[item.code] = ("too_long", {"n": item.max_length})
        elif text:
            result.comment = text
        return
    if item.sensitive and str(raw).strip().lower() == DECLINED:
        return
    if blank:
        if item.required:
            result.errors[item.code] = ("required", {})
        return
    if str(raw).strip().lower() == NOT_APPLICABLE:
        if item.not_applicable:
            result.values[item.code] = None
        else:
            result.errors[item.code] = ("not_applicable", {})
        return
    value = _as_int(raw)
    if value is None or value not in allowed_values(item):
        result.errors[item.code] = ("choice", {})
        return
    result.values[item.code] = value


def clean_answers(instrument, raw, allow_unknown=("client_uuid", "csrf_token", "submit")):
    """Validate ``raw`` (a mapping of field name to value) and return ``CleanAnswers``."""
    result = CleanAnswers()
    known = {item.code for item in instrument.items} | set(instrument.profile)
    for name in raw:
        if name not in known and name not in allow_unknown:
            result.errors[name] = ("unknown", {})
    for item in instrument.items:
        clean_item(item, raw.get(item.code), result)
    for name in instrument.profile:
        value = raw.get(name)
        if value in (None, ""):
            continue
        if value not in {code for code, _ in PROFILE_FIELDS[name]}:
            result.errors[name] = ("choice", {})
        else:
            result.profile[name] = value
    return result
