// Window loading and cache: LRU eviction, request planning, stale answers, prefetch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LruCache, WindowStore, medianMid, normalizeWindow, planRequest } from '../../static/js/viewer/loader.js';
import { computeLayout } from '../../static/js/viewer/layout.js';
import { CSS_PX_PER_MM, MAX_POINTS } from '../../static/js/viewer/constants.js';

test('LruCache evicts the least recently used, get() refreshes, peek() does not', () => {
  const evicted = [];
  const c = new LruCache(3, (v) => evicted.push(v));
  c.set('a', 1); c.set('b', 2); c.set('c', 3);
  c.get('a');                 // a is now the most recent
  c.peek('b');                // no refresh
  c.set('d', 4);              // evicts b
  assert.deepEqual(evicted, [2]);
  assert.deepEqual(c.keys(), ['c', 'a', 'd']);
  c.set('c', 30);             // re-set refreshes too
  c.set('e', 5);              // evicts a
  assert.deepEqual(evicted, [2, 1]);
  assert.deepEqual(c.keys(), ['d', 'c', 'e']);
  c.clear();
  assert.equal(c.size, 0);
  assert.deepEqual(evicted.slice(2).sort(), [30, 4, 5].sort());
});

test('planRequest: the page, clipped at the record end, about one bucket per pixel', () => {
  const L = computeLayout(1400, 1, 2, 25, 10, { cssPxPerMm: CSS_PX_PER_MM }, null);
  const r = planRequest(L, 1800, 100);
  assert.equal(r.startS, 100);
  assert.ok(Math.abs(r.endS - 100 - L.windowS) < 1e-3);
  assert.equal(r.maxPoints, Math.round(L.traceX1 - L.traceX0));
  const end = planRequest(L, 1800, 1795);
  assert.equal(end.endS, 1800);
  assert.ok(end.maxPoints < r.maxPoints);
  assert.equal(planRequest(L, 1800, 1800), null);
  const D = computeLayout(1400, 1, 2, 25, 10, { cssPxPerMm: CSS_PX_PER_MM }, null, { mode: 'disclosure' });
  assert.equal(planRequest(D, 86400, 0).maxPoints, MAX_POINTS);   // the API's cap
});

test('normalizeWindow: nulls become gaps, leads matched by name, baseline is the median level', () => {
  const w = normalizeWindow({ fs: 360, leads: [
    { name: 'V1', start_s: 0, step_s: 0.1, min: [1, null, 1], max: [1, 2, 1] },
    { name: 'MLII', start_s: 0, step_s: 0.1, min: [0, 0, 0], max: [0.2, 0.2, 0.2] },
  ] }, ['MLII', 'V1']);
  assert.equal(w.byLead[0].max[0], Math.fround(0.2));
  assert.ok(Number.isNaN(w.byLead[1].min[1]));
  assert.ok(Math.abs(w.byLead[0].baseline - 0.1) < 1e-6);
  assert.equal(medianMid(new Float32Array([NaN]), new Float32Array([NaN])), 0);
});

test('WindowStore: loads the page then prefetches the next; drops what is no longer wanted', async () => {
  const calls = [];
  const pending = new Map();
  const load = (s, e, n) => { calls.push(s); return new Promise((res) => pending.set(s, () => res({ fs: 1, leads: [{ name: 'A', start_s: s, step_s: 1, min: [0], max: [1] }] }))); };
  let changes = 0;
  const store = new WindowStore(load, ['A'], () => { changes++; }, 4);
  const req = (s) => ({ startS: s, endS: s + 10, maxPoints: 100, key: `${s}|${s + 10}|100` });
  store.sync(req(0), req(10));
  await Promise.resolve(); await Promise.resolve();
  assert.deepEqual(calls, [0]);                 // the next page waits for the current one
  pending.get(0)();
  await new Promise((r) => setTimeout(r, 0));
  assert.ok(store.has(req(0).key));
  assert.deepEqual(calls, [0, 10]);             // prefetch
  // Jump elsewhere: the unanswered prefetch is dropped; its late answer is ignored.
  store.sync(req(500), req(510));
  pending.get(10)();
  await new Promise((r) => setTimeout(r, 0));
  assert.ok(!store.has(req(10).key));
  assert.equal(store.drawable(req(500), { startS: 500, endS: 510 }).length, 0);
  pending.get(500)();
  await new Promise((r) => setTimeout(r, 0));
  assert.equal(store.drawable(req(500), { startS: 500, endS: 510 }).at(-1).key, req(500).key);
  // The cache never holds more than its capacity.
  for (let s = 1000; s < 1100; s += 10) { store.sync(req(s), null); await Promise.resolve(); await Promise.resolve(); pending.get(s)(); await new Promise((r) => setTimeout(r, 0)); }
  assert.ok(store.cache.size <= 4);
  store.destroy();
  assert.ok(changes > 0);
});
