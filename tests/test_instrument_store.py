"""Stored instruments: versions, and a version with responses is frozen."""
import copy

import pytest
import sqlalchemy as sa

import instruments
from survey_app.extensions import db
from survey_app.models import InstrumentVersion
from survey_app.services import instrument_store
from tests.public.helpers import form_post


def reworded(ident, version=None):
    raw = copy.deepcopy(instruments.get(ident).source)
    raw["sections"][0]["items"][0]["text"] = {"vi": "Câu hỏi mới", "en": "New question"}
    if version:
        raw["version"] = version
    return instruments.parse_instrument(raw)


def test_a_version_without_responses_may_change_its_wording(ctx):
    instrument_store.store(reworded("sipas-counter"))
    db.session.commit()
    shipped = instruments.get("sipas-counter").version
    stored = db.session.scalar(sa.select(InstrumentVersion).filter_by(version=shipped).join(
        InstrumentVersion.instrument).where(sa.text("instrument.code = 'sipas-counter'")))
    assert stored.definition["sections"][0]["items"][0]["text"]["vi"] == "Câu hỏi mới"


def test_a_version_with_responses_is_frozen(client, make_service_point):
    point = make_service_point()
    assert form_post(client, f"/s/{point.current_token.token}")[0].status_code == 302
    with pytest.raises(instrument_store.FrozenInstrumentError, match="new 'version' number"):
        instrument_store.store(reworded("sipas-counter"))
    db.session.rollback()
    newer = instruments.get("sipas-counter").version + 1
    version = instrument_store.store(reworded("sipas-counter", version=newer))
    db.session.commit()
    assert version.version == newer
    instrument_store.forget_cached_versions()
    assert instrument_store.current_version("sipas-counter")[0] == version.id


def test_sync_refuses_a_changed_wording_from_the_command_line(runner, client, make_service_point,
                                                               monkeypatch):
    from survey_app.cli import main

    point = make_service_point()
    form_post(client, f"/s/{point.current_token.token}")
    changed = {**instruments.bundled(), "sipas-counter": reworded("sipas-counter")}
    monkeypatch.setattr(instruments.loader, "bundled", lambda: changed)
    monkeypatch.setattr(instrument_store.instruments, "bundled", lambda: changed)
    result = runner.invoke(main, ["instruments", "sync"])
    assert result.exit_code == 1 and "already has responses" in result.output
