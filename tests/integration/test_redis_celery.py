"""Several web processes sharing Redis, and analysis in real Celery worker processes."""
import time
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
PTBXL = [FIXTURES / "ptbxl" / "00001_hr.hea", FIXTURES / "ptbxl" / "00001_hr.dat"]


def test_upload_analysed_by_celery_worker_reaches_sockets_on_both_processes(cluster, clients):
    """Is an upload on one web process analysed by a Celery worker, with both events reaching a reader on another process?"""
    (web_a, web_b), _ = cluster.start_all(webs=2, workers=1)
    reader = clients(web_b.url, "cardio")
    doctor = clients(web_a.url, "doctor")
    started = time.monotonic()
    case = doctor.upload(PTBXL)
    assert case["status"] == "analyzing"
    assert reader.wait_for("case_created", lambda c: c["id"] == case["id"], 10)["status"] == "analyzing"
    done = reader.wait_for("case_updated", lambda c: c["id"] == case["id"] and c["status"] == "awaiting_review", 30)
    assert done["priority"] in ("critical", "urgent", "routine")
    assert doctor.wait_for("case_updated", lambda c: c["id"] == case["id"] and c["status"] == "awaiting_review", 5)
    detail = reader.http.get(f"{web_b.url}/api/v1/cases/{case['id']}", timeout=10).json()["case"]
    assert detail["analysis"] is not None
    assert time.monotonic() - started < 30


def test_annotation_on_one_process_reaches_reader_on_the_other(cluster, clients):
    """Does a cardiologist connected to web process A see an annotation made through web process B?"""
    (web_a, web_b), _ = cluster.start_all(webs=2, workers=1)
    doctor = clients(web_a.url, "doctor")
    author = clients(web_b.url, "cardio")
    watcher = clients(web_a.url, "cardio2")
    case = doctor.upload(PTBXL)
    watcher.wait_for("case_updated", lambda c: c["id"] == case["id"] and c["status"] == "awaiting_review", 30)
    assert author.http.post(f"{web_b.url}/api/v1/cases/{case['id']}/claim", timeout=10).status_code == 200
    assert watcher.emit("join_case", {"case_id": case["id"]}) == {"ok": True, "case_id": case["id"]}
    response = author.http.post(f"{web_b.url}/api/v1/cases/{case['id']}/annotations", timeout=10,
                                json={"lead": "V5", "start_s": 3, "end_s": 4, "label": "PVC", "text": "look"})
    assert response.status_code == 201, response.text
    annotation = response.json()["annotation"]
    seen = watcher.wait_for("annotation_created", lambda a: a["id"] == annotation["id"], 10)
    assert seen["author"] == annotation["author"] and seen["label"] == "PVC"
