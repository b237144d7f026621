"""Tests of ecgsignal.beats.detect_beats: synthetic ECG with known beat times and MIT-BIH fixtures."""
from pathlib import Path

import numpy as np
import pytest
import wfdb
import wfdb.processing

from ecgsignal.beats import detect_beats

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
BEAT_SYMBOLS = list("NLRBAaJSVrFejnE/fQ?")


def synthetic_ecg(fs, *, duration_s=30.0, hr_bpm=72.0, seed=0, noise_mv=0.0, wander_mv=0.0, amplitude=1.0):
    """Sum-of-Gaussians ECG (P, Q, R, S, T) with jittered RR; returns (ecg_mv, r_peak_samples)."""
    rng = np.random.default_rng(seed)
    rr = 60.0 / hr_bpm
    beat_t = []
    t = 0.6
    while t < duration_s - 0.8:
        beat_t.append(t)
        t += rr * (1 + 0.05 * rng.standard_normal())
    beat_t = np.asarray(beat_t)
    r_idx = np.round(beat_t * fs).astype(int)
    time = np.arange(int(duration_s * fs)) / fs
    ecg = np.zeros_like(time)
    # (offset s, amplitude mV, width s): P, Q, R, S, T
    waves = [(-0.2, 0.12, 0.025), (-0.03, -0.12, 0.008), (0.0, 1.2, 0.010), (0.03, -0.3, 0.009), (0.28, 0.3, 0.045)]
    for r in r_idx / fs:
        lo, hi = np.searchsorted(time, [r - 0.4, r + 0.6])
        tt = time[lo:hi] - r
        for off, amp, w in waves:
            ecg[lo:hi] += amp * np.exp(-0.5 * ((tt - off) / w) ** 2)
    ecg *= amplitude
    if wander_mv:
        ecg += wander_mv * np.sin(2 * np.pi * 0.3 * time + 1.0) + 0.5 * wander_mv * np.sin(2 * np.pi * 0.07 * time)
    if noise_mv:
        ecg += noise_mv * rng.standard_normal(time.size)
    return ecg, r_idx


def read_fixture(name):
    """Return (signal_mv, fs, reference beat samples) of a committed MIT-BIH cut."""
    rec = wfdb.rdrecord(str(FIXTURES / name))
    ann = wfdb.rdann(str(FIXTURES / name), "atr")
    sym = np.asarray(ann.symbol)
    keep = np.isin(sym, BEAT_SYMBOLS)
    return rec.p_signal, float(rec.fs), ann.sample[keep], sym[keep]


@pytest.mark.parametrize("fs", [250, 360, 500])
def test_synthetic_beat_times(fs):
    """Does a clean synthetic ECG give every R peak within 2 samples at 250/360/500 Hz?"""
    ecg, r_idx = synthetic_ecg(fs)
    beats = detect_beats(ecg, fs)
    assert beats.r_peaks.shape == r_idx.shape
    np.testing.assert_allclose(beats.r_peaks / fs, r_idx / fs, atol=2 / fs)
    assert beats.labels.shape == beats.r_peaks.shape
    assert beats.qrs_width_s.shape == beats.r_peaks.shape
    assert beats.fs == fs


@pytest.mark.parametrize("fs", [250, 360, 500])
def test_inverted_lead(fs):
    """Are the beats of an inverted lead found at the same times as the upright lead?"""
    ecg, r_idx = synthetic_ecg(fs, seed=1)
    beats = detect_beats(-ecg, fs)
    np.testing.assert_allclose(beats.r_peaks / fs, r_idx / fs, atol=2 / fs)


@pytest.mark.parametrize("fs", [250, 360, 500])
def test_baseline_wander_and_noise(fs):
    """Are the beats still found under 1 mV baseline wander and 0.05 mV white noise?"""
    ecg, r_idx = synthetic_ecg(fs, seed=2, wander_mv=1.0, noise_mv=0.05)
    beats = detect_beats(ecg, fs)
    assert beats.r_peaks.shape == r_idx.shape
    np.testing.assert_allclose(beats.r_peaks / fs, r_idx / fs, atol=4 / fs)


def test_multilead_fusion_with_one_noisy_lead():
    """Does a 3-lead input with one pure-noise lead and one inverted lead still give every beat once?"""
    fs = 360
    ecg, r_idx = synthetic_ecg(fs, seed=3)
    rng = np.random.default_rng(3)
    noise = 0.5 * rng.standard_normal(ecg.size)
    x = np.column_stack([noise, -0.6 * ecg, ecg + 0.02 * rng.standard_normal(ecg.size)])
    beats = detect_beats(x, fs)
    assert beats.r_peaks.shape == r_idx.shape
    np.testing.assert_allclose(beats.r_peaks / fs, r_idx / fs, atol=3 / fs)


def test_no_duplicates_and_refractory():
    """Are the beats strictly increasing with no RR below the refractory period, even at 180 bpm?"""
    fs = 360
    ecg, _ = synthetic_ecg(fs, seed=4, hr_bpm=180, noise_mv=0.1)
    for refractory_s in (0.2, 0.25):
        beats = detect_beats(ecg, fs, refractory_s=refractory_s)
        rr = np.diff(beats.r_peaks)
        assert np.all(rr > 0)
        assert rr.min() >= int(round(refractory_s * fs))
        assert beats.r_peaks.dtype == np.int64


@pytest.mark.parametrize("hr_bpm", [40, 200, 230])
def test_extreme_rates(hr_bpm):
    """Are bradycardia at 40 bpm and tachycardia at 200-230 bpm detected beat for beat (no T-wave culling)?"""
    fs = 250
    ecg, r_idx = synthetic_ecg(fs, seed=7, hr_bpm=hr_bpm, noise_mv=0.05, duration_s=60)
    beats = detect_beats(ecg, fs)
    cmp = wfdb.processing.compare_annotations(r_idx, beats.r_peaks, int(0.15 * fs))
    assert cmp.sensitivity >= 0.99
    assert cmp.positive_predictivity >= 0.99


@pytest.mark.parametrize("value", [0.0, 1.5])
def test_flat_line_gives_no_beats(value):
    """Does a flat line (zero or with an offset) give no beats?"""
    beats = detect_beats(np.full(3600, value), 360)
    assert beats.r_peaks.size == 0
    assert beats.labels.size == 0


def test_nan_gap_tolerated():
    """Does a 2-s NaN gap leave the beats outside the gap intact?"""
    fs = 360
    ecg, r_idx = synthetic_ecg(fs, seed=5)
    ecg[10 * fs:12 * fs] = np.nan
    beats = detect_beats(ecg, fs)
    outside = r_idx[(r_idx < 10 * fs - 30) | (r_idx > 12 * fs + 30)]
    found = beats.r_peaks[(beats.r_peaks < 10 * fs - 30) | (beats.r_peaks > 12 * fs + 30)]
    np.testing.assert_allclose(found / fs, outside / fs, atol=2 / fs)


@pytest.mark.parametrize("shape", [(), (10, 2, 2)])
def test_wrong_ndim(shape):
    """Is a 0-D or 3-D input rejected with a clear ValueError?"""
    with pytest.raises(ValueError, match="1-D or 2-D"):
        detect_beats(np.zeros(shape), 360)


@pytest.mark.parametrize("record", ["mitdb_100_60s", "mitdb_106_60s", "mitdb_119_60s"])
@pytest.mark.parametrize("leads", ["first", "all"])
def test_mitdb_acceptance(record, leads):
    """Do Se and +P reach 99% on the MIT-BIH fixtures with a 150 ms window (first lead and both leads)?"""
    sig, fs, ref, _ = read_fixture(record)
    x = sig[:, 0] if leads == "first" else sig
    beats = detect_beats(x, fs)
    cmp = wfdb.processing.compare_annotations(ref, beats.r_peaks, int(0.15 * fs))
    assert cmp.sensitivity >= 0.99
    assert cmp.positive_predictivity >= 0.99


def test_chunked_equals_unchunked():
    """Does chunked processing (20-s chunks) give the same beats as one piece?"""
    sig, fs, _, _ = read_fixture("mitdb_106_60s")
    whole = detect_beats(sig, fs, chunk_s=3600)
    chunked = detect_beats(sig, fs, chunk_s=20, overlap_s=8)
    np.testing.assert_array_equal(chunked.r_peaks, whole.r_peaks)
    np.testing.assert_array_equal(chunked.labels, whole.labels)


def test_pvcs_labelled_v_on_bigeminy():
    """Are most PVCs of mitdb 119 (ventricular bigeminy) labelled 'V' and most normal beats not?"""
    sig, fs, ref, sym = read_fixture("mitdb_119_60s")
    beats = detect_beats(sig[:, 0], fs)
    cmp = wfdb.processing.compare_annotations(ref, beats.r_peaks, int(0.15 * fs))
    ref_i = cmp.matched_ref_inds
    test_i = cmp.matched_test_inds
    is_v_ref = sym[ref_i] == "V"
    is_v_found = beats.labels[test_i] == "V"
    assert is_v_ref.sum() > 10
    assert (is_v_found & is_v_ref).sum() / is_v_ref.sum() >= 0.9
    assert (is_v_found & ~is_v_ref).sum() <= 0.05 * (~is_v_ref).sum()


def test_normal_beats_of_106_not_called_v():
    """Are the normal beats of mitdb 106 (no PVC in its first minute) kept out of 'V', and 119's PVCs still found, on both leads?"""
    for name in ("mitdb_106_60s", "mitdb_119_60s"):
        sig, fs, ref, sym = read_fixture(name)
        beats = detect_beats(sig, fs)
        cmp = wfdb.processing.compare_annotations(ref, beats.r_peaks, int(0.15 * fs))
        is_v_ref = np.isin(sym[cmp.matched_ref_inds], ["V", "E"])
        is_v_found = beats.labels[cmp.matched_test_inds] == "V"
        assert (is_v_found & ~is_v_ref).sum() <= 0.02 * (~is_v_ref).sum()
        if is_v_ref.any():
            assert (is_v_found & is_v_ref).sum() / is_v_ref.sum() >= 0.9


def test_template_match_overrides_measured_width():
    """Is a slightly early beat that repeats the dominant waveform 'N' even when its measured QRS width is off?"""
    from ecgsignal.beats import _classify, _snippets

    fs = 360.0
    ecg, _ = synthetic_ecg(fs, seed=3)
    r = np.asarray(detect_beats(ecg, fs).r_peaks)
    snip, valid = _snippets(ecg[:, None], r, fs, ecg.size, 0, None)
    width = np.full(r.size, 0.09)
    k = r.size // 2
    width[k] = 0.25                                     # a delineation failure: 2.8 x the template's
    timing = r.copy()
    timing[k] -= int(0.15 * np.median(np.diff(r)))     # 15 % early, as in sinus arrhythmia
    labels, extra = _classify(timing, snip, valid, width, fs, 1, np.zeros(r.size))
    assert extra["rr_prev_ratio"][k] < 0.9
    assert extra["template_corr"][k] >= 0.95
    assert labels[k] != "V"


def test_qrs_width_plausible():
    """Are QRS widths between 40 and 200 ms on a clean synthetic ECG?"""
    ecg, _ = synthetic_ecg(360, seed=6)
    w = detect_beats(ecg, 360).qrs_width_s
    assert np.all((w > 0.04) & (w < 0.2))


def test_memmap_input_gives_same_beats(tmp_path):
    """Does a memory-mapped recording, read chunk by chunk, give the same beats as an in-memory array?"""
    sig, fs, _, _ = read_fixture("mitdb_100_60s")
    path = tmp_path / "ecg.npy"
    np.save(path, sig.astype(np.float32))
    mapped = np.load(path, mmap_mode="r")
    a = detect_beats(mapped, fs, chunk_s=20)
    b = detect_beats(sig.astype(np.float32), fs)
    np.testing.assert_array_equal(a.r_peaks, b.r_peaks)


def test_label_vocabulary_and_extra():
    """Are labels only 'N', 'V', 'S' or 'Q', with per-beat features of matching length in `extra`?"""
    sig, fs, _, _ = read_fixture("mitdb_119_60s")
    beats = detect_beats(sig, fs)
    assert set(np.unique(beats.labels)) <= {"N", "V", "S", "Q"}
    for key in ("template_corr", "rr_prev_ratio", "noise_ratio"):
        assert beats.extra[key].shape == beats.r_peaks.shape
