"""Is a recording fit for a cardiologist to read? A quick check made at upload, while the patient is still there.

Pure and fast: about 20-40 ms for a 10-s 12-lead at 500 Hz (the per-window
ratings come from `ecgsignal.quality.signal_quality`, which owns the
flat/clipping/noise rules; this module only decides what makes a recording
unfit and says so in words a township doctor can act on).

Every message is an English gettext msgid with ``%(name)s`` placeholders, so
the web app translates ``gettext(problem.message) % problem.params``.
"""
from __future__ import annotations

import numpy as np

from .analysis import MAX_PLAUSIBLE_PTP_MV
from .quality import FLAT_PTP_MV, signal_quality
from .types import N_, Fitness, FitnessProblem, Record

__all__ = ["check_fitness", "MIN_DURATION_S", "MIN_FS_HZ", "DIAGNOSTIC_FS_HZ", "FLAT_FRACTION",
           "CLIPPED_FRACTION", "NOISY_FRACTION", "NOISY_LEADS_FRACTION", "MAX_CHECK_S", "MESSAGES",
           "FLAT_ADVICE", "lead_list"]

#: Shortest recording that is fit (s). The standard resting 12-lead ECG is a
#: 10-s acquisition (Kligfield P et al., AHA/ACCF/HRS recommendations for the
#: standardization and interpretation of the ECG, part I, Circulation
#: 2007;115:1306-24, doi:10.1161/CIRCULATIONAHA.106.180200); 8 s tolerates a
#: cart that trims the ends while still holding >= 5 beats at 40 bpm, the
#: fewest for a rhythm statement and an RR regularity test.
MIN_DURATION_S = 8.0
#: Lowest sampling rate that is fit (Hz). Ambulatory (Holter) ECG needs a
#: bandwidth of 0.67-40 Hz (IEC 60601-2-47:2012, 201.12.4.4.101; AAMI EC38),
#: i.e. > 80 Hz by Nyquist; 100 Hz keeps the rhythm readable.
MIN_FS_HZ = 100.0
#: Below this (Hz) the recording is accepted with advice: diagnostic 12-lead
#: ECG needs 0.05-150 Hz (IEC 60601-2-25:2011, 201.12.4.107; AAMI EC11), hence at
#: least 300 Hz by Nyquist, and the AHA 2007 recommendations (Kligfield, above)
#: ask for >= 500 Hz; narrow notches and pacemaker spikes may be lost.
DIAGNOSTIC_FS_HZ = 300.0
#: A lead is flat (or disconnected / missing) when at least this fraction of its
#: 2-s windows is flat (peak-to-peak < `quality.FLAT_PTP_MV` = 0.05 mV, a tenth of
#: the 0.5 mV low-voltage limit of Hancock et al. 2009, doi:10.1016/j.jacc.2008.12.015).
FLAT_FRACTION = 0.5
#: A lead is clipped when at least this fraction of its windows sits on the
#: ADC rails for > 1 % of samples (`quality.CLIP_FRACTION`). IEC 60601-2-25
#: (201.12.4.105) requires an input dynamic range of +/-5 mV; a signal that
#: saturates it in 30 % of the recording has lost QRS peaks and ST levels (a single
#: 2-s window of a 10-s ECG is 20 %: a quantised flat trough can look like a rail there).
CLIPPED_FRACTION = 0.3
#: A lead is noisy when at least this fraction of its windows is rated
#: unreadable for noise by `quality.signal_quality` (kSQI + high-frequency
#: power; Clifford et al. 2012, doi:10.1088/0967-3334/33/9/1419).
NOISY_FRACTION = 0.5
#: The recording is unfit for noise when more than this fraction of its leads
#: is noisy (a cardiologist reads around one or two noisy leads).
NOISY_LEADS_FRACTION = 0.5
#: Seconds examined for flat leads, clipping and noise (from the start): a
#: 24-h Holter is not rated whole at upload; a resting ECG is always whole.
MAX_CHECK_S = 120.0

#: msgid templates per problem code: (message, advice).
MESSAGES = {
    "too_short": (N_("The recording lasts only %(duration_s)s seconds; at least %(min_duration_s)s seconds are needed"),
                  N_("record again for at least 10 seconds")),
    "low_sampling_rate": (N_("The recording was sampled at %(fs_hz)s Hz, too slowly to read (at least %(min_fs_hz)s Hz is needed)"),
                          N_("set the ECG cart to 500 Hz and record again")),
    "low_sampling_rate_advice": (N_("The recording was sampled at %(fs_hz)s Hz; diagnostic ECGs need at least %(min_fs_hz)s Hz"),
                                 N_("if the cart allows it, set it to 500 Hz for the next recordings")),
    "flat_leads": (N_("Leads %(leads)s are flat"), N_("check the electrodes and their cables and record again")),
    "flat_lead": (N_("Lead %(leads)s is flat"), N_("check the electrodes and their cables and record again")),
    "clipping": (N_("Leads %(leads)s are cut off at the top or bottom (the amplifier is saturated)"),
                 N_("check that the electrodes stick well, let the baseline settle, reduce the gain and record again")),
    "noisy": (N_("Leads %(leads)s are too noisy to read"),
              N_("ask the patient to lie still and relax, keep cables away from mains power, check the electrodes and record again")),
    "noisy_advice": (N_("Leads %(leads)s are noisy"), N_("if the patient is still there, consider recording again")),
    "implausible_amplitude": (N_("The signal is %(ptp_mv)s mV from peak to peak, far more than an ECG: the values are probably not in millivolts"),
                              N_("export the recording again in millivolts (or choose the right unit) and upload it again")),
}

#: Advice for flat leads by the electrodes concerned.
FLAT_ADVICE = {
    "chest": N_("check the chest electrodes and record again"),
    "limb": N_("check the limb electrodes and record again"),
    "all": N_("check the electrodes and their cables and record again"),
}

_LIMB_ELECTRODE_LEADS = {"I", "II", "III", "aVR", "aVL", "aVF"}
_ORDER = ("I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6")


def check_fitness(record_or_ecg, fs=None, *, lead_names=None, min_duration_s=MIN_DURATION_S,
                  min_fs_hz=MIN_FS_HZ, diagnostic_fs_hz=DIAGNOSTIC_FS_HZ,
                  max_check_s=MAX_CHECK_S) -> Fitness:
    """Check that a recording can be read by a cardiologist, and say what to do if not.

    Parameters
    ----------
    record_or_ecg : Record or array_like, shape (n_samples,) or (n_samples, n_leads)
        A `Record`, or the ECG in millivolts (NaN for missing samples).
    fs : float
        Sampling rate in Hz; required with an array, taken from a `Record`.
    lead_names : sequence of str, optional
        Lead names for an array (default ``lead1``, ``lead2``...).
    min_duration_s : float, optional
        Shortest fit recording in seconds (default `MIN_DURATION_S`).
    min_fs_hz : float, optional
        Lowest fit sampling rate in Hz (default `MIN_FS_HZ`).
    diagnostic_fs_hz : float, optional
        Below this rate (Hz) advice is given (default `DIAGNOSTIC_FS_HZ`).
    max_check_s : float, optional
        Seconds examined for flat, clipped and noisy leads (default `MAX_CHECK_S`).

    Returns
    -------
    Fitness
        ``fit`` False when any problem is blocking; ``problems`` each with a
        stable ``code`` (``too_short``, ``low_sampling_rate``, ``flat_leads``,
        ``clipping``, ``noisy``, ``implausible_amplitude``), the leads
        concerned, measured values and thresholds, a msgid ``message`` and
        ``advice`` with ``params``.

    Notes
    -----
    1. Duration and sampling rate against `min_duration_s` and `min_fs_hz`.
    2. `quality.signal_quality` rates 2-s windows of the first `max_check_s`
       seconds; a lead flat or missing in >= 50 % of its windows is flat, one
       saturated in >= 30 % is clipped, one unreadable for noise in >= 50 %
       is noisy (blocking when more than half the leads are).
    3. Implausible amplitude: the median over leads of the typical in-band
       peak-to-peak exceeds `analysis.MAX_PLAUSIBLE_PTP_MV` (20 mV; QRS is
       0.5-3.5 mV, Hancock et al. 2009), e.g. microvolts declared as millivolts.
       A flat lead's advice names the electrode to check: a chest electrode
       for V1-V6, the limb electrodes for the limb leads.

    References
    ----------
    .. [1] Kligfield P, et al. Recommendations for the standardization and
       interpretation of the electrocardiogram, part I. Circulation.
       2007;115:1306-24. doi:10.1161/CIRCULATIONAHA.106.180200
    .. [2] IEC 60601-2-25:2011 Medical electrical equipment - Part 2-25:
       Particular requirements for the basic safety and essential performance
       of electrocardiographs (AAMI/ANSI EC11, EC13 for monitors).
    .. [3] Clifford GD, Behar J, Li Q, Rezek I. Signal quality indices and data
       fusion for determining clinical acceptability of electrocardiograms.
       Physiol Meas. 2012;33(9):1419-33. doi:10.1088/0967-3334/33/9/1419

    Examples
    --------
    >>> import numpy as np
    >>> f = check_fitness(np.zeros((1500, 12)), 500.0)
    >>> f.fit, f.codes
    (False, ('too_short', 'flat_leads'))
    """
    if isinstance(record_or_ecg, Record):
        x = record_or_ecg.signal_mv
        fs = record_or_ecg.fs if fs is None else fs
        names = tuple(record_or_ecg.lead_names)
    else:
        x = np.asarray(record_or_ecg)
        names = None if lead_names is None else tuple(str(n) for n in lead_names)
    if fs is None:
        raise ValueError("`fs` (sampling rate in Hz) is required with an array")
    fs = float(fs)
    if not np.isfinite(fs) or fs <= 0:
        raise ValueError("`fs` must be a positive sampling rate in Hz")
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2:
        raise ValueError("`ecg` must be a 1-D or 2-D array")
    n, n_leads = x.shape
    if names is None:
        names = tuple(f"lead{j + 1}" for j in range(n_leads))
    if len(names) != n_leads:
        raise ValueError("`lead_names` must name every column of `ecg`")
    duration_s = n / fs
    problems: list[FitnessProblem] = []
    if duration_s < min_duration_s:
        problems.append(_problem("too_short", True, (), {"duration_s": duration_s},
                                 {"duration_s": min_duration_s},
                                 {"duration_s": _fmt(duration_s), "min_duration_s": _fmt(min_duration_s)},
                                 "Kligfield et al. 2007 (10-s standard ECG), doi:10.1161/CIRCULATIONAHA.106.180200"))
    if fs < min_fs_hz:
        problems.append(_problem("low_sampling_rate", True, (), {"fs_hz": fs}, {"fs_hz": min_fs_hz},
                                 {"fs_hz": _fmt(fs), "min_fs_hz": _fmt(min_fs_hz)},
                                 "IEC 60601-2-47 / AAMI EC38: 0.67-40 Hz ambulatory ECG bandwidth"))
    elif fs < diagnostic_fs_hz:
        problems.append(_problem("low_sampling_rate", False, (), {"fs_hz": fs}, {"fs_hz": diagnostic_fs_hz},
                                 {"fs_hz": _fmt(fs), "min_fs_hz": _fmt(diagnostic_fs_hz)},
                                 "IEC 60601-2-25 / AAMI EC11: 0.05-150 Hz diagnostic bandwidth; "
                                 "Kligfield et al. 2007 (>= 500 Hz)", msg_key="low_sampling_rate_advice"))
    m = min(n, max(1, int(round(max_check_s * fs))))
    checked_s = m / fs
    if n >= 4 and fs >= 10:
        problems.extend(_signal_problems(x[:m], fs, names))
    problems.sort(key=lambda p: not p.blocking)
    return Fitness(fit=not any(p.blocking for p in problems), problems=tuple(problems),
                   duration_s=float(duration_s), fs=fs, n_leads=int(n_leads), checked_s=float(checked_s))


def _signal_problems(x, fs, names) -> list[FitnessProblem]:
    q = signal_quality(x, fs, lead_names=names)
    kinds = q.window_kind
    n_win = kinds.shape[0]
    missing, flat, clipped, noise = (kinds == q.KINDS.index(k) for k in ("missing", "flat", "clipped", "noise"))
    frac_flat = (missing | flat).sum(axis=0) / n_win
    frac_clip = clipped.sum(axis=0) / n_win
    frac_noise = noise.sum(axis=0) / n_win
    out = []
    flat_leads = [j for j in range(len(names)) if frac_flat[j] >= FLAT_FRACTION]
    live = [j for j in range(len(names)) if j not in flat_leads]
    ptp = q.lead_ptp_mv
    if live and ptp is not None:
        typical = float(np.nanmedian(ptp[live]))
        if np.isfinite(typical) and typical > MAX_PLAUSIBLE_PTP_MV:
            out.append(_problem("implausible_amplitude", True, (), {"ptp_mv": typical},
                                {"ptp_mv": MAX_PLAUSIBLE_PTP_MV}, {"ptp_mv": f"{typical:.0f}"},
                                "Hancock et al. 2009 (QRS 0.5-3.5 mV), doi:10.1016/j.jacc.2008.12.015"))
    if flat_leads:
        leads = tuple(names[j] for j in flat_leads)
        out.append(_problem("flat_leads", True, leads,
                            {"flat_fraction": float(np.max(frac_flat[flat_leads]))},
                            {"flat_fraction": FLAT_FRACTION},
                            {"leads": lead_list(leads)},
                            f"peak-to-peak < {FLAT_PTP_MV} mV in >= {FLAT_FRACTION:.0%} of 2-s windows; "
                            "Hancock et al. 2009 (0.5 mV low-voltage limit)",
                            msg_key="flat_leads" if len(leads) > 1 else "flat_lead",
                            advice=FLAT_ADVICE[_electrodes(leads)]))
    clip_leads = [j for j in live if frac_clip[j] >= CLIPPED_FRACTION]
    if clip_leads:
        leads = tuple(names[j] for j in clip_leads)
        out.append(_problem("clipping", True, leads, {"clipped_fraction": float(np.max(frac_clip[clip_leads]))},
                            {"clipped_fraction": CLIPPED_FRACTION}, {"leads": lead_list(leads)},
                            "IEC 60601-2-25 (+/-5 mV input dynamic range); saturated in "
                            f">= {CLIPPED_FRACTION:.0%} of 2-s windows"))
    noisy = [j for j in live if j not in clip_leads and frac_noise[j] >= NOISY_FRACTION]
    if noisy:
        leads = tuple(names[j] for j in noisy)
        blocking = len(noisy) > NOISY_LEADS_FRACTION * len(live)
        out.append(_problem("noisy", blocking, leads, {"noisy_fraction": float(np.max(frac_noise[noisy])),
                                                       "noisy_leads": len(noisy)},
                            {"noisy_fraction": NOISY_FRACTION, "noisy_leads": NOISY_LEADS_FRACTION * len(live)},
                            {"leads": lead_list(leads)},
                            "Clifford et al. 2012 signal quality indices, doi:10.1088/0967-3334/33/9/1419",
                            msg_key="noisy" if blocking else "noisy_advice"))
    return out


def _problem(code, blocking, leads, measured, threshold, params, reference, *, msg_key=None, advice=None):
    message, default_advice = MESSAGES[msg_key or code]
    advice = advice or default_advice
    return FitnessProblem(code=code, blocking=bool(blocking), leads=tuple(leads), measured=dict(measured),
                          threshold=dict(threshold), message=message, advice=advice, params=dict(params),
                          reference=reference)


def _fmt(v: float) -> str:
    return f"{v:.1f}".rstrip("0").rstrip(".") if abs(v - round(v)) > 1e-9 else f"{v:.0f}"


def _electrodes(leads) -> str:
    chest = [n for n in leads if n.upper().startswith("V") and n[1:].isdigit()]
    limb = [n for n in leads if n.lower() in {x.lower() for x in _LIMB_ELECTRODE_LEADS}]
    if chest and len(chest) == len(leads):
        return "chest"
    if limb and len(limb) == len(leads):
        return "limb"
    return "all"


def lead_list(leads) -> str:
    """'V1, V2, V3, V4, V5, V6' -> 'V1-V6'; runs of three or more standard leads are shortened."""
    leads = list(leads)
    order = {name.lower(): i for i, name in enumerate(_ORDER)}
    pos = [order.get(str(n).lower()) for n in leads]
    parts, i = [], 0
    while i < len(leads):
        j = i
        while (j + 1 < len(leads) and pos[j] is not None and pos[j + 1] is not None
               and pos[j + 1] == pos[j] + 1):
            j += 1
        if j - i >= 2:
            parts.append(f"{leads[i]}-{leads[j]}")
        else:
            parts.extend(leads[i:j + 1])
        i = j + 1
    return ", ".join(parts)
