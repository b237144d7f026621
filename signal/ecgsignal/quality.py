"""Per-lead signal quality: missing data, flat line / lead off, clipping, noise, baseline wander."""
from __future__ import annotations

import functools

import numpy as np
import scipy.signal

from .filters import sosfilt_leads, sosfiltfilt_leads
from .types import QualityProblem, SignalQuality

__all__ = ["signal_quality"]

#: Peak-to-peak amplitude (mV) below which a 2-s window is a flat line: a QRS
#: complex is normally >= 0.5 mV in the limb leads, and 'low voltage' starts
#: below 0.5 mV (AHA/ACCF/HRS 2009 part V, Hancock et al., doi:10.1016/j.jacc.2008.12.015);
#: 0.05 mV is a tenth of that, far below any physiological QRS.
FLAT_PTP_MV = 0.05
#: Fraction of a window at a rail plateau above which the lead counts as clipped.
CLIP_FRACTION = 0.01
#: High-frequency (> 40 Hz) RMS relative to the in-band peak-to-peak amplitude:
#: below NOISE_LO the window is clean, above NOISE_HI unreadable (linear between).
#: Calibrated on MIT-BIH records with NSTDB muscle artefact added at 12 to -6 dB SNR.
NOISE_LO, NOISE_HI = 0.03, 0.06
#: Smallest reference amplitude (mV) for that ratio: QRS below 0.5 mV is "low
#: voltage" (Hancock et al. 2009, above), so a smaller lead is judged against 0.5 mV.
NOISE_REF_MIN_MV = 0.5
#: Kurtosis of the 0.5-40 Hz window: a clean ECG is peaked (kurtosis > 5, kSQI
#: of Li, Mark & Clifford 2008, doi:10.1088/0967-3334/29/1/002); Gaussian noise has 3.
KURT_LO, KURT_HI = 3.0, 6.0
#: Baseline excursion (mV) within a window that counts as marked wander.
WANDER_MV = 1.0
#: Quality index at or above which a window of a lead is readable.
READABLE = 0.5


def signal_quality(ecg_mv, fs, *, lead_names=None, window_s=2.0, chunk_windows=1024) -> SignalQuality:
    """Rate the quality of every lead in consecutive windows.

    Parameters
    ----------
    ecg_mv : array_like, shape (n_samples,) or (n_samples, n_leads)
        Raw (unfiltered) ECG in millivolts; NaN marks missing samples.
    fs : float
        Sampling rate in Hz.
    lead_names : sequence of str, optional
        Names for the problems list (default ``lead1``, ``lead2``...).
    window_s : float, optional
        Window length in seconds (2 s: at least one beat at rates >= 30/min).
    chunk_windows : int, optional
        Windows processed at once; bounds temporary memory for long records.

    Returns
    -------
    SignalQuality
        Index 0 (unreadable) to 1 (clean) per window and lead, the mean per
        lead, merged problem stretches, and per window whether any lead is
        readable (index >= 0.5).

    Notes
    -----
    Per window and lead, on the raw signal:

    1. *missing*: more than half the samples are NaN -> index 0.
    2. *flat* (flat line or lead off): peak-to-peak < 0.05 mV -> index 0.
    3. *clipped*: more than 1 % of samples sit on a plateau at the lead's
       extreme value (ADC saturation) -> index at most 0.3.
    4. *noise*: the window is unreadable only when it is both un-peaked
       (kurtosis of the 0.5-40 Hz signal falling from 6 to 3, the kSQI of
       [1]_) and rich in high frequencies (RMS above 40 Hz relative to the
       0.5-40 Hz peak-to-peak amplitude rising from 0.03 to 0.06); the index
       is the larger of the two sub-indices, so ventricular fibrillation
       (un-peaked but smooth) is not taken for noise.
    5. *baseline_wander*: the part of the signal below 0.5 Hz spans more
       than 1 mV within the window -> index at most 0.7.

    The last partial window is rated as a window of its own. Work is done in
    chunks of `chunk_windows` windows in float32, so memory stays bounded for
    24-hour recordings.

    References
    ----------
    .. [1] Clifford GD, Behar J, Li Q, Rezek I. Signal quality indices and data
       fusion for determining clinical acceptability of electrocardiograms.
       Physiol Meas. 2012;33(9):1419-33. doi:10.1088/0967-3334/33/9/1419
    .. [2] Orphanidou C, et al. Signal-quality indices for the
       electrocardiogram and photoplethysmogram: derivation and applications
       to wireless monitoring. IEEE J Biomed Health Inform. 2015;19(3):832-8.
       doi:10.1109/JBHI.2014.2338351

    Examples
    --------
    >>> import numpy as np
    >>> q = signal_quality(np.zeros((1000, 1)), 250.0)
    >>> float(q.lead_index[0])
    0.0
    """
    x = np.asarray(ecg_mv)
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2:
        raise ValueError("`ecg_mv` must be a 1-D or 2-D array")
    fs = float(fs)
    if not np.isfinite(fs) or fs <= 0:
        raise ValueError("`fs` must be a positive sampling rate in Hz")
    n, n_leads = x.shape
    names = tuple(lead_names) if lead_names is not None else tuple(f"lead{j + 1}" for j in range(n_leads))
    win = max(4, int(round(window_s * fs)))
    n_win = max(1, -(-n // win))
    step = chunk_windows * win

    def lead_major(a, b):
        # lead-major copy: reducing along contiguous memory is ~30x faster than along
        # axis 0 of (n, leads)
        return np.ascontiguousarray(np.asarray(x[a:b], dtype=np.float32).T)

    pad_s = int(round(1.0 * fs))
    whole = lead_major(0, n) if n_win <= chunk_windows else None
    # Lead rails (extreme values) over the whole record, computed chunk-wise; fmax/fmin skip NaN.
    hi = np.full(n_leads, -np.inf, dtype=np.float32)
    lo = np.full(n_leads, np.inf, dtype=np.float32)
    for a in range(0, n, step):
        c = whole if whole is not None else lead_major(a, a + step)
        hi = np.fmax(hi, np.fmax.reduce(c, axis=1))
        lo = np.fmin(lo, np.fmin.reduce(c, axis=1))
    hp = None
    if fs > 2 * 45:
        hp = butter_sos(2, 40.0, "highpass", fs)
    bp = butter_sos(2, (0.5, min(40.0, 0.45 * fs)), "bandpass", fs)
    q_all = np.empty((n_win, n_leads), dtype=np.float32)
    kinds = np.zeros((n_win, n_leads), dtype=np.int8)  # 0 ok, then codes of _KINDS
    ptps = []
    for w0 in range(0, n_win, chunk_windows):
        w1 = min(n_win, w0 + chunk_windows)
        a, b = w0 * win, min(n, w1 * win)
        a_pad, b_pad = max(0, a - pad_s), min(n, b + pad_s)
        seg = whole if whole is not None else lead_major(a_pad, b_pad)
        nan = np.isnan(seg)
        if nan.any():
            seg = np.where(nan, np.float32(0), seg)
        else:
            nan = None
        q, k, ptp = _rate_chunk(seg, nan, a - a_pad, b - a_pad, win, fs, hi, lo, hp, bp)
        q_all[w0:w1] = q
        kinds[w0:w1] = k
        ptps.append(ptp)
    lead_index = q_all.mean(axis=0) if n_win else np.zeros(n_leads)
    usable = (q_all >= READABLE).any(axis=1)
    problems = _merge_problems(kinds, names, window_s=win / fs, n_seconds=n / fs)
    return SignalQuality(window_s=win / fs, lead_names=names, window_index=q_all,
                         lead_index=lead_index.astype(float), problems=problems, usable=usable,
                         window_kind=kinds, lead_ptp_mv=np.median(np.concatenate(ptps, axis=0), axis=0))


_KINDS = ("", "missing", "flat", "clipped", "noise", "baseline_wander")


@functools.lru_cache(maxsize=64)
def butter_sos(order, wn, btype, fs):
    """Cached ``scipy.signal.butter(..., output="sos")``: designing a filter costs more than running it on 10 s."""
    return scipy.signal.butter(order, wn, btype=btype, fs=fs, output="sos")


_ZI = {}


def sosfiltfilt(sos, x, *, axis=-1, padlen):
    """``scipy.signal.sosfiltfilt(sos, x, axis=axis, padlen=padlen)`` with the initial
    conditions (``sosfilt_zi``, a linear solve) cached per filter: same result,
    faster on short signals (10-s strips, median beats), where the solve dominates."""
    sos = np.asarray(sos)
    key = sos.tobytes()
    zi = _ZI.get(key)
    if zi is None:
        zi = _ZI.setdefault(key, scipy.signal.sosfilt_zi(sos))
    x = np.asarray(x)
    axis = axis % x.ndim
    if x.shape[axis] <= padlen:
        raise ValueError("`x` is too short for `padlen`")
    if padlen > 0:  # odd extension at both ends, as scipy's padtype="odd"
        n = x.shape[axis]
        first, last = np.take(x, [0], axis=axis), np.take(x, [n - 1], axis=axis)
        left = 2 * first - np.take(x, np.arange(padlen, 0, -1), axis=axis)
        right = 2 * last - np.take(x, np.arange(n - 2, n - 2 - padlen, -1), axis=axis)
        ext = np.concatenate([left, x, right], axis=axis)
    else:
        ext = x
    shape = [1] * x.ndim
    shape[axis] = 2
    z = zi.reshape([zi.shape[0]] + shape)
    x0 = np.take(ext, [0], axis=axis)
    y, _ = scipy.signal.sosfilt(sos, ext, axis=axis, zi=z * x0)
    y0 = np.take(y, [-1], axis=axis)
    y, _ = scipy.signal.sosfilt(sos, np.flip(y, axis=axis), axis=axis, zi=z * y0)
    y = np.flip(y, axis=axis)
    if padlen > 0:
        y = np.take(y, np.arange(padlen, y.shape[axis] - padlen), axis=axis)
    return y


def _windows(v, a, b, win):
    """(n_leads, n_win, win) view of v[:, a:b], the last partial window padded by edge values."""
    core = v[:, a:b]
    m = core.shape[1]
    nw = -(-m // win)
    if nw * win != m:
        core = np.concatenate([core, np.repeat(core[:, -1:], nw * win - m, axis=1)], axis=1)
    return core.reshape(core.shape[0], nw, win)


#: The per-sample work runs on blocks of this many windows (256 s of 2-s windows),
#: so that the working set of a block stays in the processor's cache; each block is
#: filtered with 1 s of signal on both sides, as the chunks of `signal_quality` are.
_BLOCK_WINDOWS = 128


def _window_stats(seg, nan, a, b, win, hi, lo, hp, bp):
    """Per-window statistics of lead-major ``seg[:, a:b]`` (NaN-free; `nan` marks the missing samples).

    Returns a (7, n_leads, n_windows) float32 array: raw peak-to-peak, fraction missing,
    fraction clipped, 0.5-40 Hz peak-to-peak, baseline span, RMS above 40 Hz and kurtosis
    of the 0.5-40 Hz signal. Filters run in single precision, two leads per pass
    (`filters.sosfiltfilt_leads`).
    """
    n_leads = seg.shape[0]
    raw = _windows(seg, a, b, win)
    out = np.zeros((7, n_leads, raw.shape[1]), np.float32)
    ptp_raw, miss, clip_frac, ptp_band, wander, hf_rms, kurt = out
    raw_max, raw_min = raw.max(axis=-1), raw.min(axis=-1)
    ptp_raw[:] = raw_max - raw_min
    if nan is not None:
        miss[:] = _windows(nan, a, b, win).mean(axis=-1)
    # clipping: runs of identical samples at the lead's extreme values (ADC rails),
    # looked for only in the windows that reach a rail
    eps = 0.001 * np.maximum(hi - lo, np.float32(1e-6))
    at_hi, at_lo = (hi - eps)[:, None], (lo + eps)[:, None]
    li, wi = np.nonzero((raw_max >= at_hi) | (raw_min <= at_lo))
    if li.size:
        rw = raw[li, wi]                                          # (k, win)
        at_rail = (rw >= at_hi[li]) | (rw <= at_lo[li])
        at_rail[:, 1:] &= np.diff(rw, axis=-1) == 0
        at_rail[:, 0] = False
        clip_frac[li, wi] = at_rail.mean(axis=-1)
    # in-band amplitude, peakedness and high-frequency noise
    band = sosfiltfilt_leads(bp, seg, padlen=min(15, seg.shape[-1] - 1))
    bw = _windows(band, a, b, win)
    ptp_band[:] = bw.max(axis=-1) - bw.min(axis=-1)
    # baseline wander: span of the sub-0.5 Hz part (raw minus band) in the window
    base = _windows(seg - band, a, b, win)
    wander[:] = base.max(axis=-1) - base.min(axis=-1)
    if hp is not None:
        hfw = _windows(sosfilt_leads(hp, seg), a, b, win)
        hfw -= hfw.mean(axis=-1, keepdims=True)           # in place: the filtered copy is ours
        hf_rms[:] = np.sqrt(np.einsum("ijk,ijk->ij", hfw, hfw) / win)
    z2 = bw - bw.mean(axis=-1, keepdims=True)
    np.square(z2, out=z2)
    m2 = z2.mean(axis=-1)
    kurt[:] = np.einsum("ijk,ijk->ij", z2, z2) / win / np.maximum(m2 * m2, np.float32(1e-12))
    return out


def _rate_chunk(seg, nan, a, b, win, fs, hi, lo, hp, bp):
    """Rate the windows of one chunk (lead-major, NaN-free `seg`; windows from sample `a` to `b`)."""
    n_leads = seg.shape[0]
    nw = -(-(b - a) // win)
    stats = np.empty((7, n_leads, nw), np.float32)
    pad = int(round(1.0 * fs))
    for k0 in range(0, nw, _BLOCK_WINDOWS):
        k1 = min(nw, k0 + _BLOCK_WINDOWS)
        sa, sb = a + k0 * win, min(b, a + k1 * win)
        pa, pb = max(0, sa - pad), min(seg.shape[1], sb + pad)
        stats[:, :, k0:k1] = _window_stats(seg[:, pa:pb], None if nan is None else nan[:, pa:pb],
                                           sa - pa, sb - pa, win, hi, lo, hp, bp)
    ptp_raw, miss, clip_frac, ptp_band, wander, hf_rms, kurt = stats
    if hp is not None:
        # Relative to the larger of the window's and the lead's typical amplitude, so
        # that a quiet window (a pause, asystole) with a little noise is not "noisy".
        # (at least 0.5 mV, the low-voltage limit: a small lead with little noise is not noisy)
        typical = np.median(ptp_band, axis=-1, keepdims=True)
        ratio = hf_rms / np.maximum(np.maximum(ptp_band, typical), np.float32(NOISE_REF_MIN_MV))
    else:
        ratio = np.zeros_like(ptp_band)
    q_kurt = np.clip((kurt - KURT_LO) / (KURT_HI - KURT_LO), 0, 1)
    q_hf = np.clip((NOISE_HI - ratio) / (NOISE_HI - NOISE_LO), 0, 1)
    # Noise only when the window is both un-peaked and rich in high frequencies:
    # ventricular fibrillation is un-peaked too, but has little energy above 40 Hz.
    q = np.maximum(q_kurt, q_hf).astype(np.float32)
    k = np.where(q < READABLE, 4, 0).astype(np.int8)
    wand = wander > WANDER_MV
    q = np.where(wand, np.minimum(q, 0.7), q)
    k = np.where(wand & (k == 0), 5, k)
    clipped = clip_frac > CLIP_FRACTION
    q = np.where(clipped, np.minimum(q, 0.3), q)
    k = np.where(clipped, 3, k)
    flat = (ptp_raw < FLAT_PTP_MV) | (ptp_band < FLAT_PTP_MV)
    q = np.where(flat, 0, q)
    k = np.where(flat, 2, k)
    missing = miss > 0.5
    q = np.where(missing, 0, q)
    k = np.where(missing, 1, k)
    return q.T, k.T, ptp_band.T


def _merge_problems(kinds, names, *, window_s, n_seconds, max_gap_windows=1):
    """Merge runs of the same problem per lead (bridging one clean window)."""
    out = []
    n_win, n_leads = kinds.shape
    for j in range(n_leads):
        col = kinds[:, j]
        for code in np.unique(col[col > 0]):
            hit = np.flatnonzero(col == code)
            if hit.size == 0:
                continue
            breaks = np.flatnonzero(np.diff(hit) > max_gap_windows + 1)
            starts = np.r_[hit[0], hit[breaks + 1]]
            ends = np.r_[hit[breaks], hit[-1]]
            for s, e in zip(starts, ends):
                out.append(QualityProblem(lead=names[j], kind=_KINDS[int(code)],
                                          start_s=float(s * window_s),
                                          end_s=float(min((e + 1) * window_s, n_seconds))))
    out.sort(key=lambda p: (p.start_s, p.lead))
    return tuple(out)
