"""The consult thread of a case: the township doctor and the consortium's cardiologists, live on both sides."""
from flask_babel import gettext as _
import sqlalchemy as sa

from telemed.extensions import db
from telemed.models import Message, Role, User
from telemed import domain_events
from telemed.services import audit, notifications
from telemed.services.access import get_visible_case, require_role
from telemed.services.errors import BadRequest

MAX_MESSAGE = 4000


def list_messages(case_id: int, user: User) -> list[Message]:
    case = get_visible_case(case_id, user)
    messages = list(db.session.scalars(
        sa.select(Message).where(Message.case_id == case.id).order_by(Message.created_at, Message.id)))
    audit.record_read(user, "messages_viewed", case.id)
    return messages


def post_message(case_id: int, user: User, data: dict) -> Message:
    """Add a message to the thread; coordinators watch, they do not take part."""
    require_role(user, Role.TOWNSHIP_DOCTOR, Role.CARDIOLOGIST, action=_("write in the consult thread"))
    case = get_visible_case(case_id, user)
    text = data.get("text")
    if not isinstance(text, str) or not text.strip():
        raise BadRequest(_("Write a message first."))
    if len(text) > MAX_MESSAGE:
        raise BadRequest(_("A message can be at most %(limit)s characters.", limit=MAX_MESSAGE))
    message = Message(case_id=case.id, author_id=user.id, text=text.strip())
    db.session.add(message)
    db.session.flush()
    audit.record(user, "message_posted", case.id, message_id=message.id)
    sent = notifications.notify(_message_recipients(case, user), "message_posted", case,
                                author=user.full_name or user.username, patient=case.patient_ref,
                                excerpt=notifications.excerpt(message.text))
    db.session.commit()
    domain_events.message_posted.send(message, case=case)
    domain_events.notifications_sent.send(sent)
    return message


def _message_recipients(case, author: User) -> list[User]:
    """The other side of the thread: the clinic hears from cardiologists; a doctor's message goes to
    the reader who holds the case, or to every cardiologist of the consortium while nobody does."""
    if author.role == Role.CARDIOLOGIST.value:
        return notifications.clinic_doctors(case)
    if case.assigned_to is not None:
        return [case.assigned_to]
    return notifications.consortium_cardiologists(case.clinic.consortium_id)
