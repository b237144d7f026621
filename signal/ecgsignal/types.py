"""Frozen result types of ecgsignal. Every quantity carries its unit in its name."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np


def N_(message: str) -> str:
    """Mark an English msgid for extraction (pybabel ``-k N_``) without translating it.

    The library never translates: its user-facing messages (`io.RecordError`, `fitness`) carry the
    msgid and its ``%(name)s`` params, and the application renders ``gettext(msgid) % params``.
    """
    return message


@dataclass(frozen=True)
class Record:
    """An ECG recording in physical units.

    Attributes
    ----------
    signal_mv : ndarray, float32, shape (n_samples, n_leads)
        Samples in millivolts; missing samples are NaN.
    fs : float
        Sampling rate in Hz.
    lead_names : tuple of str
        One name per column of `signal_mv`.
    start_time : datetime or None
        Wall-clock time of the first sample, when the file gives it.
    """

    signal_mv: np.ndarray
    fs: float
    lead_names: tuple[str, ...]
    start_time: dt.datetime | None = None
    # --- intake additions (issue 9): what the device said, and what the reader tolerated ---
    device: "DeviceInfo | None" = None
    tolerated: tuple[str, ...] = ()

    @property
    def n_samples(self) -> int:
        return int(self.signal_mv.shape[0])

    @property
    def duration_s(self) -> float:
        return self.n_samples / self.fs


# --------------------------------------------------------------------------
# Intake (issue 9): device metadata kept with a Record, and the fitness check.
# --------------------------------------------------------------------------

def _finite_or_none(v):
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if np.isfinite(f) else None


@dataclass(frozen=True)
class DeviceMeasurements:
    """The acquiring device's own global measurements (None where the file gives none).

    Intervals in milliseconds, axes in degrees, rate in beats per minute.
    """

    heart_rate_bpm: float | None = None
    pr_ms: float | None = None
    qrs_ms: float | None = None
    qt_ms: float | None = None
    qtc_ms: float | None = None
    p_axis_deg: float | None = None
    qrs_axis_deg: float | None = None
    t_axis_deg: float | None = None

    def to_dict(self) -> dict:
        return {k: _finite_or_none(getattr(self, k)) for k in self.__dataclass_fields__}


@dataclass(frozen=True)
class DeviceInfo:
    """What the exporting device says about a recording.

    Attributes
    ----------
    format_name : str
        File format as found by content, e.g. ``"SCP-ECG"``, ``"DICOM 12-lead ECG"``.
    manufacturer, model, software_version, serial_number : str
        As the file states them ("" when absent).
    acquisition_time : datetime or None
        When the device recorded the ECG.
    measurements : DeviceMeasurements
        The device's own HR, PR, QRS, QT, QTc and P/QRS/T axes.
    statements : tuple of str
        The device's interpretation statements, in file order.
    """

    format_name: str = ""
    manufacturer: str = ""
    model: str = ""
    software_version: str = ""
    serial_number: str = ""
    acquisition_time: dt.datetime | None = None
    measurements: DeviceMeasurements = field(default_factory=DeviceMeasurements)
    statements: tuple[str, ...] = ()
    #: The patient as the cart recorded them: its patient id, age in years, sex "M"/"F" ("" or None
    #: when absent). Names are not kept: the referral identifies patients by the clinic's reference.
    patient_id: str = ""
    patient_age_years: int | None = None
    patient_sex: str = ""

    def to_dict(self) -> dict:
        return {"format_name": self.format_name, "manufacturer": self.manufacturer, "model": self.model,
                "software_version": self.software_version, "serial_number": self.serial_number,
                "acquisition_time": self.acquisition_time.isoformat() if self.acquisition_time else None,
                "measurements": self.measurements.to_dict(), "statements": list(self.statements),
                "patient": {"id": self.patient_id, "age_years": self.patient_age_years, "sex": self.patient_sex}}


@dataclass(frozen=True)
class FitnessProblem:
    """One reason a recording may not be readable by a cardiologist.

    Attributes
    ----------
    code : str
        Stable identifier: ``too_short``, ``flat_leads``, ``clipping``, ``noisy``,
        ``implausible_amplitude``, ``low_sampling_rate``.
    blocking : bool
        True when the problem alone makes the recording unfit (record again);
        False for advice that does not stop the recording going to a reader.
    leads : tuple of str
        Leads concerned (empty when the problem concerns the whole recording).
    measured : dict
        Measured values with units in their keys (e.g. ``{"duration_s": 3.0}``).
    threshold : dict
        The limits the values were compared with, same keys and units.
    message : str
        English msgid with ``%(name)s`` placeholders filled from `params`
        (translate it with gettext, then ``% params``).
    advice : str
        English msgid: what the clinic should do, same placeholders.
    params : dict
        Values for the placeholders (``leads`` is already formatted, e.g. "V1-V6").
    reference : str
        Where the threshold comes from.
    """

    code: str
    blocking: bool
    leads: tuple[str, ...]
    measured: dict
    threshold: dict
    message: str
    advice: str
    params: dict
    reference: str = ""

    @property
    def text(self) -> str:
        """The English message and advice with the placeholders filled in."""
        return (self.message % self.params) + ": " + (self.advice % self.params)

    def to_dict(self) -> dict:
        return {"code": self.code, "blocking": self.blocking, "leads": list(self.leads),
                "measured": {k: _finite_or_none(v) for k, v in self.measured.items()},
                "threshold": {k: _finite_or_none(v) for k, v in self.threshold.items()},
                "message": self.message, "advice": self.advice,
                "params": {k: (v if isinstance(v, str) else _finite_or_none(v)) for k, v in self.params.items()},
                "text": self.text, "reference": self.reference}


@dataclass(frozen=True)
class Fitness:
    """Whether a recording is fit for a cardiologist to read.

    Attributes
    ----------
    fit : bool
        False when any problem is blocking.
    problems : tuple of FitnessProblem
        Blocking problems first, then advice.
    duration_s : float
        Recording duration in seconds.
    fs : float
        Sampling rate in Hz.
    n_leads : int
        Number of leads.
    checked_s : float
        Seconds of signal examined for flat leads, clipping and noise.
    """

    fit: bool
    problems: tuple[FitnessProblem, ...]
    duration_s: float
    fs: float
    n_leads: int
    checked_s: float

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(p.code for p in self.problems)

    def to_dict(self) -> dict:
        return {"fit": self.fit, "problems": [p.to_dict() for p in self.problems],
                "duration_s": _finite_or_none(self.duration_s), "fs": _finite_or_none(self.fs),
                "n_leads": self.n_leads, "checked_s": _finite_or_none(self.checked_s)}


@dataclass(frozen=True)
class Beats:
    """Detected heartbeats: one fiducial (R peak or main QRS deflection) per beat.

    Attributes
    ----------
    r_peaks : ndarray of int64
        Sample index of each beat, strictly increasing (no duplicates).
    labels : ndarray of str ('N' normal, 'V' ventricular ectopic,
        'S' supraventricular premature, 'Q' unclassifiable)
        Same length as `r_peaks`.
    qrs_width_s : ndarray of float
        Estimated QRS duration of each beat in seconds (NaN where unknown).
    fs : float
        Sampling rate in Hz the indices refer to.
    """

    r_peaks: np.ndarray
    labels: np.ndarray
    qrs_width_s: np.ndarray
    fs: float
    extra: dict = field(default_factory=dict)


# --------------------------------------------------------------------------
# Types added for io, quality, rhythm, waves, st, triage and analysis.
# --------------------------------------------------------------------------

#: At most this many quality problems go into ``to_dict()`` (the longest, in time order).
MAX_PROBLEMS_LISTED = 500


def _longest(problems, k):
    if len(problems) <= k:
        return problems
    keep = sorted(problems, key=lambda p: p.start_s - p.end_s)[:k]
    return sorted(keep, key=lambda p: (p.start_s, p.lead))


#: Severity / priority levels, most urgent first.
SEVERITIES = ("critical", "urgent", "routine")


@dataclass(frozen=True)
class RecordInfo:
    """What a record's header says, checked against the files without loading the samples.

    Attributes
    ----------
    fs : float
        Sampling rate in Hz.
    lead_names : tuple of str
        One name per lead.
    n_samples : int
        Samples per lead.
    duration_s : float
        ``n_samples / fs`` in seconds.
    start_time : datetime or None
        Wall-clock time of the first sample, when the file gives it.
    format_name : str
        Human-readable format, e.g. ``"WFDB (format 212)"``, ``"EDF+"``, ``"CSV"``.
    file_names : tuple of str
        Base names of every file the record consists of (header first).
    """

    fs: float
    lead_names: tuple[str, ...]
    n_samples: int
    duration_s: float
    start_time: dt.datetime | None
    format_name: str
    file_names: tuple[str, ...]


@dataclass(frozen=True)
class Finding:
    """One clinical or technical finding, located in time and lead.

    Attributes
    ----------
    code : str
        Machine code, e.g. ``"PAUSE"``, ``"AF"``, ``"LOW_QUALITY"``.
    severity : str
        ``"critical"``, ``"urgent"`` or ``"routine"``.
    start_s, end_s : float or None
        Extent in seconds from the first sample (None: whole record).
    lead : str or None
        Lead where it is seen best; None means all leads.
    value : float or None
        The measured quantity that triggered the finding (unit in `text`).
    threshold : float or None
        The guideline threshold it was compared with (same unit).
    reference : str
        Guideline or paper the threshold comes from.
    text : str
        Short plain-English sentence for the case page.
    """

    code: str
    severity: str
    start_s: float | None
    end_s: float | None
    lead: str | None
    value: float | None
    threshold: float | None
    reference: str
    text: str

    def to_dict(self) -> dict:
        return {
            "code": self.code,
            "severity": self.severity,
            "start_s": _py(self.start_s),
            "end_s": _py(self.end_s),
            "lead": self.lead,
            "value": _py(self.value),
            "threshold": _py(self.threshold),
            "reference": self.reference,
            "text": self.text,
        }


@dataclass(frozen=True)
class QualityProblem:
    """A stretch of one lead that is not readable or is degraded.

    `kind` is one of ``"missing"``, ``"flat"``, ``"clipped"``, ``"noise"``,
    ``"baseline_wander"``.
    """

    lead: str
    kind: str
    start_s: float
    end_s: float


@dataclass(frozen=True)
class SignalQuality:
    """Per-lead, per-window signal quality.

    Attributes
    ----------
    window_s : float
        Length of a quality window in seconds.
    lead_names : tuple of str
    window_index : ndarray, float32, shape (n_windows, n_leads)
        Quality index per window and lead, 0 (unreadable) to 1 (clean).
    lead_index : ndarray, shape (n_leads,)
        Mean quality index per lead, 0 to 1.
    problems : tuple of QualityProblem
        Merged stretches with a named problem.
    usable : ndarray of bool, shape (n_windows,)
        True where at least one lead is readable (index >= 0.5).
    window_kind : ndarray of int8, shape (n_windows, n_leads)
        Problem per window and lead as an index into `KINDS` (0: none).
    lead_ptp_mv : ndarray, shape (n_leads,)
        Typical (median) peak-to-peak amplitude of the 0.5-40 Hz signal in a
        window, per lead, in mV.
    """

    window_s: float
    lead_names: tuple[str, ...]
    window_index: np.ndarray
    lead_index: np.ndarray
    problems: tuple[QualityProblem, ...]
    usable: np.ndarray
    window_kind: np.ndarray | None = None
    lead_ptp_mv: np.ndarray | None = None

    #: Names of the `window_kind` codes.
    KINDS = ("", "missing", "flat", "clipped", "noise", "baseline_wander")

    def to_dict(self) -> dict:
        return {
            "window_s": float(self.window_s),
            "lead_index": {n: round(float(q), 3) for n, q in zip(self.lead_names, self.lead_index)},
            "usable_fraction": round(float(np.mean(self.usable)) if self.usable.size else 0.0, 3),
            "problems": [
                {"lead": p.lead, "kind": p.kind, "start_s": round(float(p.start_s), 3),
                 "end_s": round(float(p.end_s), 3)}
                for p in _longest(self.problems, MAX_PROBLEMS_LISTED)
            ],
        }


@dataclass(frozen=True)
class RRStats:
    """Statistics of normal-to-normal RR intervals (HRV time domain).

    Units are in the names. NaN where fewer than two intervals exist.
    """

    n_intervals: int
    mean_s: float
    sdnn_ms: float
    rmssd_ms: float
    min_s: float
    max_s: float
    pnn50_pct: float

    def to_dict(self) -> dict:
        return {k: _py(v) for k, v in self.__dict__.items()}


@dataclass(frozen=True)
class HeartRate:
    """Heart rate in beats per minute: mean over the record, min/max over 10-s windows."""

    mean_bpm: float
    min_bpm: float
    max_bpm: float
    window_s: float = 10.0

    def to_dict(self) -> dict:
        return {"mean_bpm": _py(self.mean_bpm), "min_bpm": _py(self.min_bpm),
                "max_bpm": _py(self.max_bpm)}


@dataclass(frozen=True)
class Measurements:
    """Global 12-lead intervals (ms) and frontal QRS axis (degrees); NaN when not measurable."""

    pr_ms: float = float("nan")
    qrs_ms: float = float("nan")
    qt_ms: float = float("nan")
    qtc_ms: float = float("nan")
    qtc_fridericia_ms: float = float("nan")
    axis_deg: float = float("nan")
    rr_ms: float = float("nan")
    #: QTc by the Framingham linear formula (Sagie 1992), the one the long-QTc
    #: finding uses; `qtc_ms` is Bazett's, shown for familiarity.
    qtc_framingham_ms: float = float("nan")

    def to_dict(self) -> dict:
        return {k: _py(getattr(self, k)) for k in
                ("pr_ms", "qrs_ms", "qt_ms", "qtc_ms", "qtc_fridericia_ms", "axis_deg", "qtc_framingham_ms")}


@dataclass(frozen=True)
class Waves:
    """Wave boundaries per beat as sample indices (-1 where absent).

    Every array has one entry per beat of the matching `Beats`.
    """

    p_on: np.ndarray
    p_off: np.ndarray
    qrs_on: np.ndarray
    qrs_off: np.ndarray
    t_off: np.ndarray

    def to_dict(self) -> dict:
        return {k: [None if v < 0 else int(v) for v in getattr(self, k).tolist()]
                for k in ("p_on", "p_off", "qrs_on", "qrs_off", "t_off")}


@dataclass(frozen=True)
class Analysis:
    """Everything `ecgsignal.analyze` found in one record. ``to_dict()`` gives JSON-ready data."""

    fs: float
    duration_s: float
    lead_names: tuple[str, ...]
    beats: Beats
    heart_rate_bpm: float
    rr: RRStats
    heart_rate: HeartRate
    findings: tuple[Finding, ...]
    priority: str
    measurements: Measurements
    waves: Waves
    quality: SignalQuality
    timing_ms: dict
    algorithm_version: str
    st_deviation_mv: dict = field(default_factory=dict)
    lead_measurements: LeadMeasurements | None = None
    interpretation: Interpretation | None = None
    af_model: dict | None = None

    def to_dict(self) -> dict:
        """Return the analysis as plain Python (dict/list/str/float/int/None), ready for ``json.dumps``.

        The keys are exactly those of the web app's contract; `st_deviation_mv`
        (ST level per lead at J+60 ms) is available on the object only.
        ``interpretation`` (statements with zh/en labels and the overall class)
        and ``lead_measurements`` (the per-lead median-beat table) are None
        for recordings that are not resting ECGs (longer than 60 s).
        """
        return {
            "fs": float(self.fs),
            "duration_s": round(float(self.duration_s), 3),
            "leads": list(self.lead_names),
            "beats": {
                "sample": [int(s) for s in self.beats.r_peaks.tolist()],
                "label": [str(s) for s in self.beats.labels.tolist()],
            },
            "heart_rate_bpm": _py(self.heart_rate_bpm),
            "rr": self.rr.to_dict(),
            "heart_rate": self.heart_rate.to_dict(),
            "findings": [f.to_dict() for f in self.findings],
            "priority": self.priority,
            "measurements": self.measurements.to_dict(),
            "waves": self.waves.to_dict(),
            "quality": self.quality.to_dict(),
            "timing_ms": {k: round(float(v), 2) for k, v in self.timing_ms.items()},
            "algorithm_version": self.algorithm_version,
            "interpretation": None if self.interpretation is None else self.interpretation.to_dict(),
            "lead_measurements": None if self.lead_measurements is None else self.lead_measurements.to_dict(),
        }


def _py(v):
    """Plain-Python scalar for JSON: numpy -> float/int, NaN/inf -> None, rounded floats."""
    if v is None:
        return None
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    v = float(v)
    if not np.isfinite(v):
        return None
    return round(v, 4)


@dataclass(frozen=True)
class Delineation:
    """Wave boundaries on the median beat, global 12-lead measurements and per-beat waves.

    Attributes
    ----------
    template_mv : ndarray, float32, shape (n_template, n_leads)
        Median beat per lead, baseline-corrected (isoelectric level at 0 mV).
    fs : float
        Sampling rate in Hz.
    r_index : int
        Index of the beat fiducial (R) in the template.
    p_on, p_off, qrs_on, qrs_off, t_off : int
        Global boundaries as template indices (-1 where absent).
    lead_names : tuple of str
    measurements : Measurements
    waves : Waves
        Boundaries per beat as record sample indices.
    n_beats : int
        Beats averaged into the template.
    t_peak : int
        T peak as a template index (-1 where absent).
    p_consistency : float
        Median correlation of the single beats' P-wave windows with the
        median beat's (NaN without a P wave): near 1 when every beat has the
        same P wave, low when the median "P" is averaged atrial activity
        (fibrillatory waves) or noise.
    """

    template_mv: np.ndarray
    fs: float
    r_index: int
    p_on: int
    p_off: int
    qrs_on: int
    qrs_off: int
    t_off: int
    lead_names: tuple[str, ...]
    measurements: Measurements
    waves: Waves
    n_beats: int
    t_peak: int = -1
    p_consistency: float = float("nan")


# --------------------------------------------------------------------------
# Per-lead median-beat measurements and interpretive statements.
# --------------------------------------------------------------------------

#: Per-lead measurement fields in table order (amplitudes mV, durations ms).
LEAD_FIELDS = ("p_amp_mv", "p_neg_mv", "p_dur_ms", "q_amp_mv", "q_dur_ms", "r_amp_mv", "r_dur_ms",
               "s_amp_mv", "s_dur_ms", "r2_amp_mv", "r2_dur_ms", "s2_amp_mv", "r_peak_time_ms",
               "qrs_ptp_mv", "qrs_area_mv_ms", "st_j_mv", "st_j60_mv", "t_amp_mv", "t_pos_mv", "t_neg_mv",
               "j_peak_mv", "j_notch", "j_slur", "st_concave")


@dataclass(frozen=True)
class LeadMeasurement:
    """Measurements of one lead on the median beat (the table a 12-lead interpreter prints).

    Amplitudes in mV against the isoelectric level before QRS onset (Q and S
    negative), durations in ms. Zero amplitude and duration for an absent wave
    (Q, S, R', S'); NaN where the wave cannot be measured (no P or T wave).

    Attributes
    ----------
    lead : str
    p_amp_mv : float
        Largest positive P deflection (0 when the P is wholly negative).
    p_neg_mv : float
        Largest negative P deflection (<= 0).
    p_dur_ms : float
        Global P duration (P onset to offset over all leads).
    q_amp_mv, q_dur_ms : float
        Initial negative deflection (Q), or the whole complex for a QS.
    r_amp_mv, r_dur_ms : float
        First positive deflection.
    s_amp_mv, s_dur_ms : float
        Negative deflection after R.
    r2_amp_mv, r2_dur_ms : float
        Second positive deflection (R').
    s2_amp_mv : float
        Negative deflection after R' (S').
    r_peak_time_ms : float
        QRS onset to the peak of the last R wave (R or R'); NaN without R.
    qrs_ptp_mv : float
        QRS peak-to-peak amplitude.
    qrs_area_mv_ms : float
        Net QRS area (mV x ms).
    st_j_mv, st_j60_mv : float
        ST level at the J point (QRS offset) and 60 ms later.
    t_amp_mv : float
        The T wave's dominant deflection (signed: negative for an inverted T).
    t_pos_mv, t_neg_mv : float
        Largest positive and negative T deflections.
    j_peak_mv : float
        Jp, the peak of an end-QRS notch or the onset of an end-QRS slur on
        the downslope of a prominent R wave (early repolarisation, Macfarlane
        2015); NaN when there is neither (`measure.end_qrs_notch_slur`).
    j_notch, j_slur : bool
        Which of the two was found.
    st_concave : bool or None
        ST segment below the straight line from the J point to the T peak
        (concave upward; Brady 2001); None without a T peak after J.
    """

    lead: str
    p_amp_mv: float = float("nan")
    p_neg_mv: float = float("nan")
    p_dur_ms: float = float("nan")
    q_amp_mv: float = 0.0
    q_dur_ms: float = 0.0
    r_amp_mv: float = 0.0
    r_dur_ms: float = 0.0
    s_amp_mv: float = 0.0
    s_dur_ms: float = 0.0
    r2_amp_mv: float = 0.0
    r2_dur_ms: float = 0.0
    s2_amp_mv: float = 0.0
    r_peak_time_ms: float = float("nan")
    qrs_ptp_mv: float = float("nan")
    qrs_area_mv_ms: float = float("nan")
    st_j_mv: float = float("nan")
    st_j60_mv: float = float("nan")
    t_amp_mv: float = float("nan")
    t_pos_mv: float = float("nan")
    t_neg_mv: float = float("nan")
    j_peak_mv: float = float("nan")
    j_notch: bool = False
    j_slur: bool = False
    st_concave: bool | None = None

    @property
    def qs(self) -> bool:
        """True for a QS complex (no R wave)."""
        return self.r_amp_mv <= 0.0 and self.q_amp_mv < 0.0

    def to_dict(self) -> dict:
        d = {"lead": self.lead}
        d.update({k: _py(getattr(self, k)) for k in LEAD_FIELDS})
        return d


@dataclass(frozen=True)
class LeadMeasurements:
    """The per-lead table of the median beat plus the global intervals and P/QRS/T axes.

    Attributes
    ----------
    leads : tuple of LeadMeasurement
        One per lead, in record order.
    pr_ms, qrs_ms, qt_ms, qtc_ms : float
        Global intervals (as in `Measurements`; QTc by Bazett).
    p_axis_deg, qrs_axis_deg, t_axis_deg : float
        Frontal axes from the net areas in I and aVF (NaN when not measurable).
    heart_rate_bpm : float
    """

    leads: tuple = ()
    pr_ms: float = float("nan")
    qrs_ms: float = float("nan")
    qt_ms: float = float("nan")
    qtc_ms: float = float("nan")
    p_axis_deg: float = float("nan")
    qrs_axis_deg: float = float("nan")
    t_axis_deg: float = float("nan")
    heart_rate_bpm: float = float("nan")

    def lead(self, name: str):
        """The LeadMeasurement of a lead by name (case-insensitive), None when absent."""
        low = name.lower()
        for m in self.leads:
            if m.lead.lower() == low:
                return m
        return None

    def to_dict(self) -> dict:
        return {"global": {k: _py(getattr(self, k)) for k in
                           ("heart_rate_bpm", "pr_ms", "qrs_ms", "qt_ms", "qtc_ms", "p_axis_deg", "qrs_axis_deg",
                            "t_axis_deg")},
                "leads": [m.to_dict() for m in self.leads]}


@dataclass(frozen=True)
class Evidence:
    """One measured value behind a statement, with the criterion it met.

    Attributes
    ----------
    quantity : str
        What was measured, e.g. ``"QRS duration"``, ``"SV1 + RV5"``.
    value : float or None
        Measured value (None for a qualitative criterion).
    unit : str
        ``"ms"``, ``"mV"``, ``"deg"``, ``"/min"``, ``""``.
    threshold : str
        The criterion as text, e.g. ``">= 120"``, ``"-45 to -90"``.
    leads : tuple of str
        Leads the value comes from (empty: global).
    """

    quantity: str
    value: float | None
    unit: str
    threshold: str
    leads: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return {"quantity": self.quantity, "value": _py(self.value), "unit": self.unit,
                "threshold": self.threshold, "leads": list(self.leads)}


@dataclass(frozen=True)
class Statement:
    """One interpretive statement, in the style of the 12SL / Glasgow programs.

    Attributes
    ----------
    code : str
        Machine code from `ecgsignal.statements.VOCABULARY` (e.g. ``"CRBBB"``).
    label_en, label_zh : str
        Standard English and Chinese ECG-report terms.
    category : str
        ``"rhythm"``, ``"conduction"``, ``"axis"``, ``"voltage"``,
        ``"hypertrophy"``, ``"infarction"``, ``"st_t"``, ``"interval"``,
        ``"overall"`` or ``"technical"``.
    kind : str
        ``"normal"``, ``"borderline"`` or ``"abnormal"`` (feeds the overall class).
    severity : str
        ``"critical"``, ``"urgent"`` or ``"routine"`` (from the triage rule it maps to).
    evidence : tuple of Evidence
    source : str
        The published criterion (guideline or paper, with DOI).
    triage_rule : str or None
        The finding code (`Analysis.findings`) whose triage rule it maps to.
    """

    code: str
    label_en: str
    label_zh: str
    category: str
    kind: str
    severity: str
    evidence: tuple = ()
    source: str = ""
    triage_rule: str | None = None

    def to_dict(self) -> dict:
        return {"code": self.code, "label_en": self.label_en, "label_zh": self.label_zh,
                "category": self.category, "kind": self.kind, "severity": self.severity,
                "evidence": [e.to_dict() for e in self.evidence], "source": self.source,
                "triage_rule": self.triage_rule}


@dataclass(frozen=True)
class Interpretation:
    """Interpretive statements of a resting ECG and its overall class.

    Attributes
    ----------
    statements : tuple of Statement
        Rhythm first, then conduction, axis, voltage, hypertrophy, infarction,
        ST-T and intervals; the overall statement last.
    overall : str
        ``"normal"``, ``"borderline"``, ``"abnormal"`` or ``"uninterpretable"``.
    """

    statements: tuple = ()
    overall: str = "uninterpretable"

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(s.code for s in self.statements)

    def to_dict(self) -> dict:
        return {"overall": self.overall, "statements": [s.to_dict() for s in self.statements]}
