"""Who may do what: staff users, integrators' API keys, dossier invitations, audit log."""
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey_app.models import distribution
from survey_app.models.base import Base, StrEnum, str_enum, utcnow


class Role(StrEnum):
    ADMIN = "admin"
    UNIT_MANAGER = "unit_manager"
    ANALYST = "analyst"
    COUNTER_OFFICER = "counter_officer"
    VIEWER = "viewer"
    #: Types in paper questionnaires (e.g. a Vietnam Post enumerator or a clerk); sees
    #: results like a viewer, changes nothing else.
    DATA_ENTRY = "data_entry"


#: Roles allowed to create and change units, service points and QR tokens.
MANAGING_ROLES = frozenset({Role.ADMIN, Role.UNIT_MANAGER})
#: Roles allowed to type in paper questionnaires (managers reconcile and count them).
ENTRY_ROLES = frozenset({Role.ADMIN, Role.UNIT_MANAGER, Role.COUNTER_OFFICER, Role.DATA_ENTRY})
#: Roles allowed to open the assisted form on the counter's tablet.
ASSIST_ROLES = frozenset({Role.ADMIN, Role.UNIT_MANAGER, Role.COUNTER_OFFICER})


class User(UserMixin, Base):
    """A staff member, scoped to the subtree of ``unit`` (admins of the root see all)."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(80), unique=True)
    full_name: Mapped[str | None] = mapped_column(sa.String(200))
    password_hash: Mapped[str] = mapped_column(sa.String(256))
    role: Mapped[Role] = mapped_column(str_enum(Role))
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Wrong passwords in a row; at ``LOCKOUT_AFTER`` the account locks until ``locked_until``.
    failed_logins: Mapped[int] = mapped_column(default=0, server_default="0")
    locked_until: Mapped[datetime | None]
    #: Part of the id kept in the session cookie; raising it ends every session of the
    #: user at once (logout, password change or reset), copied cookies included.
    session_version: Mapped[int] = mapped_column(default=1, server_default="1")

    unit = relationship("Unit")

    @property
    def is_active(self):
        return self.active

    def get_id(self):
        return f"{self.id}:{self.session_version}"

    def end_sessions(self):
        self.session_version = (self.session_version or 0) + 1

    @property
    def can_manage(self):
        return self.role in MANAGING_ROLES


class ApiKey(Base):
    """A key for an integrator: either for one service point (the one-stop software makes
    invitations with it) or for a unit (reporting tools read the unit's results, series,
    forecasts and drivers with it; read-only).

    Only a SHA-256 of the key is stored; ``prefix`` finds the row, the hash proves it.
    """

    __tablename__ = "api_key"
    __table_args__ = (
        sa.CheckConstraint("(service_point_id IS NULL) <> (unit_id IS NULL)", name="one_scope"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    prefix: Mapped[str] = mapped_column(sa.String(16), unique=True)
    key_hash: Mapped[str] = mapped_column(sa.String(64))
    service_point_id: Mapped[int | None] = mapped_column(sa.ForeignKey("service_point.id"),
                                                         index=True)
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    label: Mapped[str | None] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]

    service_point = relationship("ServicePoint")
    unit = relationship("Unit")


class Invitation(Base):
    """A one-use survey link for one dossier. The dossier code is kept only as a keyed hash.

    No response points to its invitation; ``used_at`` is the day it was answered (a day,
    not a time, so that it cannot be matched with the response's ``submitted_at``).
    """

    __tablename__ = "invitation"
    __table_args__ = (
        sa.UniqueConstraint("province_id", "service_point_id", "dossier_hash",
                            name="uq_invitation_dossier"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The distribution column (``models.distribution``): the province of the point's unit.
    province_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"))
    service_point_id: Mapped[int] = mapped_column(sa.ForeignKey("service_point.id"), index=True)
    dossier_hash: Mapped[str] = mapped_column(sa.String(64))
    procedure_id: Mapped[int | None] = mapped_column(sa.ForeignKey("procedure.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

    service_point = relationship("ServicePoint")
    procedure = relationship("Procedure")


class AuditLog(Base):
    """Every staff write: who, what, when."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    action: Mapped[str] = mapped_column(sa.String(60))
    target_type: Mapped[str] = mapped_column(sa.String(40))
    target_id: Mapped[int | None]
    detail: Mapped[dict | None] = mapped_column(sa.JSON)
    at: Mapped[datetime] = mapped_column(default=utcnow)


sa.event.listen(Invitation, "before_insert", distribution.fill_province_from_point)
