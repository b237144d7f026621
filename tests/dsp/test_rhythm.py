"""Tests of rate, HRV, pause, AF and ectopy rules on synthetic signals and beat series with known answers."""
import numpy as np
import pytest

from ecgsignal import analyze
from ecgsignal.rhythm import af_episodes, ectopic_runs, heart_rate, rhythm_findings, rr_stats
from ecgsignal.types import Beats, HeartRate

FS = [250.0, 360.0, 500.0]


def codes(analysis):
    return [f.code for f in analysis.findings]


@pytest.mark.parametrize("fs", FS)
@pytest.mark.parametrize("hr, expect", [(45.0, "BRADY"), (72.0, None), (125.0, "TACHY")])
def test_rate_findings(synth, beats_at, fs, hr, expect):
    """Is a resting strip at 45/min called slow, at 125/min fast, and at 72/min neither?"""
    rec = synth(fs, beats_at(hr, 30.0, seed=int(fs)), duration_s=30.0, seed=1)
    a = analyze(rec)
    assert a.heart_rate_bpm == pytest.approx(hr, rel=0.04)
    found = {"BRADY", "TACHY"} & set(codes(a))
    assert found == ({expect} if expect else set())


@pytest.mark.parametrize("fs", FS)
def test_heart_rate_window_min_max(synth, fs):
    """Do the 10-s window rates show the slow and the fast half of a strip?"""
    t1 = np.arange(0.5, 20, 1.0)          # 60/min
    t2 = np.arange(20.0, 39.5, 0.5)        # 120/min
    rec = synth(fs, np.r_[t1, t2], duration_s=40.0)
    a = analyze(rec)
    assert a.heart_rate.min_bpm == pytest.approx(60, abs=3)
    assert a.heart_rate.max_bpm == pytest.approx(120, abs=4)


@pytest.mark.parametrize("fs", FS)
@pytest.mark.parametrize("gap_s, severity", [(1.6, None), (2.4, "urgent"), (3.4, "critical")])
def test_pause_thresholds(synth, beats_at, fs, gap_s, severity):
    """Is a 2.4-s pause urgent, a 3.4-s pause critical and a 1.6-s gap no pause?"""
    before = beats_at(75, 12.0, seed=2)
    after = before[-1] + gap_s + beats_at(75, 12.0, first_s=0.0, seed=3)
    rec = synth(fs, np.r_[before, after], duration_s=float(after[-1] + 1.0), seed=4)
    a = analyze(rec)
    pauses = [f for f in a.findings if f.code == "PAUSE"]
    if severity is None:
        assert not pauses
        return
    assert len(pauses) == 1
    p = pauses[0]
    assert p.severity == severity and a.priority == severity
    assert p.value == pytest.approx(gap_s, abs=0.05)
    assert p.start_s == pytest.approx(before[-1], abs=0.05)
    assert p.text.startswith(f"Pause of {gap_s:.1f} s") and p.lead in rec.lead_names


@pytest.mark.parametrize("fs", FS)
def test_af_on_random_rr_not_on_sinus_arrhythmia(synth, fs):
    """Is an irregular rhythm without P waves AF, while sinus arrhythmia and irregular P-led beats are not?"""
    rng = np.random.default_rng(7)
    rr_af = rng.uniform(0.45, 1.0, 80)
    t_af = 0.5 + np.r_[0, np.cumsum(rr_af)]
    rr_sa = 0.85 + 0.05 * np.sin(np.arange(80) * 2 * np.pi / 5.0)  # respiratory sinus arrhythmia, +-6 %
    t_sa = 0.5 + np.r_[0, np.cumsum(rr_sa)]
    a_af = analyze(synth(fs, t_af, duration_s=float(t_af[-1] + 1), seed=5, p_wave=False))
    a_sa = analyze(synth(fs, t_sa, duration_s=float(t_sa[-1] + 1), seed=6))
    a_irregular_with_p = analyze(synth(fs, t_af, duration_s=float(t_af[-1] + 1), seed=5))
    af = [f for f in a_af.findings if f.code == "AF"]
    assert len(af) == 1 and af[0].severity == "urgent"
    assert af[0].end_s - af[0].start_s > 40
    assert "AF" not in codes(a_sa)
    # a resting strip whose beats all have P waves is not AF, however irregular
    assert "AF" not in codes(a_irregular_with_p)


def test_af_ignores_bigeminy():
    """Is regular ventricular bigeminy (short-long pairs) not taken for AF?"""
    rr = np.tile([0.55, 1.25], 40)
    r = np.r_[0, np.cumsum(rr)] * 360
    assert af_episodes(r.astype(int), 360.0, duration_s=r[-1] / 360 + 1) == []


def test_af_episode_boundaries():
    """Does a paroxysm of AF between regular stretches get start and end within a few beats?"""
    rng = np.random.default_rng(3)
    rr = np.r_[np.full(100, 0.8), rng.uniform(0.4, 1.0, 150), np.full(100, 0.8)]
    r = (np.r_[0, np.cumsum(rr)] * 250).astype(int)
    eps = af_episodes(r, 250.0, duration_s=r[-1] / 250)
    assert len(eps) == 1
    t_on, t_off = 80.0, 80.0 + rr[100:250].sum()
    assert eps[0]["start_s"] == pytest.approx(t_on, abs=12)
    assert eps[0]["end_s"] == pytest.approx(t_off, abs=12)


def test_rr_stats_known_values():
    """Do SDNN and RMSSD match hand-computed values and skip ectopic intervals?"""
    r = np.array([0, 250, 510, 760, 1020, 1270])
    s = rr_stats(r, 250.0)
    rr = np.diff(r) / 250.0
    assert s.mean_s == pytest.approx(rr.mean())
    assert s.sdnn_ms == pytest.approx(rr.std(ddof=1) * 1000)
    assert s.rmssd_ms == pytest.approx(np.sqrt(np.mean(np.diff(rr) ** 2)) * 1000)
    s2 = rr_stats(r, 250.0, labels=np.array(list("NNVNNN")))
    assert s2.n_intervals == 3


def test_heart_rate_excludes_invalid_intervals():
    """Does an interval over unreadable signal leave the mean rate unchanged?"""
    r = np.r_[np.arange(0, 10000, 500), np.arange(20000, 30000, 500)]
    valid = np.diff(r) < 1000
    hr, _ = heart_rate(r, 500.0, duration_s=60.0, valid_rr=valid)
    assert hr.mean_bpm == pytest.approx(60.0)


def _beats(r, labels, fs=250.0):
    r, labels = np.asarray(r), np.asarray(labels)
    return Beats(r_peaks=r, labels=labels, qrs_width_s=np.where(labels == "V", 0.15, 0.09), fs=fs)


def test_vt_run_and_pvc_findings():
    """Does a 6-beat run at 180/min give VT, and lone V beats give PVC?"""
    fs = 250.0
    rr = np.r_[np.full(20, 0.8), np.full(6, 60 / 180), np.full(20, 0.8)]
    r = (np.r_[0, np.cumsum(rr)] * fs).astype(int)
    lab = np.array(["N"] * r.size)
    lab[21:27] = "V"
    lab[[5, 40]] = "V"
    b = _beats(r, lab, fs)
    hr = HeartRate(80, 75, 90)
    f = rhythm_findings(b, duration_s=r[-1] / fs + 1, valid_rr=np.ones(r.size - 1, bool),
                        window_bpm=np.array([80.0]), hr=hr, best_lead=lambda a, b: "II")
    by = {x.code: x for x in f}
    assert "VT" in by and by["VT"].severity == "urgent" and by["VT"].value == pytest.approx(180, rel=0.05)
    assert by["PVC"].value == 8
    assert ectopic_runs(lab, label="V", min_beats=3).tolist() == [[21, 27]]


def test_narrow_v_run_is_not_vt():
    """Is a run labelled V but with narrow QRS (aberrancy/misclassification) kept out of VT findings?"""
    fs = 250.0
    rr = np.r_[np.full(20, 0.8), np.full(6, 60 / 180), np.full(20, 0.8)]
    r = (np.r_[0, np.cumsum(rr)] * fs).astype(int)
    lab = np.array(["N"] * r.size)
    lab[21:27] = "V"
    b = Beats(r_peaks=r, labels=lab, qrs_width_s=np.full(r.size, 0.08), fs=fs)
    f = rhythm_findings(b, duration_s=r[-1] / fs + 1, valid_rr=np.ones(r.size - 1, bool),
                        window_bpm=np.array([80.0]), hr=HeartRate(80, 75, 90), best_lead=lambda a, b: None)
    assert not {"VT", "VRUN"} & {x.code for x in f}


def test_sustained_fast_vt_is_critical():
    """Is VT at 170/min lasting over 30 s a critical value?"""
    fs = 250.0
    rr = np.r_[np.full(5, 0.8), np.full(100, 60 / 170), np.full(5, 0.8)]
    r = (np.r_[0, np.cumsum(rr)] * fs).astype(int)
    lab = np.array(["N"] * r.size)
    lab[6:106] = "V"
    b = _beats(r, lab, fs)
    f = rhythm_findings(b, duration_s=r[-1] / fs + 1, valid_rr=np.ones(r.size - 1, bool),
                        window_bpm=np.full(5, 150.0), hr=HeartRate(150, 75, 170), best_lead=lambda a, b: None)
    vt = [x for x in f if x.code == "VT"]
    assert vt and vt[0].severity == "critical" and "Sustained" in vt[0].text


@pytest.mark.parametrize("fs", FS)
def test_very_slow_rate_is_critical(synth, beats_at, fs):
    """Is a ventricular rate of 32/min a critical (possible complete AV block) finding?"""
    rec = synth(fs, beats_at(32, 40.0, seed=9), duration_s=40.0, seed=9)
    a = analyze(rec)
    assert a.priority == "critical"
    assert {"BRADY", "AVB_HIGH"} <= set(codes(a))


def _vf_wave(fs, duration_s, seed):
    """Fibrillation-like wave: 4-6 Hz oscillation with drifting frequency and amplitude (mV)."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(duration_s * fs)) / fs
    f_inst = 5.0 + 0.8 * np.cumsum(rng.standard_normal(t.size)) / np.sqrt(t.size)
    return (0.5 + 0.25 * np.sin(2 * np.pi * 0.3 * t)) * np.sin(2 * np.pi * np.cumsum(f_inst) / fs)


@pytest.mark.parametrize("fs", FS)
def test_vf_episode_is_critical(synth, beats_at, fs):
    """Is a 16-s stretch of fibrillation-like waves between sinus beats reported as critical VF?"""
    rec = synth(fs, beats_at(70, 40.0, seed=3), duration_s=40.0, seed=3)
    x = rec.signal_mv.copy()
    i0, i1 = int(12 * fs), int(28 * fs)
    x[i0:i1] = _vf_wave(fs, 16.0, seed=3)[: i1 - i0, None] * np.array([1.0, 0.7], np.float32)
    a = analyze(type(rec)(signal_mv=x, fs=fs, lead_names=rec.lead_names))
    vf = [f for f in a.findings if f.code == "VF"]
    assert vf and vf[0].severity == "critical" and a.priority == "critical"
    assert vf[0].start_s == pytest.approx(12, abs=4.5) and vf[0].end_s == pytest.approx(28, abs=4.5)


@pytest.mark.parametrize("fs", FS)
def test_no_vf_on_sinus_or_af(synth, beats_at, fs):
    """Are sinus rhythm and fast irregular AF free of VF findings?"""
    rng = np.random.default_rng(11)
    t_af = 0.5 + np.r_[0, np.cumsum(rng.uniform(0.3, 0.7, 80))]
    for rec in (synth(fs, beats_at(70, 40.0), duration_s=40.0),
                synth(fs, t_af, duration_s=float(t_af[-1] + 1), p_wave=False)):
        assert "VF" not in codes(analyze(rec))


def test_svt_230_is_critical():
    """Is a narrow-complex rate of 240/min a critical finding (Zhejiang SVT >= 230/min)?"""
    fs = 250.0
    r = (np.arange(0.3, 10, 0.25) * fs).astype(int)
    b = _beats(r, ["N"] * r.size, fs)
    f = rhythm_findings(b, duration_s=10.0, valid_rr=np.ones(r.size - 1, bool), window_bpm=np.array([240.0]),
                        hr=HeartRate(240, 240, 240), best_lead=lambda a, b: None)
    tachy = [x for x in f if x.code == "TACHY"]
    assert tachy and tachy[0].severity == "critical" and "supraventricular" in tachy[0].text


def test_long_recording_af_episode_and_clock_time(synth):
    """Is a 5-minute AF paroxysm in a 15-minute recording located, with clock times in its text?"""
    import datetime as dt

    fs = 250.0
    rng = np.random.default_rng(21)
    rr = np.r_[np.full(400, 0.8), rng.uniform(0.4, 1.0, 430), np.full(350, 0.8)]
    t = 0.5 + np.r_[0, np.cumsum(rr)]
    rec = synth(fs, t, duration_s=float(t[-1] + 1), seed=2)
    rec = type(rec)(signal_mv=rec.signal_mv, fs=fs, lead_names=rec.lead_names,
                    start_time=dt.datetime(2026, 1, 5, 23, 0, 0))
    a = analyze(rec)
    af = [f for f in a.findings if f.code == "AF"]
    assert len(af) == 1
    t_on, t_off = t[400], t[830]
    assert af[0].start_s == pytest.approx(t_on, abs=20) and af[0].end_s == pytest.approx(t_off, abs=20)
    assert "from 23:05" in af[0].text
    assert not np.isnan(a.measurements.qrs_ms)  # long records are delineated on a clean minute
    # per-beat boundaries cover the whole recording, not only the measured minute
    assert a.waves.to_dict()["qrs_on"].count(None) < 0.2 * a.beats.r_peaks.size


def test_pause_text_uses_clock_time(synth, beats_at):
    """Does a pause in a recording with a start time say at which clock time it happened?"""
    import datetime as dt

    before = beats_at(70, 10.0)
    t = np.r_[before, before[-1] + 3.2 + beats_at(70, 10.0, first_s=0.0)]
    rec = synth(360.0, t, duration_s=float(t[-1] + 1))
    rec = type(rec)(signal_mv=rec.signal_mv, fs=360.0, lead_names=rec.lead_names,
                    start_time=dt.datetime(2026, 3, 1, 12, 5, 0))
    p = [f for f in analyze(rec).findings if f.code == "PAUSE"][0]
    assert p.text.startswith("Pause of 3.2 s at 12:05:0")


def test_many_runs_are_summarised():
    """Are 30 ventricular runs listed as at most 20 findings plus one summary?"""
    fs = 250.0
    block = np.r_[np.full(10, 0.8), np.full(3, 0.5)]
    rr = np.tile(block, 30)
    r = (np.r_[0, np.cumsum(rr)] * fs).astype(int)
    lab = np.array(["N"] * r.size)
    for k in range(30):
        lab[k * 13 + 11:k * 13 + 14] = "V"
    b = _beats(r, lab, fs)
    f = rhythm_findings(b, duration_s=r[-1] / fs + 1, valid_rr=np.ones(r.size - 1, bool),
                        window_bpm=np.full(40, 80.0), hr=HeartRate(80, 75, 90), best_lead=lambda a, b: None)
    runs = [x for x in f if x.code in ("VRUN", "VT")]
    assert len(runs) == 21
    assert any(x.text.startswith("10 further runs") for x in runs)


def _irregular_rr(mean_rr_s, irregularity, n=120, seed=11):
    """RR series whose median |successive difference| / median RR is about `irregularity`."""
    rng = np.random.default_rng(seed)
    # |difference of two uniforms of half-width h| has median ~0.59 h
    h = irregularity * mean_rr_s / 0.59
    return mean_rr_s + rng.uniform(-h, h, n)


def test_af_threshold_adapts_to_rate():
    """Is the same RR irregularity AF at 150/min (rapid AF) but not at 60/min (sinus arrhythmia)?"""
    fs = 250.0

    def eps(mean_rr, irregularity, **kw):
        rr = _irregular_rr(mean_rr, irregularity)
        r = (np.r_[0, np.cumsum(rr)] * fs).astype(int)
        return af_episodes(r, fs, duration_s=r[-1] / fs, **kw)

    assert eps(0.40, 0.085) and not eps(0.40, 0.085, rate_adjust=False)
    assert not eps(1.0, 0.10) and eps(1.0, 0.10, rate_adjust=False)


@pytest.mark.parametrize("fs", FS)
def test_vf_in_second_lead_found_after_vf_in_first(synth, beats_at, fs):
    """Is VF in the second-best lead still looked for once the best lead has shown a VF episode of its own?"""
    from ecgsignal.rhythm import vf_findings
    rec = synth(fs, beats_at(70, 70.0, seed=5), duration_s=70.0, seed=5)
    x = rec.signal_mv.copy()
    a0, a1, b0, b1 = (int(s * fs) for s in (8, 24, 40, 56))
    x[a0:a1, 0] = _vf_wave(fs, 16.0, seed=1)[: a1 - a0]      # first lead only
    x[b0:b1, 1] = _vf_wave(fs, 16.0, seed=2)[: b1 - b0]      # second lead only
    found = vf_findings(x, fs, lead_names=rec.lead_names, lead_order=[0, 1])
    spans = sorted((f.start_s, f.end_s, f.lead) for f in found)
    assert len(spans) == 2
    assert spans[0][0] == pytest.approx(8, abs=4.5) and spans[0][2] == rec.lead_names[0]
    assert spans[1][0] == pytest.approx(40, abs=4.5) and spans[1][2] == rec.lead_names[1]
