/*
 * ecgviewer.js: canvas ECG viewer for the telemedicine referral system (ES module, no
 * build step). Exports EcgViewer and sets window.EcgViewer for page scripts. The parts
 * live in static/js/viewer/ (see docs/viewer.md):
 *
 *   constants.js  paper, colours, sizes          util.js      small pure helpers
 *   layout.js     paper geometry (pure)          paint.js     paper, traces, time axis
 *   loader.js     signal windows, LRU cache      calipers.js  caliper maths (pure)
 *   overlays.js   findings, annotations, beats, calipers, keyboard cursor
 *   overview.js   whole-recording overview and presence
 *   caliper-tool.js  calipers of a viewer      keyboard-annotation.js  key A and friends
 *   snapshot.js   viewer.state()
 *   compare.js    serial-comparison maths (pure)  compare-ui.js  the comparison on the page
 *   dom.js        toolbar, bars, legend           input.js     keyboard and pointer
 *
 *   const viewer = new EcgViewer(container, {
 *     fs: 360, durationS: 1800, leadNames: ['MLII', 'V1'],     // required
 *     loadWindow: (startS, endS, maxPoints, {signal}) => Promise<signal JSON>,  // required
 *     beats: {sample: [...], label: [...]},   // sample indices at fs; 'N','V','S','Q'
 *     findings: [{code, severity, start_s, end_s, lead, text}],   // lead null = all
 *     annotations: [{id, lead, start_s, end_s, label, text, author: {id, username}, version}],
 *     selfUserId: 3,
 *     onSelectSpan: ({lead, leadIndex, startS, endS, label?}) => {},  // lead null = all leads
 *     onAnnotationClick, onViewChange, onLayoutChange, onSaveMeasurement,
 *     speed: 25, gain: 10, startS: 0, layout: 'auto' | '12lead' | 'stacked',
 *     pageS: 0 (one line per lead) | 10..60 (a page wrapped over several lines),
 *     annotationLabels: [...]   // digit keys 1-9 in keyboard annotation
 *     cssPxPerMm, stripHeightMm, centerBaseline,
 *   });
 *
 * Public methods: goTo, getView, setSpeed, setGain, setPageLength, goToHour,
 * setFullDisclosure, setLayout, getLayout, setAnnotations, upsertAnnotation,
 * removeAnnotation, setFindings, setBeats, showFinding, clearSelection, setCalipersEnabled,
 * setCalipers, getCalipers, clearCalipers, setPresence, clientPointAt,
 * startKeyboardAnnotation, stopKeyboardAnnotation, moveKeyCursor,
 * commitKeyboardAnnotation, state(), destroy.
 *
 * Events on the container (bubbling CustomEvents; tests and page scripts listen):
 *   'ecgv:drawn'    {startS, endS, t, sinceCreated, layout}  a page drawn with its own window
 *   'ecgv:view'     {startS, endS, windowS, layout}          the page changed
 *   'ecgv:layout'   {layout, requested}
 *   'ecgv:calipers' getCalipers() + {snappedTo: [{t, label, distanceMs}|null, ...]}
 *   'ecgv:select'   {lead, leadIndex, startS, endS, label, via: 'pointer'|'keyboard'}
 *   'ecgv:finding'  {finding, startS, endS}                  after showFinding
 *   'ecgv:scale'    {speed, gain}                            after setSpeed / setGain
 *   'ecgv:compared' {rows, leads, shiftMs, statement}  (EcgViewer.compare: medians and table drawn)
 *
 * Drawing is done in *device* pixels on a physical scale (96 CSS px per inch, times
 * devicePixelRatio) so that 1 mm of "paper" is the same on every screen and the grid stays
 * crisp on high-DPI displays.
 */
import { t } from './i18n.js';
import {
  CSS_PX_PER_MM, GAINS, LOADING_DELAY_MS, OVERVIEW_CSS, PAGE_LENGTHS, PHONE_MAX_CSS, SEVERITY_RANK, SPEEDS,
  STANDARD_12, TRACE,
} from './viewer/constants.js';
import * as cal from './viewer/caliper-tool.js';
import * as keys from './viewer/keyboard-annotation.js';
import * as snap from './viewer/snapshot.js';
import { buildDom } from './viewer/dom.js';
import { bindInput, defaultAnnotationLabels } from './viewer/input.js';
import { centredStart, computeLayout, placeTime, snapStart, twelveLeadMap } from './viewer/layout.js';
import { WindowStore, planRequest } from './viewer/loader.js';
import * as overlays from './viewer/overlays.js';
import { filterPresence, renderOverview } from './viewer/overview.js';
import { paintCalibration, paintPaper, paintTimeAxis, traceLeadPath } from './viewer/paint.js';
import { authorHue, clamp, formatTime, leadIndex, spanOf } from './viewer/util.js';

export class EcgViewer {
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
      speed: 25, gain: 10, startS: 0, layout: 'auto', pageS: 0, annotationLabels: null,
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
    this.pageS = PAGE_LENGTHS.includes(+o.pageS) ? +o.pageS : 0;
    this.disclosure = false;
    this.disclosureLead = 0;
    this.annotationLabels = Array.isArray(o.annotationLabels) && o.annotationLabels.length
      ? o.annotationLabels.slice(0, 9) : defaultAnnotationLabels();
    this.startS = 0;
    this.allLeadsMode = false;
    this.selection = null;     // {leadIndex|null, startS, endS, live}
    this.keyAnnot = { on: false, cursorS: 0, startS: null, endS: null, leadIndex: null, label: null };
    this._drag = null;
    this._flash = null;
    this._hits = [];
    this._dir = 1;             // last navigation direction, for prefetch
    this._destroyed = false;
    this._bgDirty = true;
    this._frame = 0;
    this._loadingTimer = 0;
    this._drawn = false;
    this._store = new WindowStore(o.loadWindow, this.leadNames, () => { this._updateLoading(); this._invalidate(); });
    this._twelveMap = twelveLeadMap(this.leadNames);
    this.layoutMode = ['auto', '12lead', 'stacked'].includes(o.layout) ? o.layout : 'auto';
    this.calipers = { on: false, a: null, b: null, snapA: null, snapB: null, pending: false, lead: null, march: false, snap: true };
    this._calDrag = null;
    this.presence = [];
    this._drawnKey = null;
    container.ecgViewer = this;
    this._createdAt = performance.now();

    this.setBeats(o.beats, false);
    this.setFindings(o.findings, false);
    this.setAnnotations(o.annotations, false);

    this._el = buildDom(this);
    this._canvas = this._el.canvas;          // (kept for old page scripts; tests use state())
    this._overview = this._el.overview;
    this._ctx = this._canvas.getContext('2d');
    this._octx = this._overview.getContext('2d');
    this._bg = document.createElement('canvas');   // cached paper + calibration
    bindInput(this);
    this._observeSize();
    this._relayout();
    this.goTo(o.startS || 0);
  }

  // ------------------------------------------------------------ navigation

  /** Show the page starting at startS (snapped to the bold-grid period). */
  goTo(startS) {
    const L = this._layout;
    const s = snapStart(L, this.durationS, startS);
    if (s !== this.startS) this._dir = s > this.startS ? 1 : -1;
    const changed = s !== this.startS || !this._shownOnce;
    this.startS = s;
    this._shownOnce = true;
    if (changed) {
      this._updateRangeText();
      this._store.schedule(this._request(s), this._request(s + this._dir * L.windowS));
      this._updateLoading();
      this._invalidate(false, true);
      const view = this.getView();
      if (this.opts.onViewChange) this.opts.onViewChange(view);
      this._emit('ecgv:view', Object.assign({ layout: this.getLayout() }, view));
    }
  }

  /** Current window {startS, endS, windowS}. */
  getView() {
    const w = this._layout.windowS;
    return { startS: this.startS, endS: Math.round(Math.min(this.durationS, this.startS + w) * 1000) / 1000, windowS: w };
  }

  _page(dir) { this.goTo(this.startS + dir * this._layout.windowS); }

  /** Jump to hour h (0-based) of a long recording. */
  goToHour(h) { this.goTo(clamp(Math.floor(+h) || 0, 0, Math.ceil(this.durationS / 3600) - 1) * 3600); }

  /** Paper speed, 25 or 50 mm/s. Keeps the window start. */
  setSpeed(mmPerS) {
    if (!SPEEDS.includes(+mmPerS)) throw new RangeError(`EcgViewer: speed must be one of ${SPEEDS}`);
    this.speed = +mmPerS;
    this._el.speed.value = String(this.speed);
    this._relayout();
    this._emit('ecgv:scale', { speed: this.speed, gain: this.gain });
  }

  /** Gain, 5, 10 or 20 mm/mV. */
  setGain(mmPerMv) {
    if (!GAINS.includes(+mmPerMv)) throw new RangeError(`EcgViewer: gain must be one of ${GAINS}`);
    this.gain = +mmPerMv;
    this._el.gain.value = String(this.gain);
    this._relayout();
    this._emit('ecgv:scale', { speed: this.speed, gain: this.gain });
  }

  /** Page length of the stacked layout: 0 (one line per lead, as wide as the screen) or
   *  10, 20, 30, 60 s wrapped over several lines at the same speed. */
  setPageLength(s) {
    if (+s !== 0 && !PAGE_LENGTHS.includes(+s)) throw new RangeError(`EcgViewer: page length must be 0 or one of ${PAGE_LENGTHS}`);
    this.pageS = +s;
    this._el.pageLen.value = String(this.pageS);
    this._relayout();
  }

  /** Full disclosure on/off (30 lines of 60 s of one lead). Turning it off at time `atS`
   *  shows the page centred there. */
  setFullDisclosure(on, atS = null) {
    this.disclosure = !!on;
    this._el.disclosure.setAttribute('aria-pressed', String(this.disclosure));
    this.selection = null;
    const keep = this.startS;
    this._relayout();
    if (this.disclosure) this.goTo(Math.floor(keep / 60) * 60);
    else if (atS !== null) this.goTo(atS - this._layout.windowS / 2);
    this._emit('ecgv:layout', { layout: this.getLayout(), requested: this.disclosure ? 'disclosure' : this.layoutMode });
  }

  /** 'auto' | '12lead' | 'stacked' ('12lead' needs the 12 standard leads). */
  setLayout(mode) {
    if (!['auto', '12lead', 'stacked'].includes(mode)) throw new RangeError('EcgViewer: layout must be auto, 12lead or stacked');
    this.layoutMode = mode;
    this.disclosure = false;
    this._el.disclosure.setAttribute('aria-pressed', 'false');
    this.selection = null;
    this._relayout();
    if (this.opts.onLayoutChange) this.opts.onLayoutChange(this.getLayout(), mode);
    this._emit('ecgv:layout', { layout: this.getLayout(), requested: mode });
  }

  /** The layout drawn: '12lead' (3 x 4 sheet), 'column' (the 12 leads in one column, on a
   *  phone), 'stacked' or 'disclosure'. */
  getLayout() { return this._layout ? this._layoutName : 'stacked'; }

  // ------------------------------------------------------------ data

  setAnnotations(list, redraw = true) {
    this.annotations = Array.isArray(list) ? list.slice() : [];
    this._dropSavedSelection();
    if (redraw) this._invalidate(false, true);
  }

  /** Insert or replace by id. A copy with a lower `version` than the one held is ignored,
   *  so out-of-order realtime events can't roll back. */
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

  /** Jump to a finding, its evidence centred (in the cell of its lead on the 12-lead sheet),
   *  scroll the viewer into view, and flash it. */
  showFinding(f) {
    if (!f) return;
    if (this.disclosure) this.setFullDisclosure(false);
    const L = this._layout;
    const w = L.windowS;
    const [s, e] = spanOf(f);
    const li = leadIndex(f.lead, this.leadNames);
    const mid = (s + e) / 2;
    this.goTo(e - s < w * 0.8 ? centredStart(L, mid, li >= 0 ? li : null) : s - 1);
    this._flash = { f, t0: performance.now() };
    this._invalidate();
    if (typeof this.container.scrollIntoView === 'function') {
      const r = this.container.getBoundingClientRect();
      const vh = window.innerHeight || document.documentElement.clientHeight;
      if (r.top < 0 || r.top > vh * 0.5) this.container.scrollIntoView({ block: 'start', behavior: 'auto' });
    }
    this._emit('ecgv:finding', { finding: f, startS: s, endS: e });
  }

  /** Once the selected span has been saved as an annotation, the annotation itself marks
   *  it: stop drawing the selection over it. */
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

  /** A span chosen (pointer drag or keyboard): select it and tell the page. */
  _selectSpan(li, startS, endS, label = null, via = 'pointer') {
    this.selection = { leadIndex: li, startS, endS, live: false };
    this._invalidate();
    const span = { lead: li === null ? null : this.leadNames[li], leadIndex: li, startS, endS };
    if (label) span.label = label;
    if (this.opts.onSelectSpan) this.opts.onSelectSpan(span);
    this._emit('ecgv:select', Object.assign({ via, label }, span));
  }

  // ------------------------------------------------------------ keyboard annotation

  /** Key A: a cursor on the beat nearest the page centre; , and . move it beat by beat
   *  (Shift: 40 ms), [ and ] set start and end, L the lead, 1-9 a label, Enter confirms. */
  startKeyboardAnnotation() { return keys.startKeyboardAnnotation(this); }

  stopKeyboardAnnotation() { return keys.stopKeyboardAnnotation(this); }

  /** Move the keyboard cursor to time s (the page follows). */
  moveKeyCursor(s) { return keys.moveKeyCursor(this, s); }

  _keySelection() { return keys.keySelection(this); }

  /** Enter: the span from [ to ] on the chosen lead, with the chosen label, goes to the page
   *  (onSelectSpan, 'ecgv:select'); returns it, or null when start or end is missing. */
  commitKeyboardAnnotation() { return keys.commitKeyboardAnnotation(this); }

  _updateKeyBar(note = '') { return keys.updateKeyBar(this, note); }

  // ------------------------------------------------------------ calipers

  /** Show or hide the calipers (their cursors are kept while hidden). */
  setCalipersEnabled(on) { return cal.setCalipersEnabled(this, on); }

  /** Place both cursors (seconds); opts.snap snaps them like a click does. */
  setCalipers(startS, endS, opts = {}) { return cal.setCalipers(this, startS, endS, opts); }

  /** Cursor `which` ('a' | 'b') at time s: snapped to the nearest beat (whatever the
   *  distance) when snapping is on, else to the sample grid. */
  _placeCursor(which, s, snap = this.calipers.snap) { return cal.placeCursor(this, which, s, snap); }

  _caliperChanged() { return cal.caliperChanged(this); }

  /** The measurement between the cursors, or null while fewer than two. snappedTo: the
   *  beat each cursor snapped to ({t, label, distanceMs}) or null. */
  getCalipers() { return cal.getCalipers(this); }

  clearCalipers() { return cal.clearCalipers(this); }

  _updateCaliperBar() { return cal.updateCaliperBar(this); }

  // ------------------------------------------------------------ presence, geometry

  /** Colleagues' viewing windows [{userId, username, startS, endS}]. */
  setPresence(list) {
    this.presence = filterPresence(list, this.opts.selfUserId);
    this._invalidate(false, true);
  }

  /** The name drawn for lead index i (the standard spelling on the 12-lead layouts). */
  leadLabel(i) {
    const k = this._twelveMap ? this._twelveMap.indexOf(i) : -1;
    return k >= 0 ? STANDARD_12[k] : this.leadNames[i];
  }

  /** Client (CSS px) point of time t on the first panel showing `lead` (name or index;
   *  null = any), at its baseline; null if not on the page. */
  clientPointAt(s, lead = null) {
    const li = lead === null ? null : leadIndex(lead, this.leadNames);
    if (li === -1) return null;
    const at = placeTime(this._layout, this.startS, +s, li);
    if (!at) return null;
    const r = this._canvas.getBoundingClientRect();
    const k = r.width / this._canvas.width;
    return { x: r.left + at.x * k, y: r.top + at.panel.baseline * k };
  }

  /**
   * The public test interface: a plain snapshot of what is on screen. Panels carry their
   * client rectangles (CSS px) so tests can point at a lead without private fields.
   */
  state() { return snap.snapshot(this); }

  /** Detach observers, abort requests, remove the DOM we added. */
  destroy() {
    this._destroyed = true;
    if (this._ro) this._ro.disconnect();
    if (this._mql) this._mql.removeEventListener('change', this._onDprChange);
    cancelAnimationFrame(this._frame);
    clearTimeout(this._loadingTimer);
    this._store.destroy();
    this.container.removeEventListener('keydown', this._onKey);
    const el = this._el;
    for (const x of [el.toolbar, el.calBar, el.keyBar, el.overview, el.legend, el.canvas]) x.remove();
    if (this.container.ecgViewer === this) delete this.container.ecgViewer;
    this.container.classList.remove('ecgv');
  }

  _emit(name, detail) {
    this.container.dispatchEvent(new CustomEvent(name, { bubbles: true, detail }));
  }

  // ------------------------------------------------------------ layout

  _observeSize() {
    this._widthDev = 0;
    if (typeof ResizeObserver === 'function') {
      this._ro = new ResizeObserver((entries) => {
        for (const e of entries) {
          // devicePixelContentBoxSize gives the exact device-pixel width (no rounding
          // guess), so canvas pixels map 1:1 to screen pixels. Trust it only when it agrees
          // with CSS width x dpr: emulated device scale factors report CSS pixels.
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
    const phone = widthDev / dpr < PHONE_MAX_CSS;
    const wantTwelve = this._twelveMap && this.layoutMode !== 'stacked';
    let L, name;
    if (this.disclosure) {
      L = computeLayout(widthDev, dpr, this.leadNames.length, this.speed, this.gain, this.opts, null,
        { mode: 'disclosure', lead: this.disclosureLead });
      name = 'disclosure';
    } else if (wantTwelve && phone) {
      // A phone: the 12 leads in one column at the chosen speed, paged sideways.
      const o = this.opts.stripHeightMm ? this.opts : Object.assign({}, this.opts, { stripHeightMm: 25 });
      L = computeLayout(widthDev, dpr, this.leadNames.length, this.speed, this.gain, o, null, { order: this._twelveMap });
      name = 'column';
    } else if (wantTwelve) {
      L = computeLayout(widthDev, dpr, this.leadNames.length, this.speed, this.gain, this.opts, this._twelveMap);
      name = '12lead';
    } else {
      L = computeLayout(widthDev, dpr, this.leadNames.length, this.speed, this.gain, this.opts, null, { pageS: this.pageS });
      name = 'stacked';
    }
    this._layoutName = name;
    this._el.layout.setAttribute('aria-pressed', String(name === '12lead' || name === 'column'));
    this._el.legend.hidden = !(this._beatT && this._beatT.length);
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

  _request(startS) { return planRequest(this._layout, this.durationS, startS); }

  _updateLoading() {
    const cur = this._request(this.startS);
    const loaded = cur && this._store.has(cur.key);
    clearTimeout(this._loadingTimer);
    const st = this._el.status;
    if (loaded) { st.textContent = ''; st.dataset.state = ''; return; }
    if (this._store.lastError) { st.textContent = t('Signal failed to load: page again to retry'); st.dataset.state = 'error'; return; }
    this._loadingTimer = setTimeout(() => { st.textContent = t('loading…'); st.dataset.state = 'loading'; }, LOADING_DELAY_MS);
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
    if (this._ovDirty) { this._ovDirty = false; this._ovMap = renderOverview(this); }
    if (this._bgDirty) { this._bgDirty = false; this._renderBackground(); }
    const view = { startS: this.startS, endS: this.startS + L.windowS };
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, L.widthDev, L.heightDev);
    ctx.drawImage(this._bg, 0, 0);
    this._hits = [];
    overlays.paintEndOfRecord(this, ctx, L, view);
    overlays.paintFindings(this, ctx, L, view);
    // Overlays first, trace on top: a label must never hide part of the signal.
    const labels = overlays.paintAnnotationSpans(this, ctx, L, view);
    overlays.paintAnnotationLabels(this, ctx, L, labels);
    overlays.paintSelection(this, ctx, L, view);
    const complete = this._paintTraces(ctx, L, view);
    overlays.paintBeats(this, ctx, L, view);
    overlays.paintLeadLabels(this, ctx, L);
    overlays.paintCalipers(this, ctx, L, view);
    overlays.paintKeyCursor(this, ctx, L);
    paintTimeAxis(ctx, L, view, this.durationS);
    if (this._flash) overlays.paintFlash(this, ctx, L, view);
    this._canvas.setAttribute('aria-label', t('ECG %(layout)s %(from)s to %(to)s', {
      layout: L.twelve ? t('12-lead sheet') : L.disclosure ? t('full disclosure') : t('strips'),
      from: formatTime(view.startS, this.durationS, 1), to: formatTime(Math.min(view.endS, this.durationS), this.durationS, 1) }));
    if (complete) {
      const key = `${this.startS}|${L.windowS}|${L.widthDev}|${this._layoutName}`;
      if (key !== this._drawnKey) {
        this._drawnKey = key;
        this._drawn = true;
        const v = this.getView();
        this._emit('ecgv:drawn', { startS: v.startS, endS: v.endS, t: performance.now(),
          sinceCreated: performance.now() - this._createdAt, layout: this._layoutName });
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

  /** Draws the traces; true when the page's own window was among them. */
  _paintTraces(ctx, L, view) {
    const cur = this._request(view.startS);
    const entries = this._store.drawable(cur, view);
    if (!entries.length) return false;
    const complete = !!cur && entries[entries.length - 1].key === cur.key;
    const ref = entries[entries.length - 1].data;   // baseline from the best window
    ctx.strokeStyle = TRACE;
    ctx.lineWidth = Math.max(1, (L.disclosure ? 0.8 : 1.2) * L.dpr);
    ctx.lineJoin = 'round';
    ctx.lineCap = 'round';
    for (const p of L.panels) {
      const i = p.lead;
      const refLead = ref.byLead[i];
      const baseMv = this.opts.centerBaseline && refLead ? refLead.baseline : 0;
      ctx.save();
      ctx.beginPath();
      ctx.rect(p.x0, p.top, p.x1 - p.x0, p.bottom - p.top);
      ctx.clip();   // a trace never spills into a neighbouring lead
      ctx.beginPath();
      for (const e of entries) {
        const ld = e.data.byLead[i];
        if (ld) traceLeadPath(ctx, ld, L, p, view.startS, baseMv, this.fs);
      }
      ctx.stroke();
      ctx.restore();
    }
    return complete;
  }

  _updateRangeText() {
    const v = this.getView();
    this._el.range.textContent = `${formatTime(v.startS, this.durationS, 1)} – ${formatTime(v.endS, this.durationS, 1)} / ${formatTime(this.durationS, this.durationS)}`;
    // aria-disabled, not disabled: a disabled button would drop keyboard focus.
    this._el.prev.setAttribute('aria-disabled', String(this.startS <= 0));
    this._el.next.setAttribute('aria-disabled', String(this.startS + v.windowS >= this.durationS - 1e-6));
    if (this.durationS > 3600) this._el.hour.value = String(Math.min(Math.floor(this.startS / 3600), Math.ceil(this.durationS / 3600) - 1));
  }
}

/** Serial comparison (viewer/compare-ui.js, loaded only when a prior is opened): returns
 *  {ready, state(), destroy()} at once; `ready` resolves when the medians and table are drawn. */
function compareLazily(options) {
  let link = null, dead = false;
  const ready = import('./viewer/compare-ui.js').then((m) => {
    if (dead) return null;
    link = m.linkComparison(options);
    return link.ready;
  });
  return {
    ready,
    state: () => (link ? link.state() : null),
    destroy() { dead = true; if (link) link.destroy(); },
  };
}

EcgViewer.SPEEDS = SPEEDS.slice();
EcgViewer.GAINS = GAINS.slice();
EcgViewer.PAGE_LENGTHS = PAGE_LENGTHS.slice();
EcgViewer.authorHue = authorHue;   // so other views can colour authors alike
EcgViewer.compare = compareLazily;   // serial comparison of two viewers (case page)
window.EcgViewer = EcgViewer;
window.dispatchEvent(new Event('ecgviewer:ready'));   // for page scripts that ran before this module
export default EcgViewer;
