"""Who may see what: every role, across two consortia, for pages, API and socket rooms."""
import pytest

from tests.factories import gen_case
from tests.web.helpers import events, login_client, socket_for

# (user, may see a case of clinic "Maple" in consortium "City A")
VISIBILITY = [
    ("doctor", True), ("sibling", False), ("otherdoc", False),
    ("cardio", True), ("coord", True), ("othercardio", False), ("othercoord", False), ("admin", False),
]


@pytest.fixture
def maple_case(app, world, client):
    return gen_case(client, "doctor")


@pytest.mark.parametrize("username, allowed", VISIBILITY)
def test_case_visibility(app, maple_case, username, allowed):
    """Can each role read a clinic's case, and only within its own clinic or consortium?"""
    client = login_client(app, username)
    case_id = maple_case["id"]
    listed = [c["id"] for c in client.get("/api/v1/cases").get_json()["cases"]]
    assert (case_id in listed) == allowed
    for url in (f"/api/v1/cases/{case_id}", f"/api/v1/cases/{case_id}/signal"):
        response = client.get(url)
        assert response.status_code == (200 if allowed else 404), (url, response.get_json())
        if not allowed:
            assert "error" in response.get_json()
    assert client.get(f"/cases/{case_id}").status_code == (200 if allowed else 404)


@pytest.mark.parametrize("username, allowed", VISIBILITY)
def test_join_case_room(app, maple_case, username, allowed):
    """Is joining a case's live room refused to whoever may not see the case?"""
    sio = socket_for(app, login_client(app, username))
    ack = sio.emit("join_case", {"case_id": maple_case["id"]}, callback=True)
    assert ("ok" in ack) == allowed, ack


def test_room_events_stay_inside(app, maple_case):
    """Does an annotation reach only those who joined that case, never another consortium?"""
    inside = socket_for(app, login_client(app, "cardio2"))
    outside = socket_for(app, login_client(app, "othercardio"))
    assert inside.emit("join_case", {"case_id": maple_case["id"]}, callback=True)["ok"]
    outside.emit("join_case", {"case_id": maple_case["id"]}, callback=True)
    inside.get_received(), outside.get_received()
    login_client(app, "cardio").post(f"/api/v1/cases/{maple_case['id']}/annotations",
                                     json={"lead": None, "start_s": 0, "end_s": 1, "label": "Noise"})
    assert events(inside, "annotation_created")
    assert events(outside) == []


def test_socket_refuses_anonymous(app, client):
    """Is a socket connection without a logged-in session refused?"""
    from telemed.extensions import socketio

    sio = socketio.test_client(app, flask_test_client=client)
    assert not sio.is_connected()


@pytest.mark.parametrize("username", ["cardio", "coord", "admin"])
def test_only_township_doctors_upload(app, world, username):
    """Can only township doctors open cases?"""
    from tests.factories import case_form

    client = login_client(app, username)
    response = client.post("/api/v1/cases", data=case_form(), content_type="multipart/form-data")
    assert response.status_code == 403
    assert "township doctors" in response.get_json()["error"]


@pytest.mark.parametrize("username, status", [
    ("doctor", 403), ("coord", 403), ("othercardio", 404), ("cardio", 200)])
def test_who_may_claim(app, maple_case, username, status):
    """May only the consortium's cardiologists claim its cases?"""
    response = login_client(app, username).post(f"/api/v1/cases/{maple_case['id']}/claim")
    assert response.status_code == status, response.get_json()


@pytest.mark.parametrize("username, status", [
    ("coord", 200), ("cardio", 403), ("doctor", 403), ("admin", 403)])
def test_dashboard_is_for_coordinators(app, maple_case, username, status):
    """Is the dashboard the coordinators' and does it count only their consortium?"""
    response = login_client(app, username).get("/api/v1/dashboard")
    assert response.status_code == status
    if status == 200:
        assert sum(response.get_json()["queue"].values()) == 1
    other = login_client(app, "othercoord").get("/api/v1/dashboard").get_json()
    assert sum(other["queue"].values()) == 0


def test_api_needs_login(client, world):
    """Does the API answer 401 with a message before login?"""
    response = client.get("/api/v1/cases")
    assert response.status_code == 401 and response.get_json()["error"]


def test_bad_credentials(client, world):
    """Are wrong passwords refused with 401 and a message?"""
    response = client.post("/api/v1/session", json={"username": "doctor", "password": "nope"})
    assert response.status_code == 401
    assert response.get_json() == {"error": "Wrong username or password.", "code": "bad_credentials"}
