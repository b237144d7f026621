"""The consortium's working day: SLA clocks and escalation, on-duty readers, coordinators moving work."""
import datetime as dt

import sqlalchemy as sa

from tests.factories import gen_case
from tests.web.helpers import login_client


def _set(app, case_id, **values):
    from telemed.extensions import db
    from telemed.models import Case

    with app.app_context():
        case = db.session.get(Case, case_id)
        for k, v in values.items():
            setattr(case, k, v)
        db.session.commit()


def _check(app, minutes_after_upload, case_id):
    from telemed.extensions import db
    from telemed.models import Case
    from telemed.services.sla import check

    with app.app_context():
        created = db.session.get(Case, case_id).created_at
        return check(now=created + dt.timedelta(minutes=minutes_after_upload))


def _inbox(app, username):
    return login_client(app, username).get("/api/v1/notifications").get_json()["notifications"]


def test_sla_warning_then_breach_with_a_controlled_clock(app, world, client):
    """Does a critical case warn the on-duty reader at 80 % of 10 min, and tell readers and coordinators at 100 %, once each?"""
    case = gen_case(client)
    _set(app, case["id"], priority="critical", priority_rank=0)
    cardio = login_client(app, "cardio")
    assert cardio.patch("/api/v1/session", json={"on_duty": True}).get_json()["user"]["on_duty"] is True
    assert _check(app, 7, case["id"]) == {"warned": 0, "breached": 0}
    assert _check(app, 8.5, case["id"]) == {"warned": 1, "breached": 0}
    assert [n["kind"] for n in _inbox(app, "cardio")] == ["sla_warning"]
    assert _inbox(app, "cardio2") == []          # off duty: not disturbed while someone is on duty
    assert _check(app, 9, case["id"]) == {"warned": 0, "breached": 0}   # once
    assert _check(app, 11, case["id"]) == {"warned": 0, "breached": 1}
    assert [n["kind"] for n in _inbox(app, "cardio")] == ["sla_breach", "sla_warning"]
    assert [n["kind"] for n in _inbox(app, "coord")] == ["sla_breach"]
    assert _inbox(app, "othercoord") == []
    sla = cardio.get(f"/api/v1/cases/{case['id']}").get_json()["case"]["sla"]
    assert sla["target_min"] == 10 and sla["state"] in ("ok", "warning", "breached")


def test_nobody_on_duty_alerts_every_cardiologist(app, world, client):
    """With nobody on duty, do all the consortium's cardiologists get the warning?"""
    case = gen_case(client)
    _set(app, case["id"], priority="urgent", priority_rank=1)
    assert _check(app, 50, case["id"]) == {"warned": 1, "breached": 0}
    assert [n["kind"] for n in _inbox(app, "cardio")] == ["sla_warning"]
    assert [n["kind"] for n in _inbox(app, "cardio2")] == ["sla_warning"]
    assert _inbox(app, "othercardio") == []


def test_consortium_targets_are_configurable_and_compliance_is_reported(app, world, client):
    """Do a consortium's own targets apply, and does the dashboard report compliance per priority?"""
    from telemed.extensions import db
    from telemed.models import Consortium

    with app.app_context():
        db.session.scalar(sa.select(Consortium).where(Consortium.name == "City A")).sla_routine_min = 30
        db.session.commit()
    case = gen_case(client)
    cardio = login_client(app, "cardio")
    cardio.post(f"/api/v1/cases/{case['id']}/claim")
    cardio.post(f"/api/v1/cases/{case['id']}/report", json={"diagnosis": "ok", "recommendation": "ROUTINE"})
    body = cardio.get(f"/api/v1/cases/{case['id']}").get_json()["case"]
    assert body["sla"]["target_min"] == 30 and body["sla"]["state"] == "met"
    dashboard = login_client(app, "coord").get("/api/v1/dashboard").get_json()
    routine = dashboard["sla"]["today"]["routine"]
    assert routine["reported"] == 1 and routine["within_target"] == 1 and routine["percent"] == 100.0


def test_critical_analysis_alerts_the_on_duty_reader(app, world, client):
    """Does a case triaged critical reach the on-duty cardiologist as an urgent notification?"""
    from telemed.extensions import db
    from telemed.models import Case, CaseStatus
    from telemed.services import analysis

    login_client(app, "cardio2").patch("/api/v1/session", json={"on_duty": True})
    case = gen_case(client)
    with app.app_context():
        row = db.session.get(Case, case["id"])
        db.session.delete(row.analysis)
        row.status = CaseStatus.ANALYZING.value
        db.session.commit()
        analysis._save_result(db.session.get(Case, case["id"]), {"priority": "critical", "beats": {"sample": []}}, 1.0)
    inbox = _inbox(app, "cardio2")
    assert inbox[0]["kind"] == "critical_waiting" and inbox[0]["urgent"] is True
    assert _inbox(app, "cardio") == []


def test_coordinator_reassigns_and_releases(app, world, client):
    """Can a coordinator move a claimed case to a colleague, and release one to the queue, both notified and audited?"""
    from telemed.extensions import db
    from telemed.models import AuditEvent, User

    case = gen_case(client)
    cardio = login_client(app, "cardio")
    cardio.post(f"/api/v1/cases/{case['id']}/claim")
    with app.app_context():
        cardio2_id = db.session.scalar(sa.select(User.id).where(User.username == "cardio2"))
        other_id = db.session.scalar(sa.select(User.id).where(User.username == "othercardio"))
    coord = login_client(app, "coord")
    moved = coord.post(f"/api/v1/cases/{case['id']}/assign", json={"cardiologist_id": cardio2_id})
    assert moved.status_code == 200 and moved.get_json()["case"]["assigned_to"]["id"] == cardio2_id
    assert [n["kind"] for n in _inbox(app, "cardio2")] == ["case_assigned"]
    assert [n["kind"] for n in _inbox(app, "cardio")] == ["case_released"]
    released = coord.post(f"/api/v1/cases/{case['id']}/assign", json={"cardiologist_id": None}).get_json()["case"]
    assert released["status"] == "awaiting_review" and released["assigned_to"] is None
    assert coord.post(f"/api/v1/cases/{case['id']}/assign", json={"cardiologist_id": other_id}).status_code == 400
    assert cardio.post(f"/api/v1/cases/{case['id']}/assign", json={"cardiologist_id": None}).status_code == 403
    assert login_client(app, "othercoord").post(f"/api/v1/cases/{case['id']}/assign",
                                                json={"cardiologist_id": None}).status_code == 404
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                                 .where(AuditEvent.action == "case_assigned")) == 2


def test_dashboard_tiles_open_their_cases(app, world, client):
    """Do the list filters behind the dashboard's tiles and rows return exactly those cases?"""
    a, b = gen_case(client), gen_case(client, "sibling")
    _set(app, a["id"], priority="critical", priority_rank=0)
    coord = login_client(app, "coord")
    critical = coord.get("/api/v1/cases?status=awaiting_review&priority=critical").get_json()["cases"]
    assert [c["id"] for c in critical] == [a["id"]]
    by_clinic = coord.get(f"/api/v1/cases?clinic_id={b['clinic']['id']}").get_json()["cases"]
    assert [c["id"] for c in by_clinic] == [b["id"]]
    assert coord.get("/api/v1/cases?priority=nope").status_code == 400
    assert coord.get("/api/v1/cases?clinic_id=x").status_code == 400
    page = coord.get("/cases/?priority=critical&status=awaiting_review").get_data(as_text=True)
    assert 'data-priority="critical"' in page


def test_interpretation_reaches_the_case_and_suggests_report_statements(app, world, client):
    """Does ecgsignal's 12-lead interpretation reach the API with zh/en labels, and map to report statements?"""
    from telemed.vocabulary import STATEMENTS

    case = gen_case(client, files=["ptbxl/00001_hr.hea", "ptbxl/00001_hr.dat"])
    analysis = login_client(app, "cardio").get(f"/api/v1/cases/{case['id']}").get_json()["case"]["analysis"]
    interp = analysis["interpretation"]
    assert interp["overall"] in ("normal", "borderline", "abnormal")
    assert any(s["code"] == "SR" and s["label_zh"] == "窦性心律" for s in interp["statements"])
    assert "SR" in analysis["suggested_statements"]
    assert set(analysis["suggested_statements"]) <= set(STATEMENTS)
    assert analysis["lead_measurements"]["global"]["qrs_ms"] > 0


def test_holter_case_gets_a_summary_and_urgent_priority(app, world, client, tmp_path):
    """Does a 2-hour recording get a Holter summary on its case, urgent for a PVC burden >= 10 % (MIT-BIH 119: ~29 %)?"""
    from telemed.demo_holter import build_holter

    import io

    files = build_holter(tmp_path, hours=2, name="h2", sources=["mitdb_119_60s"])

    doctor = login_client(app, "doctor")
    form = {"patient_ref": "HOLTER-2H", "files": [(io.BytesIO(f.read_bytes()), f.name) for f in files]}
    case = doctor.post("/api/v1/cases", data=form, content_type="multipart/form-data").get_json()["case"]
    body = login_client(app, "cardio").get(f"/api/v1/cases/{case['id']}").get_json()["case"]
    holter = body["analysis"]["holter"]
    assert len(holter["hourly"]) == 2 and holter["pvc_burden_pct"] >= 10
    assert body["priority"] in ("urgent", "critical")


def test_admin_sets_sla_targets(app, world):
    """Can an administrator set a consortium's SLA targets in the browser form?"""
    from telemed.extensions import db
    from telemed.models import Consortium

    admin = login_client(app, "admin")
    with app.app_context():
        consortium_id = db.session.scalar(sa.select(Consortium.id).where(Consortium.name == "City A"))
    form = {"name": "City A", "timezone": "Asia/Shanghai", "language": "en",
            "sla_critical_min": "15", "sla_urgent_min": "90", "sla_routine_min": "720"}
    response = admin.post(f"/admin/consortia/{consortium_id}", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    with app.app_context():
        assert db.session.get(Consortium, consortium_id).sla_minutes() == {"critical": 15, "urgent": 90, "routine": 720}


def test_case_json_says_what_the_user_may_do(app, world, client):
    """Does the case JSON carry the access policy's answers for this user and this case?"""
    case = gen_case(client)
    cardio = login_client(app, "cardio")
    assert cardio.get(f"/api/v1/cases/{case['id']}").get_json()["case"]["can"]["claim"] is True
    cardio.post(f"/api/v1/cases/{case['id']}/claim")
    mine = cardio.get(f"/api/v1/cases/{case['id']}").get_json()["case"]["can"]
    assert mine["sign"] and mine["annotate"] and mine["hide_annotations"] and not mine["claim"]
    colleague = login_client(app, "cardio2").get(f"/api/v1/cases/{case['id']}").get_json()["case"]["can"]
    assert not colleague["sign"] and colleague["annotate"] and not colleague["hide_annotations"]
    doctor = login_client(app, "doctor").get(f"/api/v1/cases/{case['id']}").get_json()["case"]["can"]
    assert doctor == {**{k: False for k in doctor}, "message": True}
