"""The whole referral loop on the embedded default, by API and socket events."""
from tests.factories import case_form
from tests.web.helpers import events, login_client, socket_for


def test_whole_referral_loop(app, world):
    """Does an upload travel live from the clinic to the queue, the readers, the report and back?"""
    doctor = login_client(app, "doctor")
    cardio = login_client(app, "cardio")
    colleague = login_client(app, "cardio2")
    coord = login_client(app, "coord")
    doctor_sio, cardio_sio, colleague_sio, coord_sio = (socket_for(app, c) for c in (doctor, cardio, colleague, coord))
    outsider_sio = socket_for(app, login_client(app, "othercardio"))

    # 1. The township doctor uploads a real MIT-BIH record.
    response = doctor.post("/api/v1/cases", data=case_form(), content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()
    case = response.get_json()["case"]
    case_id = case["id"]
    assert case["recording"]["fs"] == 360 and case["recording"]["leads"] == ["MLII", "V5"]

    # 2. It is analysed and appears live in the cardiologists' queue with a priority.
    created = events(cardio_sio, "case_created")
    assert [e["args"][0]["id"] for e in created] == [case_id]
    updated = [e["args"][0] for e in events(colleague_sio, "case_updated")]
    assert updated[-1]["status"] == "awaiting_review" and updated[-1]["priority"] in {"critical", "urgent", "routine"}
    assert not events(outsider_sio), "another consortium must hear nothing"
    queue = cardio.get("/api/v1/cases?status=awaiting_review").get_json()["cases"]
    assert [c["id"] for c in queue] == [case_id]
    detail = cardio.get(f"/api/v1/cases/{case_id}").get_json()["case"]
    hr = detail["analysis"]["heart_rate_bpm"]
    assert 65 <= hr <= 85, hr  # record 100 runs at about 75/min
    assert len(detail["analysis"]["beats"]["sample"]) > 60
    assert events(coord_sio, "dashboard")[-1]["args"][0]["queue"][updated[-1]["priority"]] == 1

    # 3. A cardiologist claims it; both readers join the case room.
    assert cardio.post(f"/api/v1/cases/{case_id}/claim").status_code == 200
    for sio in (cardio_sio, colleague_sio):
        assert sio.emit("join_case", {"case_id": case_id}, callback=True) == {"ok": True, "case_id": case_id}
        sio.get_received()

    # 4. Annotations made by one reader appear live at the colleague's.
    response = cardio.post(f"/api/v1/cases/{case_id}/annotations",
                           json={"lead": "MLII", "start_s": 1.0, "end_s": 2.5, "label": "RR interval", "text": "regular"})
    assert response.status_code == 201
    annotation = response.get_json()["annotation"]
    assert annotation["version"] == 1 and annotation["author"]["username"] == "cardio"
    seen = events(colleague_sio, "annotation_created")
    assert [e["args"][0]["id"] for e in seen] == [annotation["id"]]
    # Only the author edits it; the colleague replies, and the author sees the reply live.
    assert colleague.patch(f"/api/v1/annotations/{annotation['id']}", json={"version": 1, "text": "x"}).status_code == 403
    response = colleague.post(f"/api/v1/annotations/{annotation['id']}/replies", json={"text": "agree"})
    assert response.status_code == 201 and response.get_json()["annotation"]["replies"][0]["text"] == "agree"
    assert events(cardio_sio, "annotation_updated")[0]["args"][0]["replies"][0]["author"]["username"] == "cardio2"

    # 5. The assigned cardiologist signs the report; the township doctor sees it arrive.
    doctor_sio.get_received()
    response = cardio.post(f"/api/v1/cases/{case_id}/report", json={
        "diagnosis": "Sinus rhythm, isolated ectopic beats.", "recommendation": "ROUTINE",
        "statements": ["SR"]})
    assert response.status_code == 201
    reported = events(doctor_sio, "case_reported")
    assert reported and reported[0]["args"][0]["report"]["diagnosis"].startswith("Sinus rhythm")
    mine = doctor.get(f"/api/v1/cases/{case_id}").get_json()["case"]
    assert mine["status"] == "reported" and mine["report"]["signed_by"]["username"] == "cardio"

    # 6. The coordinator's dashboard follows: queue empty again, one turnaround measured.
    board = events(coord_sio, "dashboard")[-1]["args"][0]
    assert sum(board["queue"].values()) == 0 and board["turnaround_minutes"]["p50"] is not None
    assert coord.get("/api/v1/dashboard").get_json()["per_cardiologist"][0]["reported_24h"] == 1


def test_signal_window_keeps_peaks(app, world, client):
    """Does the decimated signal keep every R peak's full height?"""
    import numpy as np
    import wfdb

    from tests.factories import FIXTURES, gen_case

    case = gen_case(client)
    client.post("/api/v1/session", json={"username": "cardio", "password": "password-123"})
    body = client.get(f"/api/v1/cases/{case['id']}/signal?start_s=0&end_s=60&max_points=500").get_json()
    lead = body["leads"][0]
    assert body["fs"] == 360 and lead["name"] == "MLII"
    assert len(lead["max"]) <= 501 and abs(lead["step_s"] - 44 / 360) < 1e-9
    raw = wfdb.rdrecord(str(FIXTURES / "mitdb_100_60s")).p_signal[:, 0]
    assert np.max(lead["max"]) == np.round(raw.max(), 4)
    assert np.min(lead["min"]) == np.round(raw.min(), 4)
    raw_window = client.get(f"/api/v1/cases/{case['id']}/signal?start_s=1&end_s=2&max_points=1000").get_json()
    first = raw_window["leads"][0]
    assert first["min"] == first["max"] and len(first["min"]) == 360
    np.testing.assert_allclose(first["min"], raw[360:720], atol=1e-4)
    assert client.get(f"/api/v1/cases/{case['id']}/signal?start_s=abc").status_code == 400


def test_dashboard_bursts_are_coalesced(app, world):
    """Does a burst of case changes give coordinators one fresh dashboard, not one per change?"""
    import time

    from tests.factories import case_form

    app.config["DASHBOARD_DEBOUNCE_S"] = 0.3
    coord_sio = socket_for(app, login_client(app, "coord"))
    coord_sio.get_received()
    doctor = login_client(app, "doctor")
    for i in range(3):
        assert doctor.post("/api/v1/cases", data=case_form(patient_ref=f"B{i}"),
                           content_type="multipart/form-data").status_code == 201
    deadline = time.monotonic() + 5
    boards = []
    while time.monotonic() < deadline and not boards:
        time.sleep(0.1)
        boards = [e["args"][0] for e in events(coord_sio, "dashboard")]
    time.sleep(0.5)
    boards += [e["args"][0] for e in events(coord_sio, "dashboard")]
    assert 1 <= len(boards) < 6  # 3 uploads + 3 analyses would be 6 without coalescing
    assert sum(boards[-1]["queue"].values()) == 3
