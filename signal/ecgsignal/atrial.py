"""Atrial activity outside the QRS: flutter waves (regular atrial activity at 240-340/min).

Atrial flutter with regular 2:1 conduction has a regular ventricular rhythm, so
RR-irregularity methods never find it, and its flutter waves are time-locked to
the QRS, so QRST cancellation removes them with the median beat. What stays is
their rhythm: between the QRS complexes the signal repeats itself every atrial
cycle (170-250 ms), through the ST segment and T wave, with no isoelectric
baseline. This module measures that repetition.
"""
from __future__ import annotations

import numpy as np

from .quality import butter_sos, sosfiltfilt

__all__ = ["flutter_waves", "FLUTTER_RATE_BPM", "FLUTTER_MIN_CORR"]

#: Atrial rate of flutter: 240-340/min (Mason JW et al. AHA/ACCF/HRS 2007 part II,
#: statement list; Page RL et al. 2015 ACC/AHA/HRS SVT guideline, "typical flutter
#: ... atrial rate 250-350/min", doi:10.1016/j.jacc.2015.08.856). 230-350/min searched.
FLUTTER_RATE_BPM = (230.0, 350.0)
#: The QRS-blanked atrial-band signal must correlate with itself one atrial cycle
#: later at >= 0.6 (a continuous, regular "sawtooth") in at least two of the
#: inferior leads and V1. 0.6 is a round value chosen a priori (a periodic
#: signal plus T waves and noise), not fitted to the benchmark records.
FLUTTER_MIN_CORR = 0.6
#: Flutter waves are visible: at least 0.05 mV RMS in the atrial band (2.5-15 Hz).
FLUTTER_MIN_RMS_MV = 0.05
#: Leads where flutter waves are seen best (typical flutter: II, III, aVF sawtooth, V1).
FLUTTER_LEADS = ("ii", "iii", "avf", "v1")
_BLANK_S = (0.06, 0.10)  # QRS blanking before / after the fiducial


def _lag_corr(x, m, lags):
    """Normalised correlation of x with itself `lag` samples later, using only samples where m is 1 at both ends."""
    n = x.size
    nfft = 1 << int(np.ceil(np.log2(2 * n)))
    xm = x * m
    fx, fm, fx2 = np.fft.rfft(xm, nfft), np.fft.rfft(m, nfft), np.fft.rfft(xm * xm, nfft)
    num = np.fft.irfft(np.conj(fx) * fx, nfft)[lags]
    e1 = np.fft.irfft(np.conj(fx2) * fm, nfft)[lags]   # sum x[t]^2 m[t+L]
    e2 = np.fft.irfft(np.conj(fm) * fx2, nfft)[lags]   # sum m[t] x[t+L]^2
    return num / np.sqrt(np.maximum(e1 * e2, 1e-18))


def flutter_waves(ecg_mv, fs, r_peaks, *, lead_names):
    """Regular atrial (flutter) waves between the QRS complexes, or None.

    Parameters
    ----------
    ecg_mv : ndarray, shape (n_samples, n_leads)
        ECG in mV (baseline removed).
    fs : float
        Sampling rate in Hz.
    r_peaks : array_like of int
        Beat fiducials (sample indices).
    lead_names : sequence of str

    Returns
    -------
    dict or None
        ``{"atrial_rate_bpm", "regularity", "leads", "ratio"}`` when at least
        two of II, III, aVF, V1 (all leads when none of them is present) show
        atrial-band activity of >= 0.05 mV RMS that repeats itself one atrial
        cycle (230-350/min) later with a correlation >= `FLUTTER_MIN_CORR`;
        `ratio` is the mean RR over the atrial cycle (2 for 2:1 conduction).

    Notes
    -----
    1. Band-pass 2.5-15 Hz (the flutter waves' fundamental and harmonics;
       the slow T wave is attenuated), zero phase.
    2. Blank 60 ms before to 100 ms after every beat fiducial (QRS).
    3. Normalised autocorrelation of the blanked signal at lags of one
       atrial cycle (171-261 ms); both ends of every product must be
       outside the QRS blanks (computed by FFT for all lags at once).
    4. The lag with the highest correlation, required at half that lag to
       be lower (a true period, not a harmonic), gives the atrial rate.

    References
    ----------
    .. [1] Page RL et al. 2015 ACC/AHA/HRS guideline for the management of
       adult patients with supraventricular tachycardia. J Am Coll Cardiol.
       2016;67:e27-115. doi:10.1016/j.jacc.2015.08.856

    Examples
    --------
    >>> import numpy as np
    >>> fs = 250.0
    >>> t = np.arange(int(10 * fs)) / fs
    >>> saw = 0.4 * ((t * 5.0) % 1.0 - 0.5)                 # 300/min sawtooth, 0.4 mV
    >>> r = np.arange(50, t.size - 50, 100)                 # 2.5:1 -> QRS every 0.4 s
    >>> f = flutter_waves(saw[:, None], fs, r, lead_names=["II"])
    >>> round(f["atrial_rate_bpm"])
    300
    """
    x = np.asarray(ecg_mv, dtype=float)
    if x.ndim == 1:
        x = x[:, None]
    fs = float(fs)
    r = np.asarray(r_peaks, dtype=np.int64)
    n = x.shape[0]
    if n < int(4 * fs) or r.size < 3 or fs < 60:
        return None
    low = [s.lower() for s in lead_names]
    idx = [low.index(s) for s in FLUTTER_LEADS if s in low] or list(range(x.shape[1]))
    need = min(2, len(idx))
    sos = butter_sos(2, (2.5, min(15.0, 0.45 * fs)), "bandpass", fs)
    y = sosfiltfilt(sos, np.nan_to_num(x[:, idx]).T, axis=-1, padlen=min(3 * 7, n - 1))
    m = np.ones(n)
    a, b = int(_BLANK_S[0] * fs), int(_BLANK_S[1] * fs)
    for k in r:
        m[max(0, k - a):min(n, k + b)] = 0.0
    edge = int(0.5 * fs)
    m[:edge] = 0.0
    m[-edge:] = 0.0
    if m.sum() < 2 * fs:
        return None
    lo_bpm, hi_bpm = FLUTTER_RATE_BPM
    lags = np.arange(int(60.0 / hi_bpm * fs), int(np.ceil(60.0 / lo_bpm * fs)) + 1)
    hits = []
    for j, yj in zip(idx, y):
        rms = float(np.sqrt(np.sum(yj * yj * m) / m.sum()))
        if rms < FLUTTER_MIN_RMS_MV:
            continue
        c = _lag_corr(yj, m, lags)
        i = int(np.argmax(c))
        half = _lag_corr(yj, m, np.array([max(1, lags[i] // 2)]))[0]
        if c[i] >= FLUTTER_MIN_CORR and half < c[i]:
            hits.append((lead_names[j], float(c[i]), int(lags[i])))
    if len(hits) < need:
        return None
    lag = float(np.median([h[2] for h in hits]))
    rr = float(np.median(np.diff(r)))
    return {"atrial_rate_bpm": 60.0 * fs / lag, "regularity": float(np.median([h[1] for h in hits])),
            "leads": tuple(h[0] for h in hits), "ratio": rr / lag}
