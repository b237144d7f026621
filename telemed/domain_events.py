"""Domain events: services announce what happened once their unit of work has committed; listeners
(the live layer, telemed/realtime/subscriptions.py) react. A service never imports Socket.IO, and
the realtime layer is the only one that does (blinker signals, as Flask itself uses)."""
from blinker import Namespace

_events = Namespace()

case_created = _events.signal("case-created")          # sender: the Case
case_changed = _events.signal("case-changed")          # sender: the Case (status, assignment, priority...)
case_reported = _events.signal("case-reported")        # sender: the Case, its report signed or amended
annotation_saved = _events.signal("annotation-saved")  # sender: the Annotation; kw: event ("annotation_created"|"annotation_updated")
annotation_deleted = _events.signal("annotation-deleted")  # sender: the deleted annotation's JSON
message_posted = _events.signal("message-posted")      # sender: the Message; kw: case
notifications_sent = _events.signal("notifications-sent")  # sender: list of Notification
sessions_ended = _events.signal("sessions-ended")      # sender: the user id whose sessions all ended
