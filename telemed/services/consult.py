"""The consult thread of a case: the township doctor and the consortium's cardiologists, live on both sides."""
import sqlalchemy as sa

from telemed.extensions import db
from telemed.models import Message, Role, User
from telemed.realtime import broadcast
from telemed.services import audit
from telemed.services.access import get_visible_case, require_role
from telemed.services.errors import BadRequest

MAX_MESSAGE = 4000


def list_messages(case_id: int, user: User) -> list[Message]:
    case = get_visible_case(case_id, user)
    return list(db.session.scalars(
        sa.select(Message).where(Message.case_id == case.id).order_by(Message.created_at, Message.id)))


def post_message(case_id: int, user: User, data: dict) -> Message:
    """Add a message to the thread; coordinators watch, they do not take part."""
    require_role(user, Role.TOWNSHIP_DOCTOR, Role.CARDIOLOGIST, action="write in the consult thread")
    case = get_visible_case(case_id, user)
    text = data.get("text")
    if not isinstance(text, str) or not text.strip():
        raise BadRequest("Write a message first.")
    if len(text) > MAX_MESSAGE:
        raise BadRequest(f"A message can be at most {MAX_MESSAGE} characters.")
    message = Message(case_id=case.id, author_id=user.id, text=text.strip())
    db.session.add(message)
    db.session.flush()
    audit.record(user, "message_posted", case.id, message_id=message.id)
    db.session.commit()
    broadcast.message_created(message, case)
    return message
