"""Wave delineation on the median beat: P on/off, QRS on/off, T end; PR, QRS, QT, QTc, axis.

Findings made here: WIDE_QRS, LONG_PR, LONG_QTC, LEAD_REVERSAL.
"""
from __future__ import annotations

import functools
import warnings

import numpy as np
import scipy.signal

from . import triage
from .quality import butter_sos, sosfiltfilt
from .types import Beats, Delineation, Finding, Measurements, Waves

__all__ = ["delineate", "median_beat", "interval_findings", "qtc_framingham"]

SURAWICZ_2009 = ("Surawicz B et al. AHA/ACCF/HRS recommendations for the standardization and "
                 "interpretation of the ECG, part III: intraventricular conduction disturbances. "
                 "J Am Coll Cardiol 2009;53:976-81, doi:10.1016/j.jacc.2008.12.013")
RAUTAHARJU_2009 = ("Rautaharju PM et al. AHA/ACCF/HRS recommendations for the standardization and "
                   "interpretation of the ECG, part IV: the ST segment, T and U waves, and the QT "
                   "interval. J Am Coll Cardiol 2009;53:982-91, doi:10.1016/j.jacc.2008.12.014")
KUSUMOTO_2018 = ("Kusumoto FM et al. 2018 ACC/AHA/HRS guideline on the evaluation and management of "
                 "patients with bradycardia and cardiac conduction delay, doi:10.1016/j.jacc.2018.10.044")
VAZQUEZ_2011 = ("Vazquez-Seisdedos CR, Neto JE, Maranon Reyes EJ, Klautau A, Limao de Oliveira RC. "
                "New approach for T-wave end detection on electrocardiogram: performance in noisy conditions. "
                "Biomed Eng Online 2011;10:77, doi:10.1186/1475-925X-10-77")
BATCHVAROV_2007 = ("Batchvarov VN, Malik M, Camm AJ. Incorrect electrode cable connection during "
                   "electrocardiographic recording. Europace 2007;9:1081-90, doi:10.1093/europace/eum198")

#: QRS duration >= 120 ms: complete bundle branch block / nonspecific
#: intraventricular conduction delay (SURAWICZ_2009).
WIDE_QRS_MS = 120.0
#: PR interval > 200 ms: first-degree AV block (KUSUMOTO_2018, section 2.1).
LONG_PR_MS = 200.0
#: Prolonged QTc: >= 450 ms in men, >= 460 ms in women (RAUTAHARJU_2009,
#: recommendation 11); 460 ms when sex is unknown. > 500 ms is urgent
#: (triage.QTC_URGENT_MS). The QTc is the Framingham one (`qtc_framingham`):
#: the same recommendation asks for a linear regression function rather than
#: Bazett's formula, which over-corrects at higher heart rates.
LONG_QTC_MS = {"M": 450.0, "F": 460.0, None: 460.0}
SAGIE_1992 = ("Sagie A, Larson MG, Goldberg RJ, Bengtson JR, Levy D. An improved method for adjusting the "
              "QT interval for heart rate (the Framingham Heart Study). Am J Cardiol 1992;70:797-801, "
              "doi:10.1016/0002-9149(92)90562-D")
#: Framingham slope: QTc = QT + 0.154 (1 - RR), in seconds (SAGIE_1992).
FRAMINGHAM_SLOPE = 0.154

# Delineation parameters (fractions of the peak spatial velocity / magnitude),
# tuned on LUDB (Kalyakulina et al. 2020, doi:10.1109/ACCESS.2020.3029211).
_QRS_ON_FRAC = 0.05
_QRS_OFF_FRAC = 0.05
_QRS_KNEE_FRAC = 0.15
#: Multi-lead QRS boundaries (`_lead_envelope`). A lead is "quiet" where its
#: slope stays below a fraction of the steepest lead's QRS slope for a while
#: (the turning point at the peak of an R' or the trough of a wide S is flat
#: only for an instant). Leads under `_ENV_MIN_SHARE` of the steepest lead's
#: slope carry no boundary (not tuned: a lead with a tenth of the slope is
#: mostly noise and T wave at this scale).
#: Onset: the `_ENV_ON_RANK`-th earliest lead onset (second earliest: robust to
#: one noisy lead), quiet below 3 % for 5 ms, moved from the spatial-velocity
#: onset by at most 10 ms. 3 %, 5 ms and 10 ms were chosen on odd LUDB records
#: (lowest RMS error against the global marks among 3/5/7 %, 5/10 ms and
#: 0/10/20/40 ms; 10 and 40 ms tie, 10 ms has the smaller SD) and reported on
#: the even ones (signal/README.md).
_ENV_ON_FRAC = 0.03
_ENV_ON_HOLD_S = 0.005
_ENV_ON_RANK = 2
_ENV_ON_MAX_SHIFT_S = 0.01
_ENV_MIN_SHARE = 0.1
#: Offset: the spatial-velocity offset stands unless at least `_ENV_OFF_LEADS`
#: leads (each with at least 30 % of the steepest lead's slope) are still
#: steep after it, above `_ENV_OFF_ACTIVE` of their own steepest QRS slope (a
#: terminal R' or slurred S; ST segments and T waves are slower); then it is
#: the latest of their quiet points (below 10 % for 10 ms). 20 % and 10 % were
#: chosen on odd LUDB records among 10/15/20/30 % and 5/10/15 % (lowest RMS
#: error against the global marks); 30 % of the slope and two leads are not
#: tuned (one lead alone may be an electrode artefact).
_ENV_OFF_LEADS = 2
_ENV_OFF_ACTIVE = 0.2
_ENV_OFF_MIN_SHARE = 0.3
_ENV_OFF_FRAC = 0.1
_ENV_OFF_HOLD_S = 0.01
#: A lead's steepest QRS slope is looked for up to 60 ms either side of the
#: steep part of the spatial velocity (the terminal R' of RBBB lies there).
_ENV_PEAK_EXT_S = 0.06
#: A P wave is present when the bump falls below 35 % of its height on both sides.
_P_FRAC = 0.35
_P_MIN_MV = 0.03
#: Multi-lead P search (`_p_wave_multilead`): a P wave is a hump seen in at least two
#: leads (one lead alone may be an electrode artefact, as for the QRS offset),
#: their peaks within 20 ms of each other (not tuned: a P wave's peak moves
#: little between leads next to its 80-120 ms duration), that every beat repeats
#: (median beat-to-beat correlation >= `P_CONSISTENT`, after
#: Ladavich & Ghoraani 2015, doi:10.1016/j.bspc.2014.10.009).
#: A lead's hump is at most 80 ms wide at half its prominence and the P wave
#: found at most 140 ms long: chosen on odd LUDB records (P detection against
#: the global marks; half-widths 60/80/100 ms/none, durations 120/140/160
#: ms/none: 80 ms had the fewest P waves found where none is marked, 23 against
#: 30, at the same sensitivity; 120 and 140 ms tie, 140 ms is the looser) and
#: reported on the even ones (signal/README.md). For scale: a P wave of 120 ms
#: or more is already abnormal (interatrial block; Bayes de Luna A et al. J
#: Electrocardiol 2012;45:445-51, doi:10.1016/j.jelectrocard.2012.06.029).
_P_MIN_LEADS = 2
_P_LEAD_TOL_S = 0.02
#: A median-beat P wave counts as repeated by every beat (sinus P waves, ruling AF
#: out) only when the single beats' P windows correlate with it at >= 0.5 (median,
#: `_p_consistency`); below, the "P wave" may be averaged fibrillatory activity.
#: AF is irregular RR "with no distinct repeating P waves" (ESC 2020, section 4;
#: Hindricks 2020, doi:10.1093/eurheartj/ehaa612); 0.5 chosen on CinC 2017 (median
#: 0.58 in AF records whose median beat shows a P wave, 0.90 in normal ones).
#: The one owner of this limit: the second P search here, `analysis` (resting
#: strips) and `afmodel` (windows of long recordings) all use it.
P_CONSISTENT = 0.5
_P_MAX_HALF_WIDTH_S = 0.08
_P_MAX_S = 0.14
#: Trapezium method (VAZQUEZ_2011): the reference point x_r lies this far beyond
#: the point of steepest slope, on the far side of the wave's end. T: the
#: steepest T downslope is at most ~100 ms before T end (T peak to T end is
#: 80-120 ms in adults), so 150 ms puts x_r past T end in the isoelectric TP
#: segment. P: the steepest P slopes are within ~60 ms of the P boundaries (P
#: duration <= 120 ms); 50 ms was chosen among 40/50/60/80 ms as the smallest
#: RMS error of the PR interval on odd-numbered LUDB records (global marks; 40
#: and 50 ms tie), and checked on the even ones and QTDB (signal/README.md).
_T_XR_S = 0.15
_P_XR_S = 0.05
#: T peak: the first hump of the spatial magnitude after the ST segment that is
#: at least half as tall as the tallest (and stands out by a fifth of it), so
#: that a taller U wave or next P wave is not taken for the T wave. Half is a
#: round value, not fitted: on QTDB it changes one record (sel104, paced; 0.3
#: would also change sel48), on LUDB one (81).
_T_FIRST_FRAC = 0.5
_T_PROMINENCE = 0.2


def median_beat(ecg_mv, fs, r_peaks, *, pre_s, post_s, max_beats=60):
    """Median of the beats in `r_peaks` over a window around each.

    Parameters
    ----------
    ecg_mv : ndarray, shape (n_samples, n_leads)
        Baseline-removed ECG in millivolts.
    fs : float
        Sampling rate in Hz.
    r_peaks : array_like of int
        Fiducials of the beats to average (sample indices).
    pre_s, post_s : float
        Window before and after the fiducial in seconds.
    max_beats : int
        At most this many beats (evenly spread over the record) are used.

    Returns
    -------
    template : ndarray, float32, shape (pre + post, n_leads)
    used : ndarray of int
        Fiducials that were averaged.
    """
    x = np.asarray(ecg_mv)
    pre, post = int(round(pre_s * fs)), int(round(post_s * fs))
    r = _beats_for_median(r_peaks, pre, post, x.shape[0], max_beats)
    return _window_median(x, r, np.arange(-pre, post)), r


def _beats_for_median(r_peaks, pre, post, n, max_beats):
    """The fiducials `median_beat` averages: whole window inside the record, at most `max_beats` spread evenly."""
    r = np.asarray(r_peaks, dtype=np.int64)
    r = r[(r - pre >= 0) & (r + post <= n)]
    if r.size > max_beats:
        r = r[np.linspace(0, r.size - 1, max_beats).astype(int)]
    return r


def _window_median(x, r, offsets):
    """Median over the beats `r` of ``x[r + offsets]`` (NaN-aware), float32, shape (offsets, n_leads)."""
    if r.size == 0:
        return np.zeros((offsets.size, x.shape[1]), np.float32)
    # np.take copies whole rows: a tenth of the cost of x[index] with a 2-D index
    seg = np.take(x, r[:, None] + offsets[None, :], axis=0)  # (n_beats, win, n_leads)
    with np.errstate(all="ignore"):
        tpl = np.nanmedian(seg, axis=0) if np.isnan(seg).any() else np.median(seg, axis=0)
    return np.nan_to_num(tpl).astype(np.float32)


def delineate(ecg_mv, fs, beats: Beats, *, lead_names, rr_s=None) -> Delineation:
    """Delineate the median beat and derive global intervals and the frontal axis.

    Parameters
    ----------
    ecg_mv : ndarray, shape (n_samples, n_leads)
        ECG in millivolts, not high-pass filtered (a high-pass shifts the ST
        segment); power-line notch is fine. NaN allowed.
    fs : float
        Sampling rate in Hz.
    beats : Beats
        Detected beats; normal ('N') beats form the median beat.
    lead_names : sequence of str
        Lead names (I, II, III, aVR, aVL, aVF, V1-V6 in any case) for the axis.
    rr_s : float, optional
        Mean RR interval in seconds for QTc (default: from the beats).

    Returns
    -------
    Delineation

    Notes
    -----
    1. Median beat of the normal beats (window adapted to the RR interval),
       after subtracting from each beat the baseline interpolated between
       the PR segments of consecutive beats (isoelectric-point baseline).
    2. QRS onset and offset where the spatial velocity (Euclidean norm over
       leads of the time derivative, 40 Hz low-pass) falls below 5 % of its
       peak before and after the R wave, then refined on the leads' own
       boundaries (`_lead_envelope`): the second-earliest lead onset (within
       10 ms), and a later offset when two leads are still steep past it (a
       terminal R' or slurred S). Global onset/offset over all leads, as the
       AHA recommends [1]_.
    3. Isoelectric level per lead from the 20 ms before the spatial-velocity
       QRS onset (the P search and the PR-segment baseline points hang on it
       too, as validated; the lead envelope refines the reported boundaries).
    4. T end by the trapezium method [2]_ on the spatial magnitude (norm over
       leads of the baseline-corrected, 15 Hz low-passed beat): from the
       steepest descent after the T peak, the point that maximises the
       trapezium area up to a reference point 150 ms further on. The T peak
       is the first hump from 80 ms after QRS offset that is at least half as
       tall as the tallest (a taller later hump is a U or P wave).
    5. P wave: the largest spatial-magnitude bump 30-340 ms before QRS
       onset; present when it stands 0.03 mV above the lowest level of that
       span and falls below 35 % of its height on both sides (the bump
       before it instead when the largest is that bump's atrial
       repolarisation wave, `_p_before_ta`); onset and
       offset by the trapezium method on its rising and falling edges
       (reference points 50 ms beyond the steepest slopes). When none is
       found there, a second search (`_p_wave_multilead`) looks lead by lead
       back to the previous beat's T peak (a long PR puts the P wave before
       the window, a P on the T wave's tail is a shoulder, not a bump, in the
       spatial magnitude); its P wave is kept when every beat repeats it
       (beat-to-beat correlation >= 0.5), and the template is extended to
       hold it.
    6. Frontal axis from the net QRS area in leads I and aVF (derived from II
       and III when needed).
    7. Per beat (normal beats only; others get -1): QRS onset and offset by
       the same velocity rule on the beat itself, within 40 ms of the
       template's; P and T boundaries at the template's offsets from the
       beat's aligned fiducial.

    References
    ----------
    .. [1] Kligfield P et al. Recommendations for the standardization and
       interpretation of the electrocardiogram, part I. Circulation.
       2007;115:1306-24. doi:10.1161/CIRCULATIONAHA.106.180200
    .. [2] Vazquez-Seisdedos CR, Neto JE, Maranon Reyes EJ, et al. New
       approach for T-wave end detection on electrocardiogram: performance in
       noisy conditions. Biomed Eng Online. 2011;10:77.
       doi:10.1186/1475-925X-10-77
    """
    x = np.asarray(ecg_mv)
    if x.ndim == 1:
        x = x[:, None]
    fs = float(fs)
    names = tuple(lead_names)
    r = np.asarray(beats.r_peaks, dtype=np.int64)
    labels = np.asarray(beats.labels)
    empty = Delineation(template_mv=np.zeros((0, x.shape[1]), np.float32), fs=fs, r_index=-1, p_on=-1,
                        p_off=-1, qrs_on=-1, qrs_off=-1, t_off=-1, lead_names=names,
                        measurements=Measurements(),
                        waves=Waves(*(np.full(r.size, -1, np.int64) for _ in range(5))), n_beats=0)
    if r.size < 2:
        return empty
    rr_all = np.diff(r) / fs
    rr_med = float(np.median(rr_all))
    if rr_s is None or not np.isfinite(rr_s):
        rr_s = float(np.mean(rr_all))
    is_normal = labels == "N" if (labels == "N").sum() >= 1 else np.ones(r.size, bool)
    normal = r[is_normal]
    pre_s = float(np.clip(0.5 * rr_med, 0.22, 0.46))
    post_s = float(np.clip(rr_med - pre_s * 0.6, 0.35, 0.70))
    ri = int(round(pre_s * fs))
    used0 = _beats_for_median(normal, ri, int(round(post_s * fs)), x.shape[0], 60)
    if used0.size == 0:
        return empty
    # Re-align every beat on the median QRS (the detector's fiducial may sit on
    # R in one beat and on S in the next), then average again. The first median
    # beat is only the alignment reference, so only its QRS rows are computed.
    q0, q1 = max(0, ri - int(round(_ALIGN_PRE_S * fs))), ri + int(round(_ALIGN_POST_S * fs))
    qrs0 = _window_median(x, used0, np.arange(q0, min(q1, ri + int(round(post_s * fs)))) - ri)
    aligned = _align(x, fs, normal, qrs0, ri - q0)
    tpl, used = median_beat(x, fs, aligned, pre_s=pre_s, post_s=post_s)
    if used.size == 0:
        return empty
    fid = _fiducials(tpl, fs, ri, qrs_only=True)
    if fid is None:
        return empty
    # Second pass: subtract, beat by beat, the baseline interpolated linearly
    # between the PR segments (isoelectric points) of consecutive beats, so that
    # wander is removed without the ST distortion of a high-pass filter.
    lag = np.zeros(r.size, np.int64)
    lag[is_normal] = aligned - normal
    # (the PR-segment points, the isoelectric level and the P search hang on the
    # spatial-velocity onset, as validated; the lead envelope refines the
    # reported boundaries only)
    tpl2 = _pr_corrected_template(x, fs, r + lag, used, fid[7][0] - ri, pre=ri, post=tpl.shape[0] - ri)
    fid = _fiducials(tpl2 if tpl2 is not None else tpl, fs, ri)
    if fid is None:
        return empty
    qrs_on, qrs_off, t_peak, t_off, p_on, p_off, tb, (sp_on, sp_off) = fid
    if p_on < 0 and t_peak >= 0:
        # no P wave found in the median beat's window: look lead by lead back to
        # the previous beat's T peak (a long PR puts the P wave on the previous T
        # wave), and keep it only when every beat repeats it (averaged
        # fibrillatory waves do not)
        ext = _p_wave_multilead(x, fs, used, r + lag, ri, sp_on, t_peak, int(round(rr_med * fs)), tb)
        if ext is not None and _p_consistency(x, fs, used, ext[0], ri + ext[3], ext[1], ext[2]) >= P_CONSISTENT:
            tb, p_on, p_off, pad = ext
            ri, qrs_on, qrs_off, t_peak, t_off, sp_on, sp_off = (
                v + pad if v >= 0 else v for v in (ri, qrs_on, qrs_off, t_peak, t_off, sp_on, sp_off))

    def ms(a, b):
        return (b - a) / fs * 1000.0 if a >= 0 and b >= 0 else float("nan")

    qrs_ms = ms(qrs_on, qrs_off)
    qt_ms = ms(qrs_on, t_off)
    pr_ms = ms(p_on, qrs_on)
    qtc = qt_ms / np.sqrt(rr_s) if np.isfinite(qt_ms) else float("nan")
    qtcf = qt_ms / np.cbrt(rr_s) if np.isfinite(qt_ms) else float("nan")
    axis = _axis(tb, names, qrs_on, qrs_off)
    meas = Measurements(pr_ms=pr_ms, qrs_ms=qrs_ms, qt_ms=qt_ms, qtc_ms=float(qtc),
                        qtc_fridericia_ms=float(qtcf), axis_deg=axis, rr_ms=rr_s * 1000.0,
                        qtc_framingham_ms=qtc_framingham(qt_ms, rr_s))
    # per-beat boundaries: template offsets on normal beats
    n = x.shape[0]

    def per_beat(off):
        if off < 0:
            return np.full(r.size, -1, np.int64)
        v = r + lag + (off - ri)
        return np.where(is_normal & (v >= 0) & (v < n), v, -1).astype(np.int64)

    q_on, q_off = per_beat(qrs_on), per_beat(qrs_off)
    sel = np.flatnonzero((q_on >= 0) & (q_off >= 0))
    if sel.size:
        # each beat's spatial-velocity boundaries, moved by the template's
        # difference between the lead envelope and its spatial-velocity boundaries
        q_on[sel], q_off[sel] = _per_beat_qrs(x, fs, r[sel] + lag[sel], sp_on - ri, sp_off - ri)
        q_on[sel] += qrs_on - sp_on
        q_off[sel] += qrs_off - sp_off
        q_on[sel], q_off[sel] = np.clip(q_on[sel], 0, n - 1), np.clip(q_off[sel], 0, n - 1)
    waves = Waves(p_on=per_beat(p_on), p_off=per_beat(p_off), qrs_on=q_on,
                  qrs_off=q_off, t_off=per_beat(t_off))
    return Delineation(template_mv=tb, fs=fs, r_index=ri, p_on=p_on, p_off=p_off, qrs_on=qrs_on,
                       qrs_off=qrs_off, t_off=t_off, lead_names=names, measurements=meas, waves=waves,
                       n_beats=int(used.size), t_peak=t_peak,
                       p_consistency=_p_consistency(x, fs, used, tb, ri, p_on, p_off))


def _p_consistency(x, fs, used, tb, ri, p_on, p_off, *, margin_s=0.02):
    """Median correlation of each beat's P window (all leads, 15 Hz low-pass, own mean removed) with the template's.

    Beat-to-beat consistency of the P wave separates sinus P waves from
    fibrillatory activity that averages into a P-like bump (atrial activity
    analysis as in Ladavich & Ghoraani 2015, doi:10.1016/j.bspc.2014.10.009).
    """
    if p_on < 0 or p_off <= p_on or used.size < 3:
        return float("nan")
    m = int(round(margin_s * fs))
    a, b = max(0, p_on - m), min(tb.shape[0], p_off + m)
    offs = np.arange(a, b) - ri
    ok = (used + offs[0] >= 0) & (used + offs[-1] < x.shape[0])
    if ok.sum() < 3 or offs.size < 4:
        return float("nan")
    seg = np.nan_to_num(np.asarray(x[used[ok][:, None] + offs[None, :]], dtype=np.float64))  # (nb, len, L)
    if 15.0 < 0.45 * fs:
        # filter along contiguous memory (time last), then back to (beats, time, leads)
        seg = sosfiltfilt(butter_sos(2, 15.0, "lowpass", fs), np.ascontiguousarray(seg.transpose(0, 2, 1)),
                          axis=-1, padlen=min(15, offs.size - 1)).transpose(0, 2, 1)
    seg -= seg.mean(axis=1, keepdims=True)
    tpl = np.asarray(tb[a:b], np.float64)
    tpl = tpl - tpl.mean(axis=0, keepdims=True)
    num = np.einsum("bij,ij->b", seg, tpl)
    den = np.sqrt(np.einsum("bij,bij->b", seg, seg) * np.sum(tpl * tpl))
    return float(np.median(num / np.maximum(den, 1e-12)))


def _per_beat_qrs(x, fs, centers, on_rel, off_rel, *, margin_s=0.04, max_dev_s=0.03):
    """QRS onset and offset of each beat by the template's velocity rule, in a window
    of +-40 ms around the template's boundaries; falls back to the template's
    boundaries where the beat gives none or one more than 30 ms away."""
    n = x.shape[0]
    m = max(2, int(round(margin_s * fs)))
    offs = np.arange(on_rel - m, off_rel + m + 1)
    tpl_on, tpl_off = centers + on_rel, centers + off_rel
    ok = (centers + offs[0] - 1 >= 0) & (centers + offs[-1] + 1 < n)
    if not ok.any() or offs.size < 8:
        return tpl_on, tpl_off
    c = centers[ok]
    seg = np.nan_to_num(np.asarray(np.take(x, c[:, None] + offs[None, :], axis=0), dtype=np.float64), copy=False)  # (nb, len, L)
    # one product gives every beat's 40 Hz low-passed slope (the same numbers as
    # filtering each window and differencing it, to rounding, at a tenth of the cost)
    rows = np.ascontiguousarray(seg.transpose(0, 2, 1)).reshape(-1, offs.size)
    slope = _single_thread_matmul(rows, _lowpass_slope_operator(fs, offs.size, 40.0))
    vel = np.linalg.norm(slope.reshape(c.size, -1, offs.size), axis=1) * fs  # (nb, len)
    floor = np.percentile(vel, 10, axis=1)
    vmax = vel.max(axis=1)
    idx = np.arange(offs.size)
    big = vel > 0.3 * vmax[:, None]
    first_big = np.argmax(big, axis=1)
    last_big = offs.size - 1 - np.argmax(big[:, ::-1], axis=1)
    below_on = vel < (floor + _QRS_ON_FRAC * (vmax - floor))[:, None]
    below_off = vel < (floor + _QRS_OFF_FRAC * (vmax - floor))[:, None]
    on_mask = below_on & (idx[None, :] < first_big[:, None])
    off_mask = below_off & (idx[None, :] > last_big[:, None])
    on = c + offs[offs.size - 1 - np.argmax(on_mask[:, ::-1], axis=1)]
    off = c + offs[np.argmax(off_mask, axis=1)]
    dev = int(round(max_dev_s * fs))
    good_on = on_mask.any(axis=1) & (np.abs(on - tpl_on[ok]) <= dev)
    good_off = off_mask.any(axis=1) & (np.abs(off - tpl_off[ok]) <= dev)
    out_on, out_off = tpl_on.copy(), tpl_off.copy()
    out_on[np.flatnonzero(ok)[good_on]] = on[good_on]
    out_off[np.flatnonzero(ok)[good_off]] = off[good_off]
    return out_on, out_off


#: `_align` matches beats on the QRS, from 60 ms before to 80 ms after the fiducial.
_ALIGN_PRE_S = 0.06
_ALIGN_POST_S = 0.08


#: OpenBLAS runs a product on one thread up to this many multiply-adds
#: (65536 x GEMM_MULTITHREAD_THRESHOLD).
_BLAS_ONE_THREAD_MNK = 262144


def _single_thread_matmul(a, b):
    """``a @ b`` (2-D) as a stack of row blocks small enough for one BLAS thread each.

    A threaded product of this size waits on the second core: several times
    slower when another process (a second analysis, the web server) holds it.
    """
    m, k = a.shape
    rows = max(1, _BLAS_ONE_THREAD_MNK // (k * b.shape[1]))
    pad = -m % rows
    if pad:
        a = np.concatenate([a, np.zeros((pad, k), a.dtype)])
    return (a.reshape(-1, rows, k) @ b).reshape(-1, b.shape[1])[:m]


@functools.lru_cache(maxsize=32)
def _lowpass_slope_operator(fs, n, hz):
    """(n, n) matrix D such that ``v @ D == np.gradient(_lowpass(v, fs, hz))`` for a window `v` of n samples.

    `_lowpass` (odd extension, steady-state initial conditions, forward and
    backward) and the central difference are both linear in the window, so
    their composition is a matrix: its rows are the responses to unit impulses.
    """
    return np.ascontiguousarray(np.gradient(_lowpass(np.eye(n), fs, hz), axis=0).T)


def _align(x, fs, r, tpl, ri, *, max_lag_s=0.05):
    """Shift each fiducial in `r` (within +-50 ms) to best match the QRS of `tpl`.

    The match is the correlation of first differences (insensitive to baseline
    offsets) over the QRS (-60 to +80 ms around the template fiducial).
    """
    r = np.asarray(r, np.int64)
    lag_max = max(1, int(round(max_lag_s * fs)))
    a, b = int(round(_ALIGN_PRE_S * fs)), int(round(_ALIGN_POST_S * fs))
    lo_off = max(0, ri - a) - ri
    ref = np.diff(tpl[max(0, ri - a):ri + b].astype(np.float64), axis=0)
    if ref.shape[0] < 3:
        return r
    span = ref.shape[0] + 1 + 2 * lag_max
    ok = (r + lo_off - lag_max >= 0) & (r + lo_off - lag_max + span <= x.shape[0])
    if not ok.any():
        return r
    start = r[ok] + lo_off - lag_max
    seg = np.diff(np.nan_to_num(np.asarray(np.take(x, start[:, None] + np.arange(span)[None, :], axis=0), dtype=np.float64), copy=False), axis=1)
    # the scores of all lags at once: column k of `shifted` holds `ref` starting k rows down
    m, n_lags, n_leads = ref.shape[0], 2 * lag_max + 1, ref.shape[1]
    shifted = np.zeros((span - 1, n_leads, n_lags))
    k = np.arange(n_lags)
    shifted[k[None, :] + np.arange(m)[:, None], :, k[None, :]] = ref[:, None, :]
    score = _single_thread_matmul(seg.reshape(seg.shape[0], -1), shifted.reshape(-1, n_lags))
    out = r.copy()
    out[ok] = r[ok] + np.argmax(score, axis=1) - lag_max
    return out


def _pr_corrected_template(x, fs, r_all, used, qrs_on_rel, *, pre, post):
    """Median beat after removing a baseline interpolated through every beat's PR segment."""
    half = max(1, int(round(0.01 * fs)))
    p = r_all + qrs_on_rel - half  # centre of a 20-ms window ending at QRS onset
    p = p[(p - half >= 0) & (p + half < x.shape[0])]
    if p.size < 2:
        return None
    pr = np.take(x, p[:, None] + np.arange(-half, half)[None, :], axis=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        # nanmedian is ten times slower than median on these small windows, and equal without NaN
        levels = np.nanmedian(pr, axis=1) if np.isnan(pr).any() else np.median(pr, axis=1)  # (n_points, n_leads)
    ok = np.isfinite(levels).all(axis=1)
    p, levels = p[ok], levels[ok]
    if p.size < 2:
        return None
    win = used[:, None] + np.arange(-pre, post)[None, :]
    seg = np.take(x, win, axis=0).astype(np.float64)  # (n_beats, win, n_leads)
    flat = win.reshape(-1)
    for j in range(x.shape[1]):
        seg[:, :, j] -= np.interp(flat, p, levels[:, j]).reshape(win.shape)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        tpl = np.nanmedian(seg, axis=0) if np.isnan(seg).any() else np.median(seg, axis=0)
    return np.nan_to_num(tpl).astype(np.float32)


def _lowpass(x, fs, hz):
    if hz >= 0.45 * fs:
        return x
    sos = butter_sos(2, hz, "lowpass", fs)
    return sosfiltfilt(sos, np.ascontiguousarray(x.T), axis=-1, padlen=min(15, x.shape[0] - 1)).T


def _fiducials(tpl, fs, ri, *, qrs_only=False):
    """QRS on/off, T peak/end, P on/off on a template; None when no QRS is found."""
    n = tpl.shape[0]
    k = lambda s: int(round(s * fs))  # noqa: E731
    lp = _lowpass(tpl.astype(np.float64), fs, 40.0)
    vel = np.linalg.norm(np.gradient(lp, axis=0), axis=1) * fs  # mV/s
    a, b = max(1, ri - k(0.06)), min(n - 1, ri + k(0.06))
    if b <= a:
        return None
    vmax_i = a + int(np.argmax(vel[a:b]))
    vmax = vel[vmax_i]
    if vmax <= 0:
        return None
    floor = np.percentile(vel, 10)
    thr_on = floor + _QRS_ON_FRAC * (vmax - floor)
    thr_off = floor + _QRS_OFF_FRAC * (vmax - floor)
    # onset: walk back from the first steep part of the QRS
    big = np.flatnonzero(vel[max(0, ri - k(0.10)):min(n, ri + k(0.12))] > 0.3 * vmax) + max(0, ri - k(0.10))
    first_big, last_big = int(big[0]), int(big[-1])
    lo = max(0, first_big - k(0.12))
    below = np.flatnonzero(vel[lo:first_big] < thr_on)
    qrs_on = lo + int(below[-1]) if below.size else lo
    hi = min(n, last_big + k(0.16))
    below = np.flatnonzero(vel[last_big:hi] < thr_off)
    qrs_off = last_big + int(below[0]) if below.size else hi - 1
    # When the ST segment slopes (bundle branch block, ST elevation) the velocity
    # never gets low: stop at the first local minimum once it is below 15 %.
    knee = np.flatnonzero(vel[last_big:qrs_off] < floor + _QRS_KNEE_FRAC * (vmax - floor))
    if knee.size:
        c = last_big + int(knee[0])
        seg = vel[c:qrs_off + 1]
        mins = np.flatnonzero((seg[1:-1] <= seg[:-2]) & (seg[1:-1] <= seg[2:]))
        if mins.size:
            qrs_off = min(qrs_off, c + 1 + int(mins[0]))
    # Global boundaries as the envelope of the leads' own boundaries (Kligfield
    # 2007): the spatial velocity is dominated by the steepest deflection, so a
    # slow terminal R' (right bundle branch block) or a slow initial wave in a few
    # leads stays under its thresholds, and every lead turning at once (the peak
    # of an R') looks like the end of the QRS.
    env = _lead_envelope(np.abs(np.gradient(lp, axis=0)), fs, first_big, last_big, lo, hi, qrs_off)
    spatial = (qrs_on, qrs_off)
    if env is not None:
        # the onset moves by at most _ENV_ON_MAX_SHIFT_S: atrial activity that
        # runs into the QRS (flutter waves, a P wave on a short PR) keeps a lead
        # from ever being quiet before it
        c_on = int(round(_ENV_ON_MAX_SHIFT_S * fs))
        qrs_on = int(np.clip(env[0], qrs_on - c_on, qrs_on + c_on))
        qrs_off = env[1]
    # isoelectric level per lead: the 20 ms before QRS onset
    on_sp = spatial[0]
    b0 = max(0, on_sp - k(0.02))
    base = tpl[b0:on_sp + 1].mean(axis=0) if on_sp > b0 else tpl[on_sp]
    tb = (tpl - base).astype(np.float32)
    if qrs_only:
        return qrs_on, qrs_off, -1, -1, -1, -1, tb, spatial
    # T and P waves on the spatial magnitude of the 15 Hz low-passed beat
    lp15 = _lowpass(tb.astype(np.float64), fs, 15.0)
    sm = np.linalg.norm(lp15, axis=1)
    t0 = qrs_off + k(0.08)
    t1 = n - k(0.02)
    t_peak = t_off = -1
    if t1 - t0 > k(0.06):
        t_peak = t0 + int(np.argmax(sm[t0:t1]))
        # The T wave is the first repolarisation hump: a later, taller one is a U
        # wave or the next P wave.
        pks, _ = scipy.signal.find_peaks(sm[t0:t1], prominence=_T_PROMINENCE * sm[t_peak])
        pks = pks[sm[t0 + pks] >= _T_FIRST_FRAC * sm[t_peak]]
        if pks.size:
            t_peak = t0 + int(pks[0])
        # the T peak must stand out from the ST level
        if sm[t_peak] > 0.04 and t_peak < t1 - 2:
            # trapezium method on the falling edge: x_m at the steepest descent of
            # the T wave itself, before the valley that precedes a U or P wave (with
            # a U wave, T end is the T-U nadir: Lepeschkin & Surawicz 1952,
            # doi:10.1161/01.CIR.6.3.378)
            d = np.gradient(sm[t_peak:t1])
            rise = np.flatnonzero(d[1:] > 0)
            fall_end = t_peak + 2 + int(rise[0]) if rise.size else t1
            xm = t_peak + int(np.argmin(d[:fall_end - t_peak]))
            if xm < t1 - 1:
                t_off = _trapezium_knee(sm, xm, min(t1, xm + k(_T_XR_S)))
    # P wave before QRS onset
    p_on = p_off = -1
    pa, pb = max(0, on_sp - k(0.34)), on_sp - k(0.03)
    if pb - pa > k(0.05):
        seg = sm[pa:pb]
        pk, end = _p_before_ta(seg, lp15[pa:pb], int(np.argmax(seg)))
        height = seg[pk]
        flo = float(np.min(seg))
        if height - flo > _P_MIN_MV and 0 < pk < seg.size - 1:
            # presence: the bump falls to 35 % of its height on both sides
            thr = flo + _P_FRAC * (height - flo)
            present = (seg[:pk] < thr).any() and (seg[pk:] < thr).any()
            if present:
                # boundaries: trapezium method on each edge of the bump (steepest
                # rise before the peak, steepest fall after it)
                d = np.gradient(seg)
                up, down = int(np.argmax(d[:pk + 1])), pk + int(np.argmin(d[pk:end + 1]))
                p_on = pa + _trapezium_knee(seg, up, max(0, up - k(_P_XR_S)))
                p_off = pa + _trapezium_knee(seg, down, min(end, down + k(_P_XR_S)))
    return qrs_on, qrs_off, t_peak, t_off, p_on, p_off, tb, spatial


def _p_before_ta(sm, lp, pk):
    """The P wave's peak in a span of the spatial magnitude, given its largest bump `pk`.

    Parameters
    ----------
    sm : ndarray, shape (n,)
        Spatial magnitude of the P search span (mV).
    lp : ndarray, shape (n, n_leads)
        The leads it is the norm of (mV).
    pk : int
        Index of the largest bump of `sm`.

    Returns
    -------
    (peak, end) : (int, int)
        `peak` is `pk`, or the peak of the bump just before it when `pk` is
        the atrial repolarisation (Ta) wave of that bump; `end` is the last
        index the P wave's falling edge may use: the valley between the two
        when the Ta wave was set aside, else the span's last sample.

    Notes
    -----
    In the spatial magnitude polarity is lost, so the Ta wave, which lies in
    the PR segment and stands out when the PR interval is long [1]_, is a
    bump like the P wave and may be the larger one. The Ta wave starts where
    the P wave ends, has the opposite polarity in every lead and lasts two to
    three times as long as the P wave [1]_ [2]_. So the bump before the largest is
    taken instead when (all three from [1]_, nothing fitted):

    1. the two are neighbouring bumps (each standing `_P_MIN_MV` above its
       valleys, the ordinary search's minimum), with no other between them,
       and the earlier is a whole wave that ends where the later begins: it
       passes the ordinary presence test (falls below `_P_FRAC` of its
       height) on its left and in the valley between the two, so that a
       notch on the flank of the larger bump is not taken for a P wave;
    2. their lead vectors at the two peaks point in opposite directions
       (negative dot product): the later is the earlier's opposite tail;
    3. the later is wider at half its prominence than the earlier.

    References
    ----------
    .. [1] Holmqvist F, Carlson J, Platonov PG. Detailed ECG analysis of
       atrial repolarization in humans. Ann Noninvasive Electrocardiol.
       2009;14:13-8.
    .. [2] Debbas NMG, Jackson SHD, de Jonghe D, Robert A, Camm AJ. Human
       atrial repolarization: effects of sinus rate, pacing and drugs on the
       surface electrocardiogram. J Am Coll Cardiol. 1999;33:358-65 (P about
       105 ms, Ta about 290 ms in heart block).
    """
    pks, pr = scipy.signal.find_peaks(sm, prominence=_P_MIN_MV, width=0)
    i = np.flatnonzero(pks == pk)
    if i.size == 0 or i[0] == 0:
        return pk, sm.size - 1
    i = int(i[0])
    q = int(pks[i - 1])
    valley = q + int(np.argmin(sm[q:pk + 1]))
    thr = sm.min() + _P_FRAC * (sm[q] - sm.min())
    whole = (sm[:q] < thr).any() and (sm[q:valley + 1] < thr).any()
    if whole and float(np.dot(lp[q], lp[pk])) < 0 and pr["widths"][i] > pr["widths"][i - 1]:
        return q, valley
    return pk, sm.size - 1


def _p_wave_multilead(x, fs, used, r_all, ri, on_sp, t_peak, rr, tb):
    """P wave between the previous beat's T peak and QRS onset, by humps that several leads show.

    Parameters
    ----------
    x : ndarray, shape (n_samples, n_leads)
        ECG in millivolts.
    fs : float
        Sampling rate in Hz.
    used : ndarray of int
        Fiducials of the averaged beats (sample indices).
    r_all : ndarray of int
        Fiducials of all beats, in the same frame as `used` (sample indices).
    ri, on_sp, t_peak : int
        Fiducial, spatial-velocity QRS onset and T peak in the template (samples).
    rr : int
        Median RR interval in samples.
    tb : ndarray, shape (n, n_leads)
        Baseline-corrected template.

    Returns
    -------
    (template, p_on, p_off, pad) or None
        `template` is `tb` with `pad` (>= 0) samples of a longer median beat
        put in front when the span starts before the template; `p_on`,
        `p_off` index it. None when no P wave is found.

    Notes
    -----
    The ordinary search (`_fiducials`) looks at most 340 ms before QRS onset
    and no further back than the median beat's window (0.22-0.46 s before the
    fiducial), and needs the bump to stand out in the spatial magnitude. In
    first-degree AV block the PR interval can be 300-400 ms or more [1]_, so
    at ordinary rates the P wave lies before that window, on or just after
    the previous beat's T wave, where it is a shoulder on the T wave's tail
    in the spatial magnitude rather than a bump. This search is bounded by
    physiology instead of a fixed window, and looks for the P wave lead by
    lead, as the CSE referees read the leads together (Willems 1987):

    1. Span: from the previous beat's T peak (the template's T peak one
       median RR earlier) to 30 ms before QRS onset. Median over the averaged
       beats, each beat taken only from its own previous beat's T peak on (a
       short RR brings no T wave into it), less its level in the 20 ms before
       QRS onset; 15 Hz low-pass.
    2. Humps of either polarity in each lead, standing `_P_MIN_MV` (0.03 mV,
       the ordinary search's minimum) above the valleys on both sides, at
       most `_P_MAX_HALF_WIDTH_S` wide at half that height, and rising from
       a valley inside the span (not from the previous T wave itself).
    3. The P wave is the latest hump that at least `_P_MIN_LEADS` leads show
       within `_P_LEAD_TOL_S` of each other: the conducted P wave is the last
       atrial wave before the QRS, earlier humps are T or U waves.
    4. Onset and offset by the trapezium method (as the ordinary search) on
       the sum of those leads, each with the hump made positive, between the
       valleys that all of them share; at most `_P_MAX_S` long.

    The caller keeps the P wave only when every beat repeats it
    (`_p_consistency` >= `P_CONSISTENT`): averaged fibrillatory or T waves
    of varying RR are not.

    References
    ----------
    .. [1] Kusumoto FM et al. 2018 ACC/AHA/HRS guideline on the evaluation and
       management of patients with bradycardia and cardiac conduction delay.
       J Am Coll Cardiol 2019;74:e51-e156. doi:10.1016/j.jacc.2018.10.044
    .. [2] Willems JL et al. A reference data base for multilead
       electrocardiographic computer measurement programs. J Am Coll Cardiol.
       1987;10:1313-21. doi:10.1016/S0735-1097(87)80136-5
    """
    k = lambda s: int(round(s * fs))  # noqa: E731
    start = t_peak - rr  # the previous beat's T peak, in template samples
    end = on_sp - k(0.03)
    if end - start < k(0.1) or used.size == 0:
        return None
    offs = np.arange(start, on_sp + 1) - ri
    beats = used[(used + offs[0] >= 0) & (used + offs[-1] < x.shape[0])]
    if beats.size == 0:
        return None
    seg = np.asarray(x[beats[:, None] + offs[None, :]], dtype=np.float64)
    # each beat only from its own previous beat's T peak on (the RR varies)
    r_all = np.sort(np.asarray(r_all, dtype=np.int64))
    i = np.searchsorted(r_all, beats) - 1
    prev_t = np.where(i >= 0, r_all[np.maximum(i, 0)] + (t_peak - ri), -1)
    seg[(beats[:, None] + offs[None, :]) < prev_t[:, None]] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        med = np.nan_to_num(np.nanmedian(seg, axis=0))
    med -= med[-k(0.02) - 1:].mean(axis=0)
    lp = _lowpass(med, fs, 15.0)[:end - start]
    tol = k(_P_LEAD_TOL_S)
    cand = []  # (peak, lead, sign, left valley, right valley)
    for j in range(lp.shape[1]):
        for sign in (1.0, -1.0):
            pk, pr = scipy.signal.find_peaks(sign * lp[:, j], prominence=_P_MIN_MV,
                                             width=(None, _P_MAX_HALF_WIDTH_S * fs))
            # a hump whose left valley is the span's first sample is still the
            # previous T wave, not separated from it
            cand += [(int(q), j, sign, int(lb), int(rb))
                     for q, lb, rb in zip(pk, pr["left_bases"], pr["right_bases"]) if lb > 0]
    if len(cand) < _P_MIN_LEADS:
        return None
    at = np.array([c[0] for c in cand])
    votes = np.array([len({c[1] for c, t in zip(cand, at) if abs(t - t0) <= tol}) for t0 in at])
    ok = np.flatnonzero(votes >= _P_MIN_LEADS)
    if ok.size == 0:
        return None
    best = int(at[ok[np.argmax(at[ok])]])
    grp = {}
    for c in cand:  # one hump per lead: the one nearest the consensus peak
        if abs(c[0] - best) <= tol and (c[1] not in grp or abs(c[0] - best) < abs(grp[c[1]][0] - best)):
            grp[c[1]] = c
    lb = max(c[3] for c in grp.values())
    rb = min(c[4] for c in grp.values())
    span = sum(c[2] * lp[:, c[1]] for c in grp.values())
    if rb - lb < 2:
        return None
    pk = lb + int(np.argmax(span[lb:rb + 1]))
    if not lb < pk < rb:
        return None
    d = np.gradient(span)
    up = lb + int(np.argmax(d[lb:pk + 1]))
    down = pk + int(np.argmin(d[pk:rb + 1]))
    p_on = _trapezium_knee(span, up, max(lb, up - k(_P_XR_S)))
    p_off = _trapezium_knee(span, down, min(rb, down + k(_P_XR_S)))
    if (p_off - p_on) / fs > _P_MAX_S:
        return None
    pad = max(0, -start)
    out = np.concatenate([med[:pad], np.asarray(tb, np.float64)]).astype(np.float32)
    return out, p_on + start + pad, p_off + start + pad, pad


def _lead_envelope(slope, fs, first_big, last_big, lo, hi, spatial_off):
    """Global QRS onset, and offset where the spatial velocity ended it too early, from each lead's own boundaries.

    Parameters
    ----------
    slope : ndarray, shape (n, n_leads)
        Absolute first difference of each lead of the (40 Hz low-passed) beat.
    first_big, last_big : int
        First and last sample of the steep part of the QRS (spatial velocity).
    lo, hi : int
        Search limits for onset and offset.
    spatial_off : int
        QRS offset by the spatial velocity.

    Returns
    -------
    (onset, offset) or None when too few leads carry a QRS. The offset is
    `spatial_off` unless the leads show that the QRS goes on.

    Notes
    -----
    1. Leads whose steepest QRS slope is at least `_ENV_MIN_SHARE` of the
       steepest lead's carry a usable boundary.
    2. A lead is quiet where its slope stays below `_ENV_*_FRAC` of the
       steepest lead's for `_ENV_*_HOLD_S` (the turning point at the peak of
       an R' or the trough of a wide S is flat only for an instant).
    3. Lead onset: the end of the last quiet stretch before the lead's first
       slope above 30 % of its own steepest; a lead never quiet there (flutter
       waves running into the QRS) gives none. Global onset: the
       `_ENV_ON_RANK`-th earliest lead onset, the earliest onset over
       simultaneous leads (Kligfield 2007; the CSE referees' global boundaries,
       Willems 1987) made robust to one noisy lead.
    4. Offset: a lead (carrying at least `_ENV_OFF_MIN_SHARE` of the
       steepest lead's slope) still steeper than `_ENV_OFF_ACTIVE` of its own
       steepest QRS slope after `spatial_off` is still inside its QRS there:
       a terminal R' or a slurred S, which ST segments and T waves, far
       slower, do not mimic. When at least `_ENV_OFF_LEADS` leads are (one
       lead alone may be an electrode artefact), the offset is the latest of
       their offsets: the start of the first stretch of `_ENV_OFF_HOLD_S`
       after their last such slope where their slope stays below
       `_ENV_OFF_FRAC` of the steepest lead's. The spatial velocity alone
       stops at the peak of an R' (every lead turns there at once) and misses
       a slow terminal deflection that a few leads carry.

    References
    ----------
    .. [1] Kligfield P et al. Recommendations for the standardization and
       interpretation of the electrocardiogram, part I. Circulation.
       2007;115:1306-24. doi:10.1161/CIRCULATIONAHA.106.180200
    .. [2] Willems JL et al. A reference data base for multilead
       electrocardiographic computer measurement programs. J Am Coll Cardiol.
       1987;10:1313-21. doi:10.1016/S0735-1097(87)80136-5
    """
    n = slope.shape[0]
    ext = int(round(_ENV_PEAK_EXT_S * fs))
    a, b = max(0, first_big - ext), min(n, last_big + ext + 1)
    if b - a < 2:
        return None
    peak = slope[a:b].max(axis=0)  # each lead's steepest QRS slope
    leads = np.flatnonzero(peak >= _ENV_MIN_SHARE * peak.max())
    if leads.size <= max(_ENV_ON_RANK, _ENV_OFF_LEADS):
        return None

    def quiet(frac, hold_s):
        """[t, k]: lead k stays below `frac` of the steepest lead's slope for `hold_s` from t on."""
        hold = max(1, int(round(hold_s * fs)))
        low = slope[:, leads] < frac * peak.max()
        c = np.concatenate([np.zeros((1, leads.size)), np.cumsum(low, axis=0)])
        q = np.zeros_like(low)
        q[:n - hold + 1] = (c[hold:] - c[:n - hold + 1]) == hold
        return q, hold

    q_on, h_on = quiet(_ENV_ON_FRAC, _ENV_ON_HOLD_S)
    q_off, _ = quiet(_ENV_OFF_FRAC, _ENV_OFF_HOLD_S)
    ons, offs = [], []
    for k, j in enumerate(leads):
        big = np.flatnonzero(slope[a:b, j] > 0.3 * peak[j]) + a
        before = np.flatnonzero(q_on[lo:max(lo, big[0] - h_on + 1), k])
        if before.size:
            ons.append(lo + int(before[-1]) + h_on - 1)
        active = np.flatnonzero(slope[spatial_off:b, j] > _ENV_OFF_ACTIVE * peak[j])
        if active.size and peak[j] >= _ENV_OFF_MIN_SHARE * peak.max():
            last = spatial_off + int(active[-1])
            after = np.flatnonzero(q_off[last:hi, k])
            offs.append(last + int(after[0]) if after.size else hi - 1)
    if len(ons) < _ENV_ON_RANK:
        return None
    off = max(offs) if len(offs) >= _ENV_OFF_LEADS else spatial_off
    return int(np.sort(ons)[_ENV_ON_RANK - 1]), max(off, spatial_off)


def _trapezium_knee(y, xm, xr):
    """Where a wave edge meets the baseline, by the trapezium method (VAZQUEZ_2011).

    `y` falls (towards `xr`) from its steepest point `xm` to a flat baseline;
    `xr` lies past the boundary, before (onset) or after (offset) `xm`. The
    boundary is the point x_i between them that maximises the area of the
    trapezium (x_m, y_m), (x_i, y_i), (x_r, y_i), (x_r, y_m):
    0.5 * (y_m - y_i) * (|x_r - x_i| + |x_r - x_m|). No amplitude threshold is
    needed, and the area averages out noise better than a derivative threshold.
    """
    xi = np.arange(min(xm, xr), max(xm, xr) + 1)
    area = 0.5 * (y[xm] - y[xi]) * (np.abs(xr - xi) + abs(xr - xm))
    return int(xi[np.argmax(area)])


def _lead(names, *wanted):
    low = [n.lower() for n in names]
    for w in wanted:
        if w in low:
            return low.index(w)
    return None


def _axis(tb, names, on, off):
    """Frontal QRS axis (deg) from net QRS areas of I and aVF (or derived from II, III)."""
    if on < 0 or off <= on:
        return float("nan")
    area = tb[on:off + 1].sum(axis=0)
    i, avf = _lead(names, "i"), _lead(names, "avf")
    ii, iii = _lead(names, "ii"), _lead(names, "iii")
    if i is not None and avf is not None:
        a_i, a_f = area[i], area[avf]
    elif ii is not None and iii is not None:
        a_i, a_f = area[ii] - area[iii], (area[ii] + area[iii]) / 2
    elif i is not None and ii is not None:
        a_i, a_f = area[i], area[ii] - area[i] / 2
    else:
        return float("nan")
    return float(np.degrees(np.arctan2(a_f, a_i)))


def _f(code, sev, value, thr, ref, text, lead=None):
    return Finding(code=code, severity=sev, start_s=None, end_s=None, lead=lead,
                   value=None if value is None else round(float(value), 1), threshold=thr,
                   reference=ref, text=text)


def qtc_framingham(qt_ms, rr_s):
    """QT corrected for heart rate by the Framingham linear formula, in ms.

    Parameters
    ----------
    qt_ms : float
        QT interval in ms.
    rr_s : float
        RR interval in seconds.

    Returns
    -------
    float
        QT + 154 ms x (1 - RR / 1 s); NaN when either is not finite.

    Notes
    -----
    Rautaharju 2009 (AHA/ACCF/HRS part IV) recommends a linear regression
    function rather than Bazett's formula, which over-corrects at higher
    rates; the Framingham formula is one they name.

    References
    ----------
    .. [1] Sagie A et al. An improved method for adjusting the QT interval
       for heart rate (the Framingham Heart Study). Am J Cardiol.
       1992;70:797-801. doi:10.1016/0002-9149(92)90562-D

    Examples
    --------
    >>> round(qtc_framingham(400.0, 0.6), 1)
    461.6
    """
    if not (np.isfinite(qt_ms) and np.isfinite(rr_s)):
        return float("nan")
    return float(qt_ms + 1000.0 * FRAMINGHAM_SLOPE * (1.0 - rr_s))


def interval_findings(m: Measurements, *, sex=None, lead_names=(), median_beat=None) -> list[Finding]:
    """WIDE_QRS, LONG_PR, LONG_QTC and LEAD_REVERSAL from the global measurements.

    Parameters
    ----------
    m : Measurements
    sex : {'M', 'F', None}
    lead_names : sequence of str
    median_beat : Delineation, optional
        Needed for LEAD_REVERSAL (P and QRS polarity in I and aVR).

    Returns
    -------
    list of Finding
    """
    out = []
    if np.isfinite(m.qrs_ms) and m.qrs_ms >= WIDE_QRS_MS:
        out.append(_f("WIDE_QRS", "routine", m.qrs_ms, WIDE_QRS_MS, SURAWICZ_2009,
                      f"Wide QRS ({m.qrs_ms:.0f} ms): bundle branch block or other conduction delay."))
    if np.isfinite(m.pr_ms) and m.pr_ms > LONG_PR_MS:
        out.append(_f("LONG_PR", "routine", m.pr_ms, LONG_PR_MS, KUSUMOTO_2018,
                      f"Long PR interval ({m.pr_ms:.0f} ms): first-degree AV block."))
    limit = LONG_QTC_MS.get(sex, LONG_QTC_MS[None])
    # rate-corrected by the linear Framingham formula, as RAUTAHARJU_2009 asks;
    # Bazett's value is quoted beside it for familiarity
    qtc = m.qtc_framingham_ms
    if np.isfinite(qtc) and qtc >= limit:
        urgent = qtc > triage.QTC_URGENT_MS
        wide = np.isfinite(m.qrs_ms) and m.qrs_ms >= WIDE_QRS_MS
        note = " (QRS is wide, so part of the QT is conduction delay)" if wide else ""
        out.append(_f("LONG_QTC", "urgent" if urgent else "routine", qtc,
                      triage.QTC_URGENT_MS if urgent else limit,
                      (RAUTAHARJU_2009 + "; " + SAGIE_1992 + "; Drew BJ et al. 2010, "
                       "doi:10.1161/CIRCULATIONAHA.109.192704") if urgent else RAUTAHARJU_2009 + "; " + SAGIE_1992,
                      f"Long QTc ({qtc:.0f} ms, Framingham; Bazett {m.qtc_ms:.0f} ms; QT {m.qt_ms:.0f} ms){note}."))
    if median_beat is not None:
        out += _lead_reversal(median_beat)
    return out


def _lead_reversal(d: Delineation) -> list[Finding]:
    """Left/right arm electrode reversal: P and QRS negative in I while aVR is positive.

    Reversed arm electrodes invert lead I and swap aVR/aVL (BATCHVAROV_2007);
    a negative P wave *and* QRS in lead I with a positive QRS in aVR is the
    classic sign (dextrocardia looks the same and is the other cause).
    """
    names = d.lead_names
    i, avr = _lead(names, "i"), _lead(names, "avr")
    if i is None or avr is None or d.qrs_on < 0 or d.p_on < 0:
        return []
    tb = d.template_mv
    qrs_i = tb[d.qrs_on:d.qrs_off + 1, i].sum()
    qrs_avr = tb[d.qrs_on:d.qrs_off + 1, avr].sum()
    p_i = tb[d.p_on:d.p_off + 1, i].sum()
    p_amp = np.abs(tb[d.p_on:d.p_off + 1, i]).max()
    if qrs_i < 0 and qrs_avr > 0 and p_i < 0 and p_amp > 0.03:
        return [_f("LEAD_REVERSAL", "routine", None, None, BATCHVAROV_2007,
                   "P wave and QRS are negative in lead I and positive in aVR: the arm electrodes "
                   "may be swapped (or dextrocardia). Please check the electrodes and repeat the ECG.",
                   lead=names[i])]
    return []
