"""AF episodes of long recordings from the AF model on overlapping windows (`afmodel.af_episodes_model`)."""
import numpy as np
import pytest

from ecgsignal import afmodel, analysis, analyze, read_record
from ecgsignal.beats import detect_beats
from ecgsignal.types import Beats, Record

from .conftest import FIXTURES, regular_beats, synth_record

#: Episodes start and end at the first and last beat of a 10-s slice: one step plus one RR (at most 1.1 s here).
TOL_S = afmodel.AF_STEP_S + 1.2


def _sinus_af_sinus(fs, *, af=(120.0, 240.0), duration_s=360.0, seed=0):
    """Sinus rhythm (P waves, 72/min) with an AF stretch: random RR 0.4-1.1 s, no P wave, 6 Hz f waves."""
    rng = np.random.default_rng(seed)
    sinus = regular_beats(72, duration_s, jitter=0.01, seed=seed)
    sinus = sinus[(sinus < af[0] - 0.4) | (sinus > af[1] + 0.4)]
    fib = af[0] + np.r_[0, np.cumsum(rng.uniform(0.4, 1.1, int((af[1] - af[0]) / 0.4)))]
    fib = fib[fib < af[1]]
    with_p = synth_record(fs, sinus, duration_s=duration_s, seed=seed).signal_mv
    no_p = synth_record(fs, fib, duration_s=duration_s, seed=seed + 1, p_wave=False, noise_mv=0.0).signal_mv
    t = np.arange(with_p.shape[0]) / fs
    f_waves = 0.08 * np.sin(2 * np.pi * 6.0 * t + np.cumsum(rng.normal(0, 0.05, t.size)))
    x = with_p + no_p + np.where((t >= af[0]) & (t < af[1]), f_waves, 0.0)[:, None]
    beats_s = np.sort(np.r_[sinus, fib])
    return Record(signal_mv=x.astype(np.float32), fs=float(fs), lead_names=("MLII", "V1")), beats_s


def _true_beats(fs, beats_s):
    r = np.round(beats_s * fs).astype(np.int64)
    return Beats(r_peaks=r, labels=np.full(r.size, "N"), qrs_width_s=np.full(r.size, 0.09), fs=float(fs))


@pytest.mark.parametrize("fs", [250.0, 360.0, 500.0])
def test_episode_boundaries_within_one_step(fs):
    """Is the AF stretch between two sinus stretches one episode whose ends are within one window step (and a beat)?"""
    rec, beats_s = _sinus_af_sinus(fs)
    scan = afmodel.af_episodes_model(rec.signal_mv, fs, _true_beats(fs, beats_s), lead_names=rec.lead_names)
    assert len(scan.episodes) == 1
    ep = scan.episodes[0]
    assert abs(ep.start_s - 120.0) <= TOL_S and abs(ep.end_s - 240.0) <= TOL_S
    assert ep.probability >= afmodel.load_model()["threshold"]
    np.testing.assert_allclose(ep.mean_bpm, 60 / 0.75, rtol=0.1)   # mean of U(0.4, 1.1) s
    # sinus windows: regular RR, screened out before the model (so the model ran on few windows)
    sinus_only = (scan.window_start_s + scan.window_s < 110.0) | (scan.window_start_s > 250.0)
    assert not scan.screened[sinus_only].any() and not scan.af_window[sinus_only].any()


def test_short_af_burst_is_not_an_episode():
    """Is 20 s of AF (shorter than the 30 s that ESC 2020 requires) left without an episode?"""
    fs = 250.0
    rec, beats_s = _sinus_af_sinus(fs, af=(100.0, 120.0), duration_s=240.0, seed=3)
    scan = afmodel.af_episodes_model(rec.signal_mv, fs, _true_beats(fs, beats_s), lead_names=rec.lead_names)
    assert scan.episodes == ()


def test_prescreen_loses_no_af_window_on_the_synthetic_record():
    """Does computing the model on every window find the same AF windows as the pre-screened scan?"""
    fs = 250.0
    rec, beats_s = _sinus_af_sinus(fs, seed=5)
    beats = _true_beats(fs, beats_s)
    s1 = afmodel.af_episodes_model(rec.signal_mv, fs, beats, lead_names=rec.lead_names)
    s0 = afmodel.af_episodes_model(rec.signal_mv, fs, beats, lead_names=rec.lead_names, prescreen=0.0)
    np.testing.assert_array_equal(s0.af_window, s1.af_window)
    assert s0.screened.sum() > s1.screened.sum()


def test_frac_dev_windows_equals_feature():
    """Is the vectorised frac_dev_10pct of each window the resting-strip feature of that window?"""
    rng = np.random.default_rng(1)
    rr = rng.uniform(0.5, 1.0, 200)
    r = np.round(np.r_[0, np.cumsum(rr)] * 250).astype(np.int64) + 100
    starts = np.arange(0, r[-1] - 7500, 2500)
    m, counts = afmodel._window_rr(r, 250.0, None, starts, starts + 7500)
    got = afmodel.frac_dev_10pct_windows(m, counts)
    for w, a in enumerate(starts):
        rw = r[(r >= a) & (r < a + 7500)]
        want = afmodel._rr_features(np.diff(rw) / 250.0)["frac_dev_10pct"]
        np.testing.assert_allclose(got[w], want)


def _cinc(name):
    return read_record(FIXTURES / "cinc2017" / f"{name}.hea")


def test_real_af_between_normal_strips():
    """On real ECG (CinC 2017 normal A00001, AF A00004 twice, A00001 again), is AF found where A00004 lies and only there?"""
    n, af = _cinc("A00001"), _cinc("A00004")
    x = np.concatenate([n.signal_mv, af.signal_mv, af.signal_mv, n.signal_mv])
    fs = n.fs
    t0, t1 = n.signal_mv.shape[0] / fs, (n.signal_mv.shape[0] + 2 * af.signal_mv.shape[0]) / fs
    beats = detect_beats(x, fs)
    scan = afmodel.af_episodes_model(x, fs, beats, lead_names=n.lead_names)
    assert len(scan.episodes) == 1
    ep = scan.episodes[0]
    assert abs(ep.start_s - t0) <= TOL_S and abs(ep.end_s - t1) <= TOL_S


def test_window_probability_is_the_resting_strip_probability():
    """Does each window of the scan get the probability that analyze gives the same 30-s cut (the fitted pipeline)?"""
    n, af = _cinc("A00001"), _cinc("A00004")
    x = np.concatenate([n.signal_mv, af.signal_mv, af.signal_mv, n.signal_mv])
    fs = n.fs
    scan = afmodel.af_episodes_model(x, fs, detect_beats(x, fs), lead_names=n.lead_names)
    read = np.flatnonzero(np.isfinite(scan.probability))
    assert read.size >= 3
    for w in read:
        a = int(round(scan.window_start_s[w] * fs))
        cut = Record(signal_mv=x[a:a + int(30 * fs)], fs=fs, lead_names=n.lead_names)
        assert abs(scan.probability[w] - analyze(cut).af_model["probability"]) < 0.05


def test_real_sinus_with_ectopy_has_no_episode():
    """Are the MIT-BIH 60-s cuts (100 sinus, 106 and 119 with ventricular ectopy and bigeminy) free of AF episodes?"""
    for name in ("mitdb_100_60s", "mitdb_106_60s", "mitdb_119_60s"):
        rec = read_record(FIXTURES / f"{name}.hea")
        scan = afmodel.af_episodes_model(rec.signal_mv, rec.fs, detect_beats(rec.signal_mv, rec.fs),
                                         lead_names=rec.lead_names)
        assert scan.episodes == () and not scan.af_window.any(), name


def test_analyze_uses_the_model_for_long_recordings(monkeypatch):
    """With LONG_AF = "model", does analyze report the AF episode of a 6-min recording from the windowed model?"""
    rec, _ = _sinus_af_sinus(250.0)
    monkeypatch.setattr(analysis, "LONG_AF", "model")
    af = [f for f in analyze(rec).findings if f.code == "AF"]
    assert len(af) == 1 and "AF model" in af[0].reference
    assert abs(af[0].start_s - 120.0) <= TOL_S and abs(af[0].end_s - 240.0) <= TOL_S
    assert af[0].severity == "urgent"


def test_analyze_default_keeps_the_rr_rule(monkeypatch):
    """By default (LONG_AF = "rr"), is the AF finding of a long recording the RR rule's, JSON-ready either way?"""
    import json

    rec, _ = _sinus_af_sinus(250.0, seed=2)
    assert analysis.LONG_AF == "rr"
    rr = analyze(rec)
    assert [f for f in rr.findings if f.code == "AF"] and all(
        "AF model" not in f.reference for f in rr.findings if f.code == "AF")
    monkeypatch.setattr(analysis, "LONG_AF", "model")
    json.dumps(analyze(rec).to_dict())


def test_unreadable_stretch_is_not_read():
    """When the AF stretch's RR intervals are marked unreadable, is no window there read and no episode reported?"""
    fs = 250.0
    rec, beats_s = _sinus_af_sinus(fs, seed=4)
    beats = _true_beats(fs, beats_s)
    valid = ~((beats_s[:-1] >= 115.0) & (beats_s[1:] <= 245.0))
    scan = afmodel.af_episodes_model(rec.signal_mv, fs, beats, lead_names=rec.lead_names, valid_rr=valid)
    inside = (scan.window_start_s >= 115.0) & (scan.window_start_s + scan.window_s <= 245.0)
    assert inside.any() and not scan.screened[inside].any()
    assert scan.episodes == ()


def test_rejects_bad_input():
    """Is a 3-D array refused?"""
    with pytest.raises(ValueError, match="1-D or 2-D"):
        afmodel.af_episodes_model(np.zeros((2, 2, 2)), 250.0, _true_beats(250.0, np.array([0.5])), lead_names=("I",))
