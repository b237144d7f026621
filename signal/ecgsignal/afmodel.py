"""A small logistic model for atrial fibrillation on resting strips: RR irregularity plus atrial activity.

The model file (``models/af_logreg_v2.json``) is fitted by ``python -m bench.af_model`` on the
development data only (CinC 2017 A00001-A04000), with record-level cross-validation; see
``signal/README.md`` ("AF model"). It holds the feature names, their standardisation, the
coefficients, the decision threshold and the cross-validated figures. Only numpy is needed to
apply it.
"""
from __future__ import annotations

import functools
import json
from pathlib import Path

import numpy as np

from .quality import butter_sos, sosfiltfilt

__all__ = ["FEATURES", "af_features", "af_probability", "load_model", "MODEL_FILE"]

MODEL_FILE = Path(__file__).resolve().parent / "models" / "af_logreg_v2.json"

#: Feature names, in model order.
FEATURES = ("irr_lag1", "irr_lag2", "irr_lag3", "rr_cv", "frac_dev_10pct", "frac_regular_5pct",
            "log_rate", "p_consistency", "p_present", "frac_ectopic", "f_wave_rel", "f_wave_peak",
            "cosen", "turning_points", "sd1_sd2",
            # added in v2 (see `af_features`, Notes)
            "nrmssd", "pnn50", "shannon_entropy", "rdr_cells", "pr_corr_median", "pr_corr_frac",
            "f_band_share", "f_dom_hz")

_BAND_HZ = (4.0, 9.0)   # fibrillatory-wave band (Bollmann 2006; Stridh 2004)


def _irr(rr, lag):
    if rr.size <= lag:
        return np.nan
    return float(np.median(np.abs(rr[lag:] - rr[:-lag])) / np.median(rr))


def af_features(ecg_mv, fs, r_peaks, *, labels=None, valid_rr=None, p_consistency=np.nan,
                p_present=None) -> dict:
    """Features of one resting strip for the AF model.

    Parameters
    ----------
    ecg_mv : ndarray, shape (n_samples,)
        One lead in mV (baseline removed), the best readable one.
    fs : float
        Sampling rate in Hz.
    r_peaks : array_like of int
        Beat fiducials.
    labels : array_like of str, optional
        Beat labels ('V' beats count as ectopic).
    valid_rr : array_like of bool, optional
        RR intervals to use (readable ones).
    p_consistency : float
        Median correlation of the beats' P windows with the median beat's
        (`Delineation.p_consistency`); NaN without a P wave.
    p_present : bool or None
        Whether the median beat shows a P wave.

    Returns
    -------
    dict
        One float per name in `FEATURES` (NaN where not measurable).

    Notes
    -----
    RR irregularity at lags 1-3 (median |RR[i+k] - RR[i]| / median RR; lags 2
    and 3 tell bigeminy and trigeminy from AF, Tateno & Glass 2001 [1]_),
    coefficient of variation, fractions of successive differences above 10 %
    and of intervals within 5 % of the median; rate; the P wave's presence and
    beat-to-beat consistency; fraction of non-normal beats; and atrial
    activity after QRST cancellation (median beat subtracted beat by beat):
    the 4-9 Hz RMS outside the QRS relative to the QRS amplitude, and the
    share of its 3-12 Hz power within 1 Hz of its spectral peak
    (fibrillatory waves are a narrow-band 4-9 Hz signal [2]_); the
    coefficient of sample entropy of RR [3]_, the turning-point ratio and
    the Poincare SD1/SD2 ratio.

    References
    ----------
    .. [1] Tateno K, Glass L. Med Biol Eng Comput. 2001;39:664-71. doi:10.1007/BF02345080
    .. [2] Stridh M, Sornmo L, et al. Sequential characterization of atrial
       tachyarrhythmias based on ECG time-frequency analysis. IEEE Trans
       Biomed Eng. 2004;51:100-14. doi:10.1109/TBME.2003.820331
    .. [3] Lake DE, Moorman JR. Accurate estimation of entropy in very short
       physiological time series. Am J Physiol Heart Circ Physiol.
       2011;300:H319-25. doi:10.1152/ajpheart.00561.2010
    .. [4] Dash S, Chon KH, Lu S, Raeder EA. Automatic real time detection of
       atrial fibrillation. Ann Biomed Eng. 2009;37:1701-9.
       doi:10.1007/s10439-009-9740-z
    .. [5] Task Force of the ESC and NASPE. Heart rate variability: standards
       of measurement. Circulation. 1996;93:1043-65. doi:10.1161/01.CIR.93.5.1043
    .. [6] Lian J, Wang L, Muessig D. A simple method to detect atrial
       fibrillation using RR intervals. Am J Cardiol. 2011;107:1494-7.
       doi:10.1016/j.amjcard.2011.01.028
    .. [7] Bollmann A, Husser D, Mainardi L, et al. Analysis of surface
       electrocardiograms in atrial fibrillation. Europace. 2006;8:911-26.
       doi:10.1093/europace/eul113
    """
    fs = float(fs)
    r = np.asarray(r_peaks, np.int64)
    out = dict.fromkeys(FEATURES, np.nan)
    if r.size < 4:
        return out
    rr = np.diff(r) / fs
    if valid_rr is not None and np.asarray(valid_rr).size == rr.size and np.asarray(valid_rr).sum() >= 3:
        rr = rr[np.asarray(valid_rr, bool)]
    med = float(np.median(rr))
    d = np.abs(np.diff(rr))
    out.update(irr_lag1=_irr(rr, 1), irr_lag2=_irr(rr, 2), irr_lag3=_irr(rr, 3),
               rr_cv=float(np.std(rr) / np.mean(rr)), frac_dev_10pct=float(np.mean(d > 0.1 * med)) if d.size else np.nan,
               frac_regular_5pct=float(np.mean(np.abs(rr - med) < 0.05 * med)), log_rate=float(np.log(60.0 / med)),
               p_consistency=float(np.nan_to_num(p_consistency, nan=0.0)),
               p_present=float(bool(p_present)) if p_present is not None else 0.0,
               frac_ectopic=float(np.mean(np.asarray(labels) != "N")) if labels is not None else 0.0)
    out.update(_atrial_activity(np.asarray(ecg_mv, float), fs, r))
    out.update(cosen=_cosen(rr), **_rr_shape(rr), **_rr_dash_lian(rr))
    out.update(_pr_window(np.asarray(ecg_mv, float), fs, r))
    return out


def _cosen(rr, *, r_s=0.03):
    """Coefficient of sample entropy of RR (m = 1, r = 30 ms; Lake & Moorman 2011); NaN when undefined."""
    if rr.size < 8:
        return np.nan
    d = np.abs(rr[:, None] - rr[None, :]) <= r_s
    np.fill_diagonal(d, False)
    b = d[:-1, :-1].sum()                  # template matches of length 1 (m)
    a = (d[:-1, :-1] & d[1:, 1:]).sum()    # ... that also match at length 2 (m + 1)
    if a == 0 or b == 0:
        a, b = max(a, 0.5), max(b, 1.0)    # no matches: the largest finite entropy
    return float(-np.log(a / b) - np.log(2 * r_s) - np.log(np.mean(rr)))


def _rr_shape(rr):
    """Turning-point ratio of RR (2/3 for random order) and Poincare SD1/SD2."""
    if rr.size < 5:
        return {"turning_points": np.nan, "sd1_sd2": np.nan}
    a, b, c = rr[:-2], rr[1:-1], rr[2:]
    tp = float(np.mean(((b > a) & (b > c)) | ((b < a) & (b < c))))
    x, y = rr[:-1], rr[1:]
    sd1 = np.std((y - x) / np.sqrt(2))
    sd2 = np.std((y + x) / np.sqrt(2))
    return {"turning_points": tp, "sd1_sd2": float(sd1 / sd2) if sd2 > 0 else np.nan}


def _rr_dash_lian(rr):
    """Normalised RMSSD, pNN50, Shannon entropy of RR (Dash 2009) and the share of non-empty RdR-map cells (Lian 2011)."""
    if rr.size < 5:
        return dict.fromkeys(("nrmssd", "pnn50", "shannon_entropy", "rdr_cells"), np.nan)
    d = np.diff(rr)
    # Dash 2009: 16-bin histogram of RR between its extremes, entropy over log(16) (0 regular, 1 uniform)
    counts, _ = np.histogram(rr, bins=16, range=(rr.min(), rr.max() + 1e-9))
    p = counts[counts > 0] / rr.size
    # Lian 2011: points (RR_i, RR_i - RR_i-1) on a 25 ms grid; AF scatters them over many cells.
    # Divided by the number of points because CinC strips hold 9-60 s, not Lian's fixed windows.
    cells = np.unique(np.c_[np.floor(rr[1:] / 0.025), np.floor(d / 0.025)], axis=0).shape[0]
    return {"nrmssd": float(np.sqrt(np.mean(d ** 2)) / np.mean(rr)),
            "pnn50": float(np.mean(np.abs(d) > 0.05)),
            "shannon_entropy": float(-np.sum(p * np.log(p)) / np.log(16)),
            "rdr_cells": float(cells / d.size)}


def _pr_window(x, fs, r, *, window_s=(-0.30, -0.07), p_match=0.5):
    """P-wave presence beat by beat: correlation of each PR window with the median beat's.

    Sinus P waves repeat the same shape before every QRS; fibrillatory waves do not (ESC 2020
    definition of AF: "no distinct repeating P waves"). Windows are demeaned; beats whose
    preceding RR is shorter than the window (the previous T wave would fill it) are skipped.
    """
    nan = {"pr_corr_median": np.nan, "pr_corr_frac": np.nan}
    if r.size < 4 or fs < 30:
        return nan
    a, b = int(round(window_s[0] * fs)), int(round(window_s[1] * fs))
    prev_rr = np.r_[np.inf, np.diff(r)]
    ok = (r + a >= 0) & (r + b < x.size) & (prev_rr > -a + 0.15 * fs)
    if ok.sum() < 3:
        return nan
    w = np.nan_to_num(x)[r[ok][:, None] + np.arange(a, b)[None, :]]
    w = w - w.mean(axis=1, keepdims=True)
    tpl = np.median(w, axis=0)
    tpl = tpl - tpl.mean()
    den = np.linalg.norm(w, axis=1) * np.linalg.norm(tpl)
    c = np.where(den > 0, w @ tpl / np.maximum(den, 1e-12), 0.0)
    return {"pr_corr_median": float(np.median(c)), "pr_corr_frac": float(np.mean(c >= p_match))}


def _atrial_activity(x, fs, r):
    n = x.size
    if n < int(2 * fs) or fs < 30:
        return {}
    x = np.nan_to_num(x)
    pre, post = int(0.25 * fs), int(0.45 * fs)
    rr_min = int(np.min(np.diff(r))) if r.size > 1 else post
    post = max(int(0.1 * fs), min(post, rr_min - pre // 2))
    ok = r[(r - pre >= 0) & (r + post < n)]
    if ok.size < 3:
        return {}
    idx = ok[:, None] + np.arange(-pre, post)[None, :]
    beats = x[idx]
    tpl = np.median(beats, axis=0)
    amp = float(np.ptp(tpl[pre - int(0.06 * fs):pre + int(0.06 * fs)]))
    res = x.copy()
    res[idx] -= tpl[None, :]       # QRST cancellation
    qrs = np.zeros(n, bool)
    for k in r:
        qrs[max(0, k - int(0.06 * fs)):min(n, k + int(0.08 * fs))] = True
    hi = min(_BAND_HZ[1], 0.45 * fs)
    sos = butter_sos(2, (_BAND_HZ[0], hi), "bandpass", fs)
    band = sosfiltfilt(sos, res, padlen=min(15, n - 1))
    keep = ~qrs
    keep[:int(0.3 * fs)] = False
    keep[-int(0.3 * fs):] = False
    if keep.sum() < fs:
        return {}
    rms = float(np.sqrt(np.mean(band[keep] ** 2)))
    seg = np.where(keep, res, 0.0)
    spec = np.abs(np.fft.rfft(seg - seg.mean())) ** 2
    f = np.fft.rfftfreq(n, 1.0 / fs)
    sel = (f >= 3.0) & (f <= min(12.0, 0.45 * fs))
    if not sel.any() or spec[sel].sum() <= 0:
        return {"f_wave_rel": rms / max(amp, 1e-6)}
    fpk = f[sel][int(np.argmax(spec[sel]))]
    near = sel & (np.abs(f - fpk) <= 1.0)
    # share of the residual's 1-30 Hz power in the 4-9 Hz fibrillatory band (Bollmann 2006; Stridh 2004);
    # f_wave_peak is the spectral concentration around the peak (Rieta 2004, doi:10.1109/TBME.2004.827272)
    broad = (f >= 1.0) & (f <= min(30.0, 0.45 * fs))
    band = (f >= _BAND_HZ[0]) & (f <= min(_BAND_HZ[1], 0.45 * fs))
    share = float(spec[band].sum() / spec[broad].sum()) if spec[broad].sum() > 0 else np.nan
    return {"f_wave_rel": rms / max(amp, 1e-6), "f_wave_peak": float(spec[near].sum() / spec[sel].sum()),
            "f_band_share": share, "f_dom_hz": float(fpk)}


@functools.lru_cache(maxsize=2)
def load_model(path=None):
    """The fitted model as a dict (None when the file is absent)."""
    p = Path(path) if path else MODEL_FILE
    if not p.exists():
        return None
    with open(p, encoding="utf-8") as fh:
        return json.load(fh)


def af_probability(features: dict, model=None):
    """Probability of AF from `af_features` with the shipped model; NaN when a feature or the model is missing.

    Examples
    --------
    >>> af_probability(dict.fromkeys(FEATURES, float("nan")), model={"features": FEATURES})
    nan
    """
    m = model if model is not None else load_model()
    if m is None:
        return float("nan")
    v = np.array([features.get(k, np.nan) for k in m["features"]], float)
    if not np.isfinite(v[:3]).all():   # no RR irregularity: too few beats
        return float("nan")
    v = np.where(np.isfinite(v), v, np.asarray(m["impute"], float))   # training medians
    z = (v - np.asarray(m["mean"])) / np.asarray(m["scale"])
    s = float(m["intercept"] + z @ np.asarray(m["coef"]))
    return float(1.0 / (1.0 + np.exp(-s)))
