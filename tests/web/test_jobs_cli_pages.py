"""The background worker, crash recovery, the admin commands and the HTML pages."""
import pytest
import sqlalchemy as sa

from tests.factories import case_form
from tests.web.helpers import login_client


def _status(client, case_id):
    return client.get(f"/api/v1/cases/{case_id}").get_json()["case"]["status"]


def test_background_worker_analyses_off_the_request(app, world):
    """In thread mode, does the upload return at once as `analyzing`, then the worker finish it?"""
    from telemed import jobs

    app.config["ANALYSIS_MODE"] = "thread"
    client = login_client(app, "doctor")
    response = client.post("/api/v1/cases", data=case_form(), content_type="multipart/form-data")
    assert response.status_code == 201
    case = response.get_json()["case"]
    assert case["status"] in {"analyzing", "awaiting_review"}
    assert jobs.worker(app).wait_idle(timeout=60)
    assert _status(client, case["id"]) == "awaiting_review"


def test_unfinished_analysis_is_requeued_at_start(app, world):
    """Is a case left `analyzing` by a crashed process analysed after the next start, not lost?"""
    from telemed import jobs

    app.config["ANALYSIS_MODE"] = "deferred"  # the process "dies" before analysing
    client = login_client(app, "doctor")
    case_id = client.post("/api/v1/cases", data=case_form(), content_type="multipart/form-data").get_json()["case"]["id"]
    assert _status(client, case_id) == "analyzing"
    app.config["ANALYSIS_MODE"] = "thread"  # the next start
    assert jobs.resume_pending(app) == 1
    assert jobs.worker(app).wait_idle(timeout=60)
    assert _status(client, case_id) == "awaiting_review"


def test_admin_commands_print_new_ids(app, app_ctx):
    """Do the admin commands create what they say and print the new id on the last line?"""
    from telemed.extensions import db
    from telemed.models import User

    runner = app.test_cli_runner()
    last = lambda result: result.output.strip().splitlines()[-1]  # noqa: E731
    db.drop_all()  # init-db builds the schema from the migrations, on an empty database
    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    assert runner.invoke(args=["init-db"]).exit_code == 0  # idempotent
    consortium_id = last(runner.invoke(args=["create-consortium", "City C"]))
    clinic_id = last(runner.invoke(args=["create-clinic", "Hill", "--consortium", consortium_id]))
    result = runner.invoke(args=["create-user", "hilldoc", "--role", "township_doctor", "--clinic", clinic_id],
                           input="long-enough-pw\nlong-enough-pw\n")  # asked for, never on the command line
    assert result.exit_code == 0, result.output
    user = db.session.get(User, int(last(result)))
    assert user.username == "hilldoc" and user.clinic_id == int(clinic_id) and user.check_password("long-enough-pw")
    bad = runner.invoke(args=["create-user", "x", "--role", "cardiologist"], input="long-enough-pw\n" * 2)
    assert bad.exit_code != 0 and "--consortium" in bad.output
    assert runner.invoke(args=["create-clinic", "Nowhere", "--consortium", "999"]).exit_code != 0


def test_seed_demo(app, app_ctx):
    """Does the demo seed a consortium, three clinics, every role and a dozen real cases in every status?"""
    from telemed.extensions import db
    from telemed.models import Case, Clinic, User

    from telemed.models import Consortium, Message

    result = app.test_cli_runner().invoke(args=["seed-demo", "--holter-hours", "0.05"])
    assert result.exit_code == 0, result.output
    consortium = db.session.scalar(sa.select(Consortium))
    assert consortium.language == "zh_CN" and consortium.timezone == "Asia/Shanghai" and "医联体" in consortium.name
    assert all("卫生院" in c.name for c in db.session.scalars(sa.select(Clinic)))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Message)) >= 3
    holter = db.session.scalar(sa.select(Case).where(Case.patient_ref == "FL-0100"))
    assert holter is not None and holter.recording.duration_s >= 0.05 * 3600 - 1
    assert "cardio1" in result.output and result.output.strip().splitlines()[-1].isdigit()
    statuses = set(db.session.scalars(sa.select(Case.status)))
    assert statuses == {"analyzing", "awaiting_review", "in_review", "reported", "rerecord_requested",
                        "analysis_failed"}  # one case of every status
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) >= 12
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Clinic)) >= 3
    assert set(db.session.scalars(sa.select(User.role))) == {"township_doctor", "cardiologist", "coordinator", "admin"}
    again = app.test_cli_runner().invoke(args=["seed-demo", "--holter-hours", "0"])
    assert again.exit_code == 0 and db.session.scalar(sa.select(sa.func.count()).select_from(Case)) >= 12


@pytest.mark.parametrize("username, pages", [
    ("doctor", ["/cases/", "/cases/new"]),
    ("cardio", ["/cases/"]),
    ("coord", ["/dashboard/", "/cases/"]),
    ("admin", ["/account"]),
])
def test_pages_render(app, world, username, pages):
    """Does each role's pages render?"""
    client = app.test_client()
    assert client.post("/login", data={"username": username, "password": "password-123"}).status_code == 302
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        assert b"telemed" in response.data


def test_pages_forbidden(app, world):
    """Are other roles' pages refused with a readable page?"""
    client = app.test_client()
    client.post("/login", data={"username": "cardio", "password": "password-123"})
    response = client.get("/cases/new")
    assert response.status_code == 403 and b"township doctors" in response.data
    assert client.get("/dashboard/").status_code == 403


def test_login_page(app, world):
    """Does the login page refuse bad passwords and never redirect off-site?"""
    client = app.test_client()
    assert client.get("/").status_code == 302
    bad = client.post("/login", data={"username": "doctor", "password": "x"})
    assert bad.status_code == 401 and b"Wrong username or password" in bad.data
    good = client.post("/login?next=//evil.example/", data={"username": "doctor", "password": "password-123"})
    assert good.status_code == 302 and "evil" not in good.headers["Location"]


def test_migrations_match_models(app, app_ctx):
    """Do the Alembic migrations build exactly the schema the models describe?"""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from flask_migrate import upgrade

    from telemed.extensions import db

    db.drop_all()
    upgrade()
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
    assert diff == []
