"""Server-to-client events. Called by services only after their unit of work has committed."""
from telemed.extensions import socketio
from telemed.realtime.rooms import case_room, clinic_room, coordinators_room, reviewers_room


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


def annotation_event(event: str, annotation) -> None:
    socketio.emit(event, annotation.to_dict(), to=case_room(annotation.case_id))


def annotation_deleted(snapshot: dict) -> None:
    socketio.emit("annotation_deleted", snapshot, to=case_room(snapshot["case_id"]))


def dashboard(consortium_id: int) -> None:
    from telemed.services.dashboard import consortium_dashboard

    socketio.emit("dashboard", consortium_dashboard(consortium_id), to=coordinators_room(consortium_id))


def message_created(message, case) -> None:
    """To the case room and the clinic, so a doctor on the case list also learns of a reply."""
    socketio.emit("message_created", message.to_dict(), to=[case_room(case.id), clinic_room(case.clinic_id)])
