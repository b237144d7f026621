// The caliper tool of viewer v: cursors (snapped to the nearest beat or to samples), the
// measurement with what each cursor snapped to, the caliper bar. The maths is calipers.js.
import { t } from '../i18n.js';
import { measure, snapCaliper } from './calipers.js';
import { beatGlyph, clamp, formatTime } from './util.js';

/** Show or hide the calipers (their cursors are kept while hidden). */
export function setCalipersEnabled(v, on) {
  v.calipers.on = !!on;
  v._el.cal.setAttribute('aria-pressed', String(v.calipers.on));
  v._el.calBar.hidden = !v.calipers.on;
  v._canvas.classList.toggle('ecgv-caliper-mode', v.calipers.on);
  updateCaliperBar(v);
  v._invalidate();
}

/** Place both cursors (seconds); opts.snap snaps them like a click does. */
export function setCalipers(v, startS, endS, opts = {}) {
  const c = v.calipers;
  const f = (s) => clamp(+s, 0, v.durationS);
  placeCursor(v, 'a', f(startS), !!opts.snap);
  placeCursor(v, 'b', f(endS), !!opts.snap);
  c.pending = false;
  c.lead = opts.lead === undefined ? null : opts.lead;
  if (!c.on) setCalipersEnabled(v, true);
  caliperChanged(v);
}

/** Cursor `which` ('a' | 'b') at time s: snapped to the nearest beat (whatever the
 *  distance) when snapping is on, else to the sample grid. */
export function placeCursor(v, which, s, snap = v.calipers.snap) {
  const r = snapCaliper(s, { beatT: v._beatT, fs: v.fs, snap });
  v.calipers[which] = r.t;
  v.calipers[which === 'a' ? 'snapA' : 'snapB'] = r.beat ? { t: r.t, beat: r.beat, clickS: s } : null;
}

export function caliperChanged(v) {
  updateCaliperBar(v);
  v._invalidate();
  const m = getCalipers(v);
  if (m) v._emit('ecgv:calipers', m);
}

/** The measurement between the cursors, or null while fewer than two. snappedTo: the
 *  beat each cursor snapped to ({t, label, distanceMs}) or null. */
export function getCalipers(v) {
  const c = v.calipers;
  if (c.a === null || c.b === null) return null;
  const m = measure(c.a, c.b, v.fs);
  const first = c.a <= c.b ? [c.snapA, c.snapB] : [c.snapB, c.snapA];
  m.lead = c.lead;
  m.snappedTo = first.map((s) => s ? {
    t: s.t, label: beatGlyph(v._beatL[s.beat.index]),
    distanceMs: Math.round((s.t - s.clickS) * 1000),
  } : null);
  return m;
}

export function clearCalipers(v) {
  const c = v.calipers;
  c.a = c.b = c.snapA = c.snapB = null; c.pending = false;
  updateCaliperBar(v);
  v._invalidate();
}

export function updateCaliperBar(v) {
  const c = v.calipers, m = getCalipers(v), el = v._el.calText;
  let text;
  if (m) {
    text = t('Interval %(ms)s ms (%(samples)s samples at %(fs)s Hz) · rate %(rate)s bpm', {
      ms: Math.round(m.intervalMs), samples: m.intervalSamples, fs: +v.fs.toFixed(3),
      rate: m.rateBpm === null ? '—' : Math.round(m.rateBpm) });
  } else if (c.a !== null) {
    text = t('Click the second cursor (e.g. the next R peak).');
  } else {
    text = t('Click two points (e.g. two R peaks) or drag between them.');
  }
  el.textContent = text;
  // What snapping did: the beat (and how far from the click) each cursor went to.
  const snaps = [c.snapA, c.snapB].filter(Boolean).map((s) => t('%(label)s beat at %(at)s (%(d)s ms from the click)', {
    label: beatGlyph(v._beatL[s.beat.index]), at: formatTime(s.t, v.durationS, 3),
    d: (s.t - s.clickS >= 0 ? '+' : '') + Math.round((s.t - s.clickS) * 1000) }));
  v._el.snapText.textContent = snaps.length ? t('Snapped to: %(list)s', { list: snaps.join('; ') }) : '';
  if (m) {
    el.dataset.intervalMs = String(m.intervalMs);
    el.dataset.intervalSamples = String(m.intervalSamples);
    el.dataset.rateBpm = String(m.rateBpm);
  } else {
    delete el.dataset.intervalMs; delete el.dataset.intervalSamples; delete el.dataset.rateBpm;
  }
  v._el.calSave.disabled = !m;
}
