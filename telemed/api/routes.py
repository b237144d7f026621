"""JSON API v1: thin views over the services."""
from flask import current_app, jsonify, request, send_file
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf

from telemed.api import bp
from telemed.api import openapi
from telemed.services.access import case_permissions
from telemed.security import limit_login, limit_upload
from telemed.services import (accounts, analysis, annotations, auth, consult, dashboard, intake, interop, notifications,
                              referrals, reports, sessions, tokens)
from telemed.services.errors import BadRequest, UploadTooLarge


# JSON bodies are small (a report, an annotation, a reason); only uploads may be large.
JSON_MAX_BYTES = 256 * 1024


def json_body() -> dict:
    length = request.content_length
    # A body without a length (chunked) could be any size: refused like an oversized one.
    if (length > JSON_MAX_BYTES) if length is not None else bool(request.headers.get("Transfer-Encoding")):
        raise UploadTooLarge(_("The request is larger than the %(limit)s kB allowed.", limit=JSON_MAX_BYTES // 1024),
                             code="request_too_large")
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
    if "on_duty" in data:
        accounts.set_on_duty(current_user, data.get("on_duty"))
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
                                          idempotency_key=request.headers.get("Idempotency-Key"),
                                          patient_from_device=tokens.is_device(current_user))
    return jsonify({"case": case.to_dict()}), 201 if created else 200


@bp.post("/cases/<int:case_id>/recordings")
@login_required
def add_recording(case_id):
    """A new recording for a case sent back to the clinic (multipart like the first upload)."""
    files = [(f.filename, f.stream) for f in request.files.getlist("files")]
    return jsonify({"case": intake.add_recording(case_id, current_user, files, request.form).to_dict()}), 201


@bp.post("/cases/<int:case_id>/send")
@login_required
def send_anyway(case_id):
    """Send a recording the upload check found unfit, with the reason (township doctor)."""
    return jsonify({"case": intake.send_anyway(case_id, current_user, json_body()).to_dict()})


@bp.post("/cases/<int:case_id>/rerecord")
@login_required
def request_rerecord(case_id):
    """Return a case to the clinic for a new recording (cardiologist), with the reason."""
    return jsonify({"case": intake.request_rerecord(case_id, current_user, json_body()).to_dict()})


@bp.get("/cases")
@login_required
def list_cases():
    """The caller's cases, most urgent and oldest first."""
    cases = referrals.list_cases(current_user, status=request.args.get("status"),
                                 priority=request.args.get("priority"), clinic_id=request.args.get("clinic_id"),
                                 assigned_to=request.args.get("assigned_to"))
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
    body["can"] = case_permissions(current_user, case)
    body["can"] = case_permissions(current_user, case)
    return jsonify({"case": body})


@bp.get("/cases/<int:case_id>/status")
@login_required
def case_status(case_id):
    """Where a case stands (for carts and clinic PCs polling with a token)."""
    case = referrals.view_case(case_id, current_user)
    return jsonify({"case": {"id": case.id, "status": case.status, "priority": case.priority,
                             "rerecord": case.to_dict()["rerecord"], "reported_at": case.to_dict()["reported_at"]}})


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


@bp.post("/cases/<int:case_id>/assign")
@login_required
def assign(case_id):
    """Give a case to a cardiologist, or back to the queue with null (coordinators)."""
    return jsonify({"case": referrals.assign_case(case_id, current_user, json_body()).to_dict()})


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


@bp.post("/annotations/<int:annotation_id>/replies")
@login_required
def reply_to_annotation(annotation_id):
    """Reply to a colleague's annotation."""
    return jsonify({"annotation": annotations.reply(annotation_id, current_user, json_body()).to_dict()}), 201


@bp.post("/annotations/<int:annotation_id>/hidden")
@login_required
def hide_annotation(annotation_id):
    """Leave an annotation out of the report, or put it back: `{"hidden": true|false}` (the assigned reader)."""
    return jsonify({"annotation": annotations.set_hidden(annotation_id, current_user, json_body()).to_dict()})


@bp.post("/cases/<int:case_id>/report")
@login_required
def report(case_id):
    """Sign the report of a case under review."""
    signed = referrals.submit_report(case_id, current_user, json_body())
    return jsonify({"report": signed.to_dict(), "case": signed.case.to_dict()}), 201


@bp.get("/cases/<int:case_id>/report")
@login_required
def report_versions(case_id):
    """The signed report and its versions (amendments), newest last."""
    return jsonify(reports.report_history(case_id, current_user))


@bp.post("/cases/<int:case_id>/report/amendments")
@login_required
def amend_report(case_id):
    """Amend a signed report: `{"kind": "addendum"|"correction", "reason", "diagnosis", "recommendation", "statements"}`."""
    version = reports.amend_report(case_id, current_user, json_body())
    return jsonify({"report": version.to_dict(), "case": version.case.to_dict()}), 201


@bp.get("/dashboard")
@login_required
def get_dashboard():
    """The coordinator's consortium load."""
    return jsonify(dashboard.get_dashboard(current_user))


@bp.get("/admin/clinics/<int:clinic_id>/tokens")
@login_required
def clinic_tokens(clinic_id):
    """A clinic's API tokens (administrators; the tokens themselves are never shown again)."""
    return jsonify({"tokens": [t.to_dict() for t in tokens.list_tokens(clinic_id, current_user)]})


@bp.post("/admin/clinics/<int:clinic_id>/tokens")
@login_required
def create_clinic_token(clinic_id):
    """Make a token for a clinic's cart or PC: `{"name"}` -> the token, shown this once."""
    row, secret = tokens.create_token(clinic_id, json_body().get("name"), current_user)
    return jsonify({"token": row.to_dict(), "secret": secret}), 201


@bp.delete("/admin/tokens/<int:token_id>")
@login_required
def revoke_clinic_token(token_id):
    """Revoke a token at once."""
    return jsonify({"token": tokens.revoke_token(token_id, current_user).to_dict()})


@bp.get("/openapi.json")
def openapi_document():
    """The OpenAPI 3.1 document of this API."""
    return jsonify(openapi.build(current_app))


@bp.get("/cases/<int:case_id>/fhir")
@login_required
def case_fhir(case_id):
    """The case as a FHIR R4 Bundle (DiagnosticReport, Observations, waveform, Patient, Practitioner)."""
    response = jsonify(interop.fhir_bundle(case_id, current_user))
    response.mimetype = "application/fhir+json"
    return response


@bp.get("/cases/<int:case_id>/export.zip")
@login_required
def case_export(case_id):
    """The originals, a WFDB record and a WFDB annotation file of beats and readers' annotations."""
    stream, name = interop.export_zip(case_id, current_user)
    return send_file(stream, mimetype="application/zip", as_attachment=True, download_name=name)
