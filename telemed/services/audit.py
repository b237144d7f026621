from telemed.extensions import db
from telemed.models import AuditEvent, User


def record(user: User | None, action: str, case_id: int | None = None, **detail) -> None:
    """Add an audit event to the current unit of work (committed with it)."""
    db.session.add(AuditEvent(user_id=user.id if user else None, action=action, case_id=case_id, detail=detail))
