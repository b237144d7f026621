"""Loading the benchmark databases and the EC57 scoring helpers."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import wfdb
import wfdb.processing

MITDB_RECORDS = [r for r in range(100, 125) if r not in (110, 120)]
BEAT_SYMBOLS = list("NLRBAaJSVrFejnE/fQ?")
V_SYMBOLS = ["V", "E"]
S_SYMBOLS = ["A", "a", "J", "S"]


def vf_mask(ann, n):
    """Boolean mask of samples inside ventricular flutter/fibrillation episodes (EC57 leaves them out)."""
    mask = np.zeros(n, dtype=bool)
    start = None
    for s, sym, aux in zip(ann.sample, ann.symbol, ann.aux_note):
        aux = (aux or "").strip("\x00 ")
        if sym == "[" or (sym == "+" and aux.startswith("(VF")):
            if start is None:
                start = s
        elif start is not None and (sym == "]" or sym == "+"):
            mask[start:s] = True
            start = None
    if start is not None:
        mask[start:] = True
    return mask


def load_mitdb(data_dir, record, *, sampto=None):
    """Return dict(signal (n, 2) float32 mV, fs, ref samples, ref symbols, excluded mask)."""
    path = str(Path(data_dir) / "mitdb" / str(record))
    rec = wfdb.rdrecord(path, sampto=sampto)
    ann = wfdb.rdann(path, "atr", sampto=sampto)
    sig = rec.p_signal.astype(np.float32)
    excl = vf_mask(ann, sig.shape[0])
    sym = np.asarray(ann.symbol)
    beat = np.isin(sym, BEAT_SYMBOLS)
    ref = ann.sample[beat]
    refsym = sym[beat]
    keep = ~excl[np.clip(ref, 0, sig.shape[0] - 1)]
    return {"record": record, "signal": sig, "fs": float(rec.fs), "ref": ref[keep], "sym": refsym[keep],
            "excl": excl, "lead_names": tuple(rec.sig_name)}


def score(ref, det, fs, excl):
    """EC57 beat-by-beat comparison with a 150 ms window; detections in VF episodes are ignored."""
    det = np.asarray(det, dtype=np.int64)
    det = det[(det >= 0) & (det < excl.size)]
    det = det[~excl[det]]
    if ref.size == 0 or det.size == 0:
        return {"tp": 0, "fn": int(ref.size), "fp": int(det.size), "matched_ref": np.zeros(0, int),
                "matched_det": np.zeros(0, int), "det": det}
    c = wfdb.processing.compare_annotations(ref, det, int(0.15 * fs))
    return {"tp": int(c.tp), "fn": int(c.fn), "fp": int(c.fp), "matched_ref": np.asarray(c.matched_ref_inds),
            "matched_det": np.asarray(c.matched_test_inds), "det": det}


def load_noise(data_dir):
    """nstdb baseline wander + muscle artefact, each scaled to unit variance and summed, shape (n, 2)."""
    out = 0
    for name in ("bw", "ma"):
        rec = wfdb.rdrecord(str(Path(data_dir) / "nstdb" / name))
        x = rec.p_signal.astype(np.float64)
        x = x - x.mean(axis=0)
        out = out + x / x.std(axis=0)
    return out


def qrs_amplitude_pp(sig, ref, sym, fs):
    """Median peak-to-peak QRS amplitude (mV) of normal beats in +-60 ms of each reference beat."""
    half = int(0.06 * fs)
    sel = ref[(sym == "N") & (ref > half) & (ref < sig.shape[0] - half)]
    if sel.size < 10:
        sel = ref[(ref > half) & (ref < sig.shape[0] - half)]
    idx = sel[:, None] + np.arange(-half, half + 1)[None, :]
    seg = sig[idx]
    return np.median(seg.max(axis=1) - seg.min(axis=1), axis=0)


def add_noise(sig, ref, sym, fs, noise, snr_db, *, offset):
    """Add noise at `snr_db` per lead with the NST convention S = pp^2 / 8, N = noise variance.

    The noise record is rotated by `offset` samples (fixed per record, so reruns are identical).
    """
    n = sig.shape[0]
    nz = np.roll(noise, -offset, axis=0)
    reps = -(-n // nz.shape[0])
    nz = np.tile(nz, (reps, 1))[:n, : sig.shape[1]]
    pp = qrs_amplitude_pp(sig, ref, sym, fs)
    s_power = pp ** 2 / 8.0
    n_power = nz.var(axis=0)
    gain = np.sqrt(s_power / (n_power * 10 ** (snr_db / 10.0)))
    return (sig + nz * gain).astype(np.float32)
