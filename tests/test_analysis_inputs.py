"""The database path into `analysis`: same numbers as counting in SQL, on both backends."""
import numpy as np
import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import DossierCount, Instrument, InstrumentVersion, Response, Unit
from survey_app.services import packing
from survey_app.services.analysis_inputs import analyze_scope, load_scope
from tests.responses import count_answers


@pytest.fixture
def demo(demo_city):
    return demo_city(400, 3)["TPD"]


def sql_share(unit_code, item, instrument="sipas-counter"):
    """The share counted in SQL on the packed column (its item's character per response)."""
    slot = packing.slot_of(packing.slots_of_code(instrument), item)
    satisfied = sa.func.sum(sa.case((packing.has_value(slot, (4, 5)), 1), else_=0))
    valid = sa.func.sum(sa.case((packing.has_value(slot, range(1, 6)), 1), else_=0))
    row = db.session.execute(
        sa.select(satisfied, valid).join(Unit, Unit.id == Response.unit_id)
        .join(InstrumentVersion, InstrumentVersion.id == Response.instrument_version_id)
        .join(Instrument, Instrument.id == InstrumentVersion.instrument_id)
        .where(Unit.code == unit_code, Instrument.code == instrument)
    ).one()
    return 100 * row[0] / row[1], row[1]


def test_loaded_arrays_match_sql_counts_by_unit(demo):
    # without dossier counts every weight is 1, so the index is the share counted in SQL
    db.session.execute(sa.delete(DossierCount))
    data = load_scope(demo, "sipas-counter", rows=True)
    assert (data.weights == 1).all()
    result = analyze_scope(data, by=("unit",))
    expected_n = db.session.scalar(
        sa.select(sa.func.count()).select_from(Response).join(
            Response.instrument_version).where(Response.service_point.has()))
    assert 0 < len(data.weights) < expected_n  # other instruments are left out
    for domain in result.domains:
        share, valid = sql_share(domain.key[0], "access")
        ours = domain.get("access")
        assert ours.estimate == pytest.approx(share, rel=1e-12)
        assert ours.n_valid == valid


def test_scope_limits_the_responses(demo):
    ward = db.session.scalar(sa.select(Unit).filter_by(code="P-ANHOA"))
    data = load_scope(ward, "sipas-counter", rows=True)
    assert set(data.attributes["unit"]) == {"P-ANHOA"}
    everything = load_scope(demo, "sipas-counter", rows=True)
    assert len(data.weights) < len(everything.weights)


def test_domains_by_quarter_and_channel(demo):
    data = load_scope(demo, "sipas-counter", rows=True)
    result = analyze_scope(data, by=("quarter", "verified"))
    assert all(len(d.key) == 2 for d in result.domains)
    assert {d.key[1] for d in result.domains} <= {"verified", "open"}
    assert sum(d.n for d in result.domains) == len(data.weights)
    with pytest.raises(ValueError, match="unknown domain"):
        analyze_scope(data, by=("colour",))


def test_not_applicable_answers_are_not_valid(demo):
    data = load_scope(demo, "sipas-counter", rows=True)
    feedback = data.contrasts.items.index("feedback")
    nulls = count_answers("feedback", None)
    assert np.isnan(data.answers[:, feedback]).sum() == nulls > 0
