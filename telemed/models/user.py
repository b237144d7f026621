import datetime as dt
import enum

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app, has_app_context
from flask_login import UserMixin
from werkzeug.security import check_password_hash, generate_password_hash

from telemed.extensions import db
from telemed.models._time import utcnow


class Role(str, enum.Enum):
    TOWNSHIP_DOCTOR = "township_doctor"
    CARDIOLOGIST = "cardiologist"
    COORDINATOR = "coordinator"
    ADMIN = "admin"


class Consortium(db.Model):
    """A medical consortium: a city hospital and the township clinics it serves."""

    __tablename__ = "consortia"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(200), unique=True)
    # The consortium's clock (IANA name) and default language: every time a member reads is
    # shown in this zone; the language applies when neither the user nor the browser chooses one.
    timezone: so.Mapped[str] = so.mapped_column(sa.String(64), default="Asia/Shanghai", server_default="Asia/Shanghai")
    language: so.Mapped[str] = so.mapped_column(sa.String(10), default="zh_CN", server_default="zh_CN")
    # Minutes from upload to signed report, per priority (telemed/services/sla.py cites the defaults).
    sla_critical_min: so.Mapped[int] = so.mapped_column(default=10, server_default="10")
    sla_urgent_min: so.Mapped[int] = so.mapped_column(default=60, server_default="60")
    sla_routine_min: so.Mapped[int] = so.mapped_column(default=1440, server_default="1440")
    created_at: so.Mapped[dt.datetime] = so.mapped_column(sa.DateTime, default=utcnow)
    clinics: so.Mapped[list["Clinic"]] = so.relationship(back_populates="consortium")

    def to_dict(self) -> dict:
        return {"id": self.id, "name": self.name, "timezone": self.timezone, "language": self.language,
                "sla_minutes": self.sla_minutes()}

    def sla_minutes(self) -> dict[str, int]:
        return {"critical": self.sla_critical_min, "urgent": self.sla_urgent_min, "routine": self.sla_routine_min}


class Clinic(db.Model):
    __tablename__ = "clinics"
    __table_args__ = (sa.UniqueConstraint("consortium_id", "name"),)
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(200))
    consortium_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("consortia.id"), index=True)
    consortium: so.Mapped[Consortium] = so.relationship(back_populates="clinics")

    def to_dict(self) -> dict:
        return {"id": self.id, "name": self.name, "consortium_id": self.consortium_id}


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        # A township doctor belongs to a clinic; reviewers and coordinators to a consortium.
        sa.CheckConstraint(
            "(role = 'township_doctor' AND clinic_id IS NOT NULL)"
            " OR (role IN ('cardiologist', 'coordinator') AND consortium_id IS NOT NULL)"
            " OR role = 'admin'",
            name="user_role_membership",
        ),
    )
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    username: so.Mapped[str] = so.mapped_column(sa.String(80), unique=True)
    full_name: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    password_hash: so.Mapped[str] = so.mapped_column(sa.String(256))
    role: so.Mapped[str] = so.mapped_column(sa.String(20))
    clinic_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("clinics.id"), index=True)
    consortium_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("consortia.id"), index=True)
    active: so.Mapped[bool] = so.mapped_column(default=True)
    # The user's own choice of language (None: the browser's, else the consortium's).
    language: so.Mapped[str | None] = so.mapped_column(sa.String(10))
    # Cardiologists on duty receive the critical-case and SLA alerts (everyone, when nobody is).
    on_duty: so.Mapped[bool] = so.mapped_column(default=False, server_default=sa.false())
    # Every login session of the user carries this token; replacing it (logout, password change,
    # deactivation) ends them all at once (telemed/services/sessions.py).
    session_token: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    password_changed_at: so.Mapped[dt.datetime | None] = so.mapped_column(sa.DateTime)
    # Consecutive failed logins, and the end of the lockout they caused (back-off doubles).
    failed_logins: so.Mapped[int] = so.mapped_column(default=0, server_default="0")
    locked_until: so.Mapped[dt.datetime | None] = so.mapped_column(sa.DateTime)
    clinic: so.Mapped[Clinic | None] = so.relationship()
    consortium: so.Mapped[Consortium | None] = so.relationship()

    def set_password(self, password: str) -> None:
        # scrypt by default; tests configure a cheap method so that fixtures stay fast.
        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt") if has_app_context() else "scrypt"
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def home_consortium_id(self) -> int | None:
        """The consortium whose data this user may see (a doctor's through their clinic)."""
        if self.role == Role.TOWNSHIP_DOCTOR:
            return self.clinic.consortium_id if self.clinic else None
        return self.consortium_id

    @property
    def home_consortium(self) -> Consortium | None:
        if self.role == Role.TOWNSHIP_DOCTOR:
            return self.clinic.consortium if self.clinic else None
        return self.consortium

    def to_dict(self) -> dict:
        return {
            "id": self.id, "username": self.username, "full_name": self.full_name, "role": self.role,
            "clinic_id": self.clinic_id, "consortium_id": self.home_consortium_id, "language": self.language,
            "on_duty": self.on_duty,
        }

    def to_brief(self) -> dict:
        return {"id": self.id, "username": self.username, "full_name": self.full_name}
