"""Interpretive statements of a resting 12-lead ECG, with their zh/en vocabulary and triage mapping.

`interpret` turns the per-lead median-beat table (`ecgsignal.measure`), the
global intervals and the rhythm/ST findings of `ecgsignal.analyze` into a list
of statements in the style of GE 12SL and Glasgow: each with a code, its
standard English and Chinese report terms, a severity (from the Zhejiang
triage rule it maps to), the evidence (leads, measured values, thresholds)
and the published criterion. Every threshold below cites its source; none
was tuned on the benchmark records.

The vocabulary (`VOCABULARY`) is the one place the statement codes and their
labels live; the web app shows `label_zh` / `label_en` and offers the
statements as the cardiologist's starting statements.
"""
from __future__ import annotations

import numpy as np

from . import measure
from . import st as st_mod
from . import triage
from .atrial import FLUTTER_MIN_CORR, FLUTTER_RATE_BPM
from .types import Evidence, Interpretation, LeadMeasurements, Statement
from .waves import P_CONSISTENT

__all__ = ["interpret", "av_conduction", "VOCABULARY", "TRIAGE_RULE", "statement", "ORDER"]

# ----------------------------------------------------------------------------- sources
MASON_2007 = ("Mason JW, Hancock EW, Gettes LS. AHA/ACCF/HRS recommendations for the standardization and "
              "interpretation of the ECG, part II: electrocardiography diagnostic statement list. "
              "Circulation 2007;115:1325-32, doi:10.1161/CIRCULATIONAHA.106.180201")
SURAWICZ_2009 = ("Surawicz B et al. AHA/ACCF/HRS recommendations for the standardization and interpretation "
                 "of the ECG, part III: intraventricular conduction disturbances. J Am Coll Cardiol "
                 "2009;53:976-81, doi:10.1016/j.jacc.2008.12.013")
RAUTAHARJU_2009 = ("Rautaharju PM et al. AHA/ACCF/HRS recommendations, part IV: the ST segment, T and U "
                   "waves, and the QT interval. J Am Coll Cardiol 2009;53:982-91, "
                   "doi:10.1016/j.jacc.2008.12.014")
HANCOCK_2009 = ("Hancock EW et al. AHA/ACCF/HRS recommendations, part V: ECG changes associated with cardiac "
                "chamber hypertrophy. J Am Coll Cardiol 2009;53:992-1002, doi:10.1016/j.jacc.2008.12.015")
SOKOLOW_1949 = ("Sokolow M, Lyon TP. The ventricular complex in left ventricular hypertrophy as obtained by "
                "unipolar precordial and limb leads. Am Heart J 1949;37:161-86, "
                "doi:10.1016/0002-8703(49)90562-1")
CASALE_1985 = ("Casale PN et al. Electrocardiographic detection of left ventricular hypertrophy: development "
               "and prospective validation of improved criteria. J Am Coll Cardiol 1985;6:572-80, "
               "doi:10.1016/S0735-1097(85)80115-7")
MORRIS_1964 = ("Morris JJ Jr et al. P-wave analysis in valvular heart disease. Circulation 1964;29:242-52, "
               "doi:10.1161/01.CIR.29.2.242")
UDMI_2018 = ("Thygesen K et al. Fourth universal definition of myocardial infarction (2018). "
             "Circulation 2018;138:e618-51, doi:10.1161/CIR.0000000000000617")
KUSUMOTO_2018 = ("Kusumoto FM et al. 2018 ACC/AHA/HRS guideline on the evaluation and management of patients "
                 "with bradycardia and cardiac conduction delay, doi:10.1016/j.jacc.2018.10.044")
ESC_AF_2020 = ("Hindricks G et al. 2020 ESC guidelines for the diagnosis and management of atrial "
               "fibrillation, doi:10.1093/eurheartj/ehaa612")
CHOU_2008 = ("Surawicz B, Knilans TK. Chou's Electrocardiography in Clinical Practice, 6th ed. "
             "Philadelphia: Saunders Elsevier; 2008 (sinus rhythm, low voltage, junctional rhythm)")
ZHENDUANXUE = ("诊断学 第9版 (万学红, 卢雪峰 主编), 人民卫生出版社 2018, 心电图章: 窦性心律不齐 "
               "P-P 间期差 > 0.12 s")
PRINEAS_2010 = ("Prineas RJ, Crow RS, Zhang ZM. The Minnesota Code Manual of Electrocardiographic Findings, "
                "2nd ed. London: Springer; 2010, doi:10.1007/978-1-84882-778-3 (codes 5-3, 5-4)")
MACFARLANE_2015 = ("Macfarlane PW et al. The early repolarization pattern: a consensus paper. J Am Coll Cardiol "
                   "2015;66:470-7, doi:10.1016/j.jacc.2015.05.033")
BRADY_2001 = ("Brady WJ et al. Electrocardiographic ST-segment elevation: the diagnosis of acute myocardial "
              "infarction by morphologic analysis of the ST segment. Acad Emerg Med 2001;8:961-7, "
              "doi:10.1111/j.1553-2712.2001.tb01095.x")
CLIFFORD_2012 = ("Clifford GD et al. Signal quality indices and data fusion for determining clinical "
                 "acceptability of electrocardiograms. Physiol Meas 2012;33:1419, "
                 "doi:10.1088/0967-3334/33/9/1419")

# ----------------------------------------------------------------------------- vocabulary
#: code -> (English term, Chinese term, category, kind). Kind feeds the overall
#: class: "abnormal" statements make an abnormal ECG, "borderline" ones a
#: borderline ECG (大致正常心电图), "normal" ones leave it normal.
VOCABULARY = {
    # rhythm
    "SR": ("Sinus rhythm", "窦性心律", "rhythm", "normal"),
    "SB": ("Sinus bradycardia", "窦性心动过缓", "rhythm", "normal"),
    "SB_MARKED": ("Marked sinus bradycardia", "显著窦性心动过缓", "rhythm", "borderline"),
    "STACH": ("Sinus tachycardia", "窦性心动过速", "rhythm", "borderline"),
    "SARRH": ("Sinus arrhythmia", "窦性心律不齐", "rhythm", "normal"),
    "AFIB": ("Atrial fibrillation", "心房颤动", "rhythm", "abnormal"),
    "AFL": ("Atrial flutter", "心房扑动", "rhythm", "abnormal"),
    "SVT": ("Supraventricular tachycardia", "室上性心动过速", "rhythm", "abnormal"),
    "JR": ("Junctional rhythm", "交界性心律", "rhythm", "abnormal"),
    "EAR": ("Ectopic atrial rhythm", "异位房性心律", "rhythm", "borderline"),
    "VR": ("Ventricular rhythm", "室性心律", "rhythm", "abnormal"),
    "VT": ("Ventricular tachycardia", "室性心动过速", "rhythm", "abnormal"),
    "VF": ("Ventricular fibrillation / flutter", "心室颤动/心室扑动", "rhythm", "abnormal"),
    "PAC": ("Premature atrial complexes", "房性早搏", "rhythm", "borderline"),
    "PVC": ("Premature ventricular complexes", "室性早搏", "rhythm", "borderline"),
    "VRUN": ("Run of ventricular complexes", "短阵室性心动过速", "rhythm", "abnormal"),
    "PAUSE": ("Pause", "长RR间歇", "rhythm", "abnormal"),
    "PACED_A": ("Atrial-paced complexes or rhythm", "心房起搏心律", "rhythm", "abnormal"),
    "PACED_V": ("Ventricular-paced complexes or rhythm", "心室起搏心律", "rhythm", "abnormal"),
    "PACED_AV": ("AV dual-paced complexes or rhythm", "房室顺序起搏心律", "rhythm", "abnormal"),
    # conduction
    "1AVB": ("First-degree AV block", "一度房室传导阻滞", "conduction", "borderline"),
    "2AVB_MOBITZ1": ("Second-degree AV block, Mobitz type I (Wenckebach)", "二度I型房室传导阻滞", "conduction",
                     "abnormal"),
    "2AVB_MOBITZ2": ("Second-degree AV block, Mobitz type II", "二度II型房室传导阻滞", "conduction", "abnormal"),
    "2AVB_2TO1": ("2:1 AV block", "2:1房室传导阻滞", "conduction", "abnormal"),
    "3AVB": ("Third-degree (complete) AV block", "三度（完全性）房室传导阻滞", "conduction", "abnormal"),
    "AVB_HIGH": ("Slow ventricular rate, consider high-grade AV block", "心室率过缓，考虑高度房室传导阻滞",
                 "conduction", "abnormal"),
    "CRBBB": ("Complete right bundle branch block", "完全性右束支传导阻滞", "conduction", "abnormal"),
    "IRBBB": ("Incomplete right bundle branch block", "不完全性右束支传导阻滞", "conduction", "borderline"),
    "CLBBB": ("Complete left bundle branch block", "完全性左束支传导阻滞", "conduction", "abnormal"),
    "ILBBB": ("Incomplete left bundle branch block", "不完全性左束支传导阻滞", "conduction", "abnormal"),
    "LAFB": ("Left anterior fascicular block", "左前分支阻滞", "conduction", "abnormal"),
    "LPFB": ("Left posterior fascicular block", "左后分支阻滞", "conduction", "abnormal"),
    "IVCD": ("Nonspecific intraventricular conduction delay", "非特异性室内传导阻滞", "conduction", "abnormal"),
    "WPW": ("Ventricular pre-excitation (WPW pattern)", "心室预激（WPW综合征图形）", "conduction", "abnormal"),
    # axis, voltage, hypertrophy
    "LAD": ("Left axis deviation", "电轴左偏", "axis", "borderline"),
    "RAD": ("Right axis deviation", "电轴右偏", "axis", "borderline"),
    "EXTREME_AXIS": ("Extreme axis deviation", "电轴极度偏移（无人区电轴）", "axis", "abnormal"),
    "LOW_VOLT": ("Low QRS voltage", "低电压", "voltage", "borderline"),
    "LVH": ("Left ventricular hypertrophy (voltage criteria)", "左心室肥厚", "hypertrophy", "abnormal"),
    "LVH_STRAIN": ("Left ventricular hypertrophy with repolarisation abnormality", "左心室肥厚伴劳损（ST-T改变）",
                   "hypertrophy", "abnormal"),
    "RVH": ("Right ventricular hypertrophy", "右心室肥厚", "hypertrophy", "abnormal"),
    "LAE": ("Left atrial enlargement", "左心房异常（左房扩大）", "hypertrophy", "borderline"),
    "RAE": ("Right atrial enlargement", "右心房异常（右房扩大）", "hypertrophy", "borderline"),
    # infarction and ST-T
    "IMI_OLD": ("Inferior infarct, age undetermined", "陈旧性下壁心肌梗死（时间未定）", "infarction", "abnormal"),
    "ASMI_OLD": ("Anteroseptal infarct, age undetermined", "陈旧性前间壁心肌梗死（时间未定）", "infarction", "abnormal"),
    "AMI_OLD": ("Anterior infarct, age undetermined", "陈旧性前壁心肌梗死（时间未定）", "infarction", "abnormal"),
    "LMI_OLD": ("Lateral infarct, age undetermined", "陈旧性侧壁心肌梗死（时间未定）", "infarction", "abnormal"),
    "STEMI": ("ST elevation, consider acute injury / acute infarction", "ST段抬高，考虑急性心肌损伤（急性心肌梗死）",
              "infarction", "abnormal"),
    "POSTERIOR_MI": ("ST depression in V1-V3, consider posterior infarction", "V1-V3导联ST段压低，考虑后壁心肌梗死",
                     "infarction", "abnormal"),
    # a normal variant in most people (MACFARLANE_2015): it leaves a normal ECG normal
    "ER": ("Early repolarization pattern", "早期复极", "st_t", "normal"),
    "ST_DEP": ("ST depression", "ST段压低", "st_t", "abnormal"),
    "TINV": ("T-wave inversion", "T波倒置", "st_t", "abnormal"),
    "T_FLAT": ("Nonspecific T-wave abnormality (flat or low T waves)", "T波低平（非特异性T波改变）", "st_t",
               "abnormal"),
    "LONG_QT": ("Prolonged QT interval", "QT间期延长", "interval", "abnormal"),
    # technical
    "LEAD_REVERSAL": ("Suspected arm lead reversal", "疑似左右手导联反接", "technical", "borderline"),
    # overall
    "NORMAL_ECG": ("Normal ECG", "正常心电图", "overall", "normal"),
    "BORDERLINE_ECG": ("Borderline ECG", "大致正常心电图", "overall", "borderline"),
    "ABNORMAL_ECG": ("Abnormal ECG", "异常心电图", "overall", "abnormal"),
    "UNINTERPRETABLE": ("Uninterpretable: poor signal quality, please repeat the recording",
                        "心电图质量不佳，无法分析，请重新描记", "overall", "uninterpretable"),
}

#: statement code -> the finding code whose Zhejiang triage rule sets its severity
#: (`ecgsignal.triage`); None: no rule, the statement is routine.
TRIAGE_RULE = {
    "SR": None, "SB": "BRADY", "SB_MARKED": "BRADY", "STACH": "TACHY", "SARRH": None, "AFIB": "AF", "AFL": "AF",
    "SVT": "TACHY", "JR": "BRADY", "EAR": None, "VR": "AVB_HIGH", "VT": "VT", "VF": "VF", "PAC": "PAC",
    "PVC": "PVC", "VRUN": "VRUN", "PAUSE": "PAUSE", "PACED_A": None, "PACED_V": None, "PACED_AV": None,
    "1AVB": "LONG_PR", "AVB_HIGH": "AVB_HIGH",
    "2AVB_MOBITZ1": None, "2AVB_MOBITZ2": None, "2AVB_2TO1": None, "3AVB": "AVB_HIGH",
    "CRBBB": "WIDE_QRS", "IRBBB": None, "CLBBB": "WIDE_QRS", "ILBBB": None, "LAFB": None, "LPFB": None,
    "IVCD": "WIDE_QRS", "WPW": None, "LAD": None, "RAD": None, "EXTREME_AXIS": None, "LOW_VOLT": None,
    "LVH": None, "LVH_STRAIN": None, "RVH": None, "LAE": None, "RAE": None, "IMI_OLD": None, "ASMI_OLD": None,
    "AMI_OLD": None, "LMI_OLD": None, "STEMI": "STEMI", "POSTERIOR_MI": "POSTERIOR_MI",
    "ER": None, "ST_DEP": "ST_DEPRESSION", "TINV": None, "T_FLAT": None, "LONG_QT": "LONG_QTC", "LEAD_REVERSAL": "LEAD_REVERSAL",
    "NORMAL_ECG": None, "BORDERLINE_ECG": None, "ABNORMAL_ECG": None, "UNINTERPRETABLE": "LOW_QUALITY",
}

#: Display order of the categories.
ORDER = ("rhythm", "conduction", "axis", "voltage", "hypertrophy", "infarction", "st_t", "interval",
         "technical", "overall")

# ----------------------------------------------------------------------------- thresholds
#: Sinus rhythm: a P wave before every QRS with a frontal P axis of 0 to +90 deg
#: (upright in I and II); rate 60-100/min (MASON_2007; CHOU_2008, ch. 14).
P_AXIS_SINUS_DEG = (0.0, 90.0)
RATE_LOW_BPM, RATE_HIGH_BPM = 60.0, 100.0
#: Marked sinus bradycardia: < 50/min (KUSUMOTO_2018, section 2.1: sinus bradycardia
#: < 50/min is the guideline's definition of clinically relevant bradycardia).
RATE_MARKED_BRADY_BPM = 50.0
#: Sinus arrhythmia: PP (here RR) intervals differ by more than 0.12 s (ZHENDUANXUE).
SARRH_RANGE_S = 0.12
#: Atrial flutter (ecgsignal.atrial.flutter_waves) is stated only when the flutter
#: waves are seen as such: a non-sinus atrial wave on the median beat (typical
#: flutter: negative sawtooth in II, III, aVF; Page RL et al. 2015 ACC/AHA/HRS SVT
#: guideline, doi:10.1016/j.jacc.2015.08.856), or conduction of 3:1 or slower, which
#: puts flutter waves in the TQ interval. At 2:1 without a visible atrial wave the
#: periodicity could be sinus P waves on the T waves of a sinus tachycardia.
FLUTTER_VISIBLE_RATIO = 2.5
#: Escape rhythms without P waves: junctional 40-60/min, ventricular (idioventricular)
#: below 40-50/min (CHOU_2008, ch. 17). Faster regular rhythms without a detected P
#: wave are left without a rhythm statement: a P wave the delineation missed is
#: likelier than an accelerated junctional or idioventricular rhythm.
JR_BPM = (40.0, 60.0)
VR_MAX_BPM = 50.0
#: SVT: narrow-QRS tachycardia >= 150/min without visible P waves (MASON_2007 list;
#: rate per the Zhejiang critical-value list's SVT definition, triage.SVT_CRITICAL_BPM for critical).
SVT_RATE_BPM = 150.0
#: Paced complexes or rhythm (MASON_2007 statement list: atrial-paced, ventricular-paced,
#: AV dual-paced): pacemaker stimuli time-locked to the complexes
#: (`ecgsignal.measure.pacing_spikes`: narrow high-slew pulses, IEC 60601-2-25 / AAMI
#: EC11). A ventricular stimulus starts a wide QRS (>= 120 ms, SURAWICZ_2009's limit
#: of normal conduction is exceeded by any ventricular activation that bypasses the
#: bundles). The paced QRS and its secondary ST-T are not read for bundle branch
#: block, fascicular block, hypertrophy, Q-wave infarction, axis, T inversion or QT
#: (their criteria presume conducted beats; MASON_2007), and its wide beats are the
#: paced ones, not premature ventricular complexes. ST-elevation findings are kept:
#: an infarct alert is not withheld on a paced ECG.
PACED_QRS_MS = 120.0
#: PR interval: > 200 ms first-degree AV block (KUSUMOTO_2018); < 120 ms short PR
#: / pre-excitation with QRS > 120 ms in adults (SURAWICZ_2009, pre-excitation).
PR_LONG_MS, PR_SHORT_MS = 200.0, 120.0
#: Second- and third-degree AV block from the P-wave and QRS times (KUSUMOTO_2018,
#: section 2 "definitions"; the AV conduction statements of MASON_2007's list; AV block
#: is not a subject of SURAWICZ_2009, which covers intraventricular conduction): P waves at a
#: constant rate (< 100/min for second-degree block); Mobitz I: progressively longer
#: PR before a single non-conducted P and a shorter PR after it; Mobitz II: constant PR
#: before and after a single non-conducted P (not 2:1); 2:1: every other P conducted;
#: third-degree: no AV conduction, atrial rate above the ventricular rate, PR varying,
#: regular (escape) RR. The guideline gives no tolerances; the ones here are this
#: module's conventions (about twice the ±10 ms precision of a P onset): "constant" PP
#: and RR within 15 % of their median, "constant" PR within 40 ms, "progressive"
#: lengthening by >= 40 ms over the run, and dissociation a PR range >= 120 ms.
#: A P is conducted when a QRS follows it by 80 ms-0.5 s and before the next P.
AV_PP_TOL, AV_PR_CONST_S, AV_PR_STEP_S, AV_PR_DISSOC_S = 0.15, 0.040, 0.040, 0.120
AV_PR_WINDOW_S = (0.08, 0.50)
AV_2ND_MAX_ATRIAL_BPM = 100.0
#: QRS duration: >= 120 ms complete BBB, 110-119 ms incomplete BBB, > 110 ms
#: nonspecific IVCD (SURAWICZ_2009, tables 1-2 and "Nonspecific intraventricular
#: conduction disturbance").
QRS_COMPLETE_MS, QRS_INCOMPLETE_MS = 120.0, 110.0
#: RBBB: S wave in I and V6 longer than R or > 40 ms; R peak time in V1 > 50 ms (SURAWICZ_2009).
RBBB_S_DUR_MS, RBBB_V1_RPT_MS = 40.0, 50.0
#: LBBB: R peak time > 60 ms in V5 and V6 (SURAWICZ_2009).
LBBB_RPT_MS = 60.0
#: LAFB: axis -45 to -90 deg, qR in aVL, R peak time in aVL >= 45 ms, rS in II, III, aVF (SURAWICZ_2009).
LAFB_AXIS_DEG, LAFB_AVL_RPT_MS = (-90.0, -45.0), 45.0
#: LPFB: axis +90 to +180 deg, rS in I and aVL, qR in III and aVF (SURAWICZ_2009).
LPFB_AXIS_DEG = (90.0, 180.0)
#: Axis: normal -30 to +90; left -30 to -90; right +90 to +180; extreme -90 to -180 (SURAWICZ_2009, MASON_2007).
LAD_DEG, RAD_DEG = -30.0, 90.0
#: Low voltage: QRS peak-to-peak < 0.5 mV in every limb lead (or < 1.0 mV in every precordial lead) (CHOU_2008).
LOW_VOLT_LIMB_MV, LOW_VOLT_PRECORDIAL_MV = 0.5, 1.0
#: LVH: Sokolow-Lyon SV1 + max(RV5, RV6) >= 3.5 mV (SOKOLOW_1949); Cornell RaVL + SV3
#: > 2.8 mV in men, > 2.0 mV in women (CASALE_1985); both listed in HANCOCK_2009.
#: Unknown sex: the men's (more specific) Cornell limit.
SOKOLOW_MV = 3.5
CORNELL_MV = {"M": 2.8, "F": 2.0, None: 2.8}
#: Voltage alone is not called LVH below 35 years: QRS voltage is higher in young
#: adults and the voltage criteria lose specificity (HANCOCK_2009, "age"); the
#: limit of 35 years is the customary one (Sokolow-Lyon's own series were adults),
#: a convention, not fitted here. With repolarisation abnormality (strain) LVH is
#: stated at any age.
LVH_MIN_AGE_Y = 35.0
#: RVH: R in V1 >= 0.7 mV, or R/S in V1 > 1 with R >= 0.5 mV, with right axis deviation (HANCOCK_2009, table 2).
RVH_R_V1_MV, RVH_R_V1_RS_MV = 0.7, 0.5
#: LAE: P terminal force in V1 (depth x duration of the negative part) >= 0.04 mm*s
#: = 0.004 mV*s (HANCOCK_2009; MORRIS_1964). Hancock's P duration > 120 ms is
#: defined in lead II and is not used (our P duration is global).
LAE_P_DUR_MS, LAE_PTF_MV_S = 120.0, 0.004
#: RAE: P >= 0.25 mV in II, or positive P >= 0.15 mV in V1 or V2 (HANCOCK_2009).
RAE_P_II_MV, RAE_P_V1_MV = 0.25, 0.15
#: Prior (Q-wave) MI, UDMI_2018 table "ECG changes associated with prior MI":
#: any Q > 20 ms or QS in V2-V3; Q >= 30 ms and >= 0.1 mV deep, or QS, in I, II,
#: aVL, aVF, V4-V6, in two leads of a contiguous group (I, aVL; V1-V6; II, III, aVF).
Q_V2V3_MS, Q_MS, Q_MV = 20.0, 30.0, 0.10
#: T inversion >= 1 mm in two contiguous leads with a prominent R or R/S > 1 (UDMI_2018).
TINV_MV = 0.10

#: Flat / low T waves (Minnesota code 5-3: T between 0 and -1.0 mm, and 5-4: T
#: positive but less than 1/20 of R, in I, II, aVL, aVF, V3-V6 where R >= 0.5 mV;
#: PRINEAS_2010), required here in two contiguous leads, like TINV.
T_FLAT_LEADS = ("i", "ii", "avl", "avf", "v3", "v4", "v5", "v6")
T_FLAT_R_MV, T_FLAT_RATIO = 0.5, 1.0 / 20.0

#: Early repolarisation pattern (MACFARLANE_2015): Jp (the peak of an end-QRS notch
#: or the onset of an end-QRS slur, `measure.end_qrs_notch_slur`) >= 0.1 mV in two or
#: more contiguous leads, excluding V1-V3 (and aVR), with QRS < 120 ms. The ST is
#: required to be concave upward in those leads (BRADY_2001: the ST below the line
#: from J to the T peak), the usual morphology of ER and the one that makes it a
#: STEMI mimic. Not stated with BBB, WPW or a ventricular rhythm.
ER_JP_MV = 0.10
ER_LEADS = ("i", "ii", "iii", "avl", "avf", "v4", "v5", "v6")

_LIMB = ("i", "ii", "iii", "avr", "avl", "avf")
_PRECORDIAL = ("v1", "v2", "v3", "v4", "v5", "v6")
_CONTIG = [("ii", "iii"), ("ii", "avf"), ("iii", "avf"), ("i", "avl"), ("v5", "v6"), ("i", "v6"),
           ("v1", "v2"), ("v2", "v3"), ("v3", "v4"), ("v4", "v5")]
_NAN = float("nan")


def av_conduction(p_s, r_s):
    """Second- or third-degree AV block from P-wave and QRS times (KUSUMOTO_2018 definitions).

    Parameters
    ----------
    p_s : array_like
        P-wave times in s (onsets or peaks, one fiducial for all), conducted
        and non-conducted.
    r_s : array_like
        QRS times in s.

    Returns
    -------
    dict or None
        ``{"code", "atrial_rate_bpm", "ventricular_rate_bpm", "pr_s",
        "non_conducted"}`` with code one of ``2AVB_MOBITZ1``,
        ``2AVB_MOBITZ2``, ``2AVB_2TO1``, ``3AVB``; None when none is met
        (or too few P waves / QRS complexes: 4 and 3 at least).

    Notes
    -----
    1. PP must be constant (within `AV_PP_TOL` of its median).
    2. Each P is conducted when the next QRS follows it within
       `AV_PR_WINDOW_S` and before the next P; its PR is that delay.
    3. Third degree: RR constant, atrial rate > ventricular rate, and the
       delay from each QRS back to the last P ranges >= `AV_PR_DISSOC_S`.
    4. With atrial rate < 100/min: 2:1 when conduction alternates with
       constant PR; otherwise, around each single non-conducted P, Mobitz
       I when the PR lengthened by >= `AV_PR_STEP_S` over the run before it
       and is shorter after it, Mobitz II when all PRs are constant.

    Examples
    --------
    >>> p = np.arange(12) * 0.8                      # P every 0.8 s (75/min)
    >>> av_conduction(p, p[::2] + 0.18)["code"]      # every other P conducted
    '2AVB_2TO1'
    """
    p = np.sort(np.asarray(p_s, dtype=float))
    r = np.sort(np.asarray(r_s, dtype=float))
    if p.size < 4 or r.size < 3:
        return None
    pp, rr = np.diff(p), np.diff(r)
    pp_med, rr_med = float(np.median(pp)), float(np.median(rr))
    atrial, vent = 60.0 / pp_med, 60.0 / rr_med
    base = {"atrial_rate_bpm": atrial, "ventricular_rate_bpm": vent}
    if np.max(np.abs(pp - pp_med)) > AV_PP_TOL * pp_med:
        # P waves hidden in a QRS leave gaps of whole atrial cycles: filled in for the
        # dissociation test only (a gap never counts as a non-conducted P)
        k = np.round(pp / pp_med)
        if np.any(k < 1) or np.max(np.abs(pp - k * pp_med)) > AV_PP_TOL * pp_med:
            return None
        filled = [p[0]]
        for a, b, n in zip(p[:-1], p[1:], k.astype(int)):
            filled += list(a + (b - a) * np.arange(1, n + 1) / n)
        p, gaps = np.asarray(filled), True
    else:
        gaps = False
    # third degree: regular escape, more P waves than QRS, no fixed P-QRS relation
    last_p = [p[p < x - AV_PR_WINDOW_S[0] / 2][-1] for x in r if (p < x - AV_PR_WINDOW_S[0] / 2).any()]
    delays = np.asarray([x - y for x, y in zip(r[-len(last_p):], last_p)]) if last_p else np.zeros(0)
    if (np.max(np.abs(rr - rr_med)) <= AV_PP_TOL * rr_med and atrial > vent * (1 + AV_PP_TOL)
            and delays.size >= 3 and np.ptp(delays) >= AV_PR_DISSOC_S):
        return dict(base, code="3AVB", pr_s=delays.tolist(), non_conducted=int(p.size - r.size))
    if gaps:
        return None
    # conduction of each P (the last P may have its QRS after the record's end: not judged)
    cond, pr = [], []
    for i, t in enumerate(p[:-1]):
        nxt = r[r > t + AV_PR_WINDOW_S[0]]
        ok = nxt.size > 0 and nxt[0] - t <= AV_PR_WINDOW_S[1] and nxt[0] < p[i + 1] + AV_PR_WINDOW_S[0] / 2
        cond.append(bool(ok))
        pr.append(float(nxt[0] - t) if ok else np.nan)
    cond, pr = np.asarray(cond), np.asarray(pr)
    drops = np.flatnonzero(~cond)
    if drops.size == 0 or atrial >= AV_2ND_MAX_ATRIAL_BPM:
        return None
    prc = pr[cond]
    if prc.size < 2:
        return None
    if np.all(cond[:-1] != cond[1:]) and np.ptp(prc) <= AV_PR_CONST_S:
        return dict(base, code="2AVB_2TO1", pr_s=prc.tolist(), non_conducted=int(drops.size))
    # single dropped P waves with conducted P waves on both sides
    if np.any(np.diff(drops) == 1):
        return None  # two or more consecutive non-conducted P waves: high-grade block, not typed here
    inner = [d for d in drops if 0 < d < cond.size - 1]
    if not inner:
        return None
    mobitz1 = []
    for d in inner:
        k = d - 1
        run = []
        while k >= 0 and cond[k]:
            run.insert(0, pr[k])
            k -= 1
        after = pr[d + 1]
        mobitz1.append(len(run) >= 2 and np.all(np.diff(run) >= -0.01) and run[-1] - run[0] >= AV_PR_STEP_S
                       and run[-1] - after >= AV_PR_STEP_S)
    if all(mobitz1):
        return dict(base, code="2AVB_MOBITZ1", pr_s=prc.tolist(), non_conducted=int(drops.size))
    if np.ptp(prc) <= AV_PR_CONST_S:
        return dict(base, code="2AVB_MOBITZ2", pr_s=prc.tolist(), non_conducted=int(drops.size))
    return None


def _finite(*v):
    return all(x is not None and np.isfinite(x) for x in v)


def statement(code, *, evidence=(), source="", severity=None, findings=()) -> Statement:
    """A Statement from the vocabulary; its severity from the triage rule it maps to.

    Parameters
    ----------
    code : str
        A key of `VOCABULARY`.
    evidence : sequence of Evidence
    source : str
        The criterion's reference.
    severity : str, optional
        Overrides the severity taken from `findings`.
    findings : sequence of Finding
        The analysis findings: the most severe one with the code in
        `TRIAGE_RULE[code]` gives the severity (``"routine"`` without one).

    Examples
    --------
    >>> s = statement("CRBBB")
    >>> s.label_zh, s.kind, s.severity
    ('完全性右束支传导阻滞', 'abnormal', 'routine')
    """
    en, zh, cat, kind = VOCABULARY[code]
    rule = TRIAGE_RULE.get(code)
    if severity is None:
        sev = [f.severity for f in findings if rule is not None and f.code == rule]
        severity = min(sev, key=triage.severity_rank) if sev else "routine"
    return Statement(code=code, label_en=en, label_zh=zh, category=cat, kind=kind, severity=severity,
                     evidence=tuple(evidence), source=source, triage_rule=rule)


def _ev(q, v, unit, thr, leads=()):
    return Evidence(quantity=q, value=None if v is None else float(round(float(v), 4)), unit=unit,
                    threshold=thr, leads=tuple(leads))


def interpret(lm: LeadMeasurements | None, findings=(), *, rr_s=None, p_consistency=_NAN,
              p_terminal_force_mv_s=_NAN, flutter=None, sex=None, age=None, readable=True,
              p_waves_s=None, r_peaks_s=None, pacing=None) -> Interpretation:
    """Interpretive statements and the overall class of a resting ECG.

    Parameters
    ----------
    lm : LeadMeasurements or None
        Per-lead median-beat table and global intervals/axes
        (`ecgsignal.measure.lead_measurements`); None or empty when there is
        no usable median beat.
    findings : sequence of Finding
        Findings of `ecgsignal.analyze` (rhythm, ST, intervals, quality).
    rr_s : array_like, optional
        RR intervals in seconds (for sinus arrhythmia and regularity).
    p_consistency : float, optional
        `Delineation.p_consistency` (single beats' P repeat the median P: ~1).
    p_terminal_force_mv_s : float, optional
        P terminal force in V1 (`ecgsignal.measure.p_terminal_force_v1`).
    flutter : dict, optional
        ``{"atrial_rate_bpm", "ratio"}`` when atrial flutter waves were found
        (`ecgsignal.atrial.flutter_waves`).
    sex : {'M', 'F', None}
    age : float, optional
        Years; voltage-only LVH is not stated below `LVH_MIN_AGE_Y`.
    readable : bool
        False when signal quality forbids interpretation.
    p_waves_s, r_peaks_s : array_like, optional
        Times (s) of every P wave, conducted or not, and of the QRS
        complexes: with both, second- and third-degree AV block are
        assessed (`av_conduction`).
    pacing : dict, optional
        Pacemaker stimuli time-locked to the complexes
        (`ecgsignal.measure.pacing_spikes`): atrial, ventricular or AV
        dual-paced complexes; ventricular-paced QRS complexes are not
        read for conduction, axis, hypertrophy, Q-wave infarction or T
        waves (`PACED_QRS_MS`).

    Returns
    -------
    Interpretation
        Statements in display order (rhythm, conduction, axis, voltage,
        hypertrophy, infarction, ST-T, intervals, technical), the overall
        statement last, and the overall class.

    Notes
    -----
    Criteria and thresholds are the published ones cited at each constant of
    this module (AHA/ACCF/HRS 2007-2009 standardization statements, the
    Fourth Universal Definition of MI, Sokolow-Lyon, Cornell); none was
    fitted to the benchmark records. Morphology statements need the standard
    leads they name; they are skipped when those leads are absent.

    References
    ----------
    .. [1] Mason JW et al. AHA/ACCF/HRS recommendations, part II: diagnostic
       statement list. Circulation. 2007;115:1325-32.
       doi:10.1161/CIRCULATIONAHA.106.180201
    .. [2] Surawicz B et al. Part III: intraventricular conduction
       disturbances. J Am Coll Cardiol. 2009;53:976-81.
       doi:10.1016/j.jacc.2008.12.013
    .. [3] Hancock EW et al. Part V: chamber hypertrophy. J Am Coll Cardiol.
       2009;53:992-1002. doi:10.1016/j.jacc.2008.12.015
    .. [4] Thygesen K et al. Fourth universal definition of myocardial
       infarction. Circulation. 2018;138:e618-51.
       doi:10.1161/CIR.0000000000000617

    Examples
    --------
    >>> interpret(None, readable=False).overall
    'uninterpretable'
    """
    findings = tuple(findings)
    fcodes = {f.code for f in findings}
    if not readable:
        s = statement("UNINTERPRETABLE", source=CLIFFORD_2012, findings=findings,
                      evidence=[_ev("readable signal", None, "", "most of the record in a readable lead")])
        return Interpretation(statements=(s,), overall="uninterpretable")
    lm = lm if lm is not None else LeadMeasurements()
    out = []
    add = out.append
    S = lambda code, **kw: statement(code, findings=findings, **kw)  # noqa: E731
    L = {m.lead.lower(): m for m in lm.leads}
    has = lambda *names: all(n in L for n in names)  # noqa: E731
    rate = lm.heart_rate_bpm
    qrs, pr, qtc = lm.qrs_ms, lm.pr_ms, lm.qtc_ms
    axis = lm.qrs_axis_deg
    rr = np.asarray(rr_s if rr_s is not None else [], dtype=float)
    rr = rr[np.isfinite(rr)]

    # ---------------------------------------------------------------- rhythm
    af = "AF" in fcodes
    p_any = any(np.isfinite(m.p_amp_mv) for m in lm.leads)
    p_present = _finite(lm.p_axis_deg) and p_any
    # Without the limb leads (1-3 lead recordings) the P axis cannot be measured:
    # a P wave upright in the recorded lead(s) stands in for it (sinus P waves
    # are upright in I, II and the precordial leads V3-V6; CHOU_2008).
    p_axis_na = not _finite(lm.p_axis_deg) and p_any and len(lm.leads) < 6
    if p_axis_na:
        pos = sum(m.p_amp_mv for m in lm.leads)
        neg = sum(-m.p_neg_mv for m in lm.leads)
        p_present = True
        lm_p_axis = 60.0 if pos >= neg else 180.0
    else:
        lm_p_axis = lm.p_axis_deg
    if np.isfinite(p_consistency) and p_consistency < P_CONSISTENT:
        p_present = False  # the median "P" is averaged atrial activity, not a P wave every beat repeats
    # Sinus P waves are upright in I and II and inverted in aVR (CHOU_2008; 诊断学): with these
    # leads their polarity decides, not the P axis, which the small P in aVF makes uncertain
    # (a sinus P axis of -10 deg is still upright in I and II).
    p_polarity = None
    if p_present and not p_axis_na and all(n in {m.lead.lower() for m in lm.leads} for n in ("i", "ii", "avr")):
        Lp = {m.lead.lower(): m for m in lm.leads}
        up = {n: Lp[n].p_amp_mv > -Lp[n].p_neg_mv for n in ("i", "ii", "avr")}
        p_polarity = up["i"] and up["ii"] and not up["avr"]
        lm_p_axis = 60.0 if p_polarity else (lm_p_axis if not P_AXIS_SINUS_DEG[0] <= lm_p_axis <= P_AXIS_SINUS_DEG[1]
                                              else 180.0)
    wide = _finite(qrs) and qrs >= QRS_COMPLETE_MS
    # a sinus P wave that every beat repeats rules flutter waves out
    sinus_p = (p_present and P_AXIS_SINUS_DEG[0] <= lm_p_axis <= P_AXIS_SINUS_DEG[1]
               and not (np.isfinite(p_consistency) and p_consistency < P_CONSISTENT))
    rhythm = None
    paced = None
    v_paced = False  # ventricular-paced QRS: not read for conduction, axis, hypertrophy, MI or T
    if pacing is not None:
        v_paced = pacing.get("ventricular_beats", 0) > 0 and _finite(qrs) and qrs >= PACED_QRS_MS
        a_paced = pacing.get("atrial_beats", 0) > 0
        paced = "PACED_AV" if v_paced and a_paced else "PACED_V" if v_paced else "PACED_A" if a_paced else None
    if paced is not None:
        ev = []
        for ch, key in (("atrial", "atrial"), ("ventricular", "ventricular")):
            if pacing.get(key + "_beats", 0) > 0:
                ev += [_ev(f"{ch} pacemaker spikes time-locked to the complexes", pacing[key + "_beats"], "",
                           f">= {measure.SPIKE_MIN_BEATS} and >= {measure.SPIKE_MIN_SHARE:.0%} of "
                           f"{pacing.get('n_beats')} beats"),
                       _ev(f"{ch} spike to measured QRS onset (negative: onset first)", pacing[key + "_delay_ms"], "ms",
                           f"< {measure.ATRIAL_SPIKE_MIN_MS:g}" if ch == "ventricular"
                           else f"{measure.ATRIAL_SPIKE_MIN_MS:g}-{measure.SPIKE_WINDOW_MS[0]:g}")]
        ev.append(_ev(f"spike residue ({measure.SPIKE_MEDIAN_MS:g}-ms median removed)", pacing.get("spike_mv"), "mV",
                      f">= {measure.SPIKE_MV:g}, isolated"))
        if v_paced:
            ev.append(_ev("QRS duration", qrs, "ms", f">= {PACED_QRS_MS:g}"))
        add(S(paced, source=MASON_2007 + "; IEC 60601-2-25:2011 and ANSI/AAMI EC11 (pacemaker pulses)",
              evidence=ev))
    if "VF" in fcodes:
        add(S("VF", source=_ref(findings, "VF")))
        rhythm = "VF"
    elif "VT" in fcodes:
        add(S("VT", source=_ref(findings, "VT")))
        rhythm = "VT"
    elif paced is not None and not af:
        rhythm = "PACED"  # the pacing statement names the rhythm; its P waves are not sinus ones
    elif flutter is not None and not sinus_p and (
            (p_present and not p_axis_na) or flutter.get("ratio", 0.0) >= FLUTTER_VISIBLE_RATIO):
        add(S("AFL", severity=_af_severity(rate, findings), source=ESC_AF_2020 + "; " + MASON_2007,
              evidence=[_ev("atrial (flutter-wave) rate", flutter.get("atrial_rate_bpm"), "/min",
                            "{:g}-{:g}".format(*FLUTTER_RATE_BPM)),
                        _ev("ventricular rate", rate, "/min", ""),
                        _ev("conduction ratio (RR / atrial cycle)", flutter.get("ratio"), "", ""),
                        _ev("flutter-wave self-similarity one cycle later", flutter.get("regularity"), "",
                            f">= {FLUTTER_MIN_CORR:g}", flutter.get("leads", ()))]))
        rhythm = "AFL"
    elif af:
        f = next(f for f in findings if f.code == "AF")
        add(S("AFIB", source=ESC_AF_2020,
              evidence=[_ev("RR irregularity", f.value, "", f">= {f.threshold:.3g}" if f.threshold else ""),
                        _ev("ventricular rate", rate, "/min", "")]))
        rhythm = "AFIB"
    elif p_present:
        lo, hi = P_AXIS_SINUS_DEG
        pax = lm_p_axis
        if lo <= pax <= hi:
            ev = [_ev("P wave", None, "", "upright (P axis not measurable)", tuple(m.lead for m in lm.leads))
                  if p_axis_na else
                  _ev("P wave", None, "", "upright in I and II, inverted in aVR", ("I", "II", "aVR"))
                  if p_polarity else _ev("P axis", pax, "deg", f"{lo:.0f} to {hi:.0f}"),
                  _ev("heart rate", rate, "/min", "60-100")]
            if _finite(rate) and rate < RATE_MARKED_BRADY_BPM:
                add(S("SB_MARKED", source=KUSUMOTO_2018, evidence=ev[:1] + [_ev("heart rate", rate, "/min", "< 50")]))
            elif _finite(rate) and rate < RATE_LOW_BPM:
                add(S("SB", source=MASON_2007, evidence=ev[:1] + [_ev("heart rate", rate, "/min", "< 60")]))
            elif _finite(rate) and rate > RATE_HIGH_BPM:
                add(S("STACH", source=MASON_2007, evidence=ev[:1] + [_ev("heart rate", rate, "/min", "> 100")]))
            else:
                add(S("SR", source=MASON_2007 + "; " + CHOU_2008, evidence=ev))
            rhythm = "SINUS"
            nn = rr
            if nn.size >= 4 and not ({"PVC", "PAC"} & fcodes):
                spread = float(nn.max() - nn.min())
                if spread > SARRH_RANGE_S:
                    add(S("SARRH", source=ZHENDUANXUE,
                          evidence=[_ev("longest - shortest RR", spread * 1000, "ms", "> 120")]))
        else:
            add(S("EAR", source=MASON_2007 + "; " + CHOU_2008,
                  evidence=[_ev("P wave", None, "", "inverted", tuple(m.lead for m in lm.leads)) if p_axis_na
                            else _ev("P wave", None, "", "not upright in I and II with inverted aVR",
                                     ("I", "II", "aVR")) if p_polarity is False
                            else _ev("P axis", lm.p_axis_deg, "deg", f"outside {lo:.0f} to {hi:.0f}")]))
            rhythm = "EAR"
    elif _finite(rate):
        regular = rr.size >= 3 and float(np.median(np.abs(np.diff(rr)))) < 0.05 * float(np.median(rr))
        if wide and rate <= VR_MAX_BPM and regular:
            add(S("VR", source=MASON_2007 + "; " + CHOU_2008,
                  evidence=[_ev("P wave", None, "", "absent"), _ev("QRS duration", qrs, "ms", ">= 120"),
                            _ev("heart rate", rate, "/min", f"<= {VR_MAX_BPM:g}")]))
            rhythm = "VR"
        elif not wide and rate >= SVT_RATE_BPM and regular:
            add(S("SVT", source=MASON_2007,
                  evidence=[_ev("P wave", None, "", "absent"), _ev("heart rate", rate, "/min", ">= 150")]))
            rhythm = "SVT"
        elif not wide and JR_BPM[0] <= rate <= JR_BPM[1] and regular:
            add(S("JR", source=CHOU_2008,
                  evidence=[_ev("P wave", None, "", "absent"), _ev("QRS duration", qrs, "ms", "< 120"),
                            _ev("heart rate", rate, "/min", f"{JR_BPM[0]:g}-{JR_BPM[1]:g}"),
                            _ev("RR", None, "", "regular")]))
            rhythm = "JR"
    for code, fcode in (("PVC", "PVC"), ("PAC", "PAC"), ("VRUN", "VRUN"), ("PAUSE", "PAUSE"),
                        ("AVB_HIGH", "AVB_HIGH")):
        if fcode in fcodes and not (code == "VRUN" and rhythm == "VT") and not (code == "PVC" and v_paced):
            f = [x for x in findings if x.code == fcode]
            add(S(code, source=f[0].reference,
                  evidence=[_ev(x.text, x.value, "", "" if x.threshold is None else f"{x.threshold:g}", ()
                                if x.lead is None else (x.lead,)) for x in f[:3]]))

    if not lm.leads:
        return _finish(out, findings)
    if v_paced:
        out += _acute_st(findings, S)
        return _finish(out, findings)

    # ---------------------------------------------------------------- conduction
    lbbb = rbbb = wpw = False
    atrial_p = rhythm in ("SINUS", "EAR")
    avb = None
    if p_waves_s is not None and r_peaks_s is not None and rhythm not in ("AFIB", "AFL", "VT", "VF"):
        avb = av_conduction(p_waves_s, r_peaks_s)
    if avb is not None:
        code = avb["code"]
        # Zhejiang: complete AV block with a ventricular rate < 40/min is critical (the AVB_HIGH
        # rule); Mobitz II, 2:1 and complete block are otherwise urgent (pacing indications,
        # KUSUMOTO_2018); Mobitz I is routine
        sev = None if code == "2AVB_MOBITZ1" else min(
            [f.severity for f in findings if code == "3AVB" and f.code == "AVB_HIGH"] + ["urgent"],
            key=triage.severity_rank)
        prs = np.asarray(avb["pr_s"]) * 1000.0
        add(S(code, source=KUSUMOTO_2018 + "; " + MASON_2007, severity=sev,
              evidence=[_ev("atrial (P) rate", avb["atrial_rate_bpm"], "/min",
                            "> ventricular rate" if code == "3AVB" else "constant, < 100"),
                        _ev("ventricular rate", avb["ventricular_rate_bpm"], "/min", ""),
                        _ev("non-conducted P waves", avb["non_conducted"], "", ">= 1"),
                        _ev("PR range (min)", float(prs.min()) if prs.size else None, "ms", ""),
                        _ev("PR range (max)", float(prs.max()) if prs.size else None, "ms",
                            {"3AVB": "varies >= 120 ms", "2AVB_MOBITZ1": "lengthens >= 40 ms, shorter after the "
                             "dropped P"}.get(code, "constant within 40 ms"))]))
    if atrial_p and _finite(pr) and pr > PR_LONG_MS and (avb is None or avb["code"] != "3AVB"):
        add(S("1AVB", source=KUSUMOTO_2018, evidence=[_ev("PR interval", pr, "ms", "> 200")]))
    if atrial_p and _finite(pr, qrs) and pr < PR_SHORT_MS and qrs >= QRS_COMPLETE_MS:
        wpw = True
        add(S("WPW", source=SURAWICZ_2009,
              evidence=[_ev("PR interval", pr, "ms", "< 120"), _ev("QRS duration", qrs, "ms", ">= 120")]))
    if _finite(qrs) and qrs >= QRS_INCOMPLETE_MS and not wpw and rhythm not in ("VT", "VF"):
        complete = qrs >= QRS_COMPLETE_MS
        rb = _rbbb_morphology(L)
        lb = _lbbb_morphology(L)
        if rb is not None:
            rbbb = complete
            add(S("CRBBB" if complete else "IRBBB", source=SURAWICZ_2009,
                  evidence=[_ev("QRS duration", qrs, "ms", ">= 120" if complete else "110-119")] + rb))
        elif lb is not None:
            lbbb = complete
            add(S("CLBBB" if complete else "ILBBB", source=SURAWICZ_2009,
                  evidence=[_ev("QRS duration", qrs, "ms", ">= 120" if complete else "110-119")] + lb))
        elif has("v1", "v6", "i") and qrs > QRS_INCOMPLETE_MS:  # IVCD: "> 110 ms" (SURAWICZ_2009)
            add(S("IVCD", source=SURAWICZ_2009,
                  evidence=[_ev("QRS duration", qrs, "ms", "> 110"),
                            _ev("RBBB / LBBB morphology", None, "", "absent", ("V1", "I", "V6"))]))
    fasc = None
    if _finite(axis) and not lbbb and has("avl", "ii", "iii", "avf"):
        lo, hi = LAFB_AXIS_DEG
        avl, iii = L["avl"], L["iii"]
        if lo <= axis <= hi and avl.q_amp_mv < 0 < avl.r_amp_mv and iii.r_amp_mv < -iii.s_amp_mv \
                and (not np.isfinite(avl.r_peak_time_ms) or avl.r_peak_time_ms >= LAFB_AVL_RPT_MS):
            fasc = "LAFB"
            add(S("LAFB", source=SURAWICZ_2009,
                  evidence=[_ev("QRS axis", axis, "deg", "-45 to -90"),
                            _ev("aVL q / R", avl.q_amp_mv, "mV", "qR pattern", ("aVL",)),
                            _ev("R peak time aVL", avl.r_peak_time_ms, "ms", ">= 45", ("aVL",)),
                            _ev("III R / S", iii.r_amp_mv, "mV", "rS pattern", ("III",))]))
        lo, hi = LPFB_AXIS_DEG
        i_, avf = L.get("i"), L["avf"]
        if fasc is None and i_ is not None and lo <= axis <= hi and i_.r_amp_mv < -i_.s_amp_mv \
                and avl.r_amp_mv < -avl.s_amp_mv and iii.q_amp_mv < 0 < iii.r_amp_mv \
                and avf.q_amp_mv < 0 < avf.r_amp_mv:
            fasc = "LPFB"
            add(S("LPFB", source=SURAWICZ_2009,
                  evidence=[_ev("QRS axis", axis, "deg", "+90 to +180"),
                            _ev("I, aVL", None, "", "rS pattern", ("I", "aVL")),
                            _ev("III, aVF", None, "", "qR pattern", ("III", "aVF"))]))

    # ---------------------------------------------------------------- axis
    if _finite(axis) and fasc is None and rhythm not in ("VF",):
        if -180.0 <= axis < -90.0:
            add(S("EXTREME_AXIS", source=SURAWICZ_2009 + "; " + MASON_2007,
                  evidence=[_ev("QRS axis", axis, "deg", "-90 to -180")]))
        elif axis < LAD_DEG:
            add(S("LAD", source=SURAWICZ_2009, evidence=[_ev("QRS axis", axis, "deg", "-30 to -90")]))
        elif axis > RAD_DEG:
            add(S("RAD", source=SURAWICZ_2009 + "; " + MASON_2007,
                  evidence=[_ev("QRS axis", axis, "deg", "+90 to +180")]))

    # ---------------------------------------------------------------- voltage
    limb = [L[n] for n in _LIMB if n in L]
    prec = [L[n] for n in _PRECORDIAL if n in L]
    if len(limb) == 6:
        mx = max(m.qrs_ptp_mv for m in limb)
        mxp = max(m.qrs_ptp_mv for m in prec) if len(prec) == 6 else _NAN
        if mx < LOW_VOLT_LIMB_MV or (_finite(mxp) and mxp < LOW_VOLT_PRECORDIAL_MV):
            add(S("LOW_VOLT", source=CHOU_2008,
                  evidence=[_ev("largest limb-lead QRS", mx, "mV", "< 0.5", ("I", "II", "III", "aVR", "aVL", "aVF")),
                            _ev("largest precordial QRS", mxp, "mV", "< 1.0", ("V1", "V2", "V3", "V4", "V5", "V6"))]))

    # ---------------------------------------------------------------- hypertrophy
    st_dep_lat = False
    if not lbbb and not wpw and has("v1", "v5", "v6"):
        sok = _s(L["v1"]) + max(_r(L["v5"]), _r(L["v6"]))
        ev = []
        if sok >= SOKOLOW_MV:
            ev.append(_ev("Sokolow-Lyon SV1 + max(RV5, RV6)", sok, "mV", ">= 3.5", ("V1", "V5", "V6")))
        if has("avl", "v3"):
            cor = _r(L["avl"]) + _s(L["v3"])
            lim = CORNELL_MV.get(sex, CORNELL_MV[None])
            if cor > lim:
                ev.append(_ev("Cornell RaVL + SV3", cor, "mV", f"> {lim:g}", ("aVL", "V3")))
        if ev:
            lat = [L[n] for n in ("v5", "v6", "i", "avl") if n in L]
            strain_leads = [m.lead for m in lat if (np.isfinite(m.t_amp_mv) and m.t_amp_mv <= -TINV_MV
                                                     and m.r_amp_mv > -m.s_amp_mv)
                            or (np.isfinite(m.st_j60_mv) and m.st_j60_mv <= -0.05)]
            st_dep_lat = bool(strain_leads)
            if st_dep_lat:
                ev.append(_ev("ST depression / T inversion", None, "", "ST <= -0.05 mV or T <= -0.1 mV",
                              strain_leads))
            young = age is not None and float(age) < LVH_MIN_AGE_Y
            if not (young and not st_dep_lat):
                    add(S("LVH_STRAIN" if st_dep_lat else "LVH", source=HANCOCK_2009 + "; " + SOKOLOW_1949 + "; "
                      + CASALE_1985, evidence=ev))
    if not rbbb and not (_finite(qrs) and qrs >= QRS_COMPLETE_MS) and _finite(axis) and axis > RAD_DEG \
            and has("v1"):
        v1 = L["v1"]
        rv1 = _r(v1)
        if rv1 >= RVH_R_V1_MV or (rv1 >= RVH_R_V1_RS_MV and rv1 > -v1.s_amp_mv):
            add(S("RVH", source=HANCOCK_2009,
                  evidence=[_ev("R in V1", rv1, "mV", ">= 0.7, or >= 0.5 with R/S > 1", ("V1",)),
                            _ev("QRS axis", axis, "deg", "> +90")]))
    if atrial_p:
        ev = []
        # (P duration >= 120 ms, HANCOCK_2009's other criterion, is defined in lead II;
        # our P duration is global over all leads, hence longer: not used)
        if _finite(p_terminal_force_mv_s) and p_terminal_force_mv_s >= LAE_PTF_MV_S:
            ev.append(_ev("P terminal force V1", p_terminal_force_mv_s, "mV*s", ">= 0.004", ("V1",)))
        if ev:
            add(S("LAE", source=HANCOCK_2009 + "; " + MORRIS_1964, evidence=ev))
        ev = []
        if "ii" in L and np.isfinite(L["ii"].p_amp_mv) and L["ii"].p_amp_mv >= RAE_P_II_MV:
            ev.append(_ev("P amplitude II", L["ii"].p_amp_mv, "mV", ">= 0.25", ("II",)))
        for n in ("v1", "v2"):
            if n in L and np.isfinite(L[n].p_amp_mv) and L[n].p_amp_mv >= RAE_P_V1_MV:
                ev.append(_ev(f"P amplitude {L[n].lead}", L[n].p_amp_mv, "mV", ">= 0.15", (L[n].lead,)))
                break
        if ev:
            add(S("RAE", source=HANCOCK_2009, evidence=ev))

    # ---------------------------------------------------------------- infarction
    if not lbbb and not wpw and rhythm not in ("VR", "VT", "VF"):
        out += _q_wave_mi(L, S)
    out += _acute_st(findings, S)

    # ---------------------------------------------------------------- ST-T
    secondary = lbbb or rbbb or wpw or rhythm in ("VR", "VT", "VF")
    if not secondary and not wide:
        er = _early_repolarization(L, lm, fcodes, S, age=age, sex=sex)
        if er is not None:
            add(er)
    if "ST_DEPRESSION" in fcodes and not st_dep_lat:
        f = next(f for f in findings if f.code == "ST_DEPRESSION")
        add(S("ST_DEP", source=f.reference,
              evidence=[_ev(f.text, f.value, "mV", f"<= {f.threshold:g}", () if f.lead is None else (f.lead,))]))
    if not secondary and not st_dep_lat:
        inv = {n for n, m in L.items() if n in _LIMB + _PRECORDIAL and np.isfinite(m.t_amp_mv)
               and m.t_amp_mv <= -TINV_MV and m.r_amp_mv > -m.s_amp_mv and m.r_amp_mv >= 0.3 * m.qrs_ptp_mv}
        pairs = [(a, b) for a, b in _CONTIG if a in inv and b in inv]
        if pairs:
            leads = sorted({x for p in pairs for x in p}, key=lambda n: (_LIMB + _PRECORDIAL).index(n))
            add(S("TINV", source=UDMI_2018,
                  evidence=[_ev("T amplitude", min(L[n].t_amp_mv for n in leads), "mV", "<= -0.1 with R/S > 1",
                                [L[n].lead for n in leads])]))

        if not pairs:
            flat = {n for n, m in L.items() if n in T_FLAT_LEADS and np.isfinite(m.t_amp_mv)
                    and _r(m) >= T_FLAT_R_MV and -TINV_MV < m.t_amp_mv < T_FLAT_RATIO * _r(m)}
            fpairs = [(a, b) for a, b in _CONTIG if a in flat and b in flat]
            if fpairs:
                leads = sorted({x for p in fpairs for x in p}, key=lambda n: (_LIMB + _PRECORDIAL).index(n))
                add(S("T_FLAT", source=PRINEAS_2010,
                      evidence=[_ev("T amplitude", L[n].t_amp_mv, "mV", "-0.1 to R/20 (R >= 0.5 mV)", (L[n].lead,))
                                for n in leads]))

    # ---------------------------------------------------------------- intervals
    if "LONG_QTC" in fcodes:
        f = next(f for f in findings if f.code == "LONG_QTC")
        add(S("LONG_QT", source=f.reference,
              evidence=[_ev("QTc (Framingham)", f.value, "ms", f">= {f.threshold:g}"),
                        _ev("QTc (Bazett)", qtc, "ms", ""), _ev("QT", lm.qt_ms, "ms", "")]))
    if "LEAD_REVERSAL" in fcodes:
        f = next(f for f in findings if f.code == "LEAD_REVERSAL")
        add(S("LEAD_REVERSAL", source=f.reference, evidence=[_ev(f.text, None, "", "", (f.lead,) if f.lead else ())]))
    return _finish(out, findings)


def _acute_st(findings, S):
    """STEMI and posterior-MI statements from the ST findings of `ecgsignal.st`."""
    out = []
    for code in ("STEMI", "POSTERIOR_MI"):
        f = next((f for f in findings if f.code == code), None)
        if f is not None:
            out.append(S(code, source=f.reference,
                         evidence=[_ev(f.text, f.value, "mV", "" if f.threshold is None else f">= {f.threshold:g}",
                                       () if f.lead is None else (f.lead,))]))
    return out


def _early_repolarization(L, lm, fcodes, S, *, age, sex):
    """The ER statement: Macfarlane 2015 pattern, and/or anterior elevation read as ER by Smith 2012."""
    jp = {n for n in ER_LEADS if n in L and np.isfinite(L[n].j_peak_mv) and L[n].j_peak_mv >= ER_JP_MV
          and L[n].st_concave is not False}
    pairs = [(a, b) for a, b in _CONTIG if a in jp and b in jp]
    leads = sorted({x for p in pairs for x in p}, key=lambda n: (_LIMB + _PRECORDIAL).index(n))
    smith = st_mod.smith2012_er(lm, age=age, sex=sex)
    downgraded = smith is not None and smith["er"] and "STEMI" not in fcodes
    if not leads and not downgraded:
        return None
    ev, src = [], []
    if leads:
        src.append(MACFARLANE_2015 + "; " + BRADY_2001)
        for n in leads:
            m = L[n]
            ev.append(_ev(f"Jp ({'notch' if m.j_notch else 'slur'}) {m.lead}", m.j_peak_mv, "mV",
                          ">= 0.1 in 2 contiguous leads (not V1-V3), concave ST", (m.lead,)))
    if smith is not None:
        pretty = [L[n].lead for n in smith["leads"]]
        src.append(st_mod.SMITH_ER_2012)
        ev.append(_ev("ST elevation at J (UDMI cut-points met)", max(L[n].st_j_mv for n in smith["leads"]), "mV",
                      "", pretty))
        ev.append(_ev("Smith 2012: 1.196 STE60 V3 (mm) + 0.059 QTc - 0.326 RV4 (mm)", smith["score"], "",
                      f"< {st_mod.SMITH_CUTOFF:g} (early repolarisation)", ("V3", "V4")))
        ev.append(_ev("obvious-STEMI features: " + (", ".join(smith["exclusions"]) or "none"), None, "",
                      "none", ()))
    elif "STEMI" in fcodes:
        ev.append(_ev("STEMI criteria also met: acute injury not excluded (no published rule to tell ER from "
                      "STEMI in these leads)", None, "", "", ()))
    # Read as ER instead of STEMI: urgent, not routine (the formula misses about 1 in 7 subtle
    # LAD occlusions in its derivation, Se 86 %; serial ECGs are advised, SMITH_ER_2012)
    return S("ER", source="; ".join(src), evidence=ev, severity="urgent" if downgraded else None)


def _r(m):
    """Tallest R (R or R') of a lead in mV."""
    return max(m.r_amp_mv, m.r2_amp_mv)


def _s(m):
    """Depth of the S wave of a lead in mV (the whole negative deflection of a QS complex)."""
    return -min(m.s_amp_mv, m.q_amp_mv if m.qs else 0.0)


def _ref(findings, code):
    return next((f.reference for f in findings if f.code == code), "")


def _af_severity(rate, findings):
    """AF/flutter severity by the Zhejiang rule: critical at a mean ventricular rate >= 180/min, else urgent."""
    sev = [f.severity for f in findings if f.code == "AF"]
    base = "critical" if _finite(rate) and rate >= triage.AF_RAPID_BPM else "urgent"
    return min(sev + [base], key=triage.severity_rank)


def _rbbb_morphology(L):
    """Evidence list when V1/V2, I and V6 show the RBBB pattern (SURAWICZ_2009), else None."""
    if not all(n in L for n in ("v1", "i", "v6")):
        return None
    v1, i_, v6 = L["v1"], L["i"], L["v6"]
    v2 = L.get("v2")
    # rsr', rsR', rSR' in V1 or V2 (an R' wave), or a broad notched / dominant R in V1 with a late peak
    rprime = [m.lead for m in (v1, v2) if m is not None and m.r2_amp_mv > 0]
    late_r = v1.r_amp_mv > -v1.s_amp_mv and v1.r_peak_time_ms > RBBB_V1_RPT_MS
    if not (rprime or late_r):
        return None
    # S wave in I and V6 of greater duration than R or > 40 ms
    wide_s = [m for m in (i_, v6) if m.s_amp_mv < 0 and (m.s_dur_ms > m.r_dur_ms or m.s_dur_ms > RBBB_S_DUR_MS)]
    if len(wide_s) < 2:
        return None
    ev = [_ev("R' in V1/V2" if rprime else "R peak time V1", None if rprime else v1.r_peak_time_ms,
              "" if rprime else "ms", "present" if rprime else "> 50", rprime or ("V1",)),
          _ev("S duration I / V6", max(m.s_dur_ms for m in wide_s), "ms", "> R duration or > 40", ("I", "V6"))]
    return ev


def _lbbb_morphology(L):
    """Evidence list when V1, I, V5/V6 show the LBBB pattern (SURAWICZ_2009), else None."""
    if not all(n in L for n in ("v1", "i", "v6")):
        return None
    v1, i_, v6 = L["v1"], L["i"], L["v6"]
    v5 = L.get("v5")
    # V1: QS or rS (predominantly negative)
    if not (v1.qrs_area_mv_ms < 0 and _r(v1) < -min(v1.s_amp_mv, v1.q_amp_mv)):
        return None
    # broad R in I and V6, without q waves and without a dominant S
    lat = [m for m in (i_, v6) if m.q_amp_mv >= 0 and _r(m) > 0 and _r(m) > -m.s_amp_mv]
    if len(lat) < 2:
        return None
    rpt = [m.r_peak_time_ms for m in (v5, v6) if m is not None and np.isfinite(m.r_peak_time_ms)]
    if not rpt or max(rpt) <= LBBB_RPT_MS:
        return None
    return [_ev("V1", None, "", "QS or rS", ("V1",)),
            _ev("q waves in I, V6", None, "", "absent", ("I", "V6")),
            _ev("R peak time V5/V6", max(rpt), "ms", "> 60", ("V5", "V6"))]


def _pathologic_q(n, m):
    """UDMI 2018 prior-MI Q wave in lead `n` (lower case)."""
    if n in ("v2", "v3"):
        return (m.q_amp_mv < 0 and m.q_dur_ms > Q_V2V3_MS) or m.qs
    if n in ("i", "ii", "avl", "avf", "v4", "v5", "v6", "iii", "v1"):
        return m.qs or (m.q_dur_ms >= Q_MS and m.q_amp_mv <= -Q_MV)
    return False


#: Territories of the prior-MI Q-wave criterion: the two leads of a contiguous group
#: (UDMI_2018). Lead III and V1 are not among UDMI's Q-wave leads on their own (a Q
#: there is often normal), so every pair names at least one listed lead and III / V1
#: count only beside one (II/aVF; V2).
_MI_TERRITORY = (
    ("IMI_OLD", (("ii", "avf"), ("iii", "avf"), ("ii", "iii"))),
    ("ASMI_OLD", (("v1", "v2"), ("v2", "v3"))),
    ("AMI_OLD", (("v3", "v4"), ("v4", "v5"))),
    ("LMI_OLD", (("i", "avl"), ("v5", "v6"))),
)
_UDMI_Q_LEADS = {"i", "ii", "avl", "avf", "v2", "v3", "v4", "v5", "v6"}


def _q_wave_mi(L, S):
    out = []
    q = {n for n, m in L.items() if _pathologic_q(n, m)}
    for code, pairs in _MI_TERRITORY:
        hit = [p for p in pairs if p[0] in q and p[1] in q and (set(p) & _UDMI_Q_LEADS)]
        if code == "ASMI_OLD":  # "any Q > 20 ms or QS in V2-V3": both V2 and V3
            hit = [p for p in hit if p == ("v2", "v3")]
        if hit:
            leads = sorted({x for p in hit for x in p}, key=lambda n: (_LIMB + _PRECORDIAL).index(n))
            out.append(S(code, source=UDMI_2018, evidence=[
                _ev(f"Q wave {L[n].lead}", L[n].q_dur_ms, "ms",
                    "> 20 or QS" if n in ("v2", "v3") else ">= 30 and >= 0.1 mV deep, or QS", (L[n].lead,))
                for n in leads]))
    return out


def _finish(out, findings):
    """Sort statements by category and add the overall one."""
    out.sort(key=lambda s: ORDER.index(s.category))
    kinds = {s.kind for s in out}
    overall = "abnormal" if "abnormal" in kinds else "borderline" if "borderline" in kinds else "normal"
    if overall == "normal" and not {"SR", "SB", "SARRH"} & {s.code for s in out}:
        # a normal ECG is sinus rhythm without abnormality (MASON_2007, statement list
        # "normal ECG"); without a recognised sinus rhythm it is borderline at best
        overall = "borderline"
    code = {"normal": "NORMAL_ECG", "borderline": "BORDERLINE_ECG", "abnormal": "ABNORMAL_ECG"}[overall]
    basis = [s.code for s in out if s.kind == overall] if overall != "normal" else [s.code for s in out]
    out.append(statement(code, findings=(), severity=triage.priority(findings) if findings else "routine",
                         source=MASON_2007,
                         evidence=[_ev("statements", None, "", overall, ())] if not basis else
                         [_ev("statements: " + ", ".join(basis), None, "", overall)]))
    return Interpretation(statements=tuple(out), overall=overall)
