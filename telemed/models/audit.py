import datetime as dt
import sqlalchemy as sa
import sqlalchemy.orm as so

from telemed.extensions import db
from telemed.models._time import iso, utcnow


class AuditEvent(db.Model):
    """Who did what to which case, and when: every view, claim, annotation change and report."""

    __tablename__ = "audit_events"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    action: so.Mapped[str] = so.mapped_column(sa.String(40))
    case_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("cases.id"), index=True)
    detail: so.Mapped[dict] = so.mapped_column(sa.JSON, default=dict)
    at: so.Mapped[dt.datetime] = so.mapped_column(sa.DateTime, default=utcnow, index=True)

    def to_dict(self) -> dict:
        return {"id": self.id, "user_id": self.user_id, "action": self.action,
                "case_id": self.case_id, "detail": self.detail, "at": iso(self.at)}
