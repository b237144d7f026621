"""telemed-push against a live server on loopback: a cart's folder uploaded unattended, once."""
import shutil
import threading

import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server

from tests.conftest import FIXTURES
from tests.web.helpers import login_client


@pytest.fixture
def live(app, world):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


@pytest.fixture
def token(app, world):
    from telemed.services.tokens import create_token

    with app.app_context():
        return create_token(1, "Clinic PC, shared folder", None)[1]


def _cases(app):
    from telemed.extensions import db
    from telemed.models import Case

    with app.app_context():
        return list(db.session.scalars(sa.select(Case.patient_ref).order_by(Case.id)))


def test_push_uploads_a_folder_once(app, live, token, tmp_path):
    """Does telemed-push send each recording once (WFDB pairs together), move it to sent/, and refuse nothing twice?"""
    from telemed.push import main

    folder = tmp_path / "cart"
    folder.mkdir()
    for name in ("mitdb_100_60s.hea", "mitdb_100_60s.dat", "devices/ecg_12lead.dcm"):
        shutil.copy(FIXTURES / name, folder)
    (folder / "notes.txt").write_text("not an ECG")
    code = main(["--server", live, "--watch", str(folder), "--token", token, "--once", "--interval", "0.1"])
    assert code == 1  # one file was refused
    assert sorted(p.name for p in (folder / "sent").iterdir()) == [
        "ecg_12lead.case.json", "ecg_12lead.dcm", "mitdb_100_60s.case.json", "mitdb_100_60s.dat", "mitdb_100_60s.hea"]
    assert "notes" in (folder / "failed" / "notes.error.txt").read_text() or (folder / "failed" / "notes.txt").exists()
    assert sorted(_cases(app)) == ["FIXTURE-DCM", "mitdb_100_60s"] or len(_cases(app)) == 2
    # The same recording again (a cart re-exporting): the Idempotency-Key answers with the same case.
    for name in ("mitdb_100_60s.hea", "mitdb_100_60s.dat"):
        shutil.copy(FIXTURES / name, folder)
    assert main(["--server", live, "--watch", str(folder), "--token", token, "--once", "--interval", "0.1"]) == 0
    assert len(_cases(app)) == 2
    doctor = login_client(app, "doctor")
    assert len(doctor.get("/api/v1/cases").get_json()["cases"]) == 2


def test_push_keeps_files_when_the_server_is_away(tmp_path, token):
    """With no server, are the files kept for the next look (retries, then exit code 1)?"""
    from telemed.push import main

    folder = tmp_path / "cart"
    folder.mkdir()
    shutil.copy(FIXTURES / "devices" / "ecg_12lead.dcm", folder)
    code = main(["--server", "http://127.0.0.1:9", "--watch", str(folder), "--token", token, "--once",
                 "--interval", "0.1", "--attempts", "2", "--backoff", "0.05"])
    assert code == 1 and (folder / "ecg_12lead.dcm").exists() and not (folder / "sent").exists()
