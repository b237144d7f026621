"""JSON API v1: thin views over the services."""
from flask import jsonify, request
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf

from telemed.api import bp
from telemed.security import limit_login, limit_upload
from telemed.services import (accounts, analysis, annotations, auth, consult, dashboard, notifications, referrals,
                              sessions)
from telemed.services.errors import BadRequest


def json_body() -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise BadRequest(_("Send a JSON object in the request body."), code="json_required")
    return data


@bp.get("/csrf")
def csrf_token():
    """The CSRF token that every cookie-authenticated POST/PATCH/DELETE sends as X-CSRFToken."""
    return jsonify({"csrf_token": generate_csrf()})


@bp.post("/session")
@limit_login
def login():
    """Log in with username and password (a new session; failed attempts are throttled)."""
    data = json_body()
    user = auth.authenticate(data.get("username"), data.get("password"))
    sessions.start(user)
    return jsonify({"user": user.to_dict()})


@bp.delete("/session")
def logout():
    """Log out: every session of the caller ends, on every device, and their sockets close."""
    if current_user.is_authenticated:
        sessions.logout(current_user)
    return jsonify({"ok": True})


@bp.get("/session")
@login_required
def whoami():
    """The logged-in user."""
    return jsonify({"user": current_user.to_dict()})


@bp.patch("/session")
@login_required
def update_session_user():
    """Change the caller's own settings (today: `language`)."""
    data = json_body()
    if "language" in data:
        accounts.set_language(current_user, data.get("language"))
    return jsonify({"user": current_user.to_dict()})


@bp.post("/session/password")
@login_required
def change_password():
    """Change the caller's password: `{"current_password", "new_password"}`; their other sessions end."""
    data = json_body()
    accounts.change_password(current_user, data.get("current_password"), data.get("new_password"))
    return jsonify({"ok": True})


@bp.get("/notifications")
@login_required
def list_notifications():
    """The caller's latest notifications, newest first, and the unread count (`?unread=1`: unread only)."""
    items, unread = notifications.inbox(current_user, unread_only=request.args.get("unread") in ("1", "true"))
    return jsonify({"notifications": [notifications.as_json(n) for n in items], "unread": unread})


@bp.post("/notifications/read")
@login_required
def read_notifications():
    """Mark notifications read: `{"ids": [...]}` or `{"all": true}`."""
    return jsonify({"unread": notifications.mark_read(current_user, json_body())})


@bp.post("/cases")
@login_required
@limit_upload
def create_case():
    """Upload an ECG and open a case (township doctors)."""
    files = [(f.filename, f.stream) for f in request.files.getlist("files")]
    case, created = referrals.create_case(current_user, request.form, files,
                                          idempotency_key=request.headers.get("Idempotency-Key"))
    return jsonify({"case": case.to_dict()}), 201 if created else 200


@bp.get("/cases")
@login_required
def list_cases():
    """The caller's cases, most urgent and oldest first."""
    cases = referrals.list_cases(current_user, status=request.args.get("status"))
    return jsonify({"cases": [c.to_dict() for c in cases]})


@bp.get("/cases/<int:case_id>")
@login_required
def case_detail(case_id):
    """A case with its analysis, annotations and report."""
    case = referrals.view_case(case_id, current_user)
    body = case.to_dict()
    with_beats = request.args.get("beats") != "0"  # a page that already has them reloads lighter
    body["analysis"] = case.analysis.to_dict(with_beats=with_beats) if case.analysis else None
    body["annotations"] = [a.to_dict() for a in annotations.list_annotations(case)]
    body["report"] = case.report.to_dict() if case.report else None
    body["messages"] = [m.to_dict() for m in consult.list_messages(case.id, current_user)]
    return jsonify({"case": body})


@bp.get("/cases/<int:case_id>/messages")
@login_required
def list_messages(case_id):
    """The consult thread of a case."""
    return jsonify({"messages": [m.to_dict() for m in consult.list_messages(case_id, current_user)]})


@bp.post("/cases/<int:case_id>/messages")
@login_required
def post_message(case_id):
    """Write in the consult thread (township doctor or cardiologist)."""
    return jsonify({"message": consult.post_message(case_id, current_user, json_body()).to_dict()}), 201


@bp.get("/cases/<int:case_id>/priors")
@login_required
def priors(case_id):
    """The same patient's earlier ECGs (same clinic and patient reference)."""
    return jsonify({"cases": [c.to_dict() for c in referrals.prior_cases(case_id, current_user)]})


@bp.get("/cases/<int:case_id>/signal")
@login_required
def case_signal(case_id):
    """A window of the ECG, decimated to min/max per bucket."""
    return jsonify(analysis.signal_window(case_id, current_user, request.args))


@bp.post("/cases/<int:case_id>/claim")
@login_required
def claim(case_id):
    """Take a case for review."""
    return jsonify({"case": referrals.claim_case(case_id, current_user).to_dict()})


@bp.post("/cases/<int:case_id>/annotations")
@login_required
def add_annotation(case_id):
    """Annotate a span of the ECG."""
    annotation = annotations.add_annotation(case_id, current_user, json_body())
    return jsonify({"annotation": annotation.to_dict()}), 201


@bp.patch("/annotations/<int:annotation_id>")
@login_required
def update_annotation(annotation_id):
    """Change an annotation (optimistic concurrency on `version`)."""
    return jsonify({"annotation": annotations.update_annotation(annotation_id, current_user, json_body()).to_dict()})


@bp.delete("/annotations/<int:annotation_id>")
@login_required
def delete_annotation(annotation_id):
    """Delete an annotation (optimistic concurrency on `version`, in the body or the query)."""
    data = request.get_json(silent=True) or {"version": request.args.get("version")}
    return jsonify({"annotation": annotations.delete_annotation(annotation_id, current_user, data)})


@bp.post("/cases/<int:case_id>/report")
@login_required
def report(case_id):
    """Sign the report of a case under review."""
    signed = referrals.submit_report(case_id, current_user, json_body())
    return jsonify({"report": signed.to_dict(), "case": signed.case.to_dict()}), 201


@bp.get("/dashboard")
@login_required
def get_dashboard():
    """The coordinator's consortium load."""
    return jsonify(dashboard.get_dashboard(current_user))
