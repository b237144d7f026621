import datetime as dt
import hashlib
import json

import sqlalchemy as sa
import sqlalchemy.orm as so

from telemed.extensions import db
from telemed.models._time import iso, utcnow

GENESIS = "0" * 64


class AuditEvent(db.Model):
    """Who did what to which case, from where, and when: every read of patient data, every change,
    every login, failed login, logout and lockout. Append-only; each row's `hash` covers its
    content and the previous row's hash, so a changed or deleted row breaks the chain."""

    __tablename__ = "audit_events"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    action: so.Mapped[str] = so.mapped_column(sa.String(40), index=True)
    case_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("cases.id"), index=True)
    # The consortium the event belongs to (the case's, else the user's): whose coordinators read it.
    consortium_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("consortia.id"), index=True)
    ip: so.Mapped[str | None] = so.mapped_column(sa.String(45))
    detail: so.Mapped[dict] = so.mapped_column(sa.JSON, default=dict)
    at: so.Mapped[dt.datetime] = so.mapped_column(sa.DateTime, default=utcnow, index=True)
    prev_hash: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    hash: so.Mapped[str | None] = so.mapped_column(sa.String(64))

    def content_hash(self, prev_hash: str) -> str:
        body = json.dumps([self.id, self.user_id, self.action, self.case_id, self.consortium_id, self.ip,
                           self.detail or {}, self.at.isoformat() if self.at else None], sort_keys=True, separators=(",", ":"),
                          ensure_ascii=False, default=str)
        return hashlib.sha256((prev_hash + body).encode()).hexdigest()

    def to_dict(self) -> dict:
        return {"id": self.id, "user_id": self.user_id, "action": self.action, "case_id": self.case_id,
                "consortium_id": self.consortium_id, "ip": self.ip, "detail": self.detail, "at": iso(self.at)}


@sa.event.listens_for(AuditEvent, "before_update")
def _append_only_update(_mapper, _connection, target: AuditEvent) -> None:
    """Only the chain hash may be filled in, once, right after the insert."""
    state = sa.inspect(target)
    for attr in state.attrs:
        history = attr.history
        if not history.has_changes():
            continue
        if attr.key not in ("hash", "prev_hash") or any(v is not None for v in history.deleted):
            raise PermissionError("audit events are append-only")


@sa.event.listens_for(AuditEvent, "before_delete")
def _append_only_delete(_mapper, _connection, _target) -> None:
    raise PermissionError("audit events are append-only")
