"""The codes of a paper questionnaire: one list shared by the printed form, the entry
screen and the conversion to answers, so that what is printed is what is typed.

Every field gets one digit: a satisfaction item 1–5 and 0 for "không áp dụng"; a
yes/no or choice item the position of its option (1, 2, 3…, as printed); a profile
question likewise. 9 means "no answer on the paper" (for a sensitive question: "prefers
not to answer"). The comment is typed as it is written. A field is never left empty on
the entry screen: a blank box would not tell a skipped paper answer from a skipped key.
"""
from dataclasses import dataclass

from instruments.answers import DECLINED, NOT_APPLICABLE
from instruments.schema import PROFILE_FIELDS, PROFILE_QUESTIONS, SATISFACTION_LABELS

NO_ANSWER = "9"
NOT_APPLICABLE_CODE = "0"
#: The pseudo-field "this serial came back blank or was never handed out".
BLANK_FIELD = "_blank"


@dataclass(frozen=True)
class Code:
    code: str  # the digit typed and printed
    raw: str  # what ``instruments.answers.clean_answers`` receives ("" for no answer)
    label: dict  # {"vi": …, "en": …}


@dataclass(frozen=True)
class Field:
    name: str  # item code or profile field
    number: int  # printed question number
    text: dict
    codes: tuple = ()  # empty for free text
    max_length: int = 1000

    @property
    def is_text(self):
        return not self.codes

    def label(self, lang):
        return self.text.get(lang) or self.text["vi"]

    def allowed(self):
        return "".join(c.code for c in self.codes)

    def raw_of(self, code):
        """The raw answer for a typed code, or None when the code is not one of this field's."""
        if self.is_text:
            return code or ""
        for c in self.codes:
            if c.code == code:
                return c.raw
        return None


NOT_APPLICABLE_LABEL = {"vi": "Không áp dụng", "en": "Not applicable"}
NO_ANSWER_LABEL = {"vi": "Không trả lời", "en": "No answer"}
DECLINED_LABEL = {"vi": "Không muốn trả lời", "en": "Prefers not to answer"}


def item_codes(item):
    if item.type == "likert5":
        codes = [Code(str(v), str(v), label) for v, label in SATISFACTION_LABELS.items()]
        if item.not_applicable:
            codes.append(Code(NOT_APPLICABLE_CODE, NOT_APPLICABLE, NOT_APPLICABLE_LABEL))
    else:
        codes = [Code(str(i), str(o.value), o.label) for i, o in enumerate(item.options, 1)]
        if item.not_applicable:
            codes.append(Code(NOT_APPLICABLE_CODE, NOT_APPLICABLE, NOT_APPLICABLE_LABEL))
    if item.sensitive:
        codes.append(Code(NO_ANSWER, DECLINED, DECLINED_LABEL))
    else:
        codes.append(Code(NO_ANSWER, "", NO_ANSWER_LABEL))
    return tuple(codes)


def fields(instrument):
    """The fields of ``instrument`` in printed order: items by section, then the profile."""
    out = []
    for item in instrument.items:
        if item.type == "text":
            out.append(Field(item.code, len(out) + 1, item.text, max_length=item.max_length))
        else:
            out.append(Field(item.code, len(out) + 1, item.text, item_codes(item)))
    for name in instrument.profile:
        codes = [Code(str(i), value, label) for i, (value, label) in
                 enumerate(PROFILE_FIELDS[name], 1)]
        codes.append(Code(NO_ANSWER, "", NO_ANSWER_LABEL))
        out.append(Field(name, len(out) + 1, PROFILE_QUESTIONS[name], tuple(codes)))
    return out


def check_codes(instrument, typed):
    """Problems of a typed form: {field name: ("missing" | "code", {"codes": allowed})}."""
    problems = {}
    for field in fields(instrument):
        code = (typed.get(field.name) or "").strip()
        if field.is_text:
            if len(code) > field.max_length:
                problems[field.name] = ("too_long", {"n": field.max_length})
            continue
        if not code:
            problems[field.name] = ("missing", {"codes": field.allowed()})
        elif field.raw_of(code) is None:
            problems[field.name] = ("code", {"codes": field.allowed()})
    return problems


def raw_answers(instrument, codes):
    """The raw answers (as a web form would post them) of a complete, checked form."""
    raw = {}
    for field in fields(instrument):
        value = field.raw_of((codes.get(field.name) or "").strip())
        raw[field.name] = value or ""
    return raw
