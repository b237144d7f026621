"""Holter summary: what a 24-hour report prints, computed from the detected and labelled beats.

Pure and vectorised: beat sample indices, their labels and the sampling rate in; a `HolterSummary`
out (every quantity with its unit in its name). Episodes carry their start in seconds so a viewer
can jump to them.

References
----------
.. [1] Steinberg JS, Varma N, Cygankiewicz I, et al. 2017 ISHNE-HRS expert consensus statement on
   ambulatory ECG and external cardiac monitoring/telemetry. Heart Rhythm. 2017;14(7):e55-e96.
   doi:10.1016/j.hrthm.2017.03.038 (hourly tables, ectopy burden, pauses, episode definitions).
.. [2] Al-Khatib SM, Stevenson WG, Ackerman MJ, et al. 2017 AHA/ACC/HRS guideline for management
   of patients with ventricular arrhythmias and the prevention of sudden cardiac death.
   Circulation. 2018;138:e272-e391. doi:10.1161/CIR.0000000000000549 (PVC burden > 10 % and
   PVC-induced cardiomyopathy).
.. [3] Cronin EM, Bogun FM, Maury P, et al. 2019 HRS/EHRA/APHRS/LAHRS expert consensus statement on
   catheter ablation of ventricular arrhythmias. Heart Rhythm. 2020;17:e2-e154.
   doi:10.1016/j.hrthm.2019.03.002 (a PVC burden >= 10 % warrants evaluation for cardiomyopathy).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

__all__ = ["HolterSummary", "holter_summary", "holter_priority", "MIN_HOLTER_S", "PVC_BURDEN_URGENT_PCT"]

#: Recordings at least this long get a Holter summary (one hour: an hourly table needs hours).
MIN_HOLTER_S = 3600.0
#: A pause: an RR interval of at least 2.0 s (ISHNE-HRS 2017 [1]; the Zhejiang critical value is 3 s).
PAUSE_S = 2.0
#: Heart rate is reported as minimum / maximum of 1-minute averages, the usual Holter convention [1].
HR_WINDOW_S = 60.0
#: PVC burden at or above which the case is at least urgent ([2], [3]).
PVC_BURDEN_URGENT_PCT = 10.0
#: Bigeminy / trigeminy episodes: at least this many consecutive cycles (N-V, or N-N-V).
MIN_PATTERN_CYCLES = 3


@dataclass(frozen=True)
class HolterSummary:
    duration_s: float
    n_beats: int
    heart_rate_min_bpm: float | None
    heart_rate_min_at_s: float | None
    heart_rate_mean_bpm: float | None
    heart_rate_max_bpm: float | None
    heart_rate_max_at_s: float | None
    pvc_count: int
    pac_count: int
    pvc_burden_pct: float
    pac_burden_pct: float
    couplets: int
    runs: list = field(default_factory=list)          # [{"start_s", "beats", "rate_bpm"}] ventricular runs >= 3 beats
    bigeminy: list = field(default_factory=list)      # [{"start_s", "end_s", "cycles"}]
    trigeminy: list = field(default_factory=list)
    pauses: list = field(default_factory=list)        # [{"start_s", "duration_s"}], RR >= PAUSE_S, longest first (<= 50)
    longest_rr_s: float | None = None
    longest_rr_at_s: float | None = None
    af_burden_pct: float = 0.0
    af_longest_s: float | None = None
    af_longest_start_s: float | None = None
    hourly: list = field(default_factory=list)        # [{"hour", "start_s", "beats", "hr_mean_bpm", "pvc", "pac", "pauses"}]
    # Episode lists keep the first 200 of each kind (for the viewer); these are the full counts.
    runs_total: int = 0
    bigeminy_total: int = 0
    trigeminy_total: int = 0
    pauses_total: int = 0

    def to_dict(self) -> dict:
        return asdict(self)


def _runs_of(mask: np.ndarray) -> list[tuple[int, int]]:
    """(start, length) of every run of True in a boolean array."""
    if not mask.size:
        return []
    padded = np.concatenate([[False], mask, [False]]).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return [(int(a), int(b - a)) for a, b in zip(edges[0::2], edges[1::2])]


def _pattern_episodes(labels: np.ndarray, t_s: np.ndarray, period: int) -> list[dict]:
    """Bigeminy (period 2: N V N V ...) or trigeminy (period 3: N N V ...): >= MIN_PATTERN_CYCLES cycles."""
    n = labels.size
    if n < period * MIN_PATTERN_CYCLES:
        return []
    v = labels == "V"
    normal = ~v
    # A cycle ends at beat i when beat i is V and the period-1 beats before it are not V.
    ends = v.copy()
    for k in range(1, period):
        ends[k:] &= normal[:-k]
        ends[:k] = False
    # Consecutive cycle ends exactly `period` beats apart form an episode.
    idx = np.flatnonzero(ends)
    episodes = []
    if idx.size == 0:
        return episodes
    breaks = np.flatnonzero(np.diff(idx) != period)
    starts = np.concatenate([[0], breaks + 1])
    stops = np.concatenate([breaks, [idx.size - 1]])
    for a, b in zip(starts, stops):
        cycles = int(b - a + 1)
        if cycles >= MIN_PATTERN_CYCLES:
            first_beat = int(idx[a]) - (period - 1)
            episodes.append({"start_s": round(float(t_s[first_beat]), 2), "end_s": round(float(t_s[idx[b]]), 2),
                             "cycles": cycles})
    return episodes


def holter_summary(beat_samples, labels, fs, *, duration_s, af_episodes_s=()) -> HolterSummary:
    """Summarise a long recording from its beats.

    Parameters
    ----------
    beat_samples : array_like of int
        Sample index of every beat, increasing.
    labels : array_like of str
        'N' normal, 'V' ventricular, 'S' supraventricular premature, 'Q' unclassified (as Beats.labels).
    fs : float
        Sampling rate in Hz.
    duration_s : float
        Recording duration in seconds.
    af_episodes_s : sequence of (start_s, end_s), optional
        Atrial fibrillation episodes in seconds (from the AF findings).

    Returns
    -------
    HolterSummary

    Notes
    -----
    1. Heart rate: beats per 1-minute window (windows with >= 50 % of beats readable), min, mean
       and max with the window's start time.
    2. Burden: V (S) beats over all beats, in percent; couplets are exactly two consecutive V,
       runs three or more (ventricular tachycardia runs, ISHNE-HRS 2017).
    3. Bigeminy / trigeminy: >= 3 consecutive N-V (N-N-V) cycles.
    4. Pauses: RR >= 2.0 s. Hourly table: beats, mean rate, V, S and pauses per clock hour of
       recording.
    """
    if fs is None or not np.isfinite(fs) or fs <= 0:
        raise ValueError("`fs` must be a positive number")
    r = np.asarray(beat_samples, dtype=np.int64)
    lab = np.asarray(labels).astype(str)
    if r.ndim != 1 or lab.shape != r.shape:
        raise ValueError("`beat_samples` and `labels` must be 1-D arrays of the same length")
    t_s = r / float(fs)
    n = int(r.size)
    n_minutes = max(1, int(np.ceil(duration_s / HR_WINDOW_S)))
    counts = np.bincount(np.clip((t_s // HR_WINDOW_S).astype(np.int64), 0, n_minutes - 1), minlength=n_minutes) \
        if n else np.zeros(n_minutes, dtype=np.int64)
    full = counts[: int(duration_s // HR_WINDOW_S)] if duration_s >= HR_WINDOW_S else counts
    valid = full > 0
    if valid.any():
        rates = full[valid] * (60.0 / HR_WINDOW_S)
        minutes = np.flatnonzero(valid)
        i_min, i_max = int(np.argmin(rates)), int(np.argmax(rates))
        hr = (float(rates[i_min]), float(minutes[i_min] * HR_WINDOW_S), float(rates.mean()),
              float(rates[i_max]), float(minutes[i_max] * HR_WINDOW_S))
    else:
        hr = (None, None, None, None, None)
    v = lab == "V"
    s = lab == "S"
    runs = _runs_of(v)
    couplets = sum(1 for _a, length in runs if length == 2)
    vruns = [{"start_s": round(float(t_s[a]), 2), "beats": length,
              "rate_bpm": round(60.0 * (length - 1) / max(t_s[a + length - 1] - t_s[a], 1e-6), 1)}
             for a, length in runs if length >= 3]
    rr = np.diff(t_s)
    pause_idx = np.flatnonzero(rr >= PAUSE_S)
    pauses = sorted(({"start_s": round(float(t_s[i]), 2), "duration_s": round(float(rr[i]), 2)} for i in pause_idx),
                    key=lambda p: -p["duration_s"])[:50]
    longest = int(np.argmax(rr)) if rr.size else None
    af_total = sum(max(0.0, float(b) - float(a)) for a, b in af_episodes_s)
    af_longest = max(af_episodes_s, key=lambda e: e[1] - e[0], default=None)
    n_hours = max(1, int(np.ceil(duration_s / 3600.0)))
    hour_of = np.clip((t_s // 3600).astype(np.int64), 0, n_hours - 1)
    pause_hours = hour_of[pause_idx] if pause_idx.size else np.array([], dtype=np.int64)
    hourly = []
    for h in range(n_hours):
        in_hour = hour_of == h
        beats = int(in_hour.sum())
        hour_len_s = min(3600.0, duration_s - h * 3600.0)
        hourly.append({"hour": h, "start_s": h * 3600.0, "beats": beats,
                       "hr_mean_bpm": round(beats * 60.0 / hour_len_s, 1) if hour_len_s > 0 else None,
                       "pvc": int((v & in_hour).sum()), "pac": int((s & in_hour).sum()),
                       "pauses": int((pause_hours == h).sum())})
    bigeminy = _pattern_episodes(lab, t_s, 2)
    trigeminy = _pattern_episodes(lab, t_s, 3)
    return HolterSummary(
        duration_s=float(duration_s), n_beats=n,
        heart_rate_min_bpm=hr[0], heart_rate_min_at_s=hr[1], heart_rate_mean_bpm=hr[2],
        heart_rate_max_bpm=hr[3], heart_rate_max_at_s=hr[4],
        pvc_count=int(v.sum()), pac_count=int(s.sum()),
        pvc_burden_pct=round(100.0 * v.sum() / n, 2) if n else 0.0,
        pac_burden_pct=round(100.0 * s.sum() / n, 2) if n else 0.0,
        couplets=couplets, runs=vruns[:200],
        bigeminy=bigeminy[:200], trigeminy=trigeminy[:200],
        pauses=pauses,
        longest_rr_s=round(float(rr[longest]), 3) if longest is not None else None,
        longest_rr_at_s=round(float(t_s[longest]), 2) if longest is not None else None,
        af_burden_pct=round(100.0 * af_total / duration_s, 2) if duration_s > 0 else 0.0,
        af_longest_s=round(float(af_longest[1] - af_longest[0]), 1) if af_longest else None,
        af_longest_start_s=round(float(af_longest[0]), 1) if af_longest else None,
        hourly=hourly, runs_total=len(vruns), bigeminy_total=len(bigeminy), trigeminy_total=len(trigeminy),
        pauses_total=int(pause_idx.size),
    )


def holter_priority(summary: HolterSummary) -> str | None:
    """The triage floor a Holter summary sets: 'urgent' for a PVC burden >= 10 % ([2], [3]), else None."""
    return "urgent" if summary.pvc_burden_pct >= PVC_BURDEN_URGENT_PCT else None
