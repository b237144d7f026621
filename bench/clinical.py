"""Sections that score the whole pipeline (``ecgsignal.analyze``): AF, wave boundaries, 12-lead findings.

Each section reports "not available" when ``ecgsignal.analyze`` is missing, and counts the records on
which it raised. Finding codes are matched by the alias patterns below (case-insensitive), so the
benchmark does not depend on one spelling; the codes seen are listed in the report.
"""
from __future__ import annotations

import ast
import csv
import re
import time
import traceback
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import wfdb

#: Tolerances (ms) for the SD of boundary errors: two SDs of the CSE referees' own
#: spread (The CSE Working Party. Recommendations for measurement standards in
#: quantitative electrocardiography. Eur Heart J 1985;6:815-25), as delineators are
#: scored against them (Martinez JP et al. IEEE Trans Biomed Eng 2004;51:570-81,
#: doi:10.1109/TBME.2003.821031).
CSE_TOL_MS = {"qrs_on": 6.5, "qrs_off": 11.6, "t_off": 30.6, "p_on": 10.2, "p_off": 12.7}

#: condition -> regular expression matched against finding codes
ALIASES = {
    "AF": r"^(AF|AFIB|AFL|AFLT|ATRIAL_FIB.*|AF_.*)$",
    "SBRAD": r"(SBRAD|BRADY)",
    "STACH": r"(STACH|TACHY)",
    "1AVB": r"(1AVB|AVB1|AV1|FIRST_DEGREE|PR_PROLONG|LONG_PR)",
    "WIDE_QRS": r"(BBB|WIDE_QRS|QRS_WIDE|IVCD)",
    "MI": r"(^|_)(MI|AMI|IMI|STEMI|NSTEMI|INFARCT\w*|Q_WAVES?|PATHOLOGIC\w*_Q)($|_)",
}


def _has(codes, cond):
    pat = re.compile(ALIASES[cond], re.IGNORECASE)
    return any(pat.search(c) for c in codes)


def analyze_available():
    try:
        import ecgsignal
    except Exception as exc:  # pragma: no cover
        return False, f"import failed: {exc}"
    if not hasattr(ecgsignal, "analyze") or not hasattr(ecgsignal, "read_record"):
        return False, "ecgsignal.analyze / read_record not available"
    return True, ""


def _analyze_path(args):
    """Worker: read + analyze one record; returns (key, dict or None, error or None, seconds)."""
    key, path, kwargs = args
    import warnings

    import ecgsignal
    kwargs = dict(kwargs)
    long_af = ecgsignal.analysis.LONG_AF
    # AF method for recordings > 60 s (`ecgsignal.analysis.LONG_AF`), for this record only
    ecgsignal.analysis.LONG_AF = kwargs.pop("_long_af", long_af)
    t0 = time.perf_counter()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            rec = ecgsignal.read_record(path)
            res = ecgsignal.analyze(rec, **kwargs).to_dict()
        keep = {k: res.get(k) for k in ("findings", "waves", "beats", "measurements", "fs", "interpretation")}
        return key, keep, None, time.perf_counter() - t0
    except Exception as exc:
        return key, None, f"{type(exc).__name__}: {exc}".splitlines()[0][:200], time.perf_counter() - t0
    finally:
        ecgsignal.analysis.LONG_AF = long_af


def _run_all(jobs, processes):
    if processes > 1 and len(jobs) > 4:
        with ProcessPoolExecutor(processes) as ex:
            return list(ex.map(_analyze_path, jobs, chunksize=4))
    return [_analyze_path(j) for j in jobs]


def _summ_errors(out):
    errs = [e for _, _, e, _ in out if e]
    msg = ""
    if errs:
        uniq = sorted(set(errs))
        msg = f"{len(errs)} of {len(out)} records raised (e.g. `{uniq[0]}`)"
    return errs, msg


def _codes(res):
    return [str(f.get("code", "")) for f in (res.get("findings") or [])]


# ----------------------------------------------------------------------------- AF
def cinc2017(data_dir, *, limit=None, processes=2):
    d = Path(data_dir) / "cinc2017"
    ref = {}
    with open(d / "REFERENCE.csv") as f:
        for row in csv.reader(f):
            if len(row) >= 2 and (d / f"{row[0]}.hea").exists():
                ref[row[0]] = row[1]
    names = sorted(ref)[:limit] if limit else sorted(ref)
    out = _run_all([(n, str(d / f"{n}.hea"), {}) for n in names], processes)
    errs, msg = _summ_errors(out)
    ok = [(k, r) for k, r, e, _ in out if r is not None]
    if not ok:
        return {"available": False, "note": msg or "no record analysed"}
    tp = sum(1 for k, r in ok if ref[k] == "A" and _has(_codes(r), "AF"))
    fn = sum(1 for k, r in ok if ref[k] == "A" and not _has(_codes(r), "AF"))
    fp = sum(1 for k, r in ok if ref[k] != "A" and _has(_codes(r), "AF"))
    f1 = 2 * tp / max(2 * tp + fp + fn, 1)
    codes = sorted({c for _, r in ok for c in _codes(r)})
    return {"available": True, "n": len(ok), "n_af": tp + fn, "f1": f1, "tp": tp, "fp": fp, "fn": fn,
            "se": 100 * tp / max(tp + fn, 1), "ppv": 100 * tp / max(tp + fp, 1), "note": msg, "codes": codes,
            "s_per_record": float(np.mean([t for *_, t in out]))}


def _af_mask_from_ann(ann, n):
    mask = np.zeros(n, dtype=bool)
    cur, start = None, 0
    for s, sym, aux in zip(ann.sample, ann.symbol, ann.aux_note):
        aux = (aux or "").strip("\x00 ")
        if sym == "+" and aux.startswith("("):
            if cur in ("(AFIB", "(AFL"):
                mask[start:s] = True
            cur, start = aux, s
    if cur in ("(AFIB", "(AFL"):
        mask[start:] = True
    return mask


def cpsc2021(data_dir, *, limit=None, processes=2, long_af=None):
    """AF duration Se/Sp on CPSC 2021; `long_af` ("rr" or "model") picks the method for recordings > 60 s."""
    return _af_duration(Path(data_dir) / "cpsc2021", None, limit=limit, processes=processes, long_af=long_af)


#: MIT-BIH Arrhythmia DB records with atrial fibrillation or flutter in their rhythm annotations.
MITDB_AF_RECORDS = (201, 202, 203, 210, 219, 221, 222)


def mitdb_af(data_dir, *, processes=2, long_af=None):
    """AF duration Se/Sp on the MIT-BIH records with AF (`(AFIB`/`(AFL` in `.atr`) that the data holds,
    and the AF time called in the records without AF (100-124: specificity alone)."""
    from . import data
    d = Path(data_dir) / "mitdb"
    with_af = [str(k) for k in MITDB_AF_RECORDS if (d / f"{k}.hea").exists()]
    without = [str(k) for k in data.MITDB_RECORDS if (d / f"{k}.hea").exists()]
    return {"af_records": _af_duration(d, with_af, processes=processes, long_af=long_af) if with_af else
            {"available": False, "note": "records 201, 202, 203, 210, 219, 221, 222 not in the data folder"},
            "non_af_records": _af_duration(d, without, processes=processes, long_af=long_af)}


def _af_duration(d, names, *, limit=None, processes=2, long_af=None):
    if names is None:
        names = sorted(p.stem for p in d.glob("*.hea"))
    names = names[:limit] if limit else names
    kw = {} if long_af is None else {"_long_af": long_af}
    out = _run_all([(n, str(d / f"{n}.hea"), kw) for n in names], processes)
    errs, msg = _summ_errors(out)
    ok = [(k, r) for k, r, e, _ in out if r is not None]
    if not ok:
        return {"available": False, "note": msg or "no record analysed"}
    tp = fn = tn = fp = tp30 = af30 = 0.0
    for k, r in ok:
        hdr = wfdb.rdheader(str(d / k))
        n = hdr.sig_len
        fs = float(hdr.fs)
        truth = _af_mask_from_ann(wfdb.rdann(str(d / k), "atr"), n)
        pred = np.zeros(n, dtype=bool)
        pat = re.compile(ALIASES["AF"], re.IGNORECASE)
        for f in r.get("findings") or []:
            if pat.search(str(f.get("code", ""))):
                a = 0 if f.get("start_s") is None else int(f["start_s"] * fs)
                b = n if f.get("end_s") is None else int(f["end_s"] * fs)
                pred[max(a, 0):max(min(b, n), 0)] = True
        tp += np.sum(truth & pred) / fs
        fn += np.sum(truth & ~pred) / fs
        # AF time inside reference episodes of >= 30 s, the ESC 2020 diagnostic length
        edges = np.diff(np.r_[0, truth.astype(np.int8), 0])
        long_ = np.zeros(n, bool)
        for a_, b_ in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)):
            long_[a_:b_] = (b_ - a_) / fs >= 30.0
        tp30 += np.sum(long_ & pred) / fs
        af30 += np.sum(long_) / fs
        fp += np.sum(~truth & pred) / fs
        tn += np.sum(~truth & ~pred) / fs
    return {"available": True, "n": len(ok), "af_hours": (tp + fn) / 3600, "non_af_hours": (tn + fp) / 3600,
            "se": 100 * tp / max(tp + fn, 1e-9) if tp + fn > 0 else float("nan"),
            "sp": 100 * tn / max(tn + fp, 1e-9), "note": msg, "fp_s": fp,
            "se_30s": 100 * tp30 / af30 if af30 > 0 else float("nan"), "af_share_30s": 100 * af30 / max(tp + fn, 1e-9),
            "s_per_record": float(np.mean([t for *_, t in out]))}


def af_prescreen(data_dir, *, limit=None):
    """Does the RR pre-screen of `afmodel.af_episodes_model` lose an AF window?

    On the CinC 2017 AF records and the CPSC 2021 recordings, each record is analysed and its
    windows scanned once with the pre-screen and once with the model computed on every readable
    window (prescreen=0); the AF windows must agree. Also counts the CinC strips the resting-strip
    model calls AF whose `frac_dev_10pct` is below the pre-screen.
    """
    import warnings

    import ecgsignal
    from ecgsignal import afmodel
    d = Path(data_dir) / "cinc2017"
    with open(d / "REFERENCE.csv") as f:
        cinc = [d / f"{row[0]}.hea" for row in csv.reader(f)
                if len(row) >= 2 and row[1] == "A" and (d / f"{row[0]}.hea").exists()]
    cinc = cinc[:limit] if limit else cinc
    cpsc = sorted((Path(data_dir) / "cpsc2021").glob("*.hea"))
    m = afmodel.load_model()
    res = {"available": True, "strips_pos": 0, "strips_below": 0, "min_frac_dev_pos": float("inf")}
    for tag, paths in (("cinc", cinc), ("cpsc", cpsc)):
        lost = windows = af_windows = screened = 0
        for path in paths:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                rec = ecgsignal.read_record(str(path))
                a = ecgsignal.analyze(rec)
                kw = dict(lead_names=rec.lead_names)
                s1 = afmodel.af_episodes_model(rec.signal_mv, rec.fs, a.beats, **kw)
                s0 = afmodel.af_episodes_model(rec.signal_mv, rec.fs, a.beats, prescreen=0.0, **kw)
            windows += s0.af_window.size
            screened += int(s1.screened.sum())
            af_windows += int(s0.af_window.sum())
            lost += int((s0.af_window & ~s1.af_window).sum())
            if tag == "cinc" and a.af_model and np.isfinite(a.af_model["probability"]) \
                    and a.af_model["probability"] >= m["threshold"]:
                fd = a.af_model["features"]["frac_dev_10pct"]
                res["strips_pos"] += 1
                res["min_frac_dev_pos"] = min(res["min_frac_dev_pos"], fd)
                res["strips_below"] += int(fd < afmodel.AF_PRESCREEN_FRAC_DEV)
        res[tag] = {"n": len(paths), "windows": windows, "screened": screened, "af_windows": af_windows,
                    "lost": lost}
    return res


# ----------------------------------------------------------------------------- waves
def _parse_boundaries(ann):
    """From '(' peak ')' triples: list of (kind, onset or None, peak, offset or None)."""
    sym, smp = list(ann.symbol), list(ann.sample)
    out = []
    for i, s in enumerate(sym):
        if s in ("p", "N", "t"):
            on = smp[i - 1] if i > 0 and sym[i - 1] == "(" else None
            off = smp[i + 1] if i + 1 < len(sym) and sym[i + 1] == ")" else None
            out.append((s, on, smp[i], off))
    return out


#: LUDB marks every wave in each of the 12 leads (one annotation file per lead).
LUDB_LEADS = ("i", "ii", "iii", "avr", "avl", "avf", "v1", "v2", "v3", "v4", "v5", "v6")


def _beat_refs(marks, pk, fs):
    """Manual boundaries of the beat whose QRS peak is at `pk`: its QRS (peak within 100 ms), the last
    P peaked in the 400 ms before, the first T peaked in the 700 ms after (None where not marked)."""
    qrs = [m for m in marks if m[0] == "N" and abs(m[2] - pk) < 0.1 * fs]
    q = min(qrs, key=lambda m: abs(m[2] - pk)) if qrs else None
    ps = [m for m in marks if m[0] == "p" and pk - 0.4 * fs < m[2] < pk]
    ts = [m for m in marks if m[0] == "t" and pk < m[2] < pk + 0.7 * fs]
    return {"qrs_on": q[1] if q else None, "qrs_off": q[3] if q else None,
            "p_on": ps[-1][1] if ps else None, "p_off": ps[-1][3] if ps else None,
            "t_off": ts[0][3] if ts else None}


def _global_refs(lead_marks, pk, fs):
    """Global (multi-lead) boundaries: earliest onset and latest offset over the leads that mark the
    wave, the definition the CSE referees and the AHA use (Willems JL et al. J Am Coll Cardiol
    1985;6:1313-21; Kligfield P et al. Circulation 2007;115:1306-24)."""
    per = [_beat_refs(m, pk, fs) for m in lead_marks]
    out = {}
    for name in CSE_TOL_MS:
        v = [p[name] for p in per if p[name] is not None]
        out[name] = (min(v) if name.endswith("_on") else max(v)) if v else None
    return out


def _wave_errors(res, marks, fs, *, lead_marks=None):
    """Signed errors (ms) of our boundaries vs manual marks, per boundary name.

    `marks` give the annotated beats (QRS peaks); with `lead_marks` (one list of marks per lead) the
    reference of each boundary is the global one over those leads (`_global_refs`), else the one of
    `marks` itself.
    """
    beats = np.asarray((res.get("beats") or {}).get("sample") or [], dtype=float)
    waves = res.get("waves") or {}
    errs = {k: [] for k in CSE_TOL_MS}
    errs["p_found"] = []  # (P marked, P found) per matched beat: detection, which the errors do not show
    if beats.size == 0 or not marks:
        return errs
    first_mark = min(m[1] if m[1] is not None else m[2] for m in marks)
    for kind, _, pk, _ in marks:
        if kind != "N":
            continue
        j = int(np.argmin(np.abs(beats - pk)))
        if abs(beats[j] - pk) > 0.15 * fs:
            continue
        refs = _global_refs(lead_marks, pk, fs) if lead_marks else _beat_refs(marks, pk, fs)
        p_ours = waves.get("p_on") or []
        # a P wave before the first mark is unannotated, not absent (LUDB leaves the first beat's P out)
        if pk - 0.4 * fs >= first_mark:
            errs["p_found"].append((refs["p_on"] is not None, j < len(p_ours) and p_ours[j] is not None))
        for name, ref in refs.items():
            vals = waves.get(name)
            if ref is None or not vals or j >= len(vals) or vals[j] is None:
                continue
            errs[name].append(1000.0 * (vals[j] - ref) / fs)
    return errs


def _worst_records(per_record, name, mean, k=3):
    """The `k` records holding the largest shares of the squared deviations of boundary `name`."""
    sq = {rec: float(np.sum((np.asarray(e[name]) - mean) ** 2)) for rec, e in per_record.items() if e[name]}
    total = sum(sq.values()) or 1.0
    top = sorted(sq, key=sq.get, reverse=True)[:k]
    return [(rec, 100.0 * sq[rec] / total, float(np.mean(per_record[rec][name])), len(per_record[rec][name]))
            for rec in top]


def _wave_summary(per_record, n_ok, msg):
    rows = {}
    for name, tol in CSE_TOL_MS.items():
        e = np.asarray([v for errs in per_record.values() for v in errs[name]])
        if e.size:
            rows[name] = {"n": int(e.size), "mean": float(e.mean()), "sd": float(e.std()), "tol": tol,
                          "met": bool(abs(e.mean()) <= 5.0 and e.std() <= tol),
                          "worst": _worst_records(per_record, name, float(e.mean()))}
        else:
            rows[name] = {"n": 0, "mean": float("nan"), "sd": float("nan"), "tol": tol, "met": False, "worst": []}
    if all(r["n"] == 0 for r in rows.values()):
        msg = (msg + " " if msg else "") + "analyze() returned no wave boundaries (all null) for these records."
    found = [f for errs in per_record.values() for f in errs.get("p_found", [])]
    tp = sum(1 for m, f in found if m and f)
    fn = sum(1 for m, f in found if m and not f)
    fp = sum(1 for m, f in found if f and not m)
    if found:
        msg = (msg + " " if msg else "") + (
            f"P wave detection on the matched beats: Se {100 * tp / max(tp + fn, 1):.1f} % ({tp}/{tp + fn} marked P "
            f"found), +P {100 * tp / max(tp + fp, 1):.1f} % ({fp} found where none is marked).")
    return {"available": True, "n": n_ok, "rows": rows, "note": msg}


def _score_boundaries(folder: Path, names, ann_ext: str, default_fs: float, processes: int, *, lead_exts=None):
    """Run analyze() on each record and pool its boundary errors against the `ann_ext` marks
    (against the global boundaries over the `lead_exts` marks when given)."""
    out = _run_all([(n, str(folder / f"{n}.hea"), {}) for n in names], processes)
    _, msg = _summ_errors(out)
    ok = [(k, r) for k, r, e, _ in out if r is not None]
    if not ok:
        return {"available": False, "note": msg or "no record analysed"}
    per_record = {}
    for k, r in ok:
        marks = _parse_boundaries(wfdb.rdann(str(folder / k), ann_ext))
        lead_marks = [_parse_boundaries(wfdb.rdann(str(folder / k), x)) for x in lead_exts] if lead_exts else None
        per_record[k] = _wave_errors(r, marks, float(r.get("fs") or default_fs), lead_marks=lead_marks)
    return _wave_summary(per_record, len(ok), msg)


def ludb(data_dir, *, limit=None, processes=2, lead="ii", global_reference=False):
    """LUDB boundaries against the marks of `lead`, or (`global_reference`) against the global
    boundaries over all 12 leads' marks, the CSE convention for multi-lead programs."""
    d = Path(data_dir) / "ludb"
    names = sorted((p.stem for p in d.glob("*.hea")), key=lambda s: int(s) if s.isdigit() else 0)
    return _score_boundaries(d, names[:limit] if limit else names, lead, 500.0, processes,
                             lead_exts=LUDB_LEADS if global_reference else None)


def qtdb(data_dir, *, limit=None, processes=2):
    """QTDB boundaries against the first annotator's marks (`q1c`); the annotators placed one set of
    boundaries per beat looking at both leads (Laguna P et al. Computers in Cardiology 1997;24:673-6),
    so these are two-lead global boundaries."""
    d = Path(data_dir) / "qtdb"
    names = sorted(p.stem for p in d.glob("*.q1c"))
    return _score_boundaries(d, names[:limit] if limit else names, "q1c", 250.0, processes)


# ----------------------------------------------------------------------------- PTB-XL
def ptbxl(data_dir, *, limit=None, processes=2):
    d = Path(data_dir) / "ptbxl"
    mi_codes = set()
    with open(d / "scp_statements.csv") as f:
        rows = list(csv.reader(f))
    head = rows[0]
    icls = head.index("diagnostic_class") if "diagnostic_class" in head else None
    for row in rows[1:]:
        if icls is not None and len(row) > icls and row[icls] == "MI":
            mi_codes.add(row[0])
    items = []
    with open(d / "ptbxl_database.csv") as f:
        for row in csv.DictReader(f):
            path = d / (row["filename_hr"] + ".hea")
            if not path.exists():
                continue
            codes = set(ast.literal_eval(row["scp_codes"]).keys())
            age = float(row["age"]) if row["age"] else None
            if age is not None and age > 120:  # PTB-XL codes ages above 89 as 300
                age = 90.0
            sex = {"0": "M", "1": "F", "0.0": "M", "1.0": "F"}.get(row["sex"])
            items.append((row["ecg_id"], str(path), {"age": age, "sex": sex}, codes))
    items = items[:limit] if limit else items
    out = _run_all([(k, p, kw) for k, p, kw, _ in items], processes)
    errs, msg = _summ_errors(out)
    res = {k: r for k, r, e, _ in out if r is not None}
    if not res:
        return {"available": False, "note": msg or "no record analysed"}
    truth_of = {
        "AFIB": lambda c: "AFIB" in c or "AFLT" in c,
        "SBRAD": lambda c: "SBRAD" in c,
        "STACH": lambda c: "STACH" in c,
        "1AVB": lambda c: "1AVB" in c,
        "CLBBB/CRBBB (wide QRS)": lambda c: "CLBBB" in c or "CRBBB" in c,
        "MI": lambda c: bool(c & mi_codes),
    }
    pred_of = {"AFIB": "AF", "SBRAD": "SBRAD", "STACH": "STACH", "1AVB": "1AVB",
               "CLBBB/CRBBB (wide QRS)": "WIDE_QRS", "MI": "MI"}
    table = {}
    for cond, truth in truth_of.items():
        tp = fn = fp = tn = 0
        for k, _, _, codes in items:
            if k not in res:
                continue
            t = truth(codes)
            p = _has(_codes(res[k]), pred_of[cond])
            tp += t and p
            fn += t and not p
            fp += (not t) and p
            tn += (not t) and (not p)
        table[cond] = {"pos": tp + fn, "se": 100 * tp / max(tp + fn, 1), "sp": 100 * tn / max(tn + fp, 1)}
    codes = sorted({c for r in res.values() for c in _codes(r)})
    return {"available": True, "n": len(res), "table": table, "note": msg, "codes": codes}


# ----------------------------------------------------------------------------- PTB-XL statements
#: PTB-XL SCP code(s) -> our statement code(s), one row of the confusion table each.
#: Truth is any listed SCP code among the record's `scp_codes` keys (as the findings
#: table above); "MI" and "STTC" use `scp_statements.csv`'s diagnostic classes.
STATEMENT_ROWS = [
    ("AF or flutter", {"AFIB", "AFLT"}, {"AFIB", "AFL"}),
    ("sinus rhythm (SR, SBRAD, STACH, SARRH)", {"SR", "SBRAD", "STACH", "SARRH"},
     {"SR", "SB", "SB_MARKED", "STACH", "SARRH"}),
    ("sinus bradycardia", {"SBRAD"}, {"SB", "SB_MARKED"}),
    ("sinus tachycardia", {"STACH"}, {"STACH"}),
    ("sinus arrhythmia", {"SARRH"}, {"SARRH"}),
    ("first-degree AV block", {"1AVB"}, {"1AVB"}),
    ("complete LBBB", {"CLBBB"}, {"CLBBB"}),
    ("complete RBBB", {"CRBBB"}, {"CRBBB"}),
    ("incomplete RBBB", {"IRBBB"}, {"IRBBB"}),
    ("LAFB", {"LAFB"}, {"LAFB"}),
    ("LPFB", {"LPFB"}, {"LPFB"}),
    ("IVCD", {"IVCD"}, {"IVCD"}),
    ("WPW", {"WPW"}, {"WPW"}),
    ("LVH", {"LVH"}, {"LVH", "LVH_STRAIN"}),
    ("RVH", {"RVH"}, {"RVH"}),
    ("right atrial enlargement", {"RAO/RAE"}, {"RAE"}),
    ("left atrial enlargement", {"LAO/LAE"}, {"LAE"}),
    ("low voltage", {"LVOLT"}, {"LOW_VOLT"}),
    ("long QT", {"LNGQT"}, {"LONG_QT"}),
    ("PVC", {"PVC"}, {"PVC"}),
    ("paced rhythm", {"PACE"}, {"PACED_A", "PACED_V", "PACED_AV"}),
    ("infarction (any MI statement)", "MI", {"IMI_OLD", "ASMI_OLD", "AMI_OLD", "LMI_OLD", "STEMI", "POSTERIOR_MI"}),
    ("inferior MI (IMI, ILMI, IPLMI, IPMI)", {"IMI", "ILMI", "IPLMI", "IPMI"}, {"IMI_OLD"}),
    ("anteroseptal MI (ASMI)", {"ASMI"}, {"ASMI_OLD"}),
    ("anterior MI (AMI, ALMI)", {"AMI", "ALMI"}, {"AMI_OLD"}),
    ("lateral MI (LMI, ALMI, ILMI)", {"LMI", "ALMI", "ILMI"}, {"LMI_OLD"}),
    ("ST-T change (STTC class)", "STTC", {"ST_DEP", "TINV", "T_FLAT", "LVH_STRAIN", "STEMI", "POSTERIOR_MI"}),
    ("nonspecific T (NDT) vs flat T", {"NDT"}, {"T_FLAT"}),
]


def _confusion(items, res, truth_fn, pred_fn):
    tp = fn = fp = tn = 0
    for k, codes in items:
        if k not in res:
            continue
        t, p = truth_fn(codes), pred_fn(res[k])
        tp += t and p
        fn += t and not p
        fp += (not t) and p
        tn += (not t) and (not p)
    return {"tp": tp, "fn": fn, "fp": fp, "tn": tn, "pos": tp + fn,
            "se": 100 * tp / (tp + fn) if tp + fn else float("nan"),
            "sp": 100 * tn / (tn + fp) if tn + fp else float("nan"),
            "ppv": 100 * tp / (tp + fp) if tp + fp else float("nan")}


def _statement_codes(res):
    return {s.get("code") for s in ((res.get("interpretation") or {}).get("statements") or [])}


def ptbxl_statements(data_dir, *, limit=None, processes=2):
    """Per-statement confusion tables of `Analysis.interpretation` against PTB-XL SCP codes."""
    d = Path(data_dir) / "ptbxl"
    cls = {}
    with open(d / "scp_statements.csv") as f:
        rows = list(csv.reader(f))
    head = rows[0]
    icls = head.index("diagnostic_class") if "diagnostic_class" in head else None
    for row in rows[1:]:
        if icls is not None and len(row) > icls and row[icls]:
            cls.setdefault(row[icls], set()).add(row[0])
    items, jobs = [], []
    with open(d / "ptbxl_database.csv") as f:
        for row in csv.DictReader(f):
            path = d / (row["filename_hr"] + ".hea")
            if not path.exists():
                continue
            codes = set(ast.literal_eval(row["scp_codes"]).keys())
            age = float(row["age"]) if row["age"] else None
            if age is not None and age > 120:  # PTB-XL codes ages above 89 as 300
                age = 90.0
            sex = {"0": "M", "1": "F", "0.0": "M", "1.0": "F"}.get(row["sex"])
            items.append((row["ecg_id"], codes))
            jobs.append((row["ecg_id"], str(path), {"age": age, "sex": sex}))
    items, jobs = (items[:limit], jobs[:limit]) if limit else (items, jobs)
    out = _run_all(jobs, processes)
    _, msg = _summ_errors(out)
    res = {k: r for k, r, e, _ in out if r is not None}
    if not res:
        return {"available": False, "note": msg or "no record analysed"}
    table = {}
    for name, truth, pred in STATEMENT_ROWS:
        tset = cls.get(truth, set()) if isinstance(truth, str) else truth
        table[name] = _confusion(items, res, lambda c, t=tset: bool(c & t),
                                 lambda r, p=pred: bool(_statement_codes(r) & p))
    # overall class: PTB-XL NORM against ours (normal or borderline = not abnormal)
    overall = {}
    for k, codes in items:
        if k not in res:
            continue
        o = (res[k].get("interpretation") or {}).get("overall", "none")
        key = ("NORM" if "NORM" in codes else "not NORM", o)
        overall[key] = overall.get(key, 0) + 1
    agree = sum(n for (t, o), n in overall.items()
                if (t == "NORM") == (o in ("normal", "borderline")) and o != "uninterpretable")
    table["normal (NORM) vs not"] = _confusion(items, res, lambda c: "NORM" in c,
                                               lambda r: (r.get("interpretation") or {}).get("overall")
                                               in ("normal", "borderline"))
    seen = sorted({c for r in res.values() for c in _statement_codes(r) if c})
    times = [t for *_, t in out]
    qfrac = {k: float(np.mean(np.asarray((r.get("beats") or {}).get("label") or ["N"]) == "Q")) for k, r in res.items()}
    worst_q = max(qfrac.items(), key=lambda kv: kv[1]) if qfrac else ("", 0.0)
    return {"available": True, "n": len(res), "table": table, "overall": overall,
            "agreement": 100 * agree / max(len(res), 1), "note": msg, "codes": seen,
            "q_half": sum(v > 0.5 for v in qfrac.values()), "q_all": sum(v == 1.0 for v in qfrac.values()),
            "q_worst": worst_q,
            "s_per_record": float(np.mean(times))}


def safe(fn, *args, **kw):
    """Run a section; any crash of the section itself becomes 'not available' with the reason."""
    ok, why = analyze_available()
    if not ok:
        return {"available": False, "note": why}
    try:
        return fn(*args, **kw)
    except Exception as exc:
        return {"available": False, "note": f"section failed: {type(exc).__name__}: {exc}",
                "trace": traceback.format_exc(limit=3)}
