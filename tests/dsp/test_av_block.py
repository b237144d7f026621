"""Second- and third-degree AV block: P-wave times after QRST cancellation, and the Kusumoto 2018 rules."""
import numpy as np
import pytest

from ecgsignal import read_record
from ecgsignal.beats import detect_beats
from ecgsignal.filters import remove_baseline
from ecgsignal.measure import p_wave_times
from ecgsignal.statements import TRIAGE_RULE, VOCABULARY, av_conduction, interpret
from ecgsignal.types import Finding, LeadMeasurement, LeadMeasurements

PP = 0.75                                   # atrial cycle (80/min)
P = np.arange(0.3, 9.6, PP)
#: (P times, QRS times) with a known answer
CASES = {
    "3AVB": (P, np.arange(0.55, 9.4, 1.55)),                                    # escape at 39/min
    "2AVB_2TO1": (P, P[::2] + 0.18),
    "2AVB_MOBITZ2": (P, np.array([x + 0.18 for i, x in enumerate(P) if i % 4 != 3])),
    "2AVB_MOBITZ1": (P, np.array([x + (0.16, 0.24, 0.30)[i % 4] for i, x in enumerate(P) if i % 4 != 3])),
    None: (P, P + 0.16),                                                         # sinus rhythm
}


def _synth(fs, p_s, r_s, *, duration_s=10.0, seed=0):
    """Lead II: P waves (0.15 mV) and QRS-T complexes at independent times, with 10 uV noise."""
    t = np.arange(int(duration_s * fs)) / fs
    x = np.zeros_like(t)
    for c in p_s:
        x += 0.15 * np.exp(-0.5 * ((t - c) / 0.02) ** 2)
    for c in r_s[r_s < duration_s - 0.6]:
        x += (-0.1 * np.exp(-0.5 * ((t - c + 0.025) / 0.006) ** 2) + 1.2 * np.exp(-0.5 * ((t - c) / 0.01) ** 2)
              - 0.25 * np.exp(-0.5 * ((t - c - 0.025) / 0.007) ** 2) + 0.3 * np.exp(-0.5 * ((t - c - 0.28) / 0.045) ** 2))
    return x + 0.01 * np.random.default_rng(seed).standard_normal(t.size)


def test_vocabulary():
    """Are the AV block codes in the vocabulary with their standard Chinese terms?"""
    zh = {c: VOCABULARY[c][1] for c in ("2AVB_MOBITZ1", "2AVB_MOBITZ2", "2AVB_2TO1", "3AVB")}
    assert zh == {"2AVB_MOBITZ1": "二度I型房室传导阻滞", "2AVB_MOBITZ2": "二度II型房室传导阻滞",
                  "2AVB_2TO1": "2:1房室传导阻滞", "3AVB": "三度（完全性）房室传导阻滞"}
    assert TRIAGE_RULE["3AVB"] == "AVB_HIGH" and TRIAGE_RULE["2AVB_MOBITZ1"] is None


@pytest.mark.parametrize("code", list(CASES), ids=[str(c) for c in CASES])
def test_av_conduction_from_event_times(code):
    """Do exact P and QRS times give the known AV conduction answer?"""
    p, r = CASES[code]
    res = av_conduction(p, r[r < 9.4])
    assert (res and res["code"]) == (code or None)


def test_av_conduction_third_degree_with_hidden_p_waves():
    """Is complete block still found when two P waves are hidden (missing), and no second-degree block made up?"""
    p, r = CASES["3AVB"]
    assert av_conduction(np.delete(p, [3, 7]), r)["code"] == "3AVB"
    assert av_conduction(np.delete(P, [3, 7]), P + 0.16) is None


def test_av_conduction_irregular_atrial_rhythm_is_none():
    """Is nothing stated when the P waves are irregular (no constant atrial rate)?"""
    rng = np.random.default_rng(1)
    p = np.cumsum(rng.uniform(0.5, 1.1, 12))
    assert av_conduction(p, p[::2] + 0.18) is None


@pytest.mark.parametrize("fs", [250.0, 360.0, 500.0])
@pytest.mark.parametrize("code", list(CASES), ids=[str(c) for c in CASES])
def test_av_block_from_synthetic_signal(fs, code):
    """From a synthetic lead II, do detected beats and P waves give the known AV conduction answer?"""
    p, r = CASES[code]
    x = _synth(fs, p, r)
    beats = detect_beats(x, fs)
    found = p_wave_times(x, fs, beats.r_peaks)
    np.testing.assert_allclose(found, p[np.abs(p[:, None] - found[None, :]).min(axis=1) < 0.03], atol=2 / fs + 0.004)
    assert found.size >= p.size - 2
    res = av_conduction(found, np.asarray(beats.r_peaks) / fs)
    assert (res and res["code"]) == (code or None)


def test_p_wave_times_rejects_2d():
    """Is a 2-D array refused?"""
    with pytest.raises(ValueError, match="1-D"):
        p_wave_times(np.zeros((10, 2)), 250.0, [1, 5])


def test_ptbxl_00001_sinus_has_no_av_block(fixtures_dir):
    """On a normal PTB-XL record (sinus rhythm), is no AV block found from lead II?"""
    rec = read_record(fixtures_dir / "ptbxl/00001_hr.hea")
    j = [n.lower() for n in rec.lead_names].index("ii")
    x = remove_baseline(np.asarray(rec.signal_mv[:, j], float), rec.fs, cutoff_hz=0.5)
    beats = detect_beats(x, rec.fs)
    assert av_conduction(p_wave_times(x, rec.fs, beats.r_peaks), np.asarray(beats.r_peaks) / rec.fs) is None


def _lm():
    rows = tuple(LeadMeasurement(lead=n, r_amp_mv=1.0, s_amp_mv=-0.1, qrs_ptp_mv=1.1, qrs_area_mv_ms=20,
                                 p_amp_mv=0.0 if n == "aVR" else 0.1, p_neg_mv=-0.1 if n == "aVR" else 0.0,
                                 t_amp_mv=0.3, st_j_mv=0.0, st_j60_mv=0.0)
                 for n in ("I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6"))
    return LeadMeasurements(leads=rows, pr_ms=180.0, qrs_ms=90.0, qt_ms=400.0, qtc_ms=420.0, p_axis_deg=50.0,
                            qrs_axis_deg=50.0, t_axis_deg=45.0, heart_rate_bpm=40.0)


@pytest.mark.parametrize("code, severity", [("3AVB", "urgent"), ("2AVB_2TO1", "urgent"),
                                            ("2AVB_MOBITZ2", "urgent"), ("2AVB_MOBITZ1", "routine")])
def test_interpret_states_av_block(code, severity):
    """Does interpret state the block with its evidence and severity when given P and QRS times?"""
    p, r = CASES[code]
    it = interpret(_lm(), rr_s=np.diff(r), p_waves_s=p, r_peaks_s=r[r < 9.4], age=70, sex="M")
    s = next(s for s in it.statements if s.code == code)
    assert s.severity == severity and it.overall == "abnormal" and "Kusumoto" in s.source
    assert any(e.quantity == "atrial (P) rate" and abs(e.value - 80.0) < 1 for e in s.evidence)
    assert "1AVB" not in it.codes or code != "3AVB"


def test_third_degree_block_critical_below_40():
    """With the AVB_HIGH finding (ventricular rate < 40/min) is complete AV block critical?"""
    p, r = CASES["3AVB"]
    f = Finding(code="AVB_HIGH", severity="critical", start_s=None, end_s=None, lead=None, value=38.0,
                threshold=40.0, reference="Zhejiang", text="slow")
    it = interpret(_lm(), [f], rr_s=np.diff(r), p_waves_s=p, r_peaks_s=r)
    assert next(s for s in it.statements if s.code == "3AVB").severity == "critical"


def test_analyze_states_two_to_one_block():
    """Does the full analysis (analyze) state 2:1 AV block on a synthetic lead II recording?"""
    import ecgsignal
    from ecgsignal.types import Record

    fs = 500.0
    p, r = CASES["2AVB_2TO1"]
    x = _synth(fs, p, r).astype(np.float32)
    record = Record(signal_mv=np.column_stack([x, x * 0.8]).astype(np.float32), fs=fs, lead_names=("II", "V5"))
    codes = [s["code"] for s in ecgsignal.analyze(record).to_dict()["interpretation"]["statements"]]
    assert "2AVB_2TO1" in codes, codes
