"""Words in citizens' comments: Vietnamese word segmentation, frequent terms and
two-word phrases, and themes counted by keyword rules.

Citizens type on phones: without diacritics ("thai do khong tot"), with chat
abbreviations ("cb k nhiệt tình", "đc"), in capitals. Each comment is normalised before it
is counted:

1. lower case, chat abbreviations expanded (``ABBREVIATIONS``);
2. segmented into words by pyvi's CRF model (``ViTokenizer``), which joins the syllables
   of a word ("thái_độ", "hồ_sơ");
3. a comment typed without diacritics is matched, syllable group by syllable group, to the
   words the other comments spell with them ("thai do" → "thái độ"), so both count as one
   term. ``fold`` (no diacritics, đ → d) is the key.

Theme rules match on folded text, so the keyword "thái độ" also finds "thai do".
"""
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field

#: Chat abbreviations common in Vietnamese comments, and what they stand for.
ABBREVIATIONS = {
    "k": "không", "ko": "không", "kg": "không", "khg": "không", "hok": "không",
    "hông": "không", "dc": "được", "đc": "được",
    "cb": "cán bộ", "cbcc": "cán bộ công chức", "nv": "nhân viên", "hs": "hồ sơ",
    "tthc": "thủ tục hành chính", "ubnd": "ủy ban nhân dân", "tg": "thời gian",
    "j": "gì", "r": "rồi", "vs": "với", "mn": "mọi người", "bt": "bình thường",
    "lm": "làm", "ns": "nói", "bn": "bao nhiêu", "nhìu": "nhiều", "wa": "quá",
    "ntn": "như thế nào", "trc": "trước", "mk": "mình", "sdt": "số điện thoại",
}

#: Words too common to say anything on their own (they still join two-word phrases
#: when they carry meaning, see ``PHRASE_KEEP``).
STOPWORDS = frozenset("""
và là của có thì mà nhưng rất được cho với các những một này đã đang sẽ khi tôi em anh chị
ông bà mình chúng_tôi họ ở tại để từ vì nên cũng lại ra vào đến lên xuống nữa thêm hơn
quá lắm thật rồi vẫn còn chỉ đều như nhau việc về theo trong ngoài trên dưới sau trước
nào gì ai đâu bao_giờ thế này_nọ ạ nhé nha à ơi hả vậy đó kia ấy thôi luôn mọi cần
xin cảm_ơn cám_ơn bị do bởi nếu hay hoặc hoặc_là tuy cùng đi làm nói thấy biết phải người có
""".split())
#: Kept inside two-word phrases even though they are stopwords alone.
PHRASE_KEEP = frozenset({"không", "chưa", "rất", "quá", "lâu", "nhanh", "chậm"})
#: Not counted as terms on their own (negation is read in phrases: "không tốt").
NOT_TERMS = STOPWORDS | {"không", "chưa"}

_WORD = re.compile(r"\w", re.UNICODE)
_TOKEN = re.compile(r"[\w']+", re.UNICODE)


def fold(text):
    """Lower case without diacritics (đ → d): the key that matches "thái độ" and "thai do"."""
    text = unicodedata.normalize("NFD", text.lower().replace("đ", "d").replace("Đ", "d"))
    return "".join(c for c in text if unicodedata.category(c) != "Mn")


def has_diacritics(text):
    return fold(text) != text.lower()


def expand(text):
    """Lower case, Unicode composed, chat abbreviations written out."""
    words = _TOKEN.findall(unicodedata.normalize("NFC", text.lower()))
    return " ".join(ABBREVIATIONS.get(w, w) for w in words)


def segment(text):
    """Words of one comment (syllables of a word joined by "_"), punctuation dropped."""
    from pyvi import ViTokenizer  # loads a model: only when comments are analysed

    expanded = expand(text)
    if not expanded:
        return []
    return [w for w in ViTokenizer.tokenize(expanded).split() if _WORD.search(w)]


@dataclass
class Vocabulary:
    """Words as the corpus spells them, keyed by their folded form, to restore the
    diacritics of comments typed without them."""

    spelled: dict = field(default_factory=dict)   # folded "thai_do" -> "thái_độ"
    longest: int = 1

    @classmethod
    def of(cls, segmented):
        seen = defaultdict(Counter)
        for words in segmented:
            for w in words:
                if has_diacritics(w):
                    seen[fold(w)][w] += 1
        spelled = {key: counts.most_common(1)[0][0] for key, counts in seen.items()}
        longest = max((key.count("_") + 1 for key in spelled), default=1)
        return cls(spelled, min(longest, 4))

    def restore(self, words):
        """Re-join and re-spell the syllables of a comment typed without diacritics:
        longest known word first."""
        syllables = [s for w in words for s in w.split("_")]
        out, i = [], 0
        while i < len(syllables):
            for size in range(min(self.longest, len(syllables) - i), 0, -1):
                key = "_".join(syllables[i:i + size])
                if key in self.spelled:
                    out.append(self.spelled[key])
                    i += size
                    break
            else:
                out.append(syllables[i])
                i += 1
        return out


def words_of(texts):
    """Each text as its list of words, the no-diacritic ones re-spelled from the others."""
    segmented = [segment(t) for t in texts]
    vocabulary = Vocabulary.of(segmented)
    return [vocabulary.restore(words) if not has_diacritics(text) else words
            for text, words in zip(texts, segmented, strict=True)]


def terms(words):
    """The distinct terms of one comment: words that are not stopwords."""
    return {w for w in words if w not in NOT_TERMS and len(w) > 1 and not w.isdigit()}


def phrases(words):
    """The distinct two-word phrases of one comment ("thái_độ không", "không tốt")."""
    kept = [w for w in words if w not in STOPWORDS or w in PHRASE_KEEP]
    return {f"{a} {b}" for a, b in zip(kept, kept[1:], strict=False) if a != b and not (
        a in PHRASE_KEEP and b in PHRASE_KEEP)}


def shown(term):
    """A term as people read it: syllables apart."""
    return term.replace("_", " ")


@dataclass(frozen=True)
class Frequent:
    term: str          # as shown ("thái độ")
    comments: int      # number of comments that use it
    examples: tuple    # indices of up to ``EXAMPLES`` comments that use it


EXAMPLES = 2


def most_frequent(bags, top=15, among=None, minimum=2, texts=None):
    """The terms found in most comments (each comment counts once per term).

    ``bags`` is a list of sets (terms or phrases of each comment); ``among`` restricts to
    those comment indices. Terms used by fewer than ``minimum`` comments are left out.
    Given ``texts``, the examples of a term are different texts.
    """
    counts, examples = Counter(), defaultdict(list)
    for i, bag in enumerate(bags):
        if among is not None and i not in among:
            continue
        for term in bag:
            counts[term] += 1
            if len(examples[term]) < EXAMPLES and not (
                    texts and any(texts[j] == texts[i] for j in examples[term])):
                examples[term].append(i)
    ranked = sorted((t for t, c in counts.items() if c >= minimum),
                    key=lambda t: (-counts[t], t))[:top]
    return [Frequent(shown(t), counts[t], tuple(examples[t])) for t in ranked]


@dataclass(frozen=True)
class Theme:
    name: str
    keywords: tuple    # phrases, any spelling: matched without diacritics

    def matches(self, folded):
        """True when the folded, abbreviation-expanded comment contains a keyword as whole
        words. A keyword written "+tốt" counts only when not negated ("không tốt",
        "chưa tốt", "ko tot" do not praise)."""
        return any(re.search(pattern(k), folded) for k in self.keywords if k.strip("+ "))


def pattern(keyword):
    words = re.escape(fold(keyword.lstrip("+").strip()))
    negated = "(?<!khong )(?<!chua )(?<!cha )" if keyword.startswith("+") else ""
    return rf"{negated}(?<!\w){words}(?!\w)"


def parse_keywords(text):
    """Keywords as staff type them: separated by commas, semicolons or new lines."""
    return tuple(k.strip() for k in re.split(r"[,;\n]", text) if k.strip())


def distinct(indices, texts, limit=EXAMPLES):
    """The first ``limit`` of ``indices`` whose texts differ."""
    chosen = []
    for i in indices:
        if len(chosen) == limit:
            break
        if all(texts[j] != texts[i] for j in chosen):
            chosen.append(i)
    return tuple(chosen)


def themed(texts, themes):
    """{theme name: [indices of comments that match it]}."""
    folded = [fold(expand(t)) for t in texts]
    return {theme.name: [i for i, f in enumerate(folded) if theme.matches(f)]
            for theme in themes}
