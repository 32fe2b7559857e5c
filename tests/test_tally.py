"""Tallies (services/tally.py): the same figures as the responses, kept current."""
import uuid
from dataclasses import replace
from datetime import datetime

import numpy as np
import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from survey_app.cli import main
from survey_app.extensions import db
from survey_app.models import PsuTally, Response, TallyDirty, TallyState
from survey_app.services import analysis_inputs, tally, tally_scope
from survey_app.services.analysis_inputs import analyze_labels, analyze_scope, load_scope
from survey_app.services.periods import last_twelve_months
from survey_app.services.results import instruments_in_scope

FIGURES = ("estimate", "se", "ci_low", "ci_high", "mean_score", "mean_score_se", "n_eff", "deff")


@pytest.fixture
def demo(demo_city):
    return demo_city(600, 4)


def same(first, second):
    assert [d.key for d in first.domains] == [d.key for d in second.domains]
    for a, b in zip(first.domains, second.domains, strict=True):
        assert a.n == b.n
        for x, y in zip(a.estimates, b.estimates, strict=True):
            assert (x.code, x.n_valid, x.df) == (y.code, y.n_valid, y.df)
            for name in FIGURES:
                u, v = getattr(x, name), getattr(y, name)
                assert (u is None) == (v is None), name
                if u is not None:
                    assert v == pytest.approx(u, rel=1e-10, abs=1e-10), (name, x.code, a.key)


def test_tallies_give_the_figures_of_the_responses(demo):
    period = last_twelve_months()
    checked = 0
    for code in ("TPD", "P-ANHOA", "SO-XD", "X-LONGTHANH"):
        unit = demo[code]
        for instrument in instruments_in_scope(unit):
            for start, end in ((period.start, period.end), (None, None)):
                fast = load_scope(unit, instrument, start, end)
                rows = load_scope(unit, instrument, start, end, rows=True)
                if not rows.n:
                    continue
                assert isinstance(fast, tally_scope.TallyData) and fast.n == rows.n
                assert fast.weighting == rows.weighting
                for by in ((), ("unit",), ("service_point",), ("sector",), ("month",),
                           ("quarter",)):
                    same(analyze_scope(rows, by), analyze_scope(fast, by))
                    checked += 1
                # periods of whole months: labels from the local time, per PSU or per row
                label = {True: "first half", False: "second half"}
                same(analyze_labels(rows, [label[t.astype(object).month <= 6]
                                           for t in rows.local_time]),
                     analyze_labels(fast, [label[t.astype(object).month <= 6]
                                           for t in fast.local_time]))
    assert checked > 40


@pytest.mark.parametrize("by", [("channel",), ("verified",), ("procedure",), ("sex",),
                                ("respondent_type",), ("age_band",), ("unit", "channel"),
                                ("month", "verified"), ("channel", "sector")])
def test_attributes_within_a_day_from_the_split_tallies(demo, by):
    period = last_twelve_months()
    for code in ("TPD", "P-ANHOA"):
        fast = load_scope(demo[code], "sipas-counter", period.start, period.end)
        rows = load_scope(demo[code], "sipas-counter", period.start, period.end, rows=True)
        same(analyze_scope(rows, by), analyze_scope(fast, by))


def test_key_drivers_from_the_tallies_equal_those_of_the_responses(demo):
    from survey_app.services.insights import unit_drivers

    period = last_twelve_months()
    found = 0
    for code in ("TPD", "P-ANHOA", "SO-XD"):
        fast = load_scope(demo[code], "sipas-counter", period.start, period.end)
        rows = load_scope(demo[code], "sipas-counter", period.start, period.end, rows=True)
        assert isinstance(fast, tally_scope.TallyData)
        (a, problem_a), (b, problem_b) = unit_drivers(rows, {}), unit_drivers(fast, {})
        assert problem_a == problem_b
        if a is None:
            continue
        found += 1
        assert (a.n, a.clusters, a.df) == (b.n, b.clusters, b.df)
        for x, y in zip(a.drivers, b.drivers, strict=True):
            assert (x.code, x.name) == (y.code, y.name)
            for name in ("importance", "se", "ci_low", "ci_high"):
                assert getattr(y, name) == pytest.approx(getattr(x, name), rel=1e-9, abs=1e-9)
    assert found >= 1  # the province (the smaller units are refused alike, checked above)


@pytest.mark.parametrize("same_day", [False, True])
def test_a_point_that_changed_unit_within_a_month_still_reads_no_response(demo, same_day):
    """A reorganisation moves a counter to another unit at noon, in the middle of a month:
    that day (a PSU) and that month's cell then belong to two units, and a breakdown by
    unit takes part of both. The day's rows and the cell's Gram rows are kept per unit, so
    the figures still come from the tallies, equal to the responses'."""
    from datetime import timedelta

    from survey_app.models import ServicePoint
    from tests.responses import add_responses

    period = last_twelve_months()
    point = db.session.scalars(sa.select(ServicePoint).where(
        ServicePoint.unit_id == demo["P-ANHOA"].id)).first()
    month = period.end - timedelta(days=45)
    busy = {d.date() if hasattr(d, "date") else d for d in db.session.scalars(
        sa.select(PsuTally.day).where(PsuTally.service_point_id == point.id))}
    free = next(month + timedelta(days=i) for i in range(28)
                if (month + timedelta(days=i)).date() not in busy
                and (month + timedelta(days=i)).month == month.month)
    if same_day:
        add_responses(point, free, 5, 4, days=0.1)    # the morning, to the old unit
    point.unit_id, point.code = demo["X-TANPHU"].id, "MOVED"   # now serves another commune
    db.session.commit()
    add_responses(point, free + timedelta(hours=5), 12, 2, days=0.2)   # the afternoon

    def no_rows():
        pytest.fail("the responses were read")

    for by in ((), ("unit",), ("unit", "month"), ("unit", "channel"), ("service_point",),
               ("sector",), ("channel",)):
        fast = load_scope(demo["TPD"], "sipas-counter", period.start, period.end)
        rows = load_scope(demo["TPD"], "sipas-counter", period.start, period.end, rows=True)
        assert isinstance(fast, tally_scope.TallyData) and fast.split_days == same_day
        assert fast.n == rows.n
        same(analyze_scope(rows, by), analyze_scope(replace(fast, rows=no_rows), by))
    if not same_day:   # the cell, not a day, is split: the path this case is about
        with pytest.raises(analysis_inputs.SplitCells):
            analysis_inputs._analyze(fast, ("unit",), analysis_inputs.CIMethod.LOGIT, 0.95)


def test_two_attributes_within_a_day_are_computed_from_the_responses(demo):
    fast = load_scope(demo["TPD"], "sipas-counter")
    rows = load_scope(demo["TPD"], "sipas-counter", rows=True)
    same(analyze_scope(rows, ("channel", "sex")), analyze_scope(fast, ("channel", "sex")))


def counted(unit):
    return load_scope(unit, "sipas-counter").n


def test_every_change_of_a_response_shows_at_once(demo):
    ward = demo["P-ANHOA"]
    before = counted(ward)
    first = db.session.scalars(sa.select(Response).where(Response.unit_id == ward.id)
                               .order_by(Response.id)).first()
    clone = Response(client_uuid=uuid.uuid4(), instrument_version_id=first.instrument_version_id,
                     service_point_id=first.service_point_id, unit_id=first.unit_id,
                     channel=first.channel, submitted_at=datetime(2026, 11, 19, 3),
                     answer_codes=first.answer_codes)
    db.session.add(clone)
    db.session.commit()
    assert counted(ward) == before + 1
    clone.quarantined = True
    db.session.commit()
    assert counted(ward) == before
    clone.quarantined = False
    db.session.commit()
    assert counted(ward) == before + 1
    db.session.execute(sa.delete(Response).where(Response.id == clone.id))
    db.session.commit()
    assert counted(ward) == before
    # an uncommitted change is counted inside its own transaction (and only there)
    db.session.execute(sa.update(Response).where(Response.id == first.id)
                       .values(quarantined=True))
    assert counted(ward) == before - 1
    db.session.rollback()
    assert counted(ward) == before


def test_a_backlog_is_left_to_the_command_and_pages_keep_their_figures(demo, ctx, runner,
                                                                        monkeypatch):
    ward = demo["P-ANHOA"]
    before = counted(ward)
    assert not db.session.scalar(sa.select(sa.func.count()).select_from(TallyDirty))
    db.session.execute(sa.insert(TallyDirty), [
        {"province_id": demo["TPD"].id, "instrument_version_id": 1, "service_point_id": 1,
         "day": datetime(2025, 1, d).date()}
        for d in range(1, 29)])
    db.session.commit()
    # 28 changed days (and the responses of their cells) are more than 10 to read again
    assert tally.refresh(limit=10, force=True) is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TallyDirty)) == 28
    monkeypatch.setitem(ctx.config, "TALLY_PUBLIC_SYNC_LIMIT", 10)
    with ctx.test_request_context("/p/P-ANHOA"):             # an anonymous page
        assert counted(ward) == before                       # the tallies as they were
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TallyDirty)) == 28
    result = runner.invoke(main, ["tally", "refresh"])
    assert result.exit_code == 0 and "28 changed day(s)" in result.output
    assert not db.session.scalar(sa.select(sa.func.count()).select_from(TallyDirty))


def test_a_page_does_not_wait_for_another_refresh(demo):
    """The timer's long refresh (a rebuild, a bulk load's backlog) holds the lock: a page
    does not queue behind it (gunicorn would kill the worker after 60 s) but reads the
    tallies as they are; the command itself waits its turn."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no advisory lock (one writer at a time anyway)")
    ward = demo["P-ANHOA"]
    response = db.session.scalars(sa.select(Response).where(Response.unit_id == ward.id)
                                  .limit(1)).one()
    response.quarantined = True   # a change waiting to be counted
    db.session.commit()
    other = db.engine.connect()
    transaction = other.begin()
    other.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": tally.LOCK_KEY})
    try:
        assert tally.refresh(limit=10**6, force=True) is None   # at once, nothing done
        assert db.session.scalar(sa.select(sa.func.count()).select_from(TallyDirty)) > 0
    finally:
        transaction.rollback()
        other.close()
    assert tally.refresh(limit=10**6, force=True) >= 1            # the lock is free again
    assert not db.session.scalar(sa.select(sa.func.count()).select_from(TallyDirty))


def test_a_new_layout_rebuilds_the_tallies(demo):
    ward = demo["P-ANHOA"]
    before = analyze_scope(load_scope(ward, "sipas-counter")).domains[0]
    db.session.execute(sa.update(TallyState).values(layout="old"))
    db.session.execute(sa.delete(PsuTally))
    db.session.commit()
    # the next read rebuilds them all (a new version changed the items or the tree)
    after = analyze_scope(load_scope(ward, "sipas-counter")).domains[0]
    assert after.n == before.n and after.estimates[0].se == pytest.approx(before.estimates[0].se)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PsuTally)) > 0


def test_while_tallies_wait_for_a_rebuild_a_large_scope_is_not_read_row_by_row(
        demo, ctx, client, monkeypatch):
    """After an upgrade that changes what the tallies hold, pages do not rebuild them
    (the timer or the upgrade's `hailong tally refresh` does): a small scope is read from
    its responses meanwhile, a large one answers 503 with a message, never a worker
    reading millions of rows."""
    from survey_app.services.results import clear_public_cache

    monkeypatch.setitem(ctx.config, "TALLY_PUBLIC_SYNC_LIMIT", 10)
    db.session.execute(sa.update(TallyState).values(layout="old"))
    db.session.commit()
    clear_public_cache()
    monkeypatch.setitem(ctx.config, "ROW_READ_LIMIT", 10**6)
    small = client.get("/p/P-ANHOA.json")
    assert small.status_code == 200 and small.get_json()["results"]
    monkeypatch.setitem(ctx.config, "ROW_READ_LIMIT", 10)
    page = client.get("/p/TPD")
    assert page.status_code == 503 and page.headers["Retry-After"] == "60"
    assert "Số liệu đang được tính lại" in page.get_data(as_text=True)
    assert CliRunner().invoke(main, ["tally", "refresh"]).exit_code == 0  # the rebuild
    assert client.get("/p/TPD").status_code == 200


def test_tallies_are_small(demo):
    responses = db.session.scalar(sa.select(sa.func.count()).select_from(Response))
    psus = db.session.scalar(sa.select(sa.func.count()).select_from(PsuTally))
    assert 0 < psus < responses
    sums = db.session.scalars(sa.select(PsuTally.sums)).all()
    assert all(len(s) % 4 == 0 for s in sums)
    assert np.frombuffer(b"".join(sums), dtype=np.int32).min() >= 0


def test_report_facts_from_the_tallies_equal_those_of_the_responses(demo, monkeypatch):
    """The periodic report's numbers (indices, ranking, informal demands, trips, method)
    come from the tallies; read from the responses they are the same."""
    from survey_app.services import instrument_store, report_facts

    period = last_twelve_months()
    instrument = instrument_store.current_version("sipas-counter")[1]
    real = report_facts.load_scope

    def from_rows(*args, **kw):
        return real(*args, **kw, rows=True)

    for code in ("TPD", "P-ANHOA"):
        fast = report_facts.gather(demo[code], instrument, period, "vi")
        monkeypatch.setattr(report_facts, "load_scope", from_rows)
        slow = report_facts.gather(demo[code], instrument, period, "vi")
        monkeypatch.setattr(report_facts, "load_scope", real)
        same(slow.analysis, fast.analysis)
        assert [(r.key, r.rank, r.low, r.high) for r in slow.ranking] == \
            [(r.key, r.rank, r.low, r.high) for r in fast.ranking]
        for name in ("extra_request", "one_trip", "mean_trips"):
            a, b = getattr(slow, name), getattr(fast, name)
            assert a is not None and (a.n, a.n_valid) == (b.n, b.n_valid), name
            for figure in ("estimate", "se", "ci_low", "ci_high", "n_eff"):
                assert getattr(b, figure) == pytest.approx(getattr(a, figure), rel=1e-10), \
                    (name, figure)
        m, f = slow.method, fast.method
        assert (m.n, m.strata, m.clusters, m.weighted, m.channels, m.verified) == \
            (f.n, f.strata, f.clusters, f.weighted, f.channels, f.verified)
        for figure in ("weight_min", "weight_max", "kish_n"):
            assert getattr(f, figure) == pytest.approx(getattr(m, figure), rel=1e-12)
        assert 0 < fast.extra_request.n_valid <= fast.method.n and fast.mean_trips.estimate >= 1
