"""Recordings checked while the patient is still there: unfit uploads go back to the clinic with a
message naming the problem; a new recording, send-anyway and a reader's request."""
import io

import numpy as np
import pytest
import sqlalchemy as sa
import wfdb

from tests.conftest import FIXTURES
from tests.factories import gen_case
from tests.web.helpers import login_client

PTBXL = FIXTURES / "ptbxl" / "00001_hr"   # 12-lead, 500 Hz, 10 s


def _csv(signal_mv: np.ndarray, names) -> bytes:
    rows = [",".join(names)] + [",".join(f"{v:.4f}" for v in row) for row in signal_mv]
    return "\n".join(rows).encode()


def _twelve_lead():
    rec = wfdb.rdrecord(str(PTBXL))
    return rec.p_signal.astype(float), [n.upper().replace("AVR", "aVR").replace("AVL", "aVL").replace("AVF", "aVF")
                                        for n in rec.sig_name]


def _upload(client, data: bytes, fs=500, patient_ref="P-FIT", case_id=None):
    form = {"patient_ref": patient_ref, "sampling_rate_hz": str(fs), "files": [(io.BytesIO(data), "ecg.csv")]}
    url = f"/api/v1/cases/{case_id}/recordings" if case_id else "/api/v1/cases"
    return client.post(url, data=form, content_type="multipart/form-data")


def _flat_chest(x, names):
    y = x.copy()
    y[:, [names.index(f"V{i}") for i in range(1, 7)]] = 0.0
    return y


CASES = {
    "flat chest leads": (lambda x, n: _flat_chest(x, n), "flat_leads", ["V1-V6", "chest electrodes"]),
    "3-second recording": (lambda x, n: x[: 3 * 500], "too_short", ["3", "seconds"]),
    "microvolts as millivolts": (lambda x, n: x * 1000.0, "implausible_amplitude", ["millivolts"]),
}


@pytest.mark.parametrize("name", CASES)
def test_unfit_recording_goes_back_to_the_clinic(app, world, name):
    """Does an unreadable recording answer 201 in rerecord_requested, with a message that names the problem?"""
    make, code, words = CASES[name]
    x, names = _twelve_lead()
    doctor = login_client(app, "doctor")
    response = _upload(doctor, _csv(make(x, names), names))
    assert response.status_code == 201, response.get_json()
    case = response.get_json()["case"]
    assert case["status"] == "rerecord_requested" and case["priority"] is None
    assert [p["code"] for p in case["rerecord"]["problems"]] == [code]
    message = " ".join(case["rerecord"]["messages"])
    assert all(w in message for w in words), message
    # Not in the readers' queue.
    queue = login_client(app, "cardio").get("/api/v1/cases?status=awaiting_review,in_review").get_json()["cases"]
    assert case["id"] not in [c["id"] for c in queue]


def test_flat_leads_message_in_chinese(app, world):
    """Is the problem told in the doctor's language?"""
    x, names = _twelve_lead()
    doctor = login_client(app, "doctor")
    form = {"patient_ref": "P-ZH", "sampling_rate_hz": "500",
            "files": [(io.BytesIO(_csv(_flat_chest(x, names), names)), "ecg.csv")]}
    case = doctor.post("/api/v1/cases", data=form, content_type="multipart/form-data",
                       headers={"Accept-Language": "zh-CN"}).get_json()["case"]
    assert case["rerecord"]["messages"] == ["V1-V6 导联呈直线：请检查胸导联电极后重新记录。"]


def test_new_recording_sends_the_case_to_analysis(app, world):
    """Does a new, fit recording uploaded into the same case go to analysis and the queue, keeping the old original?"""
    from telemed.extensions import db
    from telemed.models import Recording

    x, names = _twelve_lead()
    doctor = login_client(app, "doctor")
    case = _upload(doctor, _csv(x[: 3 * 500], names)).get_json()["case"]
    again = _upload(doctor, _csv(x, names), case_id=case["id"])
    assert again.status_code == 201, again.get_json()
    body = doctor.get(f"/api/v1/cases/{case['id']}").get_json()["case"]
    assert body["status"] == "awaiting_review" and body["rerecord"] is None
    assert body["recording"]["duration_s"] == pytest.approx(10.0) and body["analysis"]["n_beats"] > 5
    with app.app_context():
        recordings = db.session.scalars(sa.select(Recording).where(Recording.case_id == case["id"])).all()
        assert len(recordings) == 2 and sum(r.superseded_at is None for r in recordings) == 1
    # Only while the case is back at the clinic.
    assert _upload(doctor, _csv(x, names), case_id=case["id"]).status_code == 409
    # Not another clinic's case.
    assert _upload(login_client(app, "sibling"), _csv(x, names), case_id=case["id"]).status_code == 404


def test_send_anyway_is_audited(app, world):
    """Can the doctor send an unfit recording anyway, with the reason kept in the audit trail?"""
    from telemed.extensions import db
    from telemed.models import AuditEvent

    x, names = _twelve_lead()
    doctor = login_client(app, "doctor")
    case = _upload(doctor, _csv(x * 1000.0, names)).get_json()["case"]
    assert doctor.post(f"/api/v1/cases/{case['id']}/send", json={}).status_code == 400
    sent = doctor.post(f"/api/v1/cases/{case['id']}/send", json={"reason": "Patient left; cart only exports µV"})
    assert sent.status_code == 200, sent.get_json()
    body = doctor.get(f"/api/v1/cases/{case['id']}").get_json()["case"]
    assert body["status"] == "awaiting_review"
    with app.app_context():
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "sent_anyway"))
        assert event.case_id == case["id"] and "µV" in event.detail["reason"]
        assert event.detail["problems"] == ["implausible_amplitude"]
    assert login_client(app, "cardio").post(f"/api/v1/cases/{case['id']}/send", json={"reason": "x"}).status_code == 403


def test_reader_asks_for_a_new_recording(app, world, client):
    """Does a cardiologist's request return the case to the clinic and notify its doctor?"""
    case = gen_case(client)
    cardio = login_client(app, "cardio")
    assert cardio.post(f"/api/v1/cases/{case['id']}/rerecord", json={"reason": ""}).status_code == 400
    response = cardio.post(f"/api/v1/cases/{case['id']}/rerecord", json={"reason": "Baseline wander in V1-V3"})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()["case"]
    assert body["status"] == "rerecord_requested" and body["rerecord"]["reason"] == "Baseline wander in V1-V3"
    inbox = login_client(app, "doctor").get("/api/v1/notifications").get_json()
    assert inbox["unread"] == 1 and inbox["notifications"][0]["kind"] == "rerecord_requested"
    assert "Baseline wander" in inbox["notifications"][0]["text"]
    # The lifecycle refuses a second request, and other roles or consortia cannot ask.
    assert cardio.post(f"/api/v1/cases/{case['id']}/rerecord", json={"reason": "again"}).status_code == 409
    assert login_client(app, "coord").post(f"/api/v1/cases/{case['id']}/rerecord", json={"reason": "x"}).status_code == 403
    assert login_client(app, "othercardio").post(f"/api/v1/cases/{case['id']}/rerecord", json={"reason": "x"}).status_code == 404


def test_lifecycle_table_rejects_invalid_transitions():
    """Does the one transition table refuse a reported case going back to review?"""
    from telemed.models.case import CaseStatus, can_transition, sources_of

    assert not can_transition("reported", "in_review")
    assert can_transition("rerecord_requested", "analyzing")
    assert sources_of(CaseStatus.IN_REVIEW) == ["awaiting_review"]
