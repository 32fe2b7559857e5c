"""Comment moderation and feedback cases."""
import re
from datetime import date, timedelta

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import (
    Answer,
    CaseStatus,
    Comment,
    CommentStatus,
    FeedbackCase,
    InstrumentVersion,
    Response,
    Unit,
)
from survey_app.models.base import utcnow
from survey_app.services import instrument_store

#: Days to answer a case by default (Decree 20/2008/NĐ-CP gives 10 working days).
DEFAULT_DAYS = 14
PERSONAL = [
    (re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+"), "[email]"),
    (re.compile(r"(?<!\d)(?:\+?84|0)(?:[\s.-]?\d){8,10}(?!\d)"), "[số điện thoại]"),
    (re.compile(r"(?<!\d)\d{9,12}(?!\d)"), "[số giấy tờ]"),
]


def mask_personal(text):
    """Replace e-mail addresses, phone numbers and ID numbers with placeholders."""
    for pattern, placeholder in PERSONAL:
        text = pattern.sub(placeholder, text)
    return text


def comments_in_scope(scope, status=None, limit=200):
    query = (sa.select(Comment).join(Response).join(Unit, Unit.id == Response.unit_id)
             .where(Unit.path.startswith(scope.path))
             .order_by(Response.submitted_at.desc()).limit(limit))
    if status:
        query = query.where(Comment.status == CommentStatus(status))
    return db.session.scalars(query).all()


def satisfaction_items():
    """{instrument version id: codes of its 5-level satisfaction items} (a handful of rows)."""
    return {version.id: {item.code for item in instrument_store.load(version).items
                         if item.type == "likert5"}
            for version in db.session.scalars(sa.select(InstrumentVersion))}


def negative_responses(scope, limit=200):
    """Recent responses with a 1-2 on a 5-level satisfaction item, with those items' codes.

    Yes/no (0/1) and choice answers are not ratings: "No" or "1 trip" is not
    dissatisfaction, so they are left out.
    """
    likert = {vid: codes for vid, codes in satisfaction_items().items() if codes}
    if not likert:
        return []
    rated_low = sa.or_(*(sa.and_(Response.instrument_version_id == vid,
                                 Answer.item_code.in_(sorted(codes)))
                         for vid, codes in likert.items()))
    low = (sa.select(Answer.response_id).join(Response, Response.id == Answer.response_id)
           .where(Answer.value.between(1, 2), rated_low))
    responses = db.session.scalars(
        sa.select(Response).join(Unit, Unit.id == Response.unit_id)
        .where(Unit.path.startswith(scope.path), Response.id.in_(low))
        .order_by(Response.submitted_at.desc()).limit(limit)
    ).all()
    return [(r, [a.item_code for a in r.answers if a.value is not None and 1 <= a.value <= 2
                 and a.item_code in likert.get(r.instrument_version_id, ())])
            for r in responses]


def moderate(comment, action):
    """``publish``, ``hide``, ``abusive`` or ``mask`` (remove personal data, irreversibly)."""
    if action == "mask":
        comment.text = mask_personal(comment.text)
    else:
        comment.status = {"publish": CommentStatus.PUBLISHED, "hide": CommentStatus.HIDDEN,
                          "abusive": CommentStatus.ABUSIVE}[action]
    db.session.flush()


def open_case(response, user, summary=None, days=DEFAULT_DAYS):
    existing = db.session.scalar(sa.select(FeedbackCase).filter_by(response_id=response.id))
    if existing is not None:
        return existing, False
    text = summary or (mask_personal(response.comment.text) if response.comment else "")
    case = FeedbackCase(unit_id=response.unit_id, response_id=response.id, summary=text,
                        owner_id=user.id, opened_by_id=user.id,
                        deadline=date.today() + timedelta(days=days))
    db.session.add(case)
    db.session.flush()
    return case, True


def update_case(case, status, owner_id, deadline, reply):
    case.status = CaseStatus(status)
    case.owner_id = owner_id
    case.deadline = deadline
    if reply and reply != case.reply:
        case.reply = reply
        case.replied_at = utcnow()
    db.session.flush()


def cases_in_scope(scope, only_open=False):
    query = (sa.select(FeedbackCase).join(Unit, Unit.id == FeedbackCase.unit_id)
             .where(Unit.path.startswith(scope.path))
             .order_by(FeedbackCase.deadline))
    if only_open:
        query = query.where(FeedbackCase.status.in_([CaseStatus.OPEN, CaseStatus.IN_PROGRESS]))
    return db.session.scalars(query).all()
