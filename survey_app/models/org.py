"""The organisation: units (a tree with history), service points, QR tokens, procedures."""
import secrets
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey_app.models.base import Base, StrEnum, str_enum, utcnow


class UnitKind(StrEnum):
    PROVINCE = "province"
    DEPARTMENT = "department"
    SERVICE_CENTRE = "service_centre"
    DISTRICT = "district"  # historic since the 2025 two-level reform
    COMMUNE = "commune"
    WARD = "ward"
    HOSPITAL = "hospital"
    SCHOOL = "school"
    OTHER = "other"


class Sector(StrEnum):
    LAND = "land"
    CONSTRUCTION = "construction"
    CERTIFICATION = "certification"
    JUSTICE = "justice"
    BUSINESS = "business"
    SOCIAL = "social"
    HEALTH = "health"
    EDUCATION = "education"
    OTHER = "other"


class Unit(Base):
    """A node of the organisation tree.

    ``path`` is the materialised path of ids (``/1/4/9/``) so that a user's scope is a
    prefix test, the same on SQLite and PostgreSQL. Retired units keep their rows
    (``valid_to``, ``successor``) so that old responses still roll up.
    """

    __tablename__ = "unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name_vi: Mapped[str] = mapped_column(sa.String(200))
    name_en: Mapped[str | None] = mapped_column(sa.String(200))
    kind: Mapped[UnitKind] = mapped_column(str_enum(UnitKind))
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    path: Mapped[str] = mapped_column(sa.String(400), default="/", index=True)
    valid_from: Mapped[date | None] = mapped_column(sa.Date)
    valid_to: Mapped[date | None] = mapped_column(sa.Date)
    successor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    parent: Mapped["Unit | None"] = relationship(
        remote_side="Unit.id", foreign_keys=[parent_id], back_populates="children"
    )
    children: Mapped[list["Unit"]] = relationship(
        back_populates="parent", foreign_keys=[parent_id], order_by="Unit.code"
    )
    successor: Mapped["Unit | None"] = relationship(remote_side="Unit.id", foreign_keys=[successor_id])
    service_points: Mapped[list["ServicePoint"]] = relationship(
        back_populates="unit", order_by="ServicePoint.code"
    )

    def name(self, locale="vi"):
        return self.name_en if locale == "en" and self.name_en else self.name_vi

    def is_within(self, other):
        """True when this unit is ``other`` or lies in its subtree."""
        return self.path.startswith(other.path)

    @property
    def depth(self):
        return self.path.count("/") - 2


class ServicePoint(Base):
    """A counter, desk or facility where citizens are served; one QR poster each."""

    __tablename__ = "service_point"
    __table_args__ = (sa.UniqueConstraint("unit_id", "code", name="uq_service_point_unit_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    code: Mapped[str] = mapped_column(sa.String(40))
    name_vi: Mapped[str] = mapped_column(sa.String(200))
    name_en: Mapped[str | None] = mapped_column(sa.String(200))
    sector: Mapped[Sector] = mapped_column(str_enum(Sector))
    instrument_code: Mapped[str] = mapped_column(sa.String(60))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    unit: Mapped[Unit] = relationship(back_populates="service_points")
    qr_tokens: Mapped[list["QrToken"]] = relationship(
        back_populates="service_point", order_by="QrToken.created_at"
    )

    def name(self, locale="vi"):
        return self.name_en if locale == "en" and self.name_en else self.name_vi

    @property
    def current_token(self):
        live = [t for t in self.qr_tokens if t.revoked_at is None]
        return live[-1] if live else None


def new_token():
    return secrets.token_urlsafe(12)


class QrToken(Base):
    """The public token in a service point's QR code.

    Rotating makes a new token and revokes the old one; a revoked token answers
    "this code is no longer in use" instead of "unknown".
    """

    __tablename__ = "qr_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(sa.String(40), unique=True, default=new_token)
    service_point_id: Mapped[int] = mapped_column(sa.ForeignKey("service_point.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]

    service_point: Mapped[ServicePoint] = relationship(back_populates="qr_tokens")


class Procedure(Base):
    """An administrative procedure (TTHC) from the national catalogue."""

    __tablename__ = "procedure"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name_vi: Mapped[str] = mapped_column(sa.String(400))
    name_en: Mapped[str | None] = mapped_column(sa.String(400))
    sector: Mapped[Sector] = mapped_column(str_enum(Sector))
    level: Mapped[str | None] = mapped_column(sa.String(20))
