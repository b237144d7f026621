import datetime as dt
import sqlalchemy as sa
import sqlalchemy.orm as so

from telemed.extensions import db
from telemed.models._time import iso, utcnow
from telemed.models.user import User


class Annotation(db.Model):
    """A cardiologist's mark on a time span of one lead (or all leads when `lead` is None)."""

    __tablename__ = "annotations"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    case_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("cases.id"), index=True)
    author_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"))
    lead: so.Mapped[str | None] = so.mapped_column(sa.String(20))
    start_s: so.Mapped[float]
    end_s: so.Mapped[float]
    label: so.Mapped[str] = so.mapped_column(sa.String(100))
    text: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    # Optimistic concurrency: every change bumps it; a change that names an older one is refused.
    version: so.Mapped[int] = so.mapped_column(default=1)
    created_at: so.Mapped[dt.datetime] = so.mapped_column(sa.DateTime, default=utcnow)
    updated_at: so.Mapped[dt.datetime] = so.mapped_column(sa.DateTime, default=utcnow)
    # The assigned reader may leave an annotation out of the report (recorded: who and when).
    hidden_from_report: so.Mapped[bool] = so.mapped_column(default=False, server_default=sa.false())
    hidden_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    author: so.Mapped[User] = so.relationship(foreign_keys=[author_id])
    replies: so.Mapped[list["AnnotationReply"]] = so.relationship(
        back_populates="annotation", order_by="AnnotationReply.id", cascade="all, delete-orphan")

    def to_dict(self) -> dict:
        return {
            "id": self.id, "case_id": self.case_id, "lead": self.lead, "start_s": self.start_s,
            "end_s": self.end_s, "label": self.label, "text": self.text, "version": self.version,
            "author": self.author.to_brief(), "created_at": iso(self.created_at),
            "updated_at": iso(self.updated_at), "hidden_from_report": self.hidden_from_report,
            "replies": [r.to_dict() for r in self.replies],
        }


class AnnotationReply(db.Model):
    """A colleague's answer to an annotation: only its author changes an annotation; others reply."""

    __tablename__ = "annotation_replies"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    annotation_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("annotations.id"), index=True)
    author_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"))
    text: so.Mapped[str] = so.mapped_column(sa.Text)
    created_at: so.Mapped[dt.datetime] = so.mapped_column(sa.DateTime, default=utcnow)
    annotation: so.Mapped[Annotation] = so.relationship(back_populates="replies")
    author: so.Mapped[User] = so.relationship()

    def to_dict(self) -> dict:
        return {"id": self.id, "author": self.author.to_brief(), "text": self.text, "created_at": iso(self.created_at)}
