"""Fit the AF model of `ecgsignal.afmodel` on the development data, with record-level cross-validation.

``python -m bench.af_model --data ../shared/data`` reads CinC 2017 A00001-A04000 (the development
records; `REFERENCE.csv`: A = AF against N, O and ~), runs ``ecgsignal.analyze`` on each (with the
shipped model switched off, so the RR rule's decisions are recorded too), fits an L2-regularised
logistic regression on `ecgsignal.afmodel.FEATURES`, and estimates its F1 by stratified 10-fold
cross-validation over records (each record in exactly one test fold; the decision threshold is
chosen on the training folds only). It writes the model to
``signal/ecgsignal/models/af_logreg_v2.json`` only when its cross-validated F1 beats the RR rule's
F1 on the same records; the figures go to ``bench/af_model.md`` either way.
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import sys
import warnings
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
VERSION = "af_logreg_v2"
#: The features of af_logreg_v1 (cross-validated again for comparison).
V1_FEATURES = ("irr_lag1", "irr_lag2", "irr_lag3", "rr_cv", "frac_dev_10pct", "frac_regular_5pct", "log_rate",
               "p_consistency", "p_present", "frac_ectopic", "f_wave_rel", "f_wave_peak", "cosen",
               "turning_points", "sd1_sd2")
REPEATS = 5       # cross-validation repeated with 5 fold draws (seeds SEED .. SEED + 4)
L2 = 1.0          # ridge penalty on the standardised coefficients (not tuned)
FOLDS = 10
SEED = 20261130


def _features(args):
    name, path = args
    sys.path.insert(0, str(ROOT / "signal"))
    import ecgsignal
    from ecgsignal import afmodel
    afmodel.load_model.cache_clear()
    afmodel.MODEL_FILE = Path("/nonexistent")          # the RR rule decides; features are unaffected
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            a = ecgsignal.analyze(ecgsignal.read_record(path))
    except Exception as exc:  # noqa: BLE001
        return name, None, False, f"{type(exc).__name__}: {exc}"
    rule = any(f.code == "AF" for f in a.findings)
    feats = None if a.af_model is None else dict(a.af_model["features"], _veto=a.af_model["p_state"] is True)
    return name, feats, rule, None


def _fit(X, y, l2=L2, iters=50):
    """Newton-Raphson (IRLS) for L2-regularised logistic regression; returns (intercept, coef)."""
    n, k = X.shape
    A = np.c_[np.ones(n), X]
    w = np.zeros(k + 1)
    reg = np.r_[0.0, np.full(k, l2)]
    for _ in range(iters):
        p = 1 / (1 + np.exp(-A @ w))
        g = A.T @ (p - y) + reg * w
        H = (A * (p * (1 - p))[:, None]).T @ A + np.diag(reg)
        step = np.linalg.solve(H, g)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return float(w[0]), w[1:]


def _prep(F):
    impute = np.nanmedian(F, axis=0)
    X = np.where(np.isfinite(F), F, impute)
    mean, scale = X.mean(axis=0), X.std(axis=0)
    scale[scale == 0] = 1.0
    return impute, mean, scale


def _apply(F, impute, mean, scale, b, w):
    X = (np.where(np.isfinite(F), F, impute) - mean) / scale
    return 1 / (1 + np.exp(-(b + X @ w)))


def _best_threshold(p, y):
    cand = np.unique(np.round(p, 3))
    f1 = [_f1(p >= c, y)[0] for c in cand]
    return float(cand[int(np.argmax(f1))])


def _f1(pred, y):
    tp = int(np.sum(pred & (y == 1)))
    fp = int(np.sum(pred & (y == 0)))
    fn = int(np.sum(~pred & (y == 1)))
    f1 = 2 * tp / max(2 * tp + fp + fn, 1)
    return f1, tp, fp, fn


def _folds(y, k, seed):
    rng = np.random.default_rng(seed)
    fold = np.empty(y.size, int)
    for cls in (0, 1):
        idx = np.flatnonzero(y == cls)
        rng.shuffle(idx)
        fold[idx] = np.arange(idx.size) % k
    return fold


def _cross_validate(F, y, veto, fold):
    """Pooled held-out decisions and per-fold F1; imputation, scaling, fit and threshold from the training folds only."""
    pred = np.zeros(y.size, bool)
    fold_f1 = []
    for k in range(int(fold.max()) + 1):
        tr, te = fold != k, fold == k
        imp, mu, sd = _prep(F[tr])
        b, w = _fit((np.where(np.isfinite(F[tr]), F[tr], imp) - mu) / sd, y[tr])
        thr = _best_threshold(np.where(veto[tr], 0.0, _apply(F[tr], imp, mu, sd, b, w)), y[tr])
        pred[te] = (_apply(F[te], imp, mu, sd, b, w) >= thr) & ~veto[te]
        fold_f1.append(_f1(pred[te], y[te])[0])
    return pred, fold_f1


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m bench.af_model", description=__doc__)
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--limit", type=int, default=None, help="first N records only (quick check)")
    ap.add_argument("--no-write", action="store_true", help="do not write the model file")
    ap.add_argument("--cache", default=None, help="features file (.npz): read if present, else written")
    a = ap.parse_args(argv)
    sys.path.insert(0, str(ROOT / "signal"))
    from ecgsignal import afmodel

    d = Path(a.data) / "cinc2017"
    ref = {}
    with open(d / "REFERENCE.csv") as f:
        for row in csv.reader(f):
            if len(row) >= 2 and (d / f"{row[0]}.hea").exists():
                ref[row[0]] = row[1]
    names = sorted(ref)[:a.limit] if a.limit else sorted(ref)
    if a.cache and Path(a.cache).exists():
        c = np.load(a.cache, allow_pickle=False)
        assert tuple(c["features"]) == afmodel.FEATURES, "stale feature cache"
        ok_names, F, rule, veto, n_err = list(c["names"]), c["F"], c["rule"], c["veto"], int(c["n_err"])
    else:
        jobs = [(n, str(d / f"{n}.hea")) for n in names]
        with ProcessPoolExecutor(a.jobs) as ex:
            out = list(ex.map(_features, jobs, chunksize=16))
        ok = [(n, f, r) for n, f, r, e in out if f is not None]
        n_err = sum(1 for *_, e in out if e)
        ok_names = [n for n, _, _ in ok]
        F = np.array([[f[k] for k in afmodel.FEATURES] for _, f, _ in ok], float)
        rule = np.array([r for *_, r in ok], bool)
        # a P wave that every beat repeats vetoes AF in analyze() (ESC 2020 definition), model or rule
        veto = np.array([bool(f["_veto"]) for _, f, _ in ok])
        if a.cache:
            np.savez(a.cache, names=ok_names, F=F, rule=rule, veto=veto, n_err=n_err,
                     features=list(afmodel.FEATURES))
    y = np.array([1 if ref[n] == "A" else 0 for n in ok_names])
    labels = np.array([ref[n] for n in ok_names])
    # the RR rule on the same records
    rule_f1 = _f1(rule, y)
    # record-level stratified cross-validation: the v2 features, and for comparison the v1 ones
    v1_cols = [afmodel.FEATURES.index(k) for k in V1_FEATURES]
    pred_cv, fold_f1 = _cross_validate(F, y, veto, _folds(y, FOLDS, SEED))
    cv = _f1(pred_cv, y)
    cv_v1 = _f1(_cross_validate(F[:, v1_cols], y, veto, _folds(y, FOLDS, SEED))[0], y)
    # the same cross-validation repeated with other fold draws: how much of the figure is the split
    cv_rep = [_f1(_cross_validate(F, y, veto, _folds(y, FOLDS, SEED + i))[0], y)[0] for i in range(1, REPEATS)]
    cv_rep = [cv[0]] + cv_rep
    fp_by_class = {c: int(np.sum(pred_cv & (labels == c))) for c in ("N", "O", "~")}
    # final model on all development records
    imp, mu, sd = _prep(F)
    b, w = _fit((np.where(np.isfinite(F), F, imp) - mu) / sd, y)
    p_fit = np.where(veto, 0.0, _apply(F, imp, mu, sd, b, w))
    thr = _best_threshold(p_fit, y)
    fit = _f1(p_fit >= thr, y)

    def row(name, r):
        f1, tp, fp, fn = r
        return (f"| {name} | {f1:.3f} | {100 * tp / max(tp + fn, 1):.1f} | {100 * tp / max(tp + fp, 1):.1f} | "
                f"{tp} | {fp} | {fn} |")

    better = cv[0] > rule_f1[0]
    lines = [f"# AF model {VERSION} (`python -m bench.af_model`)", "",
             f"{dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC. CinC 2017 development records "
             f"{names[0]}-{names[-1]}: {len(ok_names)} analysed ({int(y.sum())} AF), {n_err} failed. "
             f"L2-regularised logistic regression (penalty {L2} on standardised features), stratified "
             f"{FOLDS}-fold cross-validation over records (seed {SEED}); the threshold is chosen on the "
             "training folds (maximum F1) and applied to the held-out fold. As in `analyze`, a P wave that every beat "
             f"repeats vetoes AF ({int(veto.sum())} records).", "",
             "| decision | F1 (A vs rest) | Se % | +P % | TP | FP | FN |", "|---|---|---|---|---|---|---|",
             row("RR rule (`rhythm.af_episodes`, no model)", rule_f1),
             row(f"v1 features ({len(V1_FEATURES)}), cross-validated", cv_v1),
             row(f"**{VERSION}** ({len(afmodel.FEATURES)} features), cross-validated (pooled over folds; "
                 f"per fold {min(fold_f1):.3f}-{max(fold_f1):.3f})", cv),
             row(f"{VERSION}, fitted on all records (optimistic)", fit), "",
             f"Cross-validated F1 over {REPEATS} fold draws: " + ", ".join(f"{v:.3f}" for v in cv_rep)
             + f" (mean {np.mean(cv_rep):.3f}). False positives of the cross-validated model by reference class: "
             + ", ".join(f"{k} {v}" for k, v in fp_by_class.items()) + ".", "",
             "| feature | coefficient (standardised) |", "|---|---|"]
    lines += [f"| {k} | {c:+.3f} |" for k, c in zip(afmodel.FEATURES, w)]
    lines += ["", f"Intercept {b:+.3f}, threshold {thr:.3f}. "
              + ("Cross-validated F1 beats the RR rule: the model is shipped." if better else
                 "Cross-validated F1 does not beat the RR rule: no model file is written.")]
    text = "\n".join(lines) + "\n"
    print(text)
    (ROOT / "bench" / "af_model.md").write_text(text)
    model_file = afmodel.MODEL_FILE
    if better and not a.no_write and not a.limit:
        model_file.parent.mkdir(exist_ok=True)
        model = {"version": VERSION, "kind": "logistic regression (L2)", "script": "python -m bench.af_model",
                 "trained_on": f"CinC 2017 {names[0]}-{names[-1]} (A vs N, O, ~)", "n_records": int(len(ok_names)),
                 "n_af": int(y.sum()), "features": list(afmodel.FEATURES), "impute": imp.tolist(),
                 "mean": mu.tolist(), "scale": sd.tolist(), "coef": w.tolist(), "intercept": b,
                 "threshold": thr, "l2": L2,
                 "cv": {"folds": FOLDS, "seed": SEED, "f1": cv[0], "tp": cv[1], "fp": cv[2], "fn": cv[3],
                        "f1_repeats": cv_rep},
                 "fitted": {"f1": fit[0], "tp": fit[1], "fp": fit[2], "fn": fit[3]},
                 "rr_rule": {"f1": rule_f1[0], "tp": rule_f1[1], "fp": rule_f1[2], "fn": rule_f1[3]}}
        model_file.write_text(json.dumps(model, indent=1) + "\n")
        print(f"wrote {model_file}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
