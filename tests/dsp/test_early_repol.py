"""Early repolarisation: end-QRS notch / slur, concave ST, the ER statement and the Smith 2012 STEMI rule."""
import numpy as np
import pytest

from ecgsignal import analyze, st
from ecgsignal.measure import end_qrs_notch_slur, st_concave
from ecgsignal.statements import TRIAGE_RULE, VOCABULARY, interpret
from ecgsignal.types import Finding, LeadMeasurement, LeadMeasurements

_LEADS = ("I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6")
_INFEROLATERAL = ("II", "III", "aVF", "V4", "V5", "V6")


def _beat(fs, *, j_mv=0.0, s_mv=0.0, slur=False):
    """One QRS lead (R 1 mV at 100 ms) with an optional J wave, S wave or slurred downslope; (x, on, off)."""
    t = np.arange(int(0.4 * fs)) / fs
    x = np.exp(-0.5 * ((t - 0.1) / 0.01) ** 2)
    x -= s_mv * np.exp(-0.5 * ((t - 0.118) / 0.004) ** 2)
    x += j_mv * np.exp(-0.5 * ((t - 0.13) / 0.004) ** 2)
    if slur:  # the downslope flattens at 0.2 mV and decays slowly into the ST segment
        x = np.where(t > 0.115, np.maximum(x, 0.2 * np.exp(-(t - 0.115) / 0.03)), x)
    k = lambda s: int(round(s * fs))  # noqa: E731
    return x, k(0.07), k(0.13)


@pytest.mark.parametrize("fs", [250.0, 360.0, 500.0])
def test_end_qrs_notch_and_slur(fs):
    """Are an end-QRS notch and a slur found with their Jp, and a plain R or an R-S-J complex not?"""
    x, on, off = _beat(fs, j_mv=0.2)
    w = end_qrs_notch_slur(x, fs, on, off)
    assert w["kind"] == "notch"
    np.testing.assert_allclose(w["j_peak_mv"], 0.2, atol=0.03)
    x, on, off = _beat(fs, slur=True)
    w = end_qrs_notch_slur(x, fs, on, off)
    assert w["kind"] == "slur" and 0.12 <= w["j_peak_mv"] <= 0.25
    x, on, off = _beat(fs)
    assert end_qrs_notch_slur(x, fs, on, off)["kind"] == ""
    # a "notch" after an S wave lies below the baseline: not early repolarisation (Macfarlane 2015)
    x, on, off = _beat(fs, j_mv=0.2, s_mv=0.5)
    assert end_qrs_notch_slur(x, fs, on, off)["kind"] == ""
    # no prominent R wave: not assessed
    x, on, off = _beat(fs, j_mv=0.1)
    assert end_qrs_notch_slur(0.3 * x, fs, on, off)["kind"] == ""


def test_st_concave_and_convex():
    """Is the ST concave when it sags below the J-to-T-peak line, and convex when it bulges above it?"""
    u = np.linspace(0, 1, 40)
    assert st_concave(np.r_[np.zeros(10), 0.1 + 0.3 * u ** 2], 10, 49) is True
    assert st_concave(np.r_[np.zeros(10), 0.1 + 0.3 * np.sqrt(u)], 10, 49) is False
    assert st_concave(np.zeros(20), 10, 5) is None


def _table(changes=None, **glob):
    rows = []
    for n in _LEADS:
        r, s = {"aVR": (0.1, -0.8), "V1": (0.2, -0.9), "V2": (0.4, -1.2), "V3": (0.7, -0.7)}.get(n, (1.0, -0.1))
        f = dict(lead=n, r_amp_mv=r, r_dur_ms=40.0, s_amp_mv=s, s_dur_ms=30.0, r_peak_time_ms=35.0,
                 qrs_ptp_mv=r - s, qrs_area_mv_ms=20 * (r + s), p_amp_mv=0.0 if n == "aVR" else 0.1,
                 p_neg_mv=-0.1 if n == "aVR" else 0.0, p_dur_ms=100.0, st_j_mv=0.0, st_j60_mv=0.0,
                 t_amp_mv=-0.25 if n == "aVR" else 0.3, t_pos_mv=0.3, t_neg_mv=0.0, st_concave=True)
        f.update((changes or {}).get(n, {}))
        rows.append(LeadMeasurement(**f))
    g = dict(pr_ms=160.0, qrs_ms=90.0, qt_ms=360.0, qtc_ms=390.0, p_axis_deg=50.0, qrs_axis_deg=50.0,
             t_axis_deg=45.0, heart_rate_bpm=70.0)
    g.update(glob)
    return LeadMeasurements(leads=tuple(rows), **g)


def _stemi(lead="V4", value=0.2):
    return Finding(code="STEMI", severity="critical", start_s=None, end_s=None, lead=lead, value=value,
                   threshold=0.1, reference="UDMI", text="ST elevation")


_RR = np.full(12, 0.857)
#: anterior ST elevation, young man: V3 J 0.30 mV (>= 0.25), V4 J 0.15, V5 0.12; STE60 V3 0.15 mV
_ANTERIOR = {"V3": dict(st_j_mv=0.30, st_j60_mv=0.15, s_amp_mv=-0.7), "V4": dict(st_j_mv=0.15, st_j60_mv=0.10,
                                                                                 r_amp_mv=2.0),
             "V5": dict(st_j_mv=0.12, st_j60_mv=0.08)}


def test_vocabulary_and_triage_rule():
    """Is ER in the vocabulary with its standard Chinese term and no Zhejiang rule of its own?"""
    en, zh, cat, kind = VOCABULARY["ER"]
    assert zh == "早期复极" and en == "Early repolarization pattern" and cat == "st_t" and kind == "normal"
    assert TRIAGE_RULE["ER"] is None


def test_smith2012_formula_value():
    """Is the Smith 2012 score 1.196 STE60V3 (mm) + 0.059 QTc - 0.326 RV4 (mm), and ER below 23.4?"""
    res = st.smith2012_er(_table(_ANTERIOR), age=25, sex="M")
    np.testing.assert_allclose(res["score"], 1.196 * 1.5 + 0.059 * 390.0 - 0.326 * 20.0, atol=1e-6)
    assert res["leads"] == ["v3", "v4", "v5"] and res["exclusions"] == [] and res["er"]
    high = st.smith2012_er(_table(_ANTERIOR, qtc_ms=480.0), age=25, sex="M")
    assert high["score"] > st.SMITH_CUTOFF and not high["er"]


@pytest.mark.parametrize("changes, why", [
    ({"II": dict(st_j_mv=-0.08, st_j60_mv=-0.08)}, "inferior ST depression"),
    ({"V2": dict(q_amp_mv=-0.2, q_dur_ms=30.0)}, "Q wave in V2-V4"),
    ({"V6": dict(t_amp_mv=-0.15)}, "T inversion in V2-V6"),
    ({"V4": dict(st_concave=False)}, "non-concave ST"),
    ({"V3": dict(st_j_mv=0.55)}, "ST elevation >= 5 mm"),
    ({"V2": dict(s_amp_mv=0.0)}, "terminal QRS distortion in V2/V3"),
])
def test_smith2012_obvious_stemi_features(changes, why):
    """Does any "obvious STEMI" feature of Smith 2012 keep the formula from reading ER?"""
    ch = {k: dict(v) for k, v in _ANTERIOR.items()}
    for lead, c in changes.items():
        ch.setdefault(lead, {}).update(c)
    res = st.smith2012_er(_table(ch), age=25, sex="M")
    assert why in res["exclusions"] and not res["er"]


def test_smith2012_not_for_inferior_or_wide_qrs():
    """Is the formula left out for inferior elevation and for QRS >= 120 ms?"""
    inf = {n: dict(st_j_mv=0.15, st_j60_mv=0.1) for n in ("II", "III", "aVF")}
    assert st.smith2012_er(_table(inf), age=25, sex="M") is None
    assert st.smith2012_er(_table(_ANTERIOR, qrs_ms=130.0), age=25, sex="M") is None
    assert st.smith2012_er(_table(), age=25, sex="M") is None


def test_er_statement_macfarlane_without_st_elevation():
    """Does Jp >= 0.1 mV in contiguous inferior leads with concave ST make the ER statement, routine?"""
    ch = {n: dict(j_peak_mv=0.15, j_notch=True) for n in ("II", "III", "aVF")}
    it = interpret(_table(ch), rr_s=_RR, age=25, sex="M")
    er = next(s for s in it.statements if s.code == "ER")
    assert er.severity == "routine" and it.overall == "normal"
    assert {e.leads[0] for e in er.evidence} == {"II", "III", "aVF"} and "Macfarlane" in er.source


@pytest.mark.parametrize("changes", [
    {n: dict(j_peak_mv=0.15, j_notch=True) for n in ("V1", "V2", "V3")},       # V1-V3 excluded
    {"II": dict(j_peak_mv=0.15, j_notch=True), "V5": dict(j_peak_mv=0.15, j_slur=True)},  # not contiguous
    {n: dict(j_peak_mv=0.08, j_slur=True) for n in ("II", "III", "aVF")},      # Jp < 0.1 mV
    {n: dict(j_peak_mv=0.15, j_notch=True, st_concave=False) for n in ("II", "III", "aVF")},  # convex ST
])
def test_no_er_statement(changes):
    """Is ER left out outside its definition (V1-V3, non-contiguous, Jp < 0.1 mV, convex ST)?"""
    assert "ER" not in interpret(_table(changes), rr_s=_RR, age=25, sex="M").codes


def test_er_with_bundle_branch_block_not_stated():
    """Is ER left out with QRS >= 120 ms?"""
    ch = {n: dict(j_peak_mv=0.15, j_notch=True) for n in ("II", "III", "aVF")}
    assert "ER" not in interpret(_table(ch, qrs_ms=130.0), rr_s=_RR).codes


def test_inferior_er_keeps_stemi():
    """With inferior elevation meeting STEMI and ER notches, are both stated and the ECG still critical?"""
    ch = {n: dict(j_peak_mv=0.18, j_slur=True, st_j_mv=0.12, st_j60_mv=0.08) for n in ("II", "III", "aVF")}
    it = interpret(_table(ch), [_stemi("II", 0.12)], rr_s=_RR, age=22, sex="M")
    assert {"STEMI", "ER"} <= set(it.codes)
    assert next(s for s in it.statements if s.code == "STEMI").severity == "critical"
    er = next(s for s in it.statements if s.code == "ER")
    assert er.severity == "routine" and any("not excluded" in e.quantity for e in er.evidence)


def test_anterior_er_by_smith_is_urgent_not_stemi():
    """When the Smith formula reads anterior elevation as ER (no STEMI finding), is ER stated urgent?"""
    it = interpret(_table(_ANTERIOR), [], rr_s=_RR, age=25, sex="M")
    er = next(s for s in it.statements if s.code == "ER")
    assert er.severity == "urgent" and "STEMI" not in it.codes and "Smith" in er.source
    assert any(e.value is not None and e.value < st.SMITH_CUTOFF for e in er.evidence)


@pytest.mark.parametrize("fs", [250.0, 360.0, 500.0])
def test_synthetic_j_waves_are_early_repolarisation(fs, synth12):
    """Do J waves (0.25 mV) in the inferior and lateral leads of a synthetic ECG read as ER, not STEMI?"""
    a = analyze(synth12(fs, j_wave_mv={n: 0.25 for n in _INFEROLATERAL}), age=25, sex="M")
    codes = set(a.interpretation.codes)
    assert "ER" in codes and "STEMI" not in codes and a.priority == "routine"
    ev = next(s for s in a.interpretation.statements if s.code == "ER").evidence
    assert len({e.leads[0] for e in ev}) >= 2
    for e in ev:
        np.testing.assert_allclose(e.value, 0.25, atol=0.06)


def test_synthetic_inferior_stemi_stays_critical(synth12):
    """Does plain inferior ST elevation (no J wave) stay a critical STEMI?"""
    a = analyze(synth12(500.0, st_mv={"II": 0.2, "III": 0.2, "aVF": 0.2}), age=30, sex="M")
    assert "STEMI" in a.interpretation.codes and a.priority == "critical"
