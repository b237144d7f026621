"""Per-lead measurements on the median beat: P, Q, R, S, R', S', T amplitudes and durations, ST at J and J+60.

The table a 12-lead interpretation program prints (GE 12SL, Glasgow), and the
input of `ecgsignal.statements`. Everything is measured on the baseline-corrected
median beat of `waves.delineate` (isoelectric level = the 20 ms before QRS onset)
between the global boundaries (P on/off, QRS on/off, T end).
"""
from __future__ import annotations

import numpy as np
import scipy.signal

from .filters import as_lead_columns
from .types import Delineation, LeadMeasurement, LeadMeasurements
from .waves import _ENV_ON_MAX_SHIFT_S, _P_XR_S, _trapezium_knee  # the P boundaries' own method, the QRS onset's shift

__all__ = ["lead_measurements", "qrs_waves", "frontal_axis_deg", "end_qrs_notch_slur", "st_concave", "p_wave_times",
           "pacing_spikes", "MIN_WAVE_MV", "MIN_WAVE_MS"]

#: Smallest deflection recognised as a separate QRS wave: 20 uV and 6 ms
#: (IEC 60601-2-51:2003, 201.106 "minimum wave"; the CSE measurement rule:
#: Willems JL et al. A reference data base for multilead electrocardiographic
#: computer measurement programs. J Am Coll Cardiol 1987;10:1313-21,
#: doi:10.1016/S0735-1097(87)80136-5). Smaller wiggles are merged into their
#: neighbours.
MIN_WAVE_MV = 0.020
MIN_WAVE_MS = 6.0
#: ST "J+60" measurement point (Wagner GS et al. AHA/ACCF/HRS 2009 part VI,
#: doi:10.1016/j.jacc.2008.12.016).
ST_POINT_MS = 60.0

#: End-QRS notch / slur (early repolarisation; Macfarlane PW et al. The early
#: repolarization pattern: a consensus paper. J Am Coll Cardiol 2015;66:470-7,
#: doi:10.1016/j.jacc.2015.05.033): "an end-QRS notch or slur on the downslope of a
#: prominent R wave; a notch lies entirely above the baseline, the onset of a slur
#: must be above the baseline". The consensus gives no numbers for "prominent" or
#: "abrupt"; the ones below are conventions of this module, not fitted to any data:
#: a prominent R is >= 0.5 mV (the Minnesota code's R-wave floor for T-wave coding,
#: Prineas 2010), a notch is a rise of at least the minimum wave (MIN_WAVE_MV) after a
#: local minimum above the baseline in the lower half of the downslope, and a slur is a point on the R downslope where
#: the slope falls to <= 1/4 of its steepest (an abrupt change) before the J point,
#: after which the signal still falls by >= MIN_WAVE_MV by J + 20 ms (a slurred QRS
#: end, not an elevated ST segment, which stays level or rises). The search runs from the R peak to J + 20 ms, since the
#: global QRS offset may fall at the onset of a J wave.
ER_R_MIN_MV = 0.5
ER_SLUR_SLOPE_FRAC = 0.25
#: A slur is reported only from the consensus Jp limit (0.1 mV) up: the tail of any
#: smooth R downslope flattens a few hundredths of a mV above the baseline.
ER_SLUR_MIN_MV = 0.10
#: ... and the slurred segment still holds half its onset level at the J point: an R
#: downslope that merely rounds off into the baseline by J is not a slur (a
#: convention; it was prompted by plain R downslopes read as slurs in development
#: records, not fitted to them).
ER_SLUR_HOLD = 0.5
ER_SEARCH_AFTER_J_MS = 20.0

_NAN = float("nan")
#: A last QRS lobe still above this fraction of its height at QRS offset is ST deviation.
_TRAILING_FRAC = 0.5


def qrs_waves(qrs_mv, fs, *, min_wave_mv=MIN_WAVE_MV, min_wave_ms=MIN_WAVE_MS):
    """Split one lead's QRS (onset to offset, baseline 0) into Q, R, S, R', S' waves.

    Parameters
    ----------
    qrs_mv : ndarray, shape (n,)
        The QRS of one lead in mV against the isoelectric level.
    fs : float
        Sampling rate in Hz.
    min_wave_mv, min_wave_ms : float
        Minimum wave size (amplitude in mV, duration in ms).

    Returns
    -------
    dict
        ``q_amp_mv, q_dur_ms, r_amp_mv, r_dur_ms, s_amp_mv, s_dur_ms, r2_amp_mv,
        r2_dur_ms, s2_amp_mv, r_peak_time_ms`` (0 for absent waves; NaN peak
        time without R).

    Notes
    -----
    The QRS is cut where it crosses the isoelectric level; each lobe is a
    wave. Lobes below the minimum wave size are dropped and same-sign
    neighbours merged. The first positive lobe is R; a negative lobe before
    it is Q; the negative lobe after R is S; a second positive lobe is R'
    and the negative lobe after it S'. A complex without a positive lobe is
    QS (reported as Q with its whole duration).

    Examples
    --------
    >>> import numpy as np
    >>> fs = 500.0
    >>> t = np.arange(50) / fs
    >>> w = qrs_waves(np.sin(2 * np.pi * t / 0.1), fs)   # R then S, 50 ms each
    >>> round(w["r_amp_mv"], 2), round(w["s_amp_mv"], 2), w["q_amp_mv"]
    (1.0, -1.0, 0.0)
    """
    x = np.asarray(qrs_mv, dtype=float)
    out = dict(q_amp_mv=0.0, q_dur_ms=0.0, r_amp_mv=0.0, r_dur_ms=0.0, s_amp_mv=0.0, s_dur_ms=0.0,
               r2_amp_mv=0.0, r2_dur_ms=0.0, s2_amp_mv=0.0, r_peak_time_ms=_NAN)
    if x.size < 2:
        return out
    sgn = np.where(x >= 0, 1, -1)
    cut = np.flatnonzero(np.diff(sgn) != 0) + 1
    starts, ends = np.r_[0, cut], np.r_[cut, x.size]
    lob_sign = sgn[starts]
    lob_amp = np.array([np.abs(x[a:b]).max() for a, b in zip(starts, ends)])
    lob_peak = np.array([a + int(np.argmax(np.abs(x[a:b]))) for a, b in zip(starts, ends)])
    keep = (lob_amp >= min_wave_mv) & ((ends - starts) / fs * 1000.0 >= min_wave_ms)
    # A last lobe that has not come back half-way to the baseline at QRS offset
    # is the ST segment's deviation (bundle branch block, injury), not a wave.
    keep[-1] &= abs(x[-1]) <= _TRAILING_FRAC * lob_amp[-1]
    # merge: drop small lobes, then join neighbours of the same sign
    lobes = []
    for a, b, s, amp, pk in zip(starts[keep], ends[keep], lob_sign[keep], lob_amp[keep], lob_peak[keep]):
        if lobes and lobes[-1][2] == s:
            pa, _, _, pamp, ppk = lobes[-1]
            lobes[-1] = (pa, b, s, max(pamp, amp), ppk if pamp >= amp else pk)
        else:
            lobes.append((a, b, s, amp, pk))
    if not lobes:
        return out
    # The global onset is the earliest over all leads: a lead whose own activation starts
    # later is still isoelectric there, and its first wave starts where it leaves the
    # baseline by the minimum wave amplitude (wave durations per lead: IEC 60601-2-51;
    # Willems 1987). Otherwise a late-starting lead's Q wave is measured too long.
    a0, b0, s0, amp0, pk0 = lobes[0]
    off = np.flatnonzero(np.abs(x[a0:b0]) >= min_wave_mv)
    if off.size:
        lobes[0] = (a0 + int(off[0]), b0, s0, amp0, pk0)
    ms = 1000.0 / fs

    def put(key, lobe):
        a, b, s, amp, _ = lobe
        out[key + "_amp_mv"] = float(s * amp)
        if key + "_dur_ms" in out:
            out[key + "_dur_ms"] = float((b - a) * ms)

    pos = [i for i, lb in enumerate(lobes) if lb[2] > 0]
    if not pos:  # QS complex
        a, b = lobes[0][0], lobes[-1][1]
        out["q_amp_mv"] = float(-max(lb[3] for lb in lobes))
        out["q_dur_ms"] = float((b - a) * ms)
        return out
    i_r = pos[0]
    if i_r > 0:
        put("q", lobes[i_r - 1])
    put("r", lobes[i_r])
    last_r = lobes[i_r]
    if i_r + 1 < len(lobes):
        put("s", lobes[i_r + 1])
        if i_r + 2 < len(lobes):
            put("r2", lobes[i_r + 2])
            last_r = lobes[i_r + 2]
            if i_r + 3 < len(lobes):
                put("s2", lobes[i_r + 3])
    # R peak time to the last peak of a notched R (Surawicz 2009, part III):
    # the latest local maximum of the lobe above half its height
    a, b = last_r[0], last_r[1]
    seg = x[a:b]
    loc = np.flatnonzero((seg[1:-1] >= seg[:-2]) & (seg[1:-1] > seg[2:]) & (seg[1:-1] >= 0.5 * last_r[3])) + 1
    out["r_peak_time_ms"] = float((a + (loc[-1] if loc.size else int(np.argmax(seg)))) * ms)
    return out


def end_qrs_notch_slur(x_mv, fs, qrs_on, qrs_off):
    """End-QRS notch or slur of one lead of the median beat (early repolarisation, Macfarlane 2015).

    Parameters
    ----------
    x_mv : ndarray, shape (n,)
        One lead of the baseline-corrected median beat (isoelectric level 0 mV).
    fs : float
        Sampling rate in Hz.
    qrs_on, qrs_off : int
        Global QRS onset and offset (J point) as indices of `x_mv`.

    Returns
    -------
    dict
        ``{"kind": "notch" | "slur" | "", "j_peak_mv": float}``; Jp is the
        notch's peak or the slur's onset (NaN without either).

    Notes
    -----
    1. The R peak is the largest value of the QRS; the lead is skipped
       without a prominent R (< `ER_R_MIN_MV`).
    2. Notch: on the way down from R to J + 20 ms, a local minimum above
       the baseline followed by a rise >= `MIN_WAVE_MV` to a local maximum
       (Jp). The downslope reaching the baseline first (an S wave) ends the
       search.
    3. Slur: otherwise, the first point after the steepest descent where
       the slope falls to <= `ER_SLUR_SLOPE_FRAC` of it, before J and
       at least `ER_SLUR_MIN_MV` above the baseline, with the signal still falling >= `MIN_WAVE_MV` by
       J + 20 ms but at J still >= `ER_SLUR_HOLD` of the slur's onset.

    References
    ----------
    .. [1] Macfarlane PW et al. The early repolarization pattern: a
       consensus paper. J Am Coll Cardiol. 2015;66:470-7.
       doi:10.1016/j.jacc.2015.05.033

    Examples
    --------
    >>> import numpy as np
    >>> fs = 500.0
    >>> t = np.arange(200) / fs
    >>> r = np.exp(-0.5 * ((t - 0.1) / 0.01) ** 2)           # R wave, 1 mV
    >>> j = 0.2 * np.exp(-0.5 * ((t - 0.13) / 0.004) ** 2)  # J wave on its downslope
    >>> w = end_qrs_notch_slur(r + j, fs, 35, 68)
    >>> w["kind"], round(w["j_peak_mv"], 2)
    ('notch', 0.21)
    """
    x = np.asarray(x_mv, dtype=float)
    out = {"kind": "", "j_peak_mv": _NAN}
    n = x.size
    if qrs_on < 0 or qrs_off <= qrs_on or qrs_off >= n:
        return out
    r_pk = qrs_on + int(np.argmax(x[qrs_on:qrs_off + 1]))
    if x[r_pk] < ER_R_MIN_MV:
        return out
    end = min(n - 1, qrs_off + int(round(ER_SEARCH_AFTER_J_MS / 1000.0 * fs)))
    seg = x[r_pk:end + 1]
    if seg.size < 4:
        return out
    below = np.flatnonzero(seg <= 0.0)
    stop = int(below[0]) if below.size else seg.size  # an S wave: the downslope reached the baseline
    # notch: a local minimum above the baseline, then a rise to a local maximum
    for i in range(1, min(stop, seg.size - 1)):
        if seg[i] <= seg[i - 1] and seg[i] < seg[i + 1]:
            if seg[i] >= 0.5 * seg[0]:
                continue  # a notch near the R peak is a notched R, not an end-QRS notch
            k = i + 1
            while k + 1 < seg.size and seg[k + 1] >= seg[k]:
                k += 1
            if k + 1 < seg.size and seg[k] - seg[i] >= MIN_WAVE_MV:
                return {"kind": "notch", "j_peak_mv": float(seg[k])}
            break  # the first trough decides: later bumps are the ST / T wave
    # slur: abrupt flattening of the R downslope above the baseline, still falling to J
    h = max(1, int(round(0.002 * fs)))
    j_rel = qrs_off - r_pk
    if j_rel <= 2 * h:
        return out
    slope = (seg[2 * h:] - seg[:-2 * h])  # centred difference over 4 ms, index i + h
    steep = int(np.argmin(slope[:max(1, j_rel - 2 * h)]))
    smax = -slope[steep]
    if smax <= 0:
        return out
    for i in range(steep, min(j_rel - h, slope.size)):
        c = i + h
        if -slope[i] <= ER_SLUR_SLOPE_FRAC * smax:
            if (seg[c] >= ER_SLUR_MIN_MV and seg[c] - seg[c:].min() >= MIN_WAVE_MV and c < stop
                    and seg[j_rel] >= ER_SLUR_HOLD * seg[c]):
                return {"kind": "slur", "j_peak_mv": float(seg[c])}
            break
    return out


def st_concave(x_mv, qrs_off, t_peak):
    """ST concave upward: the ST segment lies below the line from the J point to the T peak.

    The morphology rule of Brady WJ et al. Electrocardiographic ST-segment
    elevation: the diagnosis of acute myocardial infarction by morphologic
    analysis of the ST segment. Acad Emerg Med 2001;8:961-7,
    doi:10.1111/j.1553-2712.2001.tb01095.x. None when the T peak is not after J.

    Examples
    --------
    >>> import numpy as np
    >>> st_concave(np.r_[np.zeros(10), np.linspace(0, 1, 20) ** 2], 10, 29)
    True
    """
    x = np.asarray(x_mv, dtype=float)
    if qrs_off < 0 or t_peak <= qrs_off + 2 or t_peak >= x.size:
        return None
    seg = x[qrs_off:t_peak + 1]
    line = np.linspace(seg[0], seg[-1], seg.size)
    return bool(np.mean(seg[1:-1] - line[1:-1]) < 0.0)


def _lead_index(names, name):
    low = [n.lower() for n in names]
    return low.index(name) if name in low else None


def frontal_axis_deg(area, names):
    """Frontal-plane axis (deg) from net areas per lead, using I and aVF (or II and III).

    Parameters
    ----------
    area : ndarray, shape (n_leads,)
        Net area of a wave in each lead.
    names : sequence of str

    Returns
    -------
    float
        -180 to 180 degrees; NaN when the leads are missing or the areas are zero.

    Examples
    --------
    >>> round(frontal_axis_deg(np.array([1.0, 1.0]), ["I", "aVF"]))
    45
    """
    i, avf = _lead_index(names, "i"), _lead_index(names, "avf")
    ii, iii = _lead_index(names, "ii"), _lead_index(names, "iii")
    if i is not None and avf is not None:
        a_i, a_f = area[i], area[avf]
    elif ii is not None and iii is not None:
        a_i, a_f = area[ii] - area[iii], (area[ii] + area[iii]) / 2
    else:
        return _NAN
    if a_i == 0 and a_f == 0:
        return _NAN
    return float(np.degrees(np.arctan2(a_f, a_i)))


def lead_measurements(d: Delineation, *, heart_rate_bpm=_NAN) -> LeadMeasurements:
    """The per-lead measurement table of the median beat, with global intervals and P/QRS/T axes.

    Parameters
    ----------
    d : Delineation
        From `ecgsignal.waves.delineate` (baseline-corrected median beat).
    heart_rate_bpm : float, optional
        Mean heart rate, copied into the result.

    Returns
    -------
    LeadMeasurements
        Empty table (``leads == ()``) when the median beat has no QRS.

    Notes
    -----
    1. QRS waves per lead by `qrs_waves` between the global QRS onset and
       offset (AHA: global boundaries over all leads; Kligfield 2007 [1]_).
    2. P: largest positive and negative deflections between P on and off.
    3. ST at the J point (global QRS offset) and J+60 ms, each the mean of
       +-4 ms around the point [2]_.
    4. T: largest positive and negative deflections from J+40 ms to T end
       (to J+400 ms when T end is unknown); the dominant one is `t_amp_mv`.
    5. Axes: P, QRS and T from their net areas in I and aVF (`frontal_axis_deg`).

    References
    ----------
    .. [1] Kligfield P et al. Recommendations for the standardization and
       interpretation of the electrocardiogram, part I. Circulation.
       2007;115:1306-24. doi:10.1161/CIRCULATIONAHA.106.180200
    .. [2] Wagner GS et al. AHA/ACCF/HRS recommendations, part VI: acute
       ischemia/infarction. J Am Coll Cardiol. 2009;53:1003-11.
       doi:10.1016/j.jacc.2008.12.016

    Examples
    --------
    >>> from ecgsignal import read_record                            # doctest: +SKIP
    >>> from ecgsignal.waves import delineate                        # doctest: +SKIP
    >>> lm = lead_measurements(delineate(x, fs, beats, lead_names=names))  # doctest: +SKIP
    >>> lm.lead("V1").s_amp_mv                                       # doctest: +SKIP
    -1.02
    """
    tb = np.asarray(d.template_mv, dtype=float)
    m = d.measurements
    names = tuple(d.lead_names)
    if d.qrs_on < 0 or d.qrs_off <= d.qrs_on or tb.size == 0:
        return LeadMeasurements(heart_rate_bpm=float(heart_rate_bpm))
    fs = float(d.fs)
    n = tb.shape[0]
    k = lambda ms: int(round(ms / 1000.0 * fs))  # noqa: E731
    on, off = d.qrs_on, d.qrs_off
    half = max(1, k(4.0))

    def level(i):
        i = min(max(i, 0), n - 1)
        return tb[max(0, i - half):min(n, i + half + 1)].mean(axis=0)

    st_j, st_60 = level(off), level(off + k(ST_POINT_MS))
    qrs = tb[on:off + 1]
    qrs_area = qrs.sum(axis=0) * 1000.0 / fs
    qrs_ptp = qrs.max(axis=0) - qrs.min(axis=0)
    has_p = d.p_on >= 0 and d.p_off > d.p_on
    if has_p:
        pw = tb[d.p_on:d.p_off + 1]
        p_pos, p_neg = np.maximum(pw.max(axis=0), 0.0), np.minimum(pw.min(axis=0), 0.0)
        p_dur = (d.p_off - d.p_on) * 1000.0 / fs
        p_axis = frontal_axis_deg(pw.sum(axis=0), names)
    else:
        p_pos = p_neg = np.full(tb.shape[1], _NAN)
        p_dur, p_axis = _NAN, _NAN
    t0 = off + k(40.0)
    t1 = d.t_off if d.t_off > t0 else min(n - 1, off + k(400.0))
    if t1 - t0 > k(40.0):
        tw = tb[t0:t1 + 1]
        t_pos, t_neg = tw.max(axis=0), tw.min(axis=0)
        t_amp = np.where(t_pos >= -t_neg, t_pos, t_neg)
        t_axis = frontal_axis_deg(tw.sum(axis=0), names) if d.t_off > t0 else _NAN
    else:
        t_pos = t_neg = t_amp = np.full(tb.shape[1], _NAN)
        t_axis = _NAN
    rows = []
    for j, name in enumerate(names):
        w = qrs_waves(qrs[:, j], fs)
        er = end_qrs_notch_slur(tb[:, j], fs, on, off)
        rows.append(LeadMeasurement(
            lead=name, p_amp_mv=float(p_pos[j]), p_neg_mv=float(p_neg[j]), p_dur_ms=float(p_dur),
            qrs_ptp_mv=float(qrs_ptp[j]), qrs_area_mv_ms=float(qrs_area[j]), st_j_mv=float(st_j[j]),
            st_j60_mv=float(st_60[j]), t_amp_mv=float(t_amp[j]), t_pos_mv=float(t_pos[j]),
            t_neg_mv=float(t_neg[j]), j_peak_mv=er["j_peak_mv"], j_notch=er["kind"] == "notch",
            j_slur=er["kind"] == "slur", st_concave=st_concave(tb[:, j], off, getattr(d, "t_peak", -1)),
            **w))
    return LeadMeasurements(leads=tuple(rows), pr_ms=m.pr_ms, qrs_ms=m.qrs_ms, qt_ms=m.qt_ms, qtc_ms=m.qtc_ms,
                            p_axis_deg=p_axis, qrs_axis_deg=frontal_axis_deg(qrs_area, names), t_axis_deg=t_axis,
                            heart_rate_bpm=float(heart_rate_bpm))


def p_terminal_force_v1(d: Delineation):
    """Depth (mV) x duration (s) of the terminal negative P in V1 (Morris index); NaN without V1 or P.

    Notes
    -----
    1. Isoelectric level: the mean of the 20 ms before P onset (the median
       beat's own baseline, taken before the QRS, lies in the PR segment,
       which atrial repolarisation shifts).
    2. The terminal negative phase is the last run of the P wave's last two
       thirds below that level that reaches 0.01 mV (half the minimum wave,
       `MIN_WAVE_MV`, so noise is no phase); it starts at its zero crossing.
    3. It ends where V1's own P wave ends: the trapezium method
       (Vazquez-Seisdedos 2011, as `waves` places the P boundaries) on the
       return limb, from its steepest point to a reference 50 ms later (at
       most the global P offset, the latest P end over the leads, by which
       V1's P wave has ended), or at its zero crossing if that comes first.
       Not at the global offset itself: after V1's own P end the atrial
       repolarisation (Ta) wave keeps V1 slightly below the pre-P level, and
       ending the phase there would add the PR segment to the P terminal force.
    4. Depth is the phase's deepest point, duration its length.

    References
    ----------
    .. [1] Morris JJ Jr et al. P-wave analysis in valvular heart disease.
       Circulation. 1964;29:242-52. doi:10.1161/01.CIR.29.2.242
    .. [2] Vazquez-Seisdedos CR et al. New approach for T-wave end detection
       on electrocardiogram: performance in noisy conditions. Biomed Eng
       Online. 2011;10:77. doi:10.1186/1475-925X-10-77
    """
    j = _lead_index(d.lead_names, "v1")
    if j is None or d.p_on < 0 or d.p_off <= d.p_on:
        return _NAN
    fs = float(d.fs)
    v1 = np.asarray(d.template_mv[:, j], dtype=float)
    base = v1[max(0, d.p_on - int(round(0.02 * fs))):d.p_on + 1].mean()
    n_p = d.p_off - d.p_on + 1
    y = v1[d.p_on:d.p_off + 1] - base
    first = n_p // 3
    deep = np.flatnonzero(y[first:n_p] < -MIN_WAVE_MV / 2) + first
    if not deep.size:
        return 0.0
    # the last run below zero that reaches the depth limit, from its zero crossing
    above = np.flatnonzero(y[first:deep[-1]] >= 0) + first
    start = above[-1] + 1 if above.size else first
    after = np.flatnonzero(y[deep[-1]:n_p] >= 0)
    stop = deep[-1] + after[0] if after.size else n_p
    # V1's own P end: trapezium knee of the return limb (from the nadir up)
    nadir = start + int(np.argmin(y[start:stop]))
    if nadir < stop - 1:
        xm = nadir + int(np.argmax(np.diff(y[nadir:stop])))
        xr = min(n_p - 1, xm + int(round(_P_XR_S * fs)))  # V1's P ends by the global P offset
        if xr > xm:
            stop = min(stop, _trapezium_knee(-y, xm, xr) + 1)
    return float(-y[start:stop].min() * (stop - start) / fs)


def p_wave_times(ecg_mv, fs, r_peaks, *, qrst_s=0.45, blank_s=0.10, min_p_mv=0.05):
    """Times of all P waves of one lead, conducted or not, after QRST cancellation.

    Parameters
    ----------
    ecg_mv : ndarray, shape (n,)
        One baseline-filtered lead in mV where P waves are upright (II).
    fs : float
        Sampling rate in Hz.
    r_peaks : array_like of int
        QRS fiducials (sample indices).
    qrst_s : float
        Length (s) of the QRS-T cancelled after each R (from R - 60 ms).
    blank_s : float
        Half-width (s) of the window around each R where no P is sought
        (cancellation leaves QRS residue where beats are not aligned to
        the sample).
    min_p_mv : float
        Smallest matched-filter P amplitude (mV).

    Returns
    -------
    ndarray of float
        P-wave peak times in s.

    Notes
    -----
    1. The median R-aligned beat (R - 60 ms to R + `qrst_s`) is
       subtracted at every R: QRS-T goes, P waves not locked to the QRS
       (dissociated, third-degree block) stay. P waves at a fixed place
       before the QRS lie outside the cancelled window and stay too.
    2. A matched filter (zero-mean Gaussian, sd 20 ms, scaled so that a P
       wave of that shape gives its amplitude) and peaks >= `min_p_mv`,
       at least 250 ms apart, outside the QRS blanking.
    Limits: a P wave on a T wave at a fixed place after every QRS (2:1
    block with a short cycle) is cancelled with the T wave and missed; so
    are P waves inside a QRS (gaps that `statements.av_conduction` fills
    only for its dissociation test).

    Examples
    --------
    >>> fs = 250.0
    >>> t = np.arange(int(6 * fs)) / fs
    >>> x = sum(0.15 * np.exp(-0.5 * ((t - c) / 0.02) ** 2) for c in np.arange(0.3, 6, 0.8))
    >>> r = (np.arange(0.5, 6, 1.6) * fs).astype(int)
    >>> np.round(p_wave_times(x, fs, r), 2)[:3]
    array([0.3, 1.1, 1.9])
    """
    x = np.asarray(ecg_mv, dtype=float)
    if x.ndim != 1:
        raise ValueError("`ecg_mv` must be a 1-D array")
    r = np.asarray(r_peaks, dtype=np.int64)
    n = x.size
    pre, post, blank = int(round(0.06 * fs)), int(round(qrst_s * fs)), int(round(blank_s * fs))
    res = x.copy()
    full = [i for i in r if i - pre >= 0 and i + post <= n]
    if len(full) >= 3:
        tpl = np.median(np.stack([x[i - pre:i + post] for i in full]), axis=0)
        for i in r:
            a, b = max(0, i - pre), min(n, i + post)
            res[a:b] -= tpl[a - (i - pre):b - (i - pre)]
    k = np.arange(-int(round(0.06 * fs)), int(round(0.06 * fs)) + 1) / fs
    g = np.exp(-0.5 * (k / 0.02) ** 2)
    h = g - g.mean()
    h /= float(np.dot(g, h))
    y = np.convolve(res, h[::-1], mode="same")
    pk, _ = scipy.signal.find_peaks(y, height=min_p_mv, distance=max(1, int(round(0.25 * fs))))
    near = np.zeros(n, dtype=bool)
    for i in r:
        near[max(0, i - blank):min(n, i + blank + 1)] = True
    pk = pk[~near[pk]]
    return pk / float(fs)


#: Pacemaker pulses: 0.1-2 ms wide and 2-700 mV high at the body surface (the pulses
#: an ECG cart must show: IEC 60601-2-25:2011, pacemaker pulse requirements; ANSI/AAMI
#: EC11:1991). A diagnostic cart's bandwidth of >= 150 Hz (Kligfield P et al. AHA/ACCF/HRS
#: recommendations part I, Circulation 2007;115:1306-24, doi:10.1161/CIRCULATIONAHA.106.180200)
#: and its sampling leave such a pulse one or two samples wide at 500 Hz. Physiological
#: deflections are wider: the minimum wave is 6 ms (MIN_WAVE_MS), QRS waves >= 10 ms.
#: So a deflection that a running median over 10 ms removes is not a physiological
#: wave: its residue measures the spike.
SPIKE_MEDIAN_MS = 10.0
#: The median must hold >= 5 samples (a two-sample spike is then a minority it
#: removes) and stay narrower than the narrowest R waves (about 20 ms at half
#: height): at most 14 ms, hence fs >= 360 Hz. At 250 Hz, 5 samples span 20 ms and a
#: narrow R wave looks like a spike: pacing is not assessed.
SPIKE_MEDIAN_MAX_MS = 14.0
#: Residue that counts as a spike: 0.2 mV. The smallest standard pulse (2 mV, 0.5 ms:
#: area 1 uV*s) through a 150-Hz low-pass peaks at about 0.4 mV (area times the
#: peak of the filter's impulse response, ~0.45 x 2*pi*150 /s), and a sample catches
#: it anywhere on its ~3-ms hump, so it is seen at 0.1-0.4 mV, differently from beat
#: to beat: 0.2 mV is half the filtered peak, and ten times the minimum wave (20 uV).
SPIKE_MV = 0.2
#: A spike is confined to one or two samples: the residue 4 ms away (2 samples at
#: >= 400 Hz, one below) is less than half its peak. A physiological QRS peak leaves
#: a residue spread over its whole tip (its residue 4 ms away is of the same size),
#: which is how a steep R wave, whose residue can exceed SPIKE_MV, is told apart.
SPIKE_ISOLATION = 0.5
#: A pacing stimulus is time-locked to the complex it starts: ventricular stimuli
#: precede the QRS onset by the stimulus latency (tens of ms; the median beat's onset
#: may fall before the spike, hence up to 20 ms after it), atrial stimuli by the P wave
#: and the programmed AV delay (> 80 ms: the P wave alone lasts >= 80 ms). A spike
#: counts for a beat in the 450 ms before its QRS onset (the longest programmed AV
#: delays, 300-350 ms, plus the latency) or the first 20 ms of the QRS. A chamber is
#: paced when at least 3 spikes, and a quarter of the beats, share one delay within
#: +-10 ms (a pacemaker's timing is fixed; artefacts and noise are not locked to the
#: QRS, and three chance coincidences among the many beats of a fast rhythm are no
#: locking). These are conventions of this module, not fitted. The 20 ms were set
#: against the spatial-velocity QRS onset; the reported onset (`waves`, lead
#: envelope) may lie up to `waves._ENV_ON_MAX_SHIFT_S` earlier, so the window
#: reaches that much further into the QRS.
SPIKE_WINDOW_MS = (450.0, 20.0 + 1000.0 * _ENV_ON_MAX_SHIFT_S)
SPIKE_DELAY_TOL_MS = 10.0
SPIKE_MIN_BEATS = 3
SPIKE_MIN_SHARE = 0.25
ATRIAL_SPIKE_MIN_MS = 80.0


def pacing_spikes(ecg_mv, fs, qrs_onsets, *, spike_mv=SPIKE_MV):
    """Pacemaker stimuli time-locked to the QRS complexes, and the chamber they pace.

    Parameters
    ----------
    ecg_mv : ndarray, shape (n,) or (n, n_leads)
        ECG in mV (baseline-filtered or not; no low-pass below 150 Hz).
    fs : float
        Sampling rate in Hz (>= 360 Hz, `SPIKE_MEDIAN_MAX_MS`; below, None).
    qrs_onsets : array_like of int
        QRS onset of every beat (sample indices).
    spike_mv : float
        Smallest spike residue in mV (`SPIKE_MV`).

    Returns
    -------
    dict or None
        ``{"spikes_s", "ventricular_beats", "atrial_beats", "n_beats",
        "ventricular_delay_ms", "atrial_delay_ms", "spike_mv"}``: spike
        times (s), how many beats have a ventricular stimulus (< 80 ms
        before their QRS onset, or in its first 30 ms, `SPIKE_WINDOW_MS`)
        and an atrial one (80-450 ms before) at the chamber's common delay, the median
        stimulus-to-QRS-onset delays (ms; NaN when absent) and the median
        spike residue (mV). None when no chamber is paced.

    Notes
    -----
    1. Candidates: samples where the trace bends by >= `spike_mv` / 2 per
       sample squared (second difference; a spike's edges do), for speed.
    2. Residue of each lead from its median over `SPIKE_MEDIAN_MS` at the
       candidates (removes every deflection wider than ~5 ms); the lead
       with the largest residue counts. Spikes: residue >= `spike_mv` and
       isolated (`SPIKE_ISOLATION`); the largest of each 20-ms cluster.
    3. Each beat takes the spikes in the `SPIKE_WINDOW_MS` window around its
       QRS onset; delays of < 80 ms are ventricular stimuli, longer ones
       atrial (`ATRIAL_SPIKE_MIN_MS`).
    4. A chamber is paced when >= `SPIKE_MIN_BEATS` and >= `SPIKE_MIN_SHARE`
       of the beats have a delay within +-`SPIKE_DELAY_TOL_MS` of the
       median delay.

    References
    ----------
    .. [1] IEC 60601-2-25:2011, Particular requirements for the basic
       safety and essential performance of electrocardiographs (pacemaker
       pulses); ANSI/AAMI EC11:1991, Diagnostic electrocardiographic
       devices.
    .. [2] Mason JW et al. AHA/ACCF/HRS recommendations, part II:
       diagnostic statement list. Circulation 2007;115:1325-32,
       doi:10.1161/CIRCULATIONAHA.106.180201 (paced complexes or rhythm).

    Examples
    --------
    >>> fs = 500.0
    >>> x = np.zeros(5 * int(fs))
    >>> on = np.arange(400, 2400, 400)
    >>> x[on - 5] = 2.0                       # a 2-mV one-sample spike 10 ms before each QRS
    >>> pacing_spikes(x, fs, on)["ventricular_beats"]
    5
    """
    x = as_lead_columns(np.asarray(ecg_mv, dtype=float))
    on = np.asarray(qrs_onsets, dtype=np.int64)
    half = max(2, int(round(SPIKE_MEDIAN_MS / 1000.0 * fs)) // 2)
    if (2 * half + 1) / fs * 1000.0 > SPIKE_MEDIAN_MAX_MS or on.size < SPIKE_MIN_BEATS or x.shape[0] < 3:
        return None
    side = 2 if fs >= 400.0 else 1
    bend = np.abs(x[2:] - 2.0 * x[1:-1] + x[:-2]).max(axis=1)
    cand = np.flatnonzero(bend >= spike_mv / 2.0) + 1
    cand = cand[(cand >= half + side) & (cand < x.shape[0] - half - side)]
    if cand.size < SPIKE_MIN_BEATS:
        return None
    span = np.arange(-half, half + 1)

    def residue(c):
        return x[c] - np.median(x[c[:, None] + span], axis=1)      # (n_cand, leads), signed

    r0 = residue(cand)
    lead = np.argmax(np.abs(r0), axis=1)
    rows = np.arange(cand.size)
    height = np.abs(r0[rows, lead])
    near = np.maximum(np.abs(residue(cand - side)[rows, lead]), np.abs(residue(cand + side)[rows, lead]))
    keep = (height >= spike_mv) & (near < SPIKE_ISOLATION * height)
    cand, height = cand[keep], height[keep]
    if cand.size < SPIKE_MIN_BEATS:
        return None
    # one spike per 20 ms: the largest residue of each cluster
    cluster = np.cumsum(np.r_[True, np.diff(cand) > max(1, int(round(0.02 * fs)))])
    ids = np.unique(cluster)
    pk = np.asarray([cand[cluster == c][np.argmax(height[cluster == c])] for c in ids], np.int64)
    heights = np.asarray([height[cluster == c].max() for c in ids])
    before, after = (int(round(v / 1000.0 * fs)) for v in SPIKE_WINDOW_MS)
    atrial_min = ATRIAL_SPIKE_MIN_MS / 1000.0 * fs
    vd, ad = [], []
    for o in on:
        d = o - pk[(pk >= o - before) & (pk <= o + after)]
        v, a = d[d < atrial_min], d[d >= atrial_min]
        if v.size:
            vd.append(float(v.min()))
        if a.size:
            ad.append(float(a.min()))
    need = max(SPIKE_MIN_BEATS, SPIKE_MIN_SHARE * on.size)

    def locked(delays):
        dl = np.asarray(delays) * 1000.0 / fs
        if dl.size < need:
            return 0, _NAN
        med = float(np.median(dl))
        n = int(np.sum(np.abs(dl - med) <= SPIKE_DELAY_TOL_MS))
        return (n, med) if n >= need else (0, _NAN)

    nv, dv = locked(vd)
    na, da = locked(ad)
    if nv == 0 and na == 0:
        return None
    return {"spikes_s": (pk / float(fs)).tolist(), "ventricular_beats": nv, "atrial_beats": na,
            "n_beats": int(on.size), "ventricular_delay_ms": dv, "atrial_delay_ms": da,
            "spike_mv": float(np.median(heights))}
