"""Socket.IO handlers on the default namespace '/'."""
from flask_babel import gettext as _
from flask import request
from flask_login import current_user
from flask_socketio import ConnectionRefusedError, Namespace, emit, join_room, leave_room, rooms

from telemed.extensions import db
from telemed.models import Role
from telemed.realtime.guards import require_case_access
from telemed.services import audit
from telemed.realtime.rooms import case_room, clinic_room, coordinators_room, reviewers_room, user_room


def home_rooms(user) -> list[str]:
    own = [user_room(user.id)]
    if user.role == Role.TOWNSHIP_DOCTOR.value:
        return own + [clinic_room(user.clinic_id)]
    if user.role == Role.CARDIOLOGIST.value:
        return own + [reviewers_room(user.consortium_id)]
    if user.role == Role.COORDINATOR.value:
        return own + [coordinators_room(user.consortium_id)]
    return own


class LiveNamespace(Namespace):
    def on_connect(self, auth=None):
        if not current_user.is_authenticated:
            raise ConnectionRefusedError("Please log in first.")
        for room in home_rooms(current_user):
            join_room(room)

    @require_case_access
    def on_join_case(self, case):
        audit.record_read(current_user, "case_joined", case.id)
        join_room(case_room(case.id))
        # Presence is stateless on the server (so it works across web processes): the newcomer
        # asks the room, and everyone present answers with their own `presence`.
        emit("presence_request", {"case_id": case.id}, to=case_room(case.id), include_self=False)
        return {"ok": True, "case_id": case.id}

    def on_leave_case(self, data=None):
        """Leave a case room joined before: input checked, nothing announced for a room not joined."""
        if not current_user.is_authenticated:
            return {"error": _("Your session has ended; please log in again."), "code": "login_required"}
        case_id = (data or {}).get("case_id") if isinstance(data, dict) else None
        if isinstance(case_id, bool) or not isinstance(case_id, (int, str)) or not str(case_id).isdigit():
            return {"error": _("case_id is missing or not a number."), "code": "bad_request"}
        room = case_room(int(case_id))
        if room not in rooms():
            return {"error": _("Join the case first."), "code": "not_joined"}
        self._announce_left(room)
        leave_room(room)
        return {"ok": True}

    def on_presence(self, data=None):
        """A reader tells colleagues in the case where they are looking (seconds)."""
        if not current_user.is_authenticated:
            return {"error": _("Your session has ended; please log in again."), "code": "login_required"}
        try:
            case_id = int(data["case_id"])
            start_s, end_s = float(data["start_s"]), float(data["end_s"])
        except (TypeError, ValueError, KeyError):
            return {"error": _("presence needs case_id, start_s and end_s."), "code": "bad_request"}
        room = case_room(case_id)
        if room not in rooms():
            return {"error": _("Join the case first."), "code": "not_joined"}
        emit("presence", {"case_id": case_id, "user": {**current_user.to_brief(), "role": current_user.role},
                          "sid": request.sid, "start_s": start_s, "end_s": end_s},
             to=room, include_self=False)
        return {"ok": True}

    def on_disconnect(self, reason=None):
        for room in rooms():
            if room.startswith("case:"):
                self._announce_left(room)

    def _announce_left(self, room: str) -> None:
        emit("presence_left", {"case_id": int(room.split(":")[1]), "sid": request.sid,
                               "user_id": current_user.id if current_user.is_authenticated else None},
             to=room, include_self=False)


def on_error(exc):  # noqa: ARG001
    """Any handler failure: roll back so the next event starts clean; never leak a traceback."""
    db.session.rollback()
    return {"error": _("The server could not handle that; please try again."), "code": "internal_error"}
