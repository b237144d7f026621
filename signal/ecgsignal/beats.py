"""QRS detection and beat labelling."""
from __future__ import annotations

import numpy as np
import scipy.ndimage
import scipy.signal

from .filters import _fill_nan
from .types import Beats

__all__ = ["detect_beats"]

_BLOCK_S = 0.25          # resolution of the adaptive levels
_MAXWIN_S = 2.0          # a QRS falls in every window this long (HR >= 30 bpm)
_LEVEL_S = 10.0          # median of windowed maxima over this span
_MIN_RMS_MV = 0.005      # absolute floor of the QRS-band RMS envelope
P = dict(band=(8.0, 20.0), deriv=False, mwi=0.1, t1=0.45, t2=0.15, alpha_after=0.65, alpha_before=0.8, sb_passes=2, sb_gap=1.5, sb_after=0.35, sb_before=0.25)


def _as_ecg(ecg_mv):
    x = np.asarray(ecg_mv)
    if x.ndim not in (1, 2):
        raise ValueError(f"`ecg_mv` must be a 1-D or 2-D array (n_samples[, n_leads]), got ndim={x.ndim}")
    return x


def _block_level(f, fs, blk):
    """Robust QRS level per block: median over ~10 s of the 2-s moving maximum."""
    n = f.shape[0]
    nb = -(-n // blk)
    pad = nb * blk - n
    fp = np.pad(f, ((0, pad),) + ((0, 0),) * (f.ndim - 1), mode="edge") if pad else f
    bm = fp.reshape((nb, blk) + f.shape[1:]).max(axis=1)
    m2 = scipy.ndimage.maximum_filter1d(bm, size=max(1, int(round(_MAXWIN_S * fs / blk))), axis=0, mode="nearest")
    size = max(1, int(round(_LEVEL_S * fs / blk)) | 1)
    lev = scipy.ndimage.median_filter(m2, size=(size,) + (1,) * (f.ndim - 1), mode="nearest")
    return lev


def _block_median(f, blk, fs):
    n = f.shape[0]
    nb = -(-n // blk)
    pad = nb * blk - n
    fp = np.pad(f, ((0, pad),) + ((0, 0),) * (f.ndim - 1), mode="edge") if pad else f
    bmed = np.median(fp.reshape((nb, blk) + f.shape[1:]), axis=1)
    size = max(1, int(round(_MAXWIN_S * 2 * fs / blk)) | 1)
    return scipy.ndimage.median_filter(bmed, size=(size,) + (1,) * (f.ndim - 1), mode="nearest")


def _upsample_blocks(b, blk, n):
    """Linear interpolation of block values (at block centres) to every sample."""
    centres = np.arange(b.shape[0]) * blk + (blk - 1) / 2
    t = np.arange(n)
    if b.ndim == 1:
        return np.interp(t, centres, b)
    return np.stack([np.interp(t, centres, b[:, j]) for j in range(b.shape[1])], axis=1)


def _select_by_distance(pos, priority, distance, n):
    """Keep the highest-priority positions so that no two are closer than `distance`."""
    if pos.size == 0:
        return pos
    z = np.zeros(n + 2)
    # Positions are unique here; priorities > 0.
    z[pos + 1] = priority
    keep, _ = scipy.signal.find_peaks(z, distance=max(1, distance))
    return keep - 1


def _dominated(cand, acc, slope, h, fs, *, after_s=0.36, before_s=0.30, alpha_after=0.5, alpha_before=0.5):
    """Candidates that look like a T wave (just after) or P wave (just before) a steeper beat."""
    out = np.zeros(cand.size, dtype=bool)
    idx = np.flatnonzero(acc)
    if idx.size < 2:
        return out
    c = cand[idx]
    s = slope[idx]
    hh = h[idx]
    # previous / next accepted neighbour (one step is enough at physiological rates)
    dt_prev = np.r_[np.inf, np.diff(c)] / fs
    dt_next = np.r_[np.diff(c), np.inf] / fs
    s_prev = np.r_[np.inf, s[:-1]]
    s_next = np.r_[s[1:], np.inf]
    h_prev = np.r_[np.inf, hh[:-1]]
    h_next = np.r_[hh[1:], np.inf]
    t_wave = (dt_prev < after_s) & (s < alpha_after * s_prev) & (hh < h_prev)
    p_wave = (dt_next < before_s) & (s < alpha_before * s_next) & (hh < h_next)
    out[idx] = t_wave | p_wave
    return out


def _detect_chunk(x, fs, refractory_s):
    """Detect beats in one chunk; x float (n, n_leads) without NaN."""
    n, n_leads = x.shape
    blk = max(1, int(round(_BLOCK_S * fs)))
    hi = min(P["band"][1], 0.45 * fs)
    lo = min(P["band"][0], 0.5 * hi)
    sos = scipy.signal.butter(2, [lo, hi], btype="bandpass", fs=fs, output="sos")
    y = scipy.signal.sosfiltfilt(sos, x, axis=0)
    if P["deriv"]:
        k = max(1, int(round(0.004 * fs)))
        e = np.zeros_like(y)
        e[k:-k] = (y[2 * k:] - y[:-2 * k]) * (fs / (2 * k) / 30.0)
    else:
        e = y
    mwi = max(1, int(round(P["mwi"] * fs)))
    f = np.sqrt(np.maximum(scipy.ndimage.uniform_filter1d(e * e, size=mwi, axis=0, mode="nearest"), 0))

    lev_b = _block_level(f, fs, blk)            # (nb, L)
    if n_leads > 1:
        noise_b = _block_median(f, blk, fs)
        rel_noise = noise_b / np.maximum(lev_b, _MIN_RMS_MV)
        w_b = 1.0 / np.maximum(rel_noise, 0.05)
        w_b = np.where(lev_b > _MIN_RMS_MV, w_b, 0.0)
        wsum = w_b.sum(axis=1, keepdims=True)
        w_b = np.where(wsum > 0, w_b / np.maximum(wsum, 1e-12), 1.0 / n_leads)
        lev_s = _upsample_blocks(np.maximum(lev_b, _MIN_RMS_MV), blk, n)
        w_s = _upsample_blocks(w_b, blk, n)
        g = (f / lev_s * w_s).sum(axis=1)
        floor_ok = (f * w_s).sum(axis=1) >= _MIN_RMS_MV
        g_lev_b = _block_level(g, fs, blk)
        lead_choice_b = np.argmax(w_b, axis=1)
    else:
        g = f[:, 0]
        floor_ok = g >= _MIN_RMS_MV
        g_lev_b = lev_b[:, 0]
        lead_choice_b = np.zeros(lev_b.shape[0], dtype=int)

    refr = max(1, int(round(refractory_s * fs)))
    cand, _ = scipy.signal.find_peaks(g, distance=refr)
    cand = cand[floor_ok[cand]]
    if cand.size == 0:
        return cand, np.zeros(0), y, lead_choice_b, blk
    h = g[cand]
    lev_c = g_lev_b[cand // blk]
    ratio = h / np.maximum(lev_c, 1e-12)

    # steepest slope of the QRS band near each candidate (P/T waves are slower)
    dy = np.abs(np.diff(y, axis=0, prepend=y[:1]))
    if n_leads > 1:
        dy = (dy / lev_s * w_s).sum(axis=1)
    else:
        dy = dy[:, 0]
    sw = max(1, int(round(0.05 * fs)))
    slope = scipy.ndimage.maximum_filter1d(dy, size=2 * sw + 1, mode="nearest")[cand]

    acc = ratio >= P["t1"]
    acc &= ~_dominated(cand, acc, slope, h, fs, alpha_after=P["alpha_after"], alpha_before=P["alpha_before"])
    beats = cand[acc]
    # Search back in long gaps with a lower threshold, away from the neighbours' P and T waves.
    for _ in range(P["sb_passes"]):
        if beats.size < 3:
            break
        rr = np.diff(beats).astype(float)
        rr_ref = scipy.ndimage.median_filter(rr, size=9, mode="nearest")
        gaps = np.flatnonzero(rr > P["sb_gap"] * rr_ref)
        add = []
        for gi in gaps:
            a, b = beats[gi], beats[gi + 1]
            lo_a = a + max(refr, int(P["sb_after"] * rr_ref[gi]))
            hi_b = b - max(refr, int(P["sb_before"] * rr_ref[gi]))
            lo_i, hi_i = np.searchsorted(cand, [lo_a, hi_b])
            if hi_i <= lo_i:
                continue
            sub = np.arange(lo_i, hi_i)
            sub = sub[ratio[sub] >= P["t2"]]
            # not the T wave of the beat before nor the P wave of the beat after
            ia, ib = np.searchsorted(cand, [a, b])
            sub = sub[~(((cand[sub] - a) < 0.36 * fs) & (slope[sub] < P["alpha_after"] * slope[ia]))]
            sub = sub[~(((b - cand[sub]) < 0.30 * fs) & (slope[sub] < P["alpha_before"] * slope[ib]))]
            if sub.size:
                add.append(cand[sub[np.argmax(h[sub])]])
        if not add:
            break
        beats = np.union1d(beats, np.asarray(add))
    return beats, g, y, lead_choice_b, blk


def _refine(x, beats, fs, lead_choice_b, blk):
    """Move each detection to the largest deflection of the chosen lead."""
    n = x.shape[0]
    half = max(1, int(round(0.08 * fs)))
    offs = np.arange(-half, half + 1)
    idx = np.clip(beats[:, None] + offs[None, :], 0, n - 1)
    lead = lead_choice_b[np.minimum(beats // blk, lead_choice_b.size - 1)]
    seg = x[idx, lead[:, None]]
    seg = seg - np.median(seg, axis=1, keepdims=True)
    k = np.argmax(np.abs(seg), axis=1)
    return np.clip(beats + offs[k], 0, n - 1)


def _qrs_width(y, beats, fs, lead):
    """QRS duration from the spread of band energy around each beat (s)."""
    n = y.shape[0]
    half = max(1, int(round(0.15 * fs)))
    offs = np.arange(-half, half + 1)
    idx = np.clip(beats[:, None] + offs[None, :], 0, n - 1)
    e = y[idx, lead[:, None]] ** 2
    c = np.cumsum(e, axis=1)
    tot = c[:, -1:]
    with np.errstate(invalid="ignore", divide="ignore"):
        c = c / tot
    on = np.argmax(c >= 0.05, axis=1)
    off = np.argmax(c >= 0.95, axis=1)
    w = (off - on + 1) / fs
    w = np.where(tot[:, 0] > 0, w, np.nan)
    return w


def detect_beats(ecg_mv, fs, *, refractory_s=0.2, chunk_s=300.0, overlap_s=10.0) -> Beats:
    """Detect heartbeats (QRS complexes) in a single- or multi-lead ECG.

    Parameters
    ----------
    ecg_mv : array_like, shape (n_samples,) or (n_samples, n_leads)
        ECG in millivolts. NaN marks missing samples. Can be a ``numpy.memmap``:
        only one chunk at a time is read.
    fs : float
        Sampling rate in Hz.
    refractory_s : float, optional
        Minimum interval between two beats in seconds.
    chunk_s, overlap_s : float, optional
        Long recordings are processed in chunks of `chunk_s` seconds, each
        extended by `overlap_s` seconds on both sides; beats are kept from
        the core of each chunk only.

    Returns
    -------
    Beats
        One fiducial per beat (largest QRS deflection), labels and QRS widths.
    """
    x = _as_ecg(ecg_mv)
    fs = float(fs)
    if not np.isfinite(fs) or fs <= 0:
        raise ValueError(f"`fs` must be a positive sampling rate in Hz, got {fs}")
    if x.ndim == 1:
        x = x[:, None]
    n = x.shape[0]
    blk = max(1, int(round(_BLOCK_S * fs)))
    chunk = max(blk, int(round(chunk_s * fs / blk)) * blk)
    ov = int(round(overlap_s * fs / blk)) * blk
    out_peaks, out_w = [], []
    refr = max(1, int(round(refractory_s * fs)))
    for start in range(0, max(n, 1), chunk):
        a = max(0, start - ov)
        b = min(n, start + chunk + ov)
        xc = np.asarray(x[a:b], dtype=np.float32)
        if xc.shape[0] < max(int(fs), 16):
            continue
        xc, _ = _fill_nan(xc)
        beats, g, y, lead_choice_b, blk_ = _detect_chunk(xc, fs, refractory_s)
        if beats.size == 0:
            continue
        pri = g[beats]
        r = _refine(xc, beats, fs, lead_choice_b, blk_)
        # de-duplicate after refinement
        order = np.argsort(r, kind="stable")
        r, pri = r[order], pri[order]
        uniq, first = np.unique(r, return_index=True)
        pri_u = np.maximum.reduceat(pri, first)
        keep = _select_by_distance(uniq, pri_u, refr, xc.shape[0])
        sel = np.searchsorted(uniq, keep)
        r = uniq[sel]
        lead = lead_choice_b[np.minimum(r // blk_, lead_choice_b.size - 1)]
        w = _qrs_width(y, r, fs, lead)
        core = (r + a >= start) & (r + a < start + chunk)
        out_peaks.append(r[core] + a)
        out_w.append(w[core])
    if out_peaks:
        r_peaks = np.concatenate(out_peaks).astype(np.int64)
        widths = np.concatenate(out_w)
    else:
        r_peaks = np.zeros(0, dtype=np.int64)
        widths = np.zeros(0)
    # Enforce the refractory period across chunk seams.
    if r_peaks.size > 1:
        ok = np.concatenate([[True], np.diff(r_peaks) >= refr])
        r_peaks, widths = r_peaks[ok], widths[ok]
    labels = np.full(r_peaks.size, "N", dtype="<U1")
    return Beats(r_peaks=r_peaks, labels=labels, qrs_width_s=widths.astype(float), fs=fs)
