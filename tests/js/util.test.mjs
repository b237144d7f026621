// Small helpers: time labels, beat glyphs (no "Q"), lead lookup, spans, author hues.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { authorHue, beatGlyph, formatTime, leadIndex, lowerBound, spanOf } from '../../static/js/viewer/util.js';

test('beatGlyph: N, V, S as labelled; unclassified (Q) and anything else is "?"', () => {
  assert.deepEqual(['N', 'V', 'S', 'Q', 'F', ''].map(beatGlyph), ['N', 'V', 'S', '?', '?', '?']);
});

test('formatTime: seconds for short records, m:ss and h:mm:ss for long ones', () => {
  assert.equal(formatTime(7.25, 10, 1), '7.3 s');
  assert.equal(formatTime(75, 600), '1:15');
  assert.equal(formatTime(3723.5, 86400, 1), '1:02:03.5');
});

test('leadIndex: by name (any case) or index; null for all leads; -1 unknown', () => {
  const names = ['I', 'II', 'aVF'];
  assert.equal(leadIndex('avf', names), 2);
  assert.equal(leadIndex(1, names), 1);
  assert.equal(leadIndex(null, names), null);
  assert.equal(leadIndex('all', names), null);
  assert.equal(leadIndex('V9', names), -1);
  assert.equal(leadIndex(7, names), -1);
});

test('spanOf orders the ends and treats a missing end as a point; lowerBound', () => {
  assert.deepEqual(spanOf({ start_s: 5, end_s: 2 }), [2, 5]);
  assert.deepEqual(spanOf({ start_s: 3, end_s: null }), [3, 3]);
  assert.equal(lowerBound([1, 2, 2, 4], 2), 1);
  assert.equal(lowerBound([1, 2, 2, 4], 5), 4);
});

test('authorHue is stable and stays out of the reds (90-329)', () => {
  for (const id of [1, 2, 3, 'x', 999]) {
    assert.equal(authorHue(id), authorHue(id));
    assert.ok(authorHue(id) >= 90 && authorHue(id) < 330);
  }
});
