"""Severity of findings and priority of a case, from guideline thresholds and critical values.

A case is ``critical`` when any finding meets an ECG critical value of the
Zhejiang provincial list (below), ``urgent`` for findings that need a
cardiologist the same day, else ``routine``.

The Zhejiang provincial ECG critical values (浙江省心电图危急值), which follow
the 2017 Chinese expert consensus on ECG critical values (心电图危急值2017中国
专家共识), as listed in the project's requirements; the ones ecgsignal checks:

- pause (RR) >= 3.0 s                                  -> ``PAUSE_CRITICAL_S``
- mean ventricular rate < 35/min                         -> ``RATE_CRITICAL_LOW_BPM``
- third-degree (or high-grade) AV block with rate < 40/min -> ``AVB_RATE_BPM``
- ventricular tachycardia >= 150/min lasting >= 30 s      -> ``VT_CRITICAL_BPM``, ``VT_SUSTAINED_S``
- polymorphic VT / torsades de pointes, VF / ventricular flutter
- supraventricular tachycardia >= 230/min                  -> ``SVT_CRITICAL_BPM``
- AF or atrial flutter with mean ventricular rate >= 180/min -> ``AF_RAPID_BPM``
- pre-excited AF with shortest RR < 250 ms                -> ``PREEXCITED_AF_RR_S``
- acute myocardial infarction pattern (STEMI)
"""
from __future__ import annotations

from .types import SEVERITIES, Finding

__all__ = ["priority", "severity_rank", "ZHEJIANG"]

ZHEJIANG = ("Zhejiang provincial ECG critical values (after the 2017 Chinese expert consensus "
            "on ECG critical values)")

#: Zhejiang critical value: sinus arrest / pause of 3.0 s or longer.
PAUSE_CRITICAL_S = 3.0
#: Urgent: pauses of 2.0 s or longer are reported by ambulatory ECG convention
#: (Steinberg JS et al. 2017 ISHNE-HRS expert consensus on ambulatory ECG and
#: external cardiac monitoring, doi:10.1016/j.hrthm.2017.03.038).
PAUSE_URGENT_S = 2.0
#: Zhejiang critical value: mean ventricular rate < 35/min.
RATE_CRITICAL_LOW_BPM = 35.0
#: Zhejiang critical value: third-degree AV block with ventricular rate < 40/min
#: (also the urgent low-rate threshold of this project's triage).
AVB_RATE_BPM = 40.0
#: Urgent: rate < 40/min or > 150/min.
RATE_URGENT_LOW_BPM = 40.0
RATE_URGENT_HIGH_BPM = 150.0
#: Zhejiang critical value: VT at >= 150/min lasting >= 30 s.
VT_CRITICAL_BPM = 150.0
VT_SUSTAINED_S = 30.0
#: Zhejiang critical value: supraventricular tachycardia >= 230/min.
SVT_CRITICAL_BPM = 230.0
#: Zhejiang critical value: AF/flutter with mean ventricular rate >= 180/min.
AF_RAPID_BPM = 180.0
#: Zhejiang critical value: pre-excited AF with shortest RR < 250 ms.
PREEXCITED_AF_RR_S = 0.250
#: Urgent: QTc > 500 ms (the Framingham QTc of `waves.interval_findings`) carries a
#: high risk of torsades (Drew BJ et al. 2010
#: AHA/ACCF scientific statement on prevention of torsade de pointes in hospital
#: settings, doi:10.1161/CIRCULATIONAHA.109.192704).
QTC_URGENT_MS = 500.0


def severity_rank(severity: str) -> int:
    """0 for critical, 1 urgent, 2 routine (lower is more severe)."""
    return SEVERITIES.index(severity)


def priority(findings) -> str:
    """Priority of a case: the most severe of its findings, ``"routine"`` when there are none.

    Parameters
    ----------
    findings : iterable of Finding

    Returns
    -------
    str
        ``"critical"``, ``"urgent"`` or ``"routine"``.

    Examples
    --------
    >>> priority([])
    'routine'
    """
    best = 2
    for f in findings:
        best = min(best, severity_rank(f.severity))
    return SEVERITIES[best]


def sort_findings(findings) -> list[Finding]:
    """Most severe first, then by time."""
    return sorted(findings, key=lambda f: (severity_rank(f.severity),
                                           f.start_s if f.start_s is not None else -1.0, f.code))
