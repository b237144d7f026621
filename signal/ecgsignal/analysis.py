"""`analyze`: the whole pipeline from a Record to an Analysis (findings, measurements, priority)."""
from __future__ import annotations

import dataclasses
import time

import numpy as np

from . import afmodel, atrial, filters, measure, rhythm, statements, triage
from . import st as st_mod
from . import waves as waves_mod
from .beats import detect_beats
from .quality import READABLE, butter_sos, signal_quality, sosfiltfilt
from .types import Analysis, Finding, Measurements, Record, Waves

__all__ = ["analyze", "ALGORITHM_VERSION"]

#: Version of the analysis as a whole; stored with every result by the web app.
ALGORITHM_VERSION = "ecgsignal-0.4.0"

#: AF in recordings over 60 s: "model" (`afmodel.af_episodes_model`) or "rr" (`rhythm.af_episodes`).
LONG_AF = "rr"

#: Records up to this long are filtered as a whole (and delineated); longer
#: ones are processed chunk-wise without a full-length filtered copy.
_SHORT_S = 600.0

_QUALITY_TEXT = {
    "missing": "signal missing",
    "flat": "flat line (electrode off or not connected?)",
    "clipped": "signal clipped (amplitude beyond the recorder's range)",
    "noise": "too noisy to read (muscle tremor or movement?)",
}


def analyze(record: Record, *, age=None, sex=None, mains_hz=50.0) -> Analysis:
    """Analyse an ECG record: beats, rate, rhythm, intervals, ST, quality, triage.

    Parameters
    ----------
    record : Record
        From `read_record` (float32 mV, any number of leads).
    age : float, optional
        Patient age in years (used for the sex- and age-specific STEMI limits
        in V2-V3).
    sex : {'M', 'F'}, optional
        Patient sex.
    mains_hz : float, optional
        Power-line frequency to notch out (50 Hz in China).

    Returns
    -------
    Analysis
        ``to_dict()`` gives the JSON shape the web app stores.

    Notes
    -----
    1. Signal quality per lead in 2-s windows (`ecgsignal.quality`).
    2. Baseline removal (0.5 Hz) and power-line notch (`ecgsignal.filters`).
    3. Beats on all readable leads (`ecgsignal.beats.detect_beats`).
    4. RR intervals spanning unreadable signal are set aside; pauses whose
       gap holds QRS-sized deflections (missed beats) are set aside too.
    5. Rate, HRV and rhythm findings (`ecgsignal.rhythm`), 12-lead intervals
       and axis (`ecgsignal.waves`), ST deviation (`ecgsignal.st`). Records
       longer than 10 minutes get their median-beat measurements from their
       first fully readable minute, and per-beat boundaries from one median
       beat per 5-min chunk. Over 60 s, AF episodes come from the RR rule,
       or from the AF model on 30-s windows when `LONG_AF` is "model".
    6. Resting strips (up to 60 s): the AF model (`ecgsignal.afmodel`) decides AF;
       pacemaker stimuli (`ecgsignal.measure.pacing_spikes`), and when most beats
       are ventricular-paced AF and long QTc are not called
       (`_ventricular_pacing_dominates`);
       the per-lead median-beat table (`ecgsignal.measure`), flutter waves
       (`ecgsignal.atrial`) and the interpretive statements with their overall
       class (`ecgsignal.statements`) fill `lead_measurements` and
       `interpretation`.
    7. Priority from the findings and statements (`ecgsignal.triage`).

    Examples
    --------
    >>> from ecgsignal import read_record, analyze           # doctest: +SKIP
    >>> a = analyze(read_record("tests/fixtures/mitdb_100_60s.hea"))  # doctest: +SKIP
    >>> a.priority, round(a.heart_rate_bpm)                 # doctest: +SKIP
    ('routine', 76)
    """
    if not isinstance(record, Record):
        raise TypeError("`record` must be an ecgsignal.Record (use read_record)")
    sex = _norm_sex(sex)
    timing = {}
    t_all = t = time.perf_counter()
    x = record.signal_mv
    if x.ndim != 2 or x.shape[0] == 0:
        raise ValueError("`record.signal_mv` must be a non-empty 2-D array")
    fs = float(record.fs)
    n, n_leads = x.shape
    duration_s = n / fs
    names = tuple(record.lead_names)

    quality = signal_quality(x, fs, lead_names=names)
    timing["quality"] = _lap(t)
    t = time.perf_counter()

    readable = np.flatnonzero(quality.lead_index >= 0.2)
    if readable.size == 0:
        readable = np.array([int(np.argmax(quality.lead_index))])
    short = duration_s <= _SHORT_S
    filt = None
    diag = None
    if short:
        # notch once: the notched signal feeds the delineation (no high-pass,
        # which would shift the ST segment) and, baseline-removed, the detector
        diag = x
        if mains_hz and mains_hz < fs / 2:
            diag = filters.notch_powerline(x, fs, mains_hz=mains_hz)
        filt = np.asarray(filters.remove_baseline(diag, fs, cutoff_hz=0.5), dtype=np.float32)
        src = filt[:, readable] if readable.size < n_leads else filt
    elif readable.size == 1:
        src = x[:, readable[0]:readable[0] + 1]  # a view: no copy of a long recording
    else:
        src = x  # the detector's multi-lead fusion copes with a poor lead
    timing["filter"] = _lap(t)
    t = time.perf_counter()

    beats = detect_beats(src, fs)
    del src
    timing["beats"] = _lap(t)
    t = time.perf_counter()

    r = np.asarray(beats.r_peaks, dtype=np.int64)
    rhythm_usable = _rhythm_usable(quality)
    valid_rr = _valid_intervals(r, rhythm_usable, quality.window_s, fs)
    valid_rr &= ~_false_pauses(r, x, filt, fs, quality)
    hr, window_bpm = rhythm.heart_rate(r, fs, duration_s=duration_s, valid_rr=valid_rr)
    rr = rhythm.rr_stats(r, fs, labels=beats.labels, valid_rr=valid_rr)
    timing["rr"] = _lap(t)
    t = time.perf_counter()

    def best_lead(t0, t1):
        w0 = int(t0 // quality.window_s)
        w1 = max(w0 + 1, int(np.ceil(t1 / quality.window_s)))
        q = quality.window_index[w0:w1]
        if q.size == 0:
            return None
        return names[int(np.argmax(q.mean(axis=0)))]

    wave_findings = []
    delin = None
    measurements = Measurements()
    waves = Waves(*(np.full(r.size, -1, dtype=np.int64) for _ in range(5)))
    st_mv = {}
    # Intervals and ST need a readable median beat: skip them when most of the
    # record is unreadable (measurements on noise would mislead).
    if short and filt is not None and r.size >= 2 and quality.usable.mean() >= 0.5:
        d = waves_mod.delineate(diag, fs, beats, lead_names=names, rr_s=rr.mean_s)
        measurements, waves, delin = d.measurements, d.waves, d
    elif not short and r.size >= 2:
        d = _delineate_segment(x, fs, beats, quality, names, mains_hz)
        if d is not None:
            measurements, waves, delin = d.measurements, d.waves, d
    if delin is not None:
        d = delin
        wave_findings += waves_mod.interval_findings(measurements, sex=sex, lead_names=names, median_beat=d)
        st_mv, f_st = st_mod.st_findings(d, age=age, sex=sex)
        wave_findings += f_st
    timing["waves"] = _lap(t)
    t = time.perf_counter()

    findings = rhythm.rhythm_findings(beats, duration_s=duration_s, valid_rr=valid_rr,
                                      window_bpm=window_bpm, hr=hr, best_lead=best_lead,
                                      start_time=record.start_time,
                                      p_wave=_p_wave_state(delin))
    order = np.argsort(-quality.lead_index)
    findings += rhythm.vf_findings(x, fs, lead_names=names, lead_order=order, usable=quality.usable,
                                   quality_window_s=quality.window_s, start_time=record.start_time,
                                   beats=beats)
    findings += _quality_findings(quality, duration_s, record.start_time, rhythm_usable=rhythm_usable)
    if duration_s > rhythm.RESTING_MAX_S and LONG_AF == "model" and afmodel.load_model() is not None:
        # long recordings: AF episodes from the AF model on 30-s windows replace the RR rule's
        scan = afmodel.af_episodes_model(x, fs, beats, lead_names=names, valid_rr=valid_rr, mains_hz=mains_hz)
        findings = [f for f in findings if f.code != "AF"] + afmodel.episode_findings(
            scan, beats, duration_s=duration_s, start_time=record.start_time)
    timing["rhythm"] = _lap(t)
    t = time.perf_counter()

    pacing = None
    if short and filt is not None and duration_s <= rhythm.RESTING_MAX_S and r.size >= 2:
        qrs_on = r + (delin.qrs_on - delin.r_index) if delin is not None and delin.qrs_on >= 0 else r
        pacing = measure.pacing_spikes(filt, fs, qrs_on)
    af_model = None
    if short and filt is not None and duration_s <= rhythm.RESTING_MAX_S and r.size >= 4:
        af_model = _af_model(filt, fs, beats, valid_rr, quality, names, delin)
        findings = _apply_af_model(findings, af_model, r, fs, duration_s, hr)
    if _ventricular_pacing_dominates(pacing):
        findings = [f for f in findings if f.code not in _NOT_READ_UNDER_VENTRICULAR_PACING]
        wave_findings = [f for f in wave_findings if f.code not in _NOT_READ_UNDER_VENTRICULAR_PACING]
    implausible = _amplitude_findings(quality, readable)
    if implausible:
        # ST thresholds in mm mean nothing when the units are wrong
        wave_findings = [f for f in wave_findings if f.code not in ("STEMI", "ST_DEPRESSION", "POSTERIOR_MI")]
        st_mv = {}
    findings += wave_findings + implausible

    findings = triage.sort_findings(findings)
    prio = triage.priority(findings)
    lead_meas = interp = None
    if duration_s <= rhythm.RESTING_MAX_S:
        lead_meas, interp = _interpret(delin, beats, valid_rr, hr, quality, findings, sex=sex, age=age,
                                       implausible=bool(implausible), filt=filt, names=names, pacing=pacing)
        timing["statements"] = _lap(t)
        # a statement found only by the interpretation (atrial flutter) raises the
        # priority through its triage rule (the flutter rate rule of the Zhejiang list)
        prio = triage.priority(list(findings) + list(interp.statements))
    timing["total"] = _lap(t_all)
    return Analysis(fs=fs, duration_s=duration_s, lead_names=names, beats=beats,
                    heart_rate_bpm=hr.mean_bpm, rr=rr, heart_rate=hr, findings=tuple(findings),
                    priority=prio, measurements=measurements, waves=waves, quality=quality,
                    timing_ms=timing, algorithm_version=ALGORITHM_VERSION, st_deviation_mv=st_mv,
                    lead_measurements=lead_meas, interpretation=interp, af_model=af_model)




def _af_model(filt, fs, beats, valid_rr, quality, names, delin):
    """Features and probability of the AF model (`ecgsignal.afmodel`) on a resting strip."""
    low = [n.lower() for n in names]
    good = [j for j in range(len(names)) if quality.lead_index[j] >= 0.5]
    lead = next((low.index(n) for n in afmodel.ATRIAL_LEADS if n in low and low.index(n) in good), None)
    if lead is None:
        lead = int(np.argmax(quality.lead_index))
    p_state = _p_wave_state(delin)
    feats = afmodel.af_features(filt[:, lead], fs, beats.r_peaks, labels=beats.labels, valid_rr=valid_rr,
                                p_consistency=getattr(delin, "p_consistency", np.nan) if delin is not None else np.nan,
                                p_present=None if delin is None else bool(delin.p_on >= 0))
    model = afmodel.load_model()
    prob = afmodel.af_probability(feats, model)
    return {"features": feats, "probability": prob, "p_state": p_state,
            "threshold": None if model is None else model["threshold"],
            "version": None if model is None else model["version"]}


def _apply_af_model(findings, af_model, r, fs, duration_s, hr):
    """On resting strips the fitted AF model, when shipped, decides AF (it replaces the RR rule there)."""
    p, thr = af_model["probability"], af_model["threshold"]
    if thr is None or not np.isfinite(p):
        return findings
    has_af = any(f.code == "AF" for f in findings)
    # AF is irregular RR "with no distinct repeating P waves" (ESC_AF_2020): a P wave
    # every beat repeats vetoes the model as it vetoes the RR rule (`P_CONSISTENT`)
    if p < thr or af_model["p_state"] is True:
        return [f for f in findings if f.code != "AF"]
    if has_af:
        return findings
    rate = hr.mean_bpm
    sev, ref = "urgent", rhythm.ESC_AF_2020
    if np.isfinite(rate) and rate >= triage.AF_RAPID_BPM:
        sev, ref = "critical", triage.ZHEJIANG
    return findings + [Finding(
        code="AF", severity=sev, start_s=round(float(r[0]) / fs, 3), end_s=round(float(r[-1]) / fs, 3),
        lead=None, value=round(float(p), 3), threshold=float(thr),
        reference=ref + "; AF model " + str(af_model["version"]) + " (signal/README.md)",
        text=f"Atrial fibrillation likely throughout the recording (AF model probability {p:.2f}), "
             f"mean rate {rate:.0f}/min.")]


#: Findings that mean nothing when the pacemaker drives most ventricular beats:
#: AF from RR irregularity (see `_ventricular_pacing_dominates`), and long QTc,
#: whose QT is largely the paced QRS (the AHA/ACCF/HRS recommendations, Rautaharju
#: 2009 part IV, advise the JT or a QRS-adjusted QT, not the QTc limits, when
#: ventricular conduction is prolonged; the statements likewise do not read QT on
#: paced complexes).
_NOT_READ_UNDER_VENTRICULAR_PACING = frozenset({"AF", "LONG_QTC"})


def _ventricular_pacing_dominates(pacing) -> bool:
    """True when most beats carry a ventricular pacemaker stimulus.

    AF is read on the ECG from irregular RR intervals without repeating P waves
    (ESC_AF_2020). When the pacemaker times most ventricular beats, the RR
    intervals follow its timing cycles, sensing and fusion, not AV-nodal
    conduction of atrial activity, so RR irregularity says nothing about the
    atria: the rhythm is stated as ventricular-paced (Mason 2007, "ventricular-
    paced rhythm") and the underlying atrial rhythm is left to the reader (and to
    the device's own atrial episode log).
    """
    if not pacing:
        return False
    n = int(pacing.get("n_beats") or 0)
    return n > 0 and int(pacing.get("ventricular_beats") or 0) * 2 > n


def _interpret(delin, beats, valid_rr, hr, quality, findings, *, sex, age, implausible, filt, names,
               pacing=None):
    """Per-lead median-beat table and interpretive statements of a resting ECG (`ecgsignal.statements`)."""
    lm = None
    if delin is not None and delin.qrs_on >= 0:
        lm = measure.lead_measurements(delin, heart_rate_bpm=hr.mean_bpm)
    readable = (not implausible and quality.usable.size > 0 and float(quality.usable.mean()) >= 0.5
                and np.asarray(beats.r_peaks).size >= 2)
    r = np.asarray(beats.r_peaks, np.int64)
    rr_s = np.diff(r) / float(beats.fs)
    if valid_rr is not None and valid_rr.size == rr_s.size:
        rr_s = rr_s[valid_rr]
    flutter = None
    p_waves_s = None
    if not readable:
        pacing = None
    if readable and filt is not None:
        flutter = atrial.flutter_waves(filt, float(beats.fs), r, lead_names=names)
        # Every P wave of lead II (conducted or not) for the AV-conduction statements.
        upper = [str(n).upper() for n in (names or [])]
        lead = upper.index("II") if "II" in upper else 0
        p_waves_s = measure.p_wave_times(filt[:, lead], float(beats.fs), r)
    interp = statements.interpret(
        lm, findings, rr_s=rr_s, readable=readable, sex=sex, age=age, flutter=flutter,
        p_consistency=getattr(delin, "p_consistency", float("nan")) if delin is not None else float("nan"),
        p_terminal_force_mv_s=measure.p_terminal_force_v1(delin) if delin is not None else float("nan"),
        p_waves_s=p_waves_s, r_peaks_s=r / float(beats.fs), pacing=pacing)
    return lm, interp


#: A median-beat P wave counts as sinus P waves (ruling AF out on resting strips)
#: only when every beat repeats it (`waves.P_CONSISTENT`, where the limit and its
#: source live).
P_CONSISTENT = waves_mod.P_CONSISTENT


def _p_wave_state(delin):
    """True: consistent P waves; False: no P wave; None: unknown or inconsistent (default AF threshold)."""
    if delin is None or delin.qrs_on < 0:
        return None
    if delin.p_on < 0:
        return False
    pc = getattr(delin, "p_consistency", float("nan"))
    if np.isfinite(pc) and pc < P_CONSISTENT:
        return None
    return True


#: Long recordings are delineated on one clean stretch of this length.
_SEGMENT_S = 60.0


def _delineate_segment(x, fs, beats, quality, names, mains_hz):
    """Median-beat measurements of a long recording, from its first fully readable minute.

    Per-beat boundaries are filled in for every beat (`_per_beat_waves_long`).
    """
    per = int(round(_SEGMENT_S / quality.window_s))
    ok = quality.usable.astype(np.int32)
    if ok.size < per:
        return None
    run = np.convolve(ok, np.ones(per, np.int32), mode="valid")
    full = np.flatnonzero(run == per)
    if full.size == 0:
        return None
    a = int(full[0] * quality.window_s * fs)
    b = min(x.shape[0], a + int(_SEGMENT_S * fs))
    seg = np.asarray(x[a:b], dtype=np.float32)
    if mains_hz and mains_hz < fs / 2:
        seg = filters.notch_powerline(seg, fs, mains_hz=mains_hz)
    r = np.asarray(beats.r_peaks, np.int64)
    inside = (r >= a) & (r < b)
    if inside.sum() < 3:
        return None
    sub = type(beats)(r_peaks=r[inside] - a, labels=np.asarray(beats.labels)[inside],
                      qrs_width_s=np.asarray(beats.qrs_width_s)[inside], fs=beats.fs)
    d = waves_mod.delineate(seg, fs, sub, lead_names=names)
    if d.qrs_on < 0:
        return None
    waves = _per_beat_waves_long(x, fs, beats, quality, names, mains_hz)
    return dataclasses.replace(d, waves=waves)


#: Per-beat boundaries of long recordings come from one median beat per chunk
#: of this length (the median beat follows slow changes of T and P morphology).
_WAVE_CHUNK_S = 300.0
_WAVE_PAD_S = 3.0


def _per_beat_waves_long(x, fs, beats, quality, names, mains_hz, *, chunk_s=_WAVE_CHUNK_S):
    """P on/off, QRS on/off and T end of every beat of a long recording.

    The recording is delineated in chunks of `chunk_s` (with 3 s of overlap so
    that beats at the edges have full windows); each chunk gets its own median
    beat and per-beat boundaries (`waves.delineate`). A remainder shorter than
    half a chunk joins the last chunk rather than getting a median beat of its
    own from a handful of beats (a 30-min record: 6 chunks, not 6 and a 5-s
    one). Memory is bounded by 1.5 chunks; chunks that are mostly unreadable
    give -1 for their beats.
    """
    r = np.asarray(beats.r_peaks, np.int64)
    labels = np.asarray(beats.labels)
    qw = np.asarray(beats.qrs_width_s)
    out = [np.full(r.size, -1, np.int64) for _ in range(5)]
    n = x.shape[0]
    step = int(chunk_s * fs)
    pad = int(_WAVE_PAD_S * fs)
    per = quality.window_s * fs
    starts = list(range(0, n, step))
    if len(starts) > 1 and n - starts[-1] < step / 2:
        starts.pop()
    for k, a in enumerate(starts):
        b = starts[k + 1] if k + 1 < len(starts) else n
        i0, i1 = np.searchsorted(r, [a, b])
        if i1 - i0 < 3:
            continue
        w0, w1 = int(a // per), max(int(a // per) + 1, int(np.ceil(b / per)))
        if quality.usable[w0:w1].mean() < 0.5:
            continue
        lo, hi = max(0, a - pad), min(n, b + pad)
        j0, j1 = np.searchsorted(r, [lo, hi])
        # no notch here: the boundaries come from the 40 Hz (QRS) and 15 Hz (P, T)
        # low-passed median beat and per-beat windows, which mains hum does not reach
        seg = np.asarray(x[lo:hi], dtype=np.float32)
        sub = type(beats)(r_peaks=r[j0:j1] - lo, labels=labels[j0:j1], qrs_width_s=qw[j0:j1], fs=beats.fs)
        d = waves_mod.delineate(seg, fs, sub, lead_names=names)
        if d.qrs_on < 0:
            continue
        k0, k1 = i0 - j0, i1 - j0
        for o, v in zip(out, (d.waves.p_on, d.waves.p_off, d.waves.qrs_on, d.waves.qrs_off, d.waves.t_off)):
            v = np.asarray(v[k0:k1], np.int64)
            o[i0:i1] = np.where(v >= 0, v + lo, -1)
    return Waves(p_on=out[0], p_off=out[1], qrs_on=out[2], qrs_off=out[3], t_off=out[4])


def _lap(t):
    return (time.perf_counter() - t) * 1000.0


def _norm_sex(sex):
    if sex is None:
        return None
    s = str(sex).strip().upper()[:1]
    if s not in ("M", "F"):
        raise ValueError("`sex` must be 'M' or 'F'")
    return s


#: Longest all-leads flat stretch still read as possible asystole rather than
#: as disconnected electrodes (longer flat lines are treated as unreadable).
MAX_ASYSTOLE_S = 20.0


def _rhythm_usable(quality):
    """Windows usable for rhythm: readable ones, plus short flat stretches in every lead.

    A pause (asystole) is a flat line between two beats; a stretch flat in all
    leads for up to `MAX_ASYSTOLE_S` is therefore kept, so that the pause is
    reported rather than hidden as "unreadable".
    """
    usable = quality.usable.copy()
    if quality.window_kind is None or usable.all():
        return usable
    flat_all = (quality.window_kind == 2).all(axis=1)
    edges = np.diff(np.r_[0, flat_all.astype(np.int8), 0])
    s, e = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    for a, b in zip(s, e):
        if (b - a) * quality.window_s <= MAX_ASYSTOLE_S and a > 0 and b < usable.size:
            usable[a:b] = True
    return usable


def _valid_intervals(r, usable, window_s, fs):
    """True for RR intervals whose beats and every window between them are readable."""
    if r.size < 2:
        return np.zeros(0, bool)
    w = np.minimum((r / fs / window_s).astype(np.int64), usable.size - 1)
    bad = np.r_[0, np.cumsum(~usable)]
    n_bad = bad[w[1:] + 1] - bad[w[:-1]]
    return n_bad == 0


def _false_pauses(r, x, filt, fs, quality, *, min_pause_s=2.0):
    """Long RR intervals that contain QRS-sized deflections (beats the detector missed).

    For each interval >= `min_pause_s`, the 5-25 Hz signal of the best lead
    inside the gap (0.25 s away from both beats) is compared with the same
    band's amplitude at the detected beats; a gap deflection above half the
    median beat amplitude marks the interval as not a true pause.
    """
    out = np.zeros(max(r.size - 1, 0), bool)
    if r.size < 3:
        return out
    rr = np.diff(r)
    cand = np.flatnonzero(rr >= min_pause_s * fs)
    if cand.size == 0:
        return out
    sos = butter_sos(2, (5.0, min(25.0, 0.45 * fs)), "bandpass", fs)
    guard = int(0.25 * fs)
    pad = int(1.0 * fs)
    for i in cand[:200]:
        a, b = int(r[i]), int(r[i + 1])
        w0, w1 = int(a / fs // quality.window_s), int(b / fs // quality.window_s) + 1
        lead = int(np.argmax(quality.window_index[w0:w1].mean(axis=0)))
        lo, hi = max(0, a - pad), min(x.shape[0], b + pad)
        seg = np.nan_to_num(np.asarray(x[lo:hi, lead], dtype=np.float64))
        if seg.size < 30:
            continue
        band = np.abs(sosfiltfilt(sos, seg, padlen=min(15, seg.size - 1)))
        beat_amp = max(band[max(0, a - lo - guard // 4):a - lo + guard // 4].max(),
                       band[b - lo - guard // 4:min(band.size, b - lo + guard // 4)].max())
        gap = band[a - lo + guard:b - lo - guard]
        if gap.size and gap.max() > 0.5 * beat_amp:
            out[i] = True
    return out


#: Typical QRS amplitudes are 0.5-3 mV (limb leads >= 0.5 mV, precordial up to
#: ~3.5 mV; Hancock EW et al. 2009 AHA/ACCF/HRS part V, doi:10.1016/j.jacc.2008.12.015).
#: A typical peak-to-peak above 20 mV means the numbers are not millivolts.
MAX_PLAUSIBLE_PTP_MV = 20.0


def _amplitude_findings(quality, readable) -> list[Finding]:
    """A finding when the signal is far too large to be millivolts (e.g. a CSV in microvolts)."""
    if quality.lead_ptp_mv is None or readable.size == 0:
        return []
    ptp = float(np.median(quality.lead_ptp_mv[readable]))
    if ptp <= MAX_PLAUSIBLE_PTP_MV:
        return []
    return [Finding(code="IMPLAUSIBLE_AMPLITUDE", severity="routine", start_s=None, end_s=None, lead=None,
                    value=round(ptp, 1), threshold=MAX_PLAUSIBLE_PTP_MV,
                    reference="Hancock EW et al. AHA/ACCF/HRS recommendations part V, 2009, "
                              "doi:10.1016/j.jacc.2008.12.015",
                    text=f"The signal is {ptp:.0f} mV from peak to peak, far more than an ECG: the values are "
                         "probably not in millivolts (microvolts or device units?). ST levels are not assessed; "
                         "please check the units of the file.")]


def _quality_findings(quality, duration_s, start_time, *, rhythm_usable=None, min_s=5.0,
                      max_listed=10) -> list[Finding]:
    """LOW_QUALITY findings: leads unreadable most of the time, and long unreadable stretches.

    Short flat stretches in every lead (possible asystole, see `_rhythm_usable`)
    are not reported as poor quality.
    """
    if rhythm_usable is None:
        rhythm_usable = quality.usable
    quiet = rhythm_usable & ~quality.usable  # windows read as possible asystole
    out = []
    ref = ("Clifford GD et al. Signal quality indices and data fusion for determining clinical "
           "acceptability of electrocardiograms. Physiol Meas 2012;33:1419, "
           "doi:10.1088/0967-3334/33/9/1419")
    names = quality.lead_names
    bad_win = (quality.window_index < READABLE) & ~quiet[:, None]
    frac_bad = bad_win.mean(axis=0) if bad_win.size else np.zeros(len(names))
    mostly_bad = set()
    for j, name in enumerate(names):
        if frac_bad[j] >= 0.5:
            mostly_bad.add(name)
            kinds = [p.kind for p in quality.problems if p.lead == name and p.kind in _QUALITY_TEXT]
            kind = max(set(kinds), key=kinds.count) if kinds else "noise"
            whole = frac_bad[j] > 0.95
            out.append(Finding(code="LOW_QUALITY", severity="routine", start_s=None, end_s=None, lead=name,
                               value=round(float(quality.lead_index[j]), 3), threshold=READABLE, reference=ref,
                               text=f"Lead {name}: {_QUALITY_TEXT[kind]} "
                                    f"{'throughout the recording' if whole else f'for {100 * frac_bad[j]:.0f} % of the recording'}."))
    # stretches where no lead is readable: findings there are suppressed
    unusable = ~rhythm_usable
    if unusable.any() and len(mostly_bad) < len(names):
        edges = np.diff(np.r_[0, unusable.astype(np.int8), 0])
        s, e = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
        spans = [(a * quality.window_s, min(b * quality.window_s, duration_s)) for a, b in zip(s, e)]
        spans = [sp for sp in spans if sp[1] - sp[0] >= min_s or duration_s <= 60]
        spans.sort(key=lambda sp: sp[0] - sp[1])
        for t0, t1 in spans[:max_listed]:
            out.append(Finding(code="LOW_QUALITY", severity="routine", start_s=round(t0, 3), end_s=round(t1, 3),
                               lead=None, value=round(t1 - t0, 3), threshold=READABLE, reference=ref,
                               text=f"No lead readable for {t1 - t0:.0f} s "
                                    f"{rhythm.describe_time(t0, start_time)}; rhythm not assessed there."))
    # lead-specific long stretches (not already reported as mostly bad)
    listed = 0
    for p in sorted(quality.problems, key=lambda p: p.start_s - p.end_s):
        if listed >= max_listed:
            break
        if p.kind not in _QUALITY_TEXT or p.lead in mostly_bad or p.end_s - p.start_s < max(min_s, 0.2 * min(duration_s, 60)):
            continue
        w0 = int(p.start_s / quality.window_s)
        w1 = max(w0 + 1, int(np.ceil(p.end_s / quality.window_s)))
        if p.kind == "flat" and quiet[w0:w1].all():
            continue
        out.append(Finding(code="LOW_QUALITY", severity="routine", start_s=round(p.start_s, 3),
                           end_s=round(p.end_s, 3), lead=p.lead, value=round(p.end_s - p.start_s, 3),
                           threshold=READABLE, reference=ref,
                           text=f"Lead {p.lead}: {_QUALITY_TEXT[p.kind]} for {p.end_s - p.start_s:.0f} s "
                                f"{rhythm.describe_time(p.start_s, start_time)}."))
        listed += 1
    return out
