"""Per-lead median-beat measurements: Q-wave duration from the lead's own onset, P terminal force in V1."""
import numpy as np
import pytest
from ecgsignal.measure import MIN_WAVE_MV, p_terminal_force_v1, qrs_waves
from ecgsignal.types import Delineation, Measurements, Waves


@pytest.mark.parametrize("fs", [250.0, 500.0, 1000.0])
def test_q_duration_starts_where_the_lead_leaves_the_baseline(fs):
    """Is a 20-ms Q wave in a lead that stays isoelectric (slightly below 0) for the first 12 ms measured as ~20 ms?"""
    n_iso, n_q = round(0.012 * fs), round(0.020 * fs)
    iso = np.full(n_iso, -0.005)                                   # 5 uV below baseline: still isoelectric
    q = -0.25 * np.sin(np.pi * np.arange(1, n_q + 1) / (n_q + 1))  # the Q wave proper
    r = 1.0 * np.sin(np.pi * np.arange(1, int(0.04 * fs)) / int(0.04 * fs))
    w = qrs_waves(np.r_[iso, q, r], fs)
    assert w["q_amp_mv"] == pytest.approx(-0.25, abs=0.01)
    # without the lead's own onset it would read 32 ms, a pathological Q (>= 30 ms, UDMI 2018)
    assert 20.0 - 2 * 1000.0 / fs <= w["q_dur_ms"] <= 20.0 + 1000.0 / fs


def _delineation(v1_mv, fs, p_on, p_off):
    n = v1_mv.size
    tb = np.stack([v1_mv, np.zeros(n)], axis=1).astype(np.float32)
    empty = np.zeros(0, int)
    return Delineation(template_mv=tb, fs=fs, r_index=n - 10, p_on=p_on, p_off=p_off, qrs_on=n - 20,
                       qrs_off=n - 5, t_off=-1, lead_names=("V1", "II"), measurements=Measurements(),
                       waves=Waves(empty, empty, empty, empty, empty), n_beats=10)


@pytest.mark.parametrize("fs", [500.0, 1000.0])
def test_p_terminal_force_of_a_biphasic_p(fs):
    """Is the Morris index of a V1 P with a 0.1-mV, 50-ms terminal negative phase ~0.005 mV*s, from the pre-P level?"""
    def k(s):
        return round(s * fs)

    pos = 0.08 * np.sin(np.pi * np.arange(k(0.05)) / k(0.05))
    neg = -0.10 * np.sin(np.pi * np.arange(k(0.05)) / k(0.05))
    offset = 0.03                     # the whole beat sits 0.03 mV above the template's zero (PR-segment baseline)
    v1 = np.r_[np.zeros(k(0.1)), pos, neg, np.zeros(k(0.1))] + offset
    d = _delineation(v1, fs, k(0.1), k(0.2) - 1)
    # depth 0.1 mV x 50 ms (the samples at the zero crossings excluded)
    assert p_terminal_force_v1(d) == pytest.approx(0.1 * 0.05, rel=0.1)


def test_p_terminal_force_zero_without_a_negative_phase_or_nan_without_p():
    """Is an upright P's terminal force 0 (noise under half the minimum wave ignored), and NaN without a P wave?"""
    fs = 500.0
    p = 0.1 * np.sin(np.pi * np.arange(50) / 50)
    p[-5:] -= MIN_WAVE_MV / 4                                       # a wiggle below 0, shallower than 10 uV
    v1 = np.r_[np.zeros(50), p, np.zeros(50)]
    assert p_terminal_force_v1(_delineation(v1, fs, 50, 99)) == 0.0
    assert np.isnan(p_terminal_force_v1(_delineation(v1, fs, -1, -1)))
