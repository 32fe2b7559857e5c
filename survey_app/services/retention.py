"""Retention (Nghị định 13/2023/NĐ-CP: personal data kept no longer than needed).

After ``RETENTION_MONTHS`` months, ``hailong retention run`` removes the personal data of
free-text comments (e-mail addresses, phone and ID numbers, as the moderators' "remove
personal data" does) and the optional profile answers (respondent type, sex, age band);
the answers themselves stay, as statistics that name nobody. The keyed hash of a
client's address, which only serves to count bursts over a few minutes, is cleared after
``SOURCE_HASH_DAYS`` days. Each run is written to the audit log.
"""
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import AuditLog, Comment, Response
from survey_app.models.base import utcnow
from survey_app.public.privacy import SOURCE_HASH_DAYS
from survey_app.services.feedback import mask_personal

#: Comments read and written per round trip.
BATCH = 1000
PROFILE = (Response.respondent_type, Response.sex, Response.age_band)


@dataclass(frozen=True)
class RetentionReport:
    cutoff: datetime          # answers sent before this lose their personal data
    comments: int             # comments redacted (each once)
    comments_changed: int     # of which text was actually masked
    profiles: int             # responses whose profile answers were removed
    address_hashes: int       # responses whose address hash was cleared
    dry_run: bool


def months_before(moment, months):
    """``moment`` minus ``months`` calendar months (the day clipped to the month's end)."""
    total = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(total, 12)
    month += 1
    days_in_month = ((datetime(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)).day)
    return moment.replace(year=year, month=month, day=min(moment.day, days_in_month))


def run(months, dry_run=False, now=None):
    """Apply the retention rules; the caller commits. ``months`` >= 1."""
    if months < 1:
        raise ValueError("the retention period must be at least 1 month")
    now = now or utcnow()
    cutoff = months_before(now, months)
    old = sa.select(Response.id).where(Response.submitted_at < cutoff)
    comments = db.session.execute(
        sa.select(Comment.id, Comment.text)
        .where(Comment.response_id.in_(old), Comment.redacted_at.is_(None))
        .order_by(Comment.id)).all()
    changed = [(cid, masked) for cid, text in comments
               if (masked := mask_personal(text)) != text]
    has_profile = sa.or_(*(column.is_not(None) for column in PROFILE))
    profiles = db.session.scalar(sa.select(sa.func.count()).select_from(Response)
                                 .where(Response.submitted_at < cutoff, has_profile))
    hash_cutoff = now - timedelta(days=SOURCE_HASH_DAYS)
    hashed = sa.and_(Response.submitted_at < hash_cutoff, Response.source_hash.is_not(None))
    address_hashes = db.session.scalar(sa.select(sa.func.count()).select_from(Response)
                                       .where(hashed))
    report = RetentionReport(cutoff, len(comments), len(changed), profiles, address_hashes,
                             dry_run)
    if dry_run:
        return report
    table = Comment.__table__
    masked_by_id = dict(changed)
    for start in range(0, len(comments), BATCH):
        chunk = comments[start:start + BATCH]
        db.session.execute(
            sa.update(table).where(table.c.id == sa.bindparam("cid"))
            .values(text=sa.bindparam("new_text"), redacted_at=now),
            [{"cid": cid, "new_text": masked_by_id.get(cid, text)} for cid, text in chunk])
    db.session.execute(sa.update(Response).where(Response.submitted_at < cutoff, has_profile)
                       .values(respondent_type=None, sex=None, age_band=None)
                       .execution_options(synchronize_session=False))
    db.session.execute(sa.update(Response).where(hashed).values(source_hash=None)
                       .execution_options(synchronize_session=False))
    detail = {k: (v.isoformat(sep=" ") if isinstance(v, datetime) else v)
              for k, v in asdict(report).items() if k != "dry_run"}
    db.session.add(AuditLog(user_id=None, action="retention.run", target_type="retention",
                            target_id=None, detail={**detail, "months": months}))
    db.session.flush()
    return report
