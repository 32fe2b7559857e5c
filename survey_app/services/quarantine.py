"""Stuffing caught without turning a citizen away: every valid answer is stored, the
suspicious ones are held (``Response.quarantined``) out of every index until a unit
manager releases or rejects them.

Three signs, each a setting (see ``survey_app/config.py``):

- **burst**: ``QUARANTINE_BURST`` answers (e.g. "10 per 5 minutes") at one service point
  from one address. The address is never stored, only a keyed hash whose key changes
  daily (``hashing.client_key``), as the rate limiter already uses. A form needs no cookie,
  so a phone is known by its address; the threshold is set above what a counter behind
  a shared Wi-Fi really sees (one citizen a minute at most);
- **pattern**: ``QUARANTINE_PATTERN`` identical answer sets (every item, the profile and
  the comment) at one service point, from any address;
- **speed**: the form was sent less than ``QUARANTINE_MIN_SECONDS`` after it was first
  shown (a time signed into the form's token, ``public/form_token.py``).

When a burst or a pattern is found, the answers before it in the same window are held
too, unless a manager has already decided on them. Only the citizens' web forms are
screened (QR, kiosk, invitation); answers entered by staff are not.
"""
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from limits import parse

from survey_app.extensions import db
from survey_app.models import Response, ServicePoint, Unit
from survey_app.models.base import utcnow

REASONS = ("burst", "pattern", "speed")
#: Held answers per page of the console list.
PER_PAGE = 100


@dataclass(frozen=True)
class Signals:
    """What the web form knows about one submission, besides its answers."""

    source_hash: str | None       # keyed hash of the address (daily key), never the address
    rendered_at: datetime | None  # when the form was first shown (signed), UTC


def answer_digest(cleaned):
    """A short digest of the whole answer set (items, profile, comment)."""
    text = json.dumps([sorted(cleaned.values.items()), sorted(cleaned.profile.items()),
                       cleaned.comment or ""], ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _window(setting):
    """``(count, seconds)`` of a setting such as "10 per 5 minutes"."""
    item = parse(current_app.config[setting])
    return item.amount, item.get_expiry()


def _recent(point_id, since, column, value):
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(Response)
        .where(Response.service_point_id == point_id, Response.submitted_at >= since,
               column == value))


def screen(row, cleaned, signals):
    """Add the screening columns to a response ``row`` (before its insert); return the
    reasons it is held, in ``REASONS`` order (empty: counted)."""
    now = row["submitted_at"]
    digest = answer_digest(cleaned)
    reasons = []
    burst, burst_seconds = _window("QUARANTINE_BURST")
    if signals.source_hash and _recent(
            row["service_point_id"], now - timedelta(seconds=burst_seconds),
            Response.source_hash, signals.source_hash) + 1 >= burst:
        reasons.append("burst")
    pattern, pattern_seconds = _window("QUARANTINE_PATTERN")
    if _recent(row["service_point_id"], now - timedelta(seconds=pattern_seconds),
               Response.answer_digest, digest) + 1 >= pattern:
        reasons.append("pattern")
    if signals.rendered_at is not None and (now - signals.rendered_at).total_seconds() \
            < current_app.config["QUARANTINE_MIN_SECONDS"]:
        reasons.append("speed")
    row.update(source_hash=signals.source_hash, answer_digest=digest,
               quarantined=bool(reasons), quarantine_reason=",".join(reasons) or None)
    return reasons


def hold_earlier(row, reasons):
    """Hold the answers of the same burst or pattern sent before ``row`` in its window
    (those a manager already decided on stay as decided)."""
    now = row["submitted_at"]
    for reason, setting, column, value in (
            ("burst", "QUARANTINE_BURST", Response.source_hash, row.get("source_hash")),
            ("pattern", "QUARANTINE_PATTERN", Response.answer_digest, row.get("answer_digest"))):
        if reason not in reasons or value is None:
            continue
        _, seconds = _window(setting)
        db.session.execute(
            sa.update(Response)
            .where(Response.service_point_id == row["service_point_id"],
                   Response.submitted_at >= now - timedelta(seconds=seconds),
                   column == value, Response.quarantined.is_(False),
                   Response.quarantine_reviewed_at.is_(None))
            .values(quarantined=True, quarantine_reason=reason)
            .execution_options(synchronize_session=False))


# --- the console: counts, the list, decisions ------------------------------------------

def state_of(response):
    """``held``, ``rejected``, ``released`` or None (never flagged)."""
    if response.quarantine_reason is None and not response.quarantined:
        return None
    if response.quarantine_reviewed_at is None:
        return "held" if response.quarantined else None
    return "rejected" if response.quarantined else "released"


STATES = {
    "held": (Response.quarantined.is_(True), Response.quarantine_reviewed_at.is_(None)),
    "rejected": (Response.quarantined.is_(True), Response.quarantine_reviewed_at.is_not(None)),
    "released": (Response.quarantined.is_(False), Response.quarantine_reviewed_at.is_not(None)),
}


def counts(scope, start=None, end=None):
    """``{"held": n, "rejected": n, "released": n}`` in ``scope``'s subtree and period
    (one GROUP BY)."""
    query = (sa.select(Response.quarantined, Response.quarantine_reviewed_at.is_not(None),
                       sa.func.count())
             .join(Unit, Unit.id == Response.unit_id)
             .where(Unit.path.startswith(scope.path),
                    Response.quarantine_reason.is_not(None))
             .group_by(Response.quarantined, Response.quarantine_reviewed_at.is_not(None)))
    if start is not None:
        query = query.where(Response.submitted_at >= start)
    if end is not None:
        query = query.where(Response.submitted_at < end)
    found = {"held": 0, "rejected": 0, "released": 0}
    for quarantined, reviewed, n in db.session.execute(query):
        state = ("rejected" if quarantined else "released") if reviewed else \
            ("held" if quarantined else None)
        if state:
            found[state] += n
    return found


@dataclass(frozen=True)
class HeldPage:
    responses: list
    page: int
    pages: int
    total: int


def listed(scope, state="held", page=1, per_page=PER_PAGE):
    """One page of ``scope``'s subtree's answers in ``state``, newest first."""
    where = (Unit.path.startswith(scope.path), *STATES[state])
    total = db.session.scalar(sa.select(sa.func.count(Response.id))
                              .join(Unit, Unit.id == Response.unit_id).where(*where))
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    responses = db.session.scalars(
        sa.select(Response).join(Unit, Unit.id == Response.unit_id).where(*where)
        .options(sa.orm.selectinload(Response.instrument_version),
                 sa.orm.selectinload(Response.service_point).selectinload(ServicePoint.unit))
        .order_by(Response.submitted_at.desc(), Response.id.desc())
        .limit(per_page).offset((page - 1) * per_page)).all()
    return HeldPage(responses, page, pages, total)


def decide(scope, response_ids, action, user):
    """Release (count it) or reject (keep it out) the given held or decided answers of
    ``scope``'s subtree; ids outside it are ignored. One audit row per answer; returns
    how many were decided."""
    from survey_app.services import audit

    if action not in ("release", "reject"):
        raise ValueError("action must be release or reject")
    responses = db.session.scalars(
        sa.select(Response).join(Unit, Unit.id == Response.unit_id)
        .where(Unit.path.startswith(scope.path), Response.id.in_(response_ids),
               Response.quarantine_reason.is_not(None))).all()
    now = utcnow()
    for response in responses:
        response.quarantined = action == "reject"
        response.quarantine_reviewed_at = now
        audit.record(user, f"response.{action}", response,
                     reason=response.quarantine_reason)
    db.session.flush()
    return len(responses)
