import datetime as dt

import sqlalchemy as sa
import sqlalchemy.orm as so

from telemed.extensions import db
from telemed.models._time import iso, utcnow


class Notification(db.Model):
    """Something a person should know about (a signed report, a reply, a request), kept until read.

    The text is not stored: `kind` and `params` are, and the text is written in the reader's
    language when it is read (telemed.services.notifications.render_text).
    """

    __tablename__ = "notifications"
    __table_args__ = (sa.Index("ix_notifications_inbox", "recipient_id", "read_at", "created_at"),)
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    recipient_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"))
    kind: so.Mapped[str] = so.mapped_column(sa.String(40))
    case_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("cases.id"), index=True)
    params: so.Mapped[dict] = so.mapped_column(sa.JSON, default=dict)
    # Critical items get a louder toast and the browser notification even when the tab is hidden.
    urgent: so.Mapped[bool] = so.mapped_column(default=False)
    created_at: so.Mapped[dt.datetime] = so.mapped_column(sa.DateTime, default=utcnow)
    read_at: so.Mapped[dt.datetime | None] = so.mapped_column(sa.DateTime)

    def to_dict(self, text: str) -> dict:
        return {"id": self.id, "kind": self.kind, "case_id": self.case_id, "text": text, "urgent": self.urgent,
                "created_at": iso(self.created_at), "read": self.read_at is not None}
