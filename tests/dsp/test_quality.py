"""Tests of ecgsignal.quality: flat, clipped, noisy and missing leads, and the LOW_QUALITY findings."""
import numpy as np
import pytest

from ecgsignal import analyze
from ecgsignal.quality import signal_quality
from ecgsignal.types import Record

FS = [250.0, 360.0, 500.0]


@pytest.mark.parametrize("fs", FS)
def test_clean_synthetic_is_readable(synth, beats_at, fs):
    """Is a clean synthetic ECG rated readable in every window and lead?"""
    rec = synth(fs, beats_at(70, 30.0), duration_s=30.0)
    q = signal_quality(rec.signal_mv, fs)
    assert q.window_index.min() >= 0.9
    assert q.usable.all() and not q.problems


@pytest.mark.parametrize("fs", FS)
def test_flat_lead(synth, beats_at, fs):
    """Is a lead that is a flat line rated 0 and reported as LOW_QUALITY on that lead?"""
    rec = synth(fs, beats_at(70, 30.0), duration_s=30.0)
    x = rec.signal_mv.copy()
    x[:, 1] = 0.3
    a = analyze(Record(signal_mv=x, fs=fs, lead_names=rec.lead_names))
    assert a.quality.lead_index[1] < 0.1 and a.quality.lead_index[0] > 0.9
    low = [f for f in a.findings if f.code == "LOW_QUALITY"]
    assert low and low[0].lead == "V1" and "flat" in low[0].text
    assert a.heart_rate_bpm == pytest.approx(70, abs=3)


@pytest.mark.parametrize("fs", FS)
def test_clipped_lead(synth, beats_at, fs):
    """Is a lead clipped at the recorder's range flagged as clipped?"""
    rec = synth(fs, beats_at(70, 30.0), duration_s=30.0)
    x = rec.signal_mv.copy()
    x[:, 0] = np.clip(x[:, 0] * 4, -0.5, 0.5)
    a = analyze(Record(signal_mv=x, fs=fs, lead_names=rec.lead_names))
    assert any(p.kind == "clipped" and p.lead == "MLII" for p in a.quality.problems)
    assert a.quality.lead_index[0] < 0.5
    low = [f for f in a.findings if f.code == "LOW_QUALITY" and f.lead == "MLII"]
    assert low and "clipped" in low[0].text


@pytest.mark.parametrize("fs", FS)
def test_noise_burst_is_localised(synth, beats_at, fs):
    """Is a 10-s burst of heavy broadband noise rated unreadable there and only there?"""
    rec = synth(fs, beats_at(70, 40.0), duration_s=40.0)
    x = rec.signal_mv.copy()
    rng = np.random.default_rng(1)
    i0, i1 = int(10 * fs), int(20 * fs)
    x[i0:i1] += rng.standard_normal((i1 - i0, 2)).astype(np.float32) * 1.5
    q = signal_quality(x, fs)
    w = q.window_s
    bad = ~q.usable
    t_bad = np.flatnonzero(bad) * w
    assert bad.sum() >= 3
    assert t_bad.min() >= 9.9 and t_bad.max() < 20.0
    assert any(p.kind == "noise" for p in q.problems)


@pytest.mark.parametrize("fs", FS)
def test_pause_is_not_unreadable(synth, fs):
    """Is a quiet stretch between beats (a pause) kept readable, not dismissed as a flat lead?"""
    beats = np.r_[np.arange(0.5, 10, 0.8), np.arange(14.5, 25, 0.8)]
    rec = synth(fs, beats, duration_s=25.0)
    a = analyze(rec)
    assert [f.code for f in a.findings].count("PAUSE") == 1
    assert "LOW_QUALITY" not in [f.code for f in a.findings]


def test_all_missing_window_is_missing():
    """Is a stretch of NaN reported as missing signal?"""
    x = np.zeros((5000, 1), np.float32)
    x[1000:3000] = np.nan
    q = signal_quality(x, 250.0)
    assert any(p.kind == "missing" for p in q.problems)


def test_rejects_3d():
    """Is a 3-D array refused with a ValueError?"""
    with pytest.raises(ValueError, match="1-D or 2-D"):
        signal_quality(np.zeros((10, 2, 2)), 250.0)


@pytest.mark.parametrize("shape, axis", [((3, 2000), -1), ((40, 60, 12), 1), ((500, 12), 0), ((20,), 0)])
def test_cached_sosfiltfilt_matches_scipy(shape, axis):
    """Does the zi-cached zero-phase filter give exactly scipy.signal.sosfiltfilt's result?"""
    import scipy.signal

    from ecgsignal.quality import butter_sos, sosfiltfilt
    x = np.random.default_rng(1).standard_normal(shape).astype(np.float32)
    for sos in (butter_sos(2, 40.0, "lowpass", 500.0), butter_sos(2, (0.5, 40.0), "bandpass", 500.0)):
        pad = min(15, shape[axis] - 1)
        np.testing.assert_allclose(sosfiltfilt(sos, x, axis=axis, padlen=pad),
                                   scipy.signal.sosfiltfilt(sos, x, axis=axis, padlen=pad), rtol=0, atol=1e-12)
