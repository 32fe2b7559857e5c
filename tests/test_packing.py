"""Packed answers (services/packing.py): the format, its slots across versions, the numpy
decoding and the SQL filters on both databases."""
import copy
import uuid
from datetime import datetime

import numpy as np
import pytest
import sqlalchemy as sa

import instruments
from survey_app.extensions import db
from survey_app.models import Channel, Response
from survey_app.services import instrument_store, packing
from tests.responses import answered

SLOTS = ("a", "b", "c", "d")


def test_pack_and_unpack_round_trip():
    values = {"a": 5, "c": None, "b": 0}
    text = packing.pack(SLOTS, values)
    assert text == "50."  # d unanswered: trailing '-' stripped
    assert packing.unpack(SLOTS, text) == values
    assert packing.pack(SLOTS, {"d": 78}) == "---~"
    assert packing.unpack(SLOTS, "---~") == {"d": 78}
    assert packing.pack(SLOTS, {}) == "" and packing.unpack(SLOTS, "") == {}


@pytest.mark.parametrize("value", [79, -1, 100, 2.0, True])
def test_a_value_that_does_not_fit_one_character_is_refused(value):
    with pytest.raises(ValueError, match="0 to 78"):
        packing.pack(SLOTS, {"a": value})


def test_an_item_without_a_slot_is_refused():
    with pytest.raises(ValueError, match="'z' has no slot"):
        packing.pack(SLOTS, {"z": 1})


def test_slots_skip_text_items_and_keep_their_order_across_versions():
    first = {"sections": [{"items": [{"code": "a"}, {"code": "note", "type": "text"},
                                     {"code": "b", "type": "yesno"}]}]}
    second = {"sections": [{"items": [{"code": "new", "type": "choice"}, {"code": "b"}]}]}
    assert packing.slots_from_definitions([first]) == ("a", "b")
    # a later version only appends: "a" keeps slot 0 although version 2 dropped it
    assert packing.slots_from_definitions([first, second]) == ("a", "b", "new")


def test_every_bundled_choice_fits_one_character():
    for instrument in instruments.bundled().values():
        for item in instrument.items:
            for value in item.valid_values():
                packing.value_char(value)


def test_codes_matrix_keeps_ratings_only():
    texts = ["5.1", "", "-3", "0~"]
    matrix = packing.codes_matrix(texts, [0, 2, -1, 1])
    assert matrix.dtype == np.uint8
    np.testing.assert_array_equal(matrix, [[5, 1, 0, 0],   # '.' -> 0
                                           [0, 0, 0, 0],   # nothing answered
                                           [0, 0, 0, 3],   # past the end -> 0
                                           [0, 0, 0, 0]])  # 0 and 78 are not ratings
    assert packing.codes_matrix([], [0, 1]).shape == (0, 2)


def test_a_new_version_appends_its_items_and_old_answers_keep_their_meaning(ctx):
    before = packing.slots_of_code("sipas-counter")
    raw = copy.deepcopy(instruments.get("sipas-counter").source)
    raw["version"] += 1
    items = raw["sections"][0]["items"]
    items.insert(0, {"code": "queue", "text": {"vi": "Xếp hàng", "en": "Queue"}})
    access = next(item for item in items if item["code"] == "access")
    items.remove(access)
    items.insert(len(items) - 1, access)  # asked later in the new wording
    version = instrument_store.store(instruments.parse_instrument(raw))
    db.session.commit()
    after = packing.slots_of_version(version.id)
    assert after == (*before, "queue")  # "access" keeps its slot, "queue" comes last
    assert packing.slots_of_code("sipas-counter") == after
    old = packing.pack(before, {"access": 2, "overall": 5})
    assert packing.unpack(after, old) == {"access": 2, "overall": 5}


@pytest.fixture
def stored(make_service_point):
    """Four responses: access 1, access 5, access not applicable... (feedback), nothing."""
    point = make_service_point()
    version = instrument_store.latest_version("sipas-counter")
    rows = {}
    for name, values in (("low", {"access": 1, "overall": 2}), ("high", {"access": 5}),
                         ("na", {"feedback": None}), ("empty", {})):
        response = Response(client_uuid=uuid.uuid4(), instrument_version_id=version.id,
                            service_point_id=point.id, unit_id=point.unit_id,
                            channel=Channel.QR, submitted_at=datetime(2026, 3, 1))
        db.session.add(answered(response, values))
        db.session.flush()
        rows[name] = response.id
    db.session.commit()
    return rows


def matching(condition):
    return set(db.session.scalars(sa.select(Response.id).where(condition)))


def test_sql_filters_on_the_packed_column(stored):
    slots = packing.slots_of_code("sipas-counter")
    access, feedback = slots.index("access"), slots.index("feedback")
    assert matching(packing.has_value(access, (1, 2))) == {stored["low"]}
    assert matching(packing.has_value(access, range(1, 6))) == {stored["low"], stored["high"]}
    assert matching(packing.is_not_applicable(feedback)) == {stored["na"]}
    assert matching(packing.is_not_applicable(access)) == set()
    assert matching(packing.is_answered(feedback)) == {stored["na"]}
    assert matching(packing.answered()) == {stored["low"], stored["high"], stored["na"]}
    assert matching(packing.has_value(-1, (1,))) == set()  # an item the instrument lacks
    assert matching(packing.has_value(access, (99,))) == set()  # a value no slot holds
    low = packing.any_item_has_value({"overall", "staff"}, (1, 2))
    assert matching(low) == {stored["low"]}


def test_values_of_a_stored_response(stored):
    response = db.session.get(Response, stored["low"])
    assert packing.values_of(response) == {"access": 1, "overall": 2}
    assert packing.values_of(db.session.get(Response, stored["empty"])) == {}
