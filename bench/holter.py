"""24-hour 2-lead Holter stress test: time and memory of chunked beat detection.

Run as a separate process (``python -m bench.holter DATA HOURS``) so its memory figures are its own;
prints one JSON line.
"""
from __future__ import annotations

import json
import resource
import sys
import time
import tracemalloc

import numpy as np

from . import data


def build(data_dir, hours):
    """Concatenate MIT-BIH records (both leads, float32 mV) to `hours` hours; also the reference beats."""
    fs = 360.0
    n_total = int(hours * 3600 * fs)
    sig = np.empty((n_total, 2), dtype=np.float32)
    refs, pos, k = [], 0, 0
    while pos < n_total:
        rec = data.load_mitdb(data_dir, data.MITDB_RECORDS[k % len(data.MITDB_RECORDS)])
        m = min(rec["signal"].shape[0], n_total - pos)
        sig[pos:pos + m] = rec["signal"][:m]
        r = rec["ref"][rec["ref"] < m]
        refs.append(r + pos)
        pos += m
        k += 1
    return sig, fs, np.concatenate(refs)


def main(argv):
    import psutil
    from ecgsignal.beats import detect_beats

    data_dir, hours = argv[0], float(argv[1])
    sig, fs, ref = build(data_dir, hours)
    proc = psutil.Process()
    rss_before = proc.memory_info().rss
    maxrss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    tracemalloc.start()
    t0 = time.perf_counter()
    beats = detect_beats(sig, fs)
    seconds = time.perf_counter() - t0
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    maxrss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    s = data.score(ref, beats.r_peaks, fs, np.zeros(sig.shape[0], dtype=bool))
    print(json.dumps({
        "hours": hours, "n_samples": int(sig.shape[0]), "input_mb": sig.nbytes / 2**20,
        "seconds": seconds, "traced_peak_mb": traced_peak / 2**20,
        "rss_before_mb": rss_before / 2**20,
        "rss_peak_increase_mb": max(0, maxrss_after - max(maxrss_before, rss_before)) / 2**20,
        "peak_rss_mb": maxrss_after / 2**20,
        "beats": int(beats.r_peaks.size), "se": 100 * s["tp"] / max(s["tp"] + s["fn"], 1),
        "ppv": 100 * s["tp"] / max(s["tp"] + s["fp"], 1),
    }))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
