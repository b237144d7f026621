"""Tests of ecgsignal.io: every fixture format, windows, headers, and helpful errors for bad uploads."""
import datetime as dt
import shutil
from pathlib import Path

import numpy as np
import pytest
import wfdb

from ecgsignal import RecordError, UnsupportedFormat, read_header, read_record

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"

RECORDS = [
    ("mitdb_100_60s.hea", 360.0, 2, 21600),
    ("mitdb_119_60s.hea", 360.0, 2, 21600),
    ("mitdb_100_60s.edf", 360.0, 2, 21600),
    ("cinc2017/A00004.hea", 300.0, 1, 9000),
    ("cinc2017/A00001.hea", 300.0, 1, 9000),
    ("ludb/1.hea", 500.0, 12, 5000),
    ("ptbxl/00001_hr.hea", 500.0, 12, 5000),
    ("ptbxl/00180_hr.hea", 500.0, 12, 5000),
]


def copy(tmp_path, *names):
    for n in names:
        shutil.copy(FIXTURES / n, tmp_path / Path(n).name)
    return tmp_path


@pytest.mark.parametrize("name, fs, n_leads, n_samples", RECORDS)
def test_fixture_reads_as_float32_mv(name, fs, n_leads, n_samples):
    """Does every fixture format read into a float32 millivolt Record of the declared shape?"""
    rec = read_record(FIXTURES / name)
    assert rec.signal_mv.dtype == np.float32
    assert rec.signal_mv.shape == (n_samples, n_leads)
    assert rec.fs == fs
    assert len(rec.lead_names) == n_leads
    assert np.isfinite(rec.signal_mv).all()
    # ECG in mV: QRS amplitudes of a few mV, not ADC counts or microvolts.
    ptp = np.ptp(rec.signal_mv, axis=0)
    assert np.all(ptp > 0.2) and np.all(ptp < 20)


@pytest.mark.parametrize("name, fs, n_leads, n_samples", RECORDS)
def test_header_agrees_with_record(name, fs, n_leads, n_samples):
    """Does read_header describe exactly what read_record returns?"""
    info = read_header(FIXTURES / name)
    rec = read_record(FIXTURES / name)
    assert info.fs == rec.fs
    assert info.lead_names == rec.lead_names
    assert info.n_samples == rec.n_samples
    assert info.duration_s == pytest.approx(rec.duration_s)
    assert info.start_time == rec.start_time
    assert info.file_names[0] == Path(name).name
    assert info.format_name


def test_header_lists_every_file():
    """Does read_header name the header and the signal file the web app must keep?"""
    info = read_header(FIXTURES / "mitdb_100_60s.hea")
    assert info.file_names == ("mitdb_100_60s.hea", "mitdb_100_60s.dat")
    assert "212" in info.format_name


def test_edf_matches_wfdb():
    """Does the EDF copy of record 100 give the same millivolts as the WFDB original?"""
    a = read_record(FIXTURES / "mitdb_100_60s.hea")
    b = read_record(FIXTURES / "mitdb_100_60s.edf")
    assert b.lead_names == a.lead_names
    np.testing.assert_allclose(b.signal_mv, a.signal_mv, atol=0.006)


def test_start_time_from_header():
    """Is the clock time of the first sample taken from the WFDB header?"""
    rec = read_record(FIXTURES / "cinc2017/A00004.hea")
    assert rec.start_time == dt.datetime(2000, 5, 1, 11, 5, 48)


@pytest.mark.parametrize("name", ["mitdb_100_60s.hea", "mitdb_100_60s.edf"])
def test_window_equals_slice_of_whole(name):
    """Is a window read identical to the same slice of the whole record?"""
    whole = read_record(FIXTURES / name)
    part = read_record(FIXTURES / name, start_sample=1234, stop_sample=5678)
    np.testing.assert_array_equal(part.signal_mv, whole.signal_mv[1234:5678])


def test_window_past_end_is_clipped():
    """Does a window running past the end stop at the last sample?"""
    rec = read_record(FIXTURES / "mitdb_100_60s.hea", start_sample=21000, stop_sample=10**9)
    assert rec.n_samples == 600


def test_window_start_time_moves():
    """Does the start time of a window follow its first sample?"""
    rec = read_record(FIXTURES / "cinc2017/A00004.hea", start_sample=3000)
    assert rec.start_time == dt.datetime(2000, 5, 1, 11, 5, 58)


def test_dat_path_finds_its_header():
    """Can the web app pass the .dat file and still get the record?"""
    rec = read_record(FIXTURES / "mitdb_100_60s.dat")
    assert rec.lead_names == ("MLII", "V5")


def test_wfdb_uv_units_converted(tmp_path):
    """Is a WFDB record stored in microvolts converted to millivolts?"""
    x = np.sin(np.linspace(0, 20, 2000))[:, None] * 1000.0  # 1000 uV = 1 mV
    wfdb.wrsamp("uvrec", fs=250, units=["uV"], sig_name=["II"], p_signal=x, fmt=["16"],
                adc_gain=[10.0], baseline=[0], write_dir=str(tmp_path))
    rec = read_record(tmp_path / "uvrec.hea")
    assert np.abs(rec.signal_mv).max() == pytest.approx(1.0, abs=0.01)


def test_multisegment_record(tmp_path):
    """Is a multi-segment WFDB record read as one continuous record?"""
    src = read_record(FIXTURES / "mitdb_100_60s.hea")
    halves = [src.signal_mv[:10800].astype(float), src.signal_mv[10800:].astype(float)]
    for k, h in enumerate(halves):
        wfdb.wrsamp(f"seg{k}", fs=360, units=["mV", "mV"], sig_name=list(src.lead_names), p_signal=h,
                    fmt=["16", "16"], adc_gain=[200.0, 200.0], baseline=[0, 0], write_dir=str(tmp_path))
    (tmp_path / "multi.hea").write_text("multi/2 2 360 21600\nseg0 10800\nseg1 10800\n")
    info = read_header(tmp_path / "multi.hea")
    assert info.n_samples == 21600 and set(info.file_names) >= {"multi.hea", "seg0.hea", "seg1.dat"}
    rec = read_record(tmp_path / "multi.hea")
    np.testing.assert_allclose(rec.signal_mv, src.signal_mv, atol=0.006)


def test_csv_with_time_column(tmp_path):
    """Is a CSV read with its lead names, its time column dropped and fs taken from it?"""
    t = np.arange(1000) / 250.0
    x = np.c_[t, np.sin(t), 0.5 * np.cos(t)]
    p = tmp_path / "ecg.csv"
    np.savetxt(p, x, delimiter=",", header="time,I,II", comments="", fmt="%.6f")
    info = read_header(p)
    rec = read_record(p)
    assert info.fs == pytest.approx(250.0) and rec.lead_names == ("I", "II")
    np.testing.assert_allclose(rec.signal_mv[:, 1], 0.5 * np.cos(t), atol=1e-5)


def test_csv_with_given_fs_and_uv_column(tmp_path):
    """Does a CSV column marked (uV) come back in millivolts, at the given fs?"""
    p = tmp_path / "ecg.csv"
    p.write_text("V1 (uV);V2\n" + "".join(f"{1000 * k};{k}\n" for k in range(10)))
    rec = read_record(p, fs=500)
    assert rec.lead_names == ("V1", "V2") and rec.fs == 500.0
    np.testing.assert_allclose(rec.signal_mv[:, 0], rec.signal_mv[:, 1])


# --- bad input ---------------------------------------------------------------

def test_truncated_dat(tmp_path):
    """Is a cut-off .dat reported with how much of the declared duration it holds?"""
    d = copy(tmp_path, "mitdb_100_60s.hea", "mitdb_100_60s.dat")
    raw = (d / "mitdb_100_60s.dat").read_bytes()
    (d / "mitdb_100_60s.dat").write_bytes(raw[: len(raw) // 5])
    with pytest.raises(RecordError, match=r"shorter than its header says.*12\.0 s of the 60\.0 s") as e:
        read_header(d / "mitdb_100_60s.hea")
    assert "upload it again" in e.value.message
    with pytest.raises(RecordError, match="shorter"):
        read_record(d / "mitdb_100_60s.hea")


def test_missing_dat(tmp_path):
    """Does a header without its .dat name the missing file?"""
    d = copy(tmp_path, "mitdb_100_60s.hea")
    with pytest.raises(RecordError, match="refers to mitdb_100_60s.dat, which was not uploaded"):
        read_header(d / "mitdb_100_60s.hea")


def test_header_declaring_huge_length(tmp_path):
    """Is a header claiming billions of samples an error, not a huge allocation?"""
    d = copy(tmp_path, "mitdb_100_60s.hea", "mitdb_100_60s.dat")
    h = (d / "mitdb_100_60s.hea").read_text().replace("2 360 21600", "2 360 9000000000")
    (d / "mitdb_100_60s.hea").write_text(h)
    with pytest.raises(RecordError, match="shorter than its header says"):
        read_record(d / "mitdb_100_60s.hea")


@pytest.mark.parametrize("name", ["mitdb_100_60s.hea", "ecg.csv", "rec.edf"])
def test_empty_file(tmp_path, name):
    """Is an empty upload of any type reported as empty?"""
    (tmp_path / name).write_bytes(b"")
    with pytest.raises(RecordError, match="empty"):
        read_header(tmp_path / name)


@pytest.mark.parametrize("text", [
    "this is not a header\n",
    "rec 2 abc 100\nrec.dat 16 200 12 0 0 0 0 I\n",
    "\x89PNG garbage \x00\x01\x02",
])
def test_garbage_header(tmp_path, text):
    """Is a malformed header a RecordError that names the header file?"""
    (tmp_path / "rec.hea").write_bytes(text.encode("latin-1"))
    (tmp_path / "rec.dat").write_bytes(b"\x00" * 400)
    with pytest.raises(RecordError, match="rec.hea"):
        read_record(tmp_path / "rec.hea")


def test_csv_with_text(tmp_path):
    """Does a CSV with a word among the numbers name the row, the value and the column?"""
    p = tmp_path / "ecg.csv"
    rows = ["I,II,V1"] + [f"{k},{k},{k}" for k in range(12)] + ["0.1,0.2,abc"] + ["1,2,3"] * 5
    p.write_text("\n".join(rows) + "\n")
    with pytest.raises(RecordError) as e:
        read_record(p, fs=500)
    assert e.value.message == "Row 14 of ecg.csv has text where a number was expected: 'abc' in column V1."


def test_csv_ragged(tmp_path):
    """Is a row with a missing column reported by number?"""
    p = tmp_path / "ecg.csv"
    p.write_text("I,II\n1,2\n3\n5,6\n")
    with pytest.raises(RecordError, match="Row 3 of ecg.csv has 1 values but the header names 2"):
        read_header(p, fs=250)


def test_csv_without_header(tmp_path):
    """Is a CSV with numbers in its first line asked for a header row?"""
    p = tmp_path / "ecg.csv"
    p.write_text("1,2\n3,4\n")
    with pytest.raises(RecordError, match="no header row"):
        read_record(p, fs=250)


def test_csv_without_fs(tmp_path):
    """Is a CSV without a sampling rate an error asking for it?"""
    p = tmp_path / "ecg.csv"
    p.write_text("I,II\n1,2\n3,4\n")
    with pytest.raises(RecordError, match="sampling rate"):
        read_record(p)


def test_nan_only_lead(tmp_path):
    """Is a lead without a single valid sample reported by name?"""
    p = tmp_path / "ecg.csv"
    p.write_text("I,II\n" + "".join(f"{k},nan\n" for k in range(50)))
    with pytest.raises(RecordError, match="lead II contains no valid samples"):
        read_record(p, fs=250)


def test_truncated_edf(tmp_path):
    """Is a cut-off EDF reported as shorter than its header says?"""
    raw = (FIXTURES / "mitdb_100_60s.edf").read_bytes()
    (tmp_path / "cut.edf").write_bytes(raw[: len(raw) // 2])
    with pytest.raises(RecordError, match="cut.edf is shorter than its header says"):
        read_header(tmp_path / "cut.edf")


def test_garbage_edf(tmp_path):
    """Is a non-EDF file with an .edf name a RecordError?"""
    (tmp_path / "x.edf").write_bytes(b"%PDF-1.4 " + b"x" * 600)
    with pytest.raises(RecordError, match="x.edf"):
        read_record(tmp_path / "x.edf")


@pytest.mark.parametrize("name", ["scan.pdf", "ecg.xml", "photo.jpg", "noext"])
def test_unsupported_format_lists_accepted(tmp_path, name):
    """Does an unsupported file type say which formats are accepted?"""
    (tmp_path / name).write_bytes(b"something")
    with pytest.raises(UnsupportedFormat, match="We accept WFDB") as e:
        read_header(tmp_path / name)
    assert isinstance(e.value, RecordError) and "EDF" in e.value.message and "CSV" in e.value.message


def test_annotation_file_is_not_a_record():
    """Is an uploaded .atr file recognised as annotations, not a recording?"""
    with pytest.raises(UnsupportedFormat, match="annotation file"):
        read_record(FIXTURES / "mitdb_100_60s.atr")


def test_window_outside_record():
    """Is a window beyond the end an error rather than an empty record?"""
    with pytest.raises(RecordError, match="outside the recording"):
        read_record(FIXTURES / "mitdb_100_60s.hea", start_sample=10**7)


def test_missing_file():
    """Is a path that does not exist a RecordError?"""
    with pytest.raises(RecordError, match="not found"):
        read_header(FIXTURES / "nope.hea")


def test_header_cannot_point_outside_its_folder(tmp_path):
    """Is a header naming a signal file in another folder refused?"""
    d = copy(tmp_path, "mitdb_100_60s.hea", "mitdb_100_60s.dat")
    h = (d / "mitdb_100_60s.hea").read_text().replace("mitdb_100_60s.dat", "../mitdb_100_60s.dat")
    (d / "mitdb_100_60s.hea").write_text(h)
    with pytest.raises(RecordError, match="mitdb_100_60s.hea"):
        read_header(d / "mitdb_100_60s.hea")


def test_wfdb_header_without_fs_takes_given_fs(tmp_path):
    """Is the given fs used when a WFDB header omits the sampling frequency?"""
    x = np.sin(np.arange(3600) / 10.0)[:, None]
    wfdb.wrsamp("r", fs=360, units=["mV"], sig_name=["I"], p_signal=x, fmt=["16"], adc_gain=[200.0],
                baseline=[0], write_dir=str(tmp_path))
    lines = (tmp_path / "r.hea").read_text().splitlines()
    lines[0] = " ".join(lines[0].split()[:2])
    (tmp_path / "r.hea").write_text("\n".join(lines) + "\n")
    assert read_header(tmp_path / "r.hea", fs=360).fs == 360.0
    info = read_header(tmp_path / "r.hea")
    assert info.fs == 250.0 and info.n_samples == 3600  # WFDB default rate; length from the file size
