"""Fixtures for the ecgsignal tests: fixture paths and a seeded synthetic ECG generator."""
import sys
from pathlib import Path

# Test the ecgsignal of this working tree, whatever an editable install points at.
_SIGNAL = str(Path(__file__).resolve().parents[2] / "signal")
if _SIGNAL not in sys.path:
    sys.path.insert(0, _SIGNAL)

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from ecgsignal.types import Record  # noqa: E402

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"

# (offset s, amplitude mV, width s) of P, Q, R, S, T; lead 2 is a scaled, inverted-T variant.
_WAVES = [(-0.18, 0.12, 0.022), (-0.03, -0.12, 0.008), (0.0, 1.2, 0.010), (0.03, -0.3, 0.009),
          (0.28, 0.3, 0.045)]


def synth_record(fs, beat_times_s, *, duration_s, n_leads=2, seed=0, noise_mv=0.01, wander_mv=0.0):
    """Sum-of-Gaussians ECG with beats at `beat_times_s` (s) as a Record (float32 mV)."""
    rng = np.random.default_rng(seed)
    n = int(round(duration_s * fs))
    t = np.arange(n) / fs
    ecg = np.zeros(n)
    for b in np.asarray(beat_times_s, float):
        lo, hi = np.searchsorted(t, [b - 0.4, b + 0.6])
        tt = t[lo:hi] - b
        for off, amp, w in _WAVES:
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
