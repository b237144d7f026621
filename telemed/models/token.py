import datetime as dt

import sqlalchemy as sa
import sqlalchemy.orm as so

from telemed.extensions import db
from telemed.models._time import iso, utcnow
from telemed.models.user import Clinic, User


class ApiToken(db.Model):
    """A clinic's key for its ECG cart or PC to upload without a browser (`Authorization: Bearer`).

    Only a SHA-256 of the token is stored (the token has 160 random bits, so a plain hash is enough);
    the token is shown once, when made. Uploads by token act as the token's own device account, a
    township-doctor account of the clinic that cannot log in with a password.
    """

    __tablename__ = "api_tokens"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    clinic_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("clinics.id"), index=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(100))
    prefix: so.Mapped[str] = so.mapped_column(sa.String(16))
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    device_user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"))
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    created_at: so.Mapped[dt.datetime] = so.mapped_column(sa.DateTime, default=utcnow)
    last_used_at: so.Mapped[dt.datetime | None] = so.mapped_column(sa.DateTime)
    revoked_at: so.Mapped[dt.datetime | None] = so.mapped_column(sa.DateTime)
    clinic: so.Mapped[Clinic] = so.relationship()
    device_user: so.Mapped[User] = so.relationship(foreign_keys=[device_user_id])

    def to_dict(self) -> dict:
        return {"id": self.id, "clinic_id": self.clinic_id, "name": self.name, "prefix": self.prefix,
                "created_at": iso(self.created_at), "last_used_at": iso(self.last_used_at),
                "revoked_at": iso(self.revoked_at), "active": self.revoked_at is None}
