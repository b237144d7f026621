"""The authorisation matrix, built from the route map and the socket handlers.

Every route of `app.url_map` and every `on_*` handler of `LiveNamespace` must have an entry here,
or `test_every_route_and_event_is_in_the_matrix` fails: a new endpoint cannot ship without
saying who may use it. Each entry names, for every kind of user (anonymous; a township doctor of
the case's clinic, of a sibling clinic, of another consortium; a cardiologist and a coordinator
of the case's consortium and of another; an administrator), what they get:

- "ok": let through the access checks (2xx/3xx, or a validation answer 400/409 to the harmless
  request body sent: the probe never changes anything);
- 302 (pages) / 401 (API): not logged in; 403: their role may not; 404: not theirs, answered
  exactly as for something that does not exist.
"""
import pytest
import sqlalchemy as sa

from tests.factories import gen_case
from tests.web.helpers import login_client, socket_for

USERS = ["anon", "doctor", "sibling", "otherdoc", "cardio", "coord", "othercardio", "othercoord", "admin"]
OK = "ok"


def everyone(value, anon=None) -> dict:
    return {u: (anon if u == "anon" and anon is not None else value) for u in USERS}


def page_login(value=OK) -> dict:
    return everyone(value, anon=302)


def api_login(value=OK) -> dict:
    return everyone(value, anon=401)


def case_readers(anon) -> dict:
    """The case is of clinic Maple (doctor) in consortium City A (cardio, coord)."""
    return {"anon": anon, "doctor": OK, "sibling": 404, "otherdoc": 404, "cardio": OK, "coord": OK,
            "othercardio": 404, "othercoord": 404, "admin": 404}


def only(allowed: dict, anon) -> dict:
    """403 for every role not named (its role may not, whatever the object)."""
    return {u: (anon if u == "anon" else allowed.get(u, 403)) for u in USERS}


ADMIN_PAGE = only({"admin": OK}, 302)
ANNOTATION_EDIT = {"anon": 401, "doctor": 403, "sibling": 404, "otherdoc": 404, "cardio": OK, "coord": 403,
                   "othercardio": 404, "othercoord": 404, "admin": 404}

# (endpoint, METHOD) -> (path, request body, expectations). {case}, {annotation}, {admin} are ids.
MATRIX = {
    ("static", "GET"): ("/static/css/app.css", None, everyone(OK)),
    ("auth.home", "GET"): ("/", None, everyone(OK)),
    ("auth.login", "GET"): ("/login", None, everyone(OK)),
    ("auth.login", "POST"): ("/login", {"form": {"username": "matrix-nobody", "password": "x"}}, everyone(401)),
    ("auth.logout", "POST"): ("/logout", {"form": {}}, everyone(OK)),
    ("auth.set_language", "POST"): ("/language", {"form": {"language": "en"}}, everyone(OK)),
    ("auth.catalog", "GET"): ("/i18n/catalog.js", None, everyone(OK)),
    ("auth.account", "GET"): ("/account", None, page_login()),
    ("auth.change_password", "GET"): ("/account/password", None, page_login()),
    ("auth.change_password", "POST"): ("/account/password", {"form": {}}, page_login()),
    ("admin.index", "GET"): ("/admin/", None, ADMIN_PAGE),
    ("admin.consortium", "GET"): ("/admin/consortia/new", None, ADMIN_PAGE),
    ("admin.consortium", "POST"): ("/admin/consortia/new", {"form": {}}, ADMIN_PAGE),
    ("admin.clinic", "GET"): ("/admin/clinics/new", None, ADMIN_PAGE),
    ("admin.clinic", "POST"): ("/admin/clinics/new", {"form": {}}, ADMIN_PAGE),
    ("admin.new_user", "GET"): ("/admin/users/new", None, ADMIN_PAGE),
    ("admin.new_user", "POST"): ("/admin/users/new", {"form": {}}, ADMIN_PAGE),
    ("admin.user", "GET"): ("/admin/users/{admin}", None, ADMIN_PAGE),
    ("admin.user", "POST"): ("/admin/users/{admin}", {"form": {}}, ADMIN_PAGE),
    ("admin.set_active", "POST"): ("/admin/users/{admin}/active", {"form": {"active": "0"}}, ADMIN_PAGE),
    ("admin.reset_password", "GET"): ("/admin/users/{admin}/password", None, ADMIN_PAGE),
    ("admin.reset_password", "POST"): ("/admin/users/{admin}/password", {"form": {}}, ADMIN_PAGE),
    ("admin.clinic_tokens", "GET"): ("/admin/clinics/1/tokens", None, ADMIN_PAGE),
    ("admin.clinic_tokens", "POST"): ("/admin/clinics/1/tokens", {"form": {}}, ADMIN_PAGE),
    ("admin.revoke_token", "POST"): ("/admin/tokens/999999/revoke", {"form": {}}, only({"admin": 404}, 302)),
    ("admin.audit_trail", "GET"): ("/admin/audit", None, only({"admin": OK, "coord": OK, "othercoord": OK}, 302)),
    ("admin.audit_csv", "GET"): ("/admin/audit.csv", None, only({"admin": OK, "coord": OK, "othercoord": OK}, 302)),
    ("cases.index", "GET"): ("/cases/", None, page_login()),
    ("cases.new", "GET"): ("/cases/new", None, only({"doctor": OK, "sibling": OK, "otherdoc": OK}, 302)),
    ("cases.detail", "GET"): ("/cases/{case}", None, case_readers(302)),
    ("cases.report", "GET"): ("/cases/{case}/report", None, case_readers(302)),
    ("cases.report_pdf", "GET"): ("/cases/{case}/report.pdf", None, case_readers(302)),
    ("dashboard.index", "GET"): ("/dashboard/", None, only({"coord": OK, "othercoord": OK}, 302)),
    ("api.csrf_token", "GET"): ("/api/v1/csrf", None, everyone(OK)),
    ("api.login", "POST"): ("/api/v1/session", {"json": {"username": "matrix-nobody", "password": "x"}}, everyone(401)),
    ("api.logout", "DELETE"): ("/api/v1/session", None, everyone(OK)),
    ("api.whoami", "GET"): ("/api/v1/session", None, api_login()),
    ("api.update_session_user", "PATCH"): ("/api/v1/session", {"json": {}}, api_login()),
    ("api.change_password", "POST"): ("/api/v1/session/password", {"json": {}}, api_login()),
    ("api.list_notifications", "GET"): ("/api/v1/notifications", None, api_login()),
    ("api.read_notifications", "POST"): ("/api/v1/notifications/read", {"json": {}}, api_login()),
    ("api.create_case", "POST"): ("/api/v1/cases", {"form": {}},
                                  only({"doctor": OK, "sibling": OK, "otherdoc": OK}, 401)),
    ("api.list_cases", "GET"): ("/api/v1/cases", None, api_login()),
    ("api.case_detail", "GET"): ("/api/v1/cases/{case}", None, case_readers(401)),
    ("api.list_messages", "GET"): ("/api/v1/cases/{case}/messages", None, case_readers(401)),
    ("api.post_message", "POST"): ("/api/v1/cases/{case}/messages", {"json": {}},
                                   {**case_readers(401), "coord": 403, "othercoord": 403, "admin": 403}),
    ("api.priors", "GET"): ("/api/v1/cases/{case}/priors", None, case_readers(401)),
    ("api.case_signal", "GET"): ("/api/v1/cases/{case}/signal?end_s=1", None, case_readers(401)),
    ("api.claim", "POST"): ("/api/v1/cases/{case}/claim", {"json": {}},
                            only({"cardio": OK, "othercardio": 404}, 401)),
    ("api.report", "POST"): ("/api/v1/cases/{case}/report", {"json": {}},
                             only({"cardio": OK, "othercardio": 404}, 401)),
    ("api.add_annotation", "POST"): ("/api/v1/cases/{case}/annotations", {"json": {}},
                                     only({"cardio": OK, "othercardio": 404}, 401)),
    ("api.update_annotation", "PATCH"): ("/api/v1/annotations/{annotation}", {"json": {}}, ANNOTATION_EDIT),
    ("api.delete_annotation", "DELETE"): ("/api/v1/annotations/{annotation}", {"json": {}}, ANNOTATION_EDIT),
    ("api.case_status", "GET"): ("/api/v1/cases/{case}/status", None, case_readers(401)),
    ("api.add_recording", "POST"): ("/api/v1/cases/{case}/recordings", {"form": {}},
                                    only({"doctor": OK, "sibling": 404, "otherdoc": 404}, 401)),
    ("api.send_anyway", "POST"): ("/api/v1/cases/{case}/send", {"json": {}},
                                  only({"doctor": OK, "sibling": 404, "otherdoc": 404}, 401)),
    ("api.request_rerecord", "POST"): ("/api/v1/cases/{case}/rerecord", {"json": {}},
                                       only({"cardio": OK, "othercardio": 404}, 401)),
    ("api.assign", "POST"): ("/api/v1/cases/{case}/assign", {"json": {}}, only({"coord": OK, "othercoord": 404}, 401)),
    ("api.report_versions", "GET"): ("/api/v1/cases/{case}/report", None, case_readers(401)),
    ("api.amend_report", "POST"): ("/api/v1/cases/{case}/report/amendments", {"json": {}},
                                   only({"cardio": OK, "othercardio": 404}, 401)),
    ("api.reply_to_annotation", "POST"): ("/api/v1/annotations/{annotation}/replies", {"json": {}}, ANNOTATION_EDIT),
    ("api.hide_annotation", "POST"): ("/api/v1/annotations/{annotation}/hidden", {"json": {}}, ANNOTATION_EDIT),
    ("api.case_fhir", "GET"): ("/api/v1/cases/{case}/fhir", None, case_readers(401)),
    ("api.case_export", "GET"): ("/api/v1/cases/{case}/export.zip", None, case_readers(401)),
    ("api.openapi_document", "GET"): ("/api/v1/openapi.json", None, everyone(OK)),
    ("api.clinic_tokens", "GET"): ("/api/v1/admin/clinics/1/tokens", None, only({"admin": OK}, 401)),
    ("api.create_clinic_token", "POST"): ("/api/v1/admin/clinics/1/tokens", {"json": {}}, only({"admin": OK}, 401)),
    ("api.revoke_clinic_token", "DELETE"): ("/api/v1/admin/tokens/999999", {"json": {}}, only({"admin": 404}, 401)),
    ("api.get_dashboard", "GET"): ("/api/v1/dashboard", None, only({"coord": OK, "othercoord": OK}, 401)),
}

# Socket.IO handlers -> expectations ("ok", "refused" to connect, or an error code in the ack).
SOCKET_MATRIX = {
    "on_connect": {**everyone(OK), "anon": "refused"},
    "on_join_case": {u: (OK if v == OK else "case_not_found") for u, v in case_readers(None).items() if u != "anon"},
    "on_leave_case": {u: (OK if v == OK else "not_joined") for u, v in case_readers(None).items() if u != "anon"},
    "on_presence": {u: (OK if v == OK else "not_joined") for u, v in case_readers(None).items() if u != "anon"},
    "on_disconnect": None,  # no input, no output: leaves its rooms
}


@pytest.fixture(scope="module")
def matrix(tmp_path_factory):
    """One world for the whole matrix: a case of clinic Maple, claimed by `cardio`, with an annotation."""
    from config import TestConfig
    from telemed import create_app
    from telemed.extensions import db
    from telemed.models import Annotation, User
    from tests.factories import CSRFClient, make_world

    folder = tmp_path_factory.mktemp("matrix")

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{folder / 'telemed.sqlite3'}"
        TELEMED_DATA_DIR = str(folder / "data")
        RATELIMIT_ENABLED = False  # hundreds of logins from one address

    app = create_app(Config)
    app.test_client_class = CSRFClient
    with app.app_context():
        db.create_all()
        make_world()
    case = gen_case(app.test_client(), "doctor")
    cardio = login_client(app, "cardio")
    assert cardio.post(f"/api/v1/cases/{case['id']}/claim").status_code == 200
    annotation = cardio.post(f"/api/v1/cases/{case['id']}/annotations",
                             json={"start_s": 1.0, "end_s": 2.0, "label": "PVC"}).get_json()["annotation"]
    with app.app_context():
        admin_id = db.session.scalar(sa.select(User.id).where(User.username == "admin"))
        assert db.session.get(Annotation, annotation["id"]) is not None
    yield app, {"case": case["id"], "annotation": annotation["id"], "admin": admin_id}
    with app.app_context():
        db.session.remove()


def _client(app, username):
    return app.test_client() if username == "anon" else login_client(app, username)


def test_every_route_and_event_is_in_the_matrix(matrix):
    """Does every route (and method) and every socket handler have an entry in the matrix?"""
    from telemed.realtime.events import LiveNamespace

    app, _ids = matrix
    routes = {(rule.endpoint, method) for rule in app.url_map.iter_rules()
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert routes - set(MATRIX) == set(), "routes missing from the authorisation matrix"
    assert set(MATRIX) - routes == set(), "matrix entries for routes that no longer exist"
    handlers = {name for name in dir(LiveNamespace) if name.startswith("on_") and callable(getattr(LiveNamespace, name))}
    assert handlers == set(SOCKET_MATRIX)
    for expectations in MATRIX.values():
        assert set(expectations[2]) == set(USERS)


@pytest.mark.parametrize("key", sorted(MATRIX), ids=lambda k: f"{k[1]} {k[0]}")
def test_route_matrix(matrix, key):
    """Does each kind of user get exactly what the matrix says from this route?"""
    app, ids = matrix
    endpoint, method = key
    path, body, expected = MATRIX[key]
    path = path.format(**ids)
    got = {}
    for username in USERS:
        client = _client(app, username)
        kwargs = dict(body or {})
        if "form" in kwargs:
            kwargs["data"] = kwargs.pop("form")
        response = client.open(path, method=method, **kwargs)
        status = response.status_code
        response.close()
        assert status < 500, (username, status)
        got[username] = OK if (status < 400 or status in (400, 409)) and expected[username] == OK else status
        if status in (400, 409) and expected[username] != OK:
            got[username] = status
    want = {u: (OK if e == OK else e) for u, e in expected.items()}
    assert got == want


def test_socket_matrix(matrix):
    """Does each kind of user get what the matrix says from every socket event?"""
    from telemed.extensions import socketio

    app, ids = matrix
    assert socketio.test_client(app, flask_test_client=app.test_client()).is_connected() is False
    for username in USERS[1:]:
        sio = socket_for(app, login_client(app, username))
        assert SOCKET_MATRIX["on_connect"][username] == OK
        got = {}
        ack = sio.emit("join_case", {"case_id": ids["case"]}, callback=True)
        got["on_join_case"] = OK if ack.get("ok") else ack["code"]
        ack = sio.emit("presence", {"case_id": ids["case"], "start_s": 0, "end_s": 1}, callback=True)
        got["on_presence"] = OK if ack.get("ok") else ack["code"]
        ack = sio.emit("leave_case", {"case_id": ids["case"]}, callback=True)
        got["on_leave_case"] = OK if ack.get("ok") else ack["code"]
        assert got == {event: SOCKET_MATRIX[event][username] for event in got}, username
        sio.disconnect()


@pytest.mark.parametrize("bad", [None, [], "x", {"case_id": "1; drop"}, {"case_id": True}, {"case_id": -1}, {}])
def test_leave_case_checks_its_input(matrix, bad):
    """Does leave_case refuse malformed input instead of acting on it?"""
    app, _ids = matrix
    sio = socket_for(app, login_client(app, "cardio"))
    ack = sio.emit("leave_case", bad, callback=True)
    assert ack["code"] in ("bad_request", "not_joined")
    sio.disconnect()


@pytest.mark.parametrize("username", ["othercardio", "otherdoc", "sibling", "othercoord", "admin"])
def test_ids_elsewhere_answer_like_missing_ids(matrix, username):
    """Does an annotation or case id of another tenant answer exactly like one that does not exist?"""
    app, ids = matrix
    client = login_client(app, username)
    for method, template in (("PATCH", "/api/v1/annotations/{}"), ("DELETE", "/api/v1/annotations/{}"),
                             ("GET", "/api/v1/cases/{}"), ("POST", "/api/v1/cases/{}/claim"),
                             ("GET", "/api/v1/cases/{}/signal")):
        key = "annotation" if "annotations" in template else "case"
        existing = client.open(template.format(ids[key]), method=method, json={"version": 1})
        missing = client.open(template.format(999_999), method=method, json={"version": 1})
        assert (existing.status_code, existing.get_json()) == (missing.status_code, missing.get_json()), (method, template)
        assert existing.status_code in (403, 404)
