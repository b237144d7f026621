"""Bad uploads get a clear 4xx and leave nothing behind; good ones in every format are stored durably."""
import io
import zipfile

import pytest
import sqlalchemy as sa

from tests.conftest import stored_files
from tests.factories import FIXTURES, MITDB_100, case_form
from tests.web.helpers import login_client


def _post(client, data):
    return client.post("/api/v1/cases", data=data, content_type="multipart/form-data")


def _files(*pairs):
    return [(io.BytesIO(content), name) for name, content in pairs]


def _count_cases(app):
    from telemed.extensions import db
    from telemed.models import Case

    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Case))


def _encrypted_zip() -> bytes:
    """A zip whose entries carry the 'encrypted' flag (zipfile cannot write real encryption)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("100.hea", b"100 2 360 650000")
    data = bytearray(buffer.getvalue())
    for signature, flag_offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.index(signature)
        data[at + flag_offset] |= 0x01
    return bytes(data)


HEA = (FIXTURES / "mitdb_100_60s.hea").read_bytes()
DAT = (FIXTURES / "mitdb_100_60s.dat").read_bytes()

BAD_UPLOADS = {
    "wrong extension": (_files(("ecg.jpg", b"\xff\xd8\xff\xe0 not an ecg")), 415, "ECG recording we can read"),
    "hea without dat": (_files(("mitdb_100_60s.hea", HEA)), 400, "mitdb_100_60s.dat"),
    "truncated dat": (_files(("mitdb_100_60s.hea", HEA), ("mitdb_100_60s.dat", DAT[: len(DAT) // 3])), 400, "shorter"),
    "csv with text": (_files(("ecg.csv", b"I,II\n0.1,0.2\n0.1,abc\n0.3,0.1\n")), 400, "abc"),
    "empty file": (_files(("ecg.edf", b"")), 400, "empty"),
    "stray file": (_files(("mitdb_100_60s.hea", HEA), ("mitdb_100_60s.dat", DAT), ("photo.jpg", b"x")), 415, "photo.jpg"),
    "no file": ([], 400, "No ECG file"),
    "broken zip": (_files(("ecg.zip", b"PK\x03\x04garbage")), 400, "zip"),
    "encrypted zip": (_files(("ecg.zip", None)), 400, "password-protected"),
    "csv without rate": (_files(("ecg.csv", b"I,II\n0.1,0.2\n0.1,0.3\n")), 400, "sampling rate"),
}


@pytest.mark.parametrize("name", BAD_UPLOADS)
def test_bad_upload_is_refused_cleanly(app, world, data_dir, name):
    """Does each bad upload get a clear 4xx message, with no case and no file left behind?"""
    files, status, words = BAD_UPLOADS[name]
    if name == "encrypted zip":
        files = _files(("ecg.zip", _encrypted_zip()))
    client = login_client(app, "doctor")
    data = {"patient_ref": "P-1", "age": "50", "sex": "F"}
    if name != "csv without rate":
        data["sampling_rate_hz"] = "500"
    if files:
        data["files"] = files
    response = _post(client, data)
    body = response.get_json()
    assert response.status_code == status, body
    assert words.lower() in body["error"].lower(), body["error"]
    assert "Traceback" not in body["error"]
    assert _count_cases(app) == 0
    assert stored_files(data_dir) == []
    assert list((data_dir / "incoming").iterdir()) == []


def test_oversized_upload(app, world, data_dir):
    """Is an upload over MAX_UPLOAD_MB refused with 413 and a message?"""
    app.config["MAX_CONTENT_LENGTH"] = 50_000
    response = _post(login_client(app, "doctor"), case_form())
    assert response.status_code == 413
    assert "MB" in response.get_json()["error"]
    assert _count_cases(app) == 0 and stored_files(data_dir) == []


@pytest.mark.parametrize("field, value, words", [
    ("age", "seventy", "Age"), ("sex", "X", "Sex"), ("patient_ref", "", "patient ref"),
    ("sampling_rate_hz", "-5", "sampling rate")])
def test_bad_form_fields(app, world, data_dir, field, value, words):
    """Are bad patient details refused before anything is stored?"""
    response = _post(login_client(app, "doctor"), case_form(**{field: value}))
    assert response.status_code == 400 and words.lower() in response.get_json()["error"].lower()
    assert stored_files(data_dir) == []


def test_originals_stored_by_checksum(app, world, data_dir):
    """Is every original kept byte for byte under its SHA-256?"""
    import hashlib

    case = _post(login_client(app, "doctor"), case_form()).get_json()["case"]
    files = {f["name"]: f for f in case["recording"]["files"]}
    assert set(files) == set(MITDB_100)
    for name, meta in files.items():
        content = (FIXTURES / name).read_bytes()
        assert meta["sha256"] == hashlib.sha256(content).hexdigest()
        assert (data_dir / "blobs" / meta["sha256"][:2] / meta["sha256"]).read_bytes() == content


def test_corrupted_original_fails_analysis_visibly(app, world, data_dir):
    """Does a stored file that no longer matches its checksum fail the analysis with a reason, not crash?"""
    app.config["ANALYSIS_MODE"] = "deferred"
    client = login_client(app, "doctor")
    case = _post(client, case_form()).get_json()["case"]
    dat = next(f for f in case["recording"]["files"] if f["name"].endswith(".dat"))
    path = data_dir / "blobs" / dat["sha256"][:2] / dat["sha256"]
    path.chmod(0o600)
    path.write_bytes(b"\x00" * path.stat().st_size)
    from telemed.services.analysis import analyze_case

    with app.app_context():
        analyze_case(case["id"])
    body = client.get(f"/api/v1/cases/{case['id']}").get_json()["case"]
    assert body["status"] == "analysis_failed" and "checksum" in body["failure_reason"]


@pytest.mark.parametrize("files, fields, fs, leads", [
    (["mitdb_100_60s.edf"], {}, 360, 2),
    (["ludb/1.hea", "ludb/1.dat"], {}, 500, 12),
    (["cinc2017/A00004.hea", "cinc2017/A00004.mat"], {}, 300, 1),
])
def test_formats_accepted(app, world, files, fields, fs, leads):
    """Are WFDB (.dat and .mat) and EDF uploads accepted and analysed?"""
    response = _post(login_client(app, "doctor"), case_form(files, **fields))
    assert response.status_code == 201, response.get_json()
    case = response.get_json()["case"]
    assert case["recording"]["fs"] == fs and len(case["recording"]["leads"]) == leads
    assert case["status"] == "awaiting_review"


def test_csv_upload(app, world):
    """Is a CSV with lead names and a sampling rate accepted?"""
    import wfdb

    rec = wfdb.rdrecord(str(FIXTURES / "mitdb_100_60s"), sampto=3600)
    lines = ["MLII,V5"] + [f"{a:.3f},{b:.3f}" for a, b in rec.p_signal]
    data = {"patient_ref": "P-CSV", "sampling_rate_hz": "360", "files": _files(("ecg.csv", "\n".join(lines).encode()))}
    response = _post(login_client(app, "doctor"), data)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["case"]["recording"]["leads"] == ["MLII", "V5"]
    assert response.get_json()["case"]["recording"]["duration_s"] == 10.0


def test_zip_upload(app, world):
    """Is a zip holding a WFDB record (in a folder) accepted?"""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name in MITDB_100:
            zf.write(FIXTURES / name, f"export/{name}")
        zf.writestr("__MACOSX/._mitdb_100_60s.hea", b"junk")
    data = {"patient_ref": "P-ZIP", "files": _files(("record.zip", buffer.getvalue()))}
    response = _post(login_client(app, "doctor"), data)
    assert response.status_code == 201, response.get_json()
    names = {f["name"] for f in response.get_json()["case"]["recording"]["files"]}
    assert names == set(MITDB_100)


def test_idempotent_retry(app, world, data_dir):
    """Does a retried upload with the same Idempotency-Key return the same case, not a duplicate?"""
    client = login_client(app, "doctor")
    headers = {"Idempotency-Key": "3b1f-retry"}
    first = client.post("/api/v1/cases", data=case_form(), content_type="multipart/form-data", headers=headers)
    again = client.post("/api/v1/cases", data=case_form(), content_type="multipart/form-data", headers=headers)
    assert first.status_code == 201 and again.status_code == 200
    assert first.get_json()["case"]["id"] == again.get_json()["case"]["id"]
    assert _count_cases(app) == 1


def test_crash_leftovers_are_tidied(app, world, data_dir):
    """Are old staging folders and unreferenced blobs removed at start, and nothing young or referenced?"""
    import os
    import time

    from telemed import jobs

    case = _post(login_client(app, "doctor"), case_form()).get_json()["case"]
    kept = [data_dir / "blobs" / f["sha256"][:2] / f["sha256"] for f in case["recording"]["files"]]
    old = time.time() - 7200
    orphan = data_dir / "blobs" / "ab" / ("ab" + "0" * 62)
    orphan.parent.mkdir(exist_ok=True)
    orphan.write_bytes(b"left by a crash before the commit")
    young_orphan = data_dir / "blobs" / "ab" / ("ab" + "1" * 62)
    young_orphan.write_bytes(b"another process is committing it right now")
    stale, young = data_dir / "incoming" / "stale", data_dir / "incoming" / "young"
    stale.mkdir(), young.mkdir()
    for path in [orphan, stale, *kept]:
        os.utime(path, (old, old))
    assert jobs.tidy_storage(app) == {"staging": 1, "blobs": 1}
    assert not orphan.exists() and not stale.exists()
    assert young_orphan.exists() and young.exists() and all(p.exists() for p in kept)
