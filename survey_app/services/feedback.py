"""Comment moderation and feedback cases."""
import re
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from survey_app import clock
from survey_app.extensions import db
from survey_app.labels import answer_text, reader_lang
from survey_app.models import (
    CaseStatus,
    Comment,
    CommentStatus,
    FeedbackCase,
    Instrument,
    Response,
    Role,
    ServicePoint,
    Unit,
    User,
)
from survey_app.models.base import utcnow
from survey_app.models.response import COMMENT_OF_RESPONSE
from survey_app.services import instrument_store, packing

#: Roles that moderate comments, and roles that handle (own, answer) feedback cases.
MODERATORS = frozenset({Role.ADMIN, Role.UNIT_MANAGER})
CASE_HANDLERS = frozenset({Role.ADMIN, Role.UNIT_MANAGER, Role.COUNTER_OFFICER})
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


#: Comments per page in the console.
COMMENTS_PER_PAGE = 50


@dataclass(frozen=True)
class CommentsPage:
    comments: list
    page: int      # 1-based, within 1..pages
    pages: int
    total: int


def comments_page(scope, status=None, page=1, per_page=COMMENTS_PER_PAGE):
    """One page of the comments of ``scope``'s subtree, newest first; a page number out of
    range gives the nearest real page."""
    where = [Unit.path.startswith(scope.path)]
    if status:
        where.append(Comment.status == CommentStatus(status))
    total = db.session.scalar(
        sa.select(sa.func.count(Comment.id)).join(Response, COMMENT_OF_RESPONSE)
        .join(Unit, Unit.id == Response.unit_id).where(*where))
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    comments = db.session.scalars(
        sa.select(Comment).join(Response, COMMENT_OF_RESPONSE)
        .join(Unit, Unit.id == Response.unit_id).where(*where)
        .options(selectinload(Comment.response).selectinload(Response.service_point)
                 .selectinload(ServicePoint.unit))
        .order_by(Response.submitted_at.desc(), Comment.id.desc())
        .limit(per_page).offset((page - 1) * per_page)).all()
    return CommentsPage(comments, page, pages, total)


def scored_item_codes():
    """Codes of the 5-level items of every stored questionnaire (a yes/no "0" or a choice
    "2" is not a dissatisfied answer)."""
    codes = set()
    for code in db.session.scalars(sa.select(Instrument.code)):
        current = instrument_store.current_version(code)
        if current is not None:
            codes.update(item.code for item in current[1].scored_items)
    return codes


def negative_responses(scope, limit=50):
    """Recent responses with an answer 1-2 to any 5-level item, with the questions so
    answered in the reader's language: [(response, [question, ...])]."""
    low = packing.any_item_has_value(scored_item_codes(), (1, 2))
    responses = db.session.scalars(
        sa.select(Response).join(Unit, Unit.id == Response.unit_id)
        .where(Unit.path.startswith(scope.path), low, Response.quarantined.is_(False))
        .options(selectinload(Response.instrument_version),
                 selectinload(Response.service_point).selectinload(ServicePoint.unit))
        .order_by(Response.submitted_at.desc()).limit(limit)
    ).all()
    lang = reader_lang()
    listed = []
    for response in responses:
        instrument = instrument_store.load(response.instrument_version)
        low = {code for code, value in packing.values_of(response).items()
               if value is not None and value <= 2}
        listed.append((response, [item.label(lang) for item in instrument.scored_items
                                  if item.code in low]))
    return listed


#: Published comments on a unit's public page, and in its (smaller) widget.
PUBLIC_COMMENTS = 10
WIDGET_COMMENTS = 3


@dataclass(frozen=True)
class PublicComment:
    text: str
    date: date
    locale: str
    point_vi: str
    point_en: str | None

    def point(self, lang):
        return self.point_en if lang == "en" and self.point_en else self.point_vi


def published_comments(scope, period=None, limit=PUBLIC_COMMENTS):
    """The newest published comments of ``scope``'s subtree, in the citizens' words.

    Masked again on the way out: the moderator published what the console showed, and the
    console shows every comment masked, even before "remove personal data"."""
    query = (sa.select(Comment.text, Response.submitted_at, Response.locale,
                       ServicePoint.name_vi, ServicePoint.name_en)
             .join(Response, COMMENT_OF_RESPONSE)
             .join(ServicePoint, ServicePoint.id == Response.service_point_id)
             .join(Unit, Unit.id == Response.unit_id)
             .where(Unit.path.startswith(scope.path),
                    Comment.status == CommentStatus.PUBLISHED)
             .order_by(Response.submitted_at.desc(), Comment.id.desc()).limit(limit))
    if period is not None:
        query = query.where(Response.submitted_at >= period.start,
                            Response.submitted_at < period.end)
    return [PublicComment(mask_personal(text), submitted.date(), locale, point_vi, point_en)
            for text, submitted, locale, point_vi, point_en in db.session.execute(query)]


def moderate(comment, action):
    """``publish``, ``hide``, ``abusive`` or ``mask`` (remove personal data, irreversibly)."""
    if action == "mask":
        comment.text = mask_personal(comment.text)
    else:
        comment.status = {"publish": CommentStatus.PUBLISHED, "hide": CommentStatus.HIDDEN,
                          "abusive": CommentStatus.ABUSIVE}[action]
    db.session.flush()


def open_case(response, user, summary=None, days=DEFAULT_DAYS):
    existing = db.session.scalar(sa.select(FeedbackCase).filter_by(
        province_id=response.province_id, response_id=response.id))
    if existing is not None:
        return existing, False
    text = summary or (mask_personal(response.comment.text) if response.comment else "")
    case = FeedbackCase(province_id=response.province_id, unit_id=response.unit_id,
                        response_id=response.id, summary=text,
                        owner_id=user.id, opened_by_id=user.id,
                        deadline=clock.today() + timedelta(days=days))
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


def can_handle(user, case):
    """Whether ``user`` may change ``case``: a handling role and the case in their scope."""
    return user.active and user.role in CASE_HANDLERS and case.unit.is_within(user.unit)


def possible_owners(case):
    """Active staff who could act on ``case``, by name: nobody is given a case they cannot
    open."""
    users = db.session.scalars(
        sa.select(User).join(Unit, Unit.id == User.unit_id)
        .where(User.active.is_(True), User.role.in_(CASE_HANDLERS),
               sa.literal(case.unit.path).startswith(Unit.path))
        .order_by(User.full_name, User.username)).all()
    return [u for u in users if can_handle(u, case)]


def answers_in_words(response, lang=None):
    """(question, answer, dissatisfied) of every closed question of ``response``, in
    questionnaire order and in the reader's language."""
    instrument = instrument_store.load(response.instrument_version)
    values = packing.values_of(response)
    return [(*answer_text(instrument, item.code, values[item.code], lang),
             item.scored and values[item.code] is not None and values[item.code] <= 2)
            for item in instrument.items if item.code in values and item.type != "text"]
