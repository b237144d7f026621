import datetime as dt

import sqlalchemy as sa
import sqlalchemy.orm as so

from telemed.extensions import db
from telemed.models._time import iso, utcnow
from telemed.models.user import User


class Message(db.Model):
    """One entry of a case's consult thread between the township doctor and the cardiologists."""

    __tablename__ = "messages"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    case_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("cases.id"), index=True)
    author_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"))
    text: so.Mapped[str] = so.mapped_column(sa.Text)
    created_at: so.Mapped[dt.datetime] = so.mapped_column(sa.DateTime, default=utcnow)
    author: so.Mapped[User] = so.relationship()

    def to_dict(self) -> dict:
        return {"id": self.id, "case_id": self.case_id, "text": self.text, "created_at": iso(self.created_at),
                "author": {**self.author.to_brief(), "role": self.author.role}}
