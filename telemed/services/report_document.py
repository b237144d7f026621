"""The signed report as a document: a printable page and a PDF with the ECG on grid paper.

One drawing of the ECG (reportlab graphics) serves both: rendered to PDF for download and to
SVG for the page. Paper is the standard 25 mm/s and 10 mm/mV with 1 mm and 5 mm lines.
"""
from __future__ import annotations

import io
import re
from html import escape

import numpy as np
from reportlab.graphics import renderSVG
from reportlab.graphics.shapes import Drawing, Line, PolyLine, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont, TTFError
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table

import logging

from flask import current_app
from flask_babel import gettext as _

from telemed.i18n import local_datetime
from telemed.vocabulary import finding_name, recommendation_label, sex_label, statement_label
from telemed.models import Case
from telemed.services import audit
from telemed.services.access import get_visible_case
from telemed.services.analysis import cached_samples
from telemed.services.annotations import list_annotations as case_annotations
from telemed.services.errors import InvalidTransition

SPEED_MM_S = 25.0
GAIN_MM_MV = 10.0
STRIP_S = 10.0
ROW_MM = 30.0
TWELVE = ["I", "II", "III", "AVR", "AVL", "AVF", "V1", "V2", "V3", "V4", "V5", "V6"]
GRID_MINOR = colors.Color(1.0, 0.80, 0.80)
GRID_MAJOR = colors.Color(0.93, 0.45, 0.45)
log = logging.getLogger(__name__)
EMBEDDED_FONT = "TelemedCJK"
FALLBACK_CJK_FONT = "STSong-Light"  # reportlab's CID font: not embedded, the reader must have it


def _pdf_font() -> str:
    """The font of every PDF string: a TrueType CJK font with Latin glyphs, embedded as a subset, so
    the report reads the same on any machine. Without the file, reportlab's CID font (not embedded)."""
    if EMBEDDED_FONT in pdfmetrics.getRegisteredFontNames():
        return EMBEDDED_FONT
    path = current_app.config.get("REPORT_CJK_FONT")
    try:
        pdfmetrics.registerFont(TTFont(EMBEDDED_FONT, path, subfontIndex=0))
        return EMBEDDED_FONT
    except (TTFError, OSError, TypeError) as exc:
        log.warning("CJK font %s unavailable (%s); PDF reports will not embed their Chinese font", path, exc)
        if FALLBACK_CJK_FONT not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_CJK_FONT))
        return FALLBACK_CJK_FONT


def reported_case(case_id: int, user, *, action: str = "report_viewed") -> Case:
    """A reported case the caller may see; opening its report (`report_viewed`) or downloading its
    PDF (`report_pdf_downloaded`) is audited, every time."""
    case = get_visible_case(case_id, user)
    if case.report is None:
        raise InvalidTransition("This case has no signed report yet.")
    audit.record_read(user, action, case.id, within=None)
    return case


def _strip_window(case: Case) -> float:
    """Start of the 10-s strip: around the most severe finding with evidence, else the beginning."""
    duration = case.recording.duration_s
    findings = [f for f in (case.analysis.findings if case.analysis else []) if f.get("start_s") is not None]
    rank = {"critical": 0, "urgent": 1, "routine": 2}
    findings.sort(key=lambda f: rank.get(f.get("severity"), 3))
    if findings and findings[0].get("severity") in ("critical", "urgent"):
        start = max(0.0, float(findings[0]["start_s"]) - 2.0)
    else:
        start = 0.0
    return max(0.0, min(start, duration - STRIP_S))


def _trace(samples: np.ndarray, fs: float, x0: float, y0: float) -> PolyLine:
    """One lead segment as a polyline in points, baseline at y0 (its median), 25 mm/s, 10 mm/mV."""
    seg = np.nan_to_num(samples.astype(np.float64) - np.nanmedian(samples) if samples.size else samples)
    t = np.arange(seg.size) / fs
    xs = x0 + t * SPEED_MM_S * mm
    ys = y0 + np.clip(seg, -1.4, 1.4) * GAIN_MM_MV * mm  # keep a tall QRS inside its row
    points = np.column_stack([xs, ys]).ravel().tolist()
    return PolyLine(points, strokeColor=colors.black, strokeWidth=0.6)


def _calibration(x0: float, y0: float) -> PolyLine:
    w, h = 5 * mm, GAIN_MM_MV * mm  # 0.2 s wide, 1 mV tall
    return PolyLine([x0, y0, x0 + 1 * mm, y0, x0 + 1 * mm, y0 + h, x0 + 1 * mm + w, y0 + h,
                     x0 + 1 * mm + w, y0, x0 + 2 * mm + w, y0], strokeColor=colors.black, strokeWidth=0.8)


def ecg_drawing(case: Case, *, font: str = "Helvetica") -> Drawing:
    """The ECG on paper: the standard 3 × 4 layout plus a lead II rhythm strip for 12-lead records,
    otherwise up to four leads stacked, 10 s each."""
    rec = case.recording
    samples = cached_samples(case)
    fs = rec.fs
    start_s = _strip_window(case)
    first = int(start_s * fs)
    window = np.asarray(samples[first:first + int(STRIP_S * fs)], dtype=np.float32)
    names = [n.upper() for n in rec.lead_names]
    twelve = all(n in names for n in TWELVE)
    cal_mm = 10.0
    width_mm = cal_mm + STRIP_S * SPEED_MM_S
    rows = 4 if twelve else min(4, len(names))
    height_mm = rows * ROW_MM
    drawing = Drawing(width_mm * mm, height_mm * mm, initialFontName=font)
    for x in range(int(width_mm) + 1):
        drawing.add(Line(x * mm, 0, x * mm, height_mm * mm, strokeColor=GRID_MAJOR if x % 5 == 0 else GRID_MINOR,
                         strokeWidth=0.5 if x % 5 == 0 else 0.2))
    for y in range(int(height_mm) + 1):
        drawing.add(Line(0, y * mm, width_mm * mm, y * mm, strokeColor=GRID_MAJOR if y % 5 == 0 else GRID_MINOR,
                         strokeWidth=0.5 if y % 5 == 0 else 0.2))

    def row_baseline(row: int) -> float:
        return (height_mm - (row + 0.5) * ROW_MM) * mm

    x_sig = cal_mm * mm
    if twelve:
        columns = [TWELVE[0:3], TWELVE[3:6], TWELVE[6:9], TWELVE[9:12]]
        col_s = STRIP_S / 4
        for c, leads in enumerate(columns):
            a, b = int(c * col_s * fs), int((c + 1) * col_s * fs)
            for r, lead in enumerate(leads):
                y = row_baseline(r)
                x = x_sig + c * col_s * SPEED_MM_S * mm
                drawing.add(_trace(window[a:b, names.index(lead)], fs, x, y))
                drawing.add(String(x + 1 * mm, y + 9 * mm, rec.lead_names[names.index(lead)], fontSize=7, fontName=font))
        strip_leads = ["II"]
        strip_rows = [3]
    else:
        strip_leads = names[:rows]
        strip_rows = list(range(rows))
    for lead, r in zip(strip_leads, strip_rows):
        y = row_baseline(r)
        drawing.add(_trace(window[:, names.index(lead)], fs, x_sig, y))
        drawing.add(String(x_sig + 1 * mm, y + 9 * mm, rec.lead_names[names.index(lead)], fontSize=7, fontName=font))
    for r in range(rows):
        drawing.add(_calibration(1 * mm, row_baseline(r)))
    drawing.add(String(x_sig, 1.5 * mm, f"{start_s:.1f}–{start_s + STRIP_S:.1f} s · 25 mm/s · 10 mm/mV",
                       fontSize=6, fontName=font, fillColor=colors.Color(0.3, 0.3, 0.3)))
    return drawing


_STYLE_ATTR = re.compile(r'style="([^"]*)"')


def _presentation_attributes(match: re.Match) -> str:
    """`style="stroke: red; fill: none"` -> `stroke="red" fill="none"`: the same drawing, but
    allowed by a Content-Security-Policy without 'unsafe-inline' styles."""
    pairs = (item.split(":", 1) for item in match.group(1).split(";") if ":" in item)
    return " ".join(f'{name.strip()}="{escape(value.strip())}"' for name, value in pairs)


def ecg_svg(case: Case) -> str:
    svg = renderSVG.drawToString(ecg_drawing(case))
    svg = svg[svg.index("<svg"):]  # drop the XML prolog for inline use
    return _STYLE_ATTR.sub(_presentation_attributes, svg)


def report_facts(case: Case) -> list[tuple[str, str]]:
    """The lines of the report header, shared by the page and the PDF, in the reader's language and
    with every time on the case's consortium clock (with its offset), whoever prints it."""
    a = case.analysis
    m = (a.measurements if a else {}) or {}
    zone = case.clinic.consortium.timezone
    measured = ", ".join(f"{label} {round(m[key])} {unit}" for key, label, unit in (
        ("pr_ms", "PR", "ms"), ("qrs_ms", "QRS", "ms"), ("qt_ms", "QT", "ms"), ("qtc_ms", "QTc", "ms"),
        ("axis_deg", _("axis"), "°")) if m.get(key) is not None)
    rate = _("%(rate)s/min", rate=round(a.heart_rate_bpm)) if a and a.heart_rate_bpm else _("not measurable")
    r = case.report
    rec = case.recording
    age = case.age if case.age is not None else "?"
    return [
        (_("Patient"), f"{case.patient_ref} · " + _("%(age)s y", age=age) + f" · {sex_label(case.sex)}"),
        (_("Clinic"), f"{case.clinic.name} · " + _("sent %(time)s", time=local_datetime(case.created_at, zone))),
        (_("Symptoms"), case.symptoms or "—"),
        (_("Clinical question"), case.question or "—"),
        (_("Recording"), _("%(format)s, %(leads)s leads, %(fs)s Hz, %(duration)s s", format=rec.format.upper(),
                          leads=len(rec.lead_names), fs=round(rec.fs), duration=round(rec.duration_s, 1))
         + (" · " + _("recorded %(time)s", time=local_datetime(rec.start_time, zone)) if rec.start_time else "")),
        (_("Heart rate"), rate + (f" · {measured}" if measured else "")),
        *_holter_facts(a),
        (_("Automatic findings"), "; ".join(dict.fromkeys(finding_name(f["code"]) for f in (a.findings if a else [])))
         or _("none")),
        (_("Diagnosis"), r.diagnosis),
        (_("Statements"), "; ".join(statement_label(code) for code in r.statements) or "—"),
        (_("Recommendation"), recommendation_label(r.recommendation)),
        (_("Annotations"), "; ".join(
            f"{a.label} ({a.start_s:.1f}–{a.end_s:.1f} s, {a.lead or _('all leads')})"
            for a in case_annotations(case) if not a.hidden_from_report) or "—"),
        (_("Signed"), f"{r.signed_by.full_name or r.signed_by.username}, {local_datetime(r.signed_at, zone)}"),
    ] + [(_("Amended") if v.version == r.version else _("Earlier version"), _amendment_line(v, zone))
         for v in reversed(case.reports) if v.version > 1 or r.version > 1]


def _holter_facts(analysis) -> list[tuple[str, str]]:
    h = analysis.holter if analysis is not None else None
    if not h:
        return []
    rate = lambda v: "–" if v is None else _("%(rate)s/min", rate=round(v))  # noqa: E731
    longest_pause = "%s s" % h["pauses"][0]["duration_s"] if h["pauses"] else "–"
    return [(_("Holter summary"), _(
        "heart rate %(min)s–%(max)s (mean %(mean)s); %(beats)s beats; PVCs %(pvc)s (%(pvc_pct)s %%), "
        "PACs %(pac)s (%(pac_pct)s %%); couplets %(couplets)s, runs %(runs)s; longest pause %(pause)s; "
        "AF burden %(af)s %%", min=rate(h["heart_rate_min_bpm"]), max=rate(h["heart_rate_max_bpm"]),
        mean=rate(h["heart_rate_mean_bpm"]), beats=h["n_beats"], pvc=h["pvc_count"], pvc_pct=h["pvc_burden_pct"],
        pac=h["pac_count"], pac_pct=h["pac_burden_pct"], couplets=h["couplets"], runs=h.get("runs_total", len(h["runs"])),
        pause=longest_pause, af=h["af_burden_pct"]))]


def _amendment_line(version, zone: str) -> str:
    kinds = {"original": _("signed"), "addendum": _("addendum"), "correction": _("correction")}
    who = version.signed_by.full_name or version.signed_by.username
    line = _("version %(version)s, %(kind)s by %(name)s at %(time)s", version=version.version,
             kind=kinds.get(version.kind, version.kind), name=who, time=local_datetime(version.signed_at, zone))
    return _("%(line)s: %(reason)s", line=line, reason=version.reason) if version.reason else line


def _para(text: str, font: str, size: float) -> Paragraph:
    safe = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return Paragraph(safe, ParagraphStyle("p", fontName=font, fontSize=size, leading=size * 1.3))


def report_pdf(case: Case) -> bytes:
    """A4 landscape: the report's facts, then the ECG on grid paper; one embedded font throughout."""
    font = _pdf_font()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=landscape(A4), leftMargin=12 * mm, rightMargin=12 * mm,
                            topMargin=10 * mm, bottomMargin=10 * mm,
                            title=_("ECG report %(patient)s", patient=case.patient_ref), author="telemed",
                            # else every page starts in Helvetica, a standard font that is never embedded
                            initialFontName=font)
    rows = [[_para(k, font, 8), _para(v, font, 8)] for k, v in report_facts(case)]
    story = [_para(_("ECG report") + f" — {case.clinic.consortium.name}", font, 13), Spacer(1, 2 * mm),
             Table(rows, colWidths=[38 * mm, 230 * mm], style=[("VALIGN", (0, 0), (-1, -1), "TOP"),
                                                               ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
                                                               ("FONTNAME", (0, 0), (-1, -1), font)]),
             Spacer(1, 3 * mm), ecg_drawing(case, font=font)]
    doc.build(story)
    return buffer.getvalue()
