"""Tests of ecgsignal.analyze on real fixtures and of its JSON contract and command line."""
import json
from pathlib import Path

import numpy as np
import pytest
import wfdb

from ecgsignal import ALGORITHM_VERSION, analyze, read_record
from ecgsignal.__main__ import main
from ecgsignal.types import Record

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
BEAT_SYMBOLS = set("NLRBAaJSVrFejnE/fQ?")
SEVERITIES = {"critical", "urgent", "routine"}


@pytest.fixture(scope="module")
def a100():
    return analyze(read_record(FIXTURES / "mitdb_100_60s.hea"))


def test_mitdb_100_heart_rate_matches_reference(a100):
    """Is the heart rate of MIT-BIH 100 within 2/min of the cardiologists' beat annotations?"""
    ann = wfdb.rdann(str(FIXTURES / "mitdb_100_60s"), "atr")
    r = np.array([s for s, sym in zip(ann.sample, ann.symbol) if sym in BEAT_SYMBOLS])
    ref_bpm = 60.0 / np.mean(np.diff(r) / 360.0)
    assert a100.heart_rate_bpm == pytest.approx(ref_bpm, abs=2.0)
    assert a100.priority == "routine"
    assert not [f for f in a100.findings if f.code in ("BRADY", "TACHY", "PAUSE", "AF", "VF", "AVB_HIGH")]


def test_af_found_on_cinc_a00004():
    """Is atrial fibrillation found on CinC 2017 A00004 (reference: AF), covering most of it?"""
    a = analyze(read_record(FIXTURES / "cinc2017/A00004.hea"))
    af = [f for f in a.findings if f.code == "AF"]
    assert len(af) == 1
    assert af[0].end_s - af[0].start_s > 0.7 * a.duration_s
    assert a.priority in ("urgent", "critical")


def test_no_af_on_cinc_a00001():
    """Is the normal rhythm of CinC 2017 A00001 free of AF?"""
    a = analyze(read_record(FIXTURES / "cinc2017/A00001.hea"))
    assert "AF" not in [f.code for f in a.findings]
    assert a.priority == "routine"


def test_no_af_on_trigeminy_119():
    """Is the ventricular bigeminy/trigeminy of MIT-BIH 119 not called AF?"""
    a = analyze(read_record(FIXTURES / "mitdb_119_60s.hea"))
    assert "AF" not in [f.code for f in a.findings]


def test_sinus_bradycardia_ptbxl_00002():
    """Is the sinus bradycardia of PTB-XL 00002 reported as BRADY?"""
    a = analyze(read_record(FIXTURES / "ptbxl/00002_hr.hea"))
    assert "BRADY" in [f.code for f in a.findings]
    assert a.heart_rate_bpm < 60


def _check_json_shape(d):
    assert set(d) == {"fs", "duration_s", "leads", "beats", "heart_rate_bpm", "rr", "heart_rate", "findings",
                      "priority", "measurements", "waves", "quality", "timing_ms", "algorithm_version",
                      "interpretation", "lead_measurements"}
    assert set(d["beats"]) == {"sample", "label"} and len(d["beats"]["sample"]) == len(d["beats"]["label"])
    assert set(d["rr"]) >= {"mean_s", "sdnn_ms", "rmssd_ms", "min_s", "max_s"}
    assert set(d["heart_rate"]) == {"mean_bpm", "min_bpm", "max_bpm"}
    assert set(d["measurements"]) == {"pr_ms", "qrs_ms", "qt_ms", "qtc_ms", "qtc_fridericia_ms", "axis_deg",
                                     "qtc_framingham_ms"}
    assert set(d["waves"]) == {"p_on", "p_off", "qrs_on", "qrs_off", "t_off"}
    for v in d["waves"].values():
        assert len(v) == len(d["beats"]["sample"])
    assert d["priority"] in SEVERITIES
    for f in d["findings"]:
        assert set(f) == {"code", "severity", "start_s", "end_s", "lead", "value", "threshold", "reference", "text"}
        assert f["severity"] in SEVERITIES and f["text"] and f["reference"]
        assert f["lead"] is None or f["lead"] in d["leads"]
    assert d["algorithm_version"] == ALGORITHM_VERSION


def _plain(v):
    """True when v is built only from JSON-native Python types."""
    if isinstance(v, dict):
        return all(isinstance(k, str) and _plain(x) for k, x in v.items())
    if isinstance(v, list):
        return all(_plain(x) for x in v)
    return v is None or type(v) in (str, int, float, bool)


@pytest.mark.parametrize("name", ["mitdb_100_60s.hea", "cinc2017/A00004.hea", "ptbxl/00180_hr.hea", "ludb/1.hea"])
def test_to_dict_is_plain_json(name):
    """Is to_dict() plain Python in the agreed shape, serialisable without NaN?"""
    d = analyze(read_record(FIXTURES / name)).to_dict()
    assert _plain(d)
    _check_json_shape(d)
    json.dumps(d, allow_nan=False)


def test_analysis_tolerates_missing_samples(synth, beats_at):
    """Does a record with a stretch of NaN still analyse, with a quality problem there?"""
    rec = synth(360.0, beats_at(70, 60.0), duration_s=60.0)
    x = rec.signal_mv.copy()
    x[20 * 360:30 * 360] = np.nan
    a = analyze(Record(signal_mv=x, fs=360.0, lead_names=rec.lead_names))
    assert a.heart_rate_bpm == pytest.approx(70, abs=3)
    assert any(p.kind == "missing" for p in a.quality.problems)
    assert "PAUSE" not in [f.code for f in a.findings]
    assert "LOW_QUALITY" in [f.code for f in a.findings]


def test_rejects_non_record():
    """Is a bare array refused with a TypeError pointing to read_record?"""
    with pytest.raises(TypeError, match="read_record"):
        analyze(np.zeros((100, 2)))


def test_bad_sex_is_value_error():
    """Is a sex other than M or F a ValueError?"""
    with pytest.raises(ValueError, match="sex"):
        analyze(read_record(FIXTURES / "cinc2017/A00001.hea"), sex="X")


def test_cli_json(capsys):
    """Does `python -m ecgsignal analyze --json` print exactly the analysis dict?"""
    assert main(["analyze", str(FIXTURES / "mitdb_100_60s.hea"), "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    _check_json_shape(d)
    assert d["leads"] == ["MLII", "V5"]


def test_cli_summary(capsys):
    """Does the plain summary name the priority and the heart rate?"""
    assert main(["analyze", str(FIXTURES / "cinc2017/A00004.hea")]) == 0
    out = capsys.readouterr().out
    assert "Priority:" in out and "Heart rate:" in out and "AF" in out


def test_cli_csv_needs_fs(tmp_path, capsys):
    """Does the CLI exit with code 2 and a one-line message for a CSV without --fs?"""
    p = tmp_path / "ecg.csv"
    p.write_text("I\n" + "\n".join("0.1" for _ in range(100)) + "\n")
    assert main(["analyze", str(p)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "sampling rate" in err and err.count("\n") == 1


def test_cli_csv_with_fs(tmp_path, synth, beats_at, capsys):
    """Can a CSV be analysed from the command line when --fs is given?"""
    rec = synth(250.0, beats_at(80, 20.0), duration_s=20.0, n_leads=1)
    p = tmp_path / "ecg.csv"
    np.savetxt(p, rec.signal_mv, header="II", comments="", fmt="%.5f")
    assert main(["analyze", str(p), "--fs", "250", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["heart_rate_bpm"] == pytest.approx(80, abs=3)


@pytest.mark.parametrize("n_samples", [1, 40, 700])
def test_tiny_records_do_not_crash(n_samples):
    """Does a record of a few samples give an analysis (with no rate) instead of an exception?"""
    rec = Record(signal_mv=np.zeros((n_samples, 2), np.float32), fs=250.0, lead_names=("I", "II"))
    d = analyze(rec).to_dict()
    json.dumps(d, allow_nan=False)
    assert d["heart_rate_bpm"] is None and d["priority"] == "routine"


def test_noise_gives_no_interval_findings():
    """Does pure noise give quality findings but no interval or ST findings?"""
    x = np.random.default_rng(0).standard_normal((5000, 3)).astype(np.float32)
    a = analyze(Record(signal_mv=x, fs=500.0, lead_names=("I", "II", "V1")))
    found = {f.code for f in a.findings}
    assert "LOW_QUALITY" in found
    assert not found & {"WIDE_QRS", "LONG_QTC", "LONG_PR", "STEMI", "ST_DEPRESSION"}


def test_microvolt_values_are_flagged(synth, beats_at):
    """Is a signal in microvolts mislabelled as millivolts flagged, with ST findings withheld?"""
    rec = synth(250.0, beats_at(70, 20.0), duration_s=20.0)
    a = analyze(Record(signal_mv=rec.signal_mv * 1000, fs=250.0, lead_names=rec.lead_names))
    assert "IMPLAUSIBLE_AMPLITUDE" in [f.code for f in a.findings]
    assert a.heart_rate_bpm == pytest.approx(70, abs=3)


def test_cli_unsupported_file(tmp_path, capsys):
    """Does the CLI answer an unsupported file with exit code 2 and the accepted formats?"""
    p = tmp_path / "scan.pdf"
    p.write_bytes(b"%PDF-1.4")
    assert main(["analyze", str(p), "--json"]) == 2
    err = capsys.readouterr().err
    assert "We accept" in err and err.count("\n") == 1


def test_long_record_has_per_beat_waves():
    """Does a recording longer than 10 min get P, QRS and T boundaries for (nearly) every normal beat?"""
    rec = read_record(FIXTURES / "mitdb_100_60s.hea")
    x = np.tile(rec.signal_mv, (11, 1))  # 11 min: delineated in 5-min chunks
    a = analyze(Record(signal_mv=x, fs=rec.fs, lead_names=rec.lead_names))
    assert a.duration_s > 600
    r = np.asarray(a.beats.r_peaks)
    w = a.waves
    normal = np.asarray(a.beats.labels) == "N"
    for name in ("qrs_on", "qrs_off", "t_off"):
        v = np.asarray(getattr(w, name))
        assert (v[normal] >= 0).mean() > 0.95, name
    ok = (np.asarray(w.qrs_on) >= 0) & (np.asarray(w.qrs_off) >= 0) & (np.asarray(w.t_off) >= 0)
    assert np.all(np.asarray(w.qrs_on)[ok] < r[ok] + 0.05 * rec.fs)
    assert np.all(np.asarray(w.qrs_off)[ok] > r[ok] - 0.05 * rec.fs)
    assert np.all(np.asarray(w.t_off)[ok] > np.asarray(w.qrs_off)[ok])
    # beats in the last chunk are covered too
    assert ok[r > 600 * rec.fs].mean() > 0.9
