"""Server-to-client events. Called by services only after their unit of work has committed."""
import threading

from flask import current_app

from telemed.extensions import socketio
from telemed.realtime.rooms import case_room, clinic_room, coordinators_room, reviewers_room, user_room


def case_changed(case, *, event: str = "case_updated") -> None:
    """`case_created` / `case_updated` to the case's clinic and its consortium's readers and coordinators."""
    consortium_id = case.clinic.consortium_id
    socketio.emit(event, case.to_dict(),
                  to=[clinic_room(case.clinic_id), reviewers_room(consortium_id), coordinators_room(consortium_id)])
    dashboard(consortium_id)


def case_reported(case) -> None:
    payload = case.to_dict()
    payload["report"] = case.report.to_dict()
    socketio.emit("case_reported", payload, to=clinic_room(case.clinic_id))


def notifications(items) -> None:
    """`notification` to each recipient, written in the recipient's own language."""
    if not items:
        return
    from telemed.extensions import db
    from telemed.models import User
    from telemed.services.notifications import as_json, language_of

    for item in items:
        recipient = db.session.get(User, item.recipient_id)
        socketio.emit("notification", as_json(item, language_of(recipient)), to=user_room(item.recipient_id))


def annotation_event(event: str, annotation) -> None:
    socketio.emit(event, annotation.to_dict(), to=case_room(annotation.case_id))


def annotation_deleted(snapshot: dict) -> None:
    socketio.emit("annotation_deleted", snapshot, to=case_room(snapshot["case_id"]))


_pending_dashboards: set[int] = set()
_pending_lock = threading.Lock()


def dashboard(consortium_id: int) -> None:
    """Coordinators' dashboard, coalesced: a burst of case changes costs one computation per
    DASHBOARD_DEBOUNCE_S and consortium, not one per change (0 = at once, as in tests)."""
    delay_s = current_app.config.get("DASHBOARD_DEBOUNCE_S", 0.5)
    if delay_s <= 0:
        _emit_dashboard(consortium_id)
        return
    with _pending_lock:
        if consortium_id in _pending_dashboards:
            return
        _pending_dashboards.add(consortium_id)
    app = current_app._get_current_object()

    def emit_later():
        socketio.sleep(delay_s)
        with _pending_lock:
            _pending_dashboards.discard(consortium_id)
        with app.app_context():
            _emit_dashboard(consortium_id)

    socketio.start_background_task(emit_later)


def _emit_dashboard(consortium_id: int) -> None:
    from telemed.services.dashboard import consortium_dashboard

    socketio.emit("dashboard", consortium_dashboard(consortium_id), to=coordinators_room(consortium_id))


def message_created(message, case) -> None:
    """To the case room and the clinic, so a doctor on the case list also learns of a reply."""
    socketio.emit("message_created", message.to_dict(), to=[case_room(case.id), clinic_room(case.clinic_id)])


def sessions_ended(user_id: int) -> None:
    """Every session of a user has ended: tell their pages, and disconnect their sockets here.

    Sockets on other web processes get `session_ended` through the message queue (the page then
    leaves), and their next event is refused because the session token no longer matches.
    """
    room = user_room(user_id)
    socketio.emit("session_ended", {}, to=room)
    for sid, _eio_sid in list(socketio.server.manager.get_participants("/", room)):
        socketio.server.disconnect(sid, namespace="/")
