"""Fixtures for the ecgsignal tests: fixture paths and a seeded synthetic ECG generator."""
from pathlib import Path

import numpy as np
import pytest

from ecgsignal.types import Record

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"

# (offset s, amplitude mV, width s) of P, Q, R, S, T; lead 2 is a scaled, inverted-T variant.
_WAVES = [(-0.18, 0.12, 0.022), (-0.03, -0.12, 0.008), (0.0, 1.2, 0.010), (0.03, -0.3, 0.009),
          (0.28, 0.3, 0.045)]


def synth_record(fs, beat_times_s, *, duration_s, n_leads=2, seed=0, noise_mv=0.01, wander_mv=0.0,
                 p_wave=True):
    """Sum-of-Gaussians ECG with beats at `beat_times_s` (s) as a Record (float32 mV); no P waves if not `p_wave`."""
    rng = np.random.default_rng(seed)
    n = int(round(duration_s * fs))
    t = np.arange(n) / fs
    ecg = np.zeros(n)
    bt = np.asarray(beat_times_s, float)
    rr = float(np.median(np.diff(bt))) if bt.size > 1 else 1.0
    qt_scale = np.sqrt(min(max(rr, 0.3), 1.5))  # T wave moves with rate (Bazett-like)
    for b in bt:
        lo, hi = np.searchsorted(t, [b - 0.4, b + 0.6])
        tt = t[lo:hi] - b
        for k, (off, amp, w) in enumerate(_WAVES):
            if k == 0 and not p_wave:
                continue
            if k == 4:
                off, w = off * qt_scale, w * qt_scale
            ecg[lo:hi] += amp * np.exp(-0.5 * ((tt - off) / w) ** 2)
    leads = [ecg * (1.0 if j == 0 else 0.6 + 0.1 * j) for j in range(n_leads)]
    x = np.stack(leads, axis=1)
    if wander_mv:
        x += wander_mv * np.sin(2 * np.pi * 0.25 * t)[:, None]
    x += noise_mv * rng.standard_normal(x.shape)
    names = ("MLII", "V1", "V2", "V3", "V4", "V5")[:n_leads]
    return Record(signal_mv=x.astype(np.float32), fs=float(fs), lead_names=names)


def regular_beats(hr_bpm, duration_s, *, first_s=0.5, jitter=0.01, seed=0):
    """Beat times (s) at `hr_bpm` with small Gaussian RR jitter (fraction of RR)."""
    rng = np.random.default_rng(seed)
    rr = 60.0 / hr_bpm
    out, tb = [], first_s
    while tb < duration_s - 0.7:
        out.append(tb)
        tb += rr * (1 + jitter * rng.standard_normal())
    return np.asarray(out)


@pytest.fixture
def fixtures_dir():
    return FIXTURES


@pytest.fixture
def synth():
    """The synthetic ECG generator: synth(fs, beat_times_s, duration_s=..., ...) -> Record."""
    return synth_record


@pytest.fixture
def beats_at():
    """Beat-time generator: beats_at(hr_bpm, duration_s, ...) -> ndarray of seconds."""
    return regular_beats


LEADS12 = ("I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6")
_FRONTAL_DEG = {"I": 0, "II": 60, "III": 120, "aVR": -150, "aVL": -30, "aVF": 90}
# QRS, T and P scale of the precordial leads (R/S progression, upright T except V1).
_PRECORDIAL = {"V1": (-0.8, -0.1, 0.5), "V2": (-0.4, 0.5, 0.6), "V3": (0.3, 0.6, 0.6),
               "V4": (0.9, 0.6, 0.6), "V5": (1.0, 0.5, 0.6), "V6": (0.9, 0.4, 0.6)}


def synth12_record(fs, *, hr_bpm=70.0, duration_s=10.0, axis_deg=60.0, qrs_s=0.09, pr_s=0.16,
                   qt_s=0.40, st_mv=None, st_slope_mv=None, j_wave_mv=None, seed=0, noise_mv=0.005):
    """12-lead sum-of-Gaussians ECG with a frontal QRS axis and optional ST shifts / J waves per lead (mV)."""
    rng = np.random.default_rng(seed)
    n = int(round(duration_s * fs))
    t = np.arange(n) / fs
    beats = regular_beats(hr_bpm, duration_s, jitter=0.005, seed=seed)
    st_mv = st_mv or {}
    st_slope_mv = st_slope_mv or {}
    j_wave_mv = j_wave_mv or {}
    w_qrs = qrs_s / 6.0                     # Gaussian sd: ~ +-3 sd is the QRS
    qrs_on = -qrs_s / 2
    p_peak = qrs_on - pr_s + 0.05           # P peak 50 ms after P onset; PR from P onset to QRS onset
    # T end where the Gaussian T (sd 45 ms) has fallen to 4 % of its height, 2.5 sd after its
    # peak: where it meets the baseline to the eye and to the trapezium method (waves.py)
    t_peak = qrs_on + qt_s - 2.5 * 0.045
    x = np.zeros((n, 12))
    for j, name in enumerate(LEADS12):
        if name in _FRONTAL_DEG:
            c = np.cos(np.radians(axis_deg - _FRONTAL_DEG[name]))
            q, tt_, pp = c, 0.35 * c, 0.15 * np.cos(np.radians(60 - _FRONTAL_DEG[name]))
        else:
            q, tt_, pp = _PRECORDIAL[name]
            pp = 0.1 * pp
        for b in beats:
            lo, hi = np.searchsorted(t, [b - 0.45, b + 0.65])
            s = t[lo:hi] - b
            y = pp * np.exp(-0.5 * ((s - p_peak) / 0.02) ** 2)
            y += q * 1.2 * np.exp(-0.5 * (s / w_qrs) ** 2)
            y -= q * 0.25 * np.exp(-0.5 * ((s - 1.5 * w_qrs) / (0.5 * w_qrs)) ** 2)
            y += tt_ * np.exp(-0.5 * ((s - t_peak) / 0.045) ** 2)
            if name in j_wave_mv:
                # a J wave (end-QRS notch) on the R downslope, the S wave replaced by it
                y += q * 0.25 * np.exp(-0.5 * ((s - 1.5 * w_qrs) / (0.5 * w_qrs)) ** 2)
                y += j_wave_mv[name] * np.exp(-0.5 * ((s - 2.6 * w_qrs) / (0.4 * w_qrs)) ** 2)
            if name in st_mv or name in st_slope_mv:
                # ST shift from the J point to the T wave (smooth edges)
                j0, j1 = -qrs_on - 0.025, t_peak - 0.01
                plateau = 1 / (1 + np.exp(-(s - j0) / 0.004)) * 1 / (1 + np.exp((s - j1) / 0.02))
                y += st_mv.get(name, 0.0) * plateau + st_slope_mv.get(name, 0.0) * plateau * (s - j0) / 0.08
            x[lo:hi, j] += y
    x += noise_mv * rng.standard_normal(x.shape)
    return Record(signal_mv=x.astype(np.float32), fs=float(fs), lead_names=LEADS12)


@pytest.fixture
def synth12():
    """12-lead synthetic generator: synth12(fs, hr_bpm=..., axis_deg=..., st_mv={...}, ...) -> Record."""
    return synth12_record
