"""Frozen result types of ecgsignal. Every quantity carries its unit in its name."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np


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

    @property
    def n_samples(self) -> int:
        return int(self.signal_mv.shape[0])

    @property
    def duration_s(self) -> float:
        return self.n_samples / self.fs


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
