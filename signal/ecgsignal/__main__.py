"""Command line: ``python -m ecgsignal analyze PATH [--json] [--fs HZ] [--age N] [--sex M|F]``."""
from __future__ import annotations

import argparse
import json
import sys

from . import RecordError, analyze, read_record


def _parser():
    p = argparse.ArgumentParser(prog="python -m ecgsignal", description="ECG analysis")
    sub = p.add_subparsers(dest="command", required=True)
    a = sub.add_parser("analyze", help="analyse one record and print a summary")
    a.add_argument("path", help=".hea (WFDB), .edf or .csv file")
    a.add_argument("--json", action="store_true", help="print the full result as JSON")
    a.add_argument("--fs", type=float, default=None, help="sampling rate in Hz (needed for CSV)")
    a.add_argument("--age", type=float, default=None, help="patient age in years")
    a.add_argument("--sex", choices=["M", "F", "m", "f"], default=None, help="patient sex")
    return p


def _summary(d) -> str:
    lines = [f"Record: {d['duration_s']:.1f} s, {len(d['leads'])} lead(s) ({', '.join(d['leads'])}) at {d['fs']:g} Hz",
             f"Priority: {d['priority'].upper()}"]
    hr = d["heart_rate"]
    if hr["mean_bpm"] is not None:
        lines.append(f"Heart rate: {hr['mean_bpm']:.0f}/min (10-s windows {hr['min_bpm']:.0f}-{hr['max_bpm']:.0f}/min), "
                     f"{len(d['beats']['sample'])} beats")
    else:
        lines.append("Heart rate: not measurable")
    rr = d["rr"]
    if rr["sdnn_ms"] is not None:
        lines.append(f"RR: mean {rr['mean_s']:.3f} s, SDNN {rr['sdnn_ms']:.0f} ms, RMSSD {rr['rmssd_ms']:.0f} ms")
    m = d["measurements"]
    parts = [f"{k.replace('_ms', '').replace('_deg', '').upper()} {v:.0f}" for k, v in m.items() if v is not None]
    if parts:
        lines.append("Intervals (ms) / axis (deg): " + ", ".join(parts))
    q = d["quality"]["lead_index"]
    lines.append("Signal quality: " + ", ".join(f"{k} {v:.2f}" for k, v in q.items()))
    it = d.get("interpretation")
    if it:
        lines.append(f"Interpretation ({it['overall']}):")
        for st in it["statements"]:
            lines.append(f"  {st['label_en']} / {st['label_zh']} [{st['code']}]")
    if d["findings"]:
        lines.append("Findings:")
        for f in d["findings"]:
            lines.append(f"  [{f['severity']}] {f['code']}: {f['text']}")
    else:
        lines.append("Findings: none")
    return "\n".join(lines)


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    try:
        rec = read_record(args.path, fs=args.fs)
        d = analyze(rec, age=args.age, sex=args.sex).to_dict()
    except RecordError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
    if args.json:
        json.dump(d, sys.stdout, allow_nan=False)
        sys.stdout.write("\n")
    else:
        print(_summary(d))
    return 0


if __name__ == "__main__":
    sys.exit(main())
