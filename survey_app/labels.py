"""What a reader sees for a stored code: unit kinds, roles, statuses, channels, sectors,
verified/open, answer values, instrument titles and analysis messages, in the reader's
language. One place, so that no page shows "service_centre" or "in_progress" raw.

``label(UnitKind.WARD)`` or, for a plain string, ``label("qr", "channel")``; templates use
the ``label`` filter (``{{ unit.kind|label }}``, ``{{ key|label("sector") }}``).
"""
import re

from flask import has_app_context
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from instruments.schema import SATISFACTION_LABELS
from survey_app.formatting import number
from survey_app.models import CaseStatus, Channel, CommentStatus, Role, Sector, UnitKind

LABELS = {
    "unit_kind": {
        "province": _l("Province or city"), "department": _l("Department"),
        "service_centre": _l("Public administration service centre"),
        "district": _l("District (former)"), "commune": _l("Commune"), "ward": _l("Ward"),
        "hospital": _l("Hospital"), "school": _l("School"), "other": _l("Other"),
    },
    "role": {
        "admin": _l("Administrator"), "unit_manager": _l("Unit manager"),
        "analyst": _l("Analyst"), "counter_officer": _l("Counter officer"),
        "viewer": _l("Viewer"), "data_entry": _l("Data entry (paper forms)"),
    },
    "comment_status": {
        "new": _l("new"), "published": _l("published"), "hidden": _l("hidden"),
        "abusive": _l("abusive"),
    },
    "case_status": {
        "open": _l("open"), "in_progress": _l("in progress"), "answered": _l("answered"),
        "closed": _l("closed"),
    },
    "channel": {
        "qr": _l("QR code"), "kiosk": _l("Kiosk"), "assisted": _l("With a staff member's help"),
        "invitation": _l("Dossier invitation"), "paper": _l("Paper form"),
        "import": _l("Imported"),
    },
    "sector": {
        "land": _l("Land"), "construction": _l("Construction"),
        "certification": _l("Certification"), "justice": _l("Justice and civil status"),
        "business": _l("Business registration"), "social": _l("Labour and social affairs"),
        "health": _l("Health"), "education": _l("Education"), "other": _l("Other"),
    },
    "verified": {
        "verified": _l("Verified (dossier invitation)"), "open": _l("Open QR code"),
    },
}
KIND_OF = {UnitKind: "unit_kind", Role: "role", CommentStatus: "comment_status",
           CaseStatus: "case_status", Channel: "channel", Sector: "sector"}


def label(value, kind=None):
    """The reader's word for ``value`` (an enum member, or a string of ``kind``).

    An unknown code is shown as it is rather than hidden."""
    if value is None:
        return ""
    kind = kind or KIND_OF.get(type(value))
    return LABELS.get(kind, {}).get(str(value), str(value))


def choices(kind, codes=None):
    """(code, label) pairs for a select field, in the order of ``codes`` or of LABELS."""
    known = LABELS[kind]
    return [(str(code), known.get(str(code), str(code))) for code in (codes or known)]


def reader_lang():
    """"en" or "vi": the request's language, or the one forced around a report; else "vi"."""
    if not has_app_context():
        return "vi"
    try:
        locale = get_locale()
    except RuntimeError:  # an app context with no request: the selector cannot ask
        return "vi"
    return "en" if locale is not None and locale.language == "en" else "vi"


def estimate_name(estimate):
    """The name of an index; the all-items-satisfied share has no name in the instrument."""
    if estimate.level == "respondent":
        return _("Respondents satisfied with every item")
    return estimate.name


def instrument_title(code, lang=None):
    """The questionnaire's title in the reader's language (its code when it is unknown)."""
    from survey_app.services import instrument_store

    current = instrument_store.current_version(code)
    if current is None:
        return code
    title = current[1].title
    return title.get(lang or reader_lang()) or title.get("vi") or code


def answer_text(instrument, item_code, value, lang=None):
    """(question wording, answer wording) of one stored answer, in the reader's language."""
    lang = lang or reader_lang()
    try:
        item = instrument.item(item_code)
    except KeyError:
        return item_code, "–" if value is None else str(value)
    if value is None:
        return item.label(lang), _("Not applicable")
    if item.type == "likert5" and value in SATISFACTION_LABELS:
        words = SATISFACTION_LABELS[value]
    else:
        words = next((o.label for o in item.options if o.value == value), None)
    if words is None:
        return item.label(lang), str(value)
    return item.label(lang), words.get(lang) or words["vi"]


# The analysis package speaks English to programmers; these are the messages it gives that
# reach a page, translated with the numbers they carry. Anything else is shown as it is.
ANALYSIS_MESSAGES = (
    (re.compile(r"too short to forecast: (\d+) points, need (\d+)"),
     lambda n, need: _("The series is too short to forecast: %(n)s periods, at least "
                       "%(need)s are needed.", n=n, need=need)),
    (re.compile(r"no model could be fitted to this series"),
     lambda: _("No forecasting model could be fitted to this series.")),
    (re.compile(r"no respondents in this domain"), lambda: _("no respondents")),
    (re.compile(r"no valid answers"), lambda: _("no valid answers")),
    (re.compile(r"too few complete answers \((\d+)\) to estimate (\d+) drivers"),
     lambda n, k: _("Too few complete answers (%(n)s) to estimate the effect of %(k)s "
                    "factors.", n=n, k=k)),
    (re.compile(r"the instrument has no '(.+)' item to explain"),
     lambda code: _("This questionnaire has no overall question ('%(code)s') to explain.",
                    code=code)),
)


def analysis_message(text):
    if not text:
        return ""
    for pattern, translate in ANALYSIS_MESSAGES:
        match = pattern.fullmatch(text)
        if match:
            return translate(*match.groups())
    return text


OFFICIAL_FIELDS = {"max_points": _l("Maximum"), "result": _l("Result"),
                   "target_next_year": _l("Target")}


def official_warning(warning):
    """A warning about an imported official table (``official.check``), in words."""
    def plain(value):
        return number(value, 4, trim=True)

    kind, values = warning.kind, warning.values
    if kind == "above_max":
        return _("The target %(target)s is above the maximum %(max)s.",
                 target=plain(values[0]), max=plain(values[1]))
    if kind == "below_result":
        return _("The target %(target)s is below the last result %(result)s.",
                 target=plain(values[0]), result=plain(values[1]))
    how, _sep, field = kind.partition("_")
    if field in OFFICIAL_FIELDS:
        value, n, combined = values
        words = {"what": OFFICIAL_FIELDS[field], "value": plain(value), "n": n,
                 "combined": plain(combined)}
        if how == "sum":
            return _("%(what)s %(value)s differs from the sum of the %(n)s rows below it "
                     "(%(combined)s).", **words)
        return _("%(what)s %(value)s differs from the mean of the %(n)s rows below it "
                 "(%(combined)s).", **words)
    return warning.message


def register(app):
    app.add_template_filter(label, "label")
    app.add_template_filter(estimate_name, "estimate_name")
    app.add_template_filter(instrument_title, "instrument_title")
    app.add_template_filter(analysis_message, "analysis_message")
    app.add_template_filter(official_warning, "official_warning")
