"""Tests of ecgsignal.filters: zero-phase baseline removal, notch and band-pass."""
import numpy as np
import pytest

from ecgsignal.filters import bandpass, notch_powerline, remove_baseline


def tone(fs, hz, *, seconds=10.0, amplitude=1.0):
    """A sine of `hz` Hz sampled at `fs` Hz."""
    t = np.arange(int(seconds * fs)) / fs
    return amplitude * np.sin(2 * np.pi * hz * t)


def rms(x):
    return float(np.sqrt(np.mean(np.square(x))))


@pytest.mark.parametrize("fs", [250, 360, 500])
def test_remove_baseline_kills_wander_keeps_qrs_band(fs):
    """Does remove_baseline attenuate 0.1 Hz wander 10x while passing 10 Hz almost unchanged?"""
    edge = int(2 * fs)
    wander = remove_baseline(tone(fs, 0.1, seconds=40), fs)
    qrs = remove_baseline(tone(fs, 10.0), fs)
    assert rms(wander[edge:-edge]) < 0.1 * rms(tone(fs, 0.1, seconds=40)[edge:-edge])
    assert rms(qrs[edge:-edge]) == pytest.approx(rms(tone(fs, 10.0)[edge:-edge]), rel=0.01)


@pytest.mark.parametrize("fs", [250, 360, 500])
def test_zero_phase(fs):
    """Is a band-passed 10 Hz tone in phase with the input (no group delay)?"""
    x = tone(fs, 10.0)
    y = bandpass(x, fs, low_hz=5, high_hz=15)
    mid = slice(int(2 * fs), int(8 * fs))
    lag = np.argmax(np.correlate(y[mid], x[mid], mode="full")) - (y[mid].size - 1)
    assert abs(lag) <= 1


@pytest.mark.parametrize("mains_hz", [50.0, 60.0])
def test_notch_removes_mains(mains_hz):
    """Does notch_powerline remove 50/60 Hz hum while keeping a 10 Hz component?"""
    fs = 500
    x = tone(fs, 10.0) + 0.5 * tone(fs, mains_hz)
    y = notch_powerline(x, fs, mains_hz=mains_hz)
    mid = slice(int(2 * fs), int(8 * fs))
    np.testing.assert_allclose(y[mid], tone(fs, 10.0)[mid], atol=0.03)


def test_notch_above_nyquist_is_identity():
    """Is the signal returned unchanged when the mains frequency is above Nyquist?"""
    x = tone(100, 5.0)
    np.testing.assert_array_equal(notch_powerline(x, 100, mains_hz=60.0), x)


def test_two_d_filters_each_lead():
    """Does a 2-D (n_samples, n_leads) input give the same result as filtering each lead alone?"""
    fs = 360
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3600, 3))
    for fn, kw in ((remove_baseline, {}), (notch_powerline, {}), (bandpass, {"low_hz": 1, "high_hz": 40})):
        y = fn(x, fs, **kw)
        assert y.shape == x.shape
        for j in range(3):
            np.testing.assert_allclose(y[:, j], fn(x[:, j], fs, **kw), atol=1e-10)


def test_nan_stays_missing_and_does_not_spread():
    """Do NaN samples stay NaN, and only they, after filtering?"""
    fs = 360
    x = tone(fs, 1.0)
    x[1000:1100] = np.nan
    for y in (remove_baseline(x, fs), bandpass(x, fs, low_hz=0.5, high_hz=40), notch_powerline(x, fs)):
        assert np.array_equal(np.isnan(y), np.isnan(x))


def test_all_nan_lead():
    """Does an all-NaN lead come back all NaN without breaking the other lead?"""
    fs = 360
    x = np.column_stack([tone(fs, 10.0), np.full(int(10 * fs), np.nan)])
    y = remove_baseline(x, fs)
    assert np.isnan(y[:, 1]).all()
    assert np.isfinite(y[:, 0]).all()


def test_float32_kept():
    """Does float32 input give float32 output (no silent doubling of memory)?"""
    x = tone(360, 10.0).astype(np.float32)
    assert remove_baseline(x, 360).dtype == np.float32


@pytest.mark.parametrize("shape", [(), (10, 2, 2)])
def test_wrong_ndim(shape):
    """Is a 0-D or 3-D input rejected with a clear ValueError?"""
    with pytest.raises(ValueError, match="1-D or 2-D"):
        remove_baseline(np.zeros(shape), 360)


@pytest.mark.parametrize("kw", [{"low_hz": 20, "high_hz": 5}, {"low_hz": 0, "high_hz": 5}, {"low_hz": 200, "high_hz": 300}])
def test_bad_band(kw):
    """Are impossible band edges rejected with ValueError?"""
    with pytest.raises(ValueError):
        bandpass(np.zeros(1000), 360, **kw)


def test_short_signal():
    """Does a signal shorter than the filter padding still filter without error?"""
    y = bandpass(np.ones(5), 360, low_hz=1, high_hz=40)
    assert y.shape == (5,)


@pytest.mark.parametrize("n_leads", [1, 2, 3])
def test_sosfiltfilt_leads_matches_scipy(n_leads):
    """Does the two-leads-per-pass single-precision filter give scipy's sosfiltfilt (double) on real ECG, lead by lead?"""
    import scipy.signal
    from pathlib import Path

    from ecgsignal import read_record
    from ecgsignal.filters import sosfilt_leads, sosfiltfilt_leads
    rec = read_record(Path(__file__).resolve().parents[1] / "fixtures" / "mitdb_119_60s.hea")
    x = np.ascontiguousarray(rec.signal_mv.T)
    x = np.concatenate([x, -0.5 * x])[:n_leads]          # an odd lead count leaves one lead unpaired
    sos = scipy.signal.butter(2, (0.5, 40.0), btype="bandpass", fs=rec.fs, output="sos")
    ref = scipy.signal.sosfiltfilt(sos, x.astype(np.float64), axis=-1, padlen=15)
    got = sosfiltfilt_leads(sos, x, padlen=15)
    assert got.dtype == np.float32 and got.shape == x.shape
    # single precision: far below the 0.005 mV step of the recording
    np.testing.assert_allclose(got, ref, atol=5e-4)
    assert np.abs(got - ref).max() > 0  # it really ran in single precision, not a copy of scipy's output
    np.testing.assert_allclose(sosfilt_leads(sos, x), scipy.signal.sosfilt(sos, x.astype(np.float64), axis=-1),
                               atol=5e-4)
    np.testing.assert_allclose(sosfiltfilt_leads(sos, x[0], padlen=15), ref[0], atol=5e-4)


def test_sosfiltfilt_leads_keeps_leads_apart():
    """Is a tone in one lead of a pair absent from the other (the complex packing does not mix leads)?"""
    import scipy.signal

    from ecgsignal.filters import sosfiltfilt_leads
    fs = 360.0
    x = np.stack([tone(fs, 10.0), np.zeros(int(10 * fs))]).astype(np.float32)
    sos = scipy.signal.butter(2, (5.0, 15.0), btype="bandpass", fs=fs, output="sos")
    y = sosfiltfilt_leads(sos, x, padlen=15)
    assert np.abs(y[1]).max() == 0.0
    assert rms(y[0][500:-500]) == pytest.approx(rms(x[0][500:-500]), rel=0.02)
