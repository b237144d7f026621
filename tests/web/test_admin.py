"""Issue 10/11: password policy, password change, CLI account commands, the admin area."""
import re

import pytest
import sqlalchemy as sa

from tests.factories import PASSWORD
from tests.web.helpers import login_client, socket_for

GOOD = "violet-harbour-lantern"


def _form(client, path):
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


@pytest.mark.parametrize("password, ok", [
    ("short-1", False), ("doctor-1234567", False), ("1234567890", False), ("qwertyuiop", False),
    ("Password-123", False), ("woaini1314520", False), ("aaaaaaaaaaaa", False), (GOOD, True),
])
def test_password_policy(app, password, ok):
    """Does the policy refuse short, username-based and common passwords?"""
    from telemed.services.accounts import WeakPassword, check_password_policy

    with app.app_context():
        if ok:
            assert check_password_policy(password, "doctor") == password
        else:
            with pytest.raises(WeakPassword):
                check_password_policy(password, "doctor")


def test_change_own_password_ends_other_sessions(app, world):
    """Can anyone change their own password, and does that end their other sessions but not this one?"""
    client, other = login_client(app, "cardio"), login_client(app, "cardio")
    other_socket = socket_for(app, other)
    weak = client.post("/api/v1/session/password", json={"current_password": PASSWORD, "new_password": "cardio-123456"})
    assert weak.status_code == 400 and weak.get_json()["code"] == "weak_password"
    wrong = client.post("/api/v1/session/password", json={"current_password": "nope", "new_password": GOOD})
    assert wrong.get_json()["code"] == "wrong_password"
    assert client.post("/api/v1/session/password",
                       json={"current_password": PASSWORD, "new_password": GOOD}).status_code == 200
    assert client.get("/api/v1/session").status_code == 200
    assert other.get("/api/v1/session").status_code == 401
    assert not other_socket.is_connected()
    fresh = app.test_client()
    assert fresh.post("/api/v1/session", json={"username": "cardio", "password": GOOD}).status_code == 200


def test_change_password_page(app, world):
    """Does the password page (a Flask-WTF form) change the password?"""
    client = login_client(app, "doctor")
    token = _form(client, "/account/password")
    response = client.post("/account/password", csrf=False, data={
        "csrf_token": token, "current_password": PASSWORD, "password": GOOD, "confirm": GOOD})
    assert response.status_code == 302
    assert app.test_client().post("/api/v1/session", json={"username": "doctor", "password": GOOD}).status_code == 200


def test_cli_deactivate_reactivate_reset(app, world):
    """Do the CLI commands deactivate (ending sessions), reactivate and reset a password read from stdin?"""
    runner = app.test_cli_runner()
    client = login_client(app, "doctor")
    assert runner.invoke(args=["deactivate-user", "doctor"]).exit_code == 0
    assert client.get("/api/v1/session").status_code == 401
    refused = app.test_client().post("/api/v1/session", json={"username": "doctor", "password": PASSWORD})
    assert refused.status_code == 401
    assert runner.invoke(args=["reactivate-user", "doctor"]).exit_code == 0
    weak = runner.invoke(args=["reset-password", "doctor", "--password-stdin"], input="password\n")
    assert weak.exit_code != 0 and "at least 10" in weak.output
    assert runner.invoke(args=["reset-password", "doctor", "--password-stdin"], input=GOOD + "\n").exit_code == 0
    assert app.test_client().post("/api/v1/session", json={"username": "doctor", "password": GOOD}).status_code == 200
    assert runner.invoke(args=["deactivate-user", "nobody"]).exit_code != 0


def test_create_user_refuses_a_common_password(app, world):
    """Does create-user refuse "password" and warn that --password is deprecated?"""
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-user", "newdoc", "--role", "township_doctor", "--clinic", "1",
                                 "--password-stdin"], input="password\n")
    assert result.exit_code != 0
    deprecated = runner.invoke(args=["create-user", "newdoc", "--role", "township_doctor", "--clinic", "1",
                                     "--password", GOOD])
    assert deprecated.exit_code == 0 and "deprecated" in deprecated.output


def test_admin_area_creates_clinic_and_user_and_deactivates(app, world):
    """Can an administrator create a consortium, a clinic and a user in the browser, and deactivate a
    user whose open session then ends?"""
    from telemed.extensions import db
    from telemed.models import Clinic, Consortium, User

    admin = login_client(app, "admin")
    assert admin.get("/admin/").status_code == 200
    bad = admin.post("/admin/consortia/new", csrf=False, data={
        "csrf_token": _form(admin, "/admin/consortia/new"), "name": "City Z", "timezone": "Mars/Base", "language": "en"})
    assert bad.status_code == 200 and "Unknown time zone" in bad.get_data(as_text=True)
    admin.post("/admin/consortia/new", csrf=False, data={
        "csrf_token": _form(admin, "/admin/consortia/new"), "name": "City Z", "timezone": "Asia/Urumqi", "language": "en"})
    with app.app_context():
        consortium_id = db.session.scalar(sa.select(Consortium.id).where(Consortium.name == "City Z"))
    admin.post("/admin/clinics/new", csrf=False, data={
        "csrf_token": _form(admin, "/admin/clinics/new"), "name": "River", "consortium_id": consortium_id})
    with app.app_context():
        clinic_id = db.session.scalar(sa.select(Clinic.id).where(Clinic.name == "River"))
    assert clinic_id
    created = admin.post("/admin/users/new", csrf=False, data={
        "csrf_token": _form(admin, "/admin/users/new"), "username": "riverdoc", "full_name": "River Doc",
        "role": "township_doctor", "clinic_id": clinic_id, "consortium_id": 0, "password": GOOD, "confirm": GOOD})
    assert created.status_code == 302, created.get_data(as_text=True)
    listing = admin.get("/admin/").get_data(as_text=True)
    assert "riverdoc" in listing and GOOD not in listing and "password_hash" not in listing
    victim = login_client(app, "doctor")
    with app.app_context():
        doctor_id = db.session.scalar(sa.select(User.id).where(User.username == "doctor"))
    response = admin.post(f"/admin/users/{doctor_id}/active", csrf=False,
                          data={"csrf_token": _form(admin, f"/admin/users/{doctor_id}"), "active": "0"})
    assert response.status_code == 302
    assert victim.get("/api/v1/cases").status_code == 401


@pytest.mark.parametrize("username", ["doctor", "cardio", "coord"])
def test_only_administrators_manage_accounts(app, world, username):
    """Is the admin area refused to every other role?"""
    client = login_client(app, username)
    for path in ("/admin/", "/admin/users/new", "/admin/consortia/new", "/admin/clinics/new", "/admin/users/1"):
        assert client.get(path).status_code == 403
