"""The OpenAPI 3.1 document of the JSON API: paths, methods, summaries and parameters come from the
routes themselves (url_map and view docstrings); what a route takes and answers is kept here, beside
them. `tests/web/test_openapi.py` fails when a route has no entry in ENDPOINTS.
"""
from __future__ import annotations

import re

from flask import Flask

_ref = lambda name: {"$ref": f"#/components/schemas/{name}"}  # noqa: E731
_obj = lambda **props: {"type": "object", "properties": props}  # noqa: E731
_list = lambda key, item: _obj(**{key: {"type": "array", "items": item}})  # noqa: E731
_str, _int, _num, _bool = {"type": "string"}, {"type": "integer"}, {"type": "number"}, {"type": "boolean"}
_nullable = lambda schema: {"anyOf": [schema, {"type": "null"}]}  # noqa: E731

SCHEMAS = {
    "Error": {"type": "object", "required": ["error", "code"], "properties": {
        "error": {"type": "string", "description": "A message in the caller's language"},
        "code": {"type": "string", "description": "A stable machine code, e.g. case_not_found, csrf"}}},
    "User": _obj(id=_int, username=_str, full_name=_str, role={"enum": ["township_doctor", "cardiologist",
                                                                       "coordinator", "admin"]},
                 clinic_id=_nullable(_int), consortium_id=_nullable(_int), language=_nullable(_str)),
    "Recording": _obj(format=_str, fs=_num, leads={"type": "array", "items": _str}, n_samples=_int, duration_s=_num,
                      start_time=_nullable(_str), files={"type": "array", "items": _obj(name=_str, sha256=_str,
                                                                                         size_bytes=_int)},
                      device=_nullable({"type": "object", "description": "manufacturer, model, measurements, "
                                                                         "statements, patient, as the cart says"}),
                      tolerated={"type": "array", "items": _str}, fitness=_nullable({"type": "object"})),
    "Case": {"type": "object", "description": "Times are ISO 8601 with an explicit offset (UTC, 'Z').",
             "properties": {
                 "id": _int, "patient_ref": _str, "age": _nullable(_int), "sex": _nullable({"enum": ["M", "F"]}),
                 "symptoms": _str, "question": _str,
                 "status": {"enum": ["analyzing", "awaiting_review", "in_review", "reported", "analysis_failed",
                                     "rerecord_requested"]},
                 "priority": _nullable({"enum": ["critical", "urgent", "routine"]}),
                 "clinic": _obj(id=_int, name=_str), "consortium_id": _int,
                 "uploaded_by": _obj(id=_int, username=_str, full_name=_str),
                 "assigned_to": _nullable(_obj(id=_int, username=_str, full_name=_str)),
                 "failure_reason": _nullable(_str),
                 # a read error as msgid + params (failure_reason is its English sentence)
                 "failure_detail": _nullable(_obj(msgid=_str, params={"type": "object"},
                                                  msgid_params={"type": "array", "items": _str})),
                 "created_at": {"type": "string", "format": "date-time"},
                 "recording": _nullable(_ref("Recording")),
                 "rerecord": _nullable(_obj(by={"enum": ["check", "reader"]}, reason=_str,
                                            messages={"type": "array", "items": _str})),
                 "analysis": _nullable({"type": "object"}), "report": _nullable(_ref("Report")),
                 "annotations": {"type": "array", "items": _ref("Annotation")},
                 "messages": {"type": "array", "items": _ref("Message")}}},
    "Annotation": _obj(id=_int, case_id=_int, lead=_nullable(_str), start_s=_num, end_s=_num, label=_str, text=_str,
                       version=_int, author=_obj(id=_int, username=_str, full_name=_str)),
    "Report": _obj(id=_int, version=_int, kind={"enum": ["original", "addendum", "correction"]},
                   reason=_nullable(_str), amended=_bool, diagnosis=_str, statements={"type": "array", "items": _str,
                                                        "description": "codes of telemed.vocabulary.STATEMENTS"},
                   recommendation={"type": "string", "description": "a code of telemed.vocabulary.RECOMMENDATIONS"},
                   signed_by=_obj(id=_int, username=_str, full_name=_str), signed_at=_str),
    "Message": _obj(id=_int, case_id=_int, text=_str, created_at=_str, author=_obj(id=_int, username=_str, role=_str)),
    "Notification": _obj(id=_int, kind=_str, case_id=_nullable(_int), text=_str, urgent=_bool, created_at=_str,
                         read=_bool),
    "Token": _obj(id=_int, clinic_id=_int, name=_str, prefix=_str, created_at=_str, last_used_at=_nullable(_str),
                  revoked_at=_nullable(_str), active=_bool),
    "Signal": _obj(fs=_num, leads={"type": "array", "items": _obj(
        name=_str, start_s=_num, step_s=_num, min={"type": "array", "items": _nullable(_num)},
        max={"type": "array", "items": _nullable(_num)})}),
    "CaseUpload": {"type": "object", "required": ["files"], "properties": {
        "patient_ref": {"type": "string", "maxLength": 100, "description": "optional with a bearer token: "
                                                                         "taken from the cart's file"},
        "age": _int, "sex": {"enum": ["M", "F", ""]}, "symptoms": _str, "question": _str,
        "sampling_rate_hz": {"type": "number", "description": "CSV only"},
        "files": {"type": "array", "items": {"type": "string", "format": "binary"}}}},
}

_case = _obj(case=_ref("Case"))
_json = lambda schema: {"content": {"application/json": {"schema": schema}}}  # noqa: E731
_multipart = {"content": {"multipart/form-data": {"schema": _ref("CaseUpload")}}}

# endpoint -> request body, success status and schema, whether a clinic token is accepted, query parameters
ENDPOINTS: dict[str, dict] = {
    "api.login": {"body": _obj(username=_str, password=_str), "ok": (200, _obj(user=_ref("User"))), "public": True},
    "api.logout": {"ok": (200, _obj(ok=_bool))},
    "api.csrf_token": {"ok": (200, _obj(csrf_token=_str)), "public": True},
    "api.change_password": {"body": _obj(current_password=_str, new_password=_str), "ok": (200, _obj(ok=_bool))},
    "api.whoami": {"ok": (200, _obj(user=_ref("User")))},
    "api.update_session_user": {"body": _obj(language={"enum": ["zh_CN", "en"]}, on_duty=_bool),
                                "ok": (200, _obj(user=_ref("User")))},
    "api.create_case": {"multipart": True, "ok": (201, _case), "token": True,
                        "headers": ["Idempotency-Key"]},
    "api.list_cases": {"ok": (200, _list("cases", _ref("Case"))),
                       "query": ["status", "priority", "clinic_id", "assigned_to"]},
    "api.case_detail": {"ok": (200, _case), "query": ["beats"]},
    "api.case_status": {"ok": (200, _obj(case=_obj(id=_int, status=_str, priority=_nullable(_str),
                                                   rerecord=_nullable({"type": "object"}),
                                                   reported_at=_nullable(_str)))), "token": True},
    "api.add_recording": {"multipart": True, "ok": (201, _case), "token": True},
    "api.send_anyway": {"body": _obj(reason=_str), "ok": (200, _case), "token": True},
    "api.request_rerecord": {"body": _obj(reason=_str), "ok": (200, _case)},
    "api.list_messages": {"ok": (200, _list("messages", _ref("Message")))},
    "api.post_message": {"body": _obj(text=_str), "ok": (201, _obj(message=_ref("Message")))},
    "api.priors": {"ok": (200, _list("cases", _ref("Case")))},
    "api.case_signal": {"ok": (200, _ref("Signal")), "query": ["start_s", "end_s", "max_points"]},
    "api.claim": {"ok": (200, _case)},
    "api.assign": {"body": _obj(cardiologist_id=_nullable(_int)), "ok": (200, _case)},
    "api.add_annotation": {"body": _obj(lead=_nullable(_str), start_s=_num, end_s=_num, label=_str, text=_str),
                           "ok": (201, _obj(annotation=_ref("Annotation")))},
    "api.update_annotation": {"body": _obj(version=_int, lead=_nullable(_str), start_s=_num, end_s=_num, label=_str,
                                           text=_str), "ok": (200, _obj(annotation=_ref("Annotation")))},
    "api.reply_to_annotation": {"body": _obj(text=_str), "ok": (201, _obj(annotation=_ref("Annotation")))},
    "api.hide_annotation": {"body": _obj(hidden=_bool), "ok": (200, _obj(annotation=_ref("Annotation")))},
    "api.delete_annotation": {"body": _obj(version=_int), "ok": (200, _obj(annotation=_ref("Annotation")))},
    "api.report": {"body": _obj(diagnosis=_str, recommendation=_str, statements={"type": "array", "items": _str}),
                   "ok": (201, _obj(report=_ref("Report"), case=_ref("Case")))},
    "api.report_versions": {"ok": (200, _obj(report=_ref("Report"), versions={"type": "array", "items": _ref("Report")}))},
    "api.amend_report": {"body": _obj(kind={"enum": ["addendum", "correction"]}, reason=_str, diagnosis=_str,
                                      recommendation=_str, statements={"type": "array", "items": _str}),
                         "ok": (201, _obj(report=_ref("Report"), case=_ref("Case")))},
    "api.get_dashboard": {"ok": (200, {"type": "object"})},
    "api.list_notifications": {"ok": (200, _obj(notifications={"type": "array", "items": _ref("Notification")},
                                                 unread=_int)), "query": ["unread"]},
    "api.read_notifications": {"body": _obj(ids={"type": "array", "items": _int}, all=_bool),
                               "ok": (200, _obj(unread=_int))},
    "api.clinic_tokens": {"ok": (200, _list("tokens", _ref("Token")))},
    "api.create_clinic_token": {"body": _obj(name=_str), "ok": (201, _obj(token=_ref("Token"), secret=_str))},
    "api.revoke_clinic_token": {"ok": (200, _obj(token=_ref("Token")))},
    "api.openapi_document": {"ok": (200, {"type": "object"}), "public": True},
    "api.case_fhir": {"ok": (200, {"type": "object", "description": "a FHIR R4 Bundle (application/fhir+json)"})},
    "api.case_export": {"ok": (200, {"type": "string", "format": "binary",
                                     "description": "application/zip: originals, WFDB record and annotations"})},
}

_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")


def api_rules(app: Flask):
    return [r for r in app.url_map.iter_rules() if r.endpoint.startswith("api.")]


def build(app: Flask) -> dict:
    """The OpenAPI 3.1 document of every route of the `api` blueprint."""
    paths: dict[str, dict] = {}
    for rule in sorted(api_rules(app), key=lambda r: r.rule):
        spec = ENDPOINTS[rule.endpoint]
        view = app.view_functions[rule.endpoint]
        path = _PARAM.sub(lambda m: "{" + m.group(2) + "}", rule.rule)
        params = [{"name": m.group(2), "in": "path", "required": True,
                   "schema": {"type": "integer" if m.group(1) == "int" else "string"}}
                  for m in _PARAM.finditer(rule.rule)]
        params += [{"name": q, "in": "query", "required": False, "schema": {"type": "string"}}
                   for q in spec.get("query", [])]
        params += [{"name": h, "in": "header", "required": False, "schema": {"type": "string"}}
                   for h in spec.get("headers", [])]
        status, schema = spec["ok"]
        operation = {
            "operationId": rule.endpoint.split(".", 1)[1],
            "summary": (view.__doc__ or "").strip().splitlines()[0] if view.__doc__ else rule.endpoint,
            "parameters": params,
            "responses": {str(status): {"description": "OK", **_json(schema)},
                          "4XX": {"description": "Refused, with a message in the caller's language",
                                  **_json(_ref("Error"))}},
        }
        if "body" in spec:
            operation["requestBody"] = {"required": True, **_json(spec["body"])}
        if spec.get("multipart"):
            operation["requestBody"] = {"required": True, **_multipart}
        if spec.get("public"):
            operation["security"] = []
        elif spec.get("token"):
            operation["security"] = [{"session": []}, {"clinicToken": []}]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": "telemed ECG referrals API", "version": "1",
                 "description": "Township clinics upload ECGs; consortium cardiologists read and report them. "
                                "Errors are {error, code}; times are ISO 8601 with an explicit offset."},
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "session",
                            "description": "POST /api/v1/session sets it"},
                "clinicToken": {"type": "http", "scheme": "bearer",
                                "description": "a clinic's API token; upload and case-status endpoints only"},
            },
        },
        "security": [{"session": []}],
        "x-csrf": "Every cookie-authenticated POST, PATCH and DELETE (login included) sends X-CSRFToken, "
                  "from GET /api/v1/csrf; bearer-token requests are exempt.",
    }
