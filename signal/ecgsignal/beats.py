"""QRS detection and beat labelling for single- and multi-lead ECG.

The public function is :func:`detect_beats`. It is fully vectorised (numpy and
scipy only; the few Python loops run once per long RR gap or per 2-min block,
never per sample) and processes long recordings in chunks, so a 24-hour Holter
needs a few tens of MB of working memory beyond the input array.
"""
from __future__ import annotations

import functools

import numpy as np
import scipy.ndimage
import scipy.signal

from .filters import _fill_nan, sosfiltfilt_leads
from .types import Beats

__all__ = ["detect_beats"]

# --- detection constants (physical units; converted with fs inside) --------------------------
_BAND_HZ = (8.0, 20.0)   # QRS energy band (Elgendi et al. 2010)
_BAND_ORDER = 1          # 1st-order Butterworth band-pass, run forward and backward
_MWI_S = 0.10            # moving-window integration, about one QRS
_BLOCK_S = 0.25          # time resolution of the adaptive levels
_MAXWIN_S = 2.0          # every window this long holds a QRS at heart rates >= 30 bpm
_LEVEL_S = 10.0          # the QRS level is the median of 2-s maxima over this span
_MIN_RMS_MV = 0.005      # absolute floor of the QRS-band RMS envelope (flat line: no beats)
_FUSION_FLOOR = 0.1      # per-lead background floor in the fusion, fraction of the lead's QRS level
_T1 = 0.40               # primary threshold, fraction of the local QRS level ...
_NOISE_K = 2.0           # ... and at least this multiple of the local background-to-QRS ratio
_T_MAX = 0.8             # ... capped here (at high heart rates every block holds QRS energy)
_T2 = 0.15               # search-back threshold
_SB_GAP = 1.5            # search back when an RR exceeds this multiple of the local median RR
_T_WAVE_S = 0.36         # a peak this soon after a beat ...
_T_SLOPE = 0.65          # ... with less than this fraction of its slope is its T wave
_P_WAVE_S = 0.30         # a peak this soon before a beat ...
_P_SLOPE = 0.80          # ... with less than this fraction of its slope is its P wave ...
_ASYM = 0.7              # ... if it is closer than this fraction of the other neighbour's distance
_FIDUCIAL_S = 0.08       # the fiducial is the largest deflection within +-80 ms
_VEL_HALF_S = 0.008      # QRS duration: derivative over +-8 ms ...
_VEL_FRACTION = 0.2      # ... boundaries where the spatial velocity falls below 20 % of its peak ...
_VEL_WIDEN_S = 0.020     # ... widened by 20 ms in all
# --- labelling constants ---------------------------------------------------------------------
_SNIP_PRE_S, _SNIP_POST_S = 0.12, 0.16   # morphology window around the fiducial
_SNIP_HZ = 150.0                         # morphology resampling rate
_MAX_MORPH_LEADS = 3                     # leads used for morphology (the first ones)
_TEMPLATE_BLOCK_S = 120.0                # dominant template per 2-min block (from +-1 block)
_MAX_SEEDS = 60                          # beats per block used to find the dominant cluster
_LAG_S = 0.05                            # alignment search for the correlation
_DEV_STRONG = 8.0                        # a non-premature beat this deviant is still 'V'
_Q_NOISE = 0.35                          # background/QRS ratio above which a beat is 'Q'
_Q_KEEP_CORR = 0.95                      # ... unless it repeats the dominant beat this closely


@functools.lru_cache(maxsize=32)
def _band_sos(fs):
    """QRS band-pass sections (cached design)."""
    hi = min(_BAND_HZ[1], 0.45 * fs)
    lo = min(_BAND_HZ[0], 0.5 * hi)
    return scipy.signal.butter(_BAND_ORDER, [lo, hi], btype="bandpass", fs=fs, output="sos")


def _band_filtfilt(x, fs):
    """Zero-phase QRS band-pass along axis 0 of (n, n_leads) float32, two leads per pass (odd padding)."""
    sos = _band_sos(fs)
    pad = min(3 * (2 * len(sos) + 1), x.shape[0] - 1)
    return sosfiltfilt_leads(sos, x.T, padlen=pad).T


def _as_ecg(ecg_mv):
    x = np.asarray(ecg_mv)
    if x.ndim not in (1, 2):
        raise ValueError(f"`ecg_mv` must be a 1-D or 2-D array (n_samples[, n_leads]), got ndim={x.ndim}")
    if not (np.issubdtype(x.dtype, np.floating) or np.issubdtype(x.dtype, np.integer)):
        raise ValueError(f"`ecg_mv` must be numeric, got dtype {x.dtype}")
    return x


def _blocks(f, blk):
    n = f.shape[0]
    nb = -(-n // blk)
    pad = nb * blk - n
    fp = np.pad(f, ((0, pad),) + ((0, 0),) * (f.ndim - 1), mode="edge") if pad else f
    return fp.reshape((nb, blk) + f.shape[1:])


def _per_lead(fn):
    """Apply a 1-D block statistic to each column of a 2-D array (contiguous reductions are faster)."""
    @functools.wraps(fn)
    def wrapper(f, fs, blk):
        if f.ndim == 1:
            return fn(f, fs, blk)
        return np.stack([fn(np.ascontiguousarray(f[:, j]), fs, blk) for j in range(f.shape[1])], axis=1)
    return wrapper


@_per_lead
def _block_level(f, fs, blk):
    """Robust QRS level per block: median over 10 s of the 2-s moving maximum."""
    bm = _blocks(f, blk).max(axis=1)
    m2 = scipy.ndimage.maximum_filter1d(bm, size=max(1, int(round(_MAXWIN_S * fs / blk))), axis=0,
                                        mode="reflect")
    size = max(1, int(round(_LEVEL_S * fs / blk)) | 1)
    return scipy.ndimage.median_filter(m2, size=(size,) + (1,) * (f.ndim - 1), mode="reflect")


@_per_lead
def _block_noise(f, fs, blk):
    """Background level per block: median over 4 s of the block means of the envelope."""
    bmean = _blocks(f, blk).mean(axis=1)
    size = max(1, int(round(2 * _MAXWIN_S * fs / blk)) | 1)
    return scipy.ndimage.median_filter(bmean, size=(size,) + (1,) * (f.ndim - 1), mode="reflect")


def _select_by_distance(pos, priority, distance):
    """Keep the highest-priority positions so that no two are closer than `distance` samples."""
    if pos.size < 2:
        return pos
    z = np.zeros(int(pos[-1] - pos[0]) + 3)
    z[pos - pos[0] + 1] = priority
    keep, _ = scipy.signal.find_peaks(z, distance=max(1, distance))
    return keep - 1 + pos[0]


def _dominated(cand, acc, slope, h, fs):
    """Accepted candidates that look like the T wave just after, or the P wave just before, a steeper beat."""
    out = np.zeros(cand.size, dtype=bool)
    idx = np.flatnonzero(acc)
    if idx.size < 2:
        return out
    c, s, hh = cand[idx], slope[idx], h[idx]
    dt_prev = np.r_[np.inf, np.diff(c)] / fs
    dt_next = np.r_[np.diff(c), np.inf] / fs
    # A T (P) wave sits much closer to the beat before (after) it than to the other neighbour; a
    # beat of a fast regular rhythm sits half-way, so tachycardia is not thinned out.
    t_wave = ((dt_prev < _T_WAVE_S) & (dt_prev < _ASYM * dt_next)
              & (s < _T_SLOPE * np.r_[np.inf, s[:-1]]) & (hh < np.r_[np.inf, hh[:-1]]))
    p_wave = ((dt_next < _P_WAVE_S) & (dt_next < _ASYM * dt_prev)
              & (s < _P_SLOPE * np.r_[s[1:], np.inf]) & (hh < np.r_[hh[1:], np.inf]))
    out[idx] = t_wave | p_wave
    return out


def _detect_chunk(x, fs, refr):
    """Detect QRS complexes in one NaN-free chunk ``x`` (n, n_leads).

    Returns (beats, priority, noise_ratio, lead_choice_b, blk, lev_b):
    detection samples, their envelope height, the background/QRS ratio at each
    beat, the best lead per block, the block length in
    samples and each lead's QRS level per block.
    """
    n, n_leads = x.shape
    blk = max(1, int(round(_BLOCK_S * fs)))
    y = _band_filtfilt(x, fs)
    mwi = max(1, int(round(_MWI_S * fs)))
    f = scipy.ndimage.uniform_filter1d(y * y, size=mwi, axis=0, mode="nearest")
    np.sqrt(np.maximum(f, 0, out=f), out=f)
    dy = np.abs(np.diff(y, axis=0, prepend=y[:1]))

    lev_b = _block_level(f, fs, blk)
    if n_leads > 1:
        noise_b = _block_noise(f, fs, blk)
        # Each lead's envelope is scaled to unit background (its local noise, floored at a tenth
        # of its QRS level so a very clean lead does not explode) and the leads are summed:
        # a beat stands out in the sum if it stands out in any lead, and noise adds incoherently.
        floor = np.maximum(_FUSION_FLOOR * lev_b, _MIN_RMS_MV / 10)
        gain_b = np.where(lev_b > _MIN_RMS_MV, 1.0 / np.maximum(noise_b, floor), 0.0)
        snr_b = lev_b / np.maximum(noise_b, _MIN_RMS_MV / 10)
        lead_choice_b = np.argmax(snr_b, axis=1)
        centres = np.arange(gain_b.shape[0]) * blk + (blk - 1) / 2
        t = np.arange(n)
        g = dyg = None
        for j in range(n_leads):
            gain_s = np.interp(t, centres, gain_b[:, j])
            if g is None:
                g, dyg = f[:, j] * gain_s, dy[:, j] * gain_s
            else:
                g += f[:, j] * gain_s
                dyg += dy[:, j] * gain_s
        floor_ok = None
        g_lev_b = _block_level(g, fs, blk)
    else:
        g, dyg = f[:, 0], dy[:, 0]
        floor_ok = g >= _MIN_RMS_MV
        g_lev_b = lev_b[:, 0]
        lead_choice_b = np.zeros(lev_b.shape[0], dtype=np.intp)

    cand, _ = scipy.signal.find_peaks(g, distance=refr)
    cand = cand[floor_ok[cand]] if floor_ok is not None else cand[f[cand].max(axis=1) >= _MIN_RMS_MV]
    if cand.size == 0:
        return cand, np.zeros(0), np.zeros(0), lead_choice_b, blk, lev_b
    # background-to-QRS ratio per block: a noise index for each beat
    noise_rel_b = _block_noise(g, fs, blk) / np.maximum(g_lev_b, 1e-12)
    h = g[cand]
    ratio = h / np.maximum(g_lev_b[cand // blk], 1e-12)
    sw = max(1, int(round(0.05 * fs)))
    slope = dyg[np.clip(cand[:, None] + np.arange(-sw, sw + 1)[None, :], 0, n - 1)].max(axis=1)

    nr_c = noise_rel_b[cand // blk]
    acc = ratio >= np.clip(_NOISE_K * nr_c, _T1, _T_MAX)
    acc &= ~_dominated(cand, acc, slope, h, fs)
    beats = np.flatnonzero(acc)            # indices into cand
    # Search back in long RR gaps with a lower threshold, skipping the neighbours' P and T waves.
    for _ in range(2):
        if beats.size < 3:
            break
        rr = np.diff(cand[beats]).astype(float)
        rr_ref = scipy.ndimage.median_filter(rr, size=9, mode="nearest")
        add = []
        for gi in np.flatnonzero(rr > _SB_GAP * rr_ref):
            ia, ib = beats[gi], beats[gi + 1]
            a, b = cand[ia], cand[ib]
            lo_i, hi_i = np.searchsorted(cand, [a + max(refr, int(0.35 * rr_ref[gi])),
                                                b - max(refr, int(0.25 * rr_ref[gi]))])
            sub = np.arange(lo_i, hi_i)
            sub = sub[ratio[sub] >= _T2]
            sub = sub[~(((cand[sub] - a) < _T_WAVE_S * fs) & (slope[sub] < _T_SLOPE * slope[ia]))]
            sub = sub[~(((b - cand[sub]) < _P_WAVE_S * fs) & (slope[sub] < _P_SLOPE * slope[ib]))]
            if sub.size:
                add.append(sub[np.argmax(h[sub])])
        if not add:
            break
        beats = np.union1d(beats, np.asarray(add))
    return cand[beats], h[beats], noise_rel_b[cand[beats] // blk], lead_choice_b, blk, lev_b


def _refine(x, beats, fs, lead):
    """Move each detection to the largest deflection (either polarity) of its lead."""
    n = x.shape[0]
    half = max(1, int(round(_FIDUCIAL_S * fs)))
    offs = np.arange(-half, half + 1)
    idx = np.clip(beats[:, None] + offs[None, :], 0, n - 1)
    seg = np.take(x.reshape(-1), idx * x.shape[1] + lead[:, None])  # one lead per beat, 1-D take (see _qrs_duration)
    seg = seg - np.median(seg, axis=1, keepdims=True)
    return np.clip(beats + offs[np.argmax(np.abs(seg), axis=1)], 0, n - 1)


def _qrs_duration(x, beats, fs, lead_scale):
    """QRS duration (s) from the spatial velocity of all leads around each beat.

    The derivative of each lead (central difference over 16 ms, smoothed over 12 ms) is divided
    by that lead's local QRS level, the leads are combined as a root sum of squares (the spatial
    velocity), and onset/offset are the first/last samples within -120..+160 ms where it exceeds
    20 % of its peak within +-60 ms of the fiducial; 20 ms are added because the velocity crosses
    that threshold inside the true boundaries (calibrated on LUDB lead II marks).
    """
    n = x.shape[0]
    k = max(1, int(round(_VEL_HALF_S * fs)))
    sm = max(1, int(round(0.012 * fs)))
    pre, post = int(round(0.12 * fs)), int(round(0.16 * fs))
    offs = np.arange(-pre - k - sm, post + k + sm + 1)
    idx = np.clip(beats[:, None] + offs[None, :], 0, n - 1)
    # np.take copies whole rows: a tenth of the cost of x[idx] with a 2-D index
    seg = np.take(x, idx, axis=0).astype(np.float32)             # (beats, S, leads)
    d = seg[:, 2 * k:] - seg[:, :-2 * k]
    d = scipy.ndimage.uniform_filter1d(d, size=sm, axis=1, mode="nearest")
    d /= np.maximum(lead_scale, 1e-9)[:, None, :].astype(np.float32)
    sv = np.sqrt(np.einsum("ksl,ksl->ks", d, d))[:, sm:sm + pre + post + 1]   # -pre..+post
    c = int(round(0.06 * fs))
    peak = sv[:, pre - c:pre + c + 1].max(axis=1, keepdims=True)
    above = sv >= _VEL_FRACTION * peak
    on = np.argmax(above, axis=1)
    off = above.shape[1] - 1 - np.argmax(above[:, ::-1], axis=1)
    w = (off - on) / fs + _VEL_WIDEN_S
    return np.where(peak[:, 0] > 0, w, np.nan)


def _snippets(x, beats, fs, n_total, offset, nan_mask):
    """Mean- and trend-removed waveforms around each beat, (k, n_morph_leads * S) float32, and a validity flag."""
    stride = max(1, int(round(fs / _SNIP_HZ)))
    pre, post = int(round(_SNIP_PRE_S * fs)), int(round(_SNIP_POST_S * fs))
    offs = np.arange(-pre, post + 1, stride)
    leads = min(x.shape[1], _MAX_MORPH_LEADS)
    idx = beats[:, None] + offs[None, :]
    valid = (idx[:, 0] + offset >= 0) & (idx[:, -1] + offset < n_total) & (idx[:, 0] >= 0) & (idx[:, -1] < x.shape[0])
    idx = np.clip(idx, 0, x.shape[0] - 1)
    s = np.take(x[:, :leads], idx, axis=0).astype(float)  # (k, S, leads); np.take: see _qrs_duration
    if nan_mask is not None:
        valid &= ~nan_mask[idx, :leads].any(axis=(1, 2))
    t = np.linspace(-1.0, 1.0, offs.size)
    s = s - s.mean(axis=1, keepdims=True)
    s = s - (np.einsum("ksl,s->kl", s, t) / (t @ t))[:, None, :] * t[None, :, None]
    # float16 storage: 3 significant digits are plenty for template matching, and a 24-h
    # recording has ~100k beats.
    return s.transpose(0, 2, 1).reshape(s.shape[0], -1).astype(np.float16), valid


def _corr_lag(s, tmpl, n_leads, maxlag):
    """Best Pearson correlation of each row of `s` with its template over +-maxlag samples (all lags at once).

    `tmpl` is one template for every row, or one row of templates per row of `s`.
    """
    S = s.shape[1] // n_leads
    W = S - 2 * maxlag
    k = s.shape[0]
    s3 = s.astype(np.float64).reshape(k, n_leads, S)
    tc = tmpl.astype(np.float64).reshape(-1, n_leads, S)[:, :, maxlag:maxlag + W]
    tc = tc - tc.mean(axis=(1, 2), keepdims=True)  # zero-mean over all leads: the segment means drop out
    tn = np.sqrt(np.sum(tc * tc, axis=(1, 2)))[:, None] + 1e-12
    win = np.lib.stride_tricks.sliding_window_view(s3, W, axis=2)        # (k, leads, lags, W), a view
    dots = (np.einsum("klmw,lw->km", win, tc[0]) if tc.shape[0] == 1
            else np.einsum("klmw,klw->km", win, tc))
    c1 = np.concatenate([np.zeros((k, n_leads, 1)), np.cumsum(s3, axis=2)], axis=2)
    c2 = np.concatenate([np.zeros((k, n_leads, 1)), np.cumsum(s3 * s3, axis=2)], axis=2)
    total = (c1[:, :, W:] - c1[:, :, :-W]).sum(axis=1)                   # (k, lags)
    total2 = (c2[:, :, W:] - c2[:, :, :-W]).sum(axis=1)
    var = np.maximum(total2 - total * total / (n_leads * W), 0.0)
    corr = dots / (np.sqrt(var) * tn + 1e-12)
    return corr.max(axis=1) if corr.size else np.zeros(k)


def _classify(r_peaks, snip, valid, width, fs, n_leads, noise_rel):
    """Label beats 'N', 'V', 'S' or 'Q' from morphology against the dominant template and RR timing.

    Returns (labels, extra) where extra holds per-beat features.
    """
    n = r_peaks.size
    labels = np.full(n, "N", dtype="<U1")
    corr = np.full(n, np.nan)
    width_ratio = np.full(n, np.nan)
    amp_ratio = np.full(n, np.nan)
    if n == 0:
        return labels, {"noise_ratio": np.zeros(0), "template_corr": corr, "rr_prev_ratio": np.zeros(0),
                        "width_ratio": width_ratio, "amplitude_ratio": amp_ratio}
    rr = np.diff(r_peaks) / fs
    rr_prev = np.r_[np.nan, rr]
    rr_next = np.r_[rr, np.nan]
    rr_loc = scipy.ndimage.median_filter(np.r_[rr[:1], rr] if n > 1 else np.ones(1), size=17, mode="nearest")
    prem = np.nan_to_num(rr_prev / rr_loc, nan=1.0)                 # prematurity vs local median RR
    prem_next = np.nan_to_num(rr_prev / rr_next, nan=1.0)          # short-long (compensatory pause)
    seed = prem >= 1.0
    amp = np.ptp(snip, axis=1).astype(float)
    maxlag = int(round(_LAG_S * _SNIP_HZ))
    blk_len = _TEMPLATE_BLOCK_S * fs
    block = (r_peaks // blk_len).astype(np.int64)
    bounds = np.searchsorted(block, np.arange(block[-1] + 3))
    tmpls = np.zeros((block[-1] + 1, snip.shape[1]), np.float32)
    for b in np.unique(block):
        lo, hi = bounds[max(b - 1, 0)], bounds[b + 2]     # beats of blocks b-1 .. b+1
        ctx = np.arange(lo, hi)
        sd = ctx[seed[ctx] & valid[ctx]]
        if sd.size < 5:
            sd = ctx[valid[ctx]] if valid[ctx].sum() >= 3 else ctx
        if sd.size > _MAX_SEEDS:
            sd = sd[np.linspace(0, sd.size - 1, _MAX_SEEDS).astype(int)]
        # Normalised seeds of this block only (memory stays O(block)); einsum, not BLAS:
        # the products are small, and BLAS threads stall on a busy machine.
        norm = snip[sd].astype(float)
        norm -= norm.mean(axis=1, keepdims=True)
        norm /= np.linalg.norm(norm, axis=1, keepdims=True) + 1e-12
        cm = np.einsum("ik,jk->ij", norm, norm)
        members = sd[cm[np.argmax((cm > 0.9).sum(axis=1))] > 0.9]
        tmpls[b] = np.median(snip[members].astype(np.float32), axis=0)
        here = np.arange(bounds[b], bounds[b + 1])
        w_ref = np.nanmedian(width[members]) if np.isfinite(width[members]).any() else np.nan
        width_ratio[here] = width[here] / w_ref
        amp_ratio[here] = amp[here] / max(np.median(amp[members]), 1e-9)
    # every beat against its block's template, 512 beats at a time (~2 MB of work arrays)
    for i0 in range(0, n, 512):
        corr[i0:i0 + 512] = _corr_lag(snip[i0:i0 + 512], tmpls[block[i0:i0 + 512]], n_leads, maxlag)
    la = np.log(np.maximum(amp_ratio, 1e-6))
    # A beat whose waveform repeats the dominant template (correlation >= 0.95 over the whole
    # -120..+160 ms window, after mean and trend removal) cannot have a QRS much wider than the
    # template's: a widened QRS shifts the S wave and ST segment and lowers the correlation. A wide
    # width ratio on such a beat is a failed delineation (baseline noise or a merged T wave keeps
    # the spatial velocity above threshold), so it is not counted as evidence.
    alike = np.nan_to_num(corr, nan=0.0) >= _Q_KEEP_CORR
    width_dev = np.maximum(0.0, np.log(np.maximum(np.nan_to_num(width_ratio, nan=1.0), 1e-6))) / np.log(1.3)
    dev = (np.maximum(0.0, (0.95 - corr) / 0.2)
           + np.maximum(0.0, la) / np.log(1.4) + np.maximum(0.0, -la) / np.log(3.0)
           + np.where(alike, 0.0, width_dev))
    premature = np.minimum(prem, prem_next) < 0.9
    is_v = ((dev >= 1.0) & premature) | (dev >= _DEV_STRONG)
    is_s = (~is_v & (prem < 0.8) & (corr >= 0.85)
            & (np.nan_to_num(rr_next / rr_prev, nan=1.0) > 1.05))
    labels[is_v] = "V"
    labels[is_s] = "S"
    # A noisy background alone does not make a beat unclassifiable: flutter waves
    # or tremor between clean, identical QRS complexes raise the background/QRS
    # ratio of every beat (whole PTB-XL records came out "Q"). A beat whose
    # morphology repeats the dominant beat (correlation >= 0.95) keeps its label.
    noisy = (noise_rel > _Q_NOISE) & ~alike
    # ... and in noise its amplitude or width may look deviant: it is not called 'V' then
    labels[(noise_rel > _Q_NOISE) & alike & (labels == "V")] = "N"
    labels[~valid | noisy] = "Q"
    return labels, {"noise_ratio": noise_rel, "template_corr": corr, "rr_prev_ratio": prem, "width_ratio": width_ratio,
                    "amplitude_ratio": amp_ratio}


def detect_beats(ecg_mv, fs, *, refractory_s=0.2, chunk_s=300.0, overlap_s=10.0) -> Beats:
    """Detect heartbeats (QRS complexes) and label them, in a single- or multi-lead ECG.

    Parameters
    ----------
    ecg_mv : array_like, shape (n_samples,) or (n_samples, n_leads)
        ECG in millivolts; any polarity, baseline wander allowed. NaN marks
        missing samples (each NaN run is linearly interpolated, so a gap yields
        no beats, and beats whose waveform touches a gap are labelled 'Q').
        May be a ``numpy.memmap``: only one chunk at a time is read.
    fs : float
        Sampling rate in Hz (any rate from about 100 Hz).
    refractory_s : float, optional
        Minimum interval between two beats in seconds (0.2 s, as in Pan &
        Tompkins). No two returned beats are closer.
    chunk_s : float, optional
        Long recordings are processed in chunks of this many seconds (5 min),
        so that the working memory does not grow with the recording length.
    overlap_s : float, optional
        Each chunk is extended by this many seconds on both sides and beats
        are kept from its core only. All adaptive levels look at most 10 s
        around a sample, so with the default 10 s the result equals that of
        one-piece processing.

    Returns
    -------
    Beats
        ``r_peaks``: one fiducial per beat (largest QRS deflection, either
        polarity), strictly increasing int64. ``labels``: 'N' normal (dominant
        morphology, not premature), 'V' ventricular ectopic, 'S'
        supraventricular premature, 'Q' unclassifiable (waveform cut by the
        record edge or a gap). ``qrs_width_s``: QRS duration in seconds from
        the spatial velocity of all leads (see Notes).
        ``extra``: per-beat features ``noise_ratio`` (background/QRS),
        ``template_corr``, ``rr_prev_ratio``, ``width_ratio``,
        ``amplitude_ratio``, and ``method``.

    Raises
    ------
    ValueError
        If `ecg_mv` is not 1-D or 2-D, or `fs` is not a positive number.

    Notes
    -----
    Detection (per chunk):

    1. Band-pass 8-20 Hz (1st-order Butterworth run forward and backward,
       so zero phase), the band with the best QRS-to-P/T energy ratio [3]_.
    2. Envelope: root of the moving-window (100 ms) mean of the squared band
       signal [1]_, so lead polarity does not matter.
    3. Multi-lead fusion: each lead's envelope is divided by its local
       background level (floored at a tenth of its QRS level) and the leads
       are summed, so a beat clear in any lead stands out while noise adds
       incoherently and a flat lead adds nothing [4]_.
    4. Adaptive threshold: the local QRS level is the 10-s median of 2-s
       maxima of the envelope, the background the 4-s median of 0.25-s
       means; peaks (at least `refractory_s` apart) above 0.40 of the level
       and above twice the background (capped at 0.80 of the level, since at
       high rates every block holds QRS energy) are beats; the noise-adaptive
       part plays the role of Pan & Tompkins' noise peak level [1]_.
    5. T/P-wave rejection: a peak within 360 ms after (300 ms before) a beat,
       lower than it and with a steepest slope below 65 % (80 %) of its, is its
       T (P) wave, as in Pan & Tompkins' slope test [1]_, unless it sits
       about half-way between its neighbours (a fast regular rhythm).
    6. Search-back: in an RR interval longer than 1.5 times the local median
       RR, the highest peak above 0.15 of the level that is not a P/T wave
       of its neighbours is added [1]_, [2]_.
    7. Fiducial: the largest absolute deflection within +-80 ms in the best
       lead; duplicates and beats closer than `refractory_s` are merged.

    QRS duration: the derivative of each lead, scaled by the lead's QRS
    level, is combined over leads as a root sum of squares (spatial
    velocity); onset and offset are where it falls below 20 % of its peak,
    widened by 20 ms (on LUDB, record medians: bias +2 ms, SD 19 ms with 12
    leads; -10 ms, SD 15 ms with lead II alone).

    Labelling (whole record, on the merged beats): a dominant template per
    2-min block is the median of the largest cluster (correlation > 0.9) of
    non-premature beats in the surrounding 6 min. Each beat gets a
    morphology deviation from its correlation with the template (best lag
    within +-50 ms), its amplitude ratio and its QRS width ratio; the width
    ratio is not counted for a beat whose waveform repeats the template
    (correlation >= 0.95), since a truly wider QRS would not correlate so
    closely over the 280-ms window and such a width is a failed
    delineation. A deviating beat that is premature (RR below 90 % of the
    local median or of the next RR) is 'V', as is a strongly deviating one;
    a beat with the dominant morphology (correlation >= 0.85) that comes at
    least 20 % early and is followed by a longer RR is 'S' ([5]_, [6]_ use
    the same features).
    Beats in stretches where the background exceeds 0.35 of the QRS level,
    or whose waveform is cut by the record edge or a gap, are 'Q'. The
    thresholds were tuned on MIT-BIH records 100-124, so label figures on
    that database are in-sample.

    Chunking: chunks are aligned on 0.25-s blocks, so every adaptive level
    is computed from the same samples as in one piece; morphology uses the
    raw samples, so labels do not depend on chunking either. Memory is
    O(chunk) for the signal plus about 0.2 kB per beat (2 leads).

    References
    ----------
    .. [1] Pan J, Tompkins WJ. A real-time QRS detection algorithm. IEEE Trans
       Biomed Eng. 1985;32(3):230-6. doi:10.1109/TBME.1985.325532
    .. [2] Hamilton PS. Open source ECG analysis. Computers in Cardiology
       2002;29:101-4. doi:10.1109/CIC.2002.1166717
    .. [3] Elgendi M, Jonkman M, De Boer F. Frequency bands effects on QRS
       detection. BIOSIGNALS 2010:428-31. doi:10.5220/0002742704280431
    .. [4] Ledezma CA, Altuve M. Optimal data fusion for the improvement of QRS
       complex detection in multi-channel ECG recordings. Med Biol Eng
       Comput. 2019;57(8):1673-81. doi:10.1007/s11517-019-01990-0
    .. [5] de Chazal P, O'Dwyer M, Reilly RB. Automatic classification of
       heartbeats using ECG morphology and heartbeat interval features. IEEE
       Trans Biomed Eng. 2004;51(7):1196-206. doi:10.1109/TBME.2004.827359
    .. [6] ANSI/AAMI EC57:2012. Testing and reporting performance results of
       cardiac rhythm and ST segment measurement algorithms.

    Examples
    --------
    >>> import numpy as np
    >>> from ecgsignal.beats import detect_beats
    >>> fs = 360.0
    >>> t = np.arange(0, 10, 1 / fs)
    >>> ecg = sum(np.exp(-0.5 * ((t - c) / 0.01) ** 2) for c in np.arange(0.5, 9.6, 0.8))
    >>> beats = detect_beats(-ecg, fs)          # an inverted lead
    >>> beats.r_peaks.size
    12
    >>> np.diff(beats.r_peaks) / fs
    array([0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8])
    """
    x = _as_ecg(ecg_mv)
    try:
        fs = float(fs)
    except (TypeError, ValueError):
        raise ValueError(f"`fs` must be a positive sampling rate in Hz, got {fs!r}") from None
    if not np.isfinite(fs) or fs <= 0:
        raise ValueError(f"`fs` must be a positive sampling rate in Hz, got {fs}")
    if refractory_s <= 0 or chunk_s <= 0 or overlap_s < 0:
        raise ValueError("`refractory_s` and `chunk_s` must be positive and `overlap_s` non-negative")
    if x.ndim == 1:
        x = x[:, None]
    n, n_leads = x.shape
    blk = max(1, int(round(_BLOCK_S * fs)))
    chunk = max(blk, int(round(min(chunk_s * fs, n + blk) / blk)) * blk)
    ov = int(round(overlap_s * fs / blk)) * blk
    refr = max(1, int(round(refractory_s * fs)))
    peaks, pris, nrels, widths, snips, valids = [], [], [], [], [], []
    for start in range(0, n, chunk):
        a, b = max(0, start - ov), min(n, start + chunk + ov)
        xc = np.asarray(x[a:b], dtype=np.float32)
        if xc.shape[0] < max(int(fs), 16):
            continue
        xc, nan_mask = _fill_nan(xc)
        beats, pri, nrel, lead_choice_b, blk_, lev_b_chunk = _detect_chunk(xc, fs, refr)
        if beats.size == 0:
            continue
        lead = lead_choice_b[np.minimum(beats // blk_, lead_choice_b.size - 1)]
        r = _refine(xc, beats, fs, lead)
        order = np.argsort(r, kind="stable")
        r, pri, lead, nrel = r[order], pri[order], lead[order], nrel[order]
        uniq, first = np.unique(r, return_index=True)
        keep = _select_by_distance(uniq, np.maximum.reduceat(pri, first), refr)
        sel = first[np.searchsorted(uniq, keep)]
        r, pri, lead, nrel = r[sel], pri[sel], lead[sel], nrel[sel]
        core = (r + a >= start) & (r + a < start + chunk)
        r, pri, lead, nrel = r[core], pri[core], lead[core], nrel[core]
        snip, valid = _snippets(xc, r, fs, n, a, nan_mask)
        peaks.append(r + a)
        pris.append(pri)
        nrels.append(nrel)
        lev_at = lev_b_chunk[np.minimum(r // blk_, lev_b_chunk.shape[0] - 1)]
        widths.append(_qrs_duration(xc, r, fs, lev_at))
        snips.append(snip)
        valids.append(valid)
    if peaks:
        r_peaks = np.concatenate(peaks).astype(np.int64)
        pri = np.concatenate(pris)
        nrel = np.concatenate(nrels)
        width = np.concatenate(widths).astype(float)
        snip = np.concatenate(snips)
        valid = np.concatenate(valids)
        # Across chunk seams: enforce the refractory period by priority.
        if r_peaks.size > 1 and np.diff(r_peaks).min() < refr:
            keep = _select_by_distance(r_peaks, pri, refr)
            sel = np.searchsorted(r_peaks, keep)
            r_peaks, width, snip, valid, nrel = r_peaks[sel], width[sel], snip[sel], valid[sel], nrel[sel]
    else:
        r_peaks = np.zeros(0, dtype=np.int64)
        width = np.zeros(0)
        snip = np.zeros((0, 1), dtype=np.float16)
        valid = np.zeros(0, dtype=bool)
        nrel = np.zeros(0)
    labels, extra = _classify(r_peaks, snip, valid, width, fs, min(n_leads, _MAX_MORPH_LEADS), nrel)
    extra["method"] = "ecgsignal energy-envelope detector + template classifier"
    return Beats(r_peaks=r_peaks, labels=labels, qrs_width_s=width, fs=fs, extra=extra)
