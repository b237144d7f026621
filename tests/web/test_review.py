"""Claims, annotations and reports: races and stale versions."""
import threading

import pytest

from tests.factories import gen_case
from tests.web.helpers import login_client


@pytest.fixture
def case(app, world, client):
    return gen_case(client)


def test_claim_race_has_one_winner(app, case):
    """When two cardiologists claim at once, does exactly one win and the other get 409?"""
    clients = [login_client(app, "cardio"), login_client(app, "cardio2")]
    barrier = threading.Barrier(2)
    results = {}

    def claim(i):
        with app.app_context():
            barrier.wait()
            results[i] = clients[i].post(f"/api/v1/cases/{case['id']}/claim")

    threads = [threading.Thread(target=claim, args=(i,)) for i in range(2)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    statuses = sorted(r.status_code for r in results.values())
    assert statuses == [200, 409]
    loser = next(r for r in results.values() if r.status_code == 409)
    assert "already reviewing" in loser.get_json()["error"]


def test_claim_after_claim(app, case):
    """Is a second claim by a colleague refused, while the holder's repeated claim is harmless?"""
    cardio, colleague = login_client(app, "cardio"), login_client(app, "cardio2")
    assert cardio.post(f"/api/v1/cases/{case['id']}/claim").status_code == 200
    assert cardio.post(f"/api/v1/cases/{case['id']}/claim").status_code == 200
    response = colleague.post(f"/api/v1/cases/{case['id']}/claim")
    assert response.status_code == 409 and "Cardio" in response.get_json()["error"]
    assert response.get_json()["code"] == "already_claimed"


def _annotate(client, case_id, **fields):
    body = {"lead": "MLII", "start_s": 1.0, "end_s": 2.0, "label": "Ectopic beat", "text": ""}
    body.update(fields)
    return client.post(f"/api/v1/cases/{case_id}/annotations", json=body)


def test_stale_annotation_edit_is_refused(app, case):
    """Does an edit based on an old version (the author's other tab) get 409 with the current version, never overwrite?"""
    cardio, other_tab = login_client(app, "cardio"), login_client(app, "cardio")
    colleague = login_client(app, "cardio2")
    annotation = _annotate(cardio, case["id"]).get_json()["annotation"]
    assert other_tab.patch(f"/api/v1/annotations/{annotation['id']}", json={"version": 1, "label": "PVC"}).status_code == 200
    stale = cardio.patch(f"/api/v1/annotations/{annotation['id']}", json={"version": 1, "label": "Noise"})
    assert stale.status_code == 409
    body = stale.get_json()
    assert body["current"]["label"] == "PVC" and body["current"]["version"] == 2 and "not saved" in body["error"]
    assert cardio.delete(f"/api/v1/annotations/{annotation['id']}", json={"version": 1}).status_code == 409
    assert cardio.delete(f"/api/v1/annotations/{annotation['id']}", json={"version": 2}).status_code == 200
    again = colleague.patch(f"/api/v1/annotations/{annotation['id']}", json={"version": 2, "label": "x"})
    assert again.status_code == 404


def test_annotations_keep_their_authors(app, case):
    """May only the author edit or delete an annotation, others reply, and the assigned reader hide it from the report?"""
    cardio, colleague = login_client(app, "cardio"), login_client(app, "cardio2")
    cardio.post(f"/api/v1/cases/{case['id']}/claim")
    mine = _annotate(colleague, case["id"], label="Artefact").get_json()["annotation"]
    refused = cardio.patch(f"/api/v1/annotations/{mine['id']}", json={"version": 1, "label": "PVC"})
    assert refused.status_code == 403 and refused.get_json()["code"] == "not_author"
    assert cardio.delete(f"/api/v1/annotations/{mine['id']}", json={"version": 1}).status_code == 403
    replied = cardio.post(f"/api/v1/annotations/{mine['id']}/replies", json={"text": "I read it as a PVC"})
    assert replied.status_code == 201 and replied.get_json()["annotation"]["version"] == 1
    assert colleague.post(f"/api/v1/annotations/{mine['id']}/hidden", json={"hidden": True}).status_code == 403
    hidden = cardio.post(f"/api/v1/annotations/{mine['id']}/hidden", json={"hidden": True})
    assert hidden.status_code == 200 and hidden.get_json()["annotation"]["hidden_from_report"] is True
    cardio.post(f"/api/v1/cases/{case['id']}/report", json={"diagnosis": "d", "recommendation": "ROUTINE"})
    page = login_client(app, "doctor").get(f"/cases/{case['id']}/report").get_data(as_text=True)
    assert "Artefact" not in page


@pytest.mark.parametrize("fields, words", [
    ({"lead": "V9"}, "no lead"), ({"start_s": 5, "end_s": 1}, "outside"), ({"end_s": 999}, "outside"),
    ({"label": ""}, "label"), ({"start_s": "soon"}, "seconds")])
def test_bad_annotation(app, case, fields, words):
    """Are impossible annotations refused with a message?"""
    response = _annotate(login_client(app, "cardio"), case["id"], **fields)
    assert response.status_code == 400 and words in response.get_json()["error"]


@pytest.mark.parametrize("username, status", [("doctor", 403), ("coord", 403), ("othercardio", 404)])
def test_who_may_annotate(app, case, username, status):
    """May only the consortium's cardiologists annotate?"""
    assert _annotate(login_client(app, username), case["id"]).status_code == status


def test_report_rules(app, case):
    """Can only the assigned cardiologist sign, once, and are annotations then closed?"""
    cardio, colleague = login_client(app, "cardio"), login_client(app, "cardio2")
    report = {"diagnosis": "Sinus rhythm", "recommendation": "ROUTINE", "statements": ["SR"]}
    assert cardio.post(f"/api/v1/cases/{case['id']}/report", json=report).status_code == 403  # not claimed yet
    cardio.post(f"/api/v1/cases/{case['id']}/claim")
    assert colleague.post(f"/api/v1/cases/{case['id']}/report", json=report).status_code == 403
    assert cardio.post(f"/api/v1/cases/{case['id']}/report", json={"diagnosis": ""}).status_code == 400
    assert cardio.post(f"/api/v1/cases/{case['id']}/report", json=report).status_code == 201
    assert cardio.post(f"/api/v1/cases/{case['id']}/report", json=report).status_code == 409
    closed = _annotate(cardio, case["id"])
    assert closed.status_code == 409 and "closed" in closed.get_json()["error"]


def test_audit_trail(app, case):
    """Are views, claims, annotation changes and reports audited?"""
    import sqlalchemy as sa

    from telemed.extensions import db
    from telemed.models import AuditEvent

    cardio = login_client(app, "cardio")
    cardio.get(f"/api/v1/cases/{case['id']}")
    cardio.post(f"/api/v1/cases/{case['id']}/claim")
    annotation = _annotate(cardio, case["id"]).get_json()["annotation"]
    cardio.patch(f"/api/v1/annotations/{annotation['id']}", json={"version": 1, "text": "x"})
    cardio.delete(f"/api/v1/annotations/{annotation['id']}", json={"version": 2})
    cardio.post(f"/api/v1/cases/{case['id']}/report", json={"diagnosis": "d", "recommendation": "ROUTINE"})
    with app.app_context():
        actions = db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.case_id == case["id"])).all()
    for action in ("case_created", "case_analyzed", "case_viewed", "case_claimed", "annotation_created",
                   "annotation_updated", "annotation_deleted", "report_signed"):
        assert action in actions


def test_queue_order(app, world, client):
    """Is the queue sorted by priority, then oldest first?"""
    from telemed.extensions import db
    from telemed.models import Case

    ids = [gen_case(client, patient_ref=f"P{i}")["id"] for i in range(3)]
    with app.app_context():
        db.session.get(Case, ids[2]).set_priority("critical")
        db.session.get(Case, ids[0]).set_priority("routine")
        db.session.get(Case, ids[1]).set_priority("routine")
        db.session.commit()
    listed = [c["id"] for c in login_client(app, "cardio").get("/api/v1/cases").get_json()["cases"]]
    assert listed == [ids[2], ids[0], ids[1]]
    assert login_client(app, "cardio").get("/api/v1/cases?status=bogus").status_code == 400


def test_refreshing_page_is_one_audited_view(app, case):
    """Is an open page that refreshes itself audited as one view, while another reader's view counts?"""
    import sqlalchemy as sa

    from telemed.extensions import db
    from telemed.models import AuditEvent

    cardio, colleague = login_client(app, "cardio"), login_client(app, "cardio2")
    for _ in range(3):
        assert cardio.get(f"/api/v1/cases/{case['id']}").status_code == 200
    colleague.get(f"/api/v1/cases/{case['id']}")
    with app.app_context():
        views = db.session.scalars(sa.select(AuditEvent.user_id).where(
            AuditEvent.case_id == case["id"], AuditEvent.action == "case_viewed")).all()
    assert len(views) == 2 and len(set(views)) == 2
