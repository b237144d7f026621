// viewer.state(): the public snapshot of what viewer v shows, for tests and page scripts
// (no private fields needed): layout, page, scale, panels with client rectangles, tools.

import { lowerBound } from './util.js';

const round6 = (x) => Math.round(x * 1e6) / 1e6;

/**
 * The public test interface: a plain snapshot of what is on screen. Panels carry their
 * client rectangles (CSS px) so tests can point at a lead without private fields.
 */
export function snapshot(v) {
  const L = v._layout;
  const r = v._canvas.getBoundingClientRect();
  const k = r.width / (v._canvas.width || 1);
  const rect = (x0, top, x1, bottom) => ({ left: r.left + x0 * k, top: r.top + top * k, width: (x1 - x0) * k, height: (bottom - top) * k });
  const view = v.getView();
  return {
    layout: v.getLayout(), requestedLayout: v.layoutMode, disclosure: v.disclosure,
    startS: view.startS, endS: view.endS, windowS: view.windowS, durationS: v.durationS, fs: v.fs,
    speed: v.speed, gain: v.gain, pageS: v.pageS, lineS: L.lineS, colS: L.colS, stripMm: L.stripMm,
    dpr: L.dpr, pxPerMm: L.u / L.dpr, canvas: { width: v._canvas.width, height: v._canvas.height, cssWidth: r.width, cssHeight: r.height },
    leadNames: v.leadNames.slice(),
    panels: L.panels.map((p) => ({
      lead: v.leadNames[p.lead], label: v.leadLabel(p.lead), leadIndex: p.lead, row: p.row, col: p.col,
      line: p.line, rhythm: !!p.rhythm, startS: round6(v.startS + p.tOff), endS: round6(v.startS + p.tOff + (p.x1 - p.x0) / L.pxPerS),
      rect: rect(p.x0, p.top, p.x1, p.bottom), baselineY: r.top + p.baseline * k,
    })),
    drawn: v._drawn, loading: v._el.status.dataset.state || '',
    calipers: Object.assign({ on: v.calipers.on, march: v.calipers.march, snap: v.calipers.snap }, { measurement: v.getCalipers() }),
    selection: v.selection ? Object.assign({}, v.selection, { lead: v.selection.leadIndex === null ? null : v.leadNames[v.selection.leadIndex] }) : null,
    keyboardAnnotation: Object.assign({}, v.keyAnnot),
    annotations: v.annotations.map((a) => ({ id: a.id, label: a.label, lead: a.lead, startS: a.start_s, endS: a.end_s, author: a.author ? a.author.username : null, version: a.version })),
    findings: v.findings.length,
    beatsOnPage: (([i0, i1]) => i1 - i0)(beatsOn(v, view)),
    legend: [...v._el.legend.querySelectorAll('.ecgv-legend-item b')].map((b) => b.textContent),
    presence: v.presence.map((p) => ({ username: p.username, userId: p.userId, startS: p.startS, endS: p.endS })),
    cache: { windows: v._store.cache.size },
  };
}

/** Indices of the beats on the page [i0, i1). */
export function beatsOn(v, view) {
  const T = v._beatT;
  if (!T) return [0, 0];
  return [lowerBound(T, view.startS), lowerBound(T, view.endS + 1e-9)];
}
