import datetime as dt

import sqlalchemy as sa

from telemed.extensions import db
from telemed.models import AuditEvent, User
from telemed.models._time import utcnow


def record(user: User | None, action: str, case_id: int | None = None, **detail) -> None:
    """Add an audit event to the current unit of work (committed with it)."""
    db.session.add(AuditEvent(user_id=user.id if user else None, action=action, case_id=case_id, detail=detail))


def recently(user: User, action: str, case_id: int, *, within: dt.timedelta) -> bool:
    """Has this user's `action` on this case been recorded within the last `within`?"""
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.user_id == user.id, AuditEvent.action == action, AuditEvent.case_id == case_id,
        AuditEvent.at >= utcnow() - within)) > 0
