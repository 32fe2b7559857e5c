"""Words in comments: segmentation, abbreviations, no-diacritic typing, themes — on 222
realistic comments written for this test (tests/data/comments_vi.csv)."""
import csv
from pathlib import Path

import pytest

from analysis import text

ROWS = list(csv.DictReader((Path(__file__).parent.parent / "data" / "comments_vi.csv")
                           .read_text(encoding="utf-8").splitlines()))
TEXTS = [r["text"] for r in ROWS]
LOW = {i for i, r in enumerate(ROWS) if r["low"]}


@pytest.fixture(scope="module")
def words():
    return text.words_of(TEXTS)


def containing(*spellings):
    """Comments containing any spelling, by plain lower-case substring search (written
    apart from the code under test)."""
    return {i for i, t in enumerate(TEXTS) if any(s in f" {t.lower()} " for s in spellings)}


def test_the_set_is_big_and_varied():
    assert len(TEXTS) >= 200 and len(set(TEXTS)) == len(TEXTS)
    assert sum(not text.has_diacritics(t) for t in TEXTS) >= 15   # typed without diacritics
    assert len(containing("cb ", " k ", "ko ", "đc", "hs ", "tthc")) >= 10  # abbreviations


def test_fold_and_abbreviations():
    assert text.fold("Thái Độ ĐƯỢC") == "thai do duoc"
    assert text.expand("cb K nhiệt tình, đc") == "cán bộ không nhiệt tình được"


def test_a_comment_without_diacritics_counts_as_the_spelled_words(words):
    i = TEXTS.index("thai do can bo khong tot")
    assert words[i] == ["thái_độ", "cán_bộ", "không", "tốt"]
    j = TEXTS.index("cho doi lau qua")
    assert words[j] == ["chờ_đợi", "lâu", "quá"]


def test_term_counts_match_a_plain_search(words):
    bags = [text.terms(w) for w in words]
    found = {f.term: f.comments for f in text.most_frequent(bags, top=50)}
    assert found["thái độ"] == len(containing("thái độ", "thai do")) == 17
    assert found["cán bộ"] == len(containing("cán bộ", "can bo", "cb ", "cbcc"))
    assert "phải" not in found and "không" not in found   # stopwords and bare negation


def test_after_a_low_rating_the_complaints_lead(words):
    bags = [text.phrases(w) for w in words]
    top = [f.term for f in text.most_frequent(bags, top=10, among=LOW)]
    assert {"không tốt", "chờ lâu", "trễ hẹn"} <= set(top)
    praise = [f.term for f in text.most_frequent([text.terms(w) for w in words], top=15,
                                                  among=set(range(len(TEXTS))) - LOW)]
    assert {"nhiệt tình", "hài lòng"} <= set(praise)


def test_examples_are_comments_that_use_the_term(words):
    for f in text.most_frequent([text.terms(w) for w in words], top=10):
        assert f.examples and all(f.term.replace(" ", "_") in words[i] for i in f.examples)


def test_themes_match_any_spelling_as_whole_words():
    theme = text.Theme("Thái độ", text.parse_keywords("thái độ; hách dịch\nkhó chịu"))
    found = text.themed(TEXTS, [theme])["Thái độ"]
    assert set(found) == containing("thái độ", "thai do", "hách dịch", "hach dich",
                                    "khó chịu", "kho chiu")
    assert text.themed(["phí dịch vụ", "phía trước"], [text.Theme("Phí", ("phí",))]) == \
        {"Phí": [0]}   # whole words: "phía" is not "phí"
    assert text.themed(["cb k nhiệt tình"], [text.Theme("x", ("không nhiệt tình",))]) == \
        {"x": [0]}     # abbreviations written out before matching


def test_a_plus_keyword_is_not_counted_when_negated():
    praise = text.Theme("Khen", ("+tốt", "+nhiệt tình"))
    found = text.themed(["Cán bộ tốt", "thái độ không tốt", "cb k nhiệt tình", "chua tot",
                         "rất nhiệt tình"], [praise])
    assert found == {"Khen": [0, 4]}
