"""Carts and clinic PCs upload with a clinic's API token: on the upload and status endpoints only."""
import io

import pytest
from flask.testing import FlaskClient
import sqlalchemy as sa

from tests.conftest import FIXTURES
from tests.factories import case_form
from tests.web.helpers import login_client


@pytest.fixture
def token(app, world):
    from telemed.extensions import db
    from telemed.models import Clinic
    from telemed.services.tokens import create_token

    with app.app_context():
        clinic = db.session.scalar(sa.select(Clinic).where(Clinic.name == "Maple"))
        row, secret = create_token(clinic.id, "Contec ECG-1200G, room 2", None)
        return {"id": row.id, "secret": secret}


def bearer(token):
    return {"Authorization": f"Bearer {token['secret']}"}


def test_token_uploads_and_reads_status(app, token):
    """Does a cart upload with its token, and read its case's status, without any session?"""
    client = FlaskClient(app)
    response = client.post("/api/v1/cases", data=case_form(), content_type="multipart/form-data", headers=bearer(token))
    assert response.status_code == 201, response.get_json()
    case = response.get_json()["case"]
    assert "Set-Cookie" not in response.headers  # no session is opened
    status = client.get(f"/api/v1/cases/{case['id']}/status", headers=bearer(token))
    assert status.status_code == 200 and status.get_json()["case"]["status"] == "awaiting_review"
    # The clinic's doctors see the case like any other of their clinic.
    listed = login_client(app, "doctor").get("/api/v1/cases").get_json()["cases"]
    assert case["id"] in [c["id"] for c in listed]


def test_token_refused_on_pages_and_other_endpoints(app, token, client):
    """Is a token refused for pages, other API endpoints and other clinics' cases?"""
    from tests.factories import gen_case

    other = gen_case(client, "sibling")  # Stone clinic, same consortium
    anon = FlaskClient(app)
    assert anon.get("/cases/", headers=bearer(token)).status_code == 302  # the login page, not the list
    assert anon.get("/api/v1/cases", headers=bearer(token)).status_code == 401
    assert anon.get(f"/api/v1/cases/{other['id']}", headers=bearer(token)).status_code == 401
    assert anon.get(f"/api/v1/cases/{other['id']}/status", headers=bearer(token)).status_code == 404
    assert anon.get("/api/v1/notifications", headers=bearer(token)).status_code == 401


def test_revoked_and_wrong_tokens_refused(app, token):
    """Are revoked, malformed and unknown tokens refused, and is the last use recorded?"""
    from telemed.extensions import db
    from telemed.models import ApiToken
    from telemed.services.tokens import revoke_token

    client = FlaskClient(app)
    ok = client.post("/api/v1/cases", data=case_form(), content_type="multipart/form-data", headers=bearer(token))
    assert ok.status_code == 201
    with app.app_context():
        assert db.session.get(ApiToken, token["id"]).last_used_at is not None
        revoke_token(token["id"], None)
    for headers in (bearer(token), {"Authorization": "Bearer tm_nope_nope"}, {"Authorization": "Basic abc"},
                    {"Authorization": "Bearer " + "x" * 5000}):
        response = client.post("/api/v1/cases", data=case_form(), content_type="multipart/form-data", headers=headers)
        # Not a bearer token: the CSRF check answers first (400 csrf); a bad bearer token is a 401.
        assert response.status_code == (400 if headers["Authorization"].startswith("Basic") else 401), headers


def test_token_takes_patient_fields_from_the_device_file(app, token):
    """Does an upload by token without a patient reference take the cart's own patient id?"""
    files = [(io.BytesIO((FIXTURES / "devices" / "ecg_12lead.dcm").read_bytes()), "ecg_12lead.dcm")]
    response = FlaskClient(app).post("/api/v1/cases", data={"files": files}, content_type="multipart/form-data",
                                      headers=bearer(token))
    assert response.status_code == 201, response.get_json()
    case = response.get_json()["case"]
    assert case["patient_ref"] == "FIXTURE-DCM"
    assert case["recording"]["device"]["manufacturer"].startswith("Edan")


def test_admin_manages_tokens_by_api(app, world):
    """Can an administrator make, list and revoke a clinic's token, and nobody else?"""
    admin = login_client(app, "admin")
    made = admin.post("/api/v1/admin/clinics/1/tokens", json={"name": "Edan SE-1200"})
    assert made.status_code == 201 and made.get_json()["secret"].startswith("tm_")
    listed = admin.get("/api/v1/admin/clinics/1/tokens").get_json()["tokens"]
    assert [t["name"] for t in listed] == ["Edan SE-1200"] and "secret" not in listed[0]
    assert admin.delete(f"/api/v1/admin/tokens/{listed[0]['id']}").get_json()["token"]["active"] is False
    for user in ("doctor", "cardio", "coord"):
        assert login_client(app, user).post("/api/v1/admin/clinics/1/tokens", json={"name": "x"}).status_code == 403


def test_token_cli(app, world):
    """Do the CLI commands make (printing once), list and revoke tokens?"""
    runner = app.test_cli_runner()
    made = runner.invoke(args=["create-token", "Mindray R12", "--clinic", "1"])
    assert made.exit_code == 0, made.output
    secret = made.output.splitlines()[1]
    assert secret.startswith("tm_")
    listing = runner.invoke(args=["list-tokens"]).output
    assert "Mindray R12" in listing and secret not in listing
    assert runner.invoke(args=["revoke-token", made.output.strip().splitlines()[-1]]).exit_code == 0
    assert "revoked" in runner.invoke(args=["list-tokens"]).output


def test_admin_makes_and_revokes_tokens_in_the_browser(app, world):
    """Does the admin page make a token (shown once), list it without the secret, and revoke it?"""
    from telemed.extensions import db
    from telemed.models import ApiToken

    admin = login_client(app, "admin")
    page = admin.post("/admin/clinics/1/tokens", data={"name": "Contec ECG-1200G"}).get_data(as_text=True)
    assert "tm_" in page and "Contec ECG-1200G" in page
    with app.app_context():
        row = db.session.scalar(sa.select(ApiToken))
    again = admin.get("/admin/clinics/1/tokens").get_data(as_text=True)
    assert f"tm_{row.prefix}" in again and "token-secret" not in again
    assert admin.post(f"/admin/tokens/{row.id}/revoke").status_code == 302
    with app.app_context():
        assert db.session.get(ApiToken, row.id).revoked_at is not None
    assert login_client(app, "coord").get("/admin/clinics/1/tokens").status_code == 403
