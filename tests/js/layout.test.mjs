// Paper geometry: mm to px at any device pixel ratio, lead placement, time <-> x.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  centredStart, computeLayout, lineAt, mmToPx, panelAt, placeTime, snapStart, timeToX, twelveLeadMap, xToTime,
} from '../../static/js/viewer/layout.js';
import { CSS_PX_PER_MM } from '../../static/js/viewer/constants.js';

const O = { cssPxPerMm: CSS_PX_PER_MM };
const TWELVE = ['I', 'II', 'III', 'aVR', 'aVL', 'aVF', 'V1', 'V2', 'V3', 'V4', 'V5', 'V6'];

for (const dpr of [1, 1.25, 1.5, 2, 3]) {
  test(`1 mm of paper is 96/25.4 CSS px at dpr ${dpr}, for speed and gain`, () => {
    assert.ok(Math.abs(mmToPx(25.4, dpr, CSS_PX_PER_MM) - 96 * dpr) < 1e-9);
    const L = computeLayout(Math.round(1332 * dpr), dpr, 2, 25, 10, O, null);
    assert.ok(Math.abs(L.u - CSS_PX_PER_MM * dpr) < 1e-9);
    assert.ok(Math.abs(L.pxPerS - 25 * L.u) < 1e-9);          // 25 mm per second
    assert.ok(Math.abs(L.pxPerMv - 10 * L.u) < 1e-9);         // 10 mm per mV
    // Whole 5-mm boxes: the page is a whole number of 0.2-s periods.
    assert.equal(L.traceMm % 5, 0);
    assert.ok(Math.abs(L.windowS / 0.2 - Math.round(L.windowS / 0.2)) < 1e-9);
    // The same page length in CSS px whatever the dpr (within one box).
    const css = (L.traceX1 - L.traceX0) / dpr;
    assert.ok(Math.abs(css - L.traceMm * CSS_PX_PER_MM) < 1e-6);
  });
}

test('stacked: one strip per lead under the beat lane, 30 mm each at 10 mm/mV', () => {
  const L = computeLayout(1000, 1, 3, 25, 10, O, null);
  assert.equal(L.panels.length, 3);
  assert.deepEqual(L.panels.map((p) => p.lead), [0, 1, 2]);
  assert.equal(L.stripMm, 30);
  assert.equal(L.panels[0].top, L.laneH);
  for (let i = 1; i < 3; i++) assert.equal(L.panels[i].top, L.panels[i - 1].bottom);
  assert.equal(computeLayout(1000, 1, 3, 25, 20, O, null).stripMm, 60);
  assert.equal(computeLayout(1000, 1, 3, 25, 5, O, null).stripMm, 20);
});

test('12-lead sheet: 3 x 4 cells in standard order plus a lead II rhythm strip, 2.5 s columns', () => {
  const names = ['v6', 'v5', 'v4', 'v3', 'v2', 'v1', 'avf', 'avl', 'avr', 'iii', 'ii', 'i'];   // any order in the file
  const map = twelveLeadMap(names);
  assert.deepEqual(map.map((i) => names[i]), TWELVE.map((n) => n.toLowerCase()));
  assert.equal(twelveLeadMap(['MLII', 'V1']), null);
  const L = computeLayout(1400, 1, 12, 25, 10, O, map);
  assert.equal(L.panels.length, 13);
  assert.equal(L.colS, 2.5);
  assert.equal(L.windowS, 10);
  const cell = (c, r) => L.panels.find((p) => p.col === c && p.row === r);
  assert.equal(names[cell(0, 0).lead], 'i');
  assert.equal(names[cell(1, 2).lead], 'avf');
  assert.equal(names[cell(3, 2).lead], 'v6');
  const rhythm = L.panels[12];
  assert.ok(rhythm.rhythm && names[rhythm.lead] === 'ii' && rhythm.row === 3);
  // Columns are consecutive 2.5-s segments of one page.
  assert.equal(cell(2, 0).tOff, 5);
  assert.ok(Math.abs(timeToX(L, cell(2, 0), 0, 5) - cell(2, 0).x0) < 1e-9);
  // Narrow screen or 50 mm/s: shorter columns in whole 5-mm boxes.
  const F = computeLayout(1400, 1, 12, 50, 10, O, map);
  assert.ok(F.colS < 2.5 && Math.round(F.colS * 50) % 5 === 0);
  assert.ok(Math.abs(F.windowS - 4 * F.colS) < 1e-9);
});

test('time <-> x round trip on every panel, at dpr 1 and 2', () => {
  for (const dpr of [1, 2]) {
    const L = computeLayout(1400 * dpr, dpr, 12, 25, 10, O, twelveLeadMap(TWELVE));
    for (const p of L.panels) {
      for (const f of [0, 0.25, 0.5, 1]) {
        const t = 30 + p.tOff + f * (p.x1 - p.x0) / L.pxPerS;
        const x = timeToX(L, p, 30, t);
        assert.ok(Math.abs(xToTime(L, p, 30, x) - t) < 1e-9);
      }
    }
    // placeTime finds the cell of a lead that shows t, and panelAt finds it back.
    const at = placeTime(L, 0, 6.0, 7);   // V2 at 6 s: the third column
    assert.equal(at.panel.col, 2);
    assert.equal(panelAt(L, at.x, at.panel.baseline), at.panel);
    assert.equal(placeTime(L, 0, 1.0, 7), null);    // V2 is not shown at 1 s
  }
});

test('a long page wraps over lines of equal length at the same speed', () => {
  const L = computeLayout(1400, 1, 2, 25, 10, O, null, { pageS: 60 });
  assert.ok(L.lines.length > 1);
  assert.ok(Math.abs(L.windowS - L.lines.length * L.lineS) < 1e-9);
  assert.ok(L.windowS <= 60 && L.windowS > 55);
  assert.ok(Math.abs(L.pxPerS - 25 * L.u) < 1e-9);
  assert.equal(L.panels.length, 2 * L.lines.length);
  const p = L.panels.find((q) => q.line === 2 && q.lead === 1);
  assert.equal(p.tOff, 2 * L.lineS);
  assert.equal(lineAt(L, p.baseline).tOff, p.tOff);
  const short = computeLayout(1400, 1, 2, 25, 10, O, null, { pageS: 10 });
  assert.equal(short.lines.length, 1);
  assert.equal(short.windowS, 10);
});

test('full disclosure: 30 lines of 60 s', () => {
  const L = computeLayout(1400, 1, 2, 25, 10, O, null, { mode: 'disclosure', lead: 1 });
  assert.equal(L.lines.length, 30);
  assert.equal(L.windowS, 1800);
  assert.ok(L.panels.every((p) => p.lead === 1));
  assert.equal(L.panels[29].tOff, 29 * 60);
  assert.ok(Math.abs(timeToX(L, L.panels[3], 3600, 3600 + 180 + 60) - L.panels[3].x1) < 1e-6);
});

test('phone width: the 12 leads stacked in one column at 25 mm/s', () => {
  const map = twelveLeadMap(TWELVE);
  const L = computeLayout(360, 1, 12, 25, 10, { ...O, stripHeightMm: 25 }, null, { order: map });
  assert.equal(L.panels.length, 12);
  assert.deepEqual(L.panels.map((p) => p.lead), map);
  assert.ok(L.paperW <= 360);
  assert.ok(Math.abs(L.pxPerS - 25 * L.u) < 1e-9);
  assert.ok(L.windowS >= 2 && L.windowS < 4);
});

test('page starts snap to the bold-box period and stay in the record', () => {
  const L = computeLayout(1400, 1, 2, 25, 10, O, null);
  assert.equal(snapStart(L, 1800, 12.33), 12.4);
  assert.equal(snapStart(L, 1800, -5), 0);
  const last = snapStart(L, 1800, 1e9);
  assert.ok(last + L.windowS >= 1800 && last + L.windowS < 1800 + L.boldS + 1e-9);
  // Centring: a time at the middle of the page, or of the cell of a lead (12-lead).
  assert.ok(Math.abs(centredStart(L, 100) + L.windowS / 2 - 100) < 1e-9);
  const T = computeLayout(1400, 1, 12, 25, 10, O, twelveLeadMap(TWELVE));
  const s = centredStart(T, 40, 7);   // V2: third column, 5.0-7.5 s of the page
  assert.ok(Math.abs(s + 6.25 - 40) < 1e-9);
});
