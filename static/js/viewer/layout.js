// Paper geometry: every size and position of the viewer's sheet, in device pixels,
// from the width, device pixel ratio, speed and gain. Pure functions (no DOM, no i18n).
import {
  AXIS_CSS, BOLD_MM, CAL_S, DISCLOSURE_LINES, DISCLOSURE_LINE_S, DISCLOSURE_ROW_MM, LANE_CSS, LAYOUT_12,
  STANDARD_12, TOP12_CSS,
} from './constants.js';
import { clamp, round3 } from './util.js';

/** Device pixels for `mm` of paper at `dpr` (cssPxPerMm: 96 / 25.4 unless calibrated). */
export const mmToPx = (mm, dpr, cssPxPerMm) => mm * cssPxPerMm * dpr;

/** Index of each standard lead in leadNames (I, II, III, aVR, aVL, aVF, V1..V6,
 *  case-insensitive; 'D1'-style and 'MLII' not accepted), or null. */
export function twelveLeadMap(leadNames) {
  const lower = leadNames.map((n) => String(n).trim().toLowerCase());
  const idx = STANDARD_12.map((n) => lower.indexOf(n.toLowerCase()));
  return idx.every((i) => i >= 0) ? idx : null;
}

/** x (device px) of time t on panel p when the page starts at startS. */
export const timeToX = (L, p, startS, t) => p.x0 + (t - startS - p.tOff) * L.pxPerS;

/** Time (s) at device x on panel p (clamped to the panel). */
export const xToTime = (L, p, startS, x) => startS + p.tOff + (clamp(x, p.x0, p.x1) - p.x0) / L.pxPerS;

/** A page start snapped to the bold-grid period, inside the record. */
export function snapStart(L, durationS, startS) {
  const maxStart = Math.max(0, Math.ceil((durationS - L.windowS) / L.boldS - 1e-6) * L.boldS);
  return round3(clamp(Math.round((+startS || 0) / L.boldS) * L.boldS, 0, maxStart));
}

/**
 * All geometry in device pixels. The paper (calibration area + trace area) is a whole
 * number of 5 mm boxes, so a line is a whole number of bold-box periods and, with starts
 * snapped to that period, bold lines fall on exact time marks (every 0.2 s at 25 mm/s).
 *
 * @param {number} widthDev  canvas width in device px
 * @param {number} dpr       device pixels per CSS px
 * @param {number} nLeads
 * @param {number} speed     mm/s
 * @param {number} gain      mm/mV
 * @param {{cssPxPerMm: number, stripHeightMm?: number}} o
 * @param {number[]|null} twelve  index of each standard lead (twelveLeadMap) for the 3 x 4 sheet
 * @param {{mode?: string, order?: number[], pageS?: number, lead?: number}} [opt]
 *   mode 'stacked' (default; `order` of leads, `pageS` > one line wraps the page over
 *   several lines), 'disclosure' (DISCLOSURE_LINES lines of DISCLOSURE_LINE_S s of `lead`).
 * Every panel carries tOff: the time from the page start at its left edge x0.
 */
export function computeLayout(widthDev, dpr, nLeads, speed, gain, o, twelve, opt = {}) {
  const u = o.cssPxPerMm * dpr;                  // device px per mm
  if (opt.mode === 'disclosure') return disclosureLayout(widthDev, dpr, u, opt.lead || 0);
  const pulseMm = CAL_S * speed;
  const calMm = Math.ceil((pulseMm + 5) / BOLD_MM) * BOLD_MM;
  let traceMm = Math.max(BOLD_MM, Math.floor((widthDev / u - calMm) / BOLD_MM) * BOLD_MM);
  // ~3 mV of room per strip: 30 mm at 10 mm/mV, never under 20 mm.
  const stripMm = o.stripHeightMm || Math.max(20, Math.ceil((3 * gain) / BOLD_MM) * BOLD_MM);
  const laneH = Math.round(LANE_CSS * dpr);
  const boldS = BOLD_MM / speed;
  const rows = [], panels = [], blocks = [], lines = [];
  const row = (topPx) => {
    const r = {
      top: Math.round(topPx), bottom: Math.round(topPx + stripMm * u),
      // 0 mV on the bold line nearest mid-strip.
      baseline: topPx + Math.round(stripMm / 2 / BOLD_MM) * BOLD_MM * u,
    };
    rows.push(r);
    return r;
  };
  let colS = 0, lineS, paperTop, paperBottom;
  if (twelve) {
    // Four columns of 2.5 s (the paper standard: 10 s at 25 mm/s); shorter, in whole
    // bold boxes, when the screen is narrow or at 50 mm/s.
    colS = Math.min(2.5, Math.floor(traceMm / speed / 4 / boldS + 1e-9) * boldS);
    colS = Math.max(boldS, round3(colS));
    traceMm = 4 * colS * speed;
    lineS = 4 * colS;
    const top0 = Math.round(TOP12_CSS * dpr);
    for (let r = 0; r < 3; r++) row(top0 + r * stripMm * u);
    const b1 = { top: rows[0].top, bottom: rows[2].bottom };
    const lane = { top: b1.bottom, bottom: b1.bottom + laneH };
    const rr = row(lane.bottom);
    blocks.push(b1, { top: rr.top, bottom: rr.bottom });
    paperTop = b1.top; paperBottom = rr.bottom;
    const colW = colS * speed * u;
    for (let c = 0; c < 4; c++) {
      for (let r = 0; r < 3; r++) {
        const x0 = calMm * u + c * colW;
        panels.push(Object.assign({}, rows[r], { lead: twelve[LAYOUT_12[c][r]], row: r, col: c, x0, x1: x0 + colW, tOff: c * colS, line: 0 }));
      }
    }
    panels.push(Object.assign({}, rr, { lead: twelve[1], row: 3, col: -1, rhythm: true, x0: calMm * u, x1: (calMm + traceMm) * u, tOff: 0, line: 0 }));
    lines.push({ top: paperTop, bottom: paperBottom, tOff: 0, x0: calMm * u, x1: (calMm + traceMm) * u, lane });
  } else {
    const order = opt.order && opt.order.length ? opt.order : Array.from({ length: nLeads }, (_, i) => i);
    const maxLineS = traceMm / speed;
    let nLines = 1;
    lineS = maxLineS;
    if (opt.pageS > maxLineS + 1e-9) {
      // A longer page wraps: whole lines of equal length, in bold boxes, at the same speed.
      nLines = Math.ceil(opt.pageS / maxLineS - 1e-9);
      lineS = Math.max(boldS, Math.floor(opt.pageS / nLines / boldS + 1e-9) * boldS);
      traceMm = Math.round(lineS * speed);
    } else if (opt.pageS > 0) {
      lineS = Math.max(boldS, Math.floor(opt.pageS / boldS + 1e-9) * boldS);
      traceMm = Math.round(lineS * speed);
    }
    lineS = round3(lineS);
    let y = 0;
    for (let k = 0; k < nLines; k++) {
      const lane = { top: y, bottom: y + laneH };
      const top = lane.bottom;
      order.forEach((lead, i) => {
        const r = row(top + i * stripMm * u);
        panels.push(Object.assign({}, r, { lead, row: rows.length - 1, col: 0, x0: calMm * u, x1: (calMm + traceMm) * u, tOff: k * lineS, line: k }));
      });
      const bottom = rows[rows.length - 1].bottom;
      blocks.push({ top, bottom });
      lines.push({ top, bottom, tOff: k * lineS, x0: calMm * u, x1: (calMm + traceMm) * u, lane });
      y = bottom;
    }
    paperTop = lines[0].top; paperBottom = y;
  }
  const axisTop = paperBottom + 1;
  return {
    mode: twelve ? '12lead' : 'stacked',
    dpr, u, speed, gain, pulseMm, calMm, traceMm, stripMm, laneH,
    twelve: !!twelve, colS, lineS, rows, panels, blocks, lines, lane: lines[0].lane,
    strips: rows,             // backward-compatible name
    widthDev,
    traceX0: calMm * u,
    traceX1: (calMm + traceMm) * u,
    paperW: (calMm + traceMm) * u,
    paperTop,
    paperBottom,
    axisTop,
    heightDev: axisTop + Math.round(AXIS_CSS * dpr),
    windowS: round3(lines.length * lineS),
    boldS,
    pxPerS: speed * u,
    pxPerMv: gain * u,
  };
}

/** Full disclosure: DISCLOSURE_LINES lines of DISCLOSURE_LINE_S seconds of one lead, the
 *  width compressed to fit (no paper grid: the scale is not 25 mm/s), 10 s ticks. */
function disclosureLayout(widthDev, dpr, u, lead) {
  const labelW = Math.round(56 * dpr);
  const x0 = labelW, x1 = Math.max(x0 + 100, widthDev - Math.round(4 * dpr));
  const rowH = Math.round(DISCLOSURE_ROW_MM * u);
  const pxPerS = (x1 - x0) / DISCLOSURE_LINE_S;
  const rows = [], panels = [], lines = [];
  for (let k = 0; k < DISCLOSURE_LINES; k++) {
    const top = k * rowH, r = { top, bottom: top + rowH, baseline: top + rowH / 2 };
    rows.push(r);
    panels.push(Object.assign({}, r, { lead, row: k, col: 0, x0, x1, tOff: k * DISCLOSURE_LINE_S, line: k }));
    lines.push({ top, bottom: top + rowH, tOff: k * DISCLOSURE_LINE_S, x0, x1, lane: null });
  }
  const paperBottom = rows[rows.length - 1].bottom;
  return {
    mode: 'disclosure', disclosure: true,
    dpr, u, speed: 0, gain: 0, pulseMm: 0, calMm: x0 / u, traceMm: (x1 - x0) / u, stripMm: DISCLOSURE_ROW_MM, laneH: 0,
    twelve: false, colS: 0, lineS: DISCLOSURE_LINE_S, rows, panels, blocks: [{ top: 0, bottom: paperBottom }], lines, lane: null,
    strips: rows, widthDev, traceX0: x0, traceX1: x1, paperW: x1, paperTop: 0, paperBottom,
    axisTop: paperBottom + 1, heightDev: paperBottom + 1 + Math.round(8 * dpr),
    windowS: DISCLOSURE_LINES * DISCLOSURE_LINE_S, boldS: DISCLOSURE_LINE_S,
    pxPerS, pxPerMv: rowH / 2.5,   // 2.5 mV per line; traces are clipped to their line
  };
}

/** The panel (lead cell or strip) under a device-pixel point, or null. */
export function panelAt(L, x, y) {
  return L.panels.find((q) => y >= q.top && y < q.bottom && x >= q.x0 - 1 && x <= q.x1 + 1) || null;
}

/** The line (time segment across all its leads) under device y, or null. */
export function lineAt(L, y) {
  return L.lines.find((l) => y >= (l.lane ? Math.min(l.lane.top, l.top) : l.top) && y < l.bottom) || null;
}

/** Where time t shows on the page: the first panel of `lead` (index; null = any) whose span
 *  holds t, and its x; null when t is not on the page. */
export function placeTime(L, startS, t, lead = null) {
  for (const p of L.panels) {
    if (lead !== null && p.lead !== lead) continue;
    const x = timeToX(L, p, startS, t);
    if (x >= p.x0 - 0.5 && x <= p.x1 + 0.5) return { panel: p, x };
  }
  return null;
}

/** A page start that puts time t at the centre of a panel of `lead` (null: of the page). */
export function centredStart(L, t, lead = null) {
  const p = lead === null ? null : L.panels.find((q) => q.lead === lead && !q.rhythm);
  if (!p || L.lines.length > 1) return t - L.windowS / 2;
  return t - p.tOff - (p.x1 - p.x0) / L.pxPerS / 2;
}
