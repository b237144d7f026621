"""The live layer listens to the domain events and emits Socket.IO events after each commit."""
from telemed import domain_events
from telemed.realtime import broadcast


def _case_created(case, **_):
    broadcast.case_changed(case, event="case_created")


def _case_changed(case, **_):
    broadcast.case_changed(case)


def _case_reported(case, **_):
    broadcast.case_changed(case)
    broadcast.case_reported(case)


def _annotation_saved(annotation, event="annotation_updated", **_):
    broadcast.annotation_event(event, annotation)


def _annotation_deleted(snapshot, **_):
    broadcast.annotation_deleted(snapshot)


def _message_posted(message, case=None, **_):
    broadcast.message_created(message, case)


def _notifications_sent(items, **_):
    broadcast.notifications(items)


def _sessions_ended(user_id, **_):
    broadcast.sessions_ended(user_id)


def subscribe() -> None:
    """Connect the handlers (idempotent: blinker keeps one connection per receiver)."""
    domain_events.case_created.connect(_case_created)
    domain_events.case_changed.connect(_case_changed)
    domain_events.case_reported.connect(_case_reported)
    domain_events.annotation_saved.connect(_annotation_saved)
    domain_events.annotation_deleted.connect(_annotation_deleted)
    domain_events.message_posted.connect(_message_posted)
    domain_events.notifications_sent.connect(_notifications_sent)
    domain_events.sessions_ended.connect(_sessions_ended)
