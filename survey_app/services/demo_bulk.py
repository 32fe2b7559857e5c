"""A large demo (up to millions of responses) generated with numpy and written in bulk.

``demo.load_demo`` builds one ORM object per response and answer: fine for the tests'
few hundred, hours for the million responses a load test needs (issue #11 §4). Here
each chunk of responses is a set of numpy columns, drawn point by point, turned into
text once and written by ``demo_bulk_write`` (COPY on PostgreSQL, executemany on
SQLite), so that memory stays bounded by the chunk, not by the demo.

The city, staff, procedures and dossier counts are those of ``demo``; the responses
cover the 24 months before the app's today (``survey_app.clock``), with differences a
dashboard can show: busier and quieter points, better and worse ones, points improving
or slipping, more invitations at some counters, kiosks at a few.
"""
import time as timer
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import sqlalchemy as sa
from flask import current_app

from instruments.schema import PROFILE_FIELDS
from survey_app import clock
from survey_app.extensions import db
from survey_app.models import Unit
from survey_app.models.distribution import province_of_path
from survey_app.services import demo, instrument_store, org, sqlite_fixes
from survey_app.services.demo_bulk_write import answer_slots, bulk_writer

MONTHS = 24
DAYS = 730
CHUNK = 100_000
CHANNELS = np.array(["qr", "kiosk", "invitation"])
#: Office hours (local) when counters take answers: 7:30 to 17:00.
OPEN_SECONDS, CLOSE_SECONDS = 7 * 3600 + 1800, 17 * 3600
NO_ANSWER, NOT_APPLICABLE, ZERO = ord("-"), ord("."), ord("0")


@dataclass(frozen=True, eq=False)
class PointPlan:
    """What makes one service point's responses differ from another's."""

    point_id: int
    unit_id: int
    province_id: int
    version_id: int
    sector: str
    profile: tuple
    items: tuple
    slots: tuple           # the instrument's slot codes (see demo_bulk_write.answer_slots)
    procedure_ids: np.ndarray
    share: float           # of all responses
    level: float           # satisfaction two years ago, in (0, 1)
    trend: float           # change of ``level`` over the two years
    item_offsets: np.ndarray
    channel_p: np.ndarray  # qr, kiosk, invitation
    extra_request: float   # share asked for something extra (the yes/no item)


def plan_points(points, procedures, rng):
    """One ``PointPlan`` per service point, drawn once per demo."""
    volumes = rng.lognormal(0.0, 0.6, len(points))
    plans = []
    for point, volume in zip(points, volumes / volumes.sum(), strict=True):
        version = instrument_store.latest_version(point.instrument_code)
        instrument = instrument_store.load(version)
        sector = getattr(point.sector, "value", point.sector)
        kiosk = 0.25 if rng.random() < 0.3 else 0.0
        invitation = float(rng.uniform(0.05, 0.3))
        level = float(rng.uniform(0.62, 0.92))
        plans.append(PointPlan(
            point_id=point.id, unit_id=point.unit_id, version_id=version.id, sector=sector,
            province_id=province_of_path(point.unit.path),
            profile=tuple(instrument.profile), items=tuple(instrument.items),
            slots=answer_slots(version),
            procedure_ids=np.array([p.id for p in procedures.get(sector, [])], dtype=np.int64),
            share=float(volume), level=level, trend=float(rng.uniform(-0.06, 0.12)),
            item_offsets=rng.normal(0.0, 0.06, len(instrument.items)),
            channel_p=np.array([1 - kiosk - invitation, kiosk, invitation]),
            extra_request=float(np.clip(0.12 - 0.1 * level + rng.normal(0, 0.01), 0.01, 0.2)),
        ))
    return plans


def day_weights():
    """Chance of each day back from today (1..DAYS): few answers at weekends, and more
    each month as the survey becomes known."""
    back = np.arange(1, DAYS + 1)
    weekday = (np.datetime64(clock.today()) - back).astype("datetime64[D]").view("int64")
    weekday = (weekday + 3) % 7  # 1970-01-01 was a Thursday; 0 = Monday
    weights = np.select([weekday == 5, weekday == 6], [0.3, 0.05], 1.0)
    weights = weights * (1.0 - 0.4 * back / DAYS)
    return weights / weights.sum()


def local_midnight_utc():
    """Today's local midnight as a naive UTC numpy time (how ``submitted_at`` is stored)."""
    zone = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "Asia/Ho_Chi_Minh")
    midnight = datetime.combine(clock.today(), time(), zone)
    return np.datetime64(midnight.astimezone(ZoneInfo("UTC")).replace(tzinfo=None), "s")


def likert(rng, level):
    """1-5 answers around a satisfaction ``level`` per respondent (as demo.answer_value)."""
    draw = rng.random(level.shape)
    low = rng.choice(np.array([1, 2, 3], dtype=np.uint8), size=level.shape, p=[0.15, 0.3, 0.55])
    return np.where(draw < level * 0.45, 5, np.where(draw < level, 4, low)).astype(np.uint8)


def answer_chars(plan, rng, level):
    """(k, slots) uint8 characters of the packed answers, and who left a comment."""
    k = len(level)
    chars = np.full((k, len(plan.slots)), NO_ANSWER, dtype=np.uint8)
    slot_of = {code: i for i, code in enumerate(plan.slots)}
    commented = np.zeros(k, dtype=bool)
    for item, offset in zip(plan.items, plan.item_offsets, strict=True):
        if item.type == "text":
            commented = rng.random(k) < 0.08
            continue
        if item.type == "likert5":
            values = ZERO + likert(rng, np.clip(level + offset, 0.05, 0.99))
            if item.not_applicable:
                values[rng.random(k) < 0.4] = NOT_APPLICABLE
        elif item.type == "yesno":
            values = ZERO + (rng.random(k) < plan.extra_request).astype(np.uint8)
        else:
            options = np.array([o.value for o in item.options], dtype=np.uint8)
            values = ZERO + options[np.minimum(len(options) - 1, rng.geometric(0.7, k) - 1)]
        chars[:, slot_of[item.code]] = values
    return chars, commented


def point_rows(plan, k, rng, days_p, midnight):
    """The columns of ``k`` responses at one point (numpy arrays or lists, None = NULL)."""
    back = rng.choice(np.arange(1, DAYS + 1), size=k, p=days_p)
    seconds = rng.integers(OPEN_SECONDS, CLOSE_SECONDS, k)
    submitted = midnight - back.astype("timedelta64[D]") + seconds.astype("timedelta64[s]")
    # satisfaction moves along the point's trend; each respondent is a little kinder or harsher
    level = plan.level + plan.trend * (1 - back / DAYS) + rng.normal(0, 0.08, k)
    chars, commented = answer_chars(plan, rng, np.clip(level, 0.05, 0.99))
    channel = CHANNELS[np.searchsorted(np.cumsum(plan.channel_p), rng.random(k) * 0.999999)]
    comments = np.array(demo.COMMENTS, dtype=object)[rng.integers(len(demo.COMMENTS), size=k)]
    columns = {
        "service_point_id": np.full(k, plan.point_id), "unit_id": np.full(k, plan.unit_id),
        "province_id": np.full(k, plan.province_id),
        "instrument_version_id": np.full(k, plan.version_id),
        "stratum": np.full(k, plan.sector, dtype=object),
        "submitted_at": submitted, "channel": channel, "verified": channel == "invitation",
        "locale": np.where(rng.random(k) < 0.03, "en", "vi"),
        "answer_codes": np.array(packed_texts(chars), dtype=object),
        "comment": np.where(commented, comments, None),
    }
    for name, options in PROFILE_FIELDS.items():
        given = rng.random(k) < (0.6 if name in plan.profile else 0.0)
        picked = np.array([o[0] for o in options], dtype=object)[rng.integers(len(options), size=k)]
        columns[name] = np.where(given, picked, None)
    named = (rng.random(k) < 0.8) if len(plan.procedure_ids) else np.zeros(k, dtype=bool)
    procedure = plan.procedure_ids[rng.integers(max(1, len(plan.procedure_ids)), size=k)] \
        if len(plan.procedure_ids) else np.zeros(k, dtype=np.int64)
    columns["procedure_id"] = np.where(named, procedure.astype(object), None)
    return columns


def generate_chunk(plans, n, rng, days_p, midnight):
    """``n`` responses over all points as one dict of columns, in time order."""
    counts = rng.multinomial(n, [plan.share for plan in plans])
    parts = [(plan, point_rows(plan, int(k), rng, days_p, midnight))
             for plan, k in zip(plans, counts, strict=True) if k]
    chunk = {name: np.concatenate([cols[name] for _plan, cols in parts]) for name in parts[0][1]}
    order = np.argsort(chunk["submitted_at"], kind="stable")
    chunk = {name: values[order] for name, values in chunk.items()}
    chunk["client_uuid"] = uuid_hex(rng, n)
    return chunk


def packed_texts(chars):
    """The packed strings of a (k, slots) character matrix, trailing '-' stripped."""
    if chars.shape[1] == 0:
        return [""] * chars.shape[0]
    as_bytes = np.char.rstrip(chars.view(f"S{chars.shape[1]}").ravel(), b"-")
    return [text.decode("ascii") for text in as_bytes]


def uuid_hex(rng, n):
    """``n`` random version-4 UUIDs as 32 hex digits (what both databases accept)."""
    raw = np.frombuffer(rng.bytes(16 * n), dtype=np.uint8).reshape(n, 16).copy()
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80
    text = raw.tobytes().hex()
    return np.array([text[i:i + 32] for i in range(0, 32 * n, 32)], dtype=object)


def refresh_tallies():
    """Count the loaded responses into the tallies (services/tally.py) at once, so the
    first page read finds them ready."""
    from survey_app.services import tally  # noqa: PLC0415 - only when loading

    tally.refresh(force=True)
    return True


def load_bulk_demo(n_responses, seed=2025, progress=None, chunk_size=CHUNK):
    """Create the demo with ``n_responses`` responses over the last 24 months; return a
    summary like ``demo.load_demo``'s, or None when the demo exists already.

    ``progress(done, total)`` is called after each chunk. The caller commits.
    """
    sqlite_fixes.begin_bulk(db.session)
    if db.session.scalar(sa.select(Unit).filter_by(code="TPD")) is not None:
        return None
    started = timer.perf_counter()
    instrument_store.sync_bundled()
    by_code = demo.create_org()
    usernames = demo.create_users(by_code)
    procedures = demo.create_procedures()
    points = org.service_points_in_scope(by_code["TPD"])
    rng = np.random.default_rng(seed)
    plans = plan_points(points, procedures, rng)
    days_p, midnight = day_weights(), local_midnight_utc()
    done = 0
    writer = bulk_writer({plan.version_id: plan.slots for plan in plans})
    while done < n_responses:
        n = min(chunk_size, n_responses - done)
        writer.write(generate_chunk(plans, n, rng, days_p, midnight))
        done += n
        if progress:
            progress(done, n_responses)
    writer.finish()
    dossiers = demo.create_dossier_counts(points, np.random.default_rng(seed + 2))
    tallied = refresh_tallies()
    return {"usernames": usernames, "password": demo.DEMO_PASSWORD, "responses": done,
            "points": points, "dossier_counts": dossiers, "tallied": tallied,
            "seconds": timer.perf_counter() - started,
            "first_day": clock.today() - timedelta(days=DAYS)}
