"""A response's closed answers packed into one short string (``response.answer_codes``).

One row per item per response (~21 rows each) cannot hold 10 million responses in a few
GB (issue #11 §4); one character per item on the response row can. The format:

- the *slots* of an instrument are the codes of its items that store a value (likert5,
  yesno, choice; a ``text`` item goes to ``comment``), over all its versions in version
  order, each code at its first appearance: a new version only appends codes, so a
  stored string never changes meaning;
- character i is slot i: value v (0..78) is ``chr(48 + v)`` ('1'..'5' for a rating),
  ``.`` is "không áp dụng" (not applicable), ``-`` is no answer; trailing ``-`` are
  stripped, so a response with nothing answered stores ''.

``migrations/versions/0012_packed_answers.py`` holds its own copy of the slot rule (a
migration must not import code that may change later); keep the two in step.
"""
import numpy as np
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Instrument, InstrumentVersion, Response

#: The item types whose answer is a number stored in a slot.
STORED_TYPES = ("likert5", "yesno", "choice")
NOT_APPLICABLE = "."
NO_ANSWER = "-"
ZERO = ord("0")
#: The largest value one character holds (chr(48 + 78) == '~').
MAX_VALUE = 78
#: The column's width: the most slots an instrument may have.
WIDTH = 200

_slots = {}
_version_instrument = {}


def stored_codes(definition):
    """The codes of a version's items that store a value, in questionnaire order."""
    return [item["code"] for section in definition.get("sections", ())
            for item in section.get("items", ())
            if item.get("type", "likert5") in STORED_TYPES]


def slots_from_definitions(definitions):
    """The slot codes of an instrument from its versions' definitions in version order."""
    codes = {}
    for definition in definitions:
        codes.update((code, None) for code in stored_codes(definition) if code not in codes)
    if len(codes) > WIDTH:
        raise ValueError(f"an instrument may store at most {WIDTH} items, not {len(codes)}")
    return tuple(codes)


def _key(*parts):
    return (str(db.engine.url), *parts)


def slots(instrument_id):
    """The slot codes of an instrument (cached per process until ``forget``)."""
    key = _key(instrument_id)
    if key not in _slots:
        definitions = db.session.scalars(
            sa.select(InstrumentVersion.definition)
            .where(InstrumentVersion.instrument_id == instrument_id)
            .order_by(InstrumentVersion.version)).all()
        _slots[key] = slots_from_definitions(definitions)
    return _slots[key]


def slots_of_version(version_id):
    """The slot codes of the instrument of a stored version.

    A version this process has not seen yet (``hailong instruments sync`` in another
    process) drops its instrument's cached slots: they may lack its new codes."""
    key = _key(version_id)
    if key not in _version_instrument:
        instrument_id = db.session.scalar(
            sa.select(InstrumentVersion.instrument_id).where(InstrumentVersion.id == version_id))
        _slots.pop(_key(instrument_id), None)
        _version_instrument[key] = instrument_id
    return slots(_version_instrument[key])


def slots_of_code(code):
    """The slot codes of the instrument ``code`` (an empty tuple when it is not stored)."""
    version_id = db.session.scalar(
        sa.select(sa.func.max(InstrumentVersion.id)).join(Instrument)
        .where(Instrument.code == code))
    return () if version_id is None else slots_of_version(version_id)


def slot_of(slot_codes, code):
    """The slot index of ``code``, or -1 when the instrument never stored it."""
    return slot_codes.index(code) if code in slot_codes else -1


def forget():
    """Drop the cached slots (a version was stored or changed)."""
    _slots.clear()
    _version_instrument.clear()


def value_char(value):
    if value is None:
        return NOT_APPLICABLE
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_VALUE:
        raise ValueError(f"a packed answer is an integer from 0 to {MAX_VALUE}, not {value!r}")
    return chr(ZERO + value)


def pack(slot_codes, values):
    """The packed string of ``values`` ({code: int, or None for not applicable})."""
    chars = [NO_ANSWER] * len(slot_codes)
    position = {code: i for i, code in enumerate(slot_codes)}
    for code, value in values.items():
        if code not in position:
            raise ValueError(f"item '{code}' has no slot in this instrument")
        chars[position[code]] = value_char(value)
    return "".join(chars).rstrip(NO_ANSWER)


def unpack(slot_codes, text):
    """{code: int or None} of the answered items of a packed string ('.' -> None)."""
    values = {}
    for code, char in zip(slot_codes, text or "", strict=False):
        if char == NO_ANSWER:
            continue
        values[code] = None if char == NOT_APPLICABLE else ord(char) - ZERO
    return values


def values_of(response):
    """{code: int or None} of one stored ``Response`` (for pages showing one response)."""
    return unpack(slots_of_version(response.instrument_version_id), response.answer_codes)


def char_matrix(texts, width):
    """(n, width) uint8 of the raw characters of many packed strings, '-' past their end."""
    texts = list(texts)
    if not texts or width == 0:
        return np.full((len(texts), width), ord(NO_ANSWER), dtype=np.uint8)
    padded = "".join(text.ljust(width, NO_ANSWER)[:width] for text in texts)
    return np.frombuffer(padded.encode("ascii"), dtype=np.uint8).reshape(len(texts), width)


def codes_matrix(texts, positions):
    """(n, len(positions)) uint8 values of many packed strings for analysis: a rating 1..5
    is kept, anything else (not applicable, no answer, another value) is 0.

    ``positions[k]`` is the slot of the k-th wanted item, or -1 when the instrument never
    had it (then the column is 0)."""
    positions = np.asarray(positions, dtype=np.int64).reshape(-1)
    width = int(positions.max()) + 1 if positions.size else 0
    chars = char_matrix(texts, max(width, 0))
    values = np.zeros((chars.shape[0], positions.size), dtype=np.uint8)
    present = positions >= 0
    if present.any():
        picked = chars[:, positions[present]].astype(np.int16) - ZERO
        values[:, present] = np.where((picked >= 1) & (picked <= 5), picked, 0)
    return values


def item_char(slot_index, column=None):
    """SQL for the character of slot ``slot_index`` ('' past the end of the string)."""
    column = Response.answer_codes if column is None else column
    return sa.func.substr(column, slot_index + 1, 1)


def has_value(slot_index, values, column=None):
    """SQL condition: the item of ``slot_index`` was answered with one of ``values``
    (never true when the instrument has no such slot: ``slot_index`` None or -1, nor for
    a value no slot can hold)."""
    chars = [chr(ZERO + v) for v in values if 0 <= v <= MAX_VALUE]
    if slot_index is None or slot_index < 0 or not chars:
        return sa.false()
    return item_char(slot_index, column).in_(chars)


def is_not_applicable(slot_index, column=None):
    """SQL condition: the item of ``slot_index`` was answered "không áp dụng"."""
    if slot_index is None or slot_index < 0:
        return sa.false()
    return item_char(slot_index, column) == NOT_APPLICABLE


def is_answered(slot_index, column=None):
    """SQL condition: the item of ``slot_index`` has an answer ("không áp dụng" included)."""
    if slot_index is None or slot_index < 0:
        return sa.false()
    return item_char(slot_index, column).not_in(["", NO_ANSWER])


def any_item_has_value(codes, values):
    """SQL condition: some item whose code is in ``codes`` was answered with one of
    ``values``, in whichever stored instrument has it (one slot test per instrument)."""
    conditions = []
    for instrument_id, code in db.session.execute(sa.select(Instrument.id, Instrument.code)):
        parts = [has_value(i, values) for i, item in enumerate(slots_of_code(code))
                 if item in codes]
        if parts:
            versions = sa.select(InstrumentVersion.id).where(
                InstrumentVersion.instrument_id == instrument_id)
            conditions.append(sa.and_(Response.instrument_version_id.in_(versions),
                                      sa.or_(*parts)))
    return sa.or_(*conditions) if conditions else sa.false()


def answered():
    """SQL condition: the response answered at least one closed item (not-applicable
    counts; as a row in the former ``answer`` table did)."""
    return Response.answer_codes != ""
