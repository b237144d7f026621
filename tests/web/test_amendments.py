"""A signed report is immutable: corrections and addenda are new signed versions, with their history."""
import sqlalchemy as sa

from tests.factories import gen_case
from tests.web.helpers import login_client

REPORT = {"diagnosis": "Sinus rhythm", "recommendation": "ROUTINE", "statements": ["SR"]}


def _signed(app, client):
    case = gen_case(client)
    cardio = login_client(app, "cardio")
    cardio.post(f"/api/v1/cases/{case['id']}/claim")
    assert cardio.post(f"/api/v1/cases/{case['id']}/report", json=REPORT).status_code == 201
    return case, cardio


def test_correction_and_addendum_make_new_versions(app, world, client):
    """Do a correction (signer only) and an addendum (any colleague) make versions 2 and 3, notify the clinic and keep the history?"""
    case, cardio = _signed(app, client)
    url = f"/api/v1/cases/{case['id']}/report/amendments"
    colleague = login_client(app, "cardio2")
    refused = colleague.post(url, json={"kind": "correction", "reason": "typo", **REPORT})
    assert refused.status_code == 403
    corrected = cardio.post(url, json={"kind": "correction", "reason": "Missed the PVCs",
                                       "diagnosis": "Sinus rhythm with PVCs", "recommendation": "CARDIOLOGY_DAYS",
                                       "statements": ["SR", "PVC"]})
    assert corrected.status_code == 201, corrected.get_json()
    assert corrected.get_json()["report"]["version"] == 2 and corrected.get_json()["report"]["amended"] is True
    added = colleague.post(url, json={"kind": "addendum", "reason": "Compare with the ECG of last year"})
    assert added.status_code == 201
    body = added.get_json()["report"]
    assert body["version"] == 3 and body["diagnosis"] == "Sinus rhythm with PVCs" and body["statements"] == ["SR", "PVC"]
    history = login_client(app, "doctor").get(f"/api/v1/cases/{case['id']}/report").get_json()
    assert [v["kind"] for v in history["versions"]] == ["original", "correction", "addendum"]
    assert history["report"]["version"] == 3
    assert history["versions"][0]["diagnosis"] == "Sinus rhythm" and history["versions"][0]["superseded_at"]
    inbox = login_client(app, "doctor").get("/api/v1/notifications").get_json()["notifications"]
    assert [n["kind"] for n in inbox] == ["report_amended", "report_amended", "report_signed"]
    page = login_client(app, "doctor").get(f"/cases/{case['id']}/report").get_data(as_text=True)
    assert "Amended" in page and "Missed the PVCs" in page and "Compare with the ECG of last year" in page


def test_amendment_rules(app, world, client):
    """Are unknown kinds, missing reasons, unsigned cases and other roles refused?"""
    case, cardio = _signed(app, client)
    url = f"/api/v1/cases/{case['id']}/report/amendments"
    assert cardio.post(url, json={"kind": "rewrite", "reason": "x"}).get_json()["code"] == "invalid_kind"
    assert cardio.post(url, json={"kind": "addendum", "reason": ""}).status_code == 400
    assert cardio.post(url, json={"kind": "addendum", "reason": "x", "statements": ["NOPE"]}).status_code == 400
    assert login_client(app, "doctor").post(url, json={"kind": "addendum", "reason": "x"}).status_code == 403
    assert login_client(app, "othercardio").post(url, json={"kind": "addendum", "reason": "x"}).status_code == 404
    other = gen_case(client)
    assert cardio.post(f"/api/v1/cases/{other['id']}/report/amendments",
                       json={"kind": "addendum", "reason": "x"}).status_code == 409
    # The original stays as it was signed.
    from telemed.extensions import db
    from telemed.models import Report

    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Report)) == 1
