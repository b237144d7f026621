// Painting the paper and the traces: stateless functions of a 2D context, a layout
// (layout.js) and samples. No DOM beyond the context, no i18n.
import { BOLD_MM, CAL_MV, FONT, GRID_MAJOR, GRID_MINOR, PAPER_BG, STRIP_SEP, TRACE } from './constants.js';
import { clamp, formatTime } from './util.js';

/** Text with a white halo so it stays legible over grid and trace. */
export function haloText(ctx, text, x, y, color, dpr) {
  ctx.lineWidth = 3 * dpr;
  ctx.strokeStyle = 'rgba(255,255,255,0.92)';
  ctx.lineJoin = 'round';
  ctx.strokeText(text, x, y);
  ctx.fillStyle = color;
  ctx.fillText(text, x, y);
}

/** Pink paper: 1 mm minor, 5 mm bold, per block of rows. Each line is placed from the
 *  block's origin and rounded on its own (no accumulated error), drawn as integer rects
 *  so it is crisp at any devicePixelRatio. Full disclosure: plain lines, 10 s ticks. */
export function paintPaper(ctx, L) {
  if (L.disclosure) { paintDisclosurePaper(ctx, L); return; }
  const { u, dpr } = L;
  const w = Math.round(L.paperW);
  const minorW = 1;
  const majorW = Math.max(1, Math.round(dpr));
  for (const blk of L.blocks) {
    const { top, bottom } = blk;
    ctx.fillStyle = PAPER_BG;
    ctx.fillRect(0, top, w, bottom - top);
    const nx = Math.round(L.paperW / u), ny = Math.round((bottom - top) / u);
    for (const major of [false, true]) {
      ctx.fillStyle = major ? GRID_MAJOR : GRID_MINOR;
      const lw = major ? majorW : minorW;
      for (let k = 0; k <= nx; k++) {
        if ((k % BOLD_MM === 0) !== major) continue;
        const x = Math.round(k * u - lw / 2);
        ctx.fillRect(clamp(x, 0, w - lw), top, lw, bottom - top);
      }
      for (let k = 0; k <= ny; k++) {
        if ((k % BOLD_MM === 0) !== major) continue;
        const y = Math.round(top + k * u - lw / 2);
        ctx.fillRect(0, clamp(y, top, bottom - lw), w, lw);
      }
    }
    // Separate the calibration column from the trace.
    ctx.fillStyle = STRIP_SEP;
    ctx.fillRect(Math.round(L.traceX0 - majorW / 2), top, majorW, bottom - top);
  }
  // Row separators: make clipping boundaries between leads obvious.
  ctx.fillStyle = STRIP_SEP;
  for (let i = 1; i < L.rows.length; i++) {
    if (L.rows[i].top === L.rows[i - 1].bottom) ctx.fillRect(0, L.rows[i].top - (majorW >> 1), w, majorW);
  }
  // 12-lead sheet: a short bar where one lead gives way to the next.
  if (L.twelve) {
    ctx.fillStyle = TRACE;
    const bw = Math.max(1, Math.round(1.5 * dpr)), h = 6 * u;
    for (const p of L.panels) {
      if (p.rhythm || p.col === 0) continue;
      ctx.fillRect(Math.round(p.x0 - bw / 2), Math.round(p.baseline - h / 2), bw, Math.round(h));
    }
  }
}

function paintDisclosurePaper(ctx, L) {
  const { dpr } = L;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, L.widthDev, L.paperBottom);
  for (const p of L.panels) {
    ctx.fillStyle = p.row % 2 ? '#fbf7f7' : PAPER_BG;
    ctx.fillRect(p.x0, p.top, p.x1 - p.x0, p.bottom - p.top);
    ctx.fillStyle = GRID_MINOR;
    for (let s = 10; s < L.lineS; s += 10) ctx.fillRect(Math.round(p.x0 + s * L.pxPerS), p.top, 1, p.bottom - p.top);
    ctx.fillRect(p.x0, p.bottom - 1, p.x1 - p.x0, 1);
  }
  ctx.fillStyle = STRIP_SEP;
  ctx.fillRect(Math.round(L.traceX0), 0, Math.max(1, Math.round(dpr)), L.paperBottom);
}

/** 1 mV x 0.2 s standardisation pulse at the left of each strip. */
export function paintCalibration(ctx, L) {
  if (L.disclosure) return;
  const { u, dpr } = L;
  const x0 = 1 * u, x1 = x0 + 2 * u, x2 = x1 + L.pulseMm * u, x3 = L.calMm * u - 1 * u;
  ctx.strokeStyle = TRACE;
  ctx.lineWidth = Math.max(1, 1.2 * dpr);
  ctx.lineJoin = 'miter';
  for (const s of L.rows) {
    const yb = s.baseline, yt = yb - CAL_MV * L.pxPerMv;
    ctx.beginPath();
    ctx.moveTo(x0, yb); ctx.lineTo(x1, yb); ctx.lineTo(x1, yt);
    ctx.lineTo(x2, yt); ctx.lineTo(x2, yb); ctx.lineTo(x3, yb);
    ctx.stroke();
  }
}

/**
 * Append one lead's min/max envelope, as panel `p` of a page starting at startS shows it,
 * to the current path. Each bucket is a vertical segment min..max; consecutive buckets are
 * joined from the end nearest the previous pen position, so no extremum (R peak) is lost.
 * `ld`: {min, max, start_s, step_s} in mV (NaN = gap).
 */
export function traceLeadPath(ctx, ld, L, p, startS, baseMv, fs) {
  const { min, max, start_s: s0, step_s: st } = ld;
  const n = min.length;
  if (!n || !(st > 0)) return;
  // Decimated buckets span a time range: plot at the centre. Raw samples (step <= 1/fs)
  // sit exactly at their sample time.
  const tA = startS + p.tOff, tB = tA + (p.x1 - p.x0) / L.pxPerS;
  const off = st > 1.0001 / fs ? st / 2 : 0;
  const i0 = Math.max(0, Math.floor((tA - s0 - off) / st) - 1);
  const i1 = Math.min(n - 1, Math.ceil((tB - s0 - off) / st) + 1);
  const pxs = L.pxPerS, pmv = L.pxPerMv, yBase = p.baseline;
  const xOrigin = p.x0 + (s0 + off - tA) * pxs;
  let pen = null;
  for (let i = i0; i <= i1; i++) {
    const lo = min[i], hi = max[i];
    if (!Number.isFinite(lo) || !Number.isFinite(hi)) { pen = null; continue; }
    const x = xOrigin + i * st * pxs;
    const yLo = yBase - (lo - baseMv) * pmv;   // min -> lower on screen
    const yHi = yBase - (hi - baseMv) * pmv;
    if (pen === null) {
      ctx.moveTo(x, yHi);
      if (yLo !== yHi) ctx.lineTo(x, yLo);
      pen = yLo;
    } else if (Math.abs(pen - yHi) <= Math.abs(pen - yLo)) {
      ctx.lineTo(x, yHi);
      if (yLo !== yHi) ctx.lineTo(x, yLo);
      pen = yLo;
    } else {
      ctx.lineTo(x, yLo);
      ctx.lineTo(x, yHi);
      pen = yHi;
    }
  }
}

/** Min/max decimation of raw samples into buckets of `bucket` samples (what the signal API
 *  sends): every extremum of the input is the min or max of its bucket. */
export function decimateMinMax(samples, bucket) {
  const n = Math.ceil(samples.length / bucket);
  const min = new Float32Array(n), max = new Float32Array(n);
  for (let b = 0; b < n; b++) {
    let lo = Infinity, hi = -Infinity;
    for (let i = b * bucket, e = Math.min(samples.length, i + bucket); i < e; i++) {
      const v = samples[i];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    min[b] = lo; max[b] = hi;
  }
  return { min, max };
}

/** Seconds ruler under the strips (under the last line): ticks every bold box, labels
 *  every second. */
export function paintTimeAxis(ctx, L, view, durationS) {
  const { dpr, axisTop } = L;
  const h = L.heightDev - axisTop;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, axisTop, L.widthDev, h);
  if (L.disclosure) return;
  ctx.fillStyle = '#9ca3af';
  ctx.fillRect(0, axisTop, Math.round(L.paperW), Math.max(1, Math.round(dpr)));
  ctx.font = `${11 * dpr}px ${FONT}`;
  ctx.textBaseline = 'top';
  ctx.textAlign = 'center';
  const last = L.lines[L.lines.length - 1];
  const a = view.startS + last.tOff, b = a + (last.x1 - last.x0) / L.pxPerS;
  const k0 = Math.ceil(a / L.boldS - 1e-6), k1 = Math.floor(b / L.boldS + 1e-6);
  const perSecond = Math.round(1 / L.boldS);
  let lastRight = -Infinity;
  for (let k = k0; k <= k1; k++) {
    const t = k * L.boldS;
    const x = Math.round(L.traceX0 + (t - a) * L.pxPerS);
    const whole = k % perSecond === 0;
    ctx.fillStyle = whole ? '#4b5563' : '#c0c4ca';
    ctx.fillRect(x - (whole ? Math.round(dpr / 2) : 0), axisTop, whole ? Math.max(1, Math.round(dpr)) : 1, (whole ? 6 : 3) * dpr);
    if (whole && t <= durationS + 1e-6) {
      ctx.fillStyle = '#374151';
      const label = formatTime(t, durationS);
      const tw = ctx.measureText(label).width;
      // Centred under its tick, pushed inside at the edges; skipped if it would run into
      // the previous label (long h:mm:ss labels).
      const lx = clamp(x, L.traceX0 + tw / 2 - 2 * dpr, L.widthDev - tw / 2 - 2);
      if (lx - tw / 2 < lastRight + 8 * dpr) continue;
      ctx.fillText(label, lx, axisTop + 7 * dpr);
      lastRight = lx + tw / 2;
    }
  }
}
