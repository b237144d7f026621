"""Issue 10: a complete, readable, tamper-evident audit trail."""
import sqlalchemy as sa

from tests.factories import PASSWORD, gen_case
from tests.web.helpers import login_client, socket_for


def _actions(app, username=None):
    from telemed.extensions import db
    from telemed.models import AuditEvent, User

    with app.app_context():
        stmt = sa.select(AuditEvent.action, AuditEvent.case_id, AuditEvent.ip).order_by(AuditEvent.id)
        if username:
            stmt = stmt.join(User, AuditEvent.user_id == User.id).where(User.username == username)
        return list(db.session.execute(stmt).all())


def _reported_case(app, client):
    from tests.web.test_workbench import REPORT

    case = gen_case(client)
    cardio = login_client(app, "cardio")
    cardio.post(f"/api/v1/cases/{case['id']}/claim")
    assert cardio.post(f"/api/v1/cases/{case['id']}/report", json=REPORT).status_code == 201
    return case


def test_every_read_of_patient_data_is_recorded(app, world, client):
    """Are the case page and API, lists, signal, priors, messages, report page and PDF and socket joins
    each recorded with user, case and IP address?"""
    case = _reported_case(app, client)
    cid = case["id"]
    reader = login_client(app, "cardio2")
    for path in ("/cases/", f"/cases/{cid}", f"/api/v1/cases/{cid}", "/api/v1/cases", f"/api/v1/cases/{cid}/signal",
                 f"/api/v1/cases/{cid}/priors", f"/api/v1/cases/{cid}/messages", f"/cases/{cid}/report",
                 f"/cases/{cid}/report.pdf"):
        assert reader.get(path).status_code == 200, path
    socket_for(app, reader).emit("join_case", {"case_id": cid}, callback=True)
    rows = _actions(app, "cardio2")
    actions = {a for a, _c, _ip in rows}
    assert {"login", "case_list_viewed", "case_viewed", "signal_viewed", "priors_viewed", "messages_viewed",
            "report_viewed", "report_pdf_downloaded", "case_joined"} <= actions
    assert all(ip == "127.0.0.1" for _a, _c, ip in rows)
    assert all(c == cid for a, c, _ip in rows if a not in ("login", "case_list_viewed"))


def test_a_page_refreshing_itself_is_one_view(app, world, client):
    """Is a case page that refreshes itself one view per 10 minutes, and a PDF every download?"""
    case = _reported_case(app, client)
    reader = login_client(app, "cardio2")
    for _ in range(3):
        reader.get(f"/api/v1/cases/{case['id']}")
        reader.get(f"/api/v1/cases/{case['id']}/signal")
        reader.get(f"/cases/{case['id']}/report.pdf")
    actions = [a for a, _c, _ip in _actions(app, "cardio2")]
    assert actions.count("case_viewed") == 1 and actions.count("signal_viewed") == 1
    assert actions.count("report_pdf_downloaded") == 3


def test_logins_failures_and_logouts_are_recorded(app, world):
    """Are login, failed login (known and unknown names) and logout recorded?"""
    client = app.test_client()
    client.post("/api/v1/session", json={"username": "doctor", "password": "wrong"})
    client.post("/api/v1/session", json={"username": "ghost", "password": "wrong"})
    client.post("/api/v1/session", json={"username": "doctor", "password": PASSWORD})
    client.delete("/api/v1/session")
    actions = [a for a, _c, _ip in _actions(app)]
    assert actions == ["login_failed", "login_failed", "login", "logout"]


def test_the_chain_detects_tampering(app, world, client):
    """Does audit-verify pass on an untouched trail and fail after a row is changed or deleted?"""
    from telemed.extensions import db

    gen_case(client)
    runner = app.test_cli_runner()
    good = runner.invoke(args=["audit-verify"])
    assert good.exit_code == 0 and "intact" in good.output
    with app.app_context():
        db.session.execute(sa.text("UPDATE audit_events SET action = 'nothing' WHERE id = 2"))
        db.session.commit()
    bad = runner.invoke(args=["audit-verify"])
    assert bad.exit_code == 1 and "event 2" in bad.output
    with app.app_context():
        db.session.execute(sa.text("UPDATE audit_events SET action = 'login' WHERE id = 2"))
        db.session.execute(sa.text("DELETE FROM audit_events WHERE id = 1"))
        db.session.commit()
    assert runner.invoke(args=["audit-verify"]).exit_code == 1


def test_rows_are_append_only_through_the_orm(app, world, client):
    """Does the ORM refuse to change or delete an audit event?"""
    import pytest

    from telemed.extensions import db
    from telemed.models import AuditEvent

    gen_case(client)
    with app.app_context():
        event = db.session.scalars(sa.select(AuditEvent)).first()
        event.action = "changed"
        with pytest.raises(PermissionError):
            db.session.commit()
        db.session.rollback()
        db.session.delete(db.session.scalars(sa.select(AuditEvent)).first())
        with pytest.raises(PermissionError):
            db.session.commit()


def test_viewer_scope_filters_and_csv(app, world, client):
    """Does a coordinator read only their consortium's events, filtered, and export them as CSV in local time?"""
    case = gen_case(client)
    login_client(app, "otherdoc").get("/api/v1/cases")  # another consortium's read
    coord = login_client(app, "coord")
    page = coord.get("/admin/audit").get_data(as_text=True)
    assert "otherdoc" not in page and "doctor" in page
    filtered = coord.get(f"/admin/audit?case={case['id']}&action=case_created").get_data(as_text=True)
    assert "<td>case_created</td>" in filtered and "<td>login</td>" not in filtered
    assert coord.get("/admin/audit?since=not-a-date").status_code == 400
    csv_text = coord.get(f"/admin/audit.csv?case={case['id']}").get_data(as_text=True)
    lines = csv_text.strip().splitlines()
    assert lines[0].startswith("id,time,user,action,case") and len(lines) >= 2
    assert "+08:00" in lines[1]  # Asia/Shanghai, the consortium's zone
    admin_page = login_client(app, "admin").get("/admin/audit").get_data(as_text=True)
    assert "otherdoc" in admin_page
    for username in ("doctor", "cardio"):
        assert login_client(app, username).get("/admin/audit").status_code == 403


def test_upgrade_chains_existing_events(app, app_ctx):
    """Does the migration chain the audit events of an existing database, so audit-verify passes?"""
    from flask_migrate import downgrade, upgrade

    from telemed.extensions import db
    from telemed.services import audit

    db.drop_all()
    upgrade(revision="6e647cfbe476")
    db.session.execute(sa.text("INSERT INTO consortia (id, name, timezone, language, created_at) "
                               "VALUES (1, 'A', 'Asia/Shanghai', 'en', '2026-01-01 00:00:00')"))
    for i in range(3):
        db.session.execute(sa.text("INSERT INTO audit_events (user_id, action, case_id, detail, at) "
                                   "VALUES (NULL, :a, NULL, '{\"n\": 1}', :at)"),
                           {"a": f"old_{i}", "at": f"2026-01-0{i + 1} 08:00:00.123456"})
    db.session.commit()
    upgrade()
    db.session.remove()
    count, problems = audit.verify()
    assert count == 3 and problems == []
    downgrade(revision="6e647cfbe476")
    upgrade()
