// Overlays drawn over the paper: findings, annotations, the selection, beat marks, lead
// names, calipers, the keyboard cursor and the flash of a shown finding. Each paint
// function takes the viewer `v` (its state), the 2D context, the layout and the page.
import { t } from '../i18n.js';
import {
  BEAT_COLOR, BEAT_OTHER, CALIPER, FLASH_MS, FONT, ROW_CSS, SEL_RGB, SEVERITY_RGB, STANDARD_12,
} from './constants.js';
import { marchTimes } from './calipers.js';
import { haloText } from './paint.js';
import { authorHue, beatGlyph, clamp, formatTime, leadIndex, lowerBound, spanOf, truncate } from './util.js';

/** x (device px) of time t in region/panel/line r (all carry x0 and tOff). */
export const regionX = (v, r, t) => r.x0 + (t - v.startS - r.tOff) * v._layout.pxPerS;

/**
 * Rectangles where something on lead `li` (null = all leads) is drawn:
 * {x0, x1, top, bottom, tOff, key}. Stacked: the strips of that lead (one per line), or
 * one block per line over all strips. 12-lead: the cells of that lead (and the rhythm
 * strip for II); all leads = each column of the 3 x 4 block plus the rhythm strip, or only
 * the rhythm strip when `rhythmOnly` (findings: beat-based).
 */
export function regions(v, li, rhythmOnly = false) {
  const L = v._layout, P = L.panels;
  if (li === null || li === undefined) {
    if (!L.twelve) {
      return L.lines.map((l, k) => ({ x0: l.x0, x1: l.x1, top: l.top, bottom: l.bottom, tOff: l.tOff,
        key: P.findIndex((p) => p.line === k) }));
    }
    const out = [];
    if (!rhythmOnly) {
      for (let c = 0; c < 4; c++) {
        const cells = P.filter((p) => p.col === c && !p.rhythm);
        // Keyed by its top cell, so labels there share one row packing.
        out.push({ x0: cells[0].x0, x1: cells[0].x1, top: cells[0].top, bottom: cells[cells.length - 1].bottom,
          tOff: cells[0].tOff, key: P.indexOf(cells[0]), group: true });
      }
    }
    const r = P[P.length - 1];
    out.push({ x0: r.x0, x1: r.x1, top: r.top, bottom: r.bottom, tOff: r.tOff, key: P.length - 1 });
    return out;
  }
  const out = [];
  P.forEach((p, i) => { if (p.lead === li) out.push({ x0: p.x0, x1: p.x1, top: p.top, bottom: p.bottom, tOff: p.tOff, key: i }); });
  return out;
}

/** [x0, x1, xs, xe] of seconds [s, e] inside a region (at least 2 px), or null. */
export function clipX(v, r, s, e, dpr) {
  const xs = regionX(v, r, s), xe = regionX(v, r, e);
  if (xe < r.x0 || xs > r.x1) return null;
  const x0 = Math.max(r.x0, xs);
  const x1 = Math.max(x0 + 2 * dpr, Math.min(r.x1, xe));
  return [x0, x1, xs, xe];
}

export function paintEndOfRecord(v, ctx, L, view) {
  if (view.endS <= v.durationS) return;
  ctx.fillStyle = 'rgba(75, 85, 99, 0.12)';
  for (const l of L.lines) {
    const x = Math.max(l.x0, regionX(v, l, v.durationS));
    if (x < l.x1) ctx.fillRect(x, l.top, l.x1 - x, l.bottom - l.top);
  }
}

export function paintFindings(v, ctx, L, view) {
  const dpr = L.dpr;
  ctx.font = `bold ${10 * dpr}px ${FONT}`;
  ctx.textBaseline = 'bottom';
  ctx.textAlign = 'left';
  for (const f of v.findings) {
    const [s, e] = spanOf(f);
    if (e < view.startS || s > view.endS) continue;
    const li = leadIndex(f.lead, v.leadNames);
    if (li === -1) continue;
    const rgb = SEVERITY_RGB[f.severity] || SEVERITY_RGB.routine;
    for (const r of regions(v, li, true)) {
      const c = clipX(v, r, s, e, dpr);
      if (!c) continue;
      const [x0, x1] = c;
      ctx.fillStyle = `rgba(${rgb}, ${L.disclosure ? 0.05 : 0.13})`;
      ctx.fillRect(x0, r.top, x1 - x0, r.bottom - r.top);
      ctx.fillStyle = `rgba(${rgb}, 0.85)`;
      ctx.fillRect(x0, r.bottom - 3 * dpr, x1 - x0, 3 * dpr);
      if (f.code && !L.disclosure) haloText(ctx, truncate(f.code, 24), x0 + 3 * dpr, r.bottom - 4 * dpr, `rgb(${rgb})`, dpr);
    }
  }
}

/** Shaded spans and edges; returns the label jobs for paintAnnotationLabels. */
export function paintAnnotationSpans(v, ctx, L, view) {
  const dpr = L.dpr, jobs = [];
  const self = v.opts.selfUserId;
  for (const a of v.annotations) {
    const [s, e] = spanOf(a);
    if (e < view.startS || s > view.endS) continue;
    const li = leadIndex(a.lead, v.leadNames);
    if (li === -1) continue;
    const authorId = a.author ? a.author.id : null;
    const hue = authorHue(authorId);
    const own = self !== null && self !== undefined && authorId === self;
    let labelled = false;   // one label per span on the 3 x 4 block
    for (const r of regions(v, li)) {
      const c = clipX(v, r, s, e, dpr);
      if (!c) continue;
      const [x0, x1, xs, xe] = c;
      const { top, bottom } = r;
      const group = !!r.group;
      ctx.fillStyle = `hsla(${hue}, 70%, 50%, ${own ? 0.16 : 0.11})`;
      ctx.fillRect(x0, top, x1 - x0, bottom - top);
      // Own: solid 2 px edges; others: thin dashed edges.
      ctx.strokeStyle = `hsl(${hue}, 65%, 38%)`;
      ctx.lineWidth = (own ? 2 : 1) * dpr;
      ctx.setLineDash(own ? [] : [4 * dpr, 3 * dpr]);
      ctx.beginPath();
      if (xs >= r.x0) { ctx.moveTo(xs, top); ctx.lineTo(xs, bottom); }
      if (xe <= r.x1 && xe > xs) { ctx.moveTo(xe, top); ctx.lineTo(xe, bottom); }
      ctx.stroke();
      ctx.setLineDash([]);
      v._hits.push({ a, kind: 'span', x0: x0 - 2 * dpr, x1: x1 + 2 * dpr, y0: top, y1: bottom });
      if (group && labelled) continue;
      if (group) labelled = true;
      if (!L.disclosure) jobs.push({ a, hue, own, region: r, x0, x1 });
    }
  }
  return jobs;
}

export function paintAnnotationLabels(v, ctx, L, jobs) {
  const dpr = L.dpr, rowH = ROW_CSS * dpr, pad = 3 * dpr;
  const rowsEnd = new Map();   // region -> [right edge per row]
  jobs.sort((p, q) => p.x0 - q.x0);
  for (const j of jobs) {
    const a = j.a, r = j.region;
    const who = a.author && a.author.username ? a.author.username : t('unknown');
    const text = `${truncate(a.label || t('(no label)'), 32)} · ${j.own ? t('%(name)s (you)', { name: who }) : who}`;
    ctx.font = `${j.own ? 'bold ' : ''}${10.5 * dpr}px ${FONT}`;
    const tw = ctx.measureText(text).width + 2 * pad;
    const x = Math.max(r.x0, Math.min(j.x0, L.traceX1 - tw));
    // Greedy row packing so overlapping spans keep readable labels.
    const ends = rowsEnd.get(r.key) || [];
    let row = ends.findIndex((end) => end <= x);
    if (row < 0) row = ends.length < 3 ? ends.length : ends.indexOf(Math.min(...ends));
    ends[row] = x + tw + 2 * dpr;
    rowsEnd.set(r.key, ends);
    // 12-lead cells: below the lead name in the cell's corner.
    const y = r.top + (L.twelve ? 17 : 2) * dpr + row * rowH;
    // Light fill so the trace drawn over it stays readable. Own: tinted, bold, solid
    // border; others: white, dashed border (as their spans).
    ctx.fillStyle = j.own ? `hsla(${j.hue}, 75%, 90%, 0.95)` : 'rgba(255, 255, 255, 0.92)';
    ctx.fillRect(x, y, tw, rowH - 2 * dpr);
    ctx.strokeStyle = `hsl(${j.hue}, 65%, 38%)`;
    ctx.lineWidth = (j.own ? 1.5 : 1) * dpr;
    ctx.setLineDash(j.own ? [] : [3 * dpr, 2 * dpr]);
    ctx.strokeRect(x + 0.5 * dpr, y + 0.5 * dpr, tw - dpr, rowH - 3 * dpr);
    ctx.setLineDash([]);
    ctx.fillStyle = `hsl(${j.hue}, 70%, 26%)`;
    ctx.textBaseline = 'middle';
    ctx.textAlign = 'left';
    ctx.fillText(text, x + pad, y + (rowH - 2 * dpr) / 2 + 0.5 * dpr);
    v._hits.push({ a, kind: 'label', x0: x, x1: x + tw, y0: y, y1: y + rowH });
  }
}

export function paintSelection(v, ctx, L, view) {
  const sel = v.selection;
  if (!sel || sel.endS < view.startS || sel.startS > view.endS) return;
  const dpr = L.dpr;
  for (const r of regions(v, sel.leadIndex)) {
    const c = clipX(v, r, sel.startS, sel.endS, dpr);
    if (!c) continue;
    const [x0, x1] = c;
    const { top, bottom } = r;
    ctx.fillStyle = `rgba(${SEL_RGB}, 0.16)`;
    ctx.fillRect(x0, top, x1 - x0, bottom - top);
    ctx.strokeStyle = `rgba(${SEL_RGB}, 0.9)`;
    ctx.lineWidth = 1.5 * dpr;
    ctx.setLineDash(sel.live ? [5 * dpr, 3 * dpr] : []);
    ctx.strokeRect(x0, top + dpr, x1 - x0, bottom - top - 2 * dpr);
    ctx.setLineDash([]);
    ctx.font = `bold ${10.5 * dpr}px ${FONT}`;
    ctx.textBaseline = 'bottom';
    ctx.textAlign = 'right';
    haloText(ctx, `${(sel.endS - sel.startS).toFixed(3)} s`, x1 - 3 * dpr, bottom - 5 * dpr, `rgb(${SEL_RGB})`, dpr);
  }
}

/** Beat marks in the lane above each line (N, V, S, "?" for unclassified), and the line's
 *  start time at the left when the page has several lines. Full disclosure: a tick at the
 *  top of the line for every non-N beat. */
export function paintBeats(v, ctx, L, view) {
  const T = v._beatT, dpr = L.dpr;
  const many = L.lines.length > 1;
  for (const l of L.lines) {
    const a = view.startS + l.tOff, b = Math.min(a + (l.x1 - l.x0) / L.pxPerS, v.durationS);
    if (L.disclosure) {
      ctx.font = `${10 * dpr}px ${FONT}`;
      ctx.textBaseline = 'middle';
      ctx.textAlign = 'right';
      ctx.fillStyle = a < v.durationS ? '#374151' : '#c0c4ca';
      ctx.fillText(formatTime(a, Math.max(3600, v.durationS)), l.x0 - 4 * dpr, (l.top + l.bottom) / 2);
      if (!T) continue;
      for (let i = lowerBound(T, a); i < T.length && T[i] <= b; i++) {
        const lab = v._beatL[i];
        if (lab === 'N') continue;
        ctx.fillStyle = BEAT_COLOR[lab] || BEAT_OTHER;
        ctx.fillRect(Math.round(regionX(v, l, T[i])), l.top, Math.max(1, Math.round(dpr)), 4 * dpr);
      }
      continue;
    }
    const lane = l.lane, yb = lane.bottom;
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, lane.top, L.widthDev, yb - lane.top);
    if (many) {
      ctx.font = `${10 * dpr}px ${FONT}`;
      ctx.textBaseline = 'alphabetic';
      ctx.textAlign = 'left';
      ctx.fillStyle = '#4b5563';
      ctx.fillText(formatTime(a, v.durationS, 1), 2 * dpr, yb - 5 * dpr);
    }
    if (!T || !T.length) continue;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'alphabetic';
    for (let i = lowerBound(T, a); i < T.length && T[i] <= b; i++) {
      const x = Math.round(regionX(v, l, T[i]));
      const lab = v._beatL[i];
      const normal = lab === 'N';
      const color = BEAT_COLOR[lab] || BEAT_OTHER;
      // Tick stays in the lane: inside the strip it would hide R-peak tips.
      ctx.fillStyle = color;
      ctx.fillRect(x - Math.floor(dpr / 2), yb - 4 * dpr, Math.max(1, Math.round(dpr)), 4 * dpr);
      ctx.font = `${normal ? '' : 'bold '}${(normal ? 10 : 11.5) * dpr}px ${FONT}`;
      ctx.fillText(beatGlyph(lab), x, yb - 5 * dpr);
    }
  }
}

export function paintLeadLabels(v, ctx, L) {
  const dpr = L.dpr;
  ctx.font = `bold ${12 * dpr}px ${FONT}`;
  ctx.textBaseline = 'top';
  ctx.textAlign = 'left';
  for (const p of L.panels) {
    if (L.disclosure && p.row > 0) break;
    const name = v.leadLabel(p.lead);
    const w = ctx.measureText(name).width;
    // Stacked: over the calibration column; 12-lead: inside each cell.
    const x = L.twelve || L.disclosure ? p.x0 + 0.8 * L.u : 0.6 * L.u;
    ctx.fillStyle = 'rgba(255, 255, 255, 0.85)';
    ctx.fillRect(x, p.top + 0.6 * L.u, w + 4 * dpr, 15 * dpr);
    ctx.fillStyle = '#111827';
    ctx.fillText(name, x + 2 * dpr, p.top + 0.6 * L.u + 2 * dpr);
  }
}

/** Caliper cursors over each line (every row of a line shows the same instant at a given
 *  x), the interval between them, the marched-out repeats, and a ring on the beat each
 *  cursor snapped to. */
export function paintCalipers(v, ctx, L, view) {
  const c = v.calipers;
  if (!c.on || c.a === null) return;
  const dpr = L.dpr;
  const line = (t, dashed, width) => {
    for (const l of L.lines) {
      const x = Math.round(regionX(v, l, t));
      if (x < l.x0 - 1 || x > l.x1 + 1) continue;
      ctx.setLineDash(dashed ? [6 * dpr, 4 * dpr] : []);
      ctx.lineWidth = width * dpr;
      ctx.beginPath(); ctx.moveTo(x, l.top); ctx.lineTo(x, l.bottom); ctx.stroke();
      if (!dashed) {   // a handle at the top to grab
        ctx.setLineDash([]);
        ctx.beginPath();
        ctx.moveTo(x - 5 * dpr, l.top); ctx.lineTo(x + 5 * dpr, l.top); ctx.lineTo(x, l.top + 7 * dpr); ctx.closePath();
        ctx.fill();
      }
    }
  };
  const ring = (snapped) => {
    if (!snapped || !snapped.beat) return;
    for (const l of L.lines) {
      if (!l.lane) continue;
      const x = regionX(v, l, snapped.t);
      if (x < l.x0 - 1 || x > l.x1 + 1) continue;
      ctx.lineWidth = 1.5 * dpr;
      ctx.beginPath();
      ctx.arc(x, l.lane.bottom - 9 * dpr, 7 * dpr, 0, 2 * Math.PI);
      ctx.stroke();
    }
  };
  ctx.strokeStyle = CALIPER;
  ctx.fillStyle = CALIPER;
  if (c.b !== null && c.march) {
    ctx.globalAlpha = 0.75;
    for (const tm of marchTimes(c.a, c.b, view.startS, view.endS)) line(tm, true, 1.25);
    ctx.globalAlpha = 1;
  }
  line(c.a, false, 1.5);
  ring(c.snapA);
  if (c.b === null) { ctx.setLineDash([]); return; }
  line(c.b, false, 1.5);
  ring(c.snapB);
  ctx.setLineDash([]);
  const m = v.getCalipers();
  for (const l of L.lines) {
    const xa = regionX(v, l, m.startS), xb = regionX(v, l, m.endS);
    const x0 = clamp(xa, l.x0, l.x1), x1 = clamp(xb, l.x0, l.x1);
    if (x1 - x0 < 2) continue;
    // Bracket between the cursors near the top of the line; the readout beside the later
    // cursor (not over the measured complexes), or before the earlier one.
    const y = l.top + 10 * dpr;
    ctx.strokeStyle = CALIPER;
    ctx.lineWidth = 1.25 * dpr;
    ctx.beginPath(); ctx.moveTo(x0, y); ctx.lineTo(x1, y); ctx.stroke();
    ctx.font = `bold ${11 * dpr}px ${FONT}`;
    ctx.textBaseline = 'middle';
    ctx.textAlign = 'left';
    const text = t('%(ms)s ms · %(rate)s bpm', { ms: Math.round(m.intervalMs), rate: m.rateBpm === null ? '—' : Math.round(m.rateBpm) });
    const tw = ctx.measureText(text).width, gap = 4 * dpr;
    const tx = x1 + gap + tw + 6 * dpr <= l.x1 ? x1 + gap : Math.max(l.x0, x0 - gap - tw - 6 * dpr);
    ctx.fillStyle = 'rgba(255,255,255,0.95)';
    ctx.fillRect(tx, y - 8 * dpr, tw + 6 * dpr, 16 * dpr);
    ctx.strokeRect(tx + 0.5 * dpr, y - 7.5 * dpr, tw + 5 * dpr, 15 * dpr);
    ctx.fillStyle = CALIPER;
    ctx.fillText(text, tx + 3 * dpr, y + 0.5 * dpr);
  }
}

/** The keyboard annotation cursor (a vertical line) and the start mark set with "[". */
export function paintKeyCursor(v, ctx, L) {
  const k = v.keyAnnot;
  if (!k.on) return;
  const dpr = L.dpr;
  const draw = (tm, color, dash) => {
    for (const l of L.lines) {
      const x = Math.round(regionX(v, l, tm));
      if (x < l.x0 - 1 || x > l.x1 + 1) continue;
      ctx.strokeStyle = color;
      ctx.lineWidth = 2 * dpr;
      ctx.setLineDash(dash);
      ctx.beginPath(); ctx.moveTo(x, l.top); ctx.lineTo(x, l.bottom); ctx.stroke();
      ctx.setLineDash([]);
    }
  };
  if (k.startS !== null) draw(k.startS, `rgb(${SEL_RGB})`, []);
  draw(k.cursorS, '#b45309', [3 * dpr, 3 * dpr]);
}

export function paintFlash(v, ctx, L, view) {
  const { f, t0 } = v._flash;
  const age = performance.now() - t0;
  if (age > FLASH_MS) { v._flash = null; return; }
  const [s, e] = spanOf(f);
  if (!(e < view.startS || s > view.endS)) {
    const li = leadIndex(f.lead, v.leadNames);
    const alpha = 0.5 + 0.5 * Math.cos((age / FLASH_MS) * 6 * Math.PI);   // three pulses
    ctx.strokeStyle = `rgba(${SEVERITY_RGB[f.severity] || SEVERITY_RGB.routine}, ${alpha})`;
    ctx.lineWidth = 3 * L.dpr;
    for (const r of regions(v, li < 0 ? null : li, true)) {
      const c = clipX(v, r, s, e, L.dpr);
      if (!c) continue;
      ctx.strokeRect(c[0], r.top + 1.5 * L.dpr, c[1] - c[0], r.bottom - r.top - 3 * L.dpr);
    }
  }
  v._invalidate();   // keep animating until done
}

/** Beat-label legend entries, in the order shown (glyphs as drawn on the page). */
export const beatLegend = () => [
  { glyph: 'N', color: BEAT_COLOR.N, text: t('normal') },
  { glyph: 'V', color: BEAT_COLOR.V, text: t('ventricular ectopic') },
  { glyph: 'S', color: BEAT_COLOR.S, text: t('supraventricular ectopic') },
  { glyph: '?', color: BEAT_OTHER, text: t('unclassified') },
];

export { STANDARD_12 };
