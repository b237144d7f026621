"""Bounded work for every input: rate, leads, samples and decoded size; CSV as a stream; only finite numbers."""
import math
import shutil
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
import wfdb

import ecgsignal
from ecgsignal import RecordError, read_header, read_record, verify_record
from ecgsignal import io as eio

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
EDF = FIXTURES / "mitdb_100_60s.edf"


def _edf(tmp_path, **fields):
    """The fixture EDF with header fields replaced: duration, n_records, or per-signal fields."""
    data = bytearray(EDF.read_bytes())
    if "duration" in fields:
        data[244:252] = fields["duration"].ljust(8)
    if "n_records" in fields:
        data[236:244] = fields["n_records"].ljust(8)
    ns = int(data[252:256])
    if "physical_min" in fields:
        off = 256 + ns * (16 + 80 + 8)
        data[off:off + 8] = fields["physical_min"].ljust(8)
    p = tmp_path / "x.edf"
    p.write_bytes(bytes(data))
    return p


def test_edf_declaring_gigahertz_is_refused(tmp_path):
    """Is an EDF whose data records last 0.000001 s (3.6 GHz) refused before analysis? (issue 10, point 1)"""
    p = _edf(tmp_path, duration=b"0.000001")
    with pytest.raises(RecordError, match=r"sampling rate of .*Hz, more than the 10000 Hz"):
        read_header(p)
    with pytest.raises(RecordError, match="sampling rate"):
        read_record(p)


@pytest.mark.parametrize("value", [b"nan", b"inf", b"-inf", b"1e999"])
def test_edf_non_finite_duration(tmp_path, value):
    """Are NaN and infinite record durations refused, so no Infinity reaches the JSON?"""
    with pytest.raises(RecordError, match="impossible"):
        read_header(_edf(tmp_path, duration=value))


@pytest.mark.parametrize("value", [b"nan", b"inf"])
def test_edf_non_finite_physical_range(tmp_path, value):
    """Is a non-finite physical minimum refused rather than turned into NaN/inf samples?"""
    with pytest.raises(RecordError, match="not a finite number"):
        read_header(_edf(tmp_path, physical_min=value))


def test_limits_are_overridable_by_keyword(tmp_path):
    """Can every limit be lowered per call, and is each checked before samples are allocated?"""
    hea = FIXTURES / "mitdb_100_60s.hea"
    with pytest.raises(RecordError, match="more than the 300 Hz"):
        read_header(hea, max_fs_hz=300)
    with pytest.raises(RecordError, match="at most 1 leads"):
        read_header(hea, max_leads=1)
    with pytest.raises(RecordError, match="samples per lead"):
        read_header(hea, max_samples=1000)
    with pytest.raises(RecordError, match="GiB"):
        read_record(hea, max_decoded_bytes=10_000)
    with pytest.raises(RecordError, match="more than the 300 Hz"):
        read_header(EDF, max_fs_hz=300)


def test_module_limits_are_defaults(monkeypatch):
    """Does lowering a module-level limit change the default for every call?"""
    monkeypatch.setattr(eio, "MAX_FS_HZ", 100.0)
    with pytest.raises(RecordError, match="more than the 100 Hz"):
        read_header(FIXTURES / "ludb" / "1.hea")


def test_wfdb_header_with_gigahertz_rate(tmp_path):
    """Is a WFDB header declaring 3.6 GHz refused?"""
    shutil.copy(FIXTURES / "mitdb_100_60s.dat", tmp_path / "mitdb_100_60s.dat")
    text = (FIXTURES / "mitdb_100_60s.hea").read_text().splitlines()
    first = text[0].split()
    first[2] = "3600000000"
    (tmp_path / "mitdb_100_60s.hea").write_text("\n".join([" ".join(first)] + text[1:]) + "\n")
    with pytest.raises(RecordError):
        read_header(tmp_path / "mitdb_100_60s.hea")


def test_too_slow_rate_is_refused(tmp_path):
    """Is a record sampled below the rate analysis needs refused with a plain message?"""
    (tmp_path / "s.csv").write_text("I\n" + "0.1\n" * 600)
    with pytest.raises(RecordError, match="too slowly"):
        read_header(tmp_path / "s.csv", fs=30)


def test_csv_lead_count_limit(tmp_path):
    """Is a CSV with thousands of columns refused before its rows are parsed?"""
    p = tmp_path / "w.csv"
    p.write_text(",".join(f"c{k}" for k in range(2000)) + "\n" + ",".join("0" for _ in range(2000)) + "\n")
    with pytest.raises(RecordError, match="at most 64 leads"):
        read_header(p, fs=500)


def test_csv_row_limit(tmp_path):
    """Is a CSV with more rows than the sample limit refused without parsing it all?"""
    p = tmp_path / "long.csv"
    p.write_text("I,II\n" + "0.1,0.2\n" * 5000)
    with pytest.raises(RecordError, match="more than 1000 rows"):
        read_header(p, fs=500, max_samples=1000)


def test_csv_is_parsed_as_a_stream(tmp_path):
    """Does a 32 MB CSV cost about its decoded size, not hundreds of MB? (issue 10, point 6)"""
    rng = np.random.default_rng(0)
    p = tmp_path / "big.csv"
    rows = 400_000  # ~ 32 MB: 12 leads x 400,000 rows
    with open(p, "w") as f:
        f.write(",".join(["I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6"]) + "\n")
        block = rng.normal(size=(10_000, 12))
        line = "\n".join(",".join(f"{v:.3f}" for v in r) for r in block) + "\n"
        for _ in range(rows // 10_000):
            f.write(line)
    size_mb = p.stat().st_size / 2**20
    assert 25 < size_mb < 40
    tracemalloc.start()
    try:
        rec = read_record(p, fs=500)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert rec.signal_mv.shape == (rows, 12)
    decoded_mb = rows * 12 * 8 / 2**20  # float64 while parsing
    assert peak / 2**20 < 2.5 * decoded_mb + 20, f"peak {peak / 2**20:.0f} MB for a {size_mb:.0f} MB CSV"


def test_csv_bad_row_reported_from_stream(tmp_path):
    """Is the first bad row still named when parsing streams?"""
    p = tmp_path / "e.csv"
    p.write_text("I,II\n" + "0.1,0.2\n" * 100 + "0.1,oops\n")
    with pytest.raises(RecordError, match="Row 102 of e.csv has text where a number was expected: 'oops'"):
        read_header(p, fs=500)


def test_info_numbers_are_finite():
    """Are fs, duration and sample counts finite for every format we read?"""
    names = ["mitdb_100_60s.hea", "mitdb_100_60s.edf", "ludb/1.hea", "devices/contec_like.scp",
             "devices/ecg_12lead.dcm", "devices/holter_3lead.ecg"]
    for name in names:
        info = read_header(FIXTURES / name)
        assert all(math.isfinite(v) for v in (info.fs, info.duration_s, info.n_samples)), name


def test_verify_record_reads_every_window(tmp_path):
    """Does verify_record decode the whole record in windows and refuse a lead with no data?"""
    info = verify_record(FIXTURES / "mitdb_100_60s.hea", window_samples=5000)
    assert info.n_samples == 21600
    x = np.column_stack([np.sin(np.arange(7200) / 20.0), np.full(7200, np.nan)])
    wfdb.wrsamp("r", fs=360, units=["mV", "mV"], sig_name=["I", "II"], p_signal=x, fmt=["16", "16"],
                adc_gain=[200.0, 200.0], baseline=[0, 0], write_dir=str(tmp_path))
    with pytest.raises(RecordError, match="lead II contains no valid samples"):
        verify_record(tmp_path / "r.hea", window_samples=1000)


def test_multi_segment_record(tmp_path):
    """Is a valid multi-segment WFDB record read whole and identical to its source?"""
    x = wfdb.rdrecord(str(FIXTURES / "mitdb_100_60s")).p_signal
    for k, (a, b) in enumerate([(0, 7200), (7200, 21600)]):
        wfdb.wrsamp(f"ms_{k + 1}", fs=360, units=["mV", "mV"], sig_name=["MLII", "V5"], p_signal=x[a:b],
                    fmt=["16", "16"], adc_gain=[200.0, 200.0], baseline=[0, 0], write_dir=str(tmp_path))
    (tmp_path / "ms.hea").write_text("ms/2 2 360 21600\nms_1 7200\nms_2 14400\n")
    rec = read_record(tmp_path / "ms.hea")
    np.testing.assert_allclose(rec.signal_mv, x, atol=0.006)
    assert verify_record(tmp_path / "ms.hea", window_samples=5000).n_samples == 21600


@pytest.mark.parametrize("name", ["contec_like.scp", "ecg_12lead.dcm", "holter_3lead.ecg", "sierra_xli.xml"])
@pytest.mark.parametrize("seed", range(8))
def test_bit_flips_never_escape_as_library_errors(tmp_path, name, seed):
    """Do random bit flips in a cart file give a Record or a RecordError, never another exception?"""
    rng = np.random.default_rng(seed)
    data = bytearray((FIXTURES / "devices" / name).read_bytes())
    for k in rng.integers(0, len(data), size=8):
        data[k] ^= 1 << int(rng.integers(0, 8))
    p = tmp_path / name
    p.write_bytes(bytes(data))
    try:
        rec = read_record(p)
    except RecordError as exc:
        assert exc.message and "Traceback" not in exc.message
    else:
        assert math.isfinite(rec.fs) and rec.signal_mv.dtype == np.float32
        ecgsignal.check_fitness(rec)
