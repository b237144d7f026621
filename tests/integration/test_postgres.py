"""The same code on PostgreSQL: migrations, the whole loop, atomic claims, and a restart survived."""
import threading

import pytest
import sqlalchemy as sa

from tests.factories import case_form
from tests.web.helpers import events, login_client, socket_for


@pytest.fixture
def pg_app(postgres, tmp_path):
    from config import TestConfig
    from telemed import create_app
    from telemed.extensions import db

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = postgres.url
        SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
        TELEMED_DATA_DIR = str(tmp_path / "data")

    app = create_app(Config)
    from tests.factories import CSRFClient

    app.test_client_class = CSRFClient
    with app.app_context():
        from flask_migrate import upgrade

        db.drop_all()
        db.session.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
        db.session.commit()
        upgrade()  # the real migrations, not create_all
        from tests.factories import make_world

        make_world()
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.session.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def test_loop_on_postgres(pg_app):
    """Does the upload → analysis → claim → annotate → report loop work on PostgreSQL with live events?"""
    doctor, cardio = login_client(pg_app, "doctor"), login_client(pg_app, "cardio")
    doctor_sio, cardio_sio = socket_for(pg_app, doctor), socket_for(pg_app, cardio)
    response = doctor.post("/api/v1/cases", data=case_form(), content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()
    case_id = response.get_json()["case"]["id"]
    assert [e["args"][0]["id"] for e in events(cardio_sio, "case_created")] == [case_id]
    assert cardio.post(f"/api/v1/cases/{case_id}/claim").status_code == 200
    cardio_sio.emit("join_case", {"case_id": case_id}, callback=True)
    annotation = cardio.post(f"/api/v1/cases/{case_id}/annotations",
                             json={"lead": "V5", "start_s": 3, "end_s": 4, "label": "PVC"}).get_json()["annotation"]
    assert cardio.patch(f"/api/v1/annotations/{annotation['id']}", json={"version": 1, "text": "x"}).status_code == 200
    assert cardio.patch(f"/api/v1/annotations/{annotation['id']}", json={"version": 1, "text": "y"}).status_code == 409
    report = {"diagnosis": "Sinus rhythm", "recommendation": "ROUTINE", "statements": []}
    assert cardio.post(f"/api/v1/cases/{case_id}/report", json=report).status_code == 201
    assert events(doctor_sio, "case_reported")


def test_fifty_concurrent_claims_one_winner(pg_app):
    """Do 50 simultaneous claims on PostgreSQL give exactly one winner?"""
    from tests.factories import PASSWORD, gen_user
    from telemed.models import Consortium, Role

    doctor = login_client(pg_app, "doctor")
    case_id = doctor.post("/api/v1/cases", data=case_form(), content_type="multipart/form-data").get_json()["case"]["id"]
    with pg_app.app_context():
        from telemed.extensions import db

        consortium = db.session.scalar(sa.select(Consortium).where(Consortium.name == "City A"))
        for i in range(50):
            gen_user(f"reader{i}", Role.CARDIOLOGIST, consortium=consortium)
    clients = [login_client(pg_app, f"reader{i}") for i in range(50)]
    barrier = threading.Barrier(50)
    statuses = []

    def claim(client):
        barrier.wait()
        statuses.append(client.post(f"/api/v1/cases/{case_id}/claim").status_code)

    threads = [threading.Thread(target=claim, args=(c,)) for c in clients]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert sorted(statuses) == [200] + [409] * 49
    assert PASSWORD


def test_postgres_restart_gives_503_then_recovers(pg_app, postgres):
    """While PostgreSQL restarts, do requests get a clear 503, and work again after?"""
    cardio = login_client(pg_app, "cardio")
    assert cardio.get("/api/v1/cases").status_code == 200
    postgres.stop("immediate")
    try:
        response = cardio.get("/api/v1/cases")
        assert response.status_code == 503
        assert "database" in response.get_json()["error"]
    finally:
        postgres.start()
    assert cardio.get("/api/v1/cases").status_code == 200
