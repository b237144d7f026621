/*
 * ecgviewer.js: canvas ECG viewer for the telemedicine referral system.
 * Plain ES2020, no dependencies, no build step. Defines window.EcgViewer.
 *
 *   const viewer = new EcgViewer(container, {
 *     fs: 360, durationS: 1800, leadNames: ['MLII', 'V1'],     // required
 *     loadWindow: (startS, endS, maxPoints, {signal}) => Promise<signal JSON>,  // required
 *     beats: {sample: [...], label: [...]},   // sample indices at fs; 'N','V','S','Q'
 *     findings: [{code, severity, start_s, end_s, lead, text}],   // lead null = all
 *     annotations: [{id, lead, start_s, end_s, label, text, author: {id, username}, version}],
 *     selfUserId: 3,                          // own annotations drawn differently
 *     onSelectSpan: ({lead, leadIndex, startS, endS}) => {},  // lead null = all leads
 *     onAnnotationClick: (annotation) => {},
 *     onViewChange: ({startS, endS, windowS}) => {},
 *     speed: 25, gain: 10, startS: 0,         // initial mm/s, mm/mV, window start
 *     cssPxPerMm: 96 / 25.4,                  // override for a calibrated monitor
 *     stripHeightMm: 0,                       // 0 = 3 mV of room, >= 20 mm
 *     centerBaseline: true,                   // centre each lead on its median level
 *   });
 *   viewer.goTo(s) / getView() / setSpeed(25|50) / setGain(5|10|20)
 *   viewer.setAnnotations(list) / upsertAnnotation(a) / removeAnnotation(id)
 *   viewer.setFindings(list) / setBeats(beats) / showFinding(f)
 *   viewer.clearSelection() / destroy()
 *
 * Additions (all optional; the calls above are unchanged):
 *   options.layout: 'auto' | '12lead' | 'stacked'   ('auto': the standard
 *       12-lead sheet when the record has I, II, III, aVR, aVL, aVF, V1-V6,
 *       names case-insensitive; stacked leads otherwise). Toolbar: "12-lead".
 *       12-lead sheet: 3 rows x 4 columns (I/II/III, aVR/aVL/aVF, V1-V3,
 *       V4-V6), 2.5 s per column as consecutive segments of one 10 s page
 *       (shorter columns on a narrow screen or at 50 mm/s), then a
 *       full-width lead II rhythm strip carrying the beat marks and the
 *       all-lead findings; a calibration pulse on every row. A drag in a
 *       cell selects on that cell's lead (Shift: all leads), at its times.
 *   viewer.setLayout('auto'|'12lead'|'stacked') / getLayout() -> '12lead'|'stacked'
 *   options.onLayoutChange: (drawn, requested) => {}  after setLayout / the toggle
 *   options.onSaveMeasurement: ({lead, startS, endS, intervalMs,
 *       intervalSamples, rateBpm}) => {}   shows "Save" in the caliper bar.
 *   Calipers (toolbar "Calipers" or key C): click twice (or drag) to place
 *       two cursors; they snap to the nearest beat (R peak, beats.sample)
 *       within 80 ms when "Snap to R" is on, else to the sample grid; drag a
 *       cursor to move it. The bar reads interval in ms and samples and rate
 *       (60000 / ms). "March out" (key M) repeats the interval across the page.
 *       While calipers are on, Shift+drag still selects a span; Escape clears.
 *   viewer.setCalipers(startS, endS, {snap=false, lead=null}) / getCalipers()
 *       -> {startS, endS, intervalMs, intervalSamples, rateBpm, lead} | null
 *   viewer.setCalipersEnabled(bool) / clearCalipers()
 *   viewer.setPresence([{userId, username, startS, endS}])   colleagues'
 *       viewing windows, drawn on the overview in their author colour
 *       (entries with userId === selfUserId are ignored).
 *   viewer.clientPointAt(t, lead=null) -> {x, y} client (CSS) coordinates of
 *       time t on the first panel showing `lead` (baseline height), or null.
 *   container.ecgViewer === viewer, and the container dispatches
 *   'ecgv:drawn' {detail: {startS, endS, t, sinceCreated}} (t =
 *   performance.now(); sinceCreated: ms since the viewer was constructed)
 *   when a page has been drawn with its own signal window (timing, tests).
 *
 * loadWindow answers {fs, leads: [{name, start_s, step_s, min: [], max: []}]}
 * in mV; it may ignore the AbortSignal (late answers are dropped anyway).
 *
 * Drawing is done in *device* pixels on a physical scale (96 CSS px per inch,
 * times devicePixelRatio) so that 1 mm of "paper" is the same on every screen
 * and the grid stays crisp on high-DPI displays.
 *
 * Structure (top to bottom):
 *   constants and small helpers
 *   LruCache           - fetched signal windows
 *   computeLayout()    - every size and position, from width/speed/gain
 *   paint* functions   - paper, calibration, traces, time axis (stateless)
 *   EcgViewer          - state, loading, overlays, overview, navigation, input
 */
(function () {
  'use strict';

  // ---------------------------------------------------------------- constants

  const CSS_PX_PER_MM = 96 / 25.4;   // CSS reference pixel: 96 per inch
  const SPEEDS = [25, 50];           // mm/s
  const GAINS = [5, 10, 20];         // mm/mV
  const BOLD_MM = 5;                 // bold grid every 5 mm
  const CAL_S = 0.2;                 // calibration pulse width (s)
  const CAL_MV = 1;                  // calibration pulse height (mV)

  const PAPER_BG = '#fffafa';
  const GRID_MINOR = '#f5c6c6';
  const GRID_MAJOR = '#e38b8b';
  const STRIP_SEP = 'rgba(140, 30, 30, 0.55)';
  const TRACE = '#101010';
  const SEL_RGB = '37, 99, 235';
  const SEVERITY_RGB = { critical: '220, 38, 38', urgent: '234, 88, 12', routine: '107, 114, 128' };
  const SEVERITY_RANK = { routine: 0, urgent: 1, critical: 2 };
  const BEAT_COLOR = { N: '#6b7280', V: '#dc2626', S: '#2563eb' };
  const BEAT_OTHER = '#7c3aed';

  // Sizes in CSS px (scaled by devicePixelRatio when drawn).
  const LANE_CSS = 18;        // beat-label lane above the first strip
  const AXIS_CSS = 22;        // time axis under the strips
  const ROW_CSS = 15;         // annotation label row height
  const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
  const OVERVIEW_CSS = 72;
  const TOP12_CSS = 4;        // margin above the 12-lead sheet

  // The 12-lead sheet: standard lead order, and the leads of each column
  // (indices into STANDARD_12), top row first.
  const STANDARD_12 = ['I', 'II', 'III', 'aVR', 'aVL', 'aVF', 'V1', 'V2', 'V3', 'V4', 'V5', 'V6'];
  const LAYOUT_12 = [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9, 10, 11]];

  const CALIPER = '#0f766e';  // teal: not an author hue band, not a severity
  const CALIPER_SNAP_S = 0.08;
  const CALIPER_GRAB_CSS = 7;

  const MIN_DRAG_S = 0.02;    // shorter drags are clicks
  const MIN_DRAG_CSS = 3;     // ... and so is pointer jitter below this
  const CACHE_SIZE = 16;      // fetched windows kept (each ~ width x leads x 2 floats)
  const LOAD_DEBOUNCE_MS = 40;
  const LOADING_DELAY_MS = 150;   // don't flash "loading…" for fast responses
  const FLASH_MS = 1800;

  // ---------------------------------------------------------------- helpers

  const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));
  // Window bounds go into URLs and cache keys: keep them free of float noise.
  const round3 = (v) => Math.round(v * 1000) / 1000;

  /** Format seconds as "12 s" (short records) or "m:ss" / "h:mm:ss". */
  function formatTime(t, durationS, decimals = 0) {
    if (durationS < 60) return `${t.toFixed(decimals)} s`;
    const p = 10 ** decimals;
    const total = Math.round(Math.max(0, t) * p) / p;
    const h = Math.floor(total / 3600);
    const m = Math.floor((total % 3600) / 60);
    const s = total - h * 3600 - m * 60;
    const ss = s.toFixed(decimals).padStart(decimals ? 3 + decimals : 2, '0');
    return durationS >= 3600 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m + 60 * h}:${ss}`;
  }

  /** Stable hue per author id (FNV-1a + mix), kept out of the reds used by the
   *  paper grid and by critical/urgent findings. */
  function authorHue(id) {
    let h = 2166136261 >>> 0;
    const s = String(id);
    for (let i = 0; i < s.length; i++) {
      h ^= s.charCodeAt(i);
      h = Math.imul(h, 16777619) >>> 0;
    }
    h ^= h >>> 15; h = Math.imul(h, 2246822507) >>> 0; h ^= h >>> 13;
    return 90 + ((h >>> 0) % 240);   // 90..329: green, cyan, blue, violet, magenta
  }

  /** First index i with arr[i] >= v (arr sorted ascending). */
  function lowerBound(arr, v) {
    let lo = 0, hi = arr.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (arr[mid] < v) lo = mid + 1; else hi = mid; }
    return lo;
  }

  /** [start, end] of a finding/annotation in seconds, ordered; a missing end = a point. */
  function spanOf(x) {
    const a = +x.start_s || 0, b = Number.isFinite(+x.end_s) && x.end_s !== null ? +x.end_s : a;
    return a <= b ? [a, b] : [b, a];
  }

  function truncate(s, n) { s = String(s ?? ''); return s.length > n ? s.slice(0, n - 1) + '…' : s; }

  /** Text with a white halo so it stays legible over grid and trace. */
  function haloText(ctx, text, x, y, color, dpr) {
    ctx.lineWidth = 3 * dpr;
    ctx.strokeStyle = 'rgba(255,255,255,0.92)';
    ctx.lineJoin = 'round';
    ctx.strokeText(text, x, y);
    ctx.fillStyle = color;
    ctx.fillText(text, x, y);
  }

  /** Lead reference used by findings/annotations -> strip index, or null = all. */
  function leadIndex(lead, leadNames) {
    if (lead === null || lead === undefined || lead === '' || lead === 'all') return null;
    if (typeof lead === 'number') return lead >= 0 && lead < leadNames.length ? lead : -1;
    let i = leadNames.indexOf(lead);
    if (i < 0) i = leadNames.findIndex((n) => n.toLowerCase() === String(lead).toLowerCase());
    return i;   // -1: unknown lead, not drawn
  }

  /** Normalise a signal API answer: typed arrays (null -> NaN gap), leads
   *  matched to our lead order by name (fall back to position). */
  function normalizeWindow(json, leadNames) {
    const leads = (json && Array.isArray(json.leads)) ? json.leads : [];
    const byLead = leadNames.map((name, i) => {
      const ld = leads.find((l) => l.name === name) || leads[i];
      if (!ld || !ld.min || !ld.max) return null;
      const n = Math.min(ld.min.length, ld.max.length);
      const min = new Float32Array(n), max = new Float32Array(n);
      for (let k = 0; k < n; k++) {
        const a = ld.min[k], b = ld.max[k];
        min[k] = a === null ? NaN : a;
        max[k] = b === null ? NaN : b;
      }
      return { start_s: +ld.start_s || 0, step_s: +ld.step_s, min, max, baseline: medianMid(min, max) };
    });
    return { fs: json && json.fs, byLead };
  }

  /** Median of bucket mid-points: the isoelectric level, since most of each
   *  cardiac cycle sits near it. Used to centre the trace in its strip. */
  function medianMid(min, max) {
    const n = min.length, stride = Math.max(1, Math.floor(n / 600)), v = [];
    for (let i = 0; i < n; i += stride) {
      const m = (min[i] + max[i]) / 2;
      if (Number.isFinite(m)) v.push(m);
    }
    if (!v.length) return 0;
    v.sort((a, b) => a - b);
    return v[v.length >> 1];
  }

  // ---------------------------------------------------------------- LRU cache

  /** Map-based LRU (Map keeps insertion order; re-insert on use). */
  class LruCache {
    constructor(capacity, onEvict) { this.capacity = capacity; this.onEvict = onEvict; this.map = new Map(); }
    get(key) {
      const v = this.map.get(key);
      if (v !== undefined) { this.map.delete(key); this.map.set(key, v); }
      return v;
    }
    peek(key) { return this.map.get(key); }
    set(key, value) {
      this.map.delete(key);
      this.map.set(key, value);
      while (this.map.size > this.capacity) {
        const [k, v] = this.map.entries().next().value;
        this.map.delete(k);
        if (this.onEvict) this.onEvict(v);
      }
    }
    delete(key) { this.map.delete(key); }
    values() { return Array.from(this.map.values()); }
    clear() { for (const v of this.map.values()) if (this.onEvict) this.onEvict(v); this.map.clear(); }
  }

  // ---------------------------------------------------------------- layout

  /**
   * All geometry in device pixels. The paper (calibration area + trace area)
   * is a whole number of 5 mm boxes, so the visible window is a whole number
   * of bold-box periods and, with starts snapped to that period, bold lines
   * fall on exact time marks (every 0.2 s at 25 mm/s).
   */
  function computeLayout(widthDev, dpr, nLeads, speed, gain, o, twelve) {
    const u = o.cssPxPerMm * dpr;                  // device px per mm
    const pulseMm = CAL_S * speed;
    const calMm = Math.ceil((pulseMm + 5) / BOLD_MM) * BOLD_MM;
    let traceMm = Math.max(BOLD_MM, Math.floor((widthDev / u - calMm) / BOLD_MM) * BOLD_MM);
    // ~3 mV of room per strip: 30 mm at 10 mm/mV, never under 20 mm.
    const stripMm = o.stripHeightMm || Math.max(20, Math.ceil((3 * gain) / BOLD_MM) * BOLD_MM);
    const laneH = Math.round(LANE_CSS * dpr);
    const boldS = BOLD_MM / speed;
    const rows = [], panels = [], blocks = [];
    const row = (topPx) => {
      const r = {
        top: Math.round(topPx), bottom: Math.round(topPx + stripMm * u),
        // 0 mV on the bold line nearest mid-strip.
        baseline: topPx + Math.round(stripMm / 2 / BOLD_MM) * BOLD_MM * u,
      };
      rows.push(r);
      return r;
    };
    let colS = 0, lane, paperTop, paperBottom;
    if (twelve) {
      // Four columns of 2.5 s (the paper standard: 10 s at 25 mm/s); shorter,
      // in whole bold boxes, when the screen is narrow or at 50 mm/s.
      colS = Math.min(2.5, Math.floor(traceMm / speed / 4 / boldS + 1e-9) * boldS);
      colS = Math.max(boldS, round3(colS));
      traceMm = 4 * colS * speed;
      const top0 = Math.round(TOP12_CSS * dpr);
      for (let r = 0; r < 3; r++) row(top0 + r * stripMm * u);
      const b1 = { top: rows[0].top, bottom: rows[2].bottom };
      lane = { top: b1.bottom, bottom: b1.bottom + laneH };
      const rr = row(lane.bottom);
      blocks.push(b1, { top: rr.top, bottom: rr.bottom });
      paperTop = b1.top; paperBottom = rr.bottom;
      const colW = colS * speed * u;
      for (let c = 0; c < 4; c++) {
        for (let r = 0; r < 3; r++) {
          const x0 = calMm * u + c * colW;
          panels.push(Object.assign({}, rows[r], { lead: twelve[LAYOUT_12[c][r]], row: r, col: c, x0, x1: x0 + colW }));
        }
      }
      panels.push(Object.assign({}, rr, { lead: twelve[1], row: 3, col: -1, rhythm: true, x0: calMm * u, x1: (calMm + traceMm) * u }));
    } else {
      for (let i = 0; i < nLeads; i++) {
        const r = row(laneH + i * stripMm * u);
        panels.push(Object.assign({}, r, { lead: i, row: i, col: 0, x0: calMm * u, x1: (calMm + traceMm) * u }));
      }
      lane = { top: 0, bottom: laneH };
      paperTop = laneH; paperBottom = rows[rows.length - 1].bottom;
      blocks.push({ top: paperTop, bottom: paperBottom });
    }
    const axisTop = paperBottom + 1;
    return {
      dpr, u, speed, gain, pulseMm, calMm, traceMm, stripMm, laneH,
      twelve: !!twelve, colS, rows, panels, blocks, lane,
      strips: rows,             // backward-compatible name
      widthDev,
      traceX0: calMm * u,
      traceX1: (calMm + traceMm) * u,
      paperW: (calMm + traceMm) * u,
      paperTop,
      paperBottom,
      axisTop,
      heightDev: axisTop + Math.round(AXIS_CSS * dpr),
      windowS: traceMm / speed,
      boldS,
      pxPerS: speed * u,
      pxPerMv: gain * u,
    };
  }

  /** Index of each standard lead in leadNames (I, II, III, aVR, aVL, aVF,
   *  V1..V6, case-insensitive, 'D1'-style and 'MLII' not accepted), or null. */
  function twelveLeadMap(leadNames) {
    const lower = leadNames.map((n) => String(n).trim().toLowerCase());
    const idx = STANDARD_12.map((n) => lower.indexOf(n.toLowerCase()));
    return idx.every((i) => i >= 0) ? idx : null;
  }

  // ---------------------------------------------------------------- painting

  /** Pink paper: 1 mm minor, 5 mm bold, per block of rows. Each line is
   *  placed from the block's origin and rounded on its own (no accumulated
   *  error), drawn as integer rects so it is crisp at any devicePixelRatio. */
  function paintPaper(ctx, L) {
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

  /** 1 mV x 0.2 s standardisation pulse at the left of each strip. */
  function paintCalibration(ctx, L) {
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
   * Append one lead's min/max envelope to the current path. Each bucket is a
   * vertical segment min..max; consecutive buckets are joined from the end
   * nearest the previous pen position, so no extremum (R peak) is lost.
   */
  function traceLeadPath(ctx, ld, view, L, yBase, baseMv, fs, tA = view.startS, tB = view.endS) {
    const { min, max, start_s: s0, step_s: st } = ld;
    const n = min.length;
    if (!n || !(st > 0)) return;
    // Decimated buckets span a time range: plot at the centre. Raw samples
    // (step <= 1/fs) sit exactly at their sample time. [tA, tB] is the part
    // of the page this panel shows (x is always measured from view.startS).
    const off = st > 1.0001 / fs ? st / 2 : 0;
    const i0 = Math.max(0, Math.floor((tA - s0 - off) / st) - 1);
    const i1 = Math.min(n - 1, Math.ceil((tB - s0 - off) / st) + 1);
    const x0 = L.traceX0, pxs = L.pxPerS, pmv = L.pxPerMv;
    let pen = null;
    for (let i = i0; i <= i1; i++) {
      const lo = min[i], hi = max[i];
      if (!Number.isFinite(lo) || !Number.isFinite(hi)) { pen = null; continue; }
      const x = x0 + (s0 + off + i * st - view.startS) * pxs;
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

  /** Seconds ruler under the strips: ticks every bold box, labels every second. */
  function paintTimeAxis(ctx, L, view, durationS) {
    const { dpr, axisTop } = L;
    const h = L.heightDev - axisTop;
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, axisTop, L.widthDev, h);
    ctx.fillStyle = '#9ca3af';
    ctx.fillRect(0, axisTop, Math.round(L.paperW), Math.max(1, Math.round(dpr)));
    ctx.font = `${11 * dpr}px ${FONT}`;
    ctx.textBaseline = 'top';
    ctx.textAlign = 'center';
    const k0 = Math.ceil(view.startS / L.boldS - 1e-6), k1 = Math.floor(view.endS / L.boldS + 1e-6);
    const perSecond = Math.round(1 / L.boldS);
    let lastRight = -Infinity;
    for (let k = k0; k <= k1; k++) {
      const t = k * L.boldS;
      const x = Math.round(L.traceX0 + (t - view.startS) * L.pxPerS);
      const whole = k % perSecond === 0;
      ctx.fillStyle = whole ? '#4b5563' : '#c0c4ca';
      ctx.fillRect(x - (whole ? Math.round(dpr / 2) : 0), axisTop, whole ? Math.max(1, Math.round(dpr)) : 1, (whole ? 6 : 3) * dpr);
      if (whole && t <= durationS + 1e-6) {
        ctx.fillStyle = '#374151';
        const label = formatTime(t, durationS);
        const tw = ctx.measureText(label).width;
        // Centred under its tick, pushed inside at the edges; skipped if it
        // would run into the previous label (long h:mm:ss labels).
        const lx = clamp(x, L.traceX0 + tw / 2 - 2 * dpr, L.widthDev - tw / 2 - 2);
        if (lx - tw / 2 < lastRight + 8 * dpr) continue;
        ctx.fillText(label, lx, axisTop + 7 * dpr);
        lastRight = lx + tw / 2;
      }
    }
  }

  // ---------------------------------------------------------------- viewer

  class EcgViewer {
    /**
     * @param {HTMLElement} container
     * @param {object} options  see the file header
     */
    constructor(container, options) {
      if (!(container instanceof HTMLElement)) throw new TypeError('EcgViewer: container must be an element');
      const o = Object.assign({
        fs: 0, durationS: 0, leadNames: null, loadWindow: null,
        beats: null, findings: [], annotations: [], selfUserId: null,
        onSelectSpan: null, onAnnotationClick: null, onViewChange: null, onSaveMeasurement: null, onLayoutChange: null,
        speed: 25, gain: 10, startS: 0, layout: 'auto',
        cssPxPerMm: CSS_PX_PER_MM, stripHeightMm: 0, centerBaseline: true,
      }, options || {});
      if (!(o.fs > 0)) throw new RangeError('EcgViewer: fs must be > 0');
      if (!(o.durationS > 0)) throw new RangeError('EcgViewer: durationS must be > 0');
      if (typeof o.loadWindow !== 'function') throw new TypeError('EcgViewer: loadWindow must be a function');
      if (!Array.isArray(o.leadNames) || !o.leadNames.length) throw new TypeError('EcgViewer: leadNames must be a non-empty array');
      if (!SPEEDS.includes(o.speed)) o.speed = 25;
      if (!GAINS.includes(o.gain)) o.gain = 10;

      this.container = container;
      this.opts = o;
      this.fs = o.fs;
      this.durationS = o.durationS;
      this.leadNames = o.leadNames.map(String);
      this.speed = o.speed;
      this.gain = o.gain;
      this.startS = 0;
      this.allLeadsMode = false;
      this.selection = null;     // {leadIndex|null, startS, endS, live}
      this._drag = null;
      this._flash = null;
      this._hits = [];
      this._dir = 1;             // last navigation direction, for prefetch
      this._destroyed = false;
      this._bgDirty = true;
      this._frame = 0;
      this._loadTimer = 0;
      this._loadingTimer = 0;
      this._cache = new LruCache(CACHE_SIZE, (e) => { if (e.ctrl) e.ctrl.abort(); });
      this._twelveMap = twelveLeadMap(this.leadNames);
      this.layoutMode = ['auto', '12lead', 'stacked'].includes(o.layout) ? o.layout : 'auto';
      this.calipers = { on: false, a: null, b: null, pending: false, lead: null, march: false, snap: true };
      this._calDrag = null;
      this.presence = [];
      this._drawnKey = null;
      container.ecgViewer = this;
      this._createdAt = performance.now();

      this.setBeats(o.beats, false);
      this.setFindings(o.findings, false);
      this.setAnnotations(o.annotations, false);

      this._buildDom();
      this._bindInput();
      this._observeSize();
      this._relayout();
      this.goTo(o.startS || 0);
    }

    // ------------------------------------------------------------ public API

    /** Show the page starting at startS (snapped to the bold-grid period). */
    goTo(startS) {
      const L = this._layout;
      const maxStart = Math.max(0, Math.ceil((this.durationS - L.windowS) / L.boldS - 1e-6) * L.boldS);
      const s = round3(clamp(Math.round((+startS || 0) / L.boldS) * L.boldS, 0, maxStart));
      if (s !== this.startS) this._dir = s > this.startS ? 1 : -1;
      const changed = s !== this.startS || !this._shownOnce;
      this.startS = s;
      this._shownOnce = true;
      if (changed) {
        this._updateRangeText();
        this._scheduleLoad();
        this._invalidate(false, true);
        if (this.opts.onViewChange) this.opts.onViewChange(this.getView());
      }
    }

    /** Current window {startS, endS, windowS}. */
    getView() {
      const w = this._layout.windowS;
      return { startS: this.startS, endS: round3(Math.min(this.durationS, this.startS + w)), windowS: w };
    }

    /** Paper speed, 25 or 50 mm/s. Keeps the window start. */
    setSpeed(mmPerS) {
      if (!SPEEDS.includes(+mmPerS)) throw new RangeError(`EcgViewer: speed must be one of ${SPEEDS}`);
      this.speed = +mmPerS;
      this._speedSel.value = String(this.speed);
      this._relayout();
    }

    /** Gain, 5, 10 or 20 mm/mV. */
    setGain(mmPerMv) {
      if (!GAINS.includes(+mmPerMv)) throw new RangeError(`EcgViewer: gain must be one of ${GAINS}`);
      this.gain = +mmPerMv;
      this._gainSel.value = String(this.gain);
      this._relayout();
    }

    /** Replace all annotations. */
    setAnnotations(list, redraw = true) {
      this.annotations = Array.isArray(list) ? list.slice() : [];
      this._dropSavedSelection();
      if (redraw) this._invalidate(false, true);
    }

    /** Insert or replace by id. A copy with a lower `version` than the one
     *  held is ignored, so out-of-order realtime events can't roll back. */
    upsertAnnotation(a) {
      if (!a || a.id === undefined) return;
      const i = this.annotations.findIndex((x) => x.id === a.id);
      if (i >= 0) {
        const old = this.annotations[i];
        if (Number.isFinite(old.version) && Number.isFinite(a.version) && a.version < old.version) return;
        this.annotations[i] = a;
      } else {
        this.annotations.push(a);
      }
      this._dropSavedSelection();
      this._invalidate(false, true);
    }

    removeAnnotation(id) {
      const n = this.annotations.length;
      this.annotations = this.annotations.filter((a) => a.id !== id);
      if (this.annotations.length !== n) this._invalidate(false, true);
    }

    setFindings(list, redraw = true) {
      // Draw order routine < urgent < critical so the most severe is on top.
      this.findings = (Array.isArray(list) ? list.slice() : [])
        .sort((a, b) => (SEVERITY_RANK[a.severity] || 0) - (SEVERITY_RANK[b.severity] || 0));
      if (redraw) this._invalidate(false, true);
    }

    /** beats: {sample: int[], label: string[]} (sample indices at fs). */
    setBeats(beats, redraw = true) {
      const samples = (beats && beats.sample) || [];
      const labels = (beats && beats.label) || [];
      let sorted = true;   // the analysis sends them in order: skip the sort (100 000 beats a day)
      for (let i = 1; i < samples.length && sorted; i++) sorted = samples[i] >= samples[i - 1];
      const n = samples.length, fs = this.fs;
      if (sorted) {
        this._beatT = new Float64Array(n);
        this._beatL = new Array(n);
        for (let i = 0; i < n; i++) { this._beatT[i] = samples[i] / fs; this._beatL[i] = String(labels[i] ?? 'N'); }
      } else {
        const idx = Array.from(samples.keys()).sort((a, b) => samples[a] - samples[b]);
        this._beatT = Float64Array.from(idx, (i) => samples[i] / fs);
        this._beatL = idx.map((i) => String(labels[i] ?? 'N'));
      }
      this._hrBins = null;
      if (redraw) this._invalidate(false, true);
    }

    /** Jump to a finding (centred when it fits) and flash it. */
    showFinding(f) {
      if (!f) return;
      const w = this._layout.windowS;
      const [s, e] = spanOf(f);
      this.goTo(e - s < w * 0.8 ? (s + e) / 2 - w / 2 : s - 1);
      this._flash = { f, t0: performance.now() };
      this._invalidate();
    }

    /** Once the selected span has been saved as an annotation, the
     *  annotation itself marks it: stop drawing the selection over it. */
    _dropSavedSelection() {
      const sel = this.selection;
      if (!sel || sel.live) return;
      const tol = 1.5 / this.fs;
      const saved = this.annotations.some((a) => {
        const [s, e] = spanOf(a);
        return leadIndex(a.lead, this.leadNames) === sel.leadIndex &&
          Math.abs(s - sel.startS) <= tol && Math.abs(e - sel.endS) <= tol;
      });
      if (saved) this.selection = null;
    }

    clearSelection() {
      if (!this.selection) return;
      this.selection = null;
      this._invalidate();
    }

    /** 'auto' | '12lead' | 'stacked' ('12lead' needs the 12 standard leads). */
    setLayout(mode) {
      if (!['auto', '12lead', 'stacked'].includes(mode)) throw new RangeError('EcgViewer: layout must be auto, 12lead or stacked');
      this.layoutMode = mode;
      this.selection = null;
      this._relayout();
      if (this.opts.onLayoutChange) this.opts.onLayoutChange(this.getLayout(), mode);
    }

    /** The layout drawn: '12lead' or 'stacked'. */
    getLayout() { return this._layout && this._layout.twelve ? '12lead' : 'stacked'; }

    /** Show or hide the calipers (their cursors are kept while hidden). */
    setCalipersEnabled(on) {
      this.calipers.on = !!on;
      this._calBtn.setAttribute('aria-pressed', String(this.calipers.on));
      this._calBar.hidden = !this.calipers.on;
      this._canvas.classList.toggle('ecgv-caliper-mode', this.calipers.on);
      this._updateCaliperBar();
      this._invalidate();
    }

    /** Place both cursors (seconds); opts.snap snaps them like a click does. */
    setCalipers(startS, endS, opts = {}) {
      const c = this.calipers;
      const f = (t) => clamp(+t, 0, this.durationS);
      c.a = opts.snap ? this._snapCaliper(f(startS)) : f(startS);
      c.b = opts.snap ? this._snapCaliper(f(endS)) : f(endS);
      c.pending = false;
      c.lead = opts.lead === undefined ? null : opts.lead;
      if (!c.on) this.setCalipersEnabled(true); else { this._updateCaliperBar(); this._invalidate(); }
    }

    /** The measurement between the cursors, or null while fewer than two. */
    getCalipers() {
      const c = this.calipers;
      if (c.a === null || c.b === null) return null;
      const startS = Math.min(c.a, c.b), endS = Math.max(c.a, c.b);
      const intervalMs = Number(((endS - startS) * 1000).toFixed(1));
      return {
        startS: Number(startS.toFixed(6)), endS: Number(endS.toFixed(6)), intervalMs,
        intervalSamples: Math.round((endS - startS) * this.fs),
        rateBpm: intervalMs > 0 ? Number((60000 / intervalMs).toFixed(1)) : null,
        lead: c.lead,
      };
    }

    clearCalipers() {
      const c = this.calipers;
      c.a = c.b = null; c.pending = false;
      this._updateCaliperBar();
      this._invalidate();
    }

    /** Colleagues' viewing windows [{userId, username, startS, endS}]. */
    setPresence(list) {
      const self = this.opts.selfUserId;
      this.presence = (Array.isArray(list) ? list : []).filter((p) =>
        p && Number.isFinite(+p.startS) && Number.isFinite(+p.endS) &&
        (self === null || self === undefined || p.userId !== self));
      this._invalidate(false, true);
    }

    /** Client (CSS px) point of time t on the first panel showing `lead`
     *  (name or index; null = any), at its baseline; null if not on the page. */
    clientPointAt(t, lead = null) {
      const L = this._layout;
      const li = lead === null ? null : leadIndex(lead, this.leadNames);
      const x = this._x(+t);
      const p = L.panels.find((q) => (li === null || q.lead === li) && x >= q.x0 - 0.5 && x <= q.x1 + 0.5);
      if (!p) return null;
      const r = this._canvas.getBoundingClientRect();
      const k = r.width / this._canvas.width;
      return { x: r.left + x * k, y: r.top + p.baseline * k };
    }

    /** Detach observers, abort requests, remove the DOM we added. */
    destroy() {
      this._destroyed = true;
      if (this._ro) this._ro.disconnect();
      if (this._mql) this._mql.removeEventListener('change', this._onDprChange);
      cancelAnimationFrame(this._frame);
      clearTimeout(this._loadTimer);
      clearTimeout(this._loadingTimer);
      this._cache.clear();
      this.container.removeEventListener('keydown', this._onKey);
      for (const el of [this._toolbar, this._calBar, this._overview, this._canvas]) el.remove();
      if (this.container.ecgViewer === this) delete this.container.ecgViewer;
      this.container.classList.remove('ecgv');
    }

    // ------------------------------------------------------------ DOM

    _buildDom() {
      const c = this.container;
      c.classList.add('ecgv');
      c.tabIndex = 0;
      c.setAttribute('role', 'application');
      c.setAttribute('aria-roledescription', 'ECG viewer');
      c.setAttribute('aria-label',
        `ECG, ${this.leadNames.length} leads (${this.leadNames.join(', ')}), ` +
        `${formatTime(this.durationS, Math.max(60, this.durationS))} long. ` +
        'Left and Right arrows page, Home and End jump to start and end, ' +
        'drag on a lead to select a span, Shift+drag selects on all leads, Escape clears. ' +
        'C toggles calipers (click two beats), M marches the interval out.');

      const bar = document.createElement('div');
      bar.className = 'ecgv-toolbar';
      bar.setAttribute('role', 'toolbar');
      bar.setAttribute('aria-label', 'ECG viewer controls');
      const btn = (text, label, cls = '') => {
        const b = document.createElement('button');
        b.type = 'button';
        b.className = `ecgv-btn ${cls}`.trim();
        b.textContent = text;
        b.setAttribute('aria-label', label);
        b.title = label;
        bar.appendChild(b);
        return b;
      };
      const select = (label, values, unit, current) => {
        const wrap = document.createElement('label');
        wrap.className = 'ecgv-field';
        wrap.append(`${label} `);
        const s = document.createElement('select');
        s.className = 'ecgv-select';
        for (const v of values) {
          const opt = document.createElement('option');
          opt.value = String(v);
          opt.textContent = `${v} ${unit}`;
          s.appendChild(opt);
        }
        s.value = String(current);
        wrap.appendChild(s);
        bar.appendChild(wrap);
        return s;
      };
      this._prevBtn = btn('◀', 'Previous page (Left arrow)');
      this._nextBtn = btn('▶', 'Next page (Right arrow)');
      this._rangeEl = document.createElement('span');
      this._rangeEl.className = 'ecgv-range';
      this._rangeEl.setAttribute('aria-live', 'polite');
      bar.appendChild(this._rangeEl);
      this._speedSel = select('Speed', SPEEDS, 'mm/s', this.speed);
      this._gainSel = select('Gain', GAINS, 'mm/mV', this.gain);
      this._allBtn = btn('All leads', 'Select spans on all leads (same as Shift+drag)', 'ecgv-toggle');
      this._allBtn.setAttribute('aria-pressed', 'false');
      this._layoutBtn = btn('12-lead', 'Standard 12-lead sheet (3 x 4 + lead II rhythm strip) or stacked leads', 'ecgv-toggle');
      this._layoutBtn.hidden = !this._twelveMap;
      this._calBtn = btn('Calipers', 'Calipers: two cursors measuring interval and rate (C)', 'ecgv-toggle');
      this._calBtn.setAttribute('aria-pressed', 'false');
      this._statusEl = document.createElement('span');
      this._statusEl.className = 'ecgv-status';
      this._statusEl.setAttribute('role', 'status');
      bar.appendChild(this._statusEl);

      this._overview = document.createElement('canvas');
      this._overview.className = 'ecgv-overview';
      this._overview.setAttribute('role', 'img');
      this._overview.setAttribute('aria-label', 'Whole-recording overview: heart-rate trend and findings. Click to jump.');

      this._canvas = document.createElement('canvas');
      this._canvas.className = 'ecgv-strips';
      this._canvas.setAttribute('role', 'img');

      // Caliper readout and options (shown while calipers are on).
      const cb = document.createElement('div');
      cb.className = 'ecgv-calbar';
      cb.hidden = true;
      this._calText = document.createElement('span');
      this._calText.className = 'ecgv-calreadout';
      this._calText.setAttribute('aria-live', 'polite');
      const check = (text) => {
        const l = document.createElement('label');
        l.className = 'ecgv-field';
        const i = document.createElement('input');
        i.type = 'checkbox';
        l.append(i, ` ${text}`);
        cb.appendChild(l);
        return i;
      };
      cb.appendChild(this._calText);
      this._snapChk = check('Snap to R');
      this._snapChk.checked = true;
      this._marchChk = check('March out (M)');
      const cbtn = (text, label) => {
        const b = document.createElement('button');
        b.type = 'button'; b.className = 'ecgv-btn'; b.textContent = text; b.title = label;
        b.setAttribute('aria-label', label);
        cb.appendChild(b);
        return b;
      };
      this._calSave = cbtn('Save', 'Save this measurement as an annotation');
      this._calSave.hidden = typeof this.opts.onSaveMeasurement !== 'function';
      this._calClear = cbtn('Clear', 'Remove the caliper cursors');
      this._calBar = cb;

      c.append(bar, cb, this._overview, this._canvas);
      this._toolbar = bar;
      this._ctx = this._canvas.getContext('2d');
      this._octx = this._overview.getContext('2d');
      this._bg = document.createElement('canvas');   // cached paper + calibration
    }

    // ------------------------------------------------------------ layout

    _observeSize() {
      this._widthDev = 0;
      if (typeof ResizeObserver === 'function') {
        this._ro = new ResizeObserver((entries) => {
          for (const e of entries) {
            // devicePixelContentBoxSize gives the exact device-pixel width
            // (no rounding guess), so canvas pixels map 1:1 to screen pixels.
            // Trust it only when it agrees with CSS width x dpr: emulated
            // device scale factors (devtools, headless) report CSS pixels.
            const dp = e.devicePixelContentBoxSize && e.devicePixelContentBoxSize[0];
            const guess = Math.round(e.contentRect.width * window.devicePixelRatio);
            const w = dp && Math.abs(dp.inlineSize - guess) <= 1 ? dp.inlineSize : guess;
            if (w && w !== this._widthDev) { this._widthDev = w; this._relayout(); }
          }
        });
        try { this._ro.observe(this._canvas, { box: 'device-pixel-content-box' }); }
        catch (_) { this._ro.observe(this._canvas); }
      }
      // Zoom / moving to another monitor changes devicePixelRatio.
      this._onDprChange = () => { this._watchDpr(); this._relayout(); };
      this._watchDpr();
    }

    _watchDpr() {
      if (this._mql) this._mql.removeEventListener('change', this._onDprChange);
      if (!window.matchMedia) return;
      this._mql = window.matchMedia(`(resolution: ${window.devicePixelRatio}dppx)`);
      this._mql.addEventListener('change', this._onDprChange);
    }

    _relayout() {
      if (this._destroyed) return;
      const dpr = window.devicePixelRatio || 1;
      const cssW = this._canvas.getBoundingClientRect().width || this.container.clientWidth || 800;
      const widthDev = this._widthDev || Math.round(cssW * dpr);
      const twelve = this._twelveMap && this.layoutMode !== 'stacked' ? this._twelveMap : null;
      const L = computeLayout(widthDev, dpr, this.leadNames.length, this.speed, this.gain, this.opts, twelve);
      this._layoutBtn.setAttribute('aria-pressed', String(!!twelve));
      this._layout = L;
      const cv = this._canvas;
      if (cv.width !== widthDev) cv.width = widthDev;
      if (cv.height !== L.heightDev) cv.height = L.heightDev;
      cv.style.height = `${L.heightDev / dpr}px`;
      const ov = this._overview;
      const oh = Math.round(OVERVIEW_CSS * dpr);
      if (ov.width !== widthDev) ov.width = widthDev;
      if (ov.height !== oh) ov.height = oh;
      ov.style.height = `${oh / dpr}px`;
      this._bgDirty = true;
      this._hrBins = null;
      this._shownOnce = false;
      this.goTo(this.startS);   // re-snap: window length may have changed
      this._invalidate(true, true);
    }

    // ------------------------------------------------------------ loading

    _request(startS) {
      const L = this._layout;
      const s = round3(clamp(startS, 0, this.durationS));
      const e = round3(Math.min(this.durationS, s + L.windowS));
      if (e <= s) return null;
      // About one bucket per device pixel of the strip.
      const maxPoints = Math.max(32, Math.round((L.traceX1 - L.traceX0) * (e - s) / L.windowS));
      return { startS: s, endS: e, maxPoints, key: `${s}|${e}|${maxPoints}` };
    }

    _scheduleLoad() {
      clearTimeout(this._loadTimer);
      if (!this._firstLoadSent) {   // opening: no reason to wait
        this._firstLoadSent = true;
        this._syncLoads();
        return;
      }
      // Debounced so scrubbing the overview or holding an arrow key doesn't
      // fire a request per intermediate page.
      this._loadTimer = setTimeout(() => this._syncLoads(), LOAD_DEBOUNCE_MS);
      this._updateLoading();
    }

    _syncLoads() {
      if (this._destroyed) return;
      const cur = this._request(this.startS);
      const next = this._request(this.startS + this._dir * this._layout.windowS);
      this._curKey = cur && cur.key;
      this._nextReq = next;
      this._lastError = null;
      const wanted = new Set([cur && cur.key, next && next.key]);
      // Cancel what is no longer needed; late answers are also ignored
      // because they no longer match a cache entry (see _load).
      for (const e of this._cache.values()) {
        if (!e.data && !wanted.has(e.key)) { if (e.ctrl) e.ctrl.abort(); this._cache.delete(e.key); }
      }
      if (cur) {
        const e = this._load(cur);
        if (e.data && next) this._load(next);
      }
      this._updateLoading();
    }

    _load(req) {
      let e = this._cache.get(req.key);
      if (e) return e;
      const ctrl = typeof AbortController === 'function' ? new AbortController() : null;
      e = Object.assign({ data: null, ctrl }, req);
      this._cache.set(req.key, e);
      Promise.resolve()
        .then(() => this.opts.loadWindow(req.startS, req.endS, req.maxPoints, { signal: ctrl && ctrl.signal }))
        .then((json) => {
          if (this._destroyed || this._cache.peek(req.key) !== e) return;   // stale
          e.data = normalizeWindow(json, this.leadNames);
          e.ctrl = null;
          this._lastError = null;
          if (req.key === this._curKey && this._nextReq) this._load(this._nextReq);   // prefetch
          this._updateLoading();
          this._invalidate();
        })
        .catch((err) => {
          if (this._cache.peek(req.key) === e) this._cache.delete(req.key);
          if (this._destroyed || (ctrl && ctrl.signal.aborted)) return;
          if (req.key === this._curKey) {
            this._lastError = err;
            console.warn('EcgViewer: signal window failed to load', err);
          }
          this._updateLoading();
        });
      return e;
    }

    _updateLoading() {
      const e = this._curKey && this._cache.peek(this._curKey);
      const loaded = e && e.data && this._curKey === (this._request(this.startS) || {}).key;
      clearTimeout(this._loadingTimer);
      const st = this._statusEl;
      if (loaded) { st.textContent = ''; st.dataset.state = ''; return; }
      if (this._lastError) { st.textContent = 'Signal failed to load: page again to retry'; st.dataset.state = 'error'; return; }
      this._loadingTimer = setTimeout(() => { st.textContent = 'loading…'; st.dataset.state = 'loading'; }, LOADING_DELAY_MS);
    }

    /** Loaded windows to draw for the current view: any cached window at
     *  about the same resolution that overlaps it (so paging shows what is
     *  already known), the exact window last. */
    _drawableEntries(view) {
      const cur = this._request(view.startS);
      const exact = cur && this._cache.peek(cur.key);
      const density = cur ? cur.maxPoints / (cur.endS - cur.startS) : 0;
      const out = [];
      for (const e of this._cache.values()) {
        if (!e.data || e === exact) continue;
        if (e.endS <= view.startS || e.startS >= view.endS) continue;
        const d = e.maxPoints / (e.endS - e.startS);
        if (d > density * 1.5 || d < density / 1.5) continue;
        out.push(e);
      }
      if (exact && exact.data) out.push(exact);
      return out;
    }

    // ------------------------------------------------------------ rendering

    _invalidate(bg = false, overview = false) {
      if (bg) this._bgDirty = true;
      if (overview) this._ovDirty = true;
      if (this._frame || this._destroyed) return;
      this._frame = requestAnimationFrame(() => { this._frame = 0; this._render(); });
    }

    _render() {
      const L = this._layout, ctx = this._ctx;
      if (!L) return;
      if (this._ovDirty) { this._ovDirty = false; this._renderOverview(); }
      if (this._bgDirty) { this._bgDirty = false; this._renderBackground(); }
      const view = { startS: this.startS, endS: this.startS + L.windowS };
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.clearRect(0, 0, L.widthDev, L.heightDev);
      ctx.drawImage(this._bg, 0, 0);
      this._hits = [];
      this._paintEndOfRecord(ctx, L, view);
      this._paintFindings(ctx, L, view);
      // Overlays first, trace on top: a label must never hide part of the signal.
      const labels = this._paintAnnotationSpans(ctx, L, view);
      this._paintAnnotationLabels(ctx, L, labels);
      this._paintSelection(ctx, L, view);
      const complete = this._paintTraces(ctx, L, view);
      this._paintBeats(ctx, L, view);
      this._paintLeadLabels(ctx, L);
      this._paintCalipers(ctx, L, view);
      paintTimeAxis(ctx, L, view, this.durationS);
      if (this._flash) this._paintFlash(ctx, L, view);
      this._canvas.setAttribute('aria-label',
        `ECG ${L.twelve ? '12-lead sheet' : 'strips'} ${formatTime(view.startS, this.durationS, 1)} to ${formatTime(Math.min(view.endS, this.durationS), this.durationS, 1)}`);
      if (complete) {
        const key = `${this.startS}|${L.windowS}|${L.widthDev}|${L.twelve}`;
        if (key !== this._drawnKey) {
          this._drawnKey = key;
          const v = this.getView();
          this.container.dispatchEvent(new CustomEvent('ecgv:drawn', { bubbles: true,
            detail: { startS: v.startS, endS: v.endS, t: performance.now(), sinceCreated: performance.now() - this._createdAt } }));
        }
      }
    }

    _renderBackground() {
      const L = this._layout, bg = this._bg;
      bg.width = L.widthDev;
      bg.height = L.heightDev;
      const g = bg.getContext('2d');
      g.fillStyle = '#fff';
      g.fillRect(0, 0, L.widthDev, L.heightDev);
      paintPaper(g, L);
      paintCalibration(g, L);
    }

    /**
     * Rectangles where something on lead `li` (null = all leads) is drawn:
     * {x0, x1, top, bottom, key}. Stacked: one strip, or one block over all
     * strips. 12-lead: the cells of that lead (and the rhythm strip for II);
     * all leads = each column of the 3 x 4 block plus the rhythm strip, or
     * only the rhythm strip when `rhythmOnly` (findings: beat-based).
     */
    _regions(li, rhythmOnly = false) {
      const L = this._layout, P = L.panels;
      if (li === null || li === undefined) {
        if (!L.twelve) {
          const last = P[P.length - 1];
          return [{ x0: P[0].x0, x1: P[0].x1, top: P[0].top, bottom: last.bottom, key: 0 }];
        }
        const out = [];
        if (!rhythmOnly) {
          for (let c = 0; c < 4; c++) {
            const cells = P.filter((p) => p.col === c && !p.rhythm);
            // Keyed by its top cell, so labels there share one row packing.
            out.push({ x0: cells[0].x0, x1: cells[0].x1, top: cells[0].top, bottom: cells[cells.length - 1].bottom,
              key: P.indexOf(cells[0]), group: true });
          }
        }
        const r = P[P.length - 1];
        out.push({ x0: r.x0, x1: r.x1, top: r.top, bottom: r.bottom, key: P.length - 1 });
        return out;
      }
      const out = [];
      P.forEach((p, i) => { if (p.lead === li) out.push({ x0: p.x0, x1: p.x1, top: p.top, bottom: p.bottom, key: i }); });
      return out;
    }

    /** [x0, x1] of seconds [s, e] inside a region (at least 2 px), or null. */
    _clipX(r, s, e, dpr) {
      const xs = this._x(s), xe = this._x(e);
      if (xe < r.x0 || xs > r.x1) return null;
      const x0 = Math.max(r.x0, xs);
      const x1 = Math.max(x0 + 2 * dpr, Math.min(r.x1, xe));
      return [x0, x1, xs, xe];
    }

    _x(t) { const L = this._layout; return L.traceX0 + (t - this.startS) * L.pxPerS; }

    _paintEndOfRecord(ctx, L, view) {
      if (view.endS <= this.durationS) return;
      const x = Math.max(L.traceX0, this._x(this.durationS));
      ctx.fillStyle = 'rgba(75, 85, 99, 0.12)';
      for (const b of L.blocks) ctx.fillRect(x, b.top, L.traceX1 - x, b.bottom - b.top);
    }

    _paintFindings(ctx, L, view) {
      const dpr = L.dpr;
      ctx.font = `bold ${10 * dpr}px ${FONT}`;
      ctx.textBaseline = 'bottom';
      ctx.textAlign = 'left';
      for (const f of this.findings) {
        const [s, e] = spanOf(f);
        if (e < view.startS || s > view.endS) continue;
        const li = leadIndex(f.lead, this.leadNames);
        if (li === -1) continue;
        const rgb = SEVERITY_RGB[f.severity] || SEVERITY_RGB.routine;
        for (const r of this._regions(li, true)) {
          const c = this._clipX(r, s, e, dpr);
          if (!c) continue;
          const [x0, x1] = c;
          ctx.fillStyle = `rgba(${rgb}, 0.13)`;
          ctx.fillRect(x0, r.top, x1 - x0, r.bottom - r.top);
          ctx.fillStyle = `rgba(${rgb}, 0.85)`;
          ctx.fillRect(x0, r.bottom - 3 * dpr, x1 - x0, 3 * dpr);
          if (f.code) haloText(ctx, truncate(f.code, 24), x0 + 3 * dpr, r.bottom - 4 * dpr, `rgb(${rgb})`, dpr);
        }
      }
    }

    /** Shaded spans and edges; returns the label jobs for _paintAnnotationLabels. */
    _paintAnnotationSpans(ctx, L, view) {
      const dpr = L.dpr, jobs = [];
      for (const a of this.annotations) {
        const [s, e] = spanOf(a);
        if (e < view.startS || s > view.endS) continue;
        const li = leadIndex(a.lead, this.leadNames);
        if (li === -1) continue;
        const authorId = a.author ? a.author.id : null;
        const hue = authorHue(authorId);
        const own = this.opts.selfUserId !== null && this.opts.selfUserId !== undefined && authorId === this.opts.selfUserId;
        let labelled = false;   // one label per span on the 3 x 4 block
        for (const r of this._regions(li)) {
          const c = this._clipX(r, s, e, dpr);
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
          this._hits.push({ a, kind: 'span', x0: x0 - 2 * dpr, x1: x1 + 2 * dpr, y0: top, y1: bottom });
          if (group && labelled) continue;
          if (group) labelled = true;
          jobs.push({ a, hue, own, region: r, x0, x1 });
        }
      }
      return jobs;
    }

    _paintAnnotationLabels(ctx, L, jobs) {
      const dpr = L.dpr, rowH = ROW_CSS * dpr, pad = 3 * dpr;
      const rowsEnd = new Map();   // region -> [right edge per row]
      jobs.sort((p, q) => p.x0 - q.x0);
      for (const j of jobs) {
        const a = j.a, r = j.region;
        const who = a.author && a.author.username ? a.author.username : 'unknown';
        const text = `${truncate(a.label || '(no label)', 32)} · ${j.own ? `${who} (you)` : who}`;
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
        // Light fill so the trace drawn over it stays readable. Own: tinted,
        // bold, solid border; others: white, dashed border (as their spans).
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
        this._hits.push({ a, kind: 'label', x0: x, x1: x + tw, y0: y, y1: y + rowH });
      }
    }

    _paintSelection(ctx, L, view) {
      const sel = this.selection;
      if (!sel || sel.endS < view.startS || sel.startS > view.endS) return;
      const dpr = L.dpr;
      for (const r of this._regions(sel.leadIndex)) {
        const c = this._clipX(r, sel.startS, sel.endS, dpr);
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

    /** Draws the traces; true when the page's own window was among them. */
    _paintTraces(ctx, L, view) {
      const entries = this._drawableEntries(view);
      if (!entries.length) return false;
      const cur = this._request(view.startS);
      const complete = !!cur && entries[entries.length - 1].key === cur.key;
      const ref = entries[entries.length - 1].data;   // baseline from the best window
      ctx.strokeStyle = TRACE;
      ctx.lineWidth = Math.max(1, 1.2 * L.dpr);
      ctx.lineJoin = 'round';
      ctx.lineCap = 'round';
      for (const p of L.panels) {
        const i = p.lead;
        const refLead = ref.byLead[i];
        const baseMv = this.opts.centerBaseline && refLead ? refLead.baseline : 0;
        const tA = view.startS + (p.x0 - L.traceX0) / L.pxPerS, tB = view.startS + (p.x1 - L.traceX0) / L.pxPerS;
        ctx.save();
        ctx.beginPath();
        ctx.rect(p.x0, p.top, p.x1 - p.x0, p.bottom - p.top);
        ctx.clip();   // a trace never spills into a neighbouring lead
        ctx.beginPath();
        for (const e of entries) {
          const ld = e.data.byLead[i];
          if (ld) traceLeadPath(ctx, ld, view, L, p.baseline, baseMv, this.fs, tA, tB);
        }
        ctx.stroke();
        ctx.restore();
      }
      return complete;
    }

    _paintBeats(ctx, L, view) {
      const T = this._beatT;
      if (!T || !T.length) return;
      const dpr = L.dpr, yb = L.lane.bottom;
      ctx.fillStyle = '#fff';
      ctx.fillRect(0, L.lane.top, L.widthDev, yb - L.lane.top);
      ctx.textAlign = 'center';
      ctx.textBaseline = 'alphabetic';
      const end = Math.min(view.endS, this.durationS);
      for (let i = lowerBound(T, view.startS); i < T.length && T[i] <= end; i++) {
        const x = Math.round(this._x(T[i]));
        const lab = this._beatL[i];
        const normal = lab === 'N';
        const color = BEAT_COLOR[lab] || BEAT_OTHER;
        // Tick stays in the lane: inside the strip it would hide R-peak tips.
        ctx.fillStyle = color;
        ctx.fillRect(x - Math.floor(dpr / 2), yb - 4 * dpr, Math.max(1, Math.round(dpr)), 4 * dpr);
        ctx.font = `${normal ? '' : 'bold '}${(normal ? 10 : 11.5) * dpr}px ${FONT}`;
        ctx.fillText(lab, x, yb - 5 * dpr);
      }
    }

    _paintLeadLabels(ctx, L) {
      const dpr = L.dpr;
      ctx.font = `bold ${12 * dpr}px ${FONT}`;
      ctx.textBaseline = 'top';
      ctx.textAlign = 'left';
      for (const p of L.panels) {
        // 12-lead sheet: the standard spelling (aVR, V1), whatever the file says.
        const k = L.twelve ? this._twelveMap.indexOf(p.lead) : -1;
        const name = k >= 0 ? STANDARD_12[k] : this.leadNames[p.lead];
        const w = ctx.measureText(name).width;
        // Stacked: over the calibration column; 12-lead: inside each cell.
        const x = L.twelve ? p.x0 + 0.8 * L.u : 0.6 * L.u;
        ctx.fillStyle = 'rgba(255, 255, 255, 0.85)';
        ctx.fillRect(x, p.top + 0.6 * L.u, w + 4 * dpr, 15 * dpr);
        ctx.fillStyle = '#111827';
        ctx.fillText(name, x + 2 * dpr, p.top + 0.6 * L.u + 2 * dpr);
      }
    }

    /** Caliper cursors over all rows (every row shows the same instant at a
     *  given x), the interval between them, and the marched-out repeats. */
    _paintCalipers(ctx, L, view) {
      const c = this.calipers;
      if (!c.on || c.a === null) return;
      const dpr = L.dpr, top = L.paperTop, bottom = L.paperBottom;
      const line = (t, dashed, width) => {
        const x = Math.round(this._x(t));
        if (x < L.traceX0 - 1 || x > L.traceX1 + 1) return;
        ctx.setLineDash(dashed ? [6 * dpr, 4 * dpr] : []);
        ctx.lineWidth = width * dpr;
        ctx.beginPath(); ctx.moveTo(x, top); ctx.lineTo(x, bottom); ctx.stroke();
        if (!dashed) {   // a handle at the top to grab
          ctx.setLineDash([]);
          ctx.beginPath();
          ctx.moveTo(x - 5 * dpr, top); ctx.lineTo(x + 5 * dpr, top); ctx.lineTo(x, top + 7 * dpr); ctx.closePath();
          ctx.fill();
        }
      };
      ctx.strokeStyle = CALIPER;
      ctx.fillStyle = CALIPER;
      if (c.b !== null && c.march) {
        const d = Math.abs(c.b - c.a), lo = Math.min(c.a, c.b), hi = Math.max(c.a, c.b);
        if (d >= 0.05) {
          ctx.globalAlpha = 0.75;
          for (let t = hi + d; t <= view.endS; t += d) line(t, true, 1.25);
          for (let t = lo - d; t >= view.startS; t -= d) line(t, true, 1.25);
          ctx.globalAlpha = 1;
        }
      }
      line(c.a, false, 1.5);
      if (c.b === null) { ctx.setLineDash([]); return; }
      line(c.b, false, 1.5);
      ctx.setLineDash([]);
      const m = this.getCalipers();
      const xa = this._x(m.startS), xb = this._x(m.endS);
      const x0 = clamp(xa, L.traceX0, L.traceX1), x1 = clamp(xb, L.traceX0, L.traceX1);
      if (x1 - x0 < 2) return;
      // Bracket between the cursors near the top of the paper; the readout
      // beside the later cursor (not over the measured complexes), or before
      // the earlier one when there is no room.
      const y = top + 10 * dpr;
      ctx.lineWidth = 1.25 * dpr;
      ctx.beginPath(); ctx.moveTo(x0, y); ctx.lineTo(x1, y); ctx.stroke();
      ctx.font = `bold ${11 * dpr}px ${FONT}`;
      ctx.textBaseline = 'middle';
      ctx.textAlign = 'left';
      const text = `${Math.round(m.intervalMs)} ms · ${m.rateBpm === null ? '—' : Math.round(m.rateBpm)} bpm`;
      const tw = ctx.measureText(text).width, gap = 4 * dpr;
      const tx = x1 + gap + tw + 6 * dpr <= L.traceX1 ? x1 + gap : Math.max(L.traceX0, x0 - gap - tw - 6 * dpr);
      ctx.fillStyle = 'rgba(255,255,255,0.95)';
      ctx.fillRect(tx, y - 8 * dpr, tw + 6 * dpr, 16 * dpr);
      ctx.strokeRect(tx + 0.5 * dpr, y - 7.5 * dpr, tw + 5 * dpr, 15 * dpr);
      ctx.fillStyle = CALIPER;
      ctx.fillText(text, tx + 3 * dpr, y + 0.5 * dpr);
    }

    _paintFlash(ctx, L, view) {
      const { f, t0 } = this._flash;
      const age = performance.now() - t0;
      if (age > FLASH_MS) { this._flash = null; return; }
      const [s, e] = spanOf(f);
      if (!(e < view.startS || s > view.endS)) {
        const li = leadIndex(f.lead, this.leadNames);
        const alpha = 0.5 + 0.5 * Math.cos((age / FLASH_MS) * 6 * Math.PI);   // three pulses
        ctx.strokeStyle = `rgba(${SEVERITY_RGB[f.severity] || SEVERITY_RGB.routine}, ${alpha})`;
        ctx.lineWidth = 3 * L.dpr;
        for (const r of this._regions(li < 0 ? null : li, true)) {
          const c = this._clipX(r, s, e, L.dpr);
          if (!c) continue;
          ctx.strokeRect(c[0], r.top + 1.5 * L.dpr, c[1] - c[0], r.bottom - r.top - 3 * L.dpr);
        }
      }
      this._invalidate();   // keep animating until done
    }

    // ------------------------------------------------------------ overview

    /** Heart-rate trend bins: mean/min/max of instantaneous HR per bin.
     *  Bins are at least 4 s so short records still give a continuous line. */
    _computeHrBins(widthPx) {
      const T = this._beatT, D = this.durationS;
      const binS = Math.max(D / widthPx, 4);
      const n = Math.ceil(D / binS);
      const sum = new Float64Array(n), cnt = new Uint32Array(n);
      const mn = new Float64Array(n).fill(Infinity), mx = new Float64Array(n).fill(-Infinity);
      for (let i = 1; i < T.length; i++) {
        const rr = T[i] - T[i - 1];
        if (rr < 0.2 || rr > 3) continue;     // missed/double detections, pauses drawn as gaps
        const hr = 60 / rr, b = Math.min(n - 1, Math.floor(T[i] / binS));
        sum[b] += hr; cnt[b]++;
        if (hr < mn[b]) mn[b] = hr;
        if (hr > mx[b]) mx[b] = hr;
      }
      return { widthPx, binS, n, sum, cnt, mn, mx };
    }

    _renderOverview() {
      const c = this._octx, cv = this._overview;
      const W = cv.width, H = cv.height, dpr = this._layout.dpr, D = this.durationS;
      const pad = 6 * dpr;
      const plotW = W - 2 * pad;
      const X = (t) => pad + (t / D) * plotW;
      const hrTop = 4 * dpr, hrBot = H - 26 * dpr, fTop = hrBot + 3 * dpr, fBot = fTop + 7 * dpr;
      const HR_LO = 30, HR_HI = 180;
      const Y = (hr) => hrBot - ((clamp(hr, HR_LO, HR_HI) - HR_LO) / (HR_HI - HR_LO)) * (hrBot - hrTop);
      c.setTransform(1, 0, 0, 1, 0, 0);
      c.fillStyle = '#f8fafc';
      c.fillRect(0, 0, W, H);
      c.fillStyle = '#fff';
      c.fillRect(pad, hrTop, plotW, hrBot - hrTop);

      // Reference rates 60 and 100 bpm (brady/tachy thresholds).
      c.font = `${9 * dpr}px ${FONT}`;
      c.textBaseline = 'middle';
      c.textAlign = 'left';
      for (const ref of [60, 100]) {
        c.fillStyle = '#e5e7eb';
        c.fillRect(pad, Math.round(Y(ref)), plotW, 1);
        c.fillStyle = '#9ca3af';
        c.fillText(String(ref), pad + 2 * dpr, Y(ref) - 5 * dpr);
      }

      if (this._beatT && this._beatT.length > 1) {
        if (!this._hrBins || this._hrBins.widthPx !== plotW) this._hrBins = this._computeHrBins(plotW);
        const B = this._hrBins;
        c.fillStyle = 'rgba(220, 38, 38, 0.16)';
        for (let b = 0; b < B.n; b++) {
          if (!B.cnt[b]) continue;
          const xa = X(b * B.binS), xb = Math.max(xa + 1, X((b + 1) * B.binS));
          c.fillRect(xa, Y(B.mx[b]), xb - xa, Math.max(1, Y(B.mn[b]) - Y(B.mx[b])));
        }
        c.strokeStyle = '#b91c1c';
        c.lineWidth = 1.25 * dpr;
        c.lineJoin = 'round';
        c.beginPath();
        let pen = false;
        for (let b = 0; b < B.n; b++) {
          if (!B.cnt[b]) { pen = false; continue; }
          const x = X((b + 0.5) * B.binS), y = Y(B.sum[b] / B.cnt[b]);
          if (pen) c.lineTo(x, y); else c.moveTo(x, y);
          pen = true;
        }
        c.stroke();
        c.fillStyle = '#6b7280';
        c.textAlign = 'right';
        c.fillText('HR bpm', W - pad - 2 * dpr, hrTop + 6 * dpr);
      } else {
        c.fillStyle = '#9ca3af';
        c.textAlign = 'center';
        c.fillText('no beats detected', W / 2, (hrTop + hrBot) / 2);
      }

      // Annotations: thin marks along the top of the trend, author colour.
      for (const a of this.annotations) {
        const [s, e] = spanOf(a);
        c.fillStyle = `hsl(${authorHue(a.author ? a.author.id : null)}, 65%, 40%)`;
        c.fillRect(X(s), hrTop, Math.max(2 * dpr, X(e) - X(s)), 3 * dpr);
      }

      // Findings: ticks under the trend, critical drawn last (on top).
      c.fillStyle = '#eef0f3';
      c.fillRect(pad, fTop, plotW, fBot - fTop);
      for (const f of this.findings) {
        const [s, e] = spanOf(f);
        c.fillStyle = `rgb(${SEVERITY_RGB[f.severity] || SEVERITY_RGB.routine})`;
        c.fillRect(X(s), fTop, Math.max(2 * dpr, X(e) - X(s)), fBot - fTop);
      }

      // Time ticks at a "nice" step, at least ~80 CSS px apart.
      const steps = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600];
      const step = steps.find((s) => (s / D) * plotW >= 80 * dpr) || 43200;
      c.fillStyle = '#6b7280';
      c.textBaseline = 'top';
      c.textAlign = 'center';
      c.font = `${10 * dpr}px ${FONT}`;
      for (let t = 0; t <= D + 1e-6; t += step) {
        const x = Math.round(X(t));
        c.fillRect(x, fBot + 1 * dpr, 1, 4 * dpr);
        const label = formatTime(t, D);
        const tw = c.measureText(label).width;
        c.fillText(label, clamp(x, tw / 2, W - tw / 2), fBot + 6 * dpr);
      }

      // Visible window.
      const v = this.getView();
      const xa = X(v.startS), xb = Math.max(xa + 3 * dpr, X(this.startS + v.windowS));
      c.fillStyle = 'rgba(37, 99, 235, 0.14)';
      c.fillRect(xa, 1 * dpr, xb - xa, fBot);
      c.strokeStyle = 'rgba(37, 99, 235, 0.95)';
      c.lineWidth = 1.5 * dpr;
      c.strokeRect(xa, 1 * dpr, xb - xa, fBot);

      // Colleagues in the case: their window as a bar in their colour, named.
      c.font = `bold ${9.5 * dpr}px ${FONT}`;
      c.textBaseline = 'bottom';
      this.presence.forEach((p, k) => {
        const hue = authorHue(p.userId);
        const pa = X(clamp(+p.startS, 0, D)), pb = Math.max(pa + 4 * dpr, X(clamp(+p.endS, 0, D)));
        const y = hrBot - (k + 1) * 12 * dpr;
        c.fillStyle = `hsla(${hue}, 70%, 45%, 0.10)`;
        c.fillRect(pa, hrTop, pb - pa, hrBot - hrTop);
        c.fillStyle = `hsl(${hue}, 65%, 38%)`;
        c.fillRect(pa, y + 2 * dpr, pb - pa, 4 * dpr);
        const name = truncate(p.username || `user ${p.userId}`, 20);
        const tw = c.measureText(name).width;
        c.textAlign = 'left';
        haloText(c, name, clamp(pb + 3 * dpr, pad, W - pad - tw), y + 7 * dpr, `hsl(${hue}, 70%, 28%)`, dpr);
      });
      this._ovMap = { pad, plotW };
    }

    // ------------------------------------------------------------ input

    _bindInput() {
      this._prevBtn.addEventListener('click', () => this._page(-1));
      this._nextBtn.addEventListener('click', () => this._page(1));
      this._speedSel.addEventListener('change', () => this.setSpeed(+this._speedSel.value));
      this._gainSel.addEventListener('change', () => this.setGain(+this._gainSel.value));
      this._allBtn.addEventListener('click', () => {
        this.allLeadsMode = !this.allLeadsMode;
        this._allBtn.setAttribute('aria-pressed', String(this.allLeadsMode));
      });
      this._layoutBtn.addEventListener('click', () => this.setLayout(this.getLayout() === '12lead' ? 'stacked' : '12lead'));
      this._calBtn.addEventListener('click', () => this.setCalipersEnabled(!this.calipers.on));
      this._snapChk.addEventListener('change', () => { this.calipers.snap = this._snapChk.checked; });
      this._marchChk.addEventListener('change', () => { this.calipers.march = this._marchChk.checked; this._invalidate(); });
      this._calClear.addEventListener('click', () => this.clearCalipers());
      this._calSave.addEventListener('click', () => {
        const m = this.getCalipers();
        if (m && this.opts.onSaveMeasurement) this.opts.onSaveMeasurement(m);
      });

      this._onKey = (e) => this._handleKey(e);
      this.container.addEventListener('keydown', this._onKey);

      const cv = this._canvas;
      cv.addEventListener('pointerdown', (e) => this._onPointerDown(e));
      cv.addEventListener('pointermove', (e) => this._onPointerMove(e));
      cv.addEventListener('pointerup', (e) => this._onPointerUp(e));
      cv.addEventListener('pointercancel', () => {
        this._calDrag = null;
        if (this._drag) { this._drag = null; this.selection = null; this._invalidate(); }
      });

      const ov = this._overview;
      const seek = (e) => {
        const m = this._ovMap;
        if (!m) return;
        const r = ov.getBoundingClientRect();
        const x = (e.clientX - r.left) * (ov.width / r.width);
        const t = ((x - m.pad) / m.plotW) * this.durationS;
        this.goTo(t - this._layout.windowS / 2);
      };
      ov.addEventListener('pointerdown', (e) => {
        if (e.button !== 0) return;
        ov.setPointerCapture(e.pointerId);
        this._ovDrag = true;
        seek(e);
        this.container.focus({ preventScroll: true });
      });
      ov.addEventListener('pointermove', (e) => { if (this._ovDrag) seek(e); });
      ov.addEventListener('pointerup', () => { this._ovDrag = false; });
      ov.addEventListener('pointercancel', () => { this._ovDrag = false; });
    }

    _page(dir) { this.goTo(this.startS + dir * this._layout.windowS); }

    _handleKey(e) {
      // Form controls keep their own arrow keys.
      const tag = e.target && e.target.tagName;
      if (tag === 'SELECT' || tag === 'INPUT' || tag === 'TEXTAREA') return;
      if (e.altKey || e.ctrlKey || e.metaKey) return;
      const w = this._layout.windowS;
      switch (e.key) {
        case 'ArrowLeft': case 'PageUp': this.goTo(this.startS - (e.shiftKey ? w / 10 : w)); break;
        case 'ArrowRight': case 'PageDown': this.goTo(this.startS + (e.shiftKey ? w / 10 : w)); break;
        case 'Home': this.goTo(0); break;
        case 'End': this.goTo(this.durationS); break;
        case 'Escape':
          if (this._drag) this._drag = null;
          if (this.calipers.on && !this.selection) this.clearCalipers();
          this.clearSelection();
          break;
        case 'c': case 'C': this.setCalipersEnabled(!this.calipers.on); break;
        case 'm': case 'M':
          if (!this.calipers.on) return;
          this.calipers.march = !this.calipers.march;
          this._marchChk.checked = this.calipers.march;
          this._invalidate();
          break;
        default: return;
      }
      e.preventDefault();
    }

    /** Pointer position in device pixels of the strips canvas. */
    _devicePoint(e) {
      const r = this._canvas.getBoundingClientRect();
      return {
        x: (e.clientX - r.left) * (this._canvas.width / r.width),
        y: (e.clientY - r.top) * (this._canvas.height / r.height),
      };
    }

    /** The panel (lead cell or strip) under a device-pixel point, or null. */
    _panelAt(p) {
      return this._layout.panels.find((q) => p.y >= q.top && p.y < q.bottom && p.x >= q.x0 - 1 && p.x <= q.x1 + 1) || null;
    }

    /** Back-compatible: strip (row) index under y. */
    _stripAt(y) { return this._layout.rows.findIndex((s) => y >= s.top && y < s.bottom); }

    _timeAt(x, panel = null) {
      const L = this._layout;
      const lo = panel ? panel.x0 : L.traceX0, hi = panel ? panel.x1 : L.traceX1;
      const t = this.startS + (clamp(x, lo, hi) - L.traceX0) / L.pxPerS;
      return clamp(t, 0, this.durationS);
    }

    _snap(t) { return Number((Math.round(t * this.fs) / this.fs).toFixed(6)); }

    /** Caliper position: the nearest beat within 80 ms when snapping, else the sample grid. */
    _snapCaliper(t) {
      const T = this._beatT;
      if (this.calipers.snap && T && T.length) {
        const i = lowerBound(T, t);
        let best = null;
        for (const j of [i - 1, i]) {
          if (j >= 0 && j < T.length && Math.abs(T[j] - t) <= CALIPER_SNAP_S &&
              (best === null || Math.abs(T[j] - t) < Math.abs(best - t))) best = T[j];
        }
        if (best !== null) return this._snap(best);
      }
      return this._snap(t);
    }

    _updateCaliperBar() {
      const c = this.calipers, m = this.getCalipers();
      let text;
      if (m) {
        text = `Interval ${Math.round(m.intervalMs)} ms (${m.intervalSamples} samples at ${+this.fs.toFixed(3)} Hz) · rate ${m.rateBpm === null ? '—' : Math.round(m.rateBpm)} bpm`;
      } else if (c.a !== null) {
        text = 'Click the second cursor (e.g. the next R peak).';
      } else {
        text = 'Click two points (e.g. two R peaks) or drag between them.';
      }
      this._calText.textContent = text;
      const el = this._calText;
      if (m) {
        el.dataset.intervalMs = String(m.intervalMs);
        el.dataset.intervalSamples = String(m.intervalSamples);
        el.dataset.rateBpm = String(m.rateBpm);
      } else {
        delete el.dataset.intervalMs; delete el.dataset.intervalSamples; delete el.dataset.rateBpm;
      }
      this._calSave.disabled = !m;
    }

    _caliperDown(e, p) {
      const L = this._layout;
      if (p.x < L.traceX0 - 1 || p.x > L.traceX1 + 1 || p.y < L.paperTop || p.y > L.paperBottom) return false;
      const c = this.calipers, grab = CALIPER_GRAB_CSS * L.dpr;
      let which = 'new';
      for (const k of ['b', 'a']) {
        if (c[k] !== null && Math.abs(this._x(c[k]) - p.x) <= grab) { which = k; break; }
      }
      const panel = this._panelAt(p);
      this._calDrag = { id: e.pointerId, which, x0: p.x, t0: this._timeAt(p.x), moved: false,
        lead: panel ? this.leadNames[panel.lead] : null };
      this.container.focus({ preventScroll: true });
      this._canvas.setPointerCapture(e.pointerId);
      e.preventDefault();
      return true;
    }

    _caliperMove(e, p) {
      const d = this._calDrag, c = this.calipers;
      if (Math.abs(p.x - d.x0) >= MIN_DRAG_CSS * this._layout.dpr) d.moved = true;
      if (!d.moved) return;
      const t = this._snapCaliper(this._timeAt(p.x));
      if (d.which === 'new') { c.a = this._snapCaliper(d.t0); c.b = t; c.pending = false; c.lead = d.lead; }
      else c[d.which] = t;
      this._updateCaliperBar();
      this._invalidate();
    }

    _caliperUp(e, p) {
      const d = this._calDrag, c = this.calipers;
      this._calDrag = null;
      if (d.moved) { this._caliperMove(e, p); return; }
      // A click (even on a cursor) places cursors: first, then second.
      const t = this._snapCaliper(d.t0);
      if (c.pending && c.a !== null) { c.b = t; c.pending = false; }
      else { c.a = t; c.b = null; c.pending = true; }
      c.lead = d.lead;
      this._updateCaliperBar();
      this._invalidate();
    }

    _onPointerDown(e) {
      if (e.pointerType === 'mouse' && e.button !== 0) return;
      const p = this._devicePoint(e);
      if (this.calipers.on && !e.shiftKey) { this._caliperDown(e, p); return; }
      const panel = this._panelAt(p);
      if (!panel) return;
      this.container.focus({ preventScroll: true });
      this._canvas.setPointerCapture(e.pointerId);
      const t = this._timeAt(p.x, panel);
      this._drag = { id: e.pointerId, li: panel.lead, panel, x0: p.x, y0: p.y, t0: t, t1: t, moved: false };
      e.preventDefault();
    }

    _onPointerMove(e) {
      const p = this._devicePoint(e);
      if (this._calDrag && e.pointerId === this._calDrag.id) { this._caliperMove(e, p); return; }
      const d = this._drag;
      if (d && e.pointerId === d.id) {
        d.t1 = this._timeAt(p.x, d.panel);
        if (Math.abs(p.x - d.x0) >= MIN_DRAG_CSS * this._layout.dpr) d.moved = true;
        if (d.moved) {
          this.selection = {
            leadIndex: e.shiftKey || this.allLeadsMode ? null : d.li,
            startS: Math.min(d.t0, d.t1), endS: Math.max(d.t0, d.t1), live: true,
          };
          this._invalidate();
        }
        return;
      }
      if (this.calipers.on) {
        const c = this.calipers, grab = CALIPER_GRAB_CSS * this._layout.dpr;
        const near = ['a', 'b'].some((k) => c[k] !== null && Math.abs(this._x(c[k]) - p.x) <= grab);
        this._canvas.style.cursor = near ? 'ew-resize' : '';
        return;
      }
      // Hover feedback: pointer over annotations, tooltip with their text.
      const hit = this._hitTest(p);
      this._canvas.style.cursor = hit ? 'pointer' : '';
      const tip = hit ? `${hit.label || ''}${hit.text ? ` — ${hit.text}` : ''}` : '';
      if (this._canvas.title !== tip) this._canvas.title = tip;
    }

    _onPointerUp(e) {
      if (this._calDrag && e.pointerId === this._calDrag.id) { this._caliperUp(e, this._devicePoint(e)); return; }
      const d = this._drag;
      if (!d || e.pointerId !== d.id) return;
      this._drag = null;
      const p = this._devicePoint(e);
      d.t1 = this._timeAt(p.x, d.panel);
      const startS = this._snap(Math.min(d.t0, d.t1)), endS = this._snap(Math.max(d.t0, d.t1));
      if (!d.moved || endS - startS < MIN_DRAG_S) {
        // A click: open an annotation under the pointer, else drop the selection.
        this.selection = null;
        this._invalidate();
        const hit = this._hitTest({ x: d.x0, y: d.y0 });
        if (hit && this.opts.onAnnotationClick) this.opts.onAnnotationClick(hit);
        return;
      }
      const all = e.shiftKey || this.allLeadsMode;
      this.selection = { leadIndex: all ? null : d.li, startS, endS, live: false };
      this._invalidate();
      if (this.opts.onSelectSpan) {
        this.opts.onSelectSpan({
          lead: all ? null : this.leadNames[d.li], leadIndex: all ? null : d.li, startS, endS,
        });
      }
    }

    /** Annotation under a device-pixel point: labels win, then the narrowest span. */
    _hitTest(p) {
      let best = null;
      for (const h of this._hits) {
        if (p.x < h.x0 || p.x > h.x1 || p.y < h.y0 || p.y > h.y1) continue;
        if (!best || (h.kind === 'label' && best.kind !== 'label') ||
            (h.kind === best.kind && h.x1 - h.x0 < best.x1 - best.x0)) best = h;
      }
      return best ? best.a : null;
    }

    _updateRangeText() {
      const v = this.getView();
      this._rangeEl.textContent =
        `${formatTime(v.startS, this.durationS, 1)} – ${formatTime(v.endS, this.durationS, 1)} / ${formatTime(this.durationS, this.durationS)}`;
      // aria-disabled, not disabled: a disabled button would drop keyboard focus.
      this._prevBtn.setAttribute('aria-disabled', String(this.startS <= 0));
      this._nextBtn.setAttribute('aria-disabled', String(this.startS + v.windowS >= this.durationS - 1e-6));
    }
  }

  EcgViewer.SPEEDS = SPEEDS.slice();
  EcgViewer.GAINS = GAINS.slice();
  EcgViewer.authorHue = authorHue;   // so other views can colour authors alike
  window.EcgViewer = EcgViewer;
})();
