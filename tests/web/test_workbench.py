"""The cardiologist's workbench backend: consult thread, presence, prior ECGs, the printable report."""
import pytest

from tests.factories import gen_case
from tests.web.helpers import events, login_client, socket_for

REPORT = {"diagnosis": "Sinus rhythm", "recommendation": "ROUTINE", "statements": ["SR"]}


@pytest.fixture
def case(app, world, client):
    return gen_case(client, patient_ref="P-77")


def _report(app, case_id):
    cardio = login_client(app, "cardio")
    cardio.post(f"/api/v1/cases/{case_id}/claim")
    assert cardio.post(f"/api/v1/cases/{case_id}/report", json=REPORT).status_code == 201


def test_consult_thread_is_live_both_ways(app, case):
    """Does a doctor's question reach the cardiologist live, and the answer reach the doctor?"""
    doctor, cardio = login_client(app, "doctor"), login_client(app, "cardio")
    doctor_sio, cardio_sio = socket_for(app, doctor), socket_for(app, cardio)
    cardio_sio.emit("join_case", {"case_id": case["id"]}, callback=True)
    doctor_sio.get_received(), cardio_sio.get_received()
    response = doctor.post(f"/api/v1/cases/{case['id']}/messages", json={"text": "Patient fainted twice today."})
    assert response.status_code == 201
    assert [e["args"][0]["text"] for e in events(cardio_sio, "message_created")] == ["Patient fainted twice today."]
    cardio.post(f"/api/v1/cases/{case['id']}/messages", json={"text": "Send an ambulance; possible AV block."})
    received = events(doctor_sio, "message_created")  # the doctor is in the clinic room, no join needed
    assert received[-1]["args"][0]["author"]["role"] == "cardiologist"
    thread = doctor.get(f"/api/v1/cases/{case['id']}").get_json()["case"]["messages"]
    assert [m["author"]["username"] for m in thread] == ["doctor", "cardio"]


@pytest.mark.parametrize("username, status", [
    ("coord", 403), ("sibling", 404), ("othercardio", 404), ("admin", 403)])
def test_who_may_write_in_the_thread(app, case, username, status):
    """Is the thread closed to coordinators, other clinics and other consortia?"""
    response = login_client(app, username).post(f"/api/v1/cases/{case['id']}/messages", json={"text": "hi"})
    assert response.status_code == status


def test_empty_message_refused(app, case):
    """Is an empty message refused with a message?"""
    response = login_client(app, "doctor").post(f"/api/v1/cases/{case['id']}/messages", json={"text": "  "})
    assert response.status_code == 400 and response.get_json()["error"]


def test_presence_is_relayed_inside_the_case_only(app, case):
    """Do readers of a case see each other's viewing window, and learn when one leaves?"""
    a = socket_for(app, login_client(app, "cardio"))
    b = socket_for(app, login_client(app, "cardio2"))
    assert a.emit("join_case", {"case_id": case["id"]}, callback=True)["ok"]
    a.get_received()
    assert b.emit("join_case", {"case_id": case["id"]}, callback=True)["ok"]
    assert events(a, "presence_request"), "the newcomer asks who is there"
    assert a.emit("presence", {"case_id": case["id"], "start_s": 10, "end_s": 20}, callback=True) == {"ok": True}
    seen = events(b, "presence")
    assert seen and seen[0]["args"][0]["user"]["username"] == "cardio" and seen[0]["args"][0]["start_s"] == 10
    b.emit("leave_case", {"case_id": case["id"]}, callback=True)
    assert events(a, "presence_left")
    outsider = socket_for(app, login_client(app, "othercardio"))
    ack = outsider.emit("presence", {"case_id": case["id"], "start_s": 0, "end_s": 1}, callback=True)
    assert "error" in ack


def test_prior_ecgs_of_the_same_patient(app, world, client):
    """Are only the same clinic's earlier ECGs of the same patient offered for comparison?"""
    first = gen_case(client, patient_ref="P-9")
    gen_case(client, patient_ref="P-10")
    gen_case(client, "sibling", patient_ref="P-9")  # same reference, another clinic: another patient
    latest = gen_case(client, patient_ref="P-9")
    priors = login_client(app, "cardio").get(f"/api/v1/cases/{latest['id']}/priors").get_json()["cases"]
    assert [p["id"] for p in priors] == [first["id"]]
    assert login_client(app, "othercardio").get(f"/api/v1/cases/{latest['id']}/priors").status_code == 404


def test_printable_report_and_pdf(app, case):
    """Once signed, can the doctor print the report and download it as a PDF with the ECG?"""
    doctor = login_client(app, "doctor")
    assert doctor.get(f"/cases/{case['id']}/report.pdf").status_code == 409  # not signed yet
    _report(app, case["id"])
    page = doctor.get(f"/cases/{case['id']}/report")
    assert page.status_code == 200 and b"<svg" in page.data and b"Sinus rhythm" in page.data
    pdf = doctor.get(f"/cases/{case['id']}/report.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    assert len(pdf.data) > 20_000  # the ECG trace and grid are in it
    assert login_client(app, "otherdoc").get(f"/cases/{case['id']}/report.pdf").status_code == 404


def test_report_pdf_takes_chinese_text(app, case):
    """Does a diagnosis written in Chinese render into the PDF?"""
    cardio = login_client(app, "cardio")
    cardio.post(f"/api/v1/cases/{case['id']}/claim")
    cardio.post(f"/api/v1/cases/{case['id']}/report",
                json={"diagnosis": "窦性心律，正常心电图", "recommendation": "ROUTINE", "statements": []})
    pdf = login_client(app, "doctor").get(f"/cases/{case['id']}/report.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    # tests/web/test_i18n.py checks with pdffonts that every font is embedded.
