"""Paced rhythm: pacemaker spikes time-locked to the complexes, on synthetic ECGs and a real paced PTB-XL record."""
from pathlib import Path

import numpy as np
import pytest
from ecgsignal import analyze, read_record
from ecgsignal.measure import SPIKE_MV, pacing_spikes
from ecgsignal.statements import TRIAGE_RULE, VOCABULARY

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
PACED = {"PACED_A", "PACED_V", "PACED_AV"}


def _paced_ecg(fs, *, v_spike_mv=0.0, a_spike_mv=0.0, av_delay_s=0.16, rr_s=0.85, duration_s=10.0, seed=0,
               wide=True):
    """Two-lead ECG (mV) with wide (or narrow) QRS complexes; spikes of one sample before QRS and/or P.

    Returns the signal and the QRS onsets (samples)."""
    rng = np.random.default_rng(seed)
    n = int(duration_s * fs)
    t = np.arange(n) / fs
    x = np.zeros(n)
    onsets = np.arange(0.5, duration_s - 0.6, rr_s)
    qrs_w = 0.035 if wide else 0.010
    for o in onsets:
        x += 0.15 * np.exp(-0.5 * ((t - (o - av_delay_s + 0.05)) / 0.02) ** 2)    # P wave
        x += -1.5 * np.exp(-0.5 * ((t - (o + 2.5 * qrs_w)) / qrs_w) ** 2)         # QRS
        x += 0.4 * np.exp(-0.5 * ((t - (o + 0.35)) / 0.05) ** 2)                  # T wave
        if v_spike_mv:
            x[round((o - 0.004) * fs)] += v_spike_mv
        if a_spike_mv:
            x[round((o - av_delay_s) * fs)] += a_spike_mv
    x = np.stack([x, 0.7 * x], axis=1) + 0.01 * rng.standard_normal((n, 2))
    return x, (onsets * fs).astype(int)


@pytest.mark.parametrize("fs", [360.0, 500.0, 1000.0])
def test_ventricular_spikes_found_at_their_delay(fs):
    """Are one-sample 2-mV spikes 4 ms before every wide QRS found as ventricular stimuli at that delay?"""
    x, on = _paced_ecg(fs, v_spike_mv=2.0)
    p = pacing_spikes(x, fs, on)
    assert p is not None
    assert p["ventricular_beats"] == on.size and p["atrial_beats"] == 0
    np.testing.assert_allclose(p["ventricular_delay_ms"], 4.0, atol=1000.0 / fs)


@pytest.mark.parametrize("fs", [360.0, 500.0])
def test_atrial_and_dual_chamber_spikes(fs):
    """Are spikes 160 ms before the QRS atrial, and spikes before both P and QRS dual-chamber?"""
    x, on = _paced_ecg(fs, a_spike_mv=2.0, wide=False)
    p = pacing_spikes(x, fs, on)
    assert p["atrial_beats"] == on.size and p["ventricular_beats"] == 0
    np.testing.assert_allclose(p["atrial_delay_ms"], 160.0, atol=1000.0 / fs)
    x, on = _paced_ecg(fs, a_spike_mv=2.0, v_spike_mv=2.0)
    p = pacing_spikes(x, fs, on)
    assert p["atrial_beats"] == on.size and p["ventricular_beats"] == on.size


@pytest.mark.parametrize("fs", [360.0, 500.0, 1000.0])
def test_steep_physiological_r_wave_is_not_a_spike(fs):
    """Is a steep narrow R wave (2 mV, 14 ms wide at half height, 0.2 mV/ms) at the QRS onset no spike?"""
    n = int(10 * fs)
    t = np.arange(n) / fs
    on = np.arange(0.5, 9.4, 0.85)
    x = sum(2.0 * np.exp(-0.5 * ((t - o - 0.012) / 0.006) ** 2) for o in on)
    x = np.stack([x, 0.7 * x], axis=1)
    assert pacing_spikes(x, fs, (on * fs).astype(int)) is None
    # the same R waves with a 1-sample 2-mV stimulus 4 ms before the onset are paced
    x[(np.round((on - 0.004) * fs)).astype(int), 0] += 2.0
    assert pacing_spikes(x, fs, (on * fs).astype(int))["ventricular_beats"] == on.size


def test_small_or_unlocked_spikes_are_not_pacing():
    """Are spikes below the residue threshold, or artefacts not time-locked to the QRS, rejected?"""
    fs = 500.0
    x, on = _paced_ecg(fs, v_spike_mv=0.8 * SPIKE_MV)
    assert pacing_spikes(x, fs, on) is None
    x, on = _paced_ecg(fs)
    rng = np.random.default_rng(3)
    for i in rng.integers(100, x.shape[0] - 100, size=8):   # isolated 2-mV artefacts at random times
        x[i, 0] += 2.0
    assert pacing_spikes(x, fs, on) is None


def test_below_360_hz_or_3d_input():
    """Is a record sampled too slowly to tell a spike from a narrow R wave left undecided, and a 3-D array refused?"""
    x, on = _paced_ecg(250.0, v_spike_mv=2.0)
    assert pacing_spikes(x, 250.0, on) is None
    x, on = _paced_ecg(500.0, v_spike_mv=2.0)
    assert pacing_spikes(x, 500.0, on) is not None
    with pytest.raises(ValueError, match="2-D"):
        pacing_spikes(np.zeros((10, 2, 2)), 500.0, [1, 2, 3])


def test_paced_vocabulary():
    """Do the paced statements have labels, an abnormal kind and a (routine) triage entry?"""
    for code in PACED:
        en, zh, cat, kind = VOCABULARY[code]
        assert cat == "rhythm" and kind == "abnormal" and "起搏" in zh and "paced" in en
        assert code in TRIAGE_RULE


def test_real_paced_record_reads_as_ventricular_pacing():
    """Is PTB-XL ecg_id 190 (SCP code PACE) read as ventricular pacing, without BBB, LVH or QRS-based statements?"""
    a = analyze(read_record(FIXTURES / "ptbxl/00190_hr.hea"), age=66, sex="F")
    codes = set(a.interpretation.codes)
    assert "PACED_V" in codes
    assert not codes & {"CLBBB", "CRBBB", "IVCD", "LAFB", "LVH", "LVH_STRAIN", "TINV", "LONG_QT", "PVC", "SR",
                        "IMI_OLD", "ASMI_OLD", "AMI_OLD", "LMI_OLD"}
    assert a.interpretation.overall == "abnormal"
    paced = next(s for s in a.interpretation.statements if s.code == "PACED_V")
    delay = next(e.value for e in paced.evidence if "spike to measured QRS onset" in e.quantity)
    assert -20.0 <= delay <= 80.0


@pytest.mark.parametrize("ecg_id", [1, 2, 8, 172, 180])
def test_unpaced_records_are_not_paced(ecg_id):
    """Do unpaced PTB-XL fixtures (180 has an isolated 1.9-mV artefact spike) stay without a paced statement?"""
    a = analyze(read_record(FIXTURES / f"ptbxl/{ecg_id:05d}_hr.hea"))
    assert not set(a.interpretation.codes) & PACED


def test_rr_irregularity_under_ventricular_pacing_is_not_called_af(monkeypatch):
    """With the AF model forced to say AF, is a ventricular-paced record still not AF while an unpaced one is?

    Under ventricular pacing the RR intervals follow the pacemaker, so RR irregularity says nothing
    about the atria (PTB-XL 143/144, paced with two premature beats, were called AF by the RR model)."""
    from ecgsignal import afmodel
    monkeypatch.setattr(afmodel, "af_probability", lambda feats, model=None: 0.99)
    paced = analyze(read_record(FIXTURES / "ptbxl/00190_hr.hea"), age=66, sex="F")
    assert "AF" not in {f.code for f in paced.findings}
    assert "AFIB" not in paced.interpretation.codes and "PACED_V" in paced.interpretation.codes
    # CinC 2017 A00004 (AF): no repeating-P veto on this record. (PTB-XL 180, used here before,
    # is sinus rhythm whose P waves the P search missed until it looked lead by lead.)
    unpaced = analyze(read_record(FIXTURES / "cinc2017/A00004.hea"))
    assert unpaced.af_model["p_state"] is not True
    assert "AF" in {f.code for f in unpaced.findings}


def test_long_qtc_is_not_read_on_a_ventricular_paced_record(monkeypatch):
    """Is a long QTc (here forced) left out of the findings of a paced record, and kept on an unpaced one?

    Its QT is largely the paced QRS (Rautaharju 2009 part IV: JT or a QRS-adjusted QT, not QTc limits),
    so it must not raise the priority (PTB-XL 143/144 were urgent on a paced QTc > 500 ms)."""
    from ecgsignal import waves
    real = waves.interval_findings

    def long_qtc(m, **kw):
        import dataclasses
        return real(dataclasses.replace(m, qt_ms=560.0, qtc_ms=600.0, qtc_framingham_ms=600.0), **kw)

    monkeypatch.setattr(waves, "interval_findings", long_qtc)
    paced = analyze(read_record(FIXTURES / "ptbxl/00190_hr.hea"), age=66, sex="F")
    assert "PACED_V" in paced.interpretation.codes
    assert "LONG_QTC" not in {f.code for f in paced.findings}
    unpaced = analyze(read_record(FIXTURES / "ptbxl/00001_hr.hea"))
    assert "LONG_QTC" in {f.code for f in unpaced.findings}
