"""Test data builders (CTFd-style gen_* functions)."""
import io
from urllib.parse import urlsplit
from dataclasses import dataclass
from pathlib import Path

from flask.testing import FlaskClient

from telemed.extensions import db
from telemed.models import Clinic, Consortium, Role, User

FIXTURES = Path(__file__).parent / "fixtures"
PASSWORD = "password-123"
MITDB_100 = ["mitdb_100_60s.hea", "mitdb_100_60s.dat", "mitdb_100_60s.atr"]


class CSRFClient(FlaskClient):
    """A test browser that sends the CSRF token, as the pages' scripts do (`csrf=False`: a forger)."""

    def open(self, *args, csrf=True, **kwargs):
        method = str(kwargs.get("method", "GET")).upper()
        if csrf and method in {"POST", "PUT", "PATCH", "DELETE"}:
            headers = dict(kwargs.pop("headers", None) or {})
            if "X-CSRFToken" not in headers:
                headers["X-CSRFToken"] = super().open("/api/v1/csrf").get_json()["csrf_token"]
            kwargs["headers"] = headers
        return super().open(*args, **kwargs)


class CSRFSession:
    """Mixin for `requests.Session`: unsafe methods fetch and send the CSRF token."""

    def request(self, method, url, *args, **kwargs):
        if method.upper() in {"POST", "PUT", "PATCH", "DELETE"}:
            headers = dict(kwargs.pop("headers", None) or {})
            if "X-CSRFToken" not in headers:
                origin = "{0.scheme}://{0.netloc}".format(urlsplit(url))
                token = super().request("GET", origin + "/api/v1/csrf", timeout=10).json()["csrf_token"]
                headers["X-CSRFToken"] = token
            kwargs["headers"] = headers
        return super().request(method, url, *args, **kwargs)


def gen_user(username, role, *, clinic=None, consortium=None) -> User:
    user = User(username=username, role=role.value, clinic_id=clinic.id if clinic else None,
                consortium_id=consortium.id if consortium else None, full_name=username.title())
    user.set_password(PASSWORD)
    db.session.add(user)
    db.session.commit()
    return user


@dataclass
class World:
    consortium: Consortium
    other_consortium: Consortium
    clinic: Clinic
    sibling_clinic: Clinic
    other_clinic: Clinic
    doctor: User
    sibling_doctor: User
    other_doctor: User
    cardio: User
    cardio2: User
    coord: User
    other_cardio: User
    other_coord: User
    admin: User


def make_world() -> World:
    # English consortia: the web tests read English messages; tests/web/test_i18n.py covers zh_CN.
    c1, c2 = Consortium(name="City A", language="en"), Consortium(name="City B", language="en")
    db.session.add_all([c1, c2])
    db.session.commit()
    clinic, sibling, other = (Clinic(name="Maple", consortium_id=c1.id), Clinic(name="Stone", consortium_id=c1.id),
                              Clinic(name="Far", consortium_id=c2.id))
    db.session.add_all([clinic, sibling, other])
    db.session.commit()
    return World(
        consortium=c1, other_consortium=c2, clinic=clinic, sibling_clinic=sibling, other_clinic=other,
        doctor=gen_user("doctor", Role.TOWNSHIP_DOCTOR, clinic=clinic),
        sibling_doctor=gen_user("sibling", Role.TOWNSHIP_DOCTOR, clinic=sibling),
        other_doctor=gen_user("otherdoc", Role.TOWNSHIP_DOCTOR, clinic=other),
        cardio=gen_user("cardio", Role.CARDIOLOGIST, consortium=c1),
        cardio2=gen_user("cardio2", Role.CARDIOLOGIST, consortium=c1),
        coord=gen_user("coord", Role.COORDINATOR, consortium=c1),
        other_cardio=gen_user("othercardio", Role.CARDIOLOGIST, consortium=c2),
        other_coord=gen_user("othercoord", Role.COORDINATOR, consortium=c2),
        admin=gen_user("admin", Role.ADMIN),
    )


def case_form(files=MITDB_100, folder=FIXTURES, **fields) -> dict:
    """Multipart data for POST /api/v1/cases with real fixture files."""
    data = {"patient_ref": "P-001", "age": "64", "sex": "M", "symptoms": "palpitations", "question": "rhythm?"}
    data.update(fields)
    data["files"] = [(io.BytesIO((Path(folder) / f).read_bytes()), Path(f).name) for f in files]
    return data


def gen_case(client, username="doctor", files=MITDB_100, **fields) -> dict:
    """Upload a case as `username` and return its JSON; leaves the client logged out."""
    client.post("/api/v1/session", json={"username": username, "password": PASSWORD})
    response = client.post("/api/v1/cases", data=case_form(files, **fields), content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()
    client.delete("/api/v1/session")
    return response.get_json()["case"]
