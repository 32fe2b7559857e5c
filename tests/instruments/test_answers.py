import instruments
from instruments.answers import clean_answers

COUNTER = instruments.get("sipas-counter")
GOOD = {"access": "5", "procedures": "4", "staff": "3", "results": "2", "feedback": "na",
        "overall": "4", "extra_request": "0", "trips": "1", "comment": "  Tốt  "}


def test_valid_answers_are_converted():
    result = clean_answers(COUNTER, GOOD)
    assert result.errors == {}
    assert result.values["access"] == 5 and result.values["feedback"] is None
    assert result.values["extra_request"] == 0 and result.comment == "Tốt"


def test_each_problem_is_reported_by_field():
    raw = dict(GOOD, access="", procedures="6", staff="na", results="abc",
               comment="x" * 1001, extra="1", sex="robot")
    errors = clean_answers(COUNTER, raw).errors
    assert errors["access"] == ("required", {})
    assert errors["procedures"] == ("choice", {})
    assert errors["staff"] == ("not_applicable", {})
    assert errors["results"] == ("choice", {})
    assert errors["comment"] == ("too_long", {"n": 1000})
    assert errors["extra"] == ("unknown", {})
    assert errors["sex"] == ("choice", {})


def test_integers_and_booleans():
    assert clean_answers(COUNTER, dict(GOOD, access=5)).values["access"] == 5
    assert "access" in clean_answers(COUNTER, dict(GOOD, access=True)).errors
    assert "trips" in clean_answers(COUNTER, dict(GOOD, trips="4")).errors


def test_digits_int_cannot_read_are_refused_not_crashed():
    from instruments.answers import _as_int

    assert _as_int("²") is None and _as_int("٣") is None  # found by tests/test_fuzz.py
    assert _as_int(" 4 ") == 4 and _as_int("-1") == -1 and _as_int("4.0") is None
