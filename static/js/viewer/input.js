// Input: toolbar controls, keyboard (paging, calipers, keyboard annotation, full
// disclosure), pointer (span selection, calipers, annotation clicks) and the overview.
import { t } from '../i18n.js';
import { CALIPER_GRAB_CSS, MIN_DRAG_CSS, MIN_DRAG_S } from './constants.js';
import { nearestBeat, snapToSample } from './calipers.js';
import { lineAt, panelAt, xToTime } from './layout.js';
import { regionX } from './overlays.js';
import { clamp } from './util.js';

const SWIPE_MS = 350;   // a finger swipe faster than this ...
const SWIPE_CSS = 40;  // ... and longer than this (CSS px) pages

/** Pointer capture, when the pointer is a real active one (synthetic events have none). */
function capture(el, id) {
  try { el.setPointerCapture(id); } catch (_) { /* not an active pointer */ }
}

/** Wire every control and input of viewer `v` (elements from buildDom). */
export function bindInput(v) {
  const el = v._el;
  el.prev.addEventListener('click', () => v._page(-1));
  el.next.addEventListener('click', () => v._page(1));
  el.speed.addEventListener('change', () => v.setSpeed(+el.speed.value));
  el.gain.addEventListener('change', () => v.setGain(+el.gain.value));
  el.pageLen.addEventListener('change', () => v.setPageLength(+el.pageLen.value));
  el.hour.addEventListener('change', () => v.goToHour(+el.hour.value));
  el.disclosure.addEventListener('click', () => v.setFullDisclosure(!v.disclosure));
  el.all.addEventListener('click', () => {
    v.allLeadsMode = !v.allLeadsMode;
    el.all.setAttribute('aria-pressed', String(v.allLeadsMode));
  });
  el.layout.addEventListener('click', () => v.setLayout(v.getLayout() === 'stacked' ? '12lead' : 'stacked'));
  el.cal.addEventListener('click', () => v.setCalipersEnabled(!v.calipers.on));
  el.snap.addEventListener('change', () => { v.calipers.snap = el.snap.checked; });
  el.march.addEventListener('change', () => { v.calipers.march = el.march.checked; v._invalidate(); });
  el.calClear.addEventListener('click', () => v.clearCalipers());
  el.calSave.addEventListener('click', () => {
    const m = v.getCalipers();
    if (m && v.opts.onSaveMeasurement) v.opts.onSaveMeasurement(m);
  });

  v._onKey = (e) => handleKey(v, e);
  v.container.addEventListener('keydown', v._onKey);

  const cv = el.canvas;
  cv.addEventListener('pointerdown', (e) => onPointerDown(v, e));
  cv.addEventListener('pointermove', (e) => onPointerMove(v, e));
  cv.addEventListener('pointerup', (e) => onPointerUp(v, e));
  cv.addEventListener('pointercancel', () => {
    v._calDrag = null;
    if (v._drag) { v._drag = null; v.selection = null; v._invalidate(); }
  });

  const ov = el.overview;
  const seek = (e) => {
    const m = v._ovMap;
    if (!m) return;
    const r = ov.getBoundingClientRect();
    const x = (e.clientX - r.left) * (ov.width / r.width);
    const tm = ((x - m.pad) / m.plotW) * v.durationS;
    v.goTo(tm - v._layout.windowS / 2);
  };
  ov.addEventListener('pointerdown', (e) => {
    if (e.button !== 0) return;
    capture(ov, e.pointerId);
    v._ovDrag = true;
    seek(e);
    v.container.focus({ preventScroll: true });
  });
  ov.addEventListener('pointermove', (e) => { if (v._ovDrag) seek(e); });
  ov.addEventListener('pointerup', () => { v._ovDrag = false; });
  ov.addEventListener('pointercancel', () => { v._ovDrag = false; });
}

export function handleKey(v, e) {
  // Form controls keep their own keys.
  const tag = e.target && e.target.tagName;
  if (tag === 'SELECT' || tag === 'INPUT' || tag === 'TEXTAREA') return;
  if (e.altKey || e.ctrlKey || e.metaKey) return;
  if (v.keyAnnot.on && keyAnnotationKey(v, e)) { e.preventDefault(); return; }
  const w = v._layout.windowS;
  switch (e.key) {
    case 'ArrowLeft': case 'PageUp': v.goTo(v.startS - (e.shiftKey ? w / 10 : w)); break;
    case 'ArrowRight': case 'PageDown': v.goTo(v.startS + (e.shiftKey ? w / 10 : w)); break;
    case 'Home': v.goTo(0); break;
    case 'End': v.goTo(v.durationS); break;
    case 'Escape':
      if (v._drag) v._drag = null;
      if (v.calipers.on && !v.selection) v.clearCalipers();
      v.clearSelection();
      break;
    case 'c': case 'C': v.setCalipersEnabled(!v.calipers.on); break;
    case 'm': case 'M':
      if (!v.calipers.on) return;
      v.calipers.march = !v.calipers.march;
      v._el.march.checked = v.calipers.march;
      v._invalidate();
      break;
    case 'a': case 'A': v.startKeyboardAnnotation(); break;
    case 'f': case 'F': if (!v._el.disclosure.hidden) v.setFullDisclosure(!v.disclosure); else return; break;
    case 'l': case 'L':   // full disclosure: the next lead
      if (!v.disclosure) return;
      v.disclosureLead = (v.disclosureLead + 1) % v.leadNames.length;
      v._relayout();
      break;
    default: return;
  }
  e.preventDefault();
}

/** Keys while keyboard annotation is on; true when the key was used. */
function keyAnnotationKey(v, e) {
  const k = v.keyAnnot;
  const step = (dir) => {
    if (e.shiftKey || !v._beatT || !v._beatT.length) return k.cursorS + dir * 0.04;   // 1 mm at 25 mm/s
    const T = v._beatT, tol = 1e-6;
    const b = nearestBeat(T, k.cursorS);
    let i = b.index;
    if (dir > 0 && T[i] <= k.cursorS + tol) i++;
    if (dir < 0 && T[i] >= k.cursorS - tol) i--;
    return i >= 0 && i < T.length ? T[i] : k.cursorS;
  };
  switch (e.key) {
    case ',': case '<': v.moveKeyCursor(step(-1)); return true;
    case '.': case '>': v.moveKeyCursor(step(1)); return true;
    case '[': k.startS = k.cursorS; v._keySelection(); return true;
    case ']': k.endS = k.cursorS; v._keySelection(); return true;
    case 'l': case 'L': {
      const n = v.leadNames.length;
      k.leadIndex = k.leadIndex === null ? 0 : k.leadIndex + 1 < n ? k.leadIndex + 1 : null;
      v._keySelection();
      return true;
    }
    case 'Enter': v.commitKeyboardAnnotation(); return true;
    case 'Escape': case 'a': case 'A': v.stopKeyboardAnnotation(); return true;
    default:
      if (/^[1-9]$/.test(e.key) && v.annotationLabels[+e.key - 1]) {
        k.label = v.annotationLabels[+e.key - 1];
        v._updateKeyBar();
        return true;
      }
      return false;
  }
}

/** Pointer position in device pixels of the strips canvas. */
export function devicePoint(v, e) {
  const cv = v._el.canvas, r = cv.getBoundingClientRect();
  return { x: (e.clientX - r.left) * (cv.width / r.width), y: (e.clientY - r.top) * (cv.height / r.height) };
}

/** The line (time mapping) for a caliper at device point p: the line under it. */
function caliperLine(v, p) {
  const L = v._layout;
  return lineAt(L, p.y) || L.lines[0];
}

function caliperDown(v, e, p) {
  const L = v._layout;
  const line = lineAt(L, p.y);
  if (!line || p.x < line.x0 - 1 || p.x > line.x1 + 1 || p.y < L.paperTop - (line.lane ? L.laneH : 0) || p.y > L.paperBottom) return false;
  const c = v.calipers, grab = CALIPER_GRAB_CSS * L.dpr;
  let which = 'new';
  for (const k of ['b', 'a']) {
    if (c[k] !== null && Math.abs(regionX(v, line, c[k]) - p.x) <= grab) { which = k; break; }
  }
  const panel = panelAt(L, p.x, p.y);
  v._calDrag = { id: e.pointerId, which, x0: p.x, line, t0: xToTime(L, line, v.startS, p.x), moved: false,
    lead: panel ? v.leadNames[panel.lead] : null };
  v.container.focus({ preventScroll: true });
  capture(v._el.canvas, e.pointerId);
  e.preventDefault();
  return true;
}

function caliperMove(v, e, p) {
  const d = v._calDrag, c = v.calipers;
  if (Math.abs(p.x - d.x0) >= MIN_DRAG_CSS * v._layout.dpr) d.moved = true;
  if (!d.moved) return;
  const tm = xToTime(v._layout, d.line, v.startS, p.x);
  if (d.which === 'new') { v._placeCursor('a', d.t0); v._placeCursor('b', tm); c.pending = false; c.lead = d.lead; }
  else v._placeCursor(d.which, tm);
  v._caliperChanged();
}

function caliperUp(v, e, p) {
  const d = v._calDrag, c = v.calipers;
  v._calDrag = null;
  if (d.moved) { caliperMove(v, e, p); return; }
  // A click (even on a cursor) places cursors: first, then second.
  if (c.pending && c.a !== null) { v._placeCursor('b', d.t0); c.pending = false; }
  else { v._placeCursor('a', d.t0); c.b = null; c.snapB = null; c.pending = true; }
  c.lead = d.lead;
  v._caliperChanged();
}

function onPointerDown(v, e) {
  if (e.pointerType === 'mouse' && e.button !== 0) return;
  const p = devicePoint(v, e);
  const L = v._layout;
  if (v.disclosure) {   // a click on a line reads it at 25 mm/s
    const panel = panelAt(L, p.x, p.y);
    if (panel) v.setFullDisclosure(false, xToTime(L, panel, v.startS, p.x));
    return;
  }
  if (v.calipers.on && !e.shiftKey) { caliperDown(v, e, p); return; }
  const panel = panelAt(L, p.x, p.y);
  if (!panel) return;
  v.container.focus({ preventScroll: true });
  capture(v._el.canvas, e.pointerId);
  const tm = xToTime(L, panel, v.startS, p.x);
  v._drag = { id: e.pointerId, li: panel.lead, panel, x0: p.x, y0: p.y, t0: tm, t1: tm, moved: false,
    touch: e.pointerType === 'touch', at: performance.now() };
  e.preventDefault();
}

function onPointerMove(v, e) {
  const p = devicePoint(v, e);
  if (v._calDrag && e.pointerId === v._calDrag.id) { caliperMove(v, e, p); return; }
  const d = v._drag, L = v._layout;
  if (d && e.pointerId === d.id) {
    d.t1 = clamp(xToTime(L, d.panel, v.startS, p.x), 0, v.durationS);
    if (Math.abs(p.x - d.x0) >= MIN_DRAG_CSS * L.dpr) d.moved = true;
    if (d.moved) {
      v.selection = {
        leadIndex: e.shiftKey || v.allLeadsMode ? null : d.li,
        startS: Math.min(d.t0, d.t1), endS: Math.max(d.t0, d.t1), live: true,
      };
      v._invalidate();
    }
    return;
  }
  const cv = v._el.canvas;
  if (v.calipers.on) {
    const c = v.calipers, grab = CALIPER_GRAB_CSS * L.dpr, line = caliperLine(v, p);
    const near = ['a', 'b'].some((k) => c[k] !== null && Math.abs(regionX(v, line, c[k]) - p.x) <= grab);
    cv.style.cursor = near ? 'ew-resize' : '';
    return;
  }
  // Hover feedback: pointer over annotations, tooltip with their text.
  const hit = hitTest(v, p);
  cv.style.cursor = hit ? 'pointer' : '';
  const tip = hit ? `${hit.label || ''}${hit.text ? ` — ${hit.text}` : ''}` : '';
  if (cv.title !== tip) cv.title = tip;
}

function onPointerUp(v, e) {
  if (v._calDrag && e.pointerId === v._calDrag.id) { caliperUp(v, e, devicePoint(v, e)); return; }
  const d = v._drag;
  if (!d || e.pointerId !== d.id) return;
  v._drag = null;
  const p = devicePoint(v, e);
  d.t1 = clamp(xToTime(v._layout, d.panel, v.startS, p.x), 0, v.durationS);
  // A quick horizontal swipe of a finger pages (phones); a slower drag selects a span.
  const dx = (p.x - d.x0) / v._layout.dpr;
  if (d.touch && performance.now() - d.at < SWIPE_MS && Math.abs(dx) >= SWIPE_CSS &&
      Math.abs(p.y - d.y0) / v._layout.dpr < Math.abs(dx) / 2) {
    v.selection = null;
    v._page(dx < 0 ? 1 : -1);
    return;
  }
  const startS = snapToSample(Math.min(d.t0, d.t1), v.fs), endS = snapToSample(Math.max(d.t0, d.t1), v.fs);
  if (!d.moved || endS - startS < MIN_DRAG_S) {
    // A click: open an annotation under the pointer, else drop the selection.
    v.selection = null;
    v._invalidate();
    const hit = hitTest(v, { x: d.x0, y: d.y0 });
    if (hit && v.opts.onAnnotationClick) v.opts.onAnnotationClick(hit);
    return;
  }
  const all = e.shiftKey || v.allLeadsMode;
  v._selectSpan(all ? null : d.li, startS, endS);
}

/** Annotation under a device-pixel point: labels win, then the narrowest span. */
export function hitTest(v, p) {
  let best = null;
  for (const h of v._hits) {
    if (p.x < h.x0 || p.x > h.x1 || p.y < h.y0 || p.y > h.y1) continue;
    if (!best || (h.kind === 'label' && best.kind !== 'label') ||
        (h.kind === best.kind && h.x1 - h.x0 < best.x1 - best.x0)) best = h;
  }
  return best ? best.a : null;
}

/** Default labels offered by digit keys during keyboard annotation. */
export const defaultAnnotationLabels = () => [
  t('Ventricular ectopic beat'), t('Supraventricular ectopic beat'), t('Pause'), t('Atrial fibrillation'),
  t('AV block'), t('ST elevation'), t('ST depression'), t('Artefact / noise'), t('Sinus rhythm'),
];
