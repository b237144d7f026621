"""Holter summary on a 24-hour concatenation of MIT-BIH records, against the counts in their .atr files."""
import numpy as np
import pytest
import wfdb

from ecgsignal.holter import holter_priority, holter_summary

FIXTURES = __import__("pathlib").Path(__file__).resolve().parents[1] / "fixtures"
SOURCES = ["mitdb_100_60s", "mitdb_106_60s", "mitdb_119_60s"]
BEAT_SYMBOLS = list("NLRBAaJSVrFejnE/fQ?")


def _reference_per_cycle():
    beats = pvcs = 0
    for src in SOURCES:
        symbols = np.array(wfdb.rdann(str(FIXTURES / src), "atr").symbol)
        beats += int(np.isin(symbols, BEAT_SYMBOLS).sum())
        pvcs += int(np.isin(symbols, ["V", "E"]).sum())
    return beats, pvcs


@pytest.fixture(scope="module")
def holter_24h(tmp_path_factory):
    import ecgsignal
    from telemed.demo_holter import build_holter

    folder = tmp_path_factory.mktemp("holter")
    build_holter(folder, hours=24, name="h24")
    record = ecgsignal.read_record(folder / "h24.hea")
    result = ecgsignal.analyze(record).to_dict()
    return record, result


def test_holter_summary_against_the_annotations(holter_24h):
    """Are beats, PVC burden and hourly counts of a 24-hour tiling of MIT-BIH 100/106/119 close to its .atr counts?"""
    record, result = holter_24h
    summary = holter_summary(result["beats"]["sample"], result["beats"]["label"], record.fs,
                             duration_s=record.duration_s)
    beats_per_cycle, pvcs_per_cycle = _reference_per_cycle()
    cycles = record.duration_s / 180.0
    assert summary.n_beats == pytest.approx(beats_per_cycle * cycles, rel=0.01)
    reference_burden = 100.0 * pvcs_per_cycle / beats_per_cycle          # 9.2 %
    # Target (issue 11): within 1 percentage point. Measured: 9.7 % vs 9.2 % (it was 12.3 % while the
    # labeller called 5 of 67 normal beats of record 106 'V' on a failed QRS-width measurement).
    assert abs(summary.pvc_burden_pct - reference_burden) <= 1.0
    assert len(summary.hourly) == 24 and sum(h["beats"] for h in summary.hourly) == summary.n_beats
    assert sum(h["pvc"] for h in summary.hourly) == summary.pvc_count
    # Record 119's ventricular bigeminy and couplets appear as episodes with their times.
    assert summary.bigeminy and summary.bigeminy[0]["cycles"] >= 3
    assert 60 <= summary.heart_rate_min_bpm <= summary.heart_rate_mean_bpm <= summary.heart_rate_max_bpm <= 90
    assert summary.pauses == [] and summary.longest_rr_s < 2.0
    # The reference burden (9.2 %) is below the 10 % urgent floor, so the summary sets no priority.
    assert holter_priority(summary) is None


def test_holter_summary_on_synthetic_beats():
    """Do counts, couplets, runs, pauses and trigeminy come out exactly on a made-up beat sequence?"""
    fs = 250.0
    labels = ["N"] * 3600 + ["V", "V"] + ["N"] * 10 + ["V", "V", "V"] + ["N", "N", "V"] * 4 + ["N"] * 100
    t = np.arange(len(labels), dtype=float)      # one beat a second...
    t[3700:] += 2.5                               # ...and one pause of 3.5 s
    summary = holter_summary((t * fs).astype(int), labels, fs, duration_s=float(t[-1] + 1))
    assert summary.pvc_count == 2 + 3 + 4 and summary.couplets == 1 and len(summary.runs) == 1
    assert summary.runs[0]["beats"] == 3 and summary.trigeminy[0]["cycles"] == 4
    assert summary.pauses[0]["duration_s"] == pytest.approx(3.5) and summary.longest_rr_s == pytest.approx(3.5)
    assert summary.heart_rate_mean_bpm == pytest.approx(60, abs=1)
    assert holter_priority(summary) is None


def test_holter_summary_checks_its_input():
    """Are mismatched arrays and a bad sampling rate refused?"""
    with pytest.raises(ValueError, match="same length"):
        holter_summary([1, 2], ["N"], 250.0, duration_s=10)
    with pytest.raises(ValueError, match="fs"):
        holter_summary([1], ["N"], 0, duration_s=10)
