// Drawing the min/max envelope keeps every peak, and decimation keeps the extremes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decimateMinMax, traceLeadPath } from '../../static/js/viewer/paint.js';
import { computeLayout } from '../../static/js/viewer/layout.js';
import { CSS_PX_PER_MM } from '../../static/js/viewer/constants.js';

function recorder() {
  const pts = [];
  return { pts, moveTo: (x, y) => pts.push([x, y, 'M']), lineTo: (x, y) => pts.push([x, y, 'L']) };
}

// A 10-s synthetic ECG at 500 Hz: baseline 0, R peaks of 1.5 mV every 0.8 s (one sample
// wide), S troughs of -0.6 mV 20 ms later.
const fs = 500, n = 10 * fs;
const raw = new Float32Array(n);
const rTimes = [];
for (let t = 0.4; t < 10; t += 0.8) {
  const i = Math.round(t * fs);
  raw[i] = 1.5; raw[i + 10] = -0.6; rTimes.push(i);
}

test('decimateMinMax keeps every one-sample peak and trough, for any bucket size', () => {
  for (const bucket of [1, 2, 3, 7, 16, 50]) {
    const { min, max } = decimateMinMax(raw, bucket);
    assert.equal(max.length, Math.ceil(n / bucket));
    for (const i of rTimes) {
      assert.equal(max[Math.floor(i / bucket)], Math.fround(1.5));
      assert.equal(min[Math.floor((i + 10) / bucket)], Math.fround(-0.6));
    }
  }
});

for (const dpr of [1, 2]) {
  test(`the drawn envelope reaches every R peak and S trough (dpr ${dpr})`, () => {
    const L = computeLayout(1400 * dpr, dpr, 1, 25, 10, { cssPxPerMm: CSS_PX_PER_MM }, null);
    const p = L.panels[0];
    const bucket = Math.ceil(n / (L.traceX1 - L.traceX0));   // about one bucket per pixel, as requested
    const { min, max } = decimateMinMax(raw, bucket);
    const ld = { min, max, start_s: 0, step_s: bucket / fs };
    const ctx = recorder();
    traceLeadPath(ctx, ld, L, p, 0, 0, fs);
    const ys = ctx.pts.map(([, y]) => y);
    const top = p.baseline - 1.5 * L.pxPerMv, bottom = p.baseline + 0.6 * L.pxPerMv;
    assert.ok(Math.abs(Math.min(...ys) - top) < 1e-3);
    assert.ok(Math.abs(Math.max(...ys) - bottom) < 1e-3);
    // Every R peak is visited near its own x (within one bucket).
    for (const i of rTimes.filter((k) => k / fs < L.windowS)) {
      const x = p.x0 + (i / fs) * L.pxPerS;
      const hit = ctx.pts.some(([px, py]) => Math.abs(py - top) < 1e-3 && Math.abs(px - x) <= bucket / fs * L.pxPerS + 1e-6);
      assert.ok(hit, `R peak at ${i / fs} s not drawn`);
    }
    // Only the page is drawn (plus a bucket either side).
    assert.ok(ctx.pts.every(([x]) => x >= p.x0 - 2 * bucket / fs * L.pxPerS && x <= p.x1 + 2 * bucket / fs * L.pxPerS));
  });
}

test('gaps (NaN) lift the pen', () => {
  const L = computeLayout(800, 1, 1, 25, 10, { cssPxPerMm: CSS_PX_PER_MM }, null);
  const min = Float32Array.from([0, 0, NaN, 0, 0]), max = Float32Array.from([1, 1, NaN, 1, 1]);
  const ctx = recorder();
  traceLeadPath(ctx, { min, max, start_s: 0, step_s: 0.5 }, L, L.panels[0], 0, 0, 500);
  assert.equal(ctx.pts.filter((q) => q[2] === 'M').length, 2);
});

test('a page on a later line or column is drawn from its own time offset', () => {
  const L = computeLayout(1400, 1, 1, 25, 10, { cssPxPerMm: CSS_PX_PER_MM }, null, { pageS: 60 });
  const p = L.panels[1];
  const ld = { min: Float32Array.from({ length: 600 }, () => 0), max: Float32Array.from({ length: 600 }, () => 0), start_s: 100, step_s: 0.1 };
  const ctx = recorder();
  traceLeadPath(ctx, ld, L, p, 100, 0, 500);
  const xs = ctx.pts.map(([x]) => x);
  // The first sample of line 2 (at 100 + tOff) sits at the panel's left edge.
  const first = xs.reduce((m, x) => Math.min(m, x), Infinity);
  assert.ok(first <= p.x0 + 0.1 * L.pxPerS && first >= p.x0 - 0.3 * L.pxPerS);
});
