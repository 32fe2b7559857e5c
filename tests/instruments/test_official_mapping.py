"""The ``official`` mapping: which official index node each questionnaire node measures."""
import copy

import pytest

import instruments
from instruments import InstrumentError


def with_official(ident, official):
    raw = copy.deepcopy(instruments.get(ident).source)
    raw["official"] = official
    return raw


def test_the_shipped_forms_name_the_nodes_that_mirror_the_official_ones():
    services = instruments.get("sipas-services").official_nodes("SIPAS")
    node, scale = services["II"]
    assert node.code == "II" and node.level == "total" and scale == 1.0
    counter = instruments.get("sipas-counter").official_nodes("SIPAS")
    assert "II" not in counter  # its total is a counter index, not SIPAS's service aspect
    assert counter["7"][0].items == ("staff",)
    node, scale = instruments.get("sipas-services").official_nodes("PAR_INDEX")["8.1.3"]
    assert node.code == "7" and scale == pytest.approx(0.025)  # 2.5 points x index / 100
    node, scale = instruments.get("sipas-2023").official_nodes("PAR_INDEX")["8.1"]
    assert node.code == "total" and scale == pytest.approx(0.1)
    assert instruments.get("health-outpatient").official_nodes("SIPAS") == {}


@pytest.mark.parametrize(("official", "message"), [
    ({"CPI": {"1": "5"}}, "official index 'CPI' is not one of SIPAS, PAR_INDEX, PAPI"),
    ({"SIPAS": {5: "5"}}, "write both codes in quotes"),
    ({"SIPAS": {"5": 5}}, "write both codes in quotes"),
    ({"SIPAS": {"5": "55"}}, "points to node '55', which the index tree does not have"),
    ({"SIPAS": ["5"]}, "must map official codes to node codes"),
    (["SIPAS"], "'official' must map an index name"),
])
def test_a_wrong_mapping_is_refused_with_the_reason(official, message):
    with pytest.raises(InstrumentError, match=message.replace("(", r"\(")):
        instruments.parse_instrument(with_official("sipas-counter", official))


def test_points_need_the_nodes_maximum():
    with pytest.raises(InstrumentError, match="is in points, so node '1' needs 'max_points'"):
        instruments.parse_instrument(with_official("sipas-2023", {"PAR_INDEX": {"8.1.1": "1"}}))


def test_the_mapping_is_not_part_of_the_wording_digest():
    plain = instruments.get("sipas-services")
    changed = instruments.parse_instrument(with_official("sipas-services", {"SIPAS": {"5": "5"}}))
    assert instruments.digest(changed) == instruments.digest(plain)
    assert changed.official_nodes("SIPAS").keys() == {"5"}


def test_a_frozen_version_takes_a_corrected_mapping_without_a_new_version(client,
                                                                          make_service_point):
    from survey_app.extensions import db
    from survey_app.services import instrument_store
    from tests.public.helpers import form_post

    point = make_service_point()
    form_post(client, f"/s/{point.current_token.token}")  # the version now has a response
    shipped = instruments.get("sipas-counter").version
    corrected = instruments.parse_instrument(with_official("sipas-counter", {"SIPAS": {"7": "7"}}))
    version = instrument_store.store(corrected)
    db.session.commit()
    assert version.version == shipped
    assert instrument_store.load(version).official_nodes("SIPAS").keys() == {"7"}
