"""The instrument file format, validated on load.

An instrument file (YAML) holds an id, a version, bilingual wording, sections of items,
the optional respondent profile and the index tree (items -> factors -> aspects -> total).
Errors name the file, the item or node, and the problem.
"""
from dataclasses import dataclass, field

ITEM_TYPES = ("likert5", "yesno", "choice", "text")
RULES = ("mean", "pooled", "weighted")
LANGS = ("vi", "en")
#: Official indices a node may be set against, and the scale each is published on.
OFFICIAL_INDICES = {"SIPAS": "percent", "PAR_INDEX": "points", "PAPI": "points"}
SECONDS_PER_QUESTION = 8

SATISFACTION_LABELS = {
    1: {"vi": "Rất không hài lòng", "en": "Very dissatisfied"},
    2: {"vi": "Không hài lòng", "en": "Dissatisfied"},
    3: {"vi": "Bình thường", "en": "Neutral"},
    4: {"vi": "Hài lòng", "en": "Satisfied"},
    5: {"vi": "Rất hài lòng", "en": "Very satisfied"},
}
YESNO_OPTIONS = (
    (1, {"vi": "Có", "en": "Yes"}),
    (0, {"vi": "Không", "en": "No"}),
)
PROFILE_FIELDS = {
    "respondent_type": (
        ("citizen", {"vi": "Người dân", "en": "Individual"}),
        ("organisation", {"vi": "Tổ chức, doanh nghiệp", "en": "Organisation or business"}),
    ),
    "sex": (
        ("female", {"vi": "Nữ", "en": "Female"}),
        ("male", {"vi": "Nam", "en": "Male"}),
    ),
    "age_band": (
        ("u30", {"vi": "Dưới 30 tuổi", "en": "Under 30"}),
        ("30-44", {"vi": "30–44 tuổi", "en": "30–44"}),
        ("45-59", {"vi": "45–59 tuổi", "en": "45–59"}),
        ("60+", {"vi": "Từ 60 tuổi", "en": "60 or older"}),
    ),
}
PROFILE_QUESTIONS = {
    "respondent_type": {"vi": "Ông/Bà là", "en": "You are"},
    "sex": {"vi": "Giới tính", "en": "Sex"},
    "age_band": {"vi": "Tuổi", "en": "Age"},
}


class InstrumentError(ValueError):
    """An instrument file that does not follow the schema."""


def text_mapping(value, here, key):
    """Check a bilingual text (``{vi: …, en: …}``) and return it as a plain dict.

    Only the keys ``vi`` and ``en`` with non-empty text are accepted: an unquoted comma in
    a YAML flow mapping (``{vi: A, B, en: C}``) silently makes ``B`` a key with no value
    and cuts the wording at the comma, and an unquoted ``Yes``/``No`` becomes a boolean.
    """
    if not isinstance(value, dict) or not value.get("vi") or not value.get("en"):
        raise InstrumentError(f"{here}: '{key}' needs both 'vi' and 'en' wording")
    extra = sorted(str(k) for k in value if k not in LANGS)
    if extra:
        raise InstrumentError(
            f"{here}: '{key}' has keys other than 'vi' and 'en' ({', '.join(extra)}): "
            "put text that holds a comma or a colon in quotes")
    for lang in LANGS:
        if not isinstance(value[lang], str):
            raise InstrumentError(
                f"{here}: '{key}' {lang} is {value[lang]!r}, not text: put it in quotes")
    return {lang: value[lang] for lang in LANGS}


@dataclass(frozen=True)
class Option:
    value: int
    label: dict


@dataclass(frozen=True)
class Item:
    code: str
    type: str
    text: dict
    required: bool = True
    not_applicable: bool = False
    options: tuple = ()
    max_length: int = 1000
    help: dict | None = None
    #: A question some people would rather not answer (e.g. being asked for money): never
    #: required, and the form offers "Không muốn trả lời / Prefer not to answer".
    sensitive: bool = False

    @property
    def scored(self):
        """Whether the item enters the satisfaction indices (5-level items only)."""
        return self.type == "likert5"

    def label(self, lang):
        return self.text.get(lang) or self.text["vi"]

    def valid_values(self):
        return {o.value for o in self.options}


@dataclass(frozen=True)
class Section:
    code: str
    title: dict
    items: tuple


@dataclass(frozen=True)
class Node:
    """A node of the index tree; ``coefficients`` maps item codes to weights summing to 1."""

    code: str
    name: dict
    level: str
    rule: str
    items: tuple = ()
    children: tuple = ()
    weights: tuple = ()
    max_points: float | None = None
    coefficients: dict = field(default_factory=dict, compare=False)

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()

    def item_codes(self):
        if self.items:
            return list(self.items)
        return [code for child in self.children for code in child.item_codes()]


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: loaded once, cached
class Instrument:
    id: str
    version: int
    title: dict
    intro: dict
    sections: tuple
    profile: tuple
    index: Node
    source: dict = field(default_factory=dict, compare=False)
    official: dict = field(default_factory=dict, compare=False)  # index -> {code: node}

    @property
    def items(self):
        return [item for section in self.sections for item in section.items]

    def item(self, code):
        for item in self.items:
            if item.code == code:
                return item
        raise KeyError(code)

    @property
    def minutes_to_answer(self):
        """The minutes promised on posters and the form: about 8 s per question to tap.

        Free-text questions are optional and not counted; at least one minute.
        """
        questions = sum(1 for item in self.items if item.type != "text")
        return max(1, int(questions * SECONDS_PER_QUESTION / 60 + 0.5))

    @property
    def scored_items(self):
        return [item for item in self.items if item.scored]

    def nodes(self):
        return list(self.index.walk())

    def official_nodes(self, index):
        """{official code: (node, scale)} for ``index``: the official value is compared with
        scale x the node's index (1 for percentages, max_points / 100 for points)."""
        nodes = {node.code: node for node in self.nodes()}
        points = OFFICIAL_INDICES.get(index) == "points"
        return {code: (nodes[node], nodes[node].max_points / 100 if points else 1.0)
                for code, node in self.official.get(index, {}).items()}
