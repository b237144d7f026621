// Signal windows: what to request for a page, fetching with cancellation and prefetch,
// and the LRU cache of fetched windows. No DOM, no i18n (the viewer shows the status).
import { CACHE_SIZE, LOAD_DEBOUNCE_MS, MAX_POINTS } from './constants.js';
import { clamp, round3 } from './util.js';

/** Map-based LRU (Map keeps insertion order; re-insert on use). */
export class LruCache {
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
  get size() { return this.map.size; }
  keys() { return Array.from(this.map.keys()); }
  values() { return Array.from(this.map.values()); }
  clear() { for (const v of this.map.values()) if (this.onEvict) this.onEvict(v); this.map.clear(); }
}

/** The signal window a page needs: {startS, endS, maxPoints, key}, or null past the end.
 *  About one bucket per device pixel of trace (all lines of the page), at most MAX_POINTS. */
export function planRequest(L, durationS, startS) {
  const s = round3(clamp(startS, 0, durationS));
  const e = round3(Math.min(durationS, s + L.windowS));
  if (e <= s) return null;
  const px = (L.traceX1 - L.traceX0) * L.lines.length;
  const maxPoints = Math.min(MAX_POINTS, Math.max(32, Math.round(px * (e - s) / L.windowS)));
  return { startS: s, endS: e, maxPoints, key: `${s}|${e}|${maxPoints}` };
}

/** Median of bucket mid-points: the isoelectric level, since most of each cardiac cycle
 *  sits near it. Used to centre the trace in its strip. */
export function medianMid(min, max) {
  const n = min.length, stride = Math.max(1, Math.floor(n / 600)), v = [];
  for (let i = 0; i < n; i += stride) {
    const m = (min[i] + max[i]) / 2;
    if (Number.isFinite(m)) v.push(m);
  }
  if (!v.length) return 0;
  v.sort((a, b) => a - b);
  return v[v.length >> 1];
}

/** Normalise a signal API answer: typed arrays (null -> NaN gap), leads matched to our
 *  lead order by name (fall back to position). */
export function normalizeWindow(json, leadNames) {
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

/**
 * Fetches the windows of the current page and the next one in the reading direction,
 * keeps them in an LRU cache, drops late answers. `onChange()` after every load or error.
 */
export class WindowStore {
  constructor(loadWindow, leadNames, onChange, capacity = CACHE_SIZE) {
    this.loadWindow = loadWindow;
    this.leadNames = leadNames;
    this.onChange = onChange;
    this.cache = new LruCache(capacity, (e) => { if (e.ctrl) e.ctrl.abort(); });
    this.curKey = null;
    this.nextReq = null;
    this.lastError = null;
    this.timer = 0;
    this.firstSent = false;
    this.destroyed = false;
  }

  /** Ask for `cur` now (the first time) or after a short debounce (scrubbing, held keys). */
  schedule(cur, next) {
    clearTimeout(this.timer);
    if (!this.firstSent) { this.firstSent = true; this.sync(cur, next); return; }
    this.curKey = cur && cur.key;
    this.timer = setTimeout(() => this.sync(cur, next), LOAD_DEBOUNCE_MS);
  }

  sync(cur, next) {
    if (this.destroyed) return;
    this.curKey = cur && cur.key;
    this.nextReq = next;
    this.lastError = null;
    const wanted = new Set([cur && cur.key, next && next.key]);
    // Cancel what is no longer needed; late answers are also ignored because they no
    // longer match a cache entry (see load).
    for (const e of this.cache.values()) {
      if (!e.data && !wanted.has(e.key)) { if (e.ctrl) e.ctrl.abort(); this.cache.delete(e.key); }
    }
    if (cur) {
      const e = this.load(cur);
      if (e.data && next) this.load(next);
    }
    this.onChange();
  }

  load(req) {
    let e = this.cache.get(req.key);
    if (e) return e;
    const ctrl = typeof AbortController === 'function' ? new AbortController() : null;
    e = Object.assign({ data: null, ctrl }, req);
    this.cache.set(req.key, e);
    Promise.resolve()
      .then(() => this.loadWindow(req.startS, req.endS, req.maxPoints, { signal: ctrl && ctrl.signal }))
      .then((json) => {
        if (this.destroyed || this.cache.peek(req.key) !== e) return;   // stale
        e.data = normalizeWindow(json, this.leadNames);
        e.ctrl = null;
        this.lastError = null;
        if (req.key === this.curKey && this.nextReq) this.load(this.nextReq);   // prefetch
        this.onChange();
      })
      .catch((err) => {
        if (this.cache.peek(req.key) === e) this.cache.delete(req.key);
        if (this.destroyed || (ctrl && ctrl.signal.aborted)) return;
        if (req.key === this.curKey) {
          this.lastError = err;
          console.warn('EcgViewer: signal window failed to load', err);
        }
        this.onChange();
      });
    return e;
  }

  /** Is the window `key` fetched? */
  has(key) { const e = key && this.cache.peek(key); return !!(e && e.data); }

  /** Loaded windows to draw for a page: any cached window at about the same resolution
   *  that overlaps it (so paging shows what is already known), the exact one last. */
  drawable(cur, view) {
    const exact = cur && this.cache.peek(cur.key);
    const density = cur ? cur.maxPoints / (cur.endS - cur.startS) : 0;
    const out = [];
    for (const e of this.cache.values()) {
      if (!e.data || e === exact) continue;
      if (e.endS <= view.startS || e.startS >= view.endS) continue;
      const d = e.maxPoints / (e.endS - e.startS);
      if (d > density * 1.5 || d < density / 1.5) continue;
      out.push(e);
    }
    if (exact && exact.data) out.push(exact);
    return out;
  }

  destroy() { this.destroyed = true; clearTimeout(this.timer); this.cache.clear(); }
}
