"""Load and validate instrument files (YAML) into frozen ``Instrument`` objects."""
import hashlib
import json
import re
from functools import lru_cache
from pathlib import Path

import yaml

from instruments.official import parse_official
from instruments.schema import (
    ITEM_TYPES,
    PROFILE_FIELDS,
    YESNO_OPTIONS,
    Instrument,
    InstrumentError,
    Item,
    Option,
    Section,
    text_mapping,
)
from instruments.tree import build_node, check_unique_codes

DATA_DIR = Path(__file__).parent / "data"
CODE_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
ID_RE = re.compile(r"^[a-z][a-z0-9-]{0,59}$")


def _text(raw, where, key):
    return text_mapping(raw.get(key), where, key)


def _options(raw, where):
    options = raw.get("options")
    if not isinstance(options, list) or len(options) < 2:
        raise InstrumentError(f"{where}: a 'choice' item needs at least two options")
    built = []
    for option in options:
        if not isinstance(option, dict) or not isinstance(option.get("value"), int):
            raise InstrumentError(f"{where}: every option needs an integer 'value'")
        built.append(Option(option["value"], _text(option, where, "label")))
    if len({o.value for o in built}) != len(built):
        raise InstrumentError(f"{where}: option values must be distinct")
    return tuple(built)


def build_item(raw, where):
    if not isinstance(raw, dict):
        raise InstrumentError(f"{where}: an item must be a mapping")
    code = str(raw.get("code", ""))
    if not CODE_RE.match(code):
        raise InstrumentError(
            f"{where}: item code '{code}' must be lower-case letters, digits or _ "
            "and start with a letter"
        )
    here = f"{where}: item '{code}'"
    kind = raw.get("type", "likert5")
    if kind not in ITEM_TYPES:
        raise InstrumentError(f"{here}: type '{kind}' is not one of {', '.join(ITEM_TYPES)}")
    options = ()
    if kind == "choice":
        options = _options(raw, here)
    elif kind == "yesno":
        options = tuple(Option(v, label) for v, label in YESNO_OPTIONS)
    max_length = int(raw.get("max_length", 1000))
    if max_length < 1:
        raise InstrumentError(f"{here}: 'max_length' must be positive")
    sensitive = bool(raw.get("sensitive", False))
    if sensitive and (kind == "text" or raw.get("required")):
        raise InstrumentError(f"{here}: a 'sensitive' item is an optional choice: it cannot be "
                              "required or free text")
    return Item(
        code=code, type=kind, text=_text(raw, here, "text"),
        required=bool(raw.get("required", kind != "text" and not sensitive)),
        sensitive=sensitive,
        not_applicable=bool(raw.get("not_applicable", False)),
        options=options, max_length=max_length,
        help=_text(raw, here, "help") if "help" in raw else None,
    )


def parse_instrument(raw, where="<instrument>"):
    """Validate a mapping (parsed YAML) and return an ``Instrument``."""
    if not isinstance(raw, dict):
        raise InstrumentError(f"{where}: the file must hold a mapping")
    ident = str(raw.get("id", ""))
    if not ID_RE.match(ident):
        raise InstrumentError(f"{where}: 'id' must be lower-case letters, digits or '-'")
    version = raw.get("version")
    if not isinstance(version, int) or version < 1:
        raise InstrumentError(f"{where}: 'version' must be a positive integer")
    sections = []
    seen = set()
    for number, raw_section in enumerate(raw.get("sections") or (), start=1):
        if not isinstance(raw_section, dict):
            raise InstrumentError(f"{where}: section {number} must be a mapping")
        items = tuple(build_item(i, where) for i in raw_section.get("items") or ())
        if not items:
            raise InstrumentError(f"{where}: section {number} has no items")
        for item in items:
            if item.code in seen:
                raise InstrumentError(f"{where}: item '{item.code}' is defined twice")
            seen.add(item.code)
        title = _text(raw_section, f"{where}: section {number}", "title") \
            if "title" in raw_section else None
        sections.append(Section(str(raw_section.get("code", number)), title, items))
    if not sections:
        raise InstrumentError(f"{where}: no sections with items")
    profile = tuple(raw.get("profile") or ())
    for name in profile:
        if name not in PROFILE_FIELDS:
            raise InstrumentError(
                f"{where}: profile field '{name}' is not one of {', '.join(PROFILE_FIELDS)}"
            )
    scored = {item.code for s in sections for item in s.items if item.scored}
    if "index" not in raw:
        raise InstrumentError(f"{where}: no 'index' tree")
    index = build_node(raw["index"], scored, where)
    check_unique_codes(index, where)
    return Instrument(
        id=ident, version=version, title=_text(raw, where, "title"),
        intro=_text(raw, where, "intro") if "intro" in raw else {"vi": "", "en": ""},
        sections=tuple(sections), profile=profile, index=index, source=raw,
        official=parse_official(raw.get("official"), index, where),
    )


def load_file(path):
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InstrumentError(f"{path}: cannot be read ({exc.strerror})") from exc
    except yaml.YAMLError as exc:
        raise InstrumentError(f"{path}: is not valid YAML ({exc})") from exc
    return parse_instrument(raw, where=path.name)


@lru_cache(maxsize=1)
def bundled():
    """The instruments shipped with hailong, by id."""
    return {inst.id: inst for inst in map(load_file, sorted(DATA_DIR.glob("*.yaml")))}


def get(id_or_path):
    """An instrument by shipped id, or from a YAML file path."""
    if id_or_path in bundled():
        return bundled()[id_or_path]
    if str(id_or_path).endswith((".yaml", ".yml")) or Path(id_or_path).is_file():
        return load_file(id_or_path)
    known = ", ".join(sorted(bundled()))
    raise InstrumentError(f"unknown instrument '{id_or_path}' (known: {known}, or a YAML path)")


def digest(instrument):
    """A stable hash of the wording and structure; a change needs a new version.

    The ``official`` mapping (which official index nodes the questionnaire measures) is
    not part of it: correcting it changes no answer's meaning."""
    wording = {key: value for key, value in instrument.source.items() if key != "official"}
    canonical = json.dumps(wording, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
