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
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .filters import as_lead_columns
from .quality import butter_sos, sosfiltfilt

__all__ = ["FEATURES", "af_features", "af_probability", "load_model", "MODEL_FILE", "af_episodes_model", "AFScan",
           "AFEpisode"]

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
    rr = _strip_rr(r, fs, valid_rr)
    out.update(_rr_features(rr),
               p_consistency=float(np.nan_to_num(p_consistency, nan=0.0)),
               p_present=float(bool(p_present)) if p_present is not None else 0.0,
               frac_ectopic=float(np.mean(np.asarray(labels) != "N")) if labels is not None else 0.0)
    out.update(_atrial_activity(np.asarray(ecg_mv, float), fs, r))
    out.update(_pr_window(np.asarray(ecg_mv, float), fs, r))
    return out


def _strip_rr(r, fs, valid_rr):
    """RR intervals (s) of a strip, the readable ones when at least three are."""
    rr = np.diff(r) / fs
    if valid_rr is not None and np.asarray(valid_rr).size == rr.size and np.asarray(valid_rr).sum() >= 3:
        rr = rr[np.asarray(valid_rr, bool)]
    return rr


def _rr_features(rr):
    """The model's RR-interval features of one strip (see `af_features`)."""
    med = float(np.median(rr))
    d = np.abs(np.diff(rr))
    out = dict(irr_lag1=_irr(rr, 1), irr_lag2=_irr(rr, 2), irr_lag3=_irr(rr, 3),
               rr_cv=float(np.std(rr) / np.mean(rr)), frac_dev_10pct=float(np.mean(d > 0.1 * med)) if d.size else np.nan,
               frac_regular_5pct=float(np.mean(np.abs(rr - med) < 0.05 * med)), log_rate=float(np.log(60.0 / med)))
    out.update(cosen=_cosen(rr), **_rr_shape(rr), **_rr_dash_lian(rr))
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


# ----------------------------------------------------------------------------- long recordings

#: The model was fitted on CinC 2017 strips of 9-61 s (median 30 s): long recordings are
#: read in windows of that length, so every window looks like a training strip.
AF_WINDOW_S = 30.0
#: Step between windows; episode boundaries are resolved to one step (see `af_episodes_model`).
AF_STEP_S = 10.0
#: An AF episode is diagnostic when it lasts >= 30 s (Hindricks G et al. 2020 ESC
#: guidelines for AF, section 4; doi:10.1093/eurheartj/ehaa612); `rhythm.AF_MIN_EPISODE_S`.
AF_MIN_EPISODE_S = 30.0
#: The shortest training strips were 9 s: a window with less readable RR than this is not read.
AF_MIN_READABLE_S = 9.0
#: Pre-screen: the model is computed only on windows where at least this fraction of
#: successive RR differences exceeds 10 % of the median RR (`frac_dev_10pct`). AF is
#: "irregularly irregular" (ESC 2020, section 4) with near-independent successive RR
#: (Tateno & Glass 2001, doi:10.1007/BF02345080): for independent RR with coefficient of
#: variation c, |RR[i+1] - RR[i]| > 0.1 RR in a fraction 2 Phi(-0.1 / (c sqrt 2)) of
#: pairs, 0.16 already for c = 0.05 (below the RR variability of AF even at rapid rates).
#: On the 3991 CinC 2017 development strips the model never called AF below 0.20
#: (bench `af` section: no model-positive strip fails the pre-screen). The fraction is taken
#: after leaving out the short-long interval pairs of isolated premature beats, the ectopic-beat
#: editing of the RR rule (`rhythm._premature_pairs`; Task Force of the ESC and NASPE 1996,
#: doi:10.1161/01.CIR.93.5.1043), so that sinus rhythm with isolated ectopy does not pass.
AF_PRESCREEN_FRAC_DEV = 0.10
#: Leads where atrial (fibrillatory) activity is seen best, in order of preference
#: (also `analysis`'s choice of lead on resting strips).
ATRIAL_LEADS = ("v1", "ii", "ecg", "mlii", "i")


@dataclass(frozen=True)
class AFEpisode:
    """One AF episode of a long recording (times in s from the first sample)."""

    start_s: float
    end_s: float
    probability: float   # median model probability of the AF windows inside
    mean_bpm: float
    min_rr_s: float


@dataclass(frozen=True)
class AFScan:
    """AF model over the overlapping windows of a long recording, and the episodes it gives.

    Attributes
    ----------
    episodes : tuple of AFEpisode
    window_start_s : ndarray
        Start of each window (s); each is `window_s` long.
    probability : ndarray
        Model probability per window; NaN where the window was not read
        (too little readable RR, or screened out as regular).
    screened : ndarray of bool
        Windows that passed the RR pre-screen (the model was computed there).
    af_window : ndarray of bool
        Windows the model calls AF (probability >= threshold, no repeating P wave).
    """

    episodes: tuple
    window_start_s: np.ndarray
    window_s: float
    probability: np.ndarray
    screened: np.ndarray
    af_window: np.ndarray


def _window_rr(r, fs, valid_rr, starts, stops):
    """Readable RR of each window as rows of a NaN-padded matrix (intervals wholly inside the window)."""
    rr = np.diff(r) / fs
    ok = np.ones(rr.size, bool) if valid_rr is None else np.asarray(valid_rr, bool)
    rr_ok, s_ok, e_ok = rr[ok], r[:-1][ok], r[1:][ok]
    j0 = np.searchsorted(s_ok, starts)
    j1 = np.maximum(np.searchsorted(e_ok, stops), j0)
    width = int((j1 - j0).max(initial=0))
    idx = j0[:, None] + np.arange(max(width, 1))[None, :]
    inside = idx < j1[:, None]
    m = np.where(inside, rr_ok[np.minimum(idx, max(rr_ok.size - 1, 0))] if rr_ok.size else np.nan, np.nan)
    return m, j1 - j0


#: Ranges of the features that need the median-beat delineation: p_consistency is a
#: median correlation (NaN -> 0), p_present is 0 or 1.
_P_FEATURE_RANGES = {"p_consistency": (-1.0, 1.0), "p_present": (0.0, 1.0)}


def _upper_probability(features, model, free):
    """Largest model probability over the `free` features' ranges, the others fixed (the model is linear in the logit)."""
    worst = dict(features)
    for k, (lo, hi) in free.items():
        j = list(model["features"]).index(k)
        worst[k] = hi if model["coef"][j] > 0 else lo
    p = af_probability(worst, model)
    return p if np.isfinite(p) else 1.0


@functools.lru_cache(maxsize=8)
def _resting_sos(fs, mains_hz):
    """The notch (`filters.notch_powerline`, Q 30) and 0.5 Hz high-pass (`filters.remove_baseline`) designs."""
    import scipy.signal

    notch = None
    if mains_hz and mains_hz < fs / 2:
        notch = scipy.signal.tf2sos(*scipy.signal.iirnotch(mains_hz, 30.0, fs=fs))
    return notch, butter_sos(2, 0.5, "highpass", fs)


def _zero_phase(sos, x):
    return sosfiltfilt(sos, x, axis=0, padlen=min(3 * (2 * len(sos) + 1), x.shape[0] - 1))


def _resting_filter(x, fs, mains_hz, *, baseline=True):
    """Power-line notch and 0.5 Hz baseline removal as `analyze` filters resting strips (designs cached per window scan)."""
    notch, high = _resting_sos(float(fs), float(mains_hz or 0.0))
    if notch is not None:
        x = _zero_phase(notch, x)
    return _zero_phase(high, x) if baseline else x


def _window_valid(rw, a, bad_s, bad_e):
    """Readable RR intervals of a window's own beats: those overlapping no unreadable interval of the recording."""
    if bad_s.size == 0:
        return None
    k0, k1 = np.searchsorted(bad_e, a + rw[0]), np.searchsorted(bad_s, a + rw[-1])
    ok = np.ones(rw.size - 1, bool)
    for s_, e_ in zip(bad_s[k0:k1] - a, bad_e[k0:k1] - a):
        ok &= (rw[1:] <= s_) | (rw[:-1] >= e_)
    return ok


def frac_dev_10pct_windows(rr_matrix, counts):
    """`frac_dev_10pct` of each row of a NaN-padded RR matrix (rows left-aligned), vectorised."""
    srt = np.sort(rr_matrix, axis=1)                    # NaN last
    rows = np.arange(srt.shape[0])
    lo, hi = np.maximum((counts - 1) // 2, 0), np.maximum(counts // 2, 0)
    med = 0.5 * (srt[rows, lo] + srt[rows, hi])         # np.median of the row
    d = np.abs(np.diff(rr_matrix, axis=1))
    with np.errstate(invalid="ignore"):
        big = (d > 0.1 * med[:, None]).sum(axis=1)
    return np.where(counts >= 2, big / np.maximum(counts - 1, 1), np.nan)


def af_episodes_model(ecg_mv, fs, beats, *, lead_names, valid_rr=None, window_s=AF_WINDOW_S,
                      step_s=AF_STEP_S, min_duration_s=AF_MIN_EPISODE_S, mains_hz=50.0,
                      prescreen=AF_PRESCREEN_FRAC_DEV, model=None) -> AFScan:
    """AF episodes of a long recording from the AF model applied to overlapping windows.

    Parameters
    ----------
    ecg_mv : ndarray, shape (n_samples, n_leads)
        ECG in mV as recorded (no filtering needed; windows are filtered here).
    fs : float
        Sampling rate in Hz.
    beats : Beats
        Detected beats of the whole recording.
    lead_names : sequence of str
        Lead names; the atrial-activity features use the first of V1, II,
        ECG, MLII, I present (else the first lead).
    valid_rr : array_like of bool, optional
        One per RR interval: False where it spans unreadable signal.
    window_s, step_s : float
        Window length and step in s (defaults 30 s and 10 s).
    min_duration_s : float
        Shortest episode reported (s); ESC 2020: 30 s.
    mains_hz : float
        Power-line frequency notched out, as on resting strips (0: none).
    prescreen : float
        Smallest `frac_dev_10pct` of a window (ectopic pairs left out) for the
        model to be computed (0 computes it on every readable window).
    model : dict, optional
        The model (default: the shipped one, `load_model`).

    Returns
    -------
    AFScan
        Episodes, and per window the probability and decisions.

    Notes
    -----
    1. Windows of `window_s` start every `step_s`; a window is read when it
       holds >= 9 s of readable RR (the shortest training strip) and at
       least 8 intervals.
    2. Pre-screen: `frac_dev_10pct` of every window at once (vectorised),
       without the short-long pairs around isolated premature beats; only
       windows at or above `prescreen` (`AF_PRESCREEN_FRAC_DEV`) go on.
    3. On those, the resting-strip pipeline of the fitted model, so that a
       window gets the probability `analyze` gives the same 30-s cut: notch
       and 0.5 Hz baseline removal of the window (with 2 s of padding), the
       window's own beats and labels (`detect_beats`; the recording-wide
       template labels beats differently), `af_features`, and, unless the
       logit cannot reach the threshold whatever the P-wave features are
       (an exact bound: the model is linear in them), the median-beat
       delineation for the P wave's presence and consistency. The window
       is AF at the model's own threshold (chosen on its training folds,
       not on any long recording) unless the single beats repeat the
       median beat's P wave (correlation >= `waves.P_CONSISTENT`, as on resting strips).
    4. Each `step_s` slice of the recording is AF when more than half of
       the windows covering it are; runs of AF slices lasting at least
       `min_duration_s` are the episodes, so a boundary is placed to within
       about one step.

    References
    ----------
    .. [1] Hindricks G, Potpara T, Dagres N, et al. 2020 ESC guidelines for
       the diagnosis and management of atrial fibrillation. Eur Heart J.
       2021;42:373-498. doi:10.1093/eurheartj/ehaa612
    .. [2] Tateno K, Glass L. Med Biol Eng Comput. 2001;39:664-71.
       doi:10.1007/BF02345080
    .. [3] Clifford GD, Liu C, Moody B, et al. AF classification from a short
       single lead ECG recording: the PhysioNet/Computing in Cardiology
       Challenge 2017. Comput Cardiol. 2017;44. doi:10.22489/CinC.2017.065-469

    Examples
    --------
    >>> scan = af_episodes_model(record.signal_mv, record.fs, beats,    # doctest: +SKIP
    ...                          lead_names=record.lead_names)
    >>> [(e.start_s, e.end_s) for e in scan.episodes]                   # doctest: +SKIP
    [(1200.0, 1840.0)]
    """
    from . import waves  # kept local: only long recordings need the delineation
    from .beats import detect_beats
    from .rhythm import _premature_pairs   # the RR rule's ectopic-beat editing (one owner)

    x = as_lead_columns(ecg_mv)
    fs = float(fs)
    m = model if model is not None else load_model()
    n = x.shape[0]
    r = np.asarray(beats.r_peaks, np.int64)
    win, step = int(round(window_s * fs)), int(round(step_s * fs))
    last = max(n - win, 0)
    starts = np.r_[np.arange(0, last, step), last] if last > 0 else np.array([0])
    starts = np.unique(starts)
    stops = np.minimum(starts + win, n)
    prob = np.full(starts.size, np.nan)
    screened = np.zeros(starts.size, bool)
    af_win = np.zeros(starts.size, bool)
    empty = AFScan((), starts / fs, float(window_s), prob, screened, af_win)
    if m is None or r.size < 8:
        return empty
    rr_m, counts = _window_rr(r, fs, valid_rr, starts, stops)
    readable = (counts >= 8) & (np.nansum(rr_m, axis=1) >= AF_MIN_READABLE_S)
    # the pre-screen leaves out the short-long pairs of isolated premature beats, as the RR rule does
    edited = ~_premature_pairs(np.diff(r) / fs)
    rr_e, counts_e = _window_rr(r, fs, edited if valid_rr is None else edited & np.asarray(valid_rr, bool),
                                starts, stops)
    screened = readable & ((frac_dev_10pct_windows(rr_e, counts_e) >= prescreen) | (prescreen <= 0))

    low = [str(k).lower() for k in lead_names]
    lead = next((low.index(k) for k in ATRIAL_LEADS if k in low), 0)
    pad = int(2 * fs)
    valid = None if valid_rr is None else np.asarray(valid_rr, bool)
    bad_s, bad_e = (r[:-1][~valid], r[1:][~valid]) if valid is not None else (r[:0], r[:0])
    for w in np.flatnonzero(screened):
        a, b = int(starts[w]), int(stops[w])
        lo, hi = max(0, a - pad), min(n, b + pad)
        # the window as `analyze` reads a resting strip: notch, 0.5 Hz baseline removal, and its own
        # beats and labels (the recording-wide template labels beats differently, and the model
        # learnt frac_ectopic and the median beat from strip labels)
        filt = _resting_filter(np.nan_to_num(np.asarray(x[lo:hi], dtype=np.float64)), fs, mains_hz)[a - lo:b - lo]
        wb = detect_beats(filt.astype(np.float32), fs)
        rw = np.asarray(wb.r_peaks, np.int64)
        if rw.size < 4:
            continue
        vw = _window_valid(rw, a, bad_s, bad_e)
        feats = af_features(filt[:, lead], fs, rw, labels=wb.labels, valid_rr=vw)
        # exact bound: the P-wave features (from the costly delineation) at their most AF-like
        # values still leave the window below the threshold -> no delineation needed
        if _upper_probability(feats, m, _P_FEATURE_RANGES) < m["threshold"]:
            continue
        notched = _resting_filter(np.nan_to_num(np.asarray(x[a:b], dtype=np.float64)), fs, mains_hz, baseline=False)
        # as on resting strips: delineation on the notched signal, features on the baseline-removed one
        d = waves.delineate(notched, fs, wb, lead_names=list(lead_names), rr_s=float(np.mean(_strip_rr(rw, fs, vw))))
        pc = getattr(d, "p_consistency", np.nan)
        p_state = None if d.qrs_on < 0 else bool(d.p_on >= 0)
        feats.update(p_consistency=float(np.nan_to_num(pc if d.qrs_on >= 0 else np.nan, nan=0.0)),
                     p_present=float(bool(p_state)) if p_state is not None else 0.0)
        prob[w] = af_probability(feats, m)
        veto = p_state is True and np.isfinite(pc) and pc >= waves.P_CONSISTENT
        af_win[w] = bool(prob[w] >= m["threshold"]) and not veto

    # majority vote of the windows covering each step-long slice
    n_slices = int(np.ceil(n / step))
    edges = np.arange(n_slices + 1) * step
    cover = np.zeros(n_slices + 1)
    votes = np.zeros(n_slices + 1)
    s0 = starts // step
    s1 = np.minimum(np.ceil(stops / step).astype(np.int64), n_slices)
    np.add.at(cover, s0, 1)
    np.add.at(cover, s1, -1)
    np.add.at(votes, s0[af_win], 1)
    np.add.at(votes, s1[af_win], -1)
    cover, votes = np.cumsum(cover)[:n_slices], np.cumsum(votes)[:n_slices]
    af_slice = votes > 0.5 * np.maximum(cover, 1)
    run = np.diff(np.r_[0, af_slice.astype(np.int8), 0])
    eps = []
    for s, e in zip(np.flatnonzero(run == 1), np.flatnonzero(run == -1)):
        a, b = int(edges[s]), int(min(edges[e], n))
        inside = (r >= a) & (r < b)
        if (b - a) / fs < min_duration_s or inside.sum() < 3:
            continue
        ri = r[inside]
        rr = np.diff(ri) / fs
        if valid is not None and valid[np.flatnonzero(inside)[:-1]].sum() >= 2:
            rr = rr[valid[np.flatnonzero(inside)[:-1]]]   # rate from readable intervals only
        a_t, b_t = max(a, int(ri[0])), min(b, int(ri[-1]))   # from the first to the last beat inside
        mid = 0.5 * (starts + stops)
        pw = prob[(mid >= a) & (mid < b) & af_win]
        eps.append(AFEpisode(start_s=round(a_t / fs, 3), end_s=round(b_t / fs, 3),
                             probability=float(np.median(pw)) if pw.size else float("nan"),
                             mean_bpm=float(60.0 * rr.size / rr.sum()), min_rr_s=float(rr.min())))
    return AFScan(tuple(eps), starts / fs, float(window_s), prob, screened, af_win)


def episode_findings(scan: AFScan, beats, *, duration_s, start_time=None, model=None) -> list:
    """`Finding` objects (code AF) for the episodes of `af_episodes_model`, worded and graded as the RR rule's.

    Severity follows the same rules as `rhythm.rhythm_findings`: critical for a mean
    ventricular rate >= `triage.AF_RAPID_BPM` or, with wide QRS, a shortest RR below
    `triage.PREEXCITED_AF_RR_S` (possible pre-excited AF; Zhejiang critical values),
    urgent otherwise (ESC 2020).
    """
    from . import rhythm, triage
    from .types import Finding
    from .waves import WIDE_QRS_MS

    m = model if model is not None else load_model()
    qw = np.asarray(beats.qrs_width_s, float)
    wide = bool(np.isfinite(qw).any() and np.nanmedian(qw) >= WIDE_QRS_MS / 1000.0)
    r0 = float(np.asarray(beats.r_peaks)[0]) / float(beats.fs) if np.asarray(beats.r_peaks).size else 0.0
    out = []
    for ep in scan.episodes:
        sev, ref = "urgent", rhythm.ESC_AF_2020
        if ep.mean_bpm >= triage.AF_RAPID_BPM:
            sev, ref = "critical", triage.ZHEJIANG
            extra = f" with a rapid ventricular rate of {ep.mean_bpm:.0f}/min"
        elif wide and ep.min_rr_s < triage.PREEXCITED_AF_RR_S:
            sev, ref = "critical", triage.ZHEJIANG
            extra = f" with wide QRS and shortest RR {ep.min_rr_s * 1000:.0f} ms (possible pre-excited AF)"
        else:
            extra = f", mean rate {ep.mean_bpm:.0f}/min"
        whole = ep.start_s - r0 < 2.0 + AF_STEP_S and duration_s - ep.end_s < 2.0 + AF_STEP_S
        dur = ep.end_s - ep.start_s
        when = "throughout the recording" if whole else (
            f"for {dur:.0f} s" if dur < 60 else f"for {dur / 60:.0f} min" if dur < 3600 else
            f"for {int(dur // 3600)} h {int(dur % 3600 // 60)} min")
        if not whole:
            when += f" from {rhythm.describe_time(ep.start_s, start_time)[3:]}"
        out.append(Finding(code="AF", severity=sev, start_s=ep.start_s, end_s=ep.end_s, lead=None,
                           value=round(ep.probability, 3), threshold=None if m is None else float(m["threshold"]),
                           reference=f"{ref}; AF model {m['version'] if m else ''} on {AF_WINDOW_S:.0f}-s windows "
                                     "(signal/README.md)",
                           text=f"Atrial fibrillation {when}{extra} (AF model on {AF_WINDOW_S:.0f}-s windows, "
                                f"median probability {ep.probability:.2f})."))
    return out
