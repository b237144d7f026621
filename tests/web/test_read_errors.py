"""The reader's errors of ecgsignal (RecordError) reach the doctor in the doctor's language."""
import io
import re

import pytest

from tests.factories import FIXTURES, case_form
from tests.web.helpers import login_client

CJK = re.compile(r"[\u4e00-\u9fff]")
HEA = (FIXTURES / "mitdb_100_60s.hea").read_bytes()
DAT = (FIXTURES / "mitdb_100_60s.dat").read_bytes()
# Words a Chinese error may keep in Latin letters: format names, units, extensions, lead names.
LATIN_OK = {"WFDB", "EDF", "BDF", "CSV", "SCP", "ECG", "HL", "aECG", "DICOM", "GE", "MUSE", "XML", "Sierra",
            "PageWriter", "MFER", "ISHNE", "PDF", "Hz", "MB", "GiB", "hea", "dat", "mat", "edf", "bdf", "csv",
            "scp", "dcm", "I", "II", "V"}

BROKEN = {
    # name: (files, sampling rate, code, the file names the message may quote, its English words)
    "hea without dat": ([("mitdb_100_60s.hea", HEA)], None, "unreadable_recording", ["mitdb_100_60s.hea", "mitdb_100_60s.dat"],
                        "The header file mitdb_100_60s.hea refers to mitdb_100_60s.dat, which was not uploaded."),
    "truncated dat": ([("mitdb_100_60s.hea", HEA), ("mitdb_100_60s.dat", DAT[: len(DAT) // 3])], None,
                      "unreadable_recording", ["mitdb_100_60s.dat"],
                      "The file mitdb_100_60s.dat is shorter than its header says: it holds 20.0 s of the 60.0 s declared."),
    "csv with text": ([("ecg.csv", b"I,II\n0.1,0.2\n0.1,abc\n0.3,0.1\n")], "500", "unreadable_recording",
                      ["ecg.csv", "abc"], "Row 3 of ecg.csv has text where a number was expected: 'abc' in column II."),
    "dat without hea": ([("mitdb_100_60s.dat", DAT)], None, "unsupported_format",
                        ["mitdb_100_60s.dat", "mitdb_100_60s.hea"],
                        "The signal file mitdb_100_60s.dat needs its header file mitdb_100_60s.hea, which was not uploaded."),
    "a printout": ([("ecg.pdf", b"%PDF-1.4 a printout")], None, "unsupported_format", ["ecg.pdf"],
                   ("ecg.pdf is a PDF document (probably a printout of the ECG), not an ECG recording we can read. "
                    "Please export the recording from the ECG cart as SCP-ECG")),
}


def _upload(client, files, fs, language):
    data = {"patient_ref": "P-1", "age": "50", "sex": "F", "files": [(io.BytesIO(c), n) for n, c in files]}
    if fs:
        data["sampling_rate_hz"] = fs
    return client.post("/api/v1/cases", data=data, content_type="multipart/form-data",
                       headers={"Accept-Language": language})


def _latin_words(text, names):
    for name in names:
        text = text.replace(name, "")
    return set(re.findall(r"[A-Za-z]+", text)) - LATIN_OK


@pytest.mark.parametrize("name", BROKEN)
def test_unreadable_upload_is_explained_in_chinese(app, world, name):
    """Does a doctor reading Chinese get the whole read error in Chinese, with no English sentence inside?"""
    files, fs, _code, names, _english = BROKEN[name]
    response = _upload(login_client(app, "doctor"), files, fs, "zh-CN")
    body = response.get_json()
    assert response.status_code in (400, 415), body
    error = body["error"]
    assert CJK.search(error) and error.startswith("无法读取该文件："), error
    assert not _latin_words(error, names), error
    assert "%(" not in error


@pytest.mark.parametrize("name", BROKEN)
def test_unreadable_upload_is_explained_in_english(app, world, name):
    """Does a doctor reading English get the reader's English sentence, with its file names and numbers?"""
    files, fs, code, _names, english = BROKEN[name]
    response = _upload(login_client(app, "doctor"), files, fs, "en")
    body = response.get_json()
    assert body["error"].startswith("This file cannot be read: ") and english in body["error"], body
    assert body["code"] == code
    assert not CJK.search(body["error"])


def test_failed_analysis_shows_the_read_error_in_each_readers_language(app, world, monkeypatch):
    """Is a read error met during analysis stored once and shown in Chinese and in English?"""
    import ecgsignal
    from ecgsignal.types import N_

    app.config["ANALYSIS_MODE"] = "deferred"
    doctor = login_client(app, "doctor")
    case = doctor.post("/api/v1/cases", data=case_form(), content_type="multipart/form-data").get_json()["case"]

    def unreadable(path, **_kwargs):
        raise ecgsignal.RecordError(N_("The file %(name)s is empty (0 bytes). Please upload it again."),
                                    name="mitdb_100_60s.dat")

    monkeypatch.setattr(ecgsignal, "read_record", unreadable)
    from telemed.services.analysis import analyze_case

    with app.app_context():
        analyze_case(case["id"])
    body = doctor.get(f"/api/v1/cases/{case['id']}", headers={"Accept-Language": "en"}).get_json()["case"]
    assert body["status"] == "analysis_failed"
    assert body["failure_reason"] == "The file mitdb_100_60s.dat is empty (0 bytes). Please upload it again."
    assert body["failure_detail"]["params"] == {"name": "mitdb_100_60s.dat"}
    zh = doctor.get(f"/cases/{case['id']}", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "文件 mitdb_100_60s.dat 是空的（0 字节）。请重新上传。" in zh
    en = doctor.get(f"/cases/{case['id']}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "The file mitdb_100_60s.dat is empty (0 bytes). Please upload it again." in en
