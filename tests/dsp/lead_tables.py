"""Synthetic per-lead measurement tables for the statement tests (a normal adult 12-lead, edited per test)."""
from ecgsignal.types import Finding, LeadMeasurement, LeadMeasurements

_LEADS = ("I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6")
#: a normal adult table: (q, r, s) amplitudes in mV per lead; P 0.1 mV, T 0.25 mV upright (aVR inverted)
_NORMAL_QRS = {"I": (0, 0.8, -0.1), "II": (0, 1.0, -0.1), "III": (0, 0.4, -0.2), "aVR": (0, 0.1, -0.8),
               "aVL": (0, 0.4, -0.2), "aVF": (0, 0.7, -0.1), "V1": (0, 0.2, -0.9), "V2": (0, 0.4, -1.2),
               "V3": (0, 0.7, -0.7), "V4": (0, 1.1, -0.4), "V5": (0, 1.2, -0.2), "V6": (0, 1.0, -0.1)}


def lead_table(changes=None, **glob):
    rows = []
    for n in _LEADS:
        q, r, s = _NORMAL_QRS[n]
        f = dict(lead=n, q_amp_mv=q, r_amp_mv=r, r_dur_ms=40.0, s_amp_mv=s, s_dur_ms=30.0 if s else 0.0,
                 r_peak_time_ms=35.0, qrs_ptp_mv=r - s, qrs_area_mv_ms=20 * (r + s),
                 p_amp_mv=0.0 if n == "aVR" else 0.1, p_neg_mv=-0.1 if n == "aVR" else 0.0,
                 p_dur_ms=100.0, st_j_mv=0.0, st_j60_mv=0.0, t_amp_mv=-0.25 if n == "aVR" else 0.25,
                 t_pos_mv=0.25, t_neg_mv=0.0)
        f.update((changes or {}).get(n, {}))
        rows.append(LeadMeasurement(**f))
    g = dict(pr_ms=160.0, qrs_ms=90.0, qt_ms=380.0, qtc_ms=410.0, p_axis_deg=50.0, qrs_axis_deg=50.0,
             t_axis_deg=45.0, heart_rate_bpm=70.0)
    g.update(glob)
    return LeadMeasurements(leads=tuple(rows), **g)


def finding(code, severity="routine", lead=None, value=None, threshold=None):
    return Finding(code=code, severity=severity, start_s=None, end_s=None, lead=lead, value=value,
                   threshold=threshold, reference="test", text=code)
