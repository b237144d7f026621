"""Cart formats accepted by content; bounded work for hostile uploads (zip bombs, traversal, lying rates)."""
import gc
import io
import time
import warnings
import zipfile

import numpy as np
import pytest
import sqlalchemy as sa

from tests.conftest import stored_files
from tests.factories import FIXTURES
from tests.web.helpers import login_client

DEVICES = FIXTURES / "devices"


def _post(client, data):
    return client.post("/api/v1/cases", data=data, content_type="multipart/form-data")


def _form(*pairs, **fields):
    data = {"patient_ref": "P-INTAKE", "age": "60", "sex": "F"}
    data.update(fields)
    data["files"] = [(io.BytesIO(content), name) for name, content in pairs]
    return data


def _count_cases(app):
    from telemed.extensions import db
    from telemed.models import Case

    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Case))


def _assert_refused(app, data_dir, response, status, words):
    body = response.get_json()
    assert response.status_code == status, body
    assert words.lower() in body["error"].lower(), body["error"]
    assert "Traceback" not in body["error"]
    assert _count_cases(app) == 0
    assert stored_files(data_dir) == []
    assert list((data_dir / "incoming").iterdir()) == []


@pytest.mark.parametrize("name, upload_as, family, leads, fs", [
    ("contec_like.scp", "ECG_0001.SCP", "scp", 12, 500),
    ("aecg_250hz.xml", "export.xml", "aecg", 12, 250),
    ("ecg_12lead.dcm", "1.2.3.4", "dicom", 12, 500),
    ("muse_8lead.xml", "muse.xml", "muse", 12, 500),
    ("sierra_xli.xml", "PW.XML", "sierra", 12, 500),
    ("ecg_12lead.mwf", "ecg.mwf", "mfer", 12, 500),
    ("holter_3lead.ecg", "holter.ecg", "ishne", 3, 250),
])
def test_cart_formats_are_analysed(app, world, name, upload_as, family, leads, fs):
    """Is each cart format accepted by content, whatever its name, and analysed?"""
    data = _form((upload_as, (DEVICES / name).read_bytes()))
    response = _post(login_client(app, "doctor"), data)
    assert response.status_code == 201, response.get_json()
    case = response.get_json()["case"]
    assert case["recording"]["format"] == family
    assert case["recording"]["fs"] == fs and len(case["recording"]["leads"]) == leads
    assert case["status"] == "awaiting_review"


def test_cart_format_inside_zip(app, world):
    """Is a cart file inside a zip accepted?"""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(DEVICES / "ecg_12lead.dcm", "export/ECG.DCM")
    response = _post(login_client(app, "doctor"), _form(("ecg.zip", buffer.getvalue())))
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["case"]["recording"]["format"] == "dicom"


def test_multi_segment_wfdb_is_accepted(app, world, tmp_path):
    """Is a valid multi-segment WFDB record (master header, segment headers and data) accepted?"""
    import wfdb

    tmp_path = tmp_path / "record"
    tmp_path.mkdir()
    x = wfdb.rdrecord(str(FIXTURES / "mitdb_100_60s")).p_signal
    for k, (a, b) in enumerate([(0, 7200), (7200, 21600)]):
        wfdb.wrsamp(f"ms_{k + 1}", fs=360, units=["mV", "mV"], sig_name=["MLII", "V5"], p_signal=x[a:b],
                    fmt=["16", "16"], adc_gain=[200.0, 200.0], baseline=[0, 0], write_dir=str(tmp_path))
    (tmp_path / "ms.hea").write_text("ms/2 2 360 21600\nms_1 7200\nms_2 14400\n")
    pairs = [(p.name, p.read_bytes()) for p in sorted(tmp_path.iterdir())]
    response = _post(login_client(app, "doctor"), _form(*pairs))
    assert response.status_code == 201, response.get_json()
    rec = response.get_json()["case"]["recording"]
    assert rec["duration_s"] == 60.0 and {f["name"] for f in rec["files"]} == {n for n, _ in pairs}


def _edf_with_record_duration(duration_field: bytes) -> bytes:
    data = bytearray((FIXTURES / "mitdb_100_60s.edf").read_bytes())
    data[244:252] = duration_field.ljust(8)
    return bytes(data)


def _zip(entries, compression=zipfile.ZIP_STORED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as zf:
        for name, content in entries:
            zf.writestr(name, content)
    return buffer.getvalue()


def _corrupt_deflate_zip() -> bytes:
    """A zip whose deflated entry is garbage (zlib raises while reading)."""
    data = bytearray(_zip([("ecg.csv", b"I,II\n" + b"0.1,0.2\n" * 2000)], zipfile.ZIP_DEFLATED))
    start = 30 + len("ecg.csv")
    for k in range(start + 2, start + 40):
        data[k] ^= 0xA5
    return bytes(data)


def _corrupt_lzma_zip() -> bytes:
    data = bytearray(_zip([("ecg.csv", b"I,II\n" + b"0.1,0.2\n" * 2000)], zipfile.ZIP_LZMA))
    start = 30 + len("ecg.csv")
    for k in range(start + 4, start + 40):
        data[k] ^= 0x5A
    return bytes(data)


HOSTILE = {
    # issue 10 point 1: 3.6 GHz EDF (data records of 0.000001 s) must be refused, not analysed
    "EDF at 3.6 GHz": (lambda: [("x.edf", _edf_with_record_duration(b"0.000001"))], 400, "sampling rate"),
    "EDF with NaN duration": (lambda: [("x.edf", _edf_with_record_duration(b"nan"))], 400, "impossible"),
    "EDF with infinite duration": (lambda: [("x.edf", _edf_with_record_duration(b"inf"))], 400, "impossible"),
    "zip traversal name": (lambda: [("a.zip", _zip([("../../etc/ecg.csv", b"I\n1\n")]))], 400, "unsafe path"),
    "zip absolute name": (lambda: [("a.zip", _zip([("/tmp/ecg.csv", b"I\n1\n")]))], 400, "unsafe path"),
    "zip bomb": (lambda: [("a.zip", _zip([("ecg.csv", b"0" * (8 << 20))], zipfile.ZIP_DEFLATED))], 400,
                 "not an ordinary zip"),
    "corrupt deflate entry": (lambda: [("a.zip", _corrupt_deflate_zip())], 400, "damaged"),
    "corrupt lzma entry": (lambda: [("a.zip", _corrupt_lzma_zip())], 400, "damaged"),
    "truncated SCP": (lambda: [("e.scp", (DEVICES / "contec_like.scp").read_bytes()[:9000])], 400,
                      "could not be decoded"),
    "SCP with wrong CRC": (lambda: [("e.scp", bytes(b ^ (0x5A if i == 300 else 0) for i, b in
                                                    enumerate((DEVICES / "contec_like.scp").read_bytes())))],
                           400, "damaged"),
    "truncated ISHNE": (lambda: [("h.ecg", (DEVICES / "holter_3lead.ecg").read_bytes()[:5000])], 400, "shorter"),
    "PDF printout": (lambda: [("ecg.pdf", b"%PDF-1.7\n" + b"x" * 500)], 415, "printout"),
    "XML of another kind": (lambda: [("x.xml", b"<?xml version='1.0'?><order><id>1</id></order>")], 415,
                            "not one of the ECG XML formats"),
    "CSV with too many columns": (lambda: [("w.csv", (",".join(f"c{k}" for k in range(2000)) + "\n"
                                                       + ",".join("0" for _ in range(2000)) + "\n").encode())],
                                  400, "at most"),
    "lead with no data": (lambda: [("n.csv", b"I,II\n" + b"0.1,nan\n" * 6000)], 400, "no valid samples"),
    "rate too slow": (lambda: [("s.csv", b"I,II\n" + b"0.1,0.2\n" * 600)], 400, "too slowly"),
}


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_upload_is_refused_cleanly(app, world, data_dir, name):
    """Does each hostile or broken upload get a clear 4xx (never a 500), leaving nothing behind?"""
    make, status, words = HOSTILE[name]
    rate = "55" if name == "rate too slow" else "500"
    response = _post(login_client(app, "doctor"), _form(*make(), sampling_rate_hz=rate))
    _assert_refused(app, data_dir, response, status, words)


def test_many_entry_zip_is_refused_before_extraction(app, world, data_dir):
    """Is a zip of 20,000 one-byte entries refused from its central directory, quickly?"""
    payload = _zip([(f"f{k}.csv", b"1") for k in range(20_000)])
    client = login_client(app, "doctor")
    with warnings.catch_warnings():
        # werkzeug's test client spools a body over 500 kB to a temporary file that lives as
        # long as the response; drop both here so the file is not reported in a later test
        warnings.simplefilter("ignore", ResourceWarning)
        t0 = time.perf_counter()
        response = _post(client, _form(("many.zip", payload)))
        elapsed = time.perf_counter() - t0
        status, body = response.status_code, response.get_json()
        del response
        gc.collect()
    assert status == 400 and "entries" in body["error"], body
    assert _count_cases(app) == 0 and stored_files(data_dir) == []
    assert list((data_dir / "incoming").iterdir()) == []
    assert elapsed < 5.0, elapsed  # was 33 s when each entry was staged and fsynced first (issue 10)


def test_upload_reads_the_whole_record(app, world, data_dir, tmp_path):
    """Is damaged sample data far into a record (a lead empty throughout) refused at upload?"""
    import wfdb

    tmp_path = tmp_path / "record"
    tmp_path.mkdir()
    x = np.column_stack([np.sin(np.arange(7200) / 20.0), np.full(7200, np.nan)])
    wfdb.wrsamp("r", fs=360, units=["mV", "mV"], sig_name=["I", "II"], p_signal=x, fmt=["16", "16"],
                adc_gain=[200.0, 200.0], baseline=[0, 0], write_dir=str(tmp_path))
    pairs = [(p.name, p.read_bytes()) for p in sorted(tmp_path.iterdir())]
    response = _post(login_client(app, "doctor"), _form(*pairs))
    _assert_refused(app, data_dir, response, 400, "no valid samples")


SHARED = FIXTURES.parents[2] / "shared" / "data" / "devices"


@pytest.mark.skipif(not SHARED.is_dir(), reason="shared device examples not present")
@pytest.mark.parametrize("name, family", [
    ("Example.scp", "scp"), ("Example_aECG.xml", "aecg"), ("muse_example1.xml", "muse"),
    ("sierra_1_03.xml", "sierra"), ("sierra_1_04.xml", "sierra"), ("waveform_ecg.dcm", "dicom")])
def test_real_device_files_are_analysed(app, world, name, family):
    """Are the real device example files accepted through the API and analysed?"""
    if not (SHARED / name).exists():
        pytest.skip(f"{name} not present")
    response = _post(login_client(app, "doctor"), _form((name, (SHARED / name).read_bytes())))
    assert response.status_code == 201, response.get_json()
    case = response.get_json()["case"]
    assert case["recording"]["format"] == family and case["status"] == "awaiting_review"
