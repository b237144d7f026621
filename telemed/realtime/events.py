"""Socket.IO handlers on the default namespace '/'."""
from flask_login import current_user
from flask_socketio import ConnectionRefusedError, Namespace, join_room, leave_room

from telemed.extensions import db
from telemed.models import Role
from telemed.realtime.guards import require_case_access
from telemed.realtime.rooms import case_room, clinic_room, coordinators_room, reviewers_room


def home_rooms(user) -> list[str]:
    if user.role == Role.TOWNSHIP_DOCTOR.value:
        return [clinic_room(user.clinic_id)]
    if user.role == Role.CARDIOLOGIST.value:
        return [reviewers_room(user.consortium_id)]
    if user.role == Role.COORDINATOR.value:
        return [coordinators_room(user.consortium_id)]
    return []


class LiveNamespace(Namespace):
    def on_connect(self, auth=None):
        if not current_user.is_authenticated:
            raise ConnectionRefusedError("Please log in first.")
        for room in home_rooms(current_user):
            join_room(room)

    @require_case_access
    def on_join_case(self, case):
        join_room(case_room(case.id))
        return {"ok": True, "case_id": case.id}

    def on_leave_case(self, data=None):
        try:
            leave_room(case_room(int((data or {}).get("case_id"))))
        except (TypeError, ValueError, AttributeError):
            return {"error": "case_id is missing or not a number."}
        return {"ok": True}


def on_error(exc):  # noqa: ARG001
    """Any handler failure: roll back so the next event starts clean; never leak a traceback."""
    db.session.rollback()
    return {"error": "The server could not handle that; please try again."}
