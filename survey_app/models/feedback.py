"""Feedback cases (phản ánh, kiến nghị) raised from responses: the basis of SIPAS factor 9."""
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey_app import clock
from survey_app.models import distribution
from survey_app.models.base import Base, StrEnum, str_enum, utcnow


class CaseStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    ANSWERED = "answered"
    CLOSED = "closed"


class FeedbackCase(Base):
    """A case opened from a response. Distributed with it (``province_id``, the key to the
    response includes it): a Citus reference table cannot point at a distributed one."""

    __tablename__ = "feedback_case"
    __table_args__ = (
        sa.ForeignKeyConstraint(["province_id", "response_id"],
                                ["response.province_id", "response.id"],
                                name="fk_feedback_case_response"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    province_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"))
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    response_id: Mapped[int | None] = mapped_column(index=True)
    summary: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[CaseStatus] = mapped_column(str_enum(CaseStatus), default=CaseStatus.OPEN)
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    opened_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    deadline: Mapped[date]
    reply: Mapped[str | None] = mapped_column(sa.Text)
    replied_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    unit = relationship("Unit", foreign_keys=[unit_id])
    response = relationship("Response")
    owner = relationship("User", foreign_keys=[owner_id])

    @property
    def overdue(self):
        return self.status in (CaseStatus.OPEN, CaseStatus.IN_PROGRESS) and \
            self.deadline < clock.today()


class CommentTheme(Base):
    """A theme staff follow in comments ("thái độ", "chậm hẹn"), found by keywords.

    ``keywords`` holds phrases separated by commas; they match whole words without regard
    to diacritics, so "thái độ" also finds a comment typed "thai do".
    """

    __tablename__ = "comment_theme"
    __table_args__ = (sa.UniqueConstraint("unit_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(sa.String(80))
    keywords: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


sa.event.listen(FeedbackCase, "before_insert", distribution.fill_province_from_unit)
