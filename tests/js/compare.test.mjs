// Serial comparison maths: median beats, QRS onset, ST level, the difference table.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { THRESHOLDS, measurementDeltas, medianBeat, qrsOnsetIndex, stLevel } from '../../static/js/viewer/compare.js';

const fs = 500;
// Synthetic beats: flat, a QRS of 80 ms starting 40 ms before R (ramp up to 1 mV at R, down
// to 0 at +40 ms), then an ST segment at `st` mV for 200 ms.
function record(beatT, durationS, st = 0, noise = 0, seed = 1) {
  const x = new Float32Array(Math.round(durationS * fs));
  let s = seed;
  const rnd = () => { s = (s * 16807) % 2147483647; return s / 2147483647 - 0.5; };
  for (let i = 0; i < x.length; i++) x[i] = noise * rnd();
  for (const t of beatT) {
    const r = Math.round(t * fs);
    for (let k = -20; k <= 20; k++) x[r + k] += 1 - Math.abs(k) / 20;
    for (let k = 21; k <= 120; k++) x[r + k] += st;
  }
  return x;
}
const beats = [0.6, 1.4, 2.2, 3.0, 3.8, 4.6, 5.4, 6.2, 7.0, 7.8, 8.6];

test('medianBeat: R at rIndex, outlier beats do not move the median', () => {
  const x = record(beats, 10, 0, 0.02);
  // One beat with a huge artefact.
  const r = Math.round(3.0 * fs);
  for (let k = 0; k < 50; k++) x[r + 60 + k] += 3;
  const m = medianBeat(x, fs, 0, beats);
  assert.equal(m.n, beats.length);
  assert.equal(m.rIndex, Math.round(0.35 * fs));
  assert.ok(Math.abs(m.values[m.rIndex] - 1) < 0.03);
  assert.ok(Math.abs(m.values[m.rIndex + 80]) < 0.03);           // the artefact is gone
  // Beats too close to the edges are skipped.
  assert.equal(medianBeat(x, fs, 0, [0.1, 9.9]).n, 0);
  assert.ok(Number.isNaN(medianBeat(x, fs, 0, [0.1]).values[0]));
});

test('qrsOnsetIndex finds the start of the complex (within 6 ms)', () => {
  const x = record(beats, 10);
  const m = medianBeat(x, fs, 0, beats);
  const onset = qrsOnsetIndex([m.values, m.values], fs, m.rIndex);
  assert.ok(Math.abs(onset - (m.rIndex - 20)) <= 3, `${onset} vs ${m.rIndex - 20}`);
});

test('stLevel: ST elevation measured against the PR baseline', () => {
  for (const st of [0, 0.1, -0.15]) {
    const x = record(beats, 10, st, 0.01);
    const m = medianBeat(x, fs, 0, beats);
    const onset = m.rIndex - 20;
    assert.ok(Math.abs(stLevel(m.values, fs, onset, 80) - st) < 0.02, String(st));
  }
});

test('measurementDeltas: current minus prior, axis wrapped, changes beyond thresholds flagged', () => {
  const rows = measurementDeltas(
    { heart_rate_bpm: 62, pr_ms: 160, qrs_ms: 120, qt_ms: 400, qtc_ms: 410, axis_deg: -170 },
    { heart_rate_bpm: 45, pr_ms: 150, qrs_ms: 90, qt_ms: 430, qtc_ms: 405, axis_deg: 170 },
    { V2: 0.15, V5: 0.02 }, { V2: 0.0, V5: 0.0 });
  const by = (k, lead) => rows.find((r) => r.key === k && (lead === undefined || r.lead === lead));
  assert.equal(by('heart_rate_bpm').delta, 17);
  assert.ok(by('heart_rate_bpm').changed);
  assert.ok(!by('pr_ms').changed);                 // 10 ms < 20 ms
  assert.ok(by('qrs_ms').changed);
  assert.equal(by('qt_ms').delta, -30);
  assert.ok(!by('qt_ms').changed);
  assert.equal(by('axis_deg').delta, 20);           // -170 vs 170 is 20 degrees apart
  assert.ok(!by('axis_deg').changed);
  assert.ok(by('st_mv', 'V2').changed && !by('st_mv', 'V5').changed);
  const missing = measurementDeltas({ pr_ms: null }, { pr_ms: 150 });
  assert.equal(missing.find((r) => r.key === 'pr_ms').delta, null);
  assert.equal(THRESHOLDS.st_mv, 0.1);
});
