"""No citizen is turned away: every valid answer is stored; bursts, identical answer sets
and impossible speed are held in quarantine, out of every index (issue #12 §4)."""
from datetime import datetime, timedelta

import numpy as np
import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Response
from survey_app.services.periods import parse_period
from survey_app.services.results import root_code, unit_results
from tests.conftest import csrf_from, uuid_from

START = datetime(2026, 3, 2, 1, 0)  # 08:00 in Vietnam
MARCH = parse_period("2026-03")
RATINGS = ("access", "procedures", "staff", "results", "feedback", "overall")
SHARED_WIFI = "203.0.113.9"


class Clock:
    """The app's "now" (UTC) for the form's signed render time and ``submitted_at``."""

    def __init__(self):
        self.now = START

    def __call__(self):
        return self.now


@pytest.fixture
def clock(ctx, monkeypatch):
    from survey_app.config import Config

    monkeypatch.setitem(ctx.config, "QUARANTINE_MIN_SECONDS", Config.QUARANTINE_MIN_SECONDS)
    fake = Clock()
    monkeypatch.setattr("survey_app.models.base.utcnow", fake)
    monkeypatch.setattr("survey_app.services.submit.utcnow", fake)
    return fake


def citizen_answers(rng):
    answers = {code: str(rng.choice([2, 3, 4, 5], p=[.05, .15, .4, .4])) for code in RATINGS}
    answers.update(extra_request=str(rng.integers(0, 2)), trips=str(rng.integers(1, 3)))
    return answers


def send(client, clock, url, answers, shown_at, seconds, address=SHARED_WIFI, **extra):
    """Show the form at ``shown_at`` and send ``answers`` ``seconds`` later from ``address``."""
    environ = {"REMOTE_ADDR": address}
    clock.now = shown_at
    page = client.get(url, follow_redirects=True, environ_base=environ).data
    clock.now = shown_at + timedelta(seconds=seconds)
    data = {"csrf_token": csrf_from(page), "client_uuid": uuid_from(page), **answers, **extra}
    response = client.post(url, data=data, environ_base=environ)
    assert response.status_code == 302, response.data.decode()[:500]
    return response


def stored():
    return db.session.execute(sa.select(sa.func.count(), sa.func.sum(
        sa.case((Response.quarantined, 1), else_=0))).select_from(Response)).one()


def root_estimate(unit):
    results = unit_results(unit, "sipas-counter", MARCH, lang="vi")
    return results.n, results.overall.get(root_code(results.overall)).estimate


def a_busy_hour(client, clock, point, rng, citizens=60):
    """``citizens`` people behind one Wi-Fi address at one counter in an hour: one every
    minute or so, each taking 20 s to 2 min, with their own answers."""
    url = f"/s/{point.current_token.token}"
    for i in range(citizens):
        shown = START + timedelta(seconds=60 * i + float(rng.uniform(-15, 15)) + 20)
        send(client, clock, url, citizen_answers(rng), shown, float(rng.uniform(20, 120)))


def test_sixty_citizens_behind_one_address_are_all_stored_and_counted(client, clock,
                                                                      make_service_point):
    point = make_service_point()
    a_busy_hour(client, clock, point, np.random.default_rng(12))
    assert tuple(stored()) == (60, 0)
    n, _ = root_estimate(point.unit)
    assert n == 60
    last = db.session.scalar(sa.select(sa.func.max(Response.submitted_at)))
    assert last - START < timedelta(hours=1, minutes=2)
    # only a keyed hash of the address is kept, never the address
    hashes = set(db.session.scalars(sa.select(Response.source_hash)))
    assert len(hashes) == 1 and SHARED_WIFI not in hashes.pop()


def test_a_script_posting_500_answers_in_a_minute_is_stored_held_and_moves_nothing(
        client, clock, make_service_point):
    point = make_service_point()
    a_busy_hour(client, clock, point, np.random.default_rng(3), citizens=40)
    before = root_estimate(point.unit)
    url = f"/s/{point.current_token.token}"
    script = {code: "1" for code in RATINGS} | {"extra_request": "1", "trips": "3"}
    attack = START + timedelta(hours=2)
    for i in range(500):
        send(client, clock, url, script, attack + timedelta(seconds=0.12 * i), 0.05,
             address="198.51.100.66")
    assert tuple(stored()) == (540, 500)
    assert root_estimate(point.unit) == before
    reasons = db.session.execute(sa.select(Response.quarantine_reason, sa.func.count())
                                 .where(Response.quarantined)
                                 .group_by(Response.quarantine_reason)).all()
    assert all("speed" in reason for reason, _ in reasons)
    assert sum(n for reason, n in reasons if "burst" in reason) >= 490


def test_a_slow_burst_from_one_address_is_held_from_its_first_answer(client, clock,
                                                                     make_service_point):
    """A script that waits like a person: the burst rule holds it, and the answers sent
    before the threshold was reached are held too."""
    point = make_service_point()
    rng = np.random.default_rng(5)
    url = f"/s/{point.current_token.token}"
    for i in range(12):
        send(client, clock, url, citizen_answers(rng), START + timedelta(seconds=20 * i), 12,
             address="198.51.100.7")
    assert tuple(stored()) == (12, 12)
    assert set(db.session.scalars(sa.select(Response.quarantine_reason))) == {"burst"}
    # a citizen at the same counter from another address is counted
    send(client, clock, url, citizen_answers(rng), START + timedelta(minutes=4), 40,
         address="192.0.2.1")
    assert tuple(stored()) == (13, 12)


def test_identical_answer_sets_from_many_addresses_are_held(client, clock, make_service_point):
    point = make_service_point()
    url = f"/s/{point.current_token.token}"
    same = {code: "2" for code in RATINGS} | {"extra_request": "1", "trips": "3"}
    for i in range(10):
        send(client, clock, url, same, START + timedelta(seconds=25 * i), 20,
             address=f"192.0.2.{i + 10}")
    assert tuple(stored()) == (10, 10)
    assert set(db.session.scalars(sa.select(Response.quarantine_reason))) == {"pattern"}


def test_a_form_sent_seconds_after_it_was_shown_is_held(client, clock, make_service_point):
    point = make_service_point()
    url = f"/s/{point.current_token.token}"
    answers = citizen_answers(np.random.default_rng(1))
    send(client, clock, url, answers, START, 2)
    held = db.session.scalar(sa.select(Response))
    assert held.quarantined and held.quarantine_reason == "speed"
    send(client, clock, url, answers, START + timedelta(minutes=5), 30, address="192.0.2.50")
    assert tuple(stored()) == (2, 1)


def test_the_form_keeps_its_first_render_time_across_a_language_switch(client, clock,
                                                                       make_service_point):
    point = make_service_point()
    url = f"/s/{point.current_token.token}"
    clock.now = START
    page = client.get(url, follow_redirects=True).data
    answers = citizen_answers(np.random.default_rng(2))
    data = {"csrf_token": csrf_from(page), "client_uuid": uuid_from(page), **answers}
    clock.now = START + timedelta(seconds=40)
    switched = client.post(url + "?lang=en", data={**data, "switch_lang": "en"})
    assert switched.status_code == 200 and "Very satisfied" in switched.data.decode()
    clock.now = START + timedelta(seconds=41)  # "Send" right after the switch
    data["csrf_token"] = csrf_from(switched.data)
    assert client.post(url + "?lang=en", data=data).status_code == 302
    assert tuple(stored()) == (1, 0)


def test_the_flood_guard_is_shared_by_the_qr_and_kiosk_forms_of_a_point(
        ctx, client, clock, make_service_point, monkeypatch):
    monkeypatch.setitem(ctx.config, "SUBMIT_RATE_LIMIT", "3 per hour")
    point = make_service_point()
    rng = np.random.default_rng(4)
    token = point.current_token.token
    for i, path in enumerate(("/s/", "/k/", "/s/")):
        send(client, clock, path + token, citizen_answers(rng), START + timedelta(minutes=i), 30)
    clock.now = START + timedelta(minutes=10)
    page = client.get(f"/k/{token}", follow_redirects=True,
                      environ_base={"REMOTE_ADDR": SHARED_WIFI}).data
    clock.now += timedelta(seconds=30)
    fourth = client.post(f"/k/{token}", data={
        "csrf_token": csrf_from(page), "client_uuid": uuid_from(page), **citizen_answers(rng)},
        environ_base={"REMOTE_ADDR": SHARED_WIFI})
    assert fourth.status_code == 429
    assert tuple(stored()) == (3, 0)


def test_the_default_flood_guard_is_far_above_a_counters_rate(ctx):
    from limits import parse

    guard = parse(ctx.config["SUBMIT_RATE_LIMIT"])
    assert guard.amount * 3600 / guard.get_expiry() >= 600  # per address and point, an hour


def test_held_answers_are_exported_with_their_mark_and_left_out_of_the_negative_list(
        client, clock, make_service_point):
    from survey_app.services import export, feedback, instrument_store

    point = make_service_point()
    url = f"/s/{point.current_token.token}"
    low = {code: "1" for code in RATINGS} | {"extra_request": "1", "trips": "2"}
    send(client, clock, url, low, START, 1)  # held: too fast
    send(client, clock, url, low, START + timedelta(minutes=3), 45, address="192.0.2.9")
    instrument = instrument_store.current_version("sipas-counter")[1]
    rows = list(export.iter_rows(db.session.connection(), point.unit.path, instrument))
    column = export.header(instrument).index("quarantined")
    assert sorted(row[column] for row in rows) == [0, 1]
    listed = feedback.negative_responses(point.unit)
    assert len(listed) == 1 and not listed[0][0].quarantined
