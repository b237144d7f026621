"""ST-segment deviation on the median beat, and the ischaemia findings STEMI, ST_DEPRESSION, POSTERIOR_MI.

Levels are measured on the baseline-corrected median beat of `waves.delineate`
(isoelectric level = the PR segment just before QRS onset), at the J point
(QRS offset) and 60 ms after it. 1 mm on standard paper = 0.1 mV.
"""
from __future__ import annotations

import numpy as np

from . import measure, triage
from .types import Delineation, Finding

__all__ = ["st_levels", "st_findings", "stemi_threshold_mv", "st_elevation_leads", "smith2012_er"]

UDMI_2018 = ("Thygesen K et al. Fourth universal definition of myocardial infarction (2018). "
             "Circulation 2018;138:e618-51, doi:10.1161/CIR.0000000000000617")
WAGNER_2009 = ("Wagner GS et al. AHA/ACCF/HRS recommendations for the standardization and "
               "interpretation of the ECG, part VI: acute ischemia/infarction. "
               "J Am Coll Cardiol 2009;53:1003-11, doi:10.1016/j.jacc.2008.12.016")

#: ST elevation cut-points (UDMI_2018, table 4): >= 1 mm in all leads other than
#: V2-V3; in V2-V3 >= 2 mm in men >= 40 y, >= 2.5 mm in men < 40 y, >= 1.5 mm in
#: women. With unknown sex the most sensitive (1.5 mm) is used; men of unknown
#: age get 2 mm.
ST_ELEV_MV = 0.10
ST_ELEV_V2V3_MV = {("M", True): 0.20, ("M", False): 0.25, ("F", True): 0.15, ("F", False): 0.15}
#: Horizontal or downsloping ST depression >= 0.5 mm in two contiguous leads (UDMI_2018).
ST_DEPR_MV = -0.05
#: "Upsloping" when the ST rises by more than 0.5 mm from J to J+80 ms; upsloping
#: depression is not counted (UDMI_2018 asks for horizontal/downsloping).
UPSLOPE_MV = 0.05
#: Measurement point after J (ms): J+60 ms (WAGNER_2009 discusses J and J+60/80);
#: J+40 ms at rates above 120/min, where J+60 may fall on the T wave.
ST_POINT_MS = 60.0

#: Contiguous lead groups (UDMI_2018: anterior V1-V6, inferior II/III/aVF,
#: lateral/apical I/aVL); among precordial leads only neighbours count.
_GROUPS = [("ii", "iii"), ("ii", "avf"), ("iii", "avf"), ("i", "avl"), ("v5", "v6"), ("i", "v6"),
           ("v1", "v2"), ("v2", "v3"), ("v3", "v4"), ("v4", "v5")]
#: Standard lead names (lower case): ST criteria are defined on these only.
_STANDARD = {"i", "ii", "iii", "avr", "avl", "avf", "v1", "v2", "v3", "v4", "v5", "v6"}
_TERRITORY = {"ii": "inferior", "iii": "inferior", "avf": "inferior", "i": "lateral", "avl": "lateral",
              "v5": "lateral", "v6": "lateral", "v1": "septal", "v2": "anterior", "v3": "anterior",
              "v4": "anterior"}


def stemi_threshold_mv(lead: str, *, age=None, sex=None) -> float:
    """ST-elevation cut-point in mV for a lead (UDMI 2018).

    Examples
    --------
    >>> stemi_threshold_mv("V2", age=35, sex="M")
    0.25
    >>> stemi_threshold_mv("II")
    0.1
    """
    if lead.lower() not in ("v2", "v3"):
        return ST_ELEV_MV
    if sex is None:
        return ST_ELEV_V2V3_MV[("F", True)]
    older = True if age is None else float(age) >= 40
    return ST_ELEV_V2V3_MV[(sex, older)]


SMITH_ER_2012 = ("Smith SW, Khalil A, Henry TD et al. Electrocardiographic differentiation of early "
                 "repolarization from subtle anterior ST-segment elevation myocardial infarction. "
                 "Ann Emerg Med 2012;60:45-56, doi:10.1016/j.annemergmed.2012.02.015")
#: Smith 2012 three-variable formula for anterior ST elevation (ER vs LAD occlusion):
#: 1.196 x STE at J+60 in V3 (mm) + 0.059 x QTc Bazett (ms) - 0.326 x R amplitude in
#: V4 (mm); > 23.4 suggests LAD occlusion, below it early repolarisation (Se 86 %,
#: Sp 91 % in the derivation). It applies only when none of the paper's "obvious
#: STEMI" features is present (SMITH_ER_2012, methods): ST elevation >= 5 mm,
#: non-concave ST, inferior (reciprocal) ST depression, anterior ST depression,
#: terminal QRS distortion in V2 or V3 (neither an S wave nor a J wave), Q waves in
#: V2-V4, T-wave inversion in V2-V6. Our operational limits for those features:
#: any ST depression <= -0.05 mV (the UDMI 0.5 mm), any Q wave, any negative T.
SMITH_COEF = (1.196, 0.059, -0.326)
SMITH_CUTOFF = 23.4
SMITH_MAX_STE_MV = 0.5
#: Smith's formula was derived on anterior ST elevation: it is used here only when
#: every lead of the STEMI criterion is precordial (V2-V6).
_SMITH_LEADS = {"v2", "v3", "v4", "v5", "v6"}


def st_elevation_leads(j_mv, *, age=None, sex=None):
    """Leads of the UDMI ST-elevation criterion: elevation at J in two contiguous standard leads.

    Parameters
    ----------
    j_mv : dict
        Lead name (any case) -> ST level at the J point in mV.

    Returns
    -------
    list of str
        Lower-case lead names in the contiguous pairs (empty when not met).
    """
    low = {k.lower(): v for k, v in j_mv.items()}
    elev = {n for n, v in low.items() if n in _STANDARD and np.isfinite(v)
            and v >= stemi_threshold_mv(n, age=age, sex=sex)}
    return sorted({x for a, b in _GROUPS if a in elev and b in elev for x in (a, b)})


def smith2012_er(lm, *, age=None, sex=None):
    """Early repolarisation against subtle anterior STEMI by the Smith 2012 formula.

    Parameters
    ----------
    lm : LeadMeasurements
        The per-lead table (`ecgsignal.measure.lead_measurements`).
    age : float, optional
    sex : {'M', 'F', None}

    Returns
    -------
    dict or None
        None when the UDMI elevation criterion is not met or not only in
        V2-V6 (the formula does not apply). Otherwise ``{"leads", "score",
        "exclusions", "er"}``: the formula value (NaN without V3, V4 or
        QTc), the "obvious STEMI" features found, and ``er`` True when the
        score is below `SMITH_CUTOFF` with no such feature.

    References
    ----------
    .. [1] Smith SW et al. Electrocardiographic differentiation of early
       repolarization from subtle anterior ST-segment elevation myocardial
       infarction. Ann Emerg Med. 2012;60:45-56.
       doi:10.1016/j.annemergmed.2012.02.015
    """
    L = {m.lead.lower(): m for m in lm.leads}
    leads = st_elevation_leads({n: m.st_j_mv for n, m in L.items()}, age=age, sex=sex)
    if not leads or not set(leads) <= _SMITH_LEADS or not np.isfinite(lm.qrs_ms) or lm.qrs_ms >= 120.0:
        return None
    exclusions = []
    if any(np.isfinite(m.st_j_mv) and m.st_j_mv >= SMITH_MAX_STE_MV for m in L.values()):
        exclusions.append("ST elevation >= 5 mm")
    if any(L[n].st_concave is False for n in leads):
        exclusions.append("non-concave ST")
    dep = lambda m: min(m.st_j_mv, m.st_j60_mv) <= ST_DEPR_MV  # noqa: E731
    if any(dep(L[n]) for n in ("ii", "iii", "avf") if n in L):
        exclusions.append("inferior ST depression")
    if any(dep(L[n]) for n in ("v1", "v2", "v3", "v4") if n in L):
        exclusions.append("anterior ST depression")
    if any(L[n].s_amp_mv >= 0 and not (L[n].j_notch or L[n].j_slur) for n in ("v2", "v3") if n in L):
        exclusions.append("terminal QRS distortion in V2/V3")
    if any(L[n].q_amp_mv < 0 or L[n].qs for n in ("v2", "v3", "v4") if n in L):
        exclusions.append("Q wave in V2-V4")
    if any(np.isfinite(L[n].t_amp_mv) and L[n].t_amp_mv < 0 for n in ("v2", "v3", "v4", "v5", "v6") if n in L):
        exclusions.append("T inversion in V2-V6")
    score = float("nan")
    if "v3" in L and "v4" in L and np.isfinite(lm.qtc_ms):
        a, b, c = SMITH_COEF
        score = a * L["v3"].st_j60_mv * 10.0 + b * lm.qtc_ms + c * max(L["v4"].r_amp_mv, L["v4"].r2_amp_mv) * 10.0
    return {"leads": leads, "score": score, "exclusions": exclusions,
            "er": bool(np.isfinite(score) and score < SMITH_CUTOFF and not exclusions)}


def st_levels(d: Delineation):
    """ST level per lead at J, J+60 (or J+40) and J+80 ms, in mV relative to the PR baseline.

    Returns
    -------
    dict
        ``{"j": ndarray, "st": ndarray, "j80": ndarray, "point_ms": float}``,
        one value per lead; empty dict when there is no QRS offset.
    """
    tb = d.template_mv
    if d.qrs_off < 0 or tb.size == 0:
        return {}
    fs = d.fs
    rr_ms = d.measurements.rr_ms
    point = ST_POINT_MS if not (np.isfinite(rr_ms) and rr_ms < 500) else 40.0
    n = tb.shape[0]
    half = max(1, int(round(0.004 * fs)))

    def level(ms):
        i = int(round(d.qrs_off + ms / 1000.0 * fs))
        i = min(max(i, 0), n - 1)
        return tb[max(0, i - half):min(n, i + half + 1)].mean(axis=0)

    return {"j": level(0.0), "st": level(point), "j80": level(80.0), "point_ms": point}


SMITH_2012 = ("Smith SW et al. Diagnosis of ST-elevation myocardial infarction in the presence of left "
              "bundle branch block with the ST-elevation to S-wave ratio in a modified Sgarbossa rule. "
              "Ann Emerg Med 2012;60:766-76, doi:10.1016/j.annemergmed.2012.07.119; Sgarbossa EB et al. "
              "N Engl J Med 1996;334:481-7, doi:10.1056/NEJM199602223340801")
#: Modified Sgarbossa criteria (SMITH_2012), for QRS >= 120 ms: any one lead with
#: concordant ST elevation >= 1 mm, concordant ST depression >= 1 mm in V1-V3, or
#: discordant ST elevation >= 1 mm with ST/S ratio <= -0.25 (this last one is
#: required here in two contiguous leads, for specificity on PTB-XL LBBB).
SGARBOSSA_MV = 0.10
SMITH_RATIO = 0.25


def _sgarbossa(d, jl, names, low, *, age=None, sex=None):
    """STEMI in left bundle branch block / paced / wide QRS by the modified Sgarbossa rule."""
    tb = d.template_mv
    q = tb[d.qrs_on:d.qrs_off + 1]
    if q.shape[0] == 0:
        return []
    r_amp, s_amp = q.max(axis=0), q.min(axis=0)
    positive = r_amp >= -s_amp
    hits = []
    for j, n in enumerate(low):
        if n not in _STANDARD or n == "avr":
            continue
        if positive[j] and jl[j] >= SGARBOSSA_MV:
            hits.append((j, "concordant ST elevation"))
        elif n in ("v1", "v2", "v3") and not positive[j] and jl[j] <= -SGARBOSSA_MV:
            hits.append((j, "concordant ST depression"))
        elif not positive[j] and jl[j] >= SGARBOSSA_MV and jl[j] / max(-s_amp[j], 1e-6) >= SMITH_RATIO:
            hits.append((j, "disproportionate discordant ST elevation"))
    # Discordant elevation alone is less specific: require it in two contiguous leads.
    disc = {low[h[0]] for h in hits if h[1].startswith("disproportionate")}
    disc_ok = {x for a, b in _GROUPS if a in disc and b in disc for x in (a, b)}
    hits = [h for h in hits if not h[1].startswith("disproportionate") or low[h[0]] in disc_ok]
    if not hits:
        return []
    j, why = max(hits, key=lambda h: abs(jl[h[0]]))
    pretty = ", ".join(names[h[0]] for h in hits)
    return [Finding(code="STEMI", severity="critical", start_s=None, end_s=None, lead=names[j],
                    value=round(float(jl[j]), 3), threshold=SGARBOSSA_MV,
                    reference=SMITH_2012 + "; " + triage.ZHEJIANG,
                    text=f"Wide QRS with {why} in {pretty}: acute myocardial infarction pattern "
                         "(modified Sgarbossa criteria).")]


def st_findings(d: Delineation, *, age=None, sex=None):
    """ST deviation per lead and the ischaemia findings.

    Parameters
    ----------
    d : Delineation
        From `waves.delineate` on a 12-lead (or any standard-lead) record.
    age : float, optional
        Years; used for the V2-V3 cut-point in men.
    sex : {'M', 'F', None}

    Returns
    -------
    st_mv : dict
        Lead name -> ST deviation (mV) at J+60 ms.
    findings : list of Finding
        STEMI (critical), ST_DEPRESSION (urgent), POSTERIOR_MI (urgent).

    Notes
    -----
    1. ST level at J+60 ms minus the PR baseline, per lead.
    2. STEMI: elevation at the J point at or above the UDMI cut-point in
       two contiguous leads. When QRS >= 120 ms (bundle branch block, paced
       or ventricular rhythm) these criteria do not apply (UDMI_2018) and the
       modified Sgarbossa rule is used instead (SMITH_2012). Elevation only
       in V2-V6 that the Smith 2012 formula reads as early repolarisation,
       with none of its "obvious STEMI" features (`smith2012_er`), is not a
       STEMI finding; the interpretation states it (`ER`, urgent).
    3. ST_DEPRESSION: horizontal or downsloping depression >= 0.5 mm in two
       contiguous leads.
    4. POSTERIOR_MI: depression >= 0.5 mm in two of V1-V3 without STEMI
       elsewhere: posterior infarction is suggested; posterior leads
       V7-V9 are advised (UDMI_2018).

    References
    ----------
    .. [1] Thygesen K et al. Fourth universal definition of myocardial
       infarction (2018). Circulation. 2018;138:e618-51.
       doi:10.1161/CIR.0000000000000617
    """
    lv = st_levels(d)
    if not lv:
        return {}, []
    names = d.lead_names
    low = [n.lower() for n in names]
    st = lv["st"]
    st_mv = {n: float(round(float(v), 4)) for n, v in zip(names, st)}
    qrs_ms = d.measurements.qrs_ms
    out = []
    # ST elevation in contiguous leads
    # UDMI cut-points apply at the J point; J+60 is reported but not used for STEMI
    # because in V2-V3 the normal ST segment rises towards the T wave.
    jl = lv["j"]
    elev = {low[j]: float(jl[j]) for j in range(len(names))
            if low[j] in _STANDARD and jl[j] >= stemi_threshold_mv(low[j], age=age, sex=sex)}
    pairs = [(a, b) for a, b in _GROUPS if a in elev and b in elev]
    wide = np.isfinite(qrs_ms) and qrs_ms >= 120.0
    if pairs and not wide and {x for p in pairs for x in p} <= _SMITH_LEADS:
        # anterior elevation that the Smith 2012 formula reads as early repolarisation is
        # not a STEMI finding; the interpretation states it (statements "ER", urgent)
        smith = smith2012_er(measure.lead_measurements(d), age=age, sex=sex)
        if smith is not None and smith["er"]:
            pairs = []
    if pairs and not wide:
        leads = sorted({x for p in pairs for x in p}, key=low.index)
        top = max(leads, key=lambda x: elev[x])
        terr = sorted({_TERRITORY.get(x, "") for x in leads} - {""})
        pretty = ", ".join(names[low.index(x)] for x in leads)
        out.append(Finding(code="STEMI", severity="critical", start_s=None, end_s=None,
                           lead=names[low.index(top)], value=round(elev[top], 3),
                           threshold=stemi_threshold_mv(top, age=age, sex=sex),
                           reference=UDMI_2018 + "; " + triage.ZHEJIANG,
                           text=f"ST elevation up to {elev[top] * 10:.1f} mm in {pretty} "
                                f"({'/'.join(terr)}): acute myocardial infarction pattern (STEMI criteria met)."))
    if wide and sum(n in _STANDARD for n in low) >= 6:  # needs a (near) 12-lead ECG
        out += _sgarbossa(d, jl, names, low, age=age, sex=sex)
    # ST depression, horizontal or downsloping
    flat_or_down = (lv["j80"] - lv["j"]) <= UPSLOPE_MV
    dep = {low[j]: float(st[j]) for j in range(len(names))
           if low[j] in _STANDARD and st[j] <= ST_DEPR_MV and flat_or_down[j]}
    dpairs = [(a, b) for a, b in _GROUPS if a in dep and b in dep]
    if dpairs and not wide:
        leads = sorted({x for p in dpairs for x in p}, key=low.index)
        posterior_only = set(leads) <= {"v1", "v2", "v3"}
        top = min(leads, key=lambda x: dep[x])
        pretty = ", ".join(names[low.index(x)] for x in leads)
        if posterior_only and not out:
            out.append(Finding(code="POSTERIOR_MI", severity="urgent", start_s=None, end_s=None,
                               lead=names[low.index(top)], value=round(dep[top], 3), threshold=ST_DEPR_MV,
                               reference=UDMI_2018,
                               text=f"ST depression up to {-dep[top] * 10:.1f} mm in {pretty}: possible posterior "
                                    "myocardial infarction; please record posterior leads V7-V9."))
        else:
            out.append(Finding(code="ST_DEPRESSION", severity="urgent", start_s=None, end_s=None,
                               lead=names[low.index(top)], value=round(dep[top], 3), threshold=ST_DEPR_MV,
                               reference=UDMI_2018,
                               text=f"Horizontal or downsloping ST depression up to {-dep[top] * 10:.1f} mm "
                                    f"in {pretty}: possible myocardial ischaemia."))
    return st_mv, out
