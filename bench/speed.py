"""End-to-end speed of ``read_record`` + ``analyze`` against XQRS detection timed live in the same run."""
from __future__ import annotations

import csv
import time
import warnings
from pathlib import Path

import numpy as np

#: MIT-BIH records used for the 30-min 2-lead comparison (XQRS is timed live on each).
LONG_RECORDS = ("100", "119")
#: PTB-XL ecg_ids (10 s, 12 leads, 500 Hz) timed end to end.
SHORT_IDS = 10


def _best(fn, repeat):
    ts = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return ts


def long_record(data_dir, *, records=LONG_RECORDS, repeat=3):
    """30-min 2-lead MIT-BIH records: best of `repeat` end-to-end runs vs one live XQRS run per record.

    Each row also gives the stages of the best run: ``read_ms`` and the
    ``timing_ms`` of `analyze` (quality, beats, waves, rhythm, ...).
    """
    import wfdb

    import ecgsignal
    rows = []
    for name in records:
        path = str(Path(data_dir) / "mitdb" / name)
        runs = []

        def ours():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                t0 = time.perf_counter()
                rec = ecgsignal.read_record(path + ".hea")
                read_ms = 1000 * (time.perf_counter() - t0)
                a = ecgsignal.analyze(rec)
                runs.append((read_ms, dict(a.timing_ms)))
                return a
        ours()  # warm-up (imports, caches)
        runs.clear()
        ts = _best(ours, repeat)
        t_ours = min(ts)
        read_ms, stages = runs[int(np.argmin(ts))]
        sig, fields = wfdb.rdsamp(path, channels=[0])
        t0 = time.perf_counter()
        wfdb.processing.xqrs_detect(sig=sig[:, 0], fs=fields["fs"], verbose=False)
        t_x = time.perf_counter() - t0
        rows.append({"record": name, "minutes": fields["sig_len"] / fields["fs"] / 60, "ours_ms": 1000 * t_ours,
                     "xqrs_ms": 1000 * t_x, "ratio": t_x / t_ours, "read_ms": read_ms, "stages_ms": stages})
    return rows


def short_records(data_dir, *, n=SHORT_IDS, repeat=7):
    """10-s 12-lead 500 Hz PTB-XL records: median over records of the median of `repeat` end-to-end runs."""
    import ecgsignal
    d = Path(data_dir) / "ptbxl"
    paths = []
    with open(d / "ptbxl_database.csv") as f:
        for row in csv.DictReader(f):
            p = d / (row["filename_hr"] + ".hea")
            if p.exists():
                paths.append(str(p))
            if len(paths) >= n:
                break
    per = []
    for p in paths:
        def run():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return ecgsignal.analyze(ecgsignal.read_record(p))
        run()
        per.append(float(np.median(_best(run, repeat))) * 1000)
    return {"n": len(per), "median_ms": float(np.median(per)) if per else float("nan"),
            "max_ms": float(np.max(per)) if per else float("nan")}
