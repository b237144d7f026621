"""The clinical vocabulary: report statements, recommendations and automatic finding names, in zh_CN and en.

Domain data with one owner: the report form, `submit_report`'s validation (unknown codes are a
400), the JSON API, the pages, the scripts (served with the catalogue) and the PDF all read it
here. Chinese terms follow Chinese ECG reporting usage (中华医学会心电生理和起搏分会,
《常规12导联心电图报告规范》 terminology; 《心电图危急值专家共识》 for the critical findings);
abbreviations such as QTc, PR, aVR stay as they are.

Statuses, priorities and roles are interface words, not clinical vocabulary: they are gettext
strings (see `status_label`, ...), translated with the rest of the interface.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import get_locale, lazy_gettext as _l


@dataclass(frozen=True)
class Term:
    code: str
    en: str
    zh_CN: str

    def label(self, locale: str | None = None) -> str:
        locale = locale or str(get_locale())
        return self.zh_CN if locale.startswith("zh") else self.en


# Report statements, grouped as the form shows them. Codes are stable: reports store codes.
STATEMENT_GROUPS: list[tuple[Term, list[Term]]] = [
    (Term("rhythm", "Rhythm", "心律"), [
        Term("SR", "Sinus rhythm", "窦性心律"),
        Term("SB", "Sinus bradycardia", "窦性心动过缓"),
        Term("STACH", "Sinus tachycardia", "窦性心动过速"),
        Term("SARRH", "Sinus arrhythmia", "窦性心律不齐"),
        Term("AF", "Atrial fibrillation", "心房颤动"),
        Term("AFL", "Atrial flutter", "心房扑动"),
        Term("SVT", "Supraventricular tachycardia", "室上性心动过速"),
        Term("JR", "Junctional rhythm", "交界性心律"),
        Term("VT", "Ventricular tachycardia", "室性心动过速"),
        Term("PVC", "Ventricular premature beats", "室性早搏"),
        Term("PAC", "Supraventricular premature beats", "室上性早搏"),
        Term("PACED", "Paced rhythm", "起搏心律"),
    ]),
    (Term("conduction", "Conduction", "传导"), [
        Term("AVB1", "First-degree AV block", "一度房室传导阻滞"),
        Term("AVB2", "Second-degree AV block", "二度房室传导阻滞"),
        Term("AVB3", "Third-degree (complete) AV block", "三度（完全性）房室传导阻滞"),
        Term("CLBBB", "Complete left bundle branch block", "完全性左束支传导阻滞"),
        Term("CRBBB", "Complete right bundle branch block", "完全性右束支传导阻滞"),
        Term("IRBBB", "Incomplete right bundle branch block", "不完全性右束支传导阻滞"),
        Term("LAFB", "Left anterior fascicular block", "左前分支阻滞"),
        Term("LPFB", "Left posterior fascicular block", "左后分支阻滞"),
        Term("IVCD", "Nonspecific intraventricular conduction delay", "非特异性室内传导阻滞"),
        Term("WPW", "Ventricular pre-excitation (WPW pattern)", "心室预激（WPW图形）"),
        Term("LQT", "Long QT interval", "QT间期延长"),
    ]),
    (Term("axis", "Axis and voltage", "电轴与电压"), [
        Term("AXIS_NORMAL", "Normal axis", "电轴正常"),
        Term("LAD", "Left axis deviation", "电轴左偏"),
        Term("RAD", "Right axis deviation", "电轴右偏"),
        Term("EXTREME_AXIS", "Extreme axis deviation", "电轴极度偏移"),
        Term("LVOLT", "Low QRS voltage", "低电压"),
    ]),
    (Term("hypertrophy", "Hypertrophy and enlargement", "肥厚与扩大"), [
        Term("LVH", "Left ventricular hypertrophy", "左心室肥厚"),
        Term("RVH", "Right ventricular hypertrophy", "右心室肥厚"),
        Term("LAE", "Left atrial enlargement", "左心房扩大"),
        Term("RAE", "Right atrial enlargement", "右心房扩大"),
    ]),
    (Term("st_t", "ST-T", "ST-T"), [
        Term("NSSTT", "Non-specific ST-T changes", "非特异性ST-T改变"),
        Term("STD", "ST depression", "ST段压低"),
        Term("TINV", "T wave inversion", "T波倒置"),
        Term("ER", "Early repolarisation", "早期复极"),
    ]),
    (Term("infarction", "Infarction", "心肌梗死"), [
        Term("STEMI", "Acute ST-elevation myocardial infarction pattern", "急性ST段抬高型心肌梗死图形"),
        Term("OLDMI", "Old infarction (pathological Q waves)", "陈旧性心肌梗死（病理性Q波）"),
        Term("IMI_OLD", "Inferior infarct, age undetermined", "陈旧性下壁心肌梗死（时间未定）"),
        Term("ASMI_OLD", "Anteroseptal infarct, age undetermined", "陈旧性前间壁心肌梗死（时间未定）"),
        Term("AMI_OLD", "Anterior infarct, age undetermined", "陈旧性前壁心肌梗死（时间未定）"),
        Term("LMI_OLD", "Lateral infarct, age undetermined", "陈旧性侧壁心肌梗死（时间未定）"),
    ]),
    (Term("overall", "Overall", "总体"), [
        Term("NORMAL", "Normal ECG", "正常心电图"),
        Term("BORDERLINE", "Borderline ECG", "大致正常心电图"),
        Term("ABNORMAL", "Abnormal ECG", "异常心电图"),
    ]),
    (Term("comparison", "Comparison", "对比"), [
        Term("NO_PRIOR", "No previous ECG for comparison", "无既往心电图可供对比"),
        Term("UNCHANGED", "Unchanged from the previous ECG", "与既往心电图比较无明显变化"),
        Term("CHANGED", "Changed from the previous ECG", "与既往心电图比较有变化"),
    ]),
]
STATEMENTS: dict[str, Term] = {t.code: t for _g, terms in STATEMENT_GROUPS for t in terms}

# ecgsignal's interpretive statements (their own zh/en labels live with them, in
# ecgsignal.statements.VOCABULARY) -> the report statement the cardiologist starts from.
# Automatic statements with no report counterpart (pauses, runs, technical notes) are shown, not offered.
FROM_INTERPRETATION = {
    "SR": "SR", "SB": "SB", "SB_MARKED": "SB", "STACH": "STACH", "SARRH": "SARRH", "AFIB": "AF", "AFL": "AFL",
    "SVT": "SVT", "JR": "JR", "VT": "VT", "PAC": "PAC", "PVC": "PVC", "1AVB": "AVB1", "CRBBB": "CRBBB",
    "IRBBB": "IRBBB", "CLBBB": "CLBBB", "LAFB": "LAFB", "LPFB": "LPFB", "IVCD": "IVCD", "WPW": "WPW", "LAD": "LAD",
    "RAD": "RAD", "EXTREME_AXIS": "EXTREME_AXIS", "LOW_VOLT": "LVOLT", "LVH": "LVH", "LVH_STRAIN": "LVH",
    "RVH": "RVH", "LAE": "LAE", "RAE": "RAE", "IMI_OLD": "IMI_OLD", "ASMI_OLD": "ASMI_OLD", "AMI_OLD": "AMI_OLD",
    "LMI_OLD": "LMI_OLD", "STEMI": "STEMI", "ST_DEP": "STD", "TINV": "TINV", "T_FLAT": "NSSTT", "LONG_QT": "LQT",
    "NORMAL_ECG": "NORMAL", "BORDERLINE_ECG": "BORDERLINE", "ABNORMAL_ECG": "ABNORMAL",
    "2AVB_MOBITZ1": "AVB2", "2AVB_MOBITZ2": "AVB2", "2AVB_2TO1": "AVB2", "3AVB": "AVB3", "ER": "ER",
    "PACED_A": "PACED", "PACED_V": "PACED", "PACED_AV": "PACED",
}


def suggested_statements(interpretation: dict | None) -> list[str]:
    """The report statements matching an automatic interpretation, in its order, each once."""
    if not interpretation:
        return []
    codes = [FROM_INTERPRETATION.get(s.get("code")) for s in interpretation.get("statements", [])]
    return list(dict.fromkeys(c for c in codes if c in STATEMENTS))

RECOMMENDATIONS: dict[str, Term] = {t.code: t for t in [
    Term("TRANSFER_NOW", "Transfer to the county or city hospital now.", "立即转诊至县级或市级医院。"),
    Term("CARDIOLOGY_DAYS", "See a cardiologist within days.", "数日内到心内科就诊。"),
    Term("REPEAT_ECG", "Repeat the ECG (recording quality too low).", "请重新记录心电图（记录质量过低）。"),
    Term("ROUTINE", "No action needed; routine follow-up.", "无需特殊处理，常规随访。"),
]}

# Automatic findings of ecgsignal (signal/README.md, "Finding codes"): name and a one-line
# explanation for the reader. The measured values come from the finding itself.
FINDINGS: dict[str, tuple[Term, Term]] = {name.code: (name, why) for name, why in [
    (Term("BRADY", "Bradycardia", "心动过缓"),
     Term("BRADY", "Heart rate below 60/min.", "心率低于60次/分。")),
    (Term("TACHY", "Tachycardia", "心动过速"),
     Term("TACHY", "Heart rate above 100/min.", "心率高于100次/分。")),
    (Term("PAUSE", "Pause", "长RR间歇"),
     Term("PAUSE", "An RR gap of 2 s or more with no beat in it.", "RR间期≥2秒，其间无心搏。")),
    (Term("AF", "Atrial fibrillation", "心房颤动"),
     Term("AF", "Irregularly irregular RR intervals without consistent P waves.", "RR间期绝对不齐，无一致的P波。")),
    (Term("PVC", "Ventricular premature beats", "室性早搏"),
     Term("PVC", "Early wide beats of ventricular origin.", "提前出现的宽大畸形QRS波，起源于心室。")),
    (Term("PAC", "Supraventricular premature beats", "室上性早搏"),
     Term("PAC", "Early narrow beats of supraventricular origin.", "提前出现的窄QRS波，起源于室上。")),
    (Term("VRUN", "Ventricular run", "短阵室性心动过速"),
     Term("VRUN", "Three or more consecutive ventricular beats.", "连续3个或以上室性搏动。")),
    (Term("VT", "Ventricular tachycardia", "室性心动过速"),
     Term("VT", "A run of wide-QRS beats at a fast rate.", "快速、连续的宽QRS波群。")),
    (Term("VF", "Ventricular fibrillation or flutter", "心室颤动或心室扑动"),
     Term("VF", "Chaotic ventricular activity without distinct QRS complexes.", "无明确QRS波的紊乱心室电活动。")),
    (Term("AVB_HIGH", "Possible high-grade AV block", "高度房室传导阻滞可能"),
     Term("AVB_HIGH", "Ventricular rate below 40/min.", "心室率低于40次/分。")),
    (Term("WIDE_QRS", "Wide QRS", "QRS波增宽"),
     Term("WIDE_QRS", "QRS 120 ms or longer: bundle branch block pattern.", "QRS时限≥120 ms，呈束支传导阻滞图形。")),
    (Term("LONG_PR", "Long PR interval", "PR间期延长"),
     Term("LONG_PR", "PR above 200 ms (first-degree AV block).", "PR间期>200 ms（一度房室传导阻滞）。")),
    (Term("LONG_QTC", "Long QTc", "QTc间期延长"),
     Term("LONG_QTC", "QTc above 450 ms (men) or 460 ms (women).", "QTc男性>450 ms，女性>460 ms。")),
    (Term("STEMI", "ST elevation (acute infarction pattern)", "ST段抬高（急性心肌梗死图形）"),
     Term("STEMI", "ST elevation in two contiguous leads above the Fourth Universal Definition thresholds.",
          "相邻两个导联ST段抬高，超过第四版心肌梗死通用定义的阈值。")),
    (Term("ST_DEPRESSION", "ST depression", "ST段压低"),
     Term("ST_DEPRESSION", "Horizontal or downsloping ST depression of 0.5 mm or more in two contiguous leads.",
          "相邻两个导联ST段水平型或下斜型压低≥0.5 mm。")),
    (Term("POSTERIOR_MI", "Possible posterior infarction", "后壁心肌梗死可能"),
     Term("POSTERIOR_MI", "ST depression confined to V1-V3: record V7-V9.", "ST段压低局限于V1-V3导联：请加做V7-V9导联。")),
    (Term("LEAD_REVERSAL", "Possible limb lead reversal", "肢体导联接反可能"),
     Term("LEAD_REVERSAL", "Negative P-QRS in lead I with a positive aVR: check the arm electrodes.",
          "I导联P-QRS倒置而aVR直立：请检查上肢电极。")),
    (Term("LOW_QUALITY", "Low recording quality", "记录质量差"),
     Term("LOW_QUALITY", "A lead or a stretch cannot be read; consider recording again.", "部分导联或片段无法判读，建议重新记录。")),
    (Term("IMPLAUSIBLE_AMPLITUDE", "Implausible amplitude", "振幅异常"),
     Term("IMPLAUSIBLE_AMPLITUDE", "Amplitudes look like microvolts or volts, not millivolts; ST findings withheld.",
          "振幅像是微伏或伏而非毫伏；不给出ST段结论。")),
]}

STATUS_LABELS = {
    "analyzing": _l("Analysing"),
    "awaiting_review": _l("Awaiting review"),
    "in_review": _l("In review"),
    "reported": _l("Reported"),
    "analysis_failed": _l("Analysis failed"),
    "rerecord_requested": _l("New recording needed"),
}
PRIORITY_LABELS = {"critical": _l("Critical"), "urgent": _l("Urgent"), "routine": _l("Routine")}
ROLE_LABELS = {
    "township_doctor": _l("Township doctor"),
    "cardiologist": _l("Cardiologist"),
    "coordinator": _l("Coordinator"),
    "admin": _l("Administrator"),
}
# As a sentence names them: "Only township doctors can send ECGs for review."
ROLE_PLURALS = {
    "township_doctor": _l("township doctors"),
    "cardiologist": _l("cardiologists"),
    "coordinator": _l("coordinators"),
    "admin": _l("administrators"),
}
SEX_LABELS = {"M": _l("male"), "F": _l("female")}


def status_label(code: str | None) -> str:
    return str(STATUS_LABELS.get(code, code or ""))


def priority_label(code: str | None) -> str:
    return str(PRIORITY_LABELS[code]) if code in PRIORITY_LABELS else ""


def role_label(code: str | None) -> str:
    return str(ROLE_LABELS.get(code, code or ""))


def role_plural(code: str) -> str:
    return str(ROLE_PLURALS.get(code, code))


def sex_label(code: str | None) -> str:
    return str(SEX_LABELS[code]) if code in SEX_LABELS else "?"


def statement_label(code: str, locale: str | None = None) -> str:
    """A statement's label; a statement stored as free text (before codes existed) shows as written."""
    term = STATEMENTS.get(code)
    return term.label(locale) if term else code


def recommendation_label(code: str, locale: str | None = None) -> str:
    term = RECOMMENDATIONS.get(code)
    return term.label(locale) if term else code


def finding_name(code: str, locale: str | None = None) -> str:
    entry = FINDINGS.get(code)
    return entry[0].label(locale) if entry else code


def finding_explanation(code: str, locale: str | None = None) -> str:
    entry = FINDINGS.get(code)
    return entry[1].label(locale) if entry else ""


def client_vocabulary(locale: str) -> dict:
    """Everything the scripts show by code, in one language."""
    return {
        "statuses": {k: str(v) for k, v in STATUS_LABELS.items()},
        "priorities": {k: str(v) for k, v in PRIORITY_LABELS.items()},
        "roles": {k: str(v) for k, v in ROLE_LABELS.items()},
        "sexes": {k: str(v) for k, v in SEX_LABELS.items()},
        "statements": {code: t.label(locale) for code, t in STATEMENTS.items()},
        "statement_groups": [{"code": g.code, "label": g.label(locale), "statements": [t.code for t in terms]}
                             for g, terms in STATEMENT_GROUPS],
        "recommendations": {code: t.label(locale) for code, t in RECOMMENDATIONS.items()},
        "findings": {code: {"name": n.label(locale), "explanation": w.label(locale)} for code, (n, w) in FINDINGS.items()},
    }


FIELD_LABELS = {
    "patient_ref": _l("the patient reference"),
    "symptoms": _l("symptoms"),
    "question": _l("the question for the cardiologist"),
    "diagnosis": _l("the diagnosis"),
    "recommendation": _l("the recommendation"),
    "reason": _l("the reason"),
}


def field_label(key: str) -> str:
    return str(FIELD_LABELS.get(key, key.replace("_", " ")))
