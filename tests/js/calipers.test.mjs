// Caliper maths: snapping to R peaks (nearest, whatever the distance) or samples,
// the measurement, and the marched-out repeats.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { marchTimes, measure, nearestBeat, snapCaliper, snapToSample } from '../../static/js/viewer/calipers.js';

const beats = Float64Array.from([0.5, 1.3, 2.1, 2.95, 3.7]);

test('nearestBeat: the nearest beat whatever the distance, ties to the earlier', () => {
  assert.equal(nearestBeat(beats, 1.34).t, 1.3);
  assert.equal(nearestBeat(beats, 1.69).t, 1.3);
  assert.equal(nearestBeat(beats, 1.71).t, 2.1);
  assert.equal(nearestBeat(beats, -4).t, 0.5);       // before the first beat
  assert.equal(nearestBeat(beats, 99).t, 3.7);       // after the last
  assert.equal(nearestBeat(beats, 1.7).index, 1);
  assert.ok(Math.abs(nearestBeat(beats, 1.34).distanceS + 0.04) < 1e-12);
  assert.equal(nearestBeat(new Float64Array(0), 1), null);
  assert.equal(nearestBeat(null, 1), null);
});

test('snapCaliper: far from any beat still snaps (no 80 ms limit); off snaps to samples', () => {
  const fs = 360;
  const far = snapCaliper(1.65, { beatT: beats, fs });      // 350 ms after the beat at 1.3 s
  assert.equal(far.t, snapToSample(1.3, fs));
  assert.equal(far.beat.index, 1);
  const off = snapCaliper(1.6501, { beatT: beats, fs, snap: false });
  assert.equal(off.beat, null);
  assert.equal(off.t, Math.round(1.6501 * fs) / fs === off.t ? off.t : NaN);
  assert.ok(Math.abs(off.t * fs - Math.round(off.t * fs)) < 1e-6);
  const none = snapCaliper(1.0, { beatT: new Float64Array(0), fs });
  assert.equal(none.beat, null);
});

test('measure: interval in ms and samples, rate, order-independent', () => {
  const fs = 360;
  const a = 100 / fs, b = 388 / fs;            // 288 samples = 800 ms
  const m = measure(b, a, fs);
  assert.equal(m.intervalSamples, 288);
  assert.equal(m.intervalMs, 800);
  assert.equal(m.rateBpm, 75);
  assert.ok(m.startS < m.endS);
  assert.equal(measure(1, 1, fs).rateBpm, null);
});

test('marchTimes: repeats both ways inside the page, not the cursors themselves', () => {
  assert.deepEqual(marchTimes(2, 3, 0, 6).map((x) => +x.toFixed(6)), [0, 1, 4, 5, 6]);
  assert.deepEqual(marchTimes(3, 2, 1.5, 4.5).map((x) => +x.toFixed(6)), [4]);
  assert.deepEqual(marchTimes(2, 2.01, 0, 10), []);     // under 50 ms: none
});
