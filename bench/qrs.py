"""QRS detection, noise stress, chunking and beat-label sections of the benchmark."""
from __future__ import annotations

import time

import numpy as np

from . import data, peers

OURS = "ecgsignal"


def _detect(x, fs, *, repeat=1, **kw):
    """Run detect_beats; the time is the best of `repeat` runs (as timeit does, to damp machine load)."""
    from ecgsignal.beats import detect_beats
    best = float("inf")
    for _ in range(max(1, repeat)):
        t0 = time.perf_counter()
        b = detect_beats(x, fs, **kw)
        best = min(best, time.perf_counter() - t0)
    return b, best


def _agg(rows):
    tp = sum(r["tp"] for r in rows)
    fn = sum(r["fn"] for r in rows)
    fp = sum(r["fp"] for r in rows)
    se = tp / max(tp + fn, 1)
    ppv = tp / max(tp + fp, 1)
    f1 = 2 * se * ppv / max(se + ppv, 1e-12)
    secs = [r["seconds"] for r in rows]
    worst = sorted(rows, key=lambda r: -(r["fn"] + r["fp"]))[:5]
    return {"se": 100 * se, "ppv": 100 * ppv, "f1": 100 * f1, "fn": fn, "fp": fp, "tp": tp,
            "ms_per_record": 1000 * float(np.mean(secs)) if secs else float("nan"),
            "worst": ", ".join(f"{r['record']} ({r['fn']}/{r['fp']})" for r in worst),
            "cached": any(r.get("cached") for r in rows)}


def load_records(data_dir, records, sampto):
    return [data.load_mitdb(data_dir, r, sampto=sampto) for r in records]


def qrs_section(recs, *, peer_names, leads, noise=None, snr_db=None, processes=2, repeat=1):
    """Score ecgsignal and peers; `leads` is 'first' or 'all'; optional noise at `snr_db`.

    Returns {detector: aggregate}, plus {detector: per-record list} and our Beats per record.
    """
    results = {OURS: []}
    jobs, meta = [], []
    ours_beats = {}
    fast = [name for name in peer_names if not peers.PEERS[name][2]]     # timed here, interleaved
    slow = [name for name in peer_names if peers.PEERS[name][2]]         # cached, run on the pool
    for k, rec in enumerate(recs):
        sig, fs = rec["signal"], rec["fs"]
        if noise is not None:
            sig = data.add_noise(sig, rec["ref"], rec["sym"], fs, noise, snr_db,
                                 offset=int((37 * k + 11) * fs) % noise.shape[0])
        x = sig[:, 0] if leads == "first" else sig
        tag = f"mitdb{rec['record']}-n{sig.shape[0]}-snr{snr_db if noise is not None else 'clean'}"
        # ecgsignal and the fast peers take turns, `repeat` times, so both see the same machine load.
        best = {name: (None, float("inf")) for name in [OURS] + fast}
        for _ in range(max(1, repeat)):
            beats, dt = _detect(x, fs)
            best[OURS] = (beats, min(dt, best[OURS][1]))
            for name in fast:
                peaks, pdt, _ = peers.run_peer(name, sig[:, 0], fs, tag)
                best[name] = (peaks, min(pdt, best[name][1]))
        beats, dt = best[OURS]
        ours_beats[rec["record"]] = beats
        s = data.score(rec["ref"], beats.r_peaks, fs, rec["excl"])
        results[OURS].append({"record": rec["record"], "seconds": dt, **{k2: s[k2] for k2 in ("tp", "fn", "fp")}})
        for name in fast:
            peaks, pdt = best[name]
            s = data.score(rec["ref"], peaks, fs, rec["excl"])
            results.setdefault(name, []).append({"record": rec["record"], "seconds": pdt, "cached": False,
                                                 **{k2: s[k2] for k2 in ("tp", "fn", "fp")}})
        for name in slow:
            jobs.append((name, sig[:, 0], fs, tag))
            meta.append((name, rec))
    if jobs:
        out = peers.run_peers_parallel(jobs, processes=processes)
        for (name, rec), (peaks, dt, cached) in zip(meta, out):
            s = data.score(rec["ref"], peaks, rec["fs"], rec["excl"])
            results.setdefault(name, []).append({"record": rec["record"], "seconds": dt, "cached": cached,
                                                 **{k2: s[k2] for k2 in ("tp", "fn", "fp")}})
    return {name: _agg(rows) for name, rows in results.items()}, ours_beats


def chunk_consistency(recs):
    """Number of beats that differ between 5-min chunks and one piece, over all records (first lead)."""
    diffs = 0
    total = 0
    for rec in recs:
        x = rec["signal"][:, 0]
        a = _detect(x, rec["fs"])[0]
        b = _detect(x, rec["fs"], chunk_s=1e9)[0]
        diffs += np.setxor1d(a.r_peaks, b.r_peaks).size
        if a.r_peaks.size == b.r_peaks.size and np.array_equal(a.r_peaks, b.r_peaks):
            diffs += int(np.sum(a.labels != b.labels))
        total += b.r_peaks.size
    return diffs, total


PACED_RECORDS = (102, 104, 107, 217)


def label_section(recs, beats_by_record, *, exclude=()):
    """Gross sensitivity/PPV of 'V' (ref V, E) and 'S' (ref A, a, J, S) on matched beats."""
    counts = {c: {"tp": 0, "ref": 0, "found": 0} for c in ("V", "S")}
    q = 0
    n = 0
    for rec in recs:
        if rec["record"] in exclude:
            continue
        b = beats_by_record[rec["record"]]
        s = data.score(rec["ref"], b.r_peaks, rec["fs"], rec["excl"])
        det_keep = np.flatnonzero(~rec["excl"][np.clip(b.r_peaks, 0, rec["excl"].size - 1)])
        labels = b.labels[det_keep][s["matched_det"]]
        refsym = rec["sym"][s["matched_ref"]]
        for cls, syms in (("V", data.V_SYMBOLS), ("S", data.S_SYMBOLS)):
            is_ref = np.isin(refsym, syms)
            is_found = labels == cls
            counts[cls]["tp"] += int(np.sum(is_ref & is_found))
            counts[cls]["ref"] += int(is_ref.sum())
            counts[cls]["found"] += int(is_found.sum())
        q += int(np.sum(labels == "Q"))
        n += labels.size
    out = {}
    for cls, c in counts.items():
        out[cls] = {"se": 100 * c["tp"] / max(c["ref"], 1), "ppv": 100 * c["tp"] / max(c["found"], 1),
                    "ref": c["ref"], "found": c["found"]}
    out["Q_fraction"] = 100 * q / max(n, 1)
    return out
