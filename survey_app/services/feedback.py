"""Comment moderation and feedback cases."""
import re
from datetime import date, timedelta

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Answer, CaseStatus, Comment, CommentStatus, FeedbackCase, Response, Unit
from survey_app.models.base import utcnow

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


def negative_responses(scope, limit=200):
    """Recent responses with an answer 1-2 to any 5-level item."""
    return db.session.scalars(
        sa.select(Response).join(Unit, Unit.id == Response.unit_id)
        .where(Unit.path.startswith(scope.path),
               Response.id.in_(sa.select(Answer.response_id).where(Answer.value <= 2)))
        .order_by(Response.submitted_at.desc()).limit(limit)
    ).all()


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
