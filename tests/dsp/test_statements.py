"""Interpretive statements, per-lead measurements and flutter waves: real fixture records and synthetic ECGs."""
import json
from pathlib import Path

import numpy as np
import pytest
from ecgsignal import analyze, read_record
from ecgsignal.atrial import flutter_waves
from ecgsignal.beats import detect_beats
from ecgsignal.filters import remove_baseline
from ecgsignal.measure import qrs_waves
from ecgsignal.statements import ORDER, TRIAGE_RULE, VOCABULARY, interpret, statement
from ecgsignal.types import (
    SEVERITIES,
    Finding,
    LeadMeasurement,
    LeadMeasurements,
    Record,
)

from tests.dsp.lead_tables import _LEADS
from tests.dsp.lead_tables import finding as _finding
from tests.dsp.lead_tables import lead_table as _table

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
FINDING_CODES = {"BRADY", "TACHY", "PAUSE", "AF", "PVC", "PAC", "VRUN", "VT", "VF", "AVB_HIGH", "WIDE_QRS",
                 "LONG_PR", "LONG_QTC", "STEMI", "ST_DEPRESSION", "POSTERIOR_MI", "LEAD_REVERSAL", "LOW_QUALITY",
                 "IMPLAUSIBLE_AMPLITUDE"}


def _codes(a):
    return set(a.interpretation.codes)


@pytest.fixture(scope="module")
def ptbxl():
    """Analyses of the PTB-XL fixture records, by ecg_id (age and sex from ptbxl_database.csv)."""
    demo = {1: (56, "F"), 2: (19, "M"), 8: (48, "M"), 17: (56, "M"), 172: (62, "M"), 180: (78, "M")}
    return {k: analyze(read_record(FIXTURES / f"ptbxl/{k:05d}_hr.hea"), age=a, sex=s) for k, (a, s) in demo.items()}


# ----------------------------------------------------------------------------- vocabulary
def test_vocabulary_is_complete():
    """Has every statement code an English and a Chinese label, a category, a kind and a triage rule entry?"""
    assert set(VOCABULARY) == set(TRIAGE_RULE)
    for code, (en, zh, cat, kind) in VOCABULARY.items():
        assert en and zh and any("\u4e00" <= ch <= "\u9fff" for ch in zh), code
        assert cat in ORDER and kind in ("normal", "borderline", "abnormal", "uninterpretable")
        assert TRIAGE_RULE[code] is None or TRIAGE_RULE[code] in FINDING_CODES


def test_standard_chinese_terms():
    """Are the key statements labelled with the standard terms of Chinese ECG reports?"""
    zh = {c: v[1] for c, v in VOCABULARY.items()}
    assert zh["SR"] == "窦性心律" and zh["SB"] == "窦性心动过缓" and zh["AFIB"] == "心房颤动"
    assert zh["AFL"] == "心房扑动" and zh["1AVB"] == "一度房室传导阻滞"
    assert zh["CRBBB"] == "完全性右束支传导阻滞" and zh["CLBBB"] == "完全性左束支传导阻滞"
    assert zh["LAFB"] == "左前分支阻滞" and zh["LVH"] == "左心室肥厚" and zh["LOW_VOLT"] == "低电压"
    assert zh["TINV"] == "T波倒置" and zh["LONG_QT"] == "QT间期延长"
    assert zh["IMI_OLD"].startswith("陈旧性下壁心肌梗死")


def test_statement_severity_follows_triage_rule():
    """Does a statement take the severity of the finding whose triage rule it maps to?"""
    f = Finding(code="STEMI", severity="critical", start_s=None, end_s=None, lead="II", value=0.2,
                threshold=0.1, reference="UDMI", text="ST elevation")
    assert statement("STEMI", findings=[f]).severity == "critical"
    assert statement("LVH", findings=[f]).severity == "routine"


def test_uninterpretable_when_unreadable():
    """Is an unreadable record 'uninterpretable' with a single statement asking for a repeat?"""
    it = interpret(None, readable=False)
    assert it.overall == "uninterpretable" and it.codes == ("UNINTERPRETABLE",)


# ----------------------------------------------------------------------------- QRS waves
FS = 500.0


def _bump(t, c, a, w):
    return a * np.exp(-0.5 * ((t - c) / w) ** 2)


@pytest.mark.parametrize("fs", [250.0, 500.0])
def test_qrs_waves_qr_rs_rsr(fs):
    """Are Q, R, S and R' amplitudes found on qR, rS and rSR' complexes of known shape?"""
    t = np.arange(int(0.1 * fs)) / fs
    qr = _bump(t, 0.015, -0.2, 0.005) + _bump(t, 0.05, 1.0, 0.01)
    w = qrs_waves(qr, fs)
    assert w["q_amp_mv"] == pytest.approx(-0.2, abs=0.03) and w["r_amp_mv"] == pytest.approx(1.0, abs=0.03)
    assert w["s_amp_mv"] == 0.0
    rs = _bump(t, 0.02, 0.2, 0.006) + _bump(t, 0.055, -1.0, 0.012)
    w = qrs_waves(rs, fs)
    assert w["q_amp_mv"] == 0.0 and w["r_amp_mv"] == pytest.approx(0.2, abs=0.03)
    assert w["s_amp_mv"] == pytest.approx(-1.0, abs=0.03)
    t = np.arange(int(0.14 * fs)) / fs
    rsr = _bump(t, 0.015, 0.3, 0.006) + _bump(t, 0.05, -0.6, 0.01) + _bump(t, 0.1, 0.8, 0.012)
    w = qrs_waves(rsr, fs)
    assert w["r2_amp_mv"] == pytest.approx(0.8, abs=0.05)
    assert w["r_peak_time_ms"] == pytest.approx(100.0, abs=1000.0 * 2 / fs)


def test_qrs_waves_qs_and_tiny_wiggles():
    """Is a wholly negative complex a QS, and are deflections under 20 uV ignored?"""
    t = np.arange(int(0.1 * FS)) / FS
    w = qrs_waves(_bump(t, 0.05, -1.0, 0.012) + _bump(t, 0.01, 0.01, 0.003), FS)
    assert w["r_amp_mv"] == 0.0 and w["q_amp_mv"] == pytest.approx(-1.0, abs=0.02)
    assert w["q_dur_ms"] > 60


# ----------------------------------------------------------------------------- synthetic 12-lead
@pytest.mark.parametrize("fs", [250.0, 500.0])
def test_synthetic_normal_ecg(fs, synth12):
    """Is a clean synthetic 12-lead at 70/min, axis +60, PR 160 ms, QRS 90 ms read as a normal ECG in sinus rhythm?"""
    a = analyze(synth12(fs), age=50, sex="M")
    assert "SR" in _codes(a)
    assert a.interpretation.overall == "normal", a.interpretation.codes
    lm = a.lead_measurements
    assert lm.qrs_axis_deg == pytest.approx(60, abs=15)
    assert lm.p_axis_deg == pytest.approx(60, abs=25)
    ii = lm.lead("II")
    assert ii.r_amp_mv > 0.8 and ii.t_amp_mv > 0.1 and abs(ii.st_j60_mv) < 0.05


@pytest.mark.parametrize("hr, code", [(45, "SB_MARKED"), (55, "SB"), (115, "STACH")])
def test_synthetic_sinus_rates(hr, code, synth12):
    """Is the sinus rate statement chosen by the published rate limits (60, 100, marked below 50/min)?"""
    # QT shortens with rate (QTc ~ 400 ms), so that the P wave stays clear of the T wave
    a = analyze(synth12(500.0, hr_bpm=hr, qt_s=0.40 * np.sqrt(60.0 / hr)), age=50, sex="M")
    assert code in _codes(a)


@pytest.mark.parametrize("axis, code", [(-60, "LAD"), (130, "RAD"), (-150, "EXTREME_AXIS")])
def test_synthetic_axis(axis, code, synth12):
    """Are left, right and extreme axis deviation stated at their published angles?"""
    a = analyze(synth12(500.0, axis_deg=axis), age=50, sex="M")
    assert code in _codes(a), (axis, a.lead_measurements.qrs_axis_deg, a.interpretation.codes)


def test_synthetic_first_degree_av_block(synth12):
    """Is a PR interval of 260 ms a first-degree AV block?"""
    a = analyze(synth12(500.0, pr_s=0.26), age=50, sex="M")
    assert "1AVB" in _codes(a)
    s = next(s for s in a.interpretation.statements if s.code == "1AVB")
    assert s.evidence[0].value > 200 and s.source


def test_synthetic_low_voltage(synth12):
    """Is a record whose every QRS is under 0.5 mV peak to peak called low voltage?"""
    r = synth12(500.0)
    small = Record(signal_mv=(r.signal_mv * 0.3).astype(np.float32), fs=r.fs, lead_names=r.lead_names)
    assert "LOW_VOLT" in _codes(analyze(small, age=50, sex="M"))


def test_synthetic_lvh_sokolow_and_age(synth12):
    """Is Sokolow-Lyon voltage LVH stated at 50 years but not, without strain, at 20?"""
    r = synth12(500.0)
    big = Record(signal_mv=(r.signal_mv * 1.8).astype(np.float32), fs=r.fs, lead_names=r.lead_names)
    a = analyze(big, age=50, sex="M")
    assert {"LVH", "LVH_STRAIN"} & _codes(a)
    s = next(s for s in a.interpretation.statements if s.code.startswith("LVH"))
    assert any("Sokolow" in e.quantity and e.value >= 3.5 for e in s.evidence)
    assert "LVH" not in _codes(analyze(big, age=20, sex="M"))


def test_synthetic_inferior_st_elevation_is_critical(synth12):
    """Is 2 mm ST elevation in II, III and aVF an acute-injury statement with critical severity?"""
    a = analyze(synth12(500.0, st_mv={"II": 0.2, "III": 0.2, "aVF": 0.2}), age=60, sex="M")
    s = [s for s in a.interpretation.statements if s.code == "STEMI"]
    assert s and s[0].severity == "critical" and s[0].triage_rule == "STEMI"
    assert a.interpretation.overall == "abnormal"


def test_synthetic_long_qt(synth12):
    """Is a QT of 540 ms at 70/min a prolonged QT statement?"""
    a = analyze(synth12(500.0, qt_s=0.54), age=50, sex="M")
    assert "LONG_QT" in _codes(a)


def test_interpret_q_wave_mi_and_lbbb_from_a_table():
    """Do hand-written per-lead tables give inferior Q-wave MI, and LBBB morphology (with no MI stated)?"""
    base = {n: LeadMeasurement(lead=n, r_amp_mv=0.8, r_dur_ms=40, s_amp_mv=-0.2, s_dur_ms=20, qrs_ptp_mv=1.0,
                               qrs_area_mv_ms=20, t_amp_mv=0.2, p_amp_mv=0.0 if n == "aVR" else 0.1,
                               p_neg_mv=-0.1 if n == "aVR" else 0.0, r_peak_time_ms=35)
            for n in ("I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6")}
    q = dict(q_amp_mv=-0.3, q_dur_ms=40.0)
    mi = dict(base, II=LeadMeasurement(**{**base["II"].__dict__, **q}),
              aVF=LeadMeasurement(**{**base["aVF"].__dict__, **q}))
    lm = LeadMeasurements(leads=tuple(mi.values()), pr_ms=160, qrs_ms=100, qt_ms=380, qtc_ms=410,
                          p_axis_deg=50, qrs_axis_deg=40, t_axis_deg=40, heart_rate_bpm=70)
    it = interpret(lm, rr_s=np.full(10, 0.857))
    assert "IMI_OLD" in it.codes and "SR" in it.codes and it.overall == "abnormal"
    ev = next(s for s in it.statements if s.code == "IMI_OLD").evidence
    assert {e.leads[0] for e in ev} == {"II", "aVF"}
    lb = dict(mi, V1=LeadMeasurement(lead="V1", r_amp_mv=0.1, s_amp_mv=-1.5, s_dur_ms=100, qrs_ptp_mv=1.6,
                                     qrs_area_mv_ms=-80, t_amp_mv=0.3, p_amp_mv=0.05, p_neg_mv=0.0),
              I=LeadMeasurement(lead="I", r_amp_mv=1.0, r_dur_ms=130, qrs_ptp_mv=1.0, qrs_area_mv_ms=80,
                                r_peak_time_ms=80, t_amp_mv=-0.2, p_amp_mv=0.1, p_neg_mv=0.0))
    for n in ("V5", "V6"):
        lb[n] = LeadMeasurement(lead=n, r_amp_mv=1.2, r_dur_ms=130, qrs_ptp_mv=1.2, qrs_area_mv_ms=90,
                                r_peak_time_ms=80, t_amp_mv=-0.2, p_amp_mv=0.1, p_neg_mv=0.0)
    lm = LeadMeasurements(leads=tuple(lb.values()), pr_ms=160, qrs_ms=150, qt_ms=440, qtc_ms=460,
                          p_axis_deg=50, qrs_axis_deg=-10, t_axis_deg=150, heart_rate_bpm=70)
    it = interpret(lm, rr_s=np.full(10, 0.857))
    assert "CLBBB" in it.codes and not {"IMI_OLD", "LVH", "TINV"} & set(it.codes)


# ----------------------------------------------------------------------------- flutter
def _flutter_signal(fs, *, ratio=2, atrial_bpm=300.0, duration_s=10.0, saw_mv=0.3):
    """II, III, aVF, V1: narrow QRS every `ratio` flutter cycles plus a negative sawtooth at `atrial_bpm`."""
    n = int(duration_s * fs)
    t = np.arange(n) / fs
    cyc = 60.0 / atrial_bpm
    saw = -saw_mv * ((t / cyc) % 1.0 - 0.5)
    beats = np.arange(0.3, duration_s - 0.3, ratio * cyc)
    qrs = sum(_bump(t, b, 1.0, 0.01) for b in beats)
    x = np.stack([qrs + saw, 0.5 * qrs + saw, 0.8 * qrs + saw, -0.6 * qrs + 0.5 * saw], axis=1)
    return x, np.round(beats * fs).astype(int)


@pytest.mark.parametrize("fs", [250.0, 500.0])
@pytest.mark.parametrize("ratio", [2, 4])
def test_flutter_waves_synthetic(fs, ratio):
    """Are 300/min sawtooth flutter waves found with 2:1 and 4:1 conduction, with the atrial rate and the ratio?"""
    x, r = _flutter_signal(fs, ratio=ratio)
    f = flutter_waves(x, fs, r, lead_names=("II", "III", "aVF", "V1"))
    assert f is not None and f["atrial_rate_bpm"] == pytest.approx(300, abs=10)
    assert f["ratio"] == pytest.approx(ratio, abs=0.1)


@pytest.mark.parametrize("fs", [250.0, 500.0])
def test_no_flutter_without_atrial_waves(fs):
    """Are narrow QRS complexes on a quiet baseline free of flutter waves?"""
    x, r = _flutter_signal(fs, saw_mv=0.0)
    x = x + 0.01 * np.random.default_rng(0).standard_normal(x.shape)
    assert flutter_waves(x, fs, r, lead_names=("II", "III", "aVF", "V1")) is None


@pytest.mark.parametrize("hr", [105, 140])
def test_sinus_tachycardia_is_not_flutter(hr, synth12):
    """Is a synthetic sinus tachycardia (P and T half an RR apart at 140/min) never called atrial flutter?"""
    a = analyze(synth12(500.0, hr_bpm=hr), age=50, sex="M")
    assert "AFL" not in _codes(a)


# ----------------------------------------------------------------------------- real records
def test_ptbxl_00001_normal(ptbxl):
    """Is PTB-XL 1 (NORM, sinus rhythm) a normal ECG in sinus rhythm?"""
    a = ptbxl[1]
    assert "SR" in _codes(a) and a.interpretation.overall == "normal"
    assert a.interpretation.statements[-1].code == "NORMAL_ECG"


def test_ptbxl_00002_sinus_bradycardia(ptbxl):
    """Is PTB-XL 2 (sinus bradycardia, 19-year-old man) sinus bradycardia, without voltage LVH at 19?"""
    c = _codes(ptbxl[2])
    assert {"SB", "SB_MARKED"} & c and "LVH" not in c


def test_ptbxl_00008_inferior_infarct(ptbxl):
    """Is the inferior infarct of PTB-XL 8 (IMI) stated as an inferior infarct, age undetermined?"""
    assert "IMI_OLD" in _codes(ptbxl[8])
    assert ptbxl[8].interpretation.overall == "abnormal"


def test_ptbxl_00017_atrial_flutter(ptbxl):
    """Is the 2:1 atrial flutter of PTB-XL 17 stated as atrial flutter (not only a fast rate)?"""
    a = ptbxl[17]
    assert "AFL" in _codes(a)
    s = next(s for s in a.interpretation.statements if s.code == "AFL")
    assert s.severity in ("urgent", "critical") and s.triage_rule == "AF"
    assert 230 <= s.evidence[0].value <= 350


def test_ptbxl_00172_complete_rbbb(ptbxl):
    """Is the complete RBBB of PTB-XL 172 stated as CRBBB?"""
    assert "CRBBB" in _codes(ptbxl[172])


def test_ptbxl_00180_complete_lbbb(ptbxl):
    """Is the complete LBBB of PTB-XL 180 stated as CLBBB, without LVH or Q-wave infarction?"""
    c = _codes(ptbxl[180])
    assert "CLBBB" in c and not {"LVH", "LVH_STRAIN", "IMI_OLD", "ASMI_OLD", "AMI_OLD", "LMI_OLD"} & c


def test_cinc_a00004_atrial_fibrillation():
    """Is the AF of CinC 2017 A00004 (single lead) an atrial-fibrillation statement with urgent severity?"""
    a = analyze(read_record(FIXTURES / "cinc2017/A00004.hea"))
    s = [s for s in a.interpretation.statements if s.code == "AFIB"]
    assert s and s[0].severity in ("urgent", "critical")


@pytest.mark.parametrize("name", ["ptbxl/00001_hr.hea", "ptbxl/00002_hr.hea", "ptbxl/00017_hr.hea",
                                  "ptbxl/00180_hr.hea", "ludb/1.hea"])
def test_no_12_lead_record_all_q(name):
    """Is no beat-labelled 12-lead fixture left with every beat 'Q' (unclassifiable)?"""
    r = read_record(FIXTURES / name)
    b = detect_beats(remove_baseline(r.signal_mv, r.fs, cutoff_hz=0.5), r.fs)
    assert (b.labels != "Q").mean() >= 0.5


def test_interpretation_json(ptbxl):
    """Are the interpretation and the lead table plain JSON with every statement's fields?"""
    d = ptbxl[180].to_dict()
    json.dumps(d, allow_nan=False)
    it = d["interpretation"]
    assert it["overall"] in ("normal", "borderline", "abnormal", "uninterpretable")
    for s in it["statements"]:
        assert set(s) == {"code", "label_en", "label_zh", "category", "kind", "severity", "evidence", "source",
                          "triage_rule"}
        assert s["severity"] in SEVERITIES and s["source"]
    assert len(d["lead_measurements"]["leads"]) == 12
    assert set(d["lead_measurements"]["global"]) >= {"pr_ms", "qrs_ms", "qt_ms", "qtc_ms", "p_axis_deg",
                                                      "qrs_axis_deg", "t_axis_deg"}


def test_long_recording_has_no_interpretation(synth12):
    """Is a recording longer than a resting strip left without resting-ECG statements?"""
    r = synth12(250.0, duration_s=70.0)
    a = analyze(r)
    assert a.interpretation is None and a.to_dict()["interpretation"] is None


def test_flat_t_waves_minnesota(synth12):
    """Are flat T waves (under R/20 in leads with tall R) in contiguous leads a nonspecific T-wave statement?"""
    r = synth12(500.0)
    base = analyze(r, age=50, sex="M")
    assert "T_FLAT" not in _codes(base)
    lm = base.lead_measurements
    flat = tuple(LeadMeasurement(**{**m.__dict__, "t_amp_mv": 0.02, "t_pos_mv": 0.02})
                 if m.lead in ("V4", "V5", "V6") else m for m in lm.leads)
    it = interpret(LeadMeasurements(**{**lm.__dict__, "leads": flat}), base.findings, rr_s=np.full(10, 0.857))
    assert "T_FLAT" in it.codes and it.overall == "abnormal"


# ----------------------------------------------------------------------------- AF model
def test_af_model_artefact_is_versioned_and_cross_validated():
    """Does the shipped AF model name its version, features, training data and cross-validated F1?"""
    from ecgsignal import afmodel
    m = afmodel.load_model()
    assert m is not None and m["version"] == "af_logreg_v2"
    assert tuple(m["features"]) == afmodel.FEATURES
    assert len(m["coef"]) == len(m["mean"]) == len(m["scale"]) == len(m["impute"]) == len(afmodel.FEATURES)
    assert "CinC 2017" in m["trained_on"] and m["cv"]["folds"] >= 5 and 0 < m["cv"]["f1"] <= m["fitted"]["f1"]


def test_af_model_on_fixtures():
    """Does the AF model put CinC A00004 (AF) above its threshold and A00001 (normal) below?"""
    a4 = analyze(read_record(FIXTURES / "cinc2017/A00004.hea"))
    a1 = analyze(read_record(FIXTURES / "cinc2017/A00001.hea"))
    assert a4.af_model["probability"] >= a4.af_model["threshold"] > a1.af_model["probability"]


def test_af_model_vetoed_by_repeating_p_waves(synth):
    """Is an irregular rhythm whose every beat has the same P wave never AF, whatever the model says?"""
    rng = np.random.default_rng(3)
    t = 0.5 + np.r_[0, np.cumsum(rng.uniform(0.45, 1.0, 40))]
    a = analyze(synth(360.0, t, duration_s=float(t[-1] + 1), seed=3))
    assert "AF" not in {f.code for f in a.findings}


# ----------------------------------------------------------------------------- known answers from tables
_NO_P = {n: dict(p_amp_mv=float("nan"), p_neg_mv=float("nan")) for n in _LEADS}


def _pacing(v=0, a=0, n=12):
    """A `measure.pacing_spikes` result with `v` ventricular and `a` atrial stimuli among `n` beats."""
    return {"spikes_s": [], "ventricular_beats": v, "atrial_beats": a, "n_beats": n,
            "ventricular_delay_ms": 10.0 if v else float("nan"), "atrial_delay_ms": 160.0 if a else float("nan"),
            "spike_mv": 0.8}
_REG = np.full(12, 0.857)

KNOWN = [
    # code, table changes, global changes, findings, rr_s, keyword arguments
    ("SR", {}, {}, (), _REG, {}),
    ("SARRH", {}, {}, (), np.r_[0.80, 0.95, 0.85, 1.0, 0.82, 0.97] * 1.0, {}),
    ("EAR", {n: dict(p_amp_mv=0.0, p_neg_mv=-0.1) for n in ("II", "III", "aVF")}, dict(p_axis_deg=-60.0), (),
     _REG, {}),
    ("JR", _NO_P, dict(p_axis_deg=float("nan"), heart_rate_bpm=50.0), (), np.full(10, 1.2), {}),
    ("SVT", _NO_P, dict(p_axis_deg=float("nan"), heart_rate_bpm=160.0), (), np.full(20, 0.375), {}),
    ("VR", _NO_P, dict(p_axis_deg=float("nan"), heart_rate_bpm=40.0, qrs_ms=150.0), (), np.full(6, 1.5), {}),
    ("1AVB", {}, dict(pr_ms=240.0), (), _REG, {}),
    ("WPW", {}, dict(pr_ms=100.0, qrs_ms=125.0), (), _REG, {}),
    ("IRBBB", {"V1": dict(r2_amp_mv=0.5), "I": dict(s_amp_mv=-0.3, s_dur_ms=50.0),
               "V6": dict(s_amp_mv=-0.3, s_dur_ms=50.0)}, dict(qrs_ms=115.0), (), _REG, {}),
    ("CRBBB", {"V1": dict(r2_amp_mv=0.7), "I": dict(s_amp_mv=-0.3, s_dur_ms=50.0),
               "V6": dict(s_amp_mv=-0.3, s_dur_ms=50.0)}, dict(qrs_ms=140.0), (), _REG, {}),
    ("IVCD", {}, dict(qrs_ms=125.0), (), _REG, {}),
    ("LAFB", {"aVL": dict(q_amp_mv=-0.1, r_amp_mv=0.8, s_amp_mv=0.0, r_peak_time_ms=50.0),
              "III": dict(r_amp_mv=0.2, s_amp_mv=-0.8)}, dict(qrs_axis_deg=-60.0), (), _REG, {}),
    ("LPFB", {"I": dict(r_amp_mv=0.2, s_amp_mv=-0.8), "aVL": dict(r_amp_mv=0.2, s_amp_mv=-0.6),
              "III": dict(q_amp_mv=-0.1, r_amp_mv=1.0, s_amp_mv=0.0),
              "aVF": dict(q_amp_mv=-0.1, r_amp_mv=0.9, s_amp_mv=0.0)}, dict(qrs_axis_deg=120.0), (), _REG, {}),
    ("LAD", {}, dict(qrs_axis_deg=-40.0), (), _REG, {}),
    ("RAD", {}, dict(qrs_axis_deg=110.0), (), _REG, {}),
    ("EXTREME_AXIS", {}, dict(qrs_axis_deg=-120.0), (), _REG, {}),
    ("LOW_VOLT", {n: dict(r_amp_mv=0.3, s_amp_mv=-0.1, qrs_ptp_mv=0.4) for n in _LEADS[:6]}, {}, (), _REG, {}),
    ("LVH", {"V1": dict(s_amp_mv=-1.8), "V5": dict(r_amp_mv=2.0)}, {}, (), _REG, dict(age=60)),
    ("LVH_STRAIN", {"V1": dict(s_amp_mv=-1.8), "V5": dict(r_amp_mv=2.0, t_amp_mv=-0.2),
                    "V6": dict(t_amp_mv=-0.2)}, {}, (), _REG, dict(age=60)),
    ("RVH", {"V1": dict(r_amp_mv=0.8, s_amp_mv=-0.3)}, dict(qrs_axis_deg=110.0), (), _REG, {}),
    ("LAE", {}, {}, (), _REG, dict(p_terminal_force_mv_s=0.006)),
    ("RAE", {"II": dict(p_amp_mv=0.3)}, {}, (), _REG, {}),
    ("IMI_OLD", {"II": dict(q_amp_mv=-0.3, q_dur_ms=40.0), "aVF": dict(q_amp_mv=-0.3, q_dur_ms=40.0)}, {}, (),
     _REG, {}),
    ("ASMI_OLD", {"V2": dict(q_amp_mv=-1.0, r_amp_mv=0.0, s_amp_mv=0.0, q_dur_ms=80.0),
                  "V3": dict(q_amp_mv=-0.9, r_amp_mv=0.0, s_amp_mv=0.0, q_dur_ms=80.0)}, {}, (), _REG, {}),
    ("AMI_OLD", {"V3": dict(q_amp_mv=-0.2, q_dur_ms=35.0), "V4": dict(q_amp_mv=-0.2, q_dur_ms=35.0)}, {}, (),
     _REG, {}),
    ("LMI_OLD", {"I": dict(q_amp_mv=-0.15, q_dur_ms=35.0), "aVL": dict(q_amp_mv=-0.15, q_dur_ms=35.0)}, {}, (),
     _REG, {}),
    ("TINV", {"V5": dict(t_amp_mv=-0.3), "V6": dict(t_amp_mv=-0.3)}, {}, (), _REG, {}),
    ("ST_DEP", {}, {}, (_finding("ST_DEPRESSION", "urgent", "V5", -0.1, -0.05),), _REG, {}),
    ("LONG_QT", {}, dict(qtc_ms=500.0), (_finding("LONG_QTC", "routine", None, 500.0, 450.0),), _REG, {}),
    ("PVC", {}, {}, (_finding("PVC"),), _REG, {}),
    ("AFIB", {}, {}, (_finding("AF", "urgent", None, 0.2, 0.1),), _REG, {}),
    ("AFL", {n: dict(p_amp_mv=0.0, p_neg_mv=-0.15) for n in ("II", "III", "aVF")}, dict(p_axis_deg=-90.0), (),
     _REG,
     dict(flutter={"atrial_rate_bpm": 300.0, "ratio": 2.0, "regularity": 0.8, "leads": ("II", "III")})),
    ("PACED_V", {}, dict(qrs_ms=160.0), (), _REG, dict(pacing=_pacing(v=12))),
    ("PACED_A", {}, {}, (), _REG, dict(pacing=_pacing(a=12))),
    ("PACED_AV", {}, dict(qrs_ms=160.0), (), _REG, dict(pacing=_pacing(v=12, a=12))),
]


@pytest.mark.parametrize("code, changes, glob, findings, rr, kw", KNOWN, ids=[k[0] for k in KNOWN])
def test_statement_known_answers(code, changes, glob, findings, rr, kw):
    """Does a per-lead table built to meet one published criterion give exactly that statement, with evidence?"""
    it = interpret(_table(changes, **glob), findings, rr_s=rr, **kw)
    assert code in it.codes, it.codes
    s = next(s for s in it.statements if s.code == code)
    assert s.source and s.label_zh and s.label_en
    if VOCABULARY[code][3] != "normal":
        assert it.overall in ("borderline", "abnormal")


def test_sinus_p_by_polarity_not_axis():
    """Is a P wave upright in I and II and inverted in aVR sinus even when its measured axis is -10 deg?"""
    it = interpret(_table(p_axis_deg=-10.0), rr_s=_REG)
    assert "SR" in it.codes and "EAR" not in it.codes


def test_normal_table_is_only_sinus_rhythm():
    """Does the normal table give sinus rhythm and a normal ECG, nothing else?"""
    it = interpret(_table(), rr_s=_REG)
    assert it.codes == ("SR", "NORMAL_ECG") and it.overall == "normal"


def test_ventricular_pacing_hides_qrs_statements_but_keeps_stemi():
    """Is a paced wide QRS read as pacing only (no RBBB, LVH, Q-wave MI, PVC or sinus rhythm), with STEMI kept?"""
    changes = {"V1": dict(r2_amp_mv=0.7, s_amp_mv=-1.8), "I": dict(s_amp_mv=-0.3, s_dur_ms=50.0),
               "V6": dict(s_amp_mv=-0.3, s_dur_ms=50.0), "V5": dict(r_amp_mv=2.0),
               "II": dict(q_amp_mv=-0.3, q_dur_ms=40.0), "aVF": dict(q_amp_mv=-0.3, q_dur_ms=40.0)}
    findings = (_finding("PVC"), _finding("STEMI", "critical", "V2", 0.3, 0.2))
    plain = interpret(_table(changes, qrs_ms=140.0), findings, rr_s=_REG, age=60)
    assert {"CRBBB", "LVH", "IMI_OLD", "PVC", "SR", "STEMI"} <= set(plain.codes)
    paced = interpret(_table(changes, qrs_ms=140.0), findings, rr_s=_REG, age=60, pacing=_pacing(v=10))
    assert set(paced.codes) == {"PACED_V", "STEMI", "ABNORMAL_ECG"}
    assert next(s for s in paced.statements if s.code == "STEMI").severity == "critical"


def test_ventricular_spikes_before_a_narrow_qrs_are_not_ventricular_pacing():
    """Do ventricular spikes with a QRS under 120 ms (no capture shown) leave the conducted reading in place?"""
    it = interpret(_table(qrs_ms=90.0), rr_s=_REG, pacing=_pacing(v=10))
    assert not {"PACED_V", "PACED_AV"} & set(it.codes) and "SR" in it.codes


@pytest.mark.parametrize("qrs_ms, ivcd", [(110.0, False), (112.0, True)])
def test_ivcd_needs_qrs_over_110_ms(qrs_ms, ivcd):
    """Is nonspecific IVCD stated above 110 ms only ("> 110 ms", Surawicz 2009)?"""
    it = interpret(_table(qrs_ms=qrs_ms), rr_s=_REG)
    assert ("IVCD" in it.codes) is ivcd
